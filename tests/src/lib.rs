//! Helpers for the cross-crate integration tests: an emulator per test, and Lambda contexts.

use lambda_runtime::{Context, LambdaEvent};
use mediatailor_local::{Emulator, EmulatorOptions};
use tailorflow_shared::{AwsClients, ClientSettings};

/// Starts an emulator on an ephemeral loopback port with the sample media folder.
pub async fn emulator() -> Emulator {
    match Emulator::start(EmulatorOptions::default()).await {
        Ok(emulator) => emulator,
        Err(err) => panic!("cannot start mediatailor-local: {err}"),
    }
}

/// The SDK clients, pointed at `emulator`, with the production retry and timeout settings.
pub async fn clients(emulator: &Emulator) -> AwsClients {
    tailorflow_shared::AwsClients::for_emulator(&emulator.sdk_config().await, &ClientSettings::default())
}

/// Wraps `payload` as a Lambda invocation with a fixed request id.
pub fn invocation<T>(payload: T) -> LambdaEvent<T> {
    let mut context = Context::default();
    context.request_id = "00000000-0000-4000-8000-000000000000".into();
    LambdaEvent::new(payload, context)
}

/// Copies the folder `from` into `to`, recursively (the sample media into a test's own folder).
pub fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    let fail = |what: &str, err: std::io::Error| -> ! { panic!("cannot copy {}: {what}: {err}", from.display()) };
    std::fs::create_dir_all(to).unwrap_or_else(|e| fail("create", e));
    for entry in std::fs::read_dir(from).unwrap_or_else(|e| fail("read", e)) {
        let entry = entry.unwrap_or_else(|e| fail("entry", e));
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap_or_else(|e| fail("type", e)).is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap_or_else(|e| fail("copy", e));
        }
    }
}

/// Client settings for tests: `max_attempts` SDK attempts, 5 ms backoff, short timeouts.
pub fn fast_client_settings(max_attempts: u32) -> ClientSettings {
    ClientSettings {
        max_attempts,
        initial_backoff: std::time::Duration::from_millis(5),
        attempt_timeout: std::time::Duration::from_secs(5),
        operation_timeout: std::time::Duration::from_secs(10),
        ..ClientSettings::default()
    }
}

/// One raw HTTP/1.1 request to the emulator's unsigned `/_local/` API: (status, body).
pub async fn local_request(addr: std::net::SocketAddr, method: &str, path: &str, body: &str) -> (u16, Vec<u8>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = match tokio::net::TcpStream::connect(addr).await {
        Ok(stream) => stream,
        Err(err) => panic!("cannot connect to {addr}: {err}"),
    };
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    if let Err(err) = stream.write_all(request.as_bytes()).await {
        panic!("cannot send {method} {path}: {err}");
    }
    let mut response = Vec::new();
    match tokio::time::timeout(std::time::Duration::from_secs(30), stream.read_to_end(&mut response)).await {
        Ok(Ok(_)) => {}
        other => panic!("no answer to {method} {path}: {other:?}"),
    }
    let split = response.windows(4).position(|w| w == b"\r\n\r\n").unwrap_or_else(|| panic!("no HTTP head"));
    let head = String::from_utf8_lossy(&response[..split]).to_ascii_lowercase();
    let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or_else(|| panic!("bad status: {head}"));
    let mut rest = &response[split + 4..];
    if !head.contains("transfer-encoding: chunked") {
        return (status, rest.to_vec());
    }
    let mut body = Vec::new();
    // Bounded by the body's size: every chunk consumes at least its size line.
    while let Some(line_end) = rest.windows(2).position(|w| w == b"\r\n") {
        let size_text = String::from_utf8_lossy(&rest[..line_end]).into_owned();
        let size = usize::from_str_radix(size_text.trim(), 16).unwrap_or_else(|_| panic!("bad chunk {size_text:?}"));
        if size == 0 {
            break;
        }
        let start = line_end + 2;
        body.extend_from_slice(&rest[start..start + size]);
        rest = &rest[start + size + 2..];
    }
    (status, body)
}

/// The emulator's whole store, from `GET /_local/state`.
pub async fn local_state(addr: std::net::SocketAddr) -> serde_json::Value {
    let (status, body) = local_request(addr, "GET", "/_local/state", "").await;
    assert_eq!(status, 200, "GET /_local/state: {}", String::from_utf8_lossy(&body));
    match serde_json::from_slice(&body) {
        Ok(value) => value,
        Err(err) => panic!("GET /_local/state is not JSON: {err}"),
    }
}

/// The store with what differs between two equal runs removed: creation and modification
/// times, playback URLs (they name the emulator's port), when computed alerts were first seen,
/// when a channel was started; package configurations sorted.
pub fn comparable(mut state: serde_json::Value) -> serde_json::Value {
    fn strip(node: &mut serde_json::Value) {
        match node {
            serde_json::Value::Object(map) => {
                for key in ["CreationTime", "LastModifiedTime", "PlaybackUrl", "started_at", "alert_first_seen"] {
                    map.remove(key);
                }
                if let Some(serde_json::Value::Array(items)) = map.get_mut("HttpPackageConfigurations") {
                    items.sort_by_key(|item| item.to_string());
                }
                map.values_mut().for_each(strip);
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(strip),
            _ => {}
        }
    }
    strip(&mut state);
    state
}

/// The BaseUrl of a source location over the sample bucket, read through the S3 API.
pub const SAMPLE_BUCKET_BASE_URL: &str = "https://tailorflow-media.s3.us-east-1.amazonaws.com/";

/// Creates source location `name` over the sample bucket, as an operator would before any
/// delivery.
pub async fn create_sample_source_location(mt: &aws_sdk_mediatailor::Client, name: &str) {
    let http = match aws_sdk_mediatailor::types::HttpConfiguration::builder().base_url(SAMPLE_BUCKET_BASE_URL).build() {
        Ok(http) => http,
        Err(err) => panic!("cannot build the HttpConfiguration: {err}"),
    };
    if let Err(err) = mt.create_source_location().source_location_name(name).http_configuration(http).send().await {
        panic!("cannot create source location {name}: {err:?}");
    }
}

/// What a test binary logged, captured in memory by [`captured_logs`].
#[derive(Clone, Default)]
pub struct CapturedLogs(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl CapturedLogs {
    /// Everything logged so far, as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner)).into_owned()
    }
}

impl std::io::Write for CapturedLogs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Every log line of this test binary up to `level` (the first call's), captured in memory. One
/// global subscriber, installed before any test logs: a scoped one would race with the other
/// tests over tracing's callsite cache.
pub fn captured_logs(level: tracing::Level) -> &'static CapturedLogs {
    static LOGS: std::sync::OnceLock<CapturedLogs> = std::sync::OnceLock::new();
    LOGS.get_or_init(|| {
        let captured = CapturedLogs::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(level)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish();
        if let Err(err) = tracing::subscriber::set_global_default(subscriber) {
            panic!("another log subscriber is installed: {err}");
        }
        captured
    })
}
