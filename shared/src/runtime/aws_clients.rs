//! The DynamoDB and S3 clients, built once per cold start straight from the Lambda environment.
//!
//! Not `aws_config::load_defaults`: on Lambda the region (`AWS_REGION`) and the execution role's
//! credentials (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`) are always in
//! the environment, so the provider chains (profile files, IMDS, ECS, web identity through STS)
//! would only cost init time and binary size. Endpoints follow the SDK's own variables
//! (`AWS_ENDPOINT_URL_DYNAMODB`, `AWS_ENDPOINT_URL_S3`, then `AWS_ENDPOINT_URL`), which is how the
//! local stack is reached.
//!
//! Both clients share one HTTP client, the SDK's own (`aws-smithy-http-client`: hyper, rustls on
//! aws-lc-rs with post-quantum key exchange preferred), which maps transport errors onto the
//! SDK's retry classes and applies the connect and read timeouts of each client's config. TLS
//! trusts the roots every AWS endpoint chains to (Amazon Root CA 1–4 and Starfield Services Root
//! CA G2, `tls/aws_roots.pem`) instead of reading the system's whole store at init (a few
//! milliseconds of every cold start, docs/PERFORMANCE.md). `TLS_NATIVE_ROOTS=true` adds the
//! system's roots, for networks that re-sign TLS (an inspecting proxy).

use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region, SharedCredentialsProvider, SharedHttpClient};
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode, TlsContext, TrustStore};
use aws_smithy_runtime_api::client::connector_metadata::ConnectorMetadata;
use aws_smithy_runtime_api::client::http::{HttpClient, HttpConnectorSettings, SharedHttpConnector};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;

/// Amazon Trust Services roots (PEM), which sign the certificates of every AWS endpoint.
pub const AWS_ROOTS: &str = include_str!("tls/aws_roots.pem");

/// What the clients are built from, read from the environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientSettings {
    pub region: String,
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: Option<String>,
    pub dynamodb_endpoint: Option<String>,
    pub s3_endpoint: Option<String>,
    /// Trust the system's roots too (`TLS_NATIVE_ROOTS`).
    pub native_roots: bool,
}

impl ClientSettings {
    /// Reads the settings through `var` (the process environment in [`ClientSettings::from_env`]).
    /// Missing region or credentials are an error naming the variable: a function without them
    /// cannot make a single call, so it should not start.
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let var = |k: &str| var(k).filter(|v| !v.trim().is_empty());
        let required = |k: &str| var(k).ok_or_else(|| format!("{k} is not set"));
        let region = var("AWS_REGION").or_else(|| var("AWS_DEFAULT_REGION")).ok_or("AWS_REGION is not set")?;
        let endpoint = |service: &str| var(&format!("AWS_ENDPOINT_URL_{service}")).or_else(|| var("AWS_ENDPOINT_URL"));
        Ok(Self {
            region,
            access_key_id: required("AWS_ACCESS_KEY_ID")?,
            secret_access_key: required("AWS_SECRET_ACCESS_KEY")?,
            session_token: var("AWS_SESSION_TOKEN"),
            dynamodb_endpoint: endpoint("DYNAMODB"),
            s3_endpoint: endpoint("S3"),
            native_roots: var("TLS_NATIVE_ROOTS").is_some_and(|v| matches!(v.as_str(), "1" | "true" | "TRUE" | "True")),
        })
    }

    pub fn from_env() -> Result<Self, String> {
        Self::from_vars(|k| std::env::var(k).ok())
    }
}

fn credentials(s: &ClientSettings) -> SharedCredentialsProvider {
    SharedCredentialsProvider::new(Credentials::new(
        &s.access_key_id,
        &s.secret_access_key,
        s.session_token.clone(),
        None,
        "environment",
    ))
}

/// The DynamoDB client over a given HTTP client.
pub fn dynamodb_with(s: &ClientSettings, http: SharedHttpClient) -> aws_sdk_dynamodb::Client {
    let mut dynamo = aws_sdk_dynamodb::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(s.region.clone()))
        .credentials_provider(credentials(s))
        .http_client(http);
    if let Some(url) = &s.dynamodb_endpoint {
        dynamo = dynamo.endpoint_url(url);
    }
    aws_sdk_dynamodb::Client::from_conf(dynamo.build())
}

/// Builds the DynamoDB client alone: what nine of the eleven functions use. Not building an S3
/// client they never call keeps its set-up out of their init and its code out of their binaries.
pub fn build_dynamodb(s: &ClientSettings) -> aws_sdk_dynamodb::Client {
    dynamodb_with(s, http_client(s))
}

/// The HTTP client both SDK clients of a function share: the AWS roots, and the system's too with
/// `TLS_NATIVE_ROOTS`.
pub fn http_client(s: &ClientSettings) -> SharedHttpClient {
    let client = sdk_http_client(aws_trust_store(s.native_roots));
    if s.native_roots {
        // The SDK builds a connector when each client is built so that the system's roots are
        // parsed at init rather than on the first call: keep that.
        client
    } else {
        SharedHttpClient::new(NoThrowawayConnector(client))
    }
}

/// The SDK's HTTP client, less the connector it builds and drops when each SDK client is built.
///
/// `aws-smithy-http-client` builds a TLS connector in `validate_base_client_config` and discards
/// it, so that a store of system roots is parsed at init instead of on the first call; the first
/// call then builds the connector it keeps (cached per timeout settings) all the same. With the
/// bundled AWS roots there is nothing to load early, and the throwaway build is init time for
/// nothing: a third of an SDK client's construction (docs/PERFORMANCE.md, "Init time"). Every
/// call goes to the SDK's client unchanged.
#[derive(Debug)]
struct NoThrowawayConnector(SharedHttpClient);

impl HttpClient for NoThrowawayConnector {
    fn http_connector(&self, settings: &HttpConnectorSettings, components: &RuntimeComponents) -> SharedHttpConnector {
        self.0.http_connector(settings, components)
    }

    fn connector_metadata(&self) -> Option<ConnectorMetadata> {
        self.0.connector_metadata()
    }
}

/// The bundled AWS roots, plus the system's when `native_roots`.
pub fn aws_trust_store(native_roots: bool) -> TrustStore {
    TrustStore::empty().with_native_roots(native_roots).with_pem_certificate(AWS_ROOTS.as_bytes())
}

/// The SDK's own HTTP client, rustls on aws-lc-rs, trusting `roots`. Its connector (and so the
/// root store) is built when an SDK client first asks for it, once per connect and read timeout,
/// and shared by every SDK client built on this one.
pub fn sdk_http_client(roots: TrustStore) -> SharedHttpClient {
    let context =
        TlsContext::builder().with_trust_store(roots).build().expect("a TLS context without extra names builds");
    aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(CryptoMode::AwsLc))
        .tls_context(context)
        .build_https()
}

/// The S3 client (path-style addressing, which every S3 stand-in and AWS accept) over a given
/// HTTP client.
pub fn build_s3(s: &ClientSettings, http: SharedHttpClient) -> aws_sdk_s3::Client {
    let mut s3 = aws_sdk_s3::Config::builder()
        .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
        .region(aws_sdk_s3::config::Region::new(s.region.clone()))
        .credentials_provider(credentials(s))
        .http_client(http)
        .force_path_style(true);
    if let Some(url) = &s.s3_endpoint {
        s3 = s3.endpoint_url(url);
    }
    aws_sdk_s3::Client::from_conf(s3.build())
}

/// Builds the DynamoDB and S3 clients on one HTTPS client (S3 with path-style addressing, which
/// every S3 stand-in and AWS accept).
pub fn build(s: &ClientSettings) -> (aws_sdk_dynamodb::Client, aws_sdk_s3::Client) {
    let http = http_client(s);
    (dynamodb_with(s, http.clone()), build_s3(s, http))
}

#[cfg(test)]
mod https_tests;

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn vars(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let m: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |k| m.get(k).cloned()
    }

    const BASE: [(&str, &str); 3] =
        [("AWS_REGION", "eu-west-1"), ("AWS_ACCESS_KEY_ID", "AKID"), ("AWS_SECRET_ACCESS_KEY", "secret")];

    #[test]
    fn lambda_environment() {
        let mut env = BASE.to_vec();
        env.push(("AWS_SESSION_TOKEN", "token"));
        let s = ClientSettings::from_vars(vars(&env)).unwrap();
        assert_eq!(s.region, "eu-west-1");
        assert_eq!(s.session_token.as_deref(), Some("token"));
        assert_eq!((s.dynamodb_endpoint, s.s3_endpoint, s.native_roots), (None, None, false));
    }

    #[test]
    fn service_endpoints_win_over_the_global_one() {
        let mut env = BASE.to_vec();
        env.extend([("AWS_ENDPOINT_URL", "http://global:1"), ("AWS_ENDPOINT_URL_DYNAMODB", "http://ddb:2")]);
        env.push(("TLS_NATIVE_ROOTS", "true"));
        let s = ClientSettings::from_vars(vars(&env)).unwrap();
        assert_eq!(s.dynamodb_endpoint.as_deref(), Some("http://ddb:2"));
        assert_eq!(s.s3_endpoint.as_deref(), Some("http://global:1"));
        assert!(s.native_roots);
    }

    #[test]
    fn missing_region_or_credentials_name_the_variable() {
        for missing in ["AWS_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"] {
            let env: Vec<_> = BASE.iter().copied().filter(|(k, _)| *k != missing).collect();
            let err = ClientSettings::from_vars(vars(&env)).unwrap_err();
            assert!(err.contains(missing), "{err}");
        }
        let mut env = BASE.to_vec();
        env.retain(|(k, _)| *k != "AWS_REGION");
        env.push(("AWS_DEFAULT_REGION", "us-west-2"));
        assert_eq!(ClientSettings::from_vars(vars(&env)).unwrap().region, "us-west-2");
    }

    #[test]
    fn the_bundled_roots_are_the_five_aws_roots() {
        let count = AWS_ROOTS.matches("-----BEGIN CERTIFICATE-----").count();
        assert_eq!(count, 5);
        for name in ["Amazon Root CA 1", "Amazon Root CA 4", "Starfield Services Root Certificate Authority - G2"] {
            assert!(AWS_ROOTS.contains(name), "{name}");
        }
    }

    /// Building the clients parses the roots (the SDK sets up its TLS connector at client build):
    /// a bad PEM would panic here, not on the first request.
    #[tokio::test]
    async fn clients_build_with_the_bundled_roots() {
        let s = ClientSettings::from_vars(vars(&BASE)).unwrap();
        let (dynamo, s3) = build(&s);
        assert_eq!(dynamo.config().region().map(|r| r.as_ref()), Some("eu-west-1"));
        assert_eq!(s3.config().region().map(|r| r.as_ref()), Some("eu-west-1"));
        assert_eq!(build_dynamodb(&s).config().region().map(|r| r.as_ref()), Some("eu-west-1"));
    }
}
