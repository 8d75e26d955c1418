//! The HTTPS client of every SDK client (and of plain HTTP origins), with its root certificates
//! read when the first connection opens instead of at start-up.
//!
//! The SDK's default client (hyper, rustls with aws-lc) builds its TLS configuration while the
//! SDK clients are built, so the platform's root certificates are read before a function's first
//! `next`: on a host whose certificate folder holds one file per certificate, most of a cold
//! start's init (the bench measured 5.9 ms for hello-world with the SDK clients, 2.5 ms with one
//! bundle file, 1.0 ms for hello-world alone). This is the same client (the same TLS provider,
//! cipher suites, proxy settings from the environment and connection pool) without that eager
//! step: the certificates are read once per process (rustls-native-certs, cached by the SDK),
//! when the first HTTPS connection opens, which pays for them in its first response instead of
//! in init. Requests to plain `http://` endpoints (mediatailor-local, a local origin) go through
//! the same connector without TLS, so a process that talks only to an emulator never reads them.
//!
//! Compiled-in roots (webpki-roots) would avoid the read altogether but would stop honouring the
//! host's store and `SSL_CERT_FILE` / `SSL_CERT_DIR`, and would age with the binary; reading the
//! host's roots late keeps every root the host trusts. `AWS_CA_BUNDLE`, when set, replaces the
//! host's roots with the certificates of that PEM file, as in the AWS CLI and boto3; it is read
//! and checked at start-up ([`CaBundle::read`]), so a bad bundle stops the function with a
//! configuration error instead of failing every connection later.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use aws_smithy_http_client::proxy::ProxyConfig;
use aws_smithy_http_client::tls::rustls_provider::CryptoMode;
use aws_smithy_http_client::tls::{Provider, TlsContext, TrustStore};
use aws_smithy_http_client::{Builder, Connector};
use aws_smithy_runtime_api::client::connector_metadata::ConnectorMetadata;
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

/// Why `AWS_CA_BUNDLE` cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum CaBundleError {
    /// The file cannot be read.
    #[error("{path} cannot be read ({source}); point it at a PEM file of CA certificates or unset it")]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A `CERTIFICATE` section is not valid PEM or not a certificate rustls can trust.
    #[error("{path} holds a certificate that cannot be used ({reason}); fix or remove it")]
    Malformed {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// No `CERTIFICATE` section at all.
    #[error("{path} holds no PEM CERTIFICATE section; point it at a PEM file of CA certificates or unset it")]
    Empty {
        /// The file.
        path: PathBuf,
    },
}

/// The CA certificates named by `AWS_CA_BUNDLE`, read and checked once.
#[derive(Clone, PartialEq, Eq)]
pub struct CaBundle {
    path: PathBuf,
    pem: Arc<[u8]>,
    certificates: usize,
}

impl fmt::Debug for CaBundle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CaBundle").field("path", &self.path).field("certificates", &self.certificates).finish()
    }
}

impl CaBundle {
    /// Reads a PEM file and checks each of its certificates as rustls will when it trusts them.
    pub fn read(path: &Path) -> Result<Self, CaBundleError> {
        let pem = std::fs::read(path).map_err(|source| CaBundleError::Unreadable { path: path.to_owned(), source })?;
        let malformed = |reason: String| CaBundleError::Malformed { path: path.to_owned(), reason };
        let mut roots = rustls::RootCertStore::empty();
        for certificate in CertificateDer::pem_slice_iter(&pem) {
            let certificate = certificate.map_err(|e| malformed(e.to_string()))?;
            roots.add(certificate).map_err(|e| malformed(e.to_string()))?;
        }
        if roots.is_empty() {
            return Err(CaBundleError::Empty { path: path.to_owned() });
        }
        Ok(Self { path: path.to_owned(), pem: pem.into(), certificates: roots.len() })
    }

    /// How many certificates it holds.
    pub fn certificates(&self) -> usize {
        self.certificates
    }
}

/// The TLS context: the host's roots, or only the bundle's. Building it reads nothing.
fn tls_context(bundle: Option<&CaBundle>) -> TlsContext {
    let trust_store = match bundle {
        Some(bundle) => TrustStore::empty().with_pem_certificate(bundle.pem.to_vec()),
        None => TrustStore::default(),
    };
    TlsContext::builder().with_trust_store(trust_store).build().unwrap_or_default()
}

/// One connector as the SDK's default client builds it (aws-smithy-runtime's
/// `default_https_client`): with `tls`, the TLS one, where the roots are read (once per
/// process); without, the same connector for plain `http://` only, which reads nothing.
fn connector(
    tls: Option<&TlsContext>,
    settings: Option<&HttpConnectorSettings>,
    components: Option<&RuntimeComponents>,
) -> Connector {
    let mut builder = Connector::builder();
    builder.set_connector_settings(settings.cloned());
    if let Some(components) = components {
        builder.set_sleep_impl(components.sleep_impl());
    }
    builder.set_proxy_config(Some(ProxyConfig::from_env()));
    match tls {
        Some(tls) => builder.tls_provider(Provider::Rustls(CryptoMode::AwsLc)).tls_context(tls.clone()).build(),
        None => builder.build_http(),
    }
}

/// Whether `request` goes to a plain `http://` endpoint (mediatailor-local, a local origin).
fn is_plain_http(request: &HttpRequest) -> bool {
    request.uri().get(..7).is_some_and(|scheme| scheme.eq_ignore_ascii_case("http://"))
}

/// The SDK's hyper client, in two: one for `http://` endpoints, one (TLS) for the rest, each
/// building its connectors (cached per settings) on the first request that needs it. So the
/// roots are read on the first HTTPS connection, and never by a process that only talks to an
/// emulator. `validate_base_client_config`, which the SDK's default client uses to load the
/// roots while the SDK client is built, keeps the trait's default (nothing).
#[derive(Debug)]
struct ByScheme {
    plain: SharedHttpClient,
    tls: SharedHttpClient,
}

impl HttpClient for ByScheme {
    fn http_connector(&self, settings: &HttpConnectorSettings, components: &RuntimeComponents) -> SharedHttpConnector {
        SharedHttpConnector::new(SchemeConnector {
            plain: self.plain.clone(),
            tls: self.tls.clone(),
            settings: settings.clone(),
            components: components.clone(),
        })
    }

    fn connector_metadata(&self) -> Option<ConnectorMetadata> {
        self.tls.connector_metadata()
    }
}

/// One attempt's connector: picks the client for the request's scheme when it is sent.
#[derive(Debug)]
struct SchemeConnector {
    plain: SharedHttpClient,
    tls: SharedHttpClient,
    settings: HttpConnectorSettings,
    components: RuntimeComponents,
}

impl HttpConnector for SchemeConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let client = if is_plain_http(&request) { &self.plain } else { &self.tls };
        client.http_connector(&self.settings, &self.components).call(request)
    }
}

/// The hyper client for plain `http://` requests.
fn plain_client() -> SharedHttpClient {
    Builder::new().build_with_connector_fn(|settings, components| connector(None, settings, components))
}

/// The HTTPS client for the SDK clients: nothing is read until the first HTTPS connection.
pub fn client(bundle: Option<&CaBundle>) -> SharedHttpClient {
    let tls = tls_context(bundle);
    SharedHttpClient::new(ByScheme {
        plain: plain_client(),
        tls: Builder::new()
            .build_with_connector_fn(move |settings, components| connector(Some(&tls), settings, components)),
    })
}

/// A connector for plain HTTP(S) requests outside the SDK clients, each half built on the first
/// request that needs it.
struct Lazy {
    tls: TlsContext,
    settings: HttpConnectorSettings,
    plain: OnceLock<SharedHttpConnector>,
    secure: OnceLock<SharedHttpConnector>,
}

impl fmt::Debug for Lazy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Lazy")
            .field("settings", &self.settings)
            .field("plain", &self.plain.get().is_some())
            .field("secure", &self.secure.get().is_some())
            .finish()
    }
}

impl HttpConnector for Lazy {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let (cell, tls) = if is_plain_http(&request) { (&self.plain, None) } else { (&self.secure, Some(&self.tls)) };
        let connector = cell.get_or_init(|| SharedHttpConnector::new(connector(tls, Some(&self.settings), None)));
        connector.call(request)
    }
}

/// A connector with `settings` (timeouts) that reads the roots on its first HTTPS call.
pub fn lazy_connector(settings: &HttpConnectorSettings, bundle: Option<&CaBundle>) -> SharedHttpConnector {
    SharedHttpConnector::new(Lazy {
        tls: tls_context(bundle),
        settings: settings.clone(),
        plain: OnceLock::new(),
        secure: OnceLock::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// ISRG Root X1 (Let's Encrypt's root), a public CA certificate.
    const ISRG_ROOT_X1: &str = include_str!("../tests/data/isrg-root-x1.pem");

    fn file(contents: &str) -> tempfile::NamedTempFile {
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), contents).unwrap();
        file
    }

    #[test]
    fn reads_a_bundle_of_certificates() {
        let two = file(&format!("{ISRG_ROOT_X1}\n{ISRG_ROOT_X1}"));
        assert_eq!(CaBundle::read(two.path()).unwrap().certificates(), 2);
    }

    #[test]
    fn refuses_what_rustls_could_not_trust() {
        let missing = CaBundle::read(Path::new("/nonexistent/ca-bundle.pem")).unwrap_err();
        assert!(matches!(missing, CaBundleError::Unreadable { .. }), "{missing}");
        let empty = CaBundle::read(file("not a certificate\n").path()).unwrap_err();
        assert!(matches!(empty, CaBundleError::Empty { .. }), "{empty}");
        let garbled = ISRG_ROOT_X1.replacen("MIIF", "MIIG", 1);
        let garbled = CaBundle::read(file(&garbled).path()).unwrap_err();
        assert!(matches!(garbled, CaBundleError::Malformed { .. }), "{garbled}");
    }

    #[test]
    fn only_http_urls_are_plain() {
        let request = |uri: &str| {
            let mut request = HttpRequest::empty();
            request.set_uri(uri).unwrap();
            request
        };
        assert!(is_plain_http(&request("http://127.0.0.1:4599/channels")));
        assert!(is_plain_http(&request("HTTP://localhost/")));
        assert!(!is_plain_http(&request("https://api.mediatailor.us-east-1.amazonaws.com/channels")));
    }

    /// Stands in for the TLS client: counts the connectors asked of it (the count is shared
    /// with the test through the `Arc`).
    #[derive(Debug, Default, Clone)]
    struct CountingTls(Arc<std::sync::atomic::AtomicUsize>);

    impl HttpClient for CountingTls {
        fn http_connector(&self, _: &HttpConnectorSettings, _: &RuntimeComponents) -> SharedHttpConnector {
            self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            SharedHttpConnector::new(NoTls)
        }
    }

    #[derive(Debug)]
    struct NoTls;

    impl HttpConnector for NoTls {
        fn call(&self, _: HttpRequest) -> HttpConnectorFuture {
            HttpConnectorFuture::ready(Err(aws_smithy_runtime_api::client::result::ConnectorError::other(
                "no TLS in this test".into(),
                None,
            )))
        }
    }

    #[tokio::test]
    async fn plain_http_never_asks_for_the_tls_client() {
        use aws_smithy_runtime_api::client::runtime_components::RuntimeComponentsBuilder;
        use tokio::io::{AsyncReadExt, AsyncWriteExt};

        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            let (mut stream, _) = listener.accept().await.unwrap();
            let mut buffer = [0u8; 1024];
            let _ = stream.read(&mut buffer).await.unwrap();
            stream.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok").await.unwrap();
        });
        let tls = CountingTls::default();
        let client = ByScheme { plain: plain_client(), tls: SharedHttpClient::new(tls.clone()) };
        let components = RuntimeComponentsBuilder::for_tests()
            .with_time_source(Some(aws_smithy_async::time::SystemTimeSource::new()))
            .with_sleep_impl(Some(aws_smithy_async::rt::sleep::TokioSleep::new()))
            .build()
            .unwrap();
        let connector = client.http_connector(&HttpConnectorSettings::default(), &components);
        let mut request = HttpRequest::empty();
        request.set_uri(format!("http://127.0.0.1:{port}/")).unwrap();
        let response = tokio::time::timeout(std::time::Duration::from_secs(10), connector.call(request))
            .await
            .expect("the local server answers")
            .expect("a plain HTTP response");
        assert_eq!(response.status().as_u16(), 200);
        assert_eq!(tls.0.load(std::sync::atomic::Ordering::SeqCst), 0, "the TLS client was not asked");

        let mut request = HttpRequest::empty();
        request.set_uri(format!("https://127.0.0.1:{port}/")).unwrap();
        let refused = client.http_connector(&HttpConnectorSettings::default(), &components).call(request).await;
        assert!(refused.is_err(), "the stand-in TLS client refuses");
        assert_eq!(tls.0.load(std::sync::atomic::Ordering::SeqCst), 1, "HTTPS goes to the TLS client");
    }

    #[test]
    fn the_bundle_replaces_the_hosts_roots() {
        let bundle = CaBundle::read(file(ISRG_ROOT_X1).path()).unwrap();
        let with_bundle = format!("{:?}", tls_context(Some(&bundle)));
        assert!(with_bundle.contains("enable_native_roots: false"), "{with_bundle}");
        let default = format!("{:?}", tls_context(None));
        assert!(default.contains("enable_native_roots: true"), "{default}");
    }
}
