//! The HTTP client under both SDK clients: HTTP/1.1 on hyper, TLS by rustls on aws-lc-rs
//! (post-quantum key exchange preferred), trusting the AWS roots.
//!
//! Not the SDK's own `aws-smithy-http-client`: DynamoDB and S3 speak HTTP/1.1, and that client
//! also links an HTTP/2 stack (`h2`), its own pool and a proxy matcher, about 0.4 MB of every
//! binary that no call here uses (docs/PERFORMANCE.md, "Binary size"). This is the part of it the
//! SDK needs: one pooled hyper client per connect timeout, the SDK's read timeout, and the same
//! mapping of transport errors onto the SDK's retry classes (I/O, timeout, user, other).

use std::error::Error as StdError;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::retry::ErrorKind;
use hyper_util::client::legacy::connect::HttpConnector as TcpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;

/// Amazon Trust Services roots (PEM), which sign the certificates of every AWS endpoint.
pub(crate) const AWS_ROOTS: &str = include_str!("tls/aws_roots.pem");

type Https = hyper_rustls::HttpsConnector<TcpConnector>;
/// A pooled hyper client of this stack (https, or plain http for local endpoints).
pub type Pool = Client<Https, SdkBody>;
/// Pools by the connect timeout they were built with.
type Pools = Vec<(Option<Duration>, Pool)>;

/// The TLS configuration: the AWS roots, and the system's too when `native_roots` (for networks
/// that re-sign TLS). Static data: a unit test builds it.
pub fn tls_config(native_roots: bool) -> rustls::ClientConfig {
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(AWS_ROOTS.as_bytes()) {
        roots.add(cert.expect("the bundled AWS roots are PEM")).expect("the bundled AWS roots are certificates");
    }
    if native_roots {
        let found = rustls_native_certs::load_native_certs();
        for e in &found.errors {
            tracing::warn!(error = %e, "a system root could not be read");
        }
        let (added, ignored) = roots.add_parsable_certificates(found.certs);
        tracing::info!(added, ignored, "TLS_NATIVE_ROOTS: trusting the system's roots too");
    }
    rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::aws_lc_rs::default_provider()))
        .with_safe_default_protocol_versions()
        .expect("aws-lc-rs supports TLS 1.2 and 1.3")
        .with_root_certificates(roots)
        .with_no_client_auth()
}

/// The SDK's HTTP client: hands each call a connector over the pool for its connect timeout.
#[derive(Clone)]
pub struct Http1Client {
    tls: Arc<rustls::ClientConfig>,
    /// One pool per connect timeout asked for (in practice one: every client here uses the
    /// SDK's default), shared by every SDK client built on this one.
    pools: Arc<Mutex<Pools>>,
}

impl std::fmt::Debug for Http1Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Http1Client").finish_non_exhaustive()
    }
}

impl Http1Client {
    pub fn new(tls: rustls::ClientConfig) -> Self {
        Self { tls: Arc::new(tls), pools: Arc::default() }
    }

    /// The client every function uses: the AWS roots (and the system's with `native_roots`).
    pub fn shared(native_roots: bool) -> SharedHttpClient {
        SharedHttpClient::new(Self::new(tls_config(native_roots)))
    }

    fn pool(&self, connect_timeout: Option<Duration>) -> Pool {
        let mut pools = self.pools.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some((_, pool)) = pools.iter().find(|(t, _)| *t == connect_timeout) {
            return pool.clone();
        }
        let pool = pool((*self.tls).clone(), connect_timeout);
        pools.push((connect_timeout, pool.clone()));
        pool
    }
}

/// A pooled HTTP/1.1 client: https with `tls` (plain http too, for the local stack's endpoints),
/// idle connections kept 90 s. The SDK clients get theirs through [`Http1Client`]; calls outside
/// the SDK (Metabase) build one here, so every binary links one HTTP client.
pub fn pool(tls: rustls::ClientConfig, connect_timeout: Option<Duration>) -> Pool {
    let mut tcp = TcpConnector::new();
    tcp.enforce_http(false);
    tcp.set_nodelay(true);
    tcp.set_connect_timeout(connect_timeout);
    let https = hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config(tls)
        .https_or_http()
        .enable_http1()
        .wrap_connector(tcp);
    let mut builder = Client::builder(TokioExecutor::new());
    // The idle timeout of pooled connections needs a timer to work.
    builder.pool_timer(TokioTimer::new()).pool_idle_timeout(Duration::from_secs(90));
    builder.build(https)
}

impl HttpClient for Http1Client {
    fn http_connector(&self, settings: &HttpConnectorSettings, _: &RuntimeComponents) -> SharedHttpConnector {
        SharedHttpConnector::new(Connector {
            pool: self.pool(settings.connect_timeout()),
            read_timeout: settings.read_timeout(),
        })
    }
}

#[derive(Clone)]
struct Connector {
    pool: Pool,
    read_timeout: Option<Duration>,
}

impl std::fmt::Debug for Connector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connector").field("read_timeout", &self.read_timeout).finish_non_exhaustive()
    }
}

impl HttpConnector for Connector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let request = match request.try_into_http1x() {
            Ok(request) => request,
            Err(e) => return HttpConnectorFuture::ready(Err(ConnectorError::user(e.into()))),
        };
        let sent = self.pool.request(request);
        let read_timeout = self.read_timeout;
        HttpConnectorFuture::new(async move {
            let answered = match read_timeout {
                Some(limit) => {
                    tokio::time::timeout(limit, sent).await.map_err(|e| ConnectorError::timeout(e.into()))?
                }
                None => sent.await,
            };
            match answered {
                Ok(response) => HttpResponse::try_from(response.map(SdkBody::from_body_1_x))
                    .map_err(|e| ConnectorError::other(e.into(), None)),
                Err(e) => Err(classify(e)),
            }
        })
    }
}

/// Maps a transport error onto the SDK's classes, as its own client does: the SDK retries I/O
/// and timeouts (and the transient `other`), never `user`.
fn classify(err: hyper_util::client::legacy::Error) -> ConnectorError {
    if let Some(io) = find_source::<std::io::Error>(&err) {
        if io.kind() == std::io::ErrorKind::TimedOut {
            return ConnectorError::timeout(err.into());
        }
    }
    if let Some(h) = find_source::<hyper::Error>(&err) {
        if h.is_timeout() {
            return ConnectorError::timeout(err.into());
        }
        if h.is_user() {
            return ConnectorError::user(err.into());
        }
        if h.is_closed() || h.is_canceled() || find_source::<std::io::Error>(h).is_some() {
            return ConnectorError::io(err.into());
        }
        // A connection closed before the whole response arrived (S3 does this now and then).
        if h.is_incomplete_message() {
            return ConnectorError::other(err.into(), Some(ErrorKind::TransientError));
        }
    }
    if err.is_connect() || find_source::<std::io::Error>(&err).is_some() {
        return ConnectorError::io(err.into());
    }
    ConnectorError::other(err.into(), None)
}

fn find_source<'a, E: StdError + 'static>(err: &'a (dyn StdError + 'static)) -> Option<&'a E> {
    let mut next = Some(err);
    while let Some(e) = next {
        if let Some(found) = e.downcast_ref::<E>() {
            return Some(found);
        }
        next = e.source();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_smithy_types::byte_stream::ByteStream;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    /// What `http_connector` hands the SDK for these settings.
    fn connector(read_timeout: Option<Duration>) -> Connector {
        let client = Http1Client::new(tls_config(false));
        Connector { pool: client.pool(Some(Duration::from_secs(2))), read_timeout }
    }

    fn get(url: &str) -> HttpRequest {
        HttpRequest::try_from(http::Request::builder().uri(url).body(SdkBody::empty()).expect("request"))
            .expect("request")
    }

    /// A local server that answers each connection with `answer` (after reading the request),
    /// or says nothing when `answer` is `None`.
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
        format!("http://{addr}/")
    }

    #[test]
    fn the_tls_config_holds_the_five_aws_roots_and_prefers_post_quantum() {
        let count = CertificateDer::pem_slice_iter(AWS_ROOTS.as_bytes()).count();
        assert_eq!(count, 5);
        let config = tls_config(false);
        let first = config.crypto_provider().kx_groups.first().map(|g| g.name());
        assert_eq!(first, Some(rustls::NamedGroup::X25519MLKEM768));
    }

    #[tokio::test]
    async fn one_pool_per_connect_timeout() {
        let client = Http1Client::new(tls_config(false));
        let _ = (client.pool(None), client.pool(None), client.clone().pool(None));
        let _ = client.pool(Some(Duration::from_secs(1)));
        assert_eq!(client.pools.lock().unwrap().len(), 2);
    }

    #[tokio::test]
    async fn a_response_comes_back_whole() {
        let url = server(Some(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 11\r\n\r\n{\"ok\":true}",
        ))
        .await;
        let resp = connector(None).call(get(&url)).await.expect("answer");
        assert_eq!(resp.status().as_u16(), 200);
        assert_eq!(resp.headers().get("content-type"), Some("application/json"));
        let body = ByteStream::new(resp.into_body()).collect().await.expect("body");
        assert_eq!(&body.into_bytes()[..], b"{\"ok\":true}");
    }

    /// An https server for `localhost` (certificate under `tls/test/`, signed by a test CA) that
    /// answers once and reports the key exchange group it negotiated.
    async fn tls_server() -> (String, tokio::sync::oneshot::Receiver<Option<rustls::NamedGroup>>) {
        use rustls::pki_types::PrivateKeyDer;
        let certs: Vec<_> = CertificateDer::pem_slice_iter(include_bytes!("tls/test/localhost.pem"))
            .collect::<Result<_, _>>()
            .expect("test certificate");
        let key = PrivateKeyDer::from_pem_slice(include_bytes!("tls/test/localhost.key")).expect("test key");
        let config =
            rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::aws_lc_rs::default_provider()))
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
            let _ = tls.write_all(b"HTTP/1.1 204 No Content\r\n\r\n").await;
            let _ = tls.shutdown().await;
        });
        (format!("https://localhost:{port}/"), rx)
    }

    #[tokio::test]
    async fn https_with_a_trusted_root_prefers_post_quantum_key_exchange() {
        let (url, group) = tls_server().await;
        // The production provider (tls_config's), trusting the test CA instead of the AWS roots.
        let provider = tls_config(false).crypto_provider().clone();
        let mut roots = rustls::RootCertStore::empty();
        roots.add_parsable_certificates(CertificateDer::pem_slice_iter(include_bytes!("tls/test/ca.pem")).flatten());
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("versions")
            .with_root_certificates(roots)
            .with_no_client_auth();
        let client = Http1Client::new(config);
        let conn = Connector { pool: client.pool(None), read_timeout: None };
        let resp = conn.call(get(&url)).await.expect("answer over TLS");
        assert_eq!(resp.status().as_u16(), 204);
        assert_eq!(group.await.expect("handshake"), Some(rustls::NamedGroup::X25519MLKEM768));
    }

    #[tokio::test]
    async fn a_certificate_outside_the_aws_roots_is_refused() {
        let (url, group) = tls_server().await;
        let err = connector(None).call(get(&url)).await.expect_err("untrusted");
        // A connection error, as the SDK's own client classifies it.
        assert!(err.is_io(), "{err:?}");
        assert!(format!("{:?}", err).contains("UnknownIssuer"), "{err:?}");
        assert_eq!(group.await.expect("server"), None, "no handshake completed");
    }

    #[tokio::test]
    async fn a_refused_connection_is_io_and_so_retried() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}/", listener.local_addr().expect("addr"));
        drop(listener);
        let err = connector(None).call(get(&url)).await.expect_err("refused");
        assert!(err.is_io(), "{err:?}");
    }

    #[tokio::test]
    async fn a_connection_closed_without_an_answer_is_retried() {
        let url = server(Some("")).await;
        let err = connector(None).call(get(&url)).await.expect_err("closed");
        assert!(err.is_io() || err.as_other() == Some(ErrorKind::TransientError), "{err:?}");
    }

    #[tokio::test]
    async fn a_silent_server_is_a_read_timeout() {
        let url = server(None).await;
        let err = connector(Some(Duration::from_millis(200))).call(get(&url)).await.expect_err("silent");
        assert!(err.is_timeout(), "{err:?}");
    }
}
