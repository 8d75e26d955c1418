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
//! when the first call of the first invocation connects, which pays for them in its first
//! response instead of in init.
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
/// `default_https_client`), with `tls`. This is where the roots are read, once per process.
fn connector(
    tls: &TlsContext,
    settings: Option<&HttpConnectorSettings>,
    components: Option<&RuntimeComponents>,
) -> Connector {
    let mut builder = Connector::builder().tls_provider(Provider::Rustls(CryptoMode::AwsLc)).tls_context(tls.clone());
    builder.set_connector_settings(settings.cloned());
    if let Some(components) = components {
        builder.set_sleep_impl(components.sleep_impl());
    }
    builder.set_proxy_config(Some(ProxyConfig::from_env()));
    builder.build()
}

/// The SDK's hyper client minus its eager first connector: `validate_base_client_config`, which
/// the default client uses to load the roots while the SDK client is built, keeps the trait's
/// default (nothing); connectors are built, and cached per settings, on first use.
#[derive(Debug)]
struct OnFirstConnection(SharedHttpClient);

impl HttpClient for OnFirstConnection {
    fn http_connector(&self, settings: &HttpConnectorSettings, components: &RuntimeComponents) -> SharedHttpConnector {
        self.0.http_connector(settings, components)
    }

    fn connector_metadata(&self) -> Option<ConnectorMetadata> {
        self.0.connector_metadata()
    }
}

/// The HTTPS client for the SDK clients: nothing is read until the first connection.
pub fn client(bundle: Option<&CaBundle>) -> SharedHttpClient {
    let tls = tls_context(bundle);
    let hyper =
        Builder::new().build_with_connector_fn(move |settings, components| connector(&tls, settings, components));
    SharedHttpClient::new(OnFirstConnection(hyper))
}

/// A connector built on its first call, for plain HTTP(S) requests outside the SDK clients.
struct Lazy {
    tls: TlsContext,
    settings: HttpConnectorSettings,
    built: OnceLock<SharedHttpConnector>,
}

impl fmt::Debug for Lazy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Lazy").field("settings", &self.settings).field("built", &self.built.get().is_some()).finish()
    }
}

impl HttpConnector for Lazy {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let connector =
            self.built.get_or_init(|| SharedHttpConnector::new(connector(&self.tls, Some(&self.settings), None)));
        connector.call(request)
    }
}

/// A connector with `settings` (timeouts) that reads the roots on its first call.
pub fn lazy_connector(settings: &HttpConnectorSettings, bundle: Option<&CaBundle>) -> SharedHttpConnector {
    SharedHttpConnector::new(Lazy { tls: tls_context(bundle), settings: settings.clone(), built: OnceLock::new() })
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
    fn the_bundle_replaces_the_hosts_roots() {
        let bundle = CaBundle::read(file(ISRG_ROOT_X1).path()).unwrap();
        let with_bundle = format!("{:?}", tls_context(Some(&bundle)));
        assert!(with_bundle.contains("enable_native_roots: false"), "{with_bundle}");
        let default = format!("{:?}", tls_context(None));
        assert!(default.contains("enable_native_roots: true"), "{default}");
    }
}
