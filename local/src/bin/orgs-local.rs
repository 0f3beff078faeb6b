//! `orgs-local`: local stack helper.
//!
//! - `orgs-local setup`: create the table (from infra/template.yaml) and the logo bucket if absent,
//!   then bootstrap; prints the root organization id and superadmin user id as JSON.
//! - `orgs-local serve [--port N]`: serve every function at http://127.0.0.1:N with the real paths
//!   (`API_BIND=<ip>` binds elsewhere; only requests for a loopback `Host` are answered), and a
//!   development OIDC issuer at http://127.0.0.1:N/dev/oidc (`POST /dev/oidc/token
//!   {"email": "..."}` answers a JWT the authorizer accepts; orgs_local::dev_oidc).
//!
//! Uses the standard AWS environment (`AWS_ENDPOINT_URL_DYNAMODB`, `AWS_ENDPOINT_URL_S3`, ...)
//! plus `TABLE_NAME` and `LOGO_BUCKET`; bootstrap ids may be fixed with `BOOTSTRAP_ORG_ID`,
//! `BOOTSTRAP_USER_ID`, `BOOTSTRAP_ADMIN_EMAIL`.

use orgs_local::bootstrap::{bootstrap, BootstrapOptions};
use shared::AppState;

fn usage() -> ! {
    eprintln!("usage: orgs-local setup | orgs-local serve [--port N]");
    std::process::exit(2)
}

#[tokio::main]
async fn main() {
    shared::runtime::config::init_logging();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let state = AppState::from_env_with_s3();
    let result = match args.first().map(String::as_str) {
        Some("setup") => setup(&state).await,
        Some("serve") => {
            let port = match args.get(1).map(String::as_str) {
                Some("--port") => args.get(2).and_then(|p| p.parse().ok()).unwrap_or_else(|| usage()),
                None => 3000,
                _ => usage(),
            };
            let addr = match orgs_local::gateway::bind_addr(std::env::var("API_BIND").ok().as_deref(), port) {
                Ok(a) => a,
                Err(e) => {
                    eprintln!("orgs-local: {e}");
                    std::process::exit(2)
                }
            };
            eprintln!("serving the API on http://{addr}");
            // LOCAL_AUTH=token refuses requests without a token, as the deployed API does.
            let mode = match std::env::var("LOCAL_AUTH").as_deref() {
                Ok("token") => orgs_local::gateway::HeaderIdentity::Refused,
                _ => orgs_local::gateway::HeaderIdentity::Allowed,
            };
            eprintln!(
                "identity: Authorization: Bearer <token> (authorizer){}",
                if mode == orgs_local::gateway::HeaderIdentity::Allowed {
                    ", or User-ID / Organization-ID headers"
                } else {
                    " only"
                }
            );
            // R29: a local run accepts identity headers (unless LOCAL_AUTH=token); R31: the
            // development issuer, added to any configured with OIDC_ISSUER.
            let issuer = orgs_local::dev_oidc::DevIssuer::new(&format!("http://{addr}{}", orgs_local::dev_oidc::PATH));
            let mut config = state.config.clone();
            config.local_identity_headers = mode == orgs_local::gateway::HeaderIdentity::Allowed;
            config.oidc.push(shared::runtime::config::OidcIssuer {
                issuer: issuer.issuer().to_string(),
                audience: orgs_local::dev_oidc::AUDIENCE.to_string(),
                user_claim: "email".to_string(),
            });
            eprintln!(
                "development OIDC issuer: {} (POST {}/token {{\"email\": \"...\"}})",
                issuer.issuer(),
                issuer.issuer()
            );
            orgs_local::dev_oidc::install(issuer);
            // The admin console (console/dist, or CONSOLE_DIR), at /console.
            let console = std::env::var("CONSOLE_DIR").unwrap_or_else(|_| "console/dist".to_string());
            eprintln!("admin console: http://{addr}{}/ (files from {console})", orgs_local::console::PATH);
            orgs_local::console::install(console.into());
            let state = state.with_config(config);
            // Deployed, a stream-fed worker finishes deletions; locally this loop does.
            let sweeper = state.clone();
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
                    let event = serde_json::json!({});
                    if let Err(e) = deletion_worker::handle(&sweeper, &event, std::time::Duration::from_secs(5)).await {
                        eprintln!("deletion sweeper: {e}");
                    }
                }
            });
            orgs_local::gateway::serve(state, addr, mode).await
        }
        _ => usage(),
    };
    if let Err(e) = result {
        eprintln!("orgs-local: {e}");
        std::process::exit(1);
    }
}

async fn setup(state: &AppState) -> Result<(), String> {
    let created = orgs_local::table::create_table(&state.dynamo, &state.config.table_name).await?;
    orgs_local::table::create_bucket(state.s3().map_err(|e| e.to_string())?, &state.config.logo_bucket).await?;
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let mut opts = BootstrapOptions {
        organization_id: env("BOOTSTRAP_ORG_ID"),
        user_id: env("BOOTSTRAP_USER_ID"),
        ..Default::default()
    };
    if let Some(e) = env("BOOTSTRAP_ADMIN_EMAIL") {
        opts.admin_email = e;
    }
    let (m, fresh) = bootstrap(&state.store(), &opts).await.map_err(|e| e.to_string())?;
    println!(
        "{}",
        serde_json::json!({
            "table": state.config.table_name,
            "table_created": created,
            "bootstrapped_now": fresh,
            "organization_id": m.organization_id,
            "user_id": m.user_id,
        })
    );
    Ok(())
}
