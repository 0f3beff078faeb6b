//! A real OIDC issuer for the tests (R31): `orgs_local::dev_oidc::DevIssuer` served on its own
//! 127.0.0.1 port (discovery + JWKS over HTTP, keys generated per run), and a stack configured
//! to trust it.

use orgs_local::dev_oidc::DevIssuer;
use shared::runtime::config::OidcIssuer;

use crate::TestApi;

/// The audience the tests' issuer signs for and the stack expects.
pub const AUDIENCE: &str = "orgs-tests";

/// Starts an issuer at `http://127.0.0.1:<random port>/idp` (a tokio task of the test runtime).
pub async fn start_issuer() -> DevIssuer {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind the issuer");
    let addr = listener.local_addr().expect("issuer address");
    let issuer = DevIssuer::new(&format!("http://{addr}/idp"));
    tokio::spawn(issuer.clone().serve(listener));
    issuer
}

impl TestApi {
    /// The same stack with `issuer` configured in the authorizer (claim `email`).
    pub fn with_oidc(mut self, issuer: &DevIssuer) -> Self {
        let mut config = self.state.config.clone();
        config.oidc = vec![OidcIssuer {
            issuer: issuer.issuer().to_string(),
            audience: AUDIENCE.to_string(),
            user_claim: "email".to_string(),
        }];
        self.state = self.state.with_config(config);
        self
    }

    /// The same stack as deployed (R29): identity headers are not read.
    pub fn without_local_identity_headers(mut self) -> Self {
        let mut config = self.state.config.clone();
        config.local_identity_headers = false;
        self.state = self.state.with_config(config);
        self
    }
}
