//! Configuration and SDK clients, built once per cold start and shared by every request.

use std::sync::Arc;

/// Settings read from the environment.
#[derive(Debug, Clone)]
pub struct Config {
    /// The single DynamoDB table (`TABLE_NAME`).
    pub table_name: String,
    /// The S3 bucket holding logos (`LOGO_BUCKET`).
    pub logo_bucket: String,
    /// Public base URL under which logo keys are served (`LOGO_BASE_URL`), without trailing slash.
    pub logo_base_url: String,
    /// Domain under which each organization's `host_url` lives (`PUBLIC_HOST_DOMAIN`):
    /// `https://<code>.<domain>`.
    pub public_host_domain: String,
    /// Key sealing API token secrets for `return_active_token_if_exists`
    /// (`TOKEN_ENCRYPTION_KEY`, base64 of 32 bytes). Without it secrets are only hashed.
    pub token_sealer: Option<crate::token::Sealer>,
    /// How long a DELETE request drives its purge before answering 202 and leaving the rest to
    /// the worker (`DELETE_INLINE_BUDGET_MS`, default 2000).
    pub delete_inline_budget: std::time::Duration,
    /// Metabase, for `GET /metabase/session` and `POST /organizations/{id}/metabase/recreate`
    /// (`METABASE_SITE_URL` and the rest; `None` when unset: those routes answer 503).
    pub metabase: Option<MetabaseSettings>,
    /// R29: whether a request without an authorizer context may claim its identity with the
    /// `User-ID` / `Organization-ID` headers (`ORGS_LOCAL_IDENTITY_HEADERS=true`). Only local
    /// runs set it (`orgs-local serve`, the test harness, `cargo lambda` sample runs); deployed,
    /// such a request is 401.
    pub local_identity_headers: bool,
    /// R31: the OIDC issuers whose JWTs the authorizer accepts (`OIDC_ISSUER`, `OIDC_AUDIENCE`,
    /// `OIDC_USER_CLAIM`); empty when `OIDC_ISSUER` is unset.
    pub oidc: Vec<OidcIssuer>,
}

/// One trusted OIDC issuer (a deployment parameter).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OidcIssuer {
    /// The issuer URL, exactly as in the tokens' `iss` (and the discovery document's `issuer`).
    pub issuer: String,
    /// The audience the tokens must carry in `aud` (the client id, or an API identifier).
    pub audience: String,
    /// The claim naming the user (default `email`), matched against an existing user.
    pub user_claim: String,
}

impl OidcIssuer {
    pub fn from_env() -> Option<Self> {
        let var = |k: &str| std::env::var(k).ok().map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
        let issuer = var("OIDC_ISSUER")?;
        let Some(audience) = var("OIDC_AUDIENCE") else {
            tracing::error!("OIDC_ISSUER is set without OIDC_AUDIENCE: OIDC sign-in is disabled");
            return None;
        };
        Some(OidcIssuer { issuer, audience, user_claim: var("OIDC_USER_CLAIM").unwrap_or_else(|| "email".to_string()) })
    }
}

/// How to reach Metabase and sign its embedding tokens.
#[derive(Clone)]
pub struct MetabaseSettings {
    /// Base URL of the Metabase instance (`METABASE_SITE_URL`), without trailing slash.
    pub site_url: String,
    /// API key sent as `x-api-key` (`METABASE_API_KEY`).
    pub api_key: String,
    /// The embedding secret signing session JWTs with HS256 (`METABASE_EMBEDDING_SECRET`).
    pub embedding_secret: Vec<u8>,
    /// Dashboards copied into every organization's collection (`METABASE_TEMPLATE_DASHBOARDS`,
    /// comma-separated ids).
    pub template_dashboards: Vec<u64>,
    /// Lifetime of a session JWT (`METABASE_SESSION_TTL_SECS`, default 600).
    pub session_ttl: std::time::Duration,
    /// Limit for each call to Metabase (`METABASE_TIMEOUT_MS`, default 5000).
    pub timeout: std::time::Duration,
}

impl std::fmt::Debug for MetabaseSettings {
    /// Never prints the secrets.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MetabaseSettings")
            .field("site_url", &self.site_url)
            .field("template_dashboards", &self.template_dashboards)
            .field("session_ttl", &self.session_ttl)
            .finish_non_exhaustive()
    }
}

impl MetabaseSettings {
    pub fn from_env() -> Option<Self> {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
        let site_url = var("METABASE_SITE_URL")?.trim_end_matches('/').to_string();
        let secret = var("METABASE_EMBEDDING_SECRET").unwrap_or_default();
        if secret.len() < 32 {
            tracing::error!("METABASE_EMBEDDING_SECRET must have at least 32 characters: Metabase is disabled");
            return None;
        }
        let ms = |k: &str, d: u64| var(k).and_then(|v| v.parse().ok()).unwrap_or(d);
        Some(MetabaseSettings {
            site_url,
            api_key: var("METABASE_API_KEY").unwrap_or_default(),
            embedding_secret: secret.into_bytes(),
            template_dashboards: var("METABASE_TEMPLATE_DASHBOARDS")
                .unwrap_or_default()
                .split(',')
                .filter_map(|d| d.trim().parse().ok())
                .collect(),
            session_ttl: std::time::Duration::from_secs(ms("METABASE_SESSION_TTL_SECS", 600)),
            timeout: std::time::Duration::from_millis(ms("METABASE_TIMEOUT_MS", 5000)),
        })
    }
}

impl Config {
    pub fn from_env() -> Self {
        let var = |k: &str, d: &str| std::env::var(k).ok().filter(|v| !v.is_empty()).unwrap_or_else(|| d.to_string());
        let table_name = var("TABLE_NAME", "orgs");
        let logo_bucket = var("LOGO_BUCKET", "orgs-logos");
        let region = var("AWS_REGION", "us-east-1");
        let default_logo_base = format!("https://{logo_bucket}.s3.{region}.amazonaws.com");
        let logo_base_url = var("LOGO_BASE_URL", &default_logo_base).trim_end_matches('/').to_string();
        let public_host_domain = var("PUBLIC_HOST_DOMAIN", "orgs.example.com");
        let token_sealer = std::env::var("TOKEN_ENCRYPTION_KEY").ok().and_then(|k| {
            let s = crate::token::Sealer::from_base64(&k);
            if s.is_none() {
                tracing::error!("TOKEN_ENCRYPTION_KEY is not base64 of 32 bytes: token secrets will not be sealed");
            }
            s
        });
        let delete_inline_budget =
            std::time::Duration::from_millis(var("DELETE_INLINE_BUDGET_MS", "2000").parse().unwrap_or(2000));
        Self {
            table_name,
            logo_bucket,
            logo_base_url,
            public_host_domain,
            token_sealer,
            delete_inline_budget,
            metabase: MetabaseSettings::from_env(),
            local_identity_headers: std::env::var("ORGS_LOCAL_IDENTITY_HEADERS").is_ok_and(|v| v.trim() == "true"),
            oidc: OidcIssuer::from_env().into_iter().collect(),
        }
    }
}

/// Everything a request needs: config and clients. Cheap to clone (one `Arc`).
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

pub struct Inner {
    pub config: Config,
    pub dynamo: aws_sdk_dynamodb::Client,
    /// Only the functions that store or purge logos have one ([`AppState::from_env_with_s3`]).
    pub s3: S3Slot,
}

/// The S3 client of a function: none, ready, or built on first use (once per cold start) over
/// the DynamoDB client's HTTP client. The organizations function touches S3 only for logos and
/// deletions, so building it lazily keeps its set-up out of every cold start (docs/PERFORMANCE.md,
/// "Init").
#[derive(Clone, Default)]
pub enum S3Slot {
    #[default]
    None,
    Ready(aws_sdk_s3::Client),
    Lazy(Arc<LazyS3>),
}

pub struct LazyS3 {
    settings: crate::runtime::aws_clients::ClientSettings,
    http: aws_sdk_dynamodb::config::SharedHttpClient,
    client: std::sync::OnceLock<aws_sdk_s3::Client>,
}

impl S3Slot {
    /// The client, built now if it is lazy and not built yet.
    pub fn get(&self) -> Option<&aws_sdk_s3::Client> {
        match self {
            S3Slot::None => None,
            S3Slot::Ready(c) => Some(c),
            S3Slot::Lazy(l) => {
                Some(l.client.get_or_init(|| crate::runtime::aws_clients::build_s3(&l.settings, l.http.clone())))
            }
        }
    }

    /// Has a lazy client been built yet (tests and benches)?
    pub fn is_built(&self) -> bool {
        match self {
            S3Slot::None => false,
            S3Slot::Ready(_) => true,
            S3Slot::Lazy(l) => l.client.get().is_some(),
        }
    }
}

impl From<aws_sdk_s3::Client> for S3Slot {
    fn from(c: aws_sdk_s3::Client) -> Self {
        S3Slot::Ready(c)
    }
}

impl From<Option<aws_sdk_s3::Client>> for S3Slot {
    fn from(c: Option<aws_sdk_s3::Client>) -> Self {
        c.map_or(S3Slot::None, S3Slot::Ready)
    }
}

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    /// Builds the SDK clients from the Lambda environment (`crate::runtime::aws_clients`: region,
    /// credentials and `AWS_ENDPOINT_URL_DYNAMODB` / `AWS_ENDPOINT_URL_S3` for the local stack).
    /// Panics, naming the variable, when the region or credentials are missing: a function
    /// without them cannot serve a single request.
    ///
    /// DynamoDB only: the functions that never touch S3.
    pub fn from_env() -> Self {
        let dynamo = crate::runtime::aws_clients::build_dynamodb(&Self::settings());
        Self::from_clients(Config::from_env(), dynamo, S3Slot::None)
    }

    /// DynamoDB, and S3 on first use: the functions that store logos or purge them
    /// (organizations, the deletion worker).
    pub fn from_env_with_s3() -> Self {
        let settings = Self::settings();
        let http = crate::runtime::aws_clients::http_client(&settings);
        let dynamo = crate::runtime::aws_clients::dynamodb_with(&settings, http.clone());
        let s3 = S3Slot::Lazy(Arc::new(LazyS3 { settings, http, client: std::sync::OnceLock::new() }));
        Self::from_clients(Config::from_env(), dynamo, s3)
    }

    fn settings() -> crate::runtime::aws_clients::ClientSettings {
        crate::runtime::aws_clients::ClientSettings::from_env().unwrap_or_else(|e| panic!("{e}"))
    }

    /// From ready clients (tests add interceptors to them).
    pub fn from_clients(config: Config, dynamo: aws_sdk_dynamodb::Client, s3: impl Into<S3Slot>) -> Self {
        Self(Arc::new(Inner { config, dynamo, s3: s3.into() }))
    }

    /// The S3 client, or a 500 in a function built without one (a wiring mistake, which the
    /// logo and deletion tests would show).
    pub fn s3(&self) -> crate::ApiResult<&aws_sdk_s3::Client> {
        self.s3.get().ok_or_else(|| crate::ApiError::internal("this function was built without an S3 client"))
    }

    /// The same clients with other settings (tests).
    pub fn with_config(&self, config: Config) -> Self {
        Self(Arc::new(Inner { config, dynamo: self.dynamo.clone(), s3: self.s3.clone() }))
    }

    pub fn store(&self) -> crate::store::Store<'_> {
        crate::store::Store::new(&self.dynamo, &self.config.table_name)
    }
}

/// Installs the JSON log subscriber once (level from `LOG_LEVEL`, default `info`).
pub fn init_logging() {
    let level = match std::env::var("LOG_LEVEL").unwrap_or_default().to_lowercase().as_str() {
        "trace" => tracing::Level::TRACE,
        "debug" => tracing::Level::DEBUG,
        "warn" => tracing::Level::WARN,
        "error" => tracing::Level::ERROR,
        _ => tracing::Level::INFO,
    };
    let _ = tracing_subscriber::fmt()
        .json()
        .with_max_level(level)
        .with_current_span(true)
        .without_time()
        .with_target(false)
        .try_init();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lazy_s3_client_is_built_on_first_use_only() {
        let settings = crate::runtime::aws_clients::ClientSettings {
            region: "eu-west-1".into(),
            access_key_id: "AKID".into(),
            secret_access_key: "secret".into(),
            session_token: None,
            dynamodb_endpoint: None,
            s3_endpoint: Some("http://127.0.0.1:9".into()),
            native_roots: false,
        };
        let http = crate::runtime::aws_clients::http_client(&settings);
        let slot = S3Slot::Lazy(Arc::new(LazyS3 { settings, http, client: std::sync::OnceLock::new() }));
        let copy = slot.clone();
        assert!(!slot.is_built(), "nothing built at start-up");
        assert!(slot.get().is_some());
        assert!(copy.is_built(), "built once, shared by every copy of the state");
        assert!(S3Slot::None.get().is_none());
    }
}
