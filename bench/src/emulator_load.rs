//! mediatailor-local under load: requests per second for describe and list calls from a few
//! concurrent SDK clients on loopback, and its memory with many resources. The emulator runs as
//! its own release process (`mediatailor-local serve`), so its RSS is its own.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use aws_sdk_mediatailor::Client;
use tokio::time::Instant;

use crate::error::{BenchError, Result};
use crate::proc::{self, Guard};
use crate::setup;

/// Channels created.
pub const CHANNELS: usize = 5_000;
/// VOD sources created (in one source location).
pub const VOD_SOURCES: usize = 4_999;
/// Concurrent SDK clients, each with its own connection pool.
pub const CLIENTS: usize = 4;
/// Requests per operation, at most.
const REQUESTS: usize = 8_000;
/// Time per operation, at most.
const OPERATION_BOUND: Duration = Duration::from_secs(8);

/// Requests per second of one operation.
#[derive(Debug, Clone)]
pub struct Rate {
    /// The operation, as the SDK names it.
    pub operation: &'static str,
    /// Requests answered.
    pub requests: usize,
    /// How long they took.
    pub elapsed: Duration,
}

impl Rate {
    /// Requests per second.
    pub fn per_second(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64().max(f64::EPSILON)
    }
}

/// What was measured.
#[derive(Debug, Clone)]
pub struct EmulatorLoad {
    /// RSS of the idle emulator, KiB.
    pub idle_kib: u64,
    /// RSS once every resource exists, KiB.
    pub loaded_kib: u64,
    /// Peak RSS over the whole run, KiB.
    pub peak_kib: u64,
    /// Resources created.
    pub resources: usize,
    /// Rates, per operation.
    pub rates: Vec<Rate>,
}

struct Server {
    _child: Guard,
    base_url: String,
    pid: u32,
}

async fn start(bin: &Path, media: &Path) -> Result<Server> {
    if !bin.is_file() {
        return Err(BenchError::Missing(bin.to_path_buf()));
    }
    let child = Command::new(bin)
        .args(["serve", "--addr", "127.0.0.1:0", "--media-dir"])
        .arg(media)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(BenchError::io(format!("starting {}", bin.display())))?;
    let mut child = Guard(child);
    let pid = child.pid();
    let stdout = child.0.stdout.take().ok_or_else(|| BenchError::step("mediatailor-local: no stdout"))?;
    // A thread reads its output (the first line says where it listens) and keeps reading, so it
    // never blocks on a full pipe; it ends when the process does.
    let (tx, rx) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        let mut lines = BufReader::new(stdout).lines();
        let _ = tx.send(lines.next().and_then(|line| line.ok()).unwrap_or_default());
        lines.for_each(drop);
    });
    let first = tokio::time::timeout(Duration::from_secs(20), rx)
        .await
        .map_err(|_| BenchError::Timeout("mediatailor-local start".into(), Duration::from_secs(20)))?
        .unwrap_or_default();
    let base_url = first
        .split_whitespace()
        .find(|word| word.starts_with("http://"))
        .ok_or_else(|| BenchError::step(format!("mediatailor-local said {first:?}, not where it listens")))?
        .to_owned();
    Ok(Server { _child: child, base_url, pid })
}

async fn client(base_url: &str) -> Client {
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_mediatailor::config::Credentials::new(
            "mediatailor-local",
            "mediatailor-local",
            None,
            None,
            "bench",
        ))
        .endpoint_url(base_url)
        .load()
        .await;
    Client::new(&config)
}

/// Calls `operation` from [`CLIENTS`] clients at once, up to [`REQUESTS`] in all or for
/// [`OPERATION_BOUND`], and counts the answers.
async fn rate<F, Fut>(operation: &'static str, clients: &[Client], call: F) -> Result<Rate>
where
    F: Fn(Client, usize) -> Fut,
    Fut: std::future::Future<Output = Result<(), String>>,
{
    let per_client = REQUESTS / clients.len().max(1);
    let started = Instant::now();
    let deadline = started + OPERATION_BOUND;
    let call = &call;
    let workers = clients.iter().enumerate().map(|(w, client)| async move {
        let mut done = 0;
        while done < per_client && Instant::now() < deadline {
            call(client.clone(), w * per_client + done).await?;
            done += 1;
        }
        Ok::<usize, String>(done)
    });
    let counts = futures::future::join_all(workers).await;
    let elapsed = started.elapsed();
    let mut requests = 0;
    for count in counts {
        requests += count.map_err(|e| BenchError::step(format!("{operation}: {e}")))?;
    }
    Ok(Rate { operation, requests, elapsed })
}

/// Starts the emulator, fills it, measures it, stops it.
pub async fn measure(bin: &Path, media: &Path) -> Result<EmulatorLoad> {
    let server = start(bin, media).await?;
    // Dropping the server kills the process.
    measure_on(&server).await
}

async fn measure_on(server: &Server) -> Result<EmulatorLoad> {
    let rss = |field: &str| {
        proc::status_kib(server.pid, field)
            .ok_or_else(|| BenchError::step(format!("cannot read /proc/{}/status", server.pid)))
    };
    let mut clients = Vec::with_capacity(CLIENTS);
    for _ in 0..CLIENTS {
        clients.push(client(&server.base_url).await);
    }
    let mt = clients.first().cloned().ok_or_else(|| BenchError::step("no client"))?;
    // One call first, so the idle figure includes a served request.
    mt.list_channels().send().await.map_err(|e| BenchError::step(format!("ListChannels: {e:?}")))?;
    let idle_kib = rss("VmRSS")?;
    setup::channels(&mt, "ch", CHANNELS).await?;
    setup::source_location(&mt, "library", "remote-bucket").await?;
    setup::vod_sources(&mt, "library", VOD_SOURCES, |i| format!("vod-{i:05}"), |i| format!("vod-{i:05}/index.m3u8"))
        .await?;
    let resources = CHANNELS + VOD_SOURCES + 1;
    let loaded_kib = rss("VmRSS")?;
    let mut rates = Vec::new();
    rates.push(
        rate("DescribeChannel", &clients, |c, i| async move {
            c.describe_channel()
                .channel_name(format!("ch-{:05}", i % CHANNELS))
                .send()
                .await
                .map(|_| ())
                .map_err(|e| format!("{e:?}"))
        })
        .await?,
    );
    rates.push(
        rate("ListChannels", &clients, |c, _| async move {
            c.list_channels().max_results(100).send().await.map(|_| ()).map_err(|e| format!("{e:?}"))
        })
        .await?,
    );
    rates.push(
        rate("DescribeVodSource", &clients, |c, i| async move {
            c.describe_vod_source()
                .source_location_name("library")
                .vod_source_name(format!("vod-{:05}", i % VOD_SOURCES))
                .send()
                .await
                .map(|_| ())
                .map_err(|e| format!("{e:?}"))
        })
        .await?,
    );
    rates.push(
        rate("ListVodSources", &clients, |c, _| async move {
            c.list_vod_sources()
                .source_location_name("library")
                .max_results(100)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| format!("{e:?}"))
        })
        .await?,
    );
    let peak_kib = rss("VmHWM")?;
    Ok(EmulatorLoad { idle_kib, loaded_kib, peak_kib, resources, rates })
}
