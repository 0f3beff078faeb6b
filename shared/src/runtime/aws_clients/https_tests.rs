//! The SDK clients' HTTP client against local servers, through a real DynamoDB client (retries
//! off): TLS trusts the configured roots only and prefers post-quantum key exchange, and
//! transport failures reach the SDK as the error classes its retry strategy reads.

use std::sync::Arc;
use std::time::Duration;

use aws_sdk_dynamodb::config::retry::RetryConfig;
use aws_sdk_dynamodb::config::timeout::TimeoutConfig;
use aws_sdk_dynamodb::error::SdkError;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use super::*;

const TABLES: &str =
    "HTTP/1.1 200 OK\r\ncontent-type: application/x-amz-json-1.0\r\ncontent-length: 17\r\n\r\n{\"TableNames\":[]}";

/// A DynamoDB client at `url` over `http`, without retries, with a read timeout of `read`.
fn dynamodb(url: &str, http: SharedHttpClient, read: Option<Duration>) -> aws_sdk_dynamodb::Client {
    let settings = ClientSettings {
        region: "eu-west-1".into(),
        access_key_id: "AKID".into(),
        secret_access_key: "secret".into(),
        session_token: None,
        dynamodb_endpoint: Some(url.into()),
        s3_endpoint: None,
        native_roots: false,
    };
    let client = dynamodb_with(&settings, http);
    let mut timeouts = TimeoutConfig::builder().connect_timeout(Duration::from_secs(2));
    timeouts.set_read_timeout(read);
    let conf =
        client.config().to_builder().retry_config(RetryConfig::disabled()).timeout_config(timeouts.build()).build();
    aws_sdk_dynamodb::Client::from_conf(conf)
}

/// The transport error of a failed `ListTables`.
async fn failure(client: &aws_sdk_dynamodb::Client) -> aws_smithy_runtime_api::client::result::DispatchFailure {
    match client.list_tables().send().await {
        Err(SdkError::DispatchFailure(f)) => f,
        other => panic!("expected a dispatch failure, got {other:?}"),
    }
}

/// A local server that answers each connection with `answer` (after reading the request), or
/// says nothing when `answer` is `None`.
async fn server(answer: Option<&'static str>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                let _ = sock.read(&mut buf).await;
                match answer {
                    Some(a) => {
                        let _ = sock.write_all(a.as_bytes()).await;
                        let _ = sock.shutdown().await;
                    }
                    None => tokio::time::sleep(Duration::from_secs(30)).await,
                }
            });
        }
    });
    format!("http://{addr}")
}

/// An https server for `localhost` (certificate under `tls/test/`, signed by a test CA) that
/// answers one request and reports the key exchange group it negotiated.
async fn tls_server() -> (String, tokio::sync::oneshot::Receiver<Option<rustls::NamedGroup>>) {
    let certs: Vec<_> = CertificateDer::pem_slice_iter(include_bytes!("../tls/test/localhost.pem"))
        .collect::<Result<_, _>>()
        .expect("test certificate");
    let key = PrivateKeyDer::from_pem_slice(include_bytes!("../tls/test/localhost.key")).expect("test key");
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::aws_lc_rs::default_provider()))
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .expect("server config");
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let (tx, rx) = tokio::sync::oneshot::channel();
    tokio::spawn(async move {
        let (sock, _) = listener.accept().await.expect("accept");
        let Ok(mut tls) = acceptor.accept(sock).await else {
            let _ = tx.send(None);
            return;
        };
        let _ = tx.send(tls.get_ref().1.negotiated_key_exchange_group().map(|g| g.name()));
        let mut buf = [0u8; 4096];
        let _ = tls.read(&mut buf).await;
        let _ = tls.write_all(TABLES.as_bytes()).await;
        let _ = tls.shutdown().await;
    });
    (format!("https://localhost:{port}"), rx)
}

#[tokio::test]
async fn a_response_comes_back_whole() {
    let url = server(Some(TABLES)).await;
    let out = dynamodb(&url, http_client_of(false), None).list_tables().send().await.expect("answer");
    assert_eq!(out.table_names(), &[] as &[String]);
}

#[tokio::test]
async fn https_with_a_trusted_root_prefers_post_quantum_key_exchange() {
    let (url, group) = tls_server().await;
    let roots = TrustStore::empty().with_pem_certificate(&include_bytes!("../tls/test/ca.pem")[..]);
    dynamodb(&url, sdk_http_client(roots), None).list_tables().send().await.expect("answer over TLS");
    assert_eq!(group.await.expect("handshake"), Some(rustls::NamedGroup::X25519MLKEM768));
}

#[tokio::test]
async fn a_certificate_outside_the_aws_roots_is_refused() {
    let (url, group) = tls_server().await;
    let err = failure(&dynamodb(&url, http_client_of(false), None)).await;
    assert!(format!("{err:?}").contains("UnknownIssuer"), "{err:?}");
    assert_eq!(group.await.expect("server"), None, "no handshake completed");
}

#[tokio::test]
async fn a_refused_connection_is_io_and_so_retried() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    drop(listener);
    let err = failure(&dynamodb(&url, http_client_of(false), None)).await;
    assert!(err.is_io(), "{err:?}");
}

#[tokio::test]
async fn a_connection_closed_without_an_answer_is_retried() {
    let url = server(Some("")).await;
    let err = failure(&dynamodb(&url, http_client_of(false), None)).await;
    let transient = Some(aws_smithy_types::retry::ErrorKind::TransientError);
    let class = err.as_connector_error().and_then(|e| e.as_other());
    assert!(err.is_io() || class == transient, "{err:?}");
}

#[tokio::test]
async fn a_silent_server_is_a_read_timeout() {
    let url = server(None).await;
    let err = failure(&dynamodb(&url, http_client_of(false), Some(Duration::from_millis(200)))).await;
    assert!(err.is_timeout(), "{err:?}");
}

/// The production client (AWS roots, the system's with `native_roots`).
fn http_client_of(native_roots: bool) -> SharedHttpClient {
    sdk_http_client(aws_trust_store(native_roots))
}

/// The SDK asks for its connector when a client is built, which parses the roots: a corrupt bundle
/// stops the function at init, not at its first request.
#[test]
#[should_panic(expected = "valid PEM certificate")]
fn a_corrupt_root_bundle_fails_at_client_build() {
    let bad =
        TrustStore::empty().with_pem_certificate(&b"-----BEGIN CERTIFICATE-----\n!!\n-----END CERTIFICATE-----\n"[..]);
    let _ = dynamodb("http://127.0.0.1:9", sdk_http_client(bad), None);
}
