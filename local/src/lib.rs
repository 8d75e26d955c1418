//! mediatailor-local: an offline AWS Elemental MediaTailor, with EventBridge `PutEvents` and S3
//! reads of a local media folder, for the real `aws-sdk-*` clients to talk to over HTTP.
//!
//! One loopback port serves every service; requests are routed by the service named in their
//! SigV4 credential scope (`mediatailor`, `events`, `s3`), as AWS routes them by host name. Any
//! key signs: the signature is not checked, but a request without one is refused as AWS would.
//!
//! # Standing alone
//!
//! The emulator is checked by clients we did not write, so it follows the service, not
//! tailorflow: it imports none of tailorflow's crates, and its rules come from the service model
//! (the `aws-sdk-mediatailor` crate), the API reference and the seed API
//! (`shared/seed/mediatailor-client-api.txt`). Resource names, for one, are any non-empty string
//! without a `/`, since the service model sets no length or pattern on them (see
//! `mediatailor/names.rs`); tailorflow's own stricter rule is its business, not the service's.
//!
//! # Layout
//!
//! - `server`: the one HTTP front door; routes each request by its SigV4 signing name (or to the
//!   `/origin/` media server and the `/_local/` API), counts calls, injects faults and stamps
//!   request ids.
//! - [`mediatailor`]: the MediaTailor REST-JSON API.
//!   - `mediatailor/mod.rs`: the current model's 48 operations parsed from method and path, the
//!     store's lock, persistence and rollback; `ops/mod.rs`: the dispatch table from operation to
//!     handler, paging and lookups; `ops/{channels, programs, source_locations,
//!     playback_configurations, prefetch, functions, schedule, alerts, tags}.rs`: the handlers,
//!     one file per kind of resource (live sources live with source locations).
//!   - [`mediatailor::model`]: the wire shapes; `playback_configuration`: the
//!     PutPlaybackConfiguration request and its checks; `shape` and `shapes_playback`: the
//!     model's wider shapes as member tables (prefetch schedules, functions, newer playback
//!     configuration members, log settings); `validate`: URL, enum, range, time and tag checks;
//!     `names`: the resource name rule.
//!   - `store`: every resource, saved atomically to the state file.
//!   - [`mediatailor::schedule`]: what a channel plays when (LOOP and LINEAR, filler gaps,
//!     ABSOLUTE truncation), a pure function GetChannelSchedule and playback both use.
//!   - `alerts`: alerts computed from the media (MediaTailor's codes) plus injected ones.
//!   - `media`: reads a VOD source's manifests from the media folder; `manifest`: HLS (m3u8-rs)
//!     and DASH (dash-mpd-core) parsing; `origin`: BaseUrl to bucket and prefix, and manifest
//!     URIs to keys, never outside the bucket.
//! - [`eventbridge`]: `PutEvents` (awsJson1.1), with the events kept for tests.
//! - [`s3`]: S3 over the media folder, and the plain HTTP origin under `/origin/`; `s3/keys` and
//!   `s3/safe_fs`: keys that cannot be paths (long, `..`) mapped so they stay in their bucket.
//! - [`faults`]: injected latency, throttling, server errors and failed event entries.
//! - `console`: the console at `GET /` (`local/console/`: HTML, CSS, JavaScript and the vendored
//!   hls.js, embedded): channels, a schedule timeline with ad breaks, gaps and alerts, a player.
//! - `local_api`: the test-only `/_local/` API (health, events, alerts, faults, calls, state).
//! - `wire`: query strings, path segments and JSON bodies in; REST-JSON, awsJson1.1 and S3 XML
//!   answers out.
//!
//! ```no_run
//! # async fn demo() -> Result<(), mediatailor_local::EmulatorError> {
//! let emulator = mediatailor_local::Emulator::start(Default::default()).await?;
//! println!("AWS_ENDPOINT_URL={}", emulator.base_url());
//! emulator.stop().await;
//! # Ok(()) }
//! ```

mod console;
pub mod eventbridge;
pub mod faults;
mod local_api;
pub mod mediatailor;
pub mod s3;
mod server;
mod wire;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use faults::FaultConfig;

/// The sample media folder shipped with the repository (first level: buckets).
pub fn sample_media_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/media"))
}

/// How to run an emulator.
#[derive(Debug, Clone)]
pub struct EmulatorOptions {
    /// Where to listen; port 0 picks a free one.
    pub addr: SocketAddr,
    /// The media folder: its first level is the S3 bucket.
    pub media_dir: PathBuf,
    /// Persist every change here, atomically, and load it at start.
    pub state_file: Option<PathBuf>,
    /// The region in ARNs and URLs.
    pub region: String,
    /// The account in ARNs.
    pub account: String,
    /// Faults to inject from the start.
    pub faults: FaultConfig,
    /// Append every accepted EventBridge event here as a JSON line.
    pub events_log: Option<PathBuf>,
}

impl Default for EmulatorOptions {
    fn default() -> Self {
        Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            media_dir: sample_media_dir(),
            state_file: None,
            region: "us-east-1".into(),
            account: "123456789012".into(),
            faults: FaultConfig::default(),
            events_log: None,
        }
    }
}

/// Why an emulator could not start.
#[derive(Debug, thiserror::Error)]
pub enum EmulatorError {
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {source}; choose another --addr")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The cause.
        source: std::io::Error,
    },
    /// The state file exists but cannot be read.
    #[error("cannot load state from {path}: {reason}; fix or remove the file")]
    State {
        /// The file.
        path: PathBuf,
        /// The cause.
        reason: String,
    },
    /// The media folder cannot be served.
    #[error("cannot serve media folder {path}: {reason}")]
    Media {
        /// The folder.
        path: PathBuf,
        /// The cause.
        reason: String,
    },
    /// The fault configuration is invalid.
    #[error("invalid faults: {0}")]
    Faults(String),
}

/// Everything the request handlers share.
pub(crate) struct Shared {
    pub(crate) mediatailor: mediatailor::MediaTailor,
    pub(crate) events: eventbridge::EventBus,
    pub(crate) s3: s3::MediaStore,
    pub(crate) faults: Mutex<faults::Faults>,
    pub(crate) calls: Mutex<std::collections::BTreeMap<String, u64>>,
}

pub(crate) type App = Arc<Shared>;

/// Locks a mutex, carrying on after a panic elsewhere: the emulator's state stays usable.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A running emulator.
pub struct Emulator {
    addr: SocketAddr,
    base_url: String,
    region: String,
    app: App,
    shutdown: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

impl Emulator {
    /// Starts an emulator and returns once it accepts connections.
    pub async fn start(options: EmulatorOptions) -> Result<Self, EmulatorError> {
        options.faults.validate().map_err(EmulatorError::Faults)?;
        let listener = TcpListener::bind(options.addr)
            .await
            .map_err(|source| EmulatorError::Bind { addr: options.addr, source })?;
        let addr = listener.local_addr().map_err(|source| EmulatorError::Bind { addr: options.addr, source })?;
        let base_url = format!("http://{addr}");
        let mediatailor = mediatailor::MediaTailor::new(mediatailor::Settings {
            region: options.region.clone(),
            account: options.account.clone(),
            base_url: base_url.clone(),
            media_dir: options.media_dir.clone(),
            state_file: options.state_file.clone(),
        })?;
        let s3 = s3::MediaStore::new(&options.media_dir)?;
        let app: App = Arc::new(Shared {
            mediatailor,
            events: eventbridge::EventBus::new(
                options.events_log.clone(),
                options.region.clone(),
                options.account.clone(),
            ),
            s3,
            faults: Mutex::new(faults::Faults::new(options.faults.clone())),
            calls: Mutex::new(Default::default()),
        });
        let router = server::router(app.clone());
        let (tx, rx) = oneshot::channel::<()>();
        // Without TCP_NODELAY a response whose body is written after its headers (S3's streamed
        // GetObject) waits for the client's delayed ACK: about 40 ms per call on Linux loopback.
        let listener = axum::serve::ListenerExt::tap_io(listener, |stream: &mut tokio::net::TcpStream| {
            if let Err(err) = stream.set_nodelay(true) {
                tracing::debug!(error = %err, "TCP_NODELAY not set on a connection");
            }
        });
        let task = tokio::spawn(async move {
            let serve = axum::serve(listener, router).with_graceful_shutdown(async {
                let _ = rx.await;
            });
            if let Err(err) = serve.await {
                tracing::error!(error = %err, "mediatailor-local stopped with an error");
            }
        });
        tracing::info!(%base_url, media_dir = %options.media_dir.display(), "mediatailor-local listening");
        Ok(Self { addr, base_url, region: options.region, app, shutdown: Some(tx), task })
    }

    /// The base URL, e.g. `http://127.0.0.1:4599`: the value for `AWS_ENDPOINT_URL`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The console's URL (`GET /`): channels, schedule timeline and player, for a browser.
    pub fn console_url(&self) -> String {
        format!("{}/", self.base_url)
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Every event EventBridge accepted so far, as stored (the `GET /_local/events` body).
    pub fn accepted_events(&self) -> Vec<serde_json::Value> {
        self.app.events.events()
    }

    /// How many signed calls each operation received so far.
    pub fn call_counts(&self) -> std::collections::BTreeMap<String, u64> {
        lock(&self.app.calls).clone()
    }

    /// Forgets the calls counted so far (as `DELETE /_local/calls` does).
    pub fn reset_call_counts(&self) {
        lock(&self.app.calls).clear();
    }

    /// Replaces the faults in force (counters restart).
    pub fn set_faults(&self, config: FaultConfig) -> Result<(), EmulatorError> {
        config.validate().map_err(EmulatorError::Faults)?;
        *lock(&self.app.faults) = faults::Faults::new(config);
        Ok(())
    }

    /// An SDK configuration that points every AWS client at this emulator, with test
    /// credentials and the emulator's region.
    pub async fn sdk_config(&self) -> aws_config::SdkConfig {
        aws_config::defaults(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new(self.region.clone()))
            .credentials_provider(aws_sdk_mediatailor::config::Credentials::new(
                "mediatailor-local",
                "mediatailor-local",
                None,
                None,
                "mediatailor-local",
            ))
            .endpoint_url(&self.base_url)
            .load()
            .await
    }

    /// Stops accepting requests and waits for the server to finish.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let _ = (&mut self.task).await;
    }

    /// Serves until Ctrl-C or SIGTERM.
    pub async fn run_until_signal(self) {
        shutdown_signal().await;
        tracing::info!("shutting down");
        self.stop().await;
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
