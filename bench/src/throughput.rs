//! Throughput of the functions' handlers against the emulator with injected latency, each
//! against the ideal its own concurrency and rate limit allow.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use aws_lambda_events::event::eventbridge::EventBridgeEvent;
use lambda_runtime::{Context, LambdaEvent};
use mediatailor_local::{Emulator, EmulatorOptions, FaultConfig};
use serde_json::{Value, json};
use tailorflow_shared::{ClientSettings, EnvReader};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::time::Instant;
use vod_source_ingest::IngestEvent;

use crate::error::{BenchError, Result};
use crate::setup;

/// Latency added to every call.
pub const LATENCY_MS: u64 = 20;
/// S3 records in the vod-source-ingest batch.
pub const INGEST_RECORDS: usize = 1_000;
/// Channels and source locations alert-publisher polls (each).
pub const ALERT_RESOURCES: usize = 500;
/// Alerts in the window (published through PutEvents).
pub const ALERTS_IN_WINDOW: usize = 100;
/// alert-publisher's rate limit in the run (the most `MAX_REQUESTS_PER_SECOND` allows).
pub const ALERT_RATE: u32 = 100;
/// VOD sources in program-scheduler's pool.
pub const SCHEDULER_SOURCES: usize = 1_000;
/// program-scheduler's horizon.
pub const HORIZON_MINUTES: u64 = 1_440;
/// Bound of each handler run.
const RUN_BOUND: Duration = Duration::from_secs(600);

/// One handler run.
#[derive(Debug, Clone)]
pub struct Throughput {
    /// Wall time of the handler.
    pub wall: Duration,
    /// The ideal under the function's concurrency and rate limit.
    pub ideal: Duration,
    /// Signed calls per operation.
    pub calls: BTreeMap<String, u64>,
    /// How the ideal was computed.
    pub ideal_formula: String,
    /// What the handler reported.
    pub outcome: String,
}

impl Throughput {
    /// Every signed call.
    pub fn total_calls(&self) -> u64 {
        self.calls.values().sum()
    }

    /// Ideal over wall time: 1.0 is the ideal.
    pub fn ratio(&self) -> f64 {
        self.ideal.as_secs_f64() / self.wall.as_secs_f64().max(f64::EPSILON)
    }
}

fn invocation<T>(payload: T) -> LambdaEvent<T> {
    let mut context = Context::default();
    context.request_id = "00000000-0000-4000-8000-00000000be9c".into();
    LambdaEvent::new(payload, context)
}

fn latency(ms: u64) -> FaultConfig {
    FaultConfig { latency_ms: ms, ..Default::default() }
}

fn env(pairs: &[(&str, &str)]) -> EnvReader {
    EnvReader::from_pairs(pairs.iter().copied())
}

fn events_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../events")
}

/// A sample event of `function`.
pub fn sample_event(function: &str, name: &str) -> Result<Value> {
    let path = events_dir().join(function).join(name);
    let text = std::fs::read_to_string(&path).map_err(BenchError::io(format!("reading {}", path.display())))?;
    serde_json::from_str(&text).map_err(|e| BenchError::step(format!("{}: {e}", path.display())))
}

async fn bounded<T>(what: &str, future: impl std::future::Future<Output = T>) -> Result<T> {
    tokio::time::timeout(RUN_BOUND, future).await.map_err(|_| BenchError::Timeout(what.to_owned(), RUN_BOUND))
}

fn sum(calls: &BTreeMap<String, u64>, operations: &[&str]) -> u64 {
    operations.iter().map(|op| calls.get(*op).copied().unwrap_or_default()).sum()
}

fn secs(duration: Duration) -> String {
    format!("{:.2} s", duration.as_secs_f64())
}

/// An SQS message carrying one S3 `ObjectCreated:Put` record for generated asset `i`.
fn sqs_record(i: usize) -> Value {
    let body = json!({"Records": [{
        "eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": "us-east-1",
        "eventTime": "2026-11-25T06:00:00.000Z", "eventName": "ObjectCreated:Put",
        "s3": {"s3SchemaVersion": "1.0", "bucket": {"name": setup::BUCKET, "arn": format!("arn:aws:s3:::{}", setup::BUCKET)},
               "object": {"key": setup::asset_key(i), "size": 300, "eTag": format!("{i:032x}")}}
    }]});
    json!({
        "messageId": format!("00000000-0000-4000-8000-{i:012}"),
        "receiptHandle": format!("handle-{i}"),
        "body": body.to_string(),
        "attributes": {"ApproximateReceiveCount": "1"},
        "messageAttributes": {},
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:tailorflow-ingest",
        "awsRegion": "us-east-1"
    })
}

/// vod-source-ingest: one SQS batch of [`INGEST_RECORDS`] S3 records, each a new HLS package.
///
/// The function processes `CONCURRENCY` records at once (its default), so its ideal is every
/// call's latency divided by that. A new asset's ideal is 3 calls (list, sniff, create); the
/// row reports the calls per asset beside it.
pub async fn vod_source_ingest(media: &Path) -> Result<Throughput> {
    let emulator = Emulator::start(EmulatorOptions { media_dir: media.to_path_buf(), ..Default::default() }).await?;
    let clients = tailorflow_shared::AwsClients::for_emulator(&emulator.sdk_config().await, &ClientSettings::default());
    setup::source_location(&clients.mediatailor, "media", setup::BUCKET).await?;
    let settings = vod_source_ingest::Settings::read(env(&[("SOURCE_LOCATION_NAME", "media")]))
        .map_err(|e| BenchError::step(format!("vod-source-ingest settings: {e}")))?;
    let concurrency = settings.concurrency as u64;
    let state = vod_source_ingest::State::new(clients, settings);
    let batch = json!({"Records": (0..INGEST_RECORDS).map(sqs_record).collect::<Vec<_>>()});
    emulator.set_faults(latency(LATENCY_MS))?;
    emulator.reset_call_counts();
    let started = Instant::now();
    let response =
        bounded("vod-source-ingest", vod_source_ingest::handler(&state, invocation(IngestEvent::from(batch)))).await?;
    let wall = started.elapsed();
    let calls = emulator.call_counts();
    emulator.stop().await;
    let response = response.map_err(|e| BenchError::step(format!("vod-source-ingest failed: {e}")))?;
    let failures = response["batchItemFailures"].as_array().map_or(0, Vec::len);
    let created = calls.get("CreateVodSource").copied().unwrap_or_default();
    if failures > 0 || created != INGEST_RECORDS as u64 {
        return Err(BenchError::step(format!(
            "vod-source-ingest: {created} VOD sources created, {failures} messages failed: {response}"
        )));
    }
    let total: u64 = calls.values().sum();
    let ideal = Duration::from_millis(total * LATENCY_MS / concurrency);
    Ok(Throughput {
        wall,
        ideal,
        ideal_formula: format!(
            "{total} calls × {LATENCY_MS} ms / CONCURRENCY {concurrency} (the function's default) = {}",
            secs(ideal)
        ),
        outcome: format!(
            "{created} VOD sources created, 0 failed messages; {:.2} calls per asset (ideal 3: ListObjectsV2, GetObject, CreateVodSource)",
            total as f64 / INGEST_RECORDS as f64
        ),
        calls,
    })
}

/// Posts alerts to the emulator's unsigned test endpoint.
pub(crate) async fn inject_alerts(emulator: &Emulator, alerts: &[Value]) -> Result<()> {
    let body = serde_json::to_string(alerts).map_err(BenchError::step)?;
    let request = format!(
        "POST /_local/alerts HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let exchange = async {
        let mut stream = tokio::net::TcpStream::connect(emulator.addr()).await?;
        stream.write_all(request.as_bytes()).await?;
        let mut response = String::new();
        stream.read_to_string(&mut response).await?;
        Ok::<String, std::io::Error>(response)
    };
    let response = tokio::time::timeout(Duration::from_secs(30), exchange)
        .await
        .map_err(|_| BenchError::Timeout("injecting alerts".into(), Duration::from_secs(30)))?
        .map_err(BenchError::io("injecting alerts"))?;
    if !response.starts_with("HTTP/1.1 200") {
        return Err(BenchError::step(format!("injecting alerts: {}", response.lines().next().unwrap_or_default())));
    }
    Ok(())
}

/// alert-publisher: [`ALERT_RESOURCES`] channels and as many source locations, with
/// [`ALERTS_IN_WINDOW`] alerts in the run's window.
pub async fn alert_publisher() -> Result<Throughput> {
    let emulator = Emulator::start(EmulatorOptions::default()).await?;
    let clients = tailorflow_shared::AwsClients::for_emulator(&emulator.sdk_config().await, &ClientSettings::default());
    setup::channels(&clients.mediatailor, "ch", ALERT_RESOURCES).await?;
    setup::remote_source_locations(&clients.mediatailor, ALERT_RESOURCES).await?;
    // The sample event is at 2026-11-25T06:00:00Z: its window is [05:54:00, 05:59:00).
    let in_window = chrono::DateTime::parse_from_rfc3339("2026-11-25T05:56:00Z").map_err(BenchError::step)?;
    let alerts: Vec<Value> = (0..ALERTS_IN_WINDOW)
        .map(|i| {
            json!({
                "ResourceArn": format!("arn:aws:mediatailor:us-east-1:123456789012:channel/ch-{:05}", i * 5),
                "AlertCode": "NOT_PROCESSED",
                "AlertMessage": format!("bench alert {i}"),
                "LastModifiedTime": in_window.timestamp() as f64 + i as f64,
            })
        })
        .collect();
    inject_alerts(&emulator, &alerts).await?;
    let rate = ALERT_RATE.to_string();
    let settings = alert_publisher::Settings::read(env(&[
        ("EVENT_BUS_NAME", "alerts"),
        ("MAX_REQUESTS_PER_SECOND", rate.as_str()),
    ]))
    .map_err(|e| BenchError::step(format!("alert-publisher settings: {e}")))?;
    let concurrency = settings.concurrency as u64;
    let rate = u64::from(settings.max_requests_per_second);
    let state = alert_publisher::State::new(clients, settings);
    let event: EventBridgeEvent<Value> = serde_json::from_value(sample_event("alert-publisher", "scheduled.json")?)
        .map_err(|e| BenchError::step(format!("alert-publisher event: {e}")))?;
    emulator.set_faults(latency(LATENCY_MS))?;
    emulator.reset_call_counts();
    let started = Instant::now();
    let summary = bounded("alert-publisher", alert_publisher::handler(&state, invocation(event))).await?;
    let wall = started.elapsed();
    let calls = emulator.call_counts();
    emulator.stop().await;
    let summary = summary.map_err(|e| BenchError::step(format!("alert-publisher failed: {e}")))?;
    if summary.published != ALERTS_IN_WINDOW {
        return Err(BenchError::step(format!("alert-publisher published {} of {ALERTS_IN_WINDOW}", summary.published)));
    }
    // Listing pages follow one another (each needs the last one's token); ListAlerts calls run
    // CONCURRENCY at a time, each start spaced by the rate limit; PutEvents batches go one by one.
    let pages = sum(&calls, &["ListChannels", "ListSourceLocations"]);
    let list_alerts = sum(&calls, &["ListAlerts"]);
    let put_events = sum(&calls, &["PutEvents"]);
    let page_ms = LATENCY_MS.max(1000 / rate);
    let by_rate_ms = list_alerts * 1000 / rate;
    let by_concurrency_ms = list_alerts * LATENCY_MS / concurrency;
    let ideal_ms = pages * page_ms + by_rate_ms.max(by_concurrency_ms) + put_events * LATENCY_MS;
    let ideal = Duration::from_millis(ideal_ms);
    Ok(Throughput {
        wall,
        ideal,
        ideal_formula: format!(
            "{pages} list pages × {page_ms} ms in sequence + max({list_alerts} ListAlerts / {rate} per s, \
             {list_alerts} × {LATENCY_MS} ms / concurrency {concurrency}) + {put_events} PutEvents × {LATENCY_MS} ms = {}",
            secs(ideal)
        ),
        outcome: format!(
            "{} resources polled, {} alerts published",
            summary.resources_scanned.values().sum::<usize>(),
            summary.published
        ),
        calls,
    })
}

/// program-scheduler: fill a [`HORIZON_MINUTES`] horizon from [`SCHEDULER_SOURCES`] VOD
/// sources of [`setup::SEGMENTS`] segments each. Its MediaTailor calls are paced by its rate
/// limit (default, 8 per second) and made one after another.
pub async fn program_scheduler(media: &Path) -> Result<Throughput> {
    let emulator = Emulator::start(EmulatorOptions { media_dir: media.to_path_buf(), ..Default::default() }).await?;
    let clients = tailorflow_shared::AwsClients::for_emulator(&emulator.sdk_config().await, &ClientSettings::default());
    setup::source_location(&clients.mediatailor, "media", setup::BUCKET).await?;
    setup::vod_sources(&clients.mediatailor, "media", SCHEDULER_SOURCES, setup::asset, setup::asset_key).await?;
    setup::channels(&clients.mediatailor, "bench", 1).await?;
    let horizon = HORIZON_MINUTES.to_string();
    let settings = program_scheduler::settings::Settings::read(env(&[
        ("CHANNEL_NAME", "bench"),
        ("SOURCE_LOCATION_NAME", "media"),
        ("HORIZON_MINUTES", horizon.as_str()),
        ("MAX_PROGRAMS_PER_RUN", "100"),
    ]))
    .map_err(|e| BenchError::step(format!("program-scheduler settings: {e}")))?;
    let rate = u64::from(settings.max_requests_per_second);
    let state = program_scheduler::State::new(clients, settings);
    let mut event: EventBridgeEvent<Value> =
        serde_json::from_value(sample_event("program-scheduler", "scheduled.json")?)
            .map_err(|e| BenchError::step(format!("program-scheduler event: {e}")))?;
    // The emulator schedules a stopped channel from its clock: the run starts now.
    event.time = chrono::DateTime::from_timestamp_millis(chrono::Utc::now().timestamp_millis());
    emulator.set_faults(latency(LATENCY_MS))?;
    emulator.reset_call_counts();
    let started = Instant::now();
    let summary = bounded("program-scheduler", program_scheduler::handler(&state, invocation(event))).await?;
    let wall = started.elapsed();
    let calls = emulator.call_counts();
    emulator.stop().await;
    let summary = summary
        .map_err(|e| BenchError::step(format!("program-scheduler failed: {e}")))?
        .into_channel()
        .ok_or_else(|| BenchError::step("program-scheduler answered a managed report for one channel".to_owned()))?;
    let covered_hours = (summary.scheduled_until - summary.event_time).num_minutes() as f64 / 60.0;
    let s3 = sum(&calls, &["GetObject"]);
    let mediatailor = calls.values().sum::<u64>() - s3;
    // Each MediaTailor call waits its turn (1 / rate) or its latency, whichever is longer; the
    // manifest reads are not paced but also come one after another.
    let per_call_ms = LATENCY_MS.max(1000 / rate);
    let ideal = Duration::from_millis(mediatailor * per_call_ms + s3 * LATENCY_MS);
    Ok(Throughput {
        wall,
        ideal,
        ideal_formula: format!(
            "{mediatailor} MediaTailor calls × max({LATENCY_MS} ms, 1 / {rate} per s) + {s3} GetObject × {LATENCY_MS} ms, \
             all in sequence = {}",
            secs(ideal)
        ),
        outcome: format!(
            "{} programs appended, {:.1} h scheduled, outcome {:?}",
            summary.programs.len(),
            covered_hours,
            summary.outcome
        ),
        calls,
    })
}
