//! The local demo (`cargo run --release` at the workspace root): an embedded mediatailor-local on
//! an ephemeral loopback port, and each function's own handler (the code that runs in Lambda)
//! invoked on sample events against it, with a report a person can read at a glance.
//!
//! # Layout
//! - [`run`] starts the emulator, runs the scenario and stops it; [`start`] leaves it serving
//!   (`--serve`), so the console it prints last can be opened.
//! - One step per function, in the order a deployment sees them: `ingest` (vod-source-ingest on
//!   an SQS batch, then a backfill of the sample bucket), `schedule` (program-scheduler on a new channel), `publish_alerts`
//!   (alert-publisher), `playback_configurations` (playback-config-api through API Gateway events),
//!   `channel_guide` (channel-guide writes the channel's XMLTV guide to the sample bucket), then
//!   `playback_urls` prints each channel output's PlaybackUrl with an `ffplay` hint, and
//!   `console` adds a stopped, empty channel and prints the console's URL.

use std::fmt::Write as _;

use aws_lambda_events::event::eventbridge::EventBridgeEvent;
use aws_sdk_mediatailor::types::{
    DashPlaylistSettings, DefaultSegmentDeliveryConfiguration, HlsPlaylistSettings, PlaybackMode, RequestOutputItem,
    SlateSource,
};
use lambda_http::RequestExt;
use serde_json::{Value, json};
use tailorflow_shared::aws::mediatailor;
use tailorflow_shared::rate::RateLimiter;
use tailorflow_shared::{AwsCallError, AwsClients, ClientSettings, EnvReader};
use vod_source_ingest::IngestEvent;

use mediatailor_local::{Emulator, EmulatorOptions};

/// The bucket of the sample media folder.
const BUCKET: &str = "tailorflow-media";
/// The source location vod-source-ingest creates for the bucket.
const LOCATION: &str = "demo-media";
/// The channel program-scheduler fills.
const CHANNEL: &str = "demo-channel";
/// A channel left stopped and empty, for the console to show as such.
const OFF_AIR: &str = "demo-off-air";

/// Why the demo failed.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// The emulator did not start.
    #[error(transparent)]
    Emulator(#[from] mediatailor_local::EmulatorError),
    /// A MediaTailor call failed.
    #[error(transparent)]
    Call(#[from] AwsCallError),
    /// A function's configuration or invocation failed.
    #[error("{function}: {message}")]
    Function {
        /// The function.
        function: &'static str,
        /// What went wrong.
        message: String,
    },
}

fn failed(function: &'static str) -> impl Fn(String) -> DemoError {
    move |message| DemoError::Function { function, message }
}

fn clock(epoch: Option<&aws_sdk_mediatailor::primitives::DateTime>) -> String {
    epoch
        .and_then(|t| chrono::DateTime::from_timestamp(t.secs(), t.subsec_nanos()))
        .map(|t| t.format("%H:%M:%S").to_string())
        .unwrap_or_else(|| "--:--:--".into())
}

/// A Lambda invocation of `payload`, with a request id of its own.
fn invocation<T>(payload: T) -> lambda_runtime::LambdaEvent<T> {
    let mut context = lambda_runtime::Context::default();
    context.request_id = uuid::Uuid::new_v4().to_string();
    lambda_runtime::LambdaEvent::new(payload, context)
}

/// A scheduled event of now, with `detail`.
fn scheduled_event(detail: Value) -> EventBridgeEvent<Value> {
    let mut event = EventBridgeEvent::<Value>::default();
    event.detail_type = "Scheduled Event".into();
    event.source = "aws.events".into();
    event.time = Some(chrono::Utc::now());
    event.detail = detail;
    event
}

/// What becomes of the demo's emulator once the scenario ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finish {
    /// It stops with the demo (`cargo run --release`).
    Stop,
    /// It keeps serving, for the console and players (`cargo run --release -- --serve`).
    Serve,
}

/// Runs the demo and returns the report; the emulator stops with it.
pub async fn run() -> Result<String, DemoError> {
    let (emulator, report) = start(Finish::Stop).await?;
    emulator.stop().await;
    Ok(report)
}

/// Runs the demo and returns its emulator, still serving the demo's state, with the report
/// (whose last step names the console's URL and says what `finish` makes of it).
pub async fn start(finish: Finish) -> Result<(Emulator, String), DemoError> {
    let emulator = Emulator::start(EmulatorOptions::default()).await?;
    match scenario(&emulator, finish).await {
        Ok(report) => Ok((emulator, report)),
        Err(err) => {
            emulator.stop().await;
            Err(err)
        }
    }
}

async fn scenario(emulator: &Emulator, finish: Finish) -> Result<String, DemoError> {
    let clients = tailorflow_shared::AwsClients::for_emulator(&emulator.sdk_config().await, &ClientSettings::default());
    let mut out = String::new();
    let _ = writeln!(out, "tailorflow demo: mediatailor-local at {}", emulator.base_url());
    let _ = writeln!(out, "Every step below is a function's own handler, invoked as Lambda would, against it.");
    ingest(&clients, &mut out).await?;
    schedule(&clients, &mut out).await?;
    publish_alerts(emulator, &clients, &mut out).await?;
    playback_configurations(&clients, &mut out).await?;
    channel_guide(&clients, &mut out).await?;
    playback_urls(emulator, &clients, &mut out).await?;
    let _ = writeln!(
        out,
        "\nNext: `cargo run -p mediatailor-local -- serve` keeps an emulator of your own up for `cargo lambda watch`\n\
         and `cargo lambda invoke --data-file events/...` (see the README)."
    );
    // Last, so the report ends with the console's URL.
    console(emulator, &clients, finish, &mut out).await?;
    Ok(out)
}

/// Points the source location's segment delivery at the emulator's own origin: its BaseUrl is
/// the bucket's S3 address (as vod-source-ingest creates it), which a player cannot reach offline,
/// so the channel's segments are delivered the way a CDN in front of the bucket would.
async fn deliver_segments_locally(emulator: &Emulator, clients: &AwsClients) -> Result<String, DemoError> {
    let mt = &clients.mediatailor;
    let location = mt
        .describe_source_location()
        .source_location_name(LOCATION)
        .send()
        .await
        .map_err(|e| AwsCallError::from_sdk("DescribeSourceLocation", &e))?;
    let server = format!("{}/origin/{BUCKET}", emulator.base_url());
    mt.update_source_location()
        .source_location_name(LOCATION)
        .set_http_configuration(location.http_configuration().cloned())
        .default_segment_delivery_configuration(
            DefaultSegmentDeliveryConfiguration::builder().base_url(&server).build(),
        )
        .send()
        .await
        .map_err(|e| AwsCallError::from_sdk("UpdateSourceLocation", &e))?;
    Ok(server)
}

/// The console of the demo's state: a stopped channel with no programs is added beside
/// demo-channel (the console shows such states rather than hiding them), then the URL.
async fn console(emulator: &Emulator, clients: &AwsClients, finish: Finish, out: &mut String) -> Result<(), DemoError> {
    let fail = failed("console");
    let output = RequestOutputItem::builder()
        .manifest_name("index")
        .source_group("hls")
        .hls_playlist_settings(HlsPlaylistSettings::builder().manifest_window_seconds(60).build())
        .build()
        .map_err(|e| fail(e.to_string()))?;
    let filler = SlateSource::builder().source_location_name(LOCATION).vod_source_name("slates-slate-30s").build();
    clients
        .mediatailor
        .create_channel()
        .channel_name(OFF_AIR)
        .playback_mode(PlaybackMode::Linear)
        .filler_slate(filler)
        .outputs(output)
        .send()
        .await
        .map_err(|e| AwsCallError::from_sdk("CreateChannel", &e))?;
    let url = emulator.console_url();
    let _ = writeln!(out, "\n7. console: {url}#channel={CHANNEL}");
    let _ = writeln!(
        out,
        "   the channels ({CHANNEL}, and {OFF_AIR}: STOPPED, no programs), {CHANNEL}'s schedule on a timeline with its\n   \
         ad breaks, gaps and alerts, a player of its HLS PlaybackUrl, and the VOD sources with their packages and alerts"
    );
    let _ = match finish {
        Finish::Serve => writeln!(out, "   open it in a browser; this emulator serves the demo's state until Ctrl-C"),
        Finish::Stop => writeln!(
            out,
            "   this emulator stops with the demo: `cargo run --release -- --serve` keeps it up to open the console"
        ),
    };
    Ok(())
}

/// vod-source-ingest on an SQS batch of S3 notifications for the sample media, then a backfill
/// of the whole sample bucket (what no notification named).
async fn ingest(clients: &AwsClients, out: &mut String) -> Result<(), DemoError> {
    let fail = failed("vod-source-ingest");
    let env = EnvReader::from_pairs([
        ("SOURCE_LOCATION_NAME", LOCATION),
        ("AUTO_CREATE_SOURCE_LOCATION", "true"),
        ("AWS_REGION", "us-east-1"),
        ("MEDIA_BUCKET", BUCKET),
        ("MAX_REQUESTS_PER_SECOND", "100"),
    ]);
    let settings = vod_source_ingest::Settings::read(env).map_err(|e| fail(e.to_string()))?;
    let state = vod_source_ingest::State::new(clients.clone(), settings);
    let keys = [
        "packages/big-buck-bunny/hls/index.m3u8",
        "packages/big-buck-bunny/dash/manifest.mpd",
        "packages/sintel/hls/index.m3u8",
        // A packager writes these too: ignored.
        "packages/big-buck-bunny/hls/720p/index.m3u8",
        "packages/big-buck-bunny/hls/720p/segment_00000.ts",
    ];
    let records: Vec<Value> = keys
        .iter()
        .enumerate()
        .map(|(i, key)| {
            let s3 = json!({"Records": [{
                "eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": "us-east-1",
                "eventTime": chrono::Utc::now().to_rfc3339(), "eventName": "ObjectCreated:Put",
                "s3": {"s3SchemaVersion": "1.0", "bucket": {"name": BUCKET, "arn": format!("arn:aws:s3:::{BUCKET}")},
                       "object": {"key": key, "size": 1024, "eTag": format!("demo-etag-{i}")}}
            }]});
            json!({"messageId": format!("demo-{i}"), "eventSource": "aws:sqs", "body": s3.to_string(),
                   "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:tailorflow-ingest"})
        })
        .collect();
    let batch = json!({ "Records": records });
    let answer = vod_source_ingest::handler(&state, invocation(IngestEvent::from(batch)))
        .await
        .map_err(|e| fail(e.to_string()))?;
    let failures = answer["batchItemFailures"].as_array().map_or(0, Vec::len);
    let _ = writeln!(
        out,
        "\n1. vod-source-ingest: an SQS batch of {} S3 notifications ({} to retry)",
        keys.len(),
        failures
    );
    let _ = writeln!(out, "   source location {LOCATION} created for s3://{BUCKET} (AUTO_CREATE_SOURCE_LOCATION=true)");
    // The library already in the bucket: a backfill, invoked again until it is done (bounded).
    let mut start_after = Value::Null;
    let (mut invocations, mut assets, mut created) = (0, 0, 0);
    for _ in 0..100 {
        let request = json!({"Backfill": {"StartAfter": start_after}});
        let answer = vod_source_ingest::handler(&state, invocation(IngestEvent::from(request)))
            .await
            .map_err(|e| fail(e.to_string()))?;
        invocations += 1;
        assets += answer["Assets"].as_u64().unwrap_or_default();
        created += answer["Summary"]["created"].as_array().map_or(0, Vec::len);
        if answer["Done"] == json!(true) {
            break;
        }
        start_after = answer["NextStartAfter"].clone();
    }
    let _ = writeln!(
        out,
        "   backfill of s3://{BUCKET}: {assets} assets reconciled in {invocations} invocation(s), {created} VOD sources created"
    );
    let mt = &clients.mediatailor;
    // Every page, as the functions read them (a burst of 100 leaves the demo unpaced).
    let listed = mediatailor::list_vod_sources(mt, &RateLimiter::per_second(100), LOCATION).await?;
    let _ = writeln!(out, "   {:<24} {:<12} paths", "VOD source", "packages");
    for source in &listed {
        let packages = source.http_package_configurations();
        let kinds: Vec<&str> = packages.iter().map(|p| p.r#type().as_str()).collect();
        let paths: Vec<&str> = packages.iter().map(|p| p.path()).collect();
        let _ = writeln!(out, "   {:<24} {:<12} {}", source.vod_source_name(), kinds.join("+"), paths.join(", "));
    }
    let _ = writeln!(out, "   ignored: a rendition's playlist and a segment (only entry manifests make VOD sources)");
    Ok(())
}

/// program-scheduler fills a new LINEAR channel (the 30 s slate as its filler) for ten minutes,
/// with a break every 60 s.
async fn schedule(clients: &AwsClients, out: &mut String) -> Result<(), DemoError> {
    let fail = failed("program-scheduler");
    let mt = &clients.mediatailor;
    let output = RequestOutputItem::builder()
        .manifest_name("index")
        .source_group("hls")
        .hls_playlist_settings(HlsPlaylistSettings::builder().manifest_window_seconds(60).build())
        .build()
        .map_err(|e| fail(e.to_string()))?;
    let dash = RequestOutputItem::builder()
        .manifest_name("dash")
        .source_group("dash")
        .dash_playlist_settings(DashPlaylistSettings::builder().manifest_window_seconds(60).build())
        .build()
        .map_err(|e| fail(e.to_string()))?;
    let filler = SlateSource::builder().source_location_name(LOCATION).vod_source_name("slates-slate-30s").build();
    mt.create_channel()
        .channel_name(CHANNEL)
        .playback_mode(PlaybackMode::Linear)
        .filler_slate(filler)
        // Scheduled by program-scheduler's managed mode, as every channel so tagged.
        .tags("tailorflow:managed", "true")
        .outputs(output)
        .outputs(dash)
        .send()
        .await
        .map_err(|e| AwsCallError::from_sdk("CreateChannel", &e))?;
    // No CHANNEL_NAME: managed mode, every channel tagged tailorflow:managed=true.
    let env = EnvReader::from_pairs([
        ("SOURCE_LOCATION_NAME", LOCATION),
        ("HORIZON_MINUTES", "10"),
        ("AD_BREAK_EVERY_SECONDS", "60"),
        ("SLATE_VOD_SOURCE_NAME", "slates-slate-30s"),
    ]);
    let settings = program_scheduler::settings::Settings::read(env).map_err(|e| fail(e.to_string()))?;
    let state = program_scheduler::State::new(clients.clone(), settings);
    let report = program_scheduler::handler(&state, invocation(scheduled_event(json!({}))))
        .await
        .map_err(|e| fail(e.to_string()))?;
    let summary = report
        .into_managed()
        .and_then(|managed| managed.channels.into_iter().find(|c| c.channel_name == CHANNEL))
        .and_then(|channel| channel.summary)
        .ok_or_else(|| fail(format!("managed mode did not schedule {CHANNEL}")))?;
    let _ = writeln!(
        out,
        "\n2. program-scheduler (managed mode): {} programs appended to {CHANNEL} ({}), horizon {} covered until {} (UTC)",
        summary.programs.len(),
        summary.playback_mode,
        summary.horizon_end.format("%H:%M:%S"),
        summary.scheduled_until.format("%H:%M:%S"),
    );
    for skipped in &summary.skipped_vod_sources {
        let _ = writeln!(out, "   skipped {}: {}", skipped.vod_source_name, skipped.reason);
    }
    let moved: Vec<String> = summary
        .programs
        .iter()
        .flat_map(|p| &p.ad_breaks)
        .filter(|b| b.requested_offset_millis != b.offset_millis)
        .map(|b| format!("{} -> {} ms", b.requested_offset_millis, b.offset_millis))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    if !moved.is_empty() {
        let _ = writeln!(out, "   ad breaks moved onto segment boundaries: {}", moved.join(", "));
    }
    mt.start_channel().channel_name(CHANNEL).send().await.map_err(|e| AwsCallError::from_sdk("StartChannel", &e))?;
    let schedule = mt
        .get_channel_schedule()
        .channel_name(CHANNEL)
        .send()
        .await
        .map_err(|e| AwsCallError::from_sdk("GetChannelSchedule", &e))?;
    let _ = writeln!(out, "   schedule of {CHANNEL} (RUNNING, times UTC)");
    let _ = writeln!(
        out,
        "   {:<9} {:<34} {:<15} {:>7}  ad breaks (start, slate)",
        "start", "program", "VOD source", "seconds"
    );
    for entry in schedule.items() {
        let breaks: Vec<String> = entry
            .schedule_ad_breaks()
            .iter()
            .map(|b| {
                format!(
                    "{} ({}s)",
                    clock(b.approximate_start_time()),
                    b.approximate_duration_seconds().unwrap_or_default()
                )
            })
            .collect();
        let _ = writeln!(
            out,
            "   {:<9} {:<34} {:<15} {:>7}  {}",
            clock(entry.approximate_start_time()),
            entry.program_name(),
            entry.vod_source_name().unwrap_or_default(),
            entry.approximate_duration_seconds().unwrap_or_default(),
            if breaks.is_empty() { "-".to_owned() } else { breaks.join(", ") }
        );
    }
    Ok(())
}

/// alert-publisher on a scheduled event of now.
async fn publish_alerts(emulator: &Emulator, clients: &AwsClients, out: &mut String) -> Result<(), DemoError> {
    let fail = failed("alert-publisher");
    let env = EnvReader::from_pairs([
        ("EVENT_BUS_NAME", "tailorflow-alerts"),
        // The demo's alerts were raised a moment ago: no lag, and the window ends just after now.
        ("ALERT_LAG_SECONDS", "0"),
    ]);
    let settings = alert_publisher::Settings::read(env).map_err(|e| fail(e.to_string()))?;
    let state = alert_publisher::State::new(clients.clone(), settings);
    let mut event = scheduled_event(json!({}));
    event.time = Some(chrono::Utc::now() + chrono::Duration::seconds(1));
    let summary = alert_publisher::handler(&state, invocation(event)).await.map_err(|e| fail(e.to_string()))?;
    let _ = writeln!(
        out,
        "\n3. alert-publisher: polled {} resources, saw {} alerts, published {} to bus tailorflow-alerts",
        summary.resources_scanned.values().sum::<usize>(),
        summary.alerts_seen,
        summary.published
    );
    for event in emulator.accepted_events() {
        let detail = &event["detail"];
        let message = detail["AlertMessage"].as_str().unwrap_or_default();
        let short: String = message.chars().take(70).collect();
        let _ = writeln!(
            out,
            "   {} {:<26} {:<15} {:<34} {}",
            detail["AlertId"].as_str().unwrap_or_default().get(..8).unwrap_or_default(),
            detail["AlertCode"].as_str().unwrap_or_default(),
            detail["ResourceKind"].as_str().unwrap_or_default(),
            detail["ResourceName"].as_str().unwrap_or_default(),
            short,
        );
    }
    Ok(())
}

/// playback-config-api on API Gateway HTTP API (v2) requests.
async fn playback_configurations(clients: &AwsClients, out: &mut String) -> Result<(), DemoError> {
    let fail = failed("playback-config-api");
    let state = playback_config_api::State::new(clients.clone());
    let _ = writeln!(out, "\n4. playback-config-api: API Gateway HTTP API requests");
    let content = json!({
        "AdDecisionServerUrl": "https://ads.example.com/vast?key=SECRET&sid=[session.id]",
        "VideoContentSourceUrl": "https://tailorflow-media.s3.us-east-1.amazonaws.com/",
        "AvailSuppression": { "Mode": "BEHIND_LIVE_EDGE", "Value": "00:00:30" },
        "Tags": { "team": "video" }
    });
    let typo = json!({ "AdDecisionServerUrl": "https://ads.example.com/vast", "VideoContentSourceURL": "https://x" });
    let requests = [
        ("PUT", "/playback-configurations/demo-ads", Some(content)),
        ("PUT", "/playback-configurations/demo-typo", Some(typo)),
        ("GET", "/playback-configurations/demo-ads", None),
        ("GET", "/playback-configurations?maxResults=10", None),
        ("DELETE", "/playback-configurations/demo-ads", None),
        ("GET", "/playback-configurations/demo-ads", None),
    ];
    for (method, uri, body) in requests {
        let mut builder = lambda_http::http::Request::builder().method(method).uri(uri);
        let body = match body {
            Some(body) => {
                builder = builder.header("content-type", "application/json");
                lambda_http::Body::from(body.to_string())
            }
            None => lambda_http::Body::Empty,
        };
        let request = builder.body(body).map_err(|e| fail(e.to_string()))?.with_lambda_context(invocation(()).context);
        let response = playback_config_api::handler(&state, request).await.map_err(|e| fail(e.to_string()))?;
        let status = response.status().as_u16();
        let answer: Value = serde_json::from_slice(response.body().as_ref()).unwrap_or(Value::Null);
        let gist = if let Some(error) = answer.get("error") {
            format!("{}: {}", error["code"].as_str().unwrap_or_default(), error["message"].as_str().unwrap_or_default())
        } else if let Some(items) = answer.get("Items").and_then(Value::as_array) {
            format!("{} configuration(s)", items.len())
        } else if let Some(prefix) = answer.pointer("/HlsConfiguration/ManifestEndpointPrefix") {
            format!("HLS endpoint {}", prefix.as_str().unwrap_or_default())
        } else {
            String::new()
        };
        let _ = writeln!(out, "   {method:<6} {uri:<42} {status}  {gist}");
    }
    Ok(())
}

/// channel-guide on a scheduled event of now: the demo channel's XMLTV guide, written to the
/// sample bucket (a file under `local/media/tailorflow-media/guides/`), and its first programmes.
async fn channel_guide(clients: &AwsClients, out: &mut String) -> Result<(), DemoError> {
    let fail = failed("channel-guide");
    let mt = &clients.mediatailor;
    // Titles and the rest come from the VOD source's tags; sintel keeps its name as its title.
    let bunny = tailorflow_shared::aws::mediatailor::describe_vod_source(mt, LOCATION, "packages-big-buck-bunny")
        .await?
        .ok_or_else(|| fail("VOD source packages-big-buck-bunny is missing".into()))?;
    mt.tag_resource()
        .resource_arn(bunny.arn)
        .tags("title", "Big Buck Bunny")
        .tags("description", "A giant rabbit takes on three bullies.")
        .tags("category", "Animation, Comedy")
        .send()
        .await
        .map_err(|e| AwsCallError::from_sdk("TagResource", &e))?;
    let env = EnvReader::from_pairs([("GUIDE_BUCKET", BUCKET), ("CHANNEL_NAMES", CHANNEL), ("GUIDE_HOURS", "2")]);
    let settings = channel_guide::Settings::read(env).map_err(|e| fail(e.to_string()))?;
    let key = settings.key(CHANNEL, "xml");
    let mut state = channel_guide::State::new(clients.clone(), settings);
    // The metric lines would interleave with this report on stdout: keep them.
    state.metrics = channel_guide::MetricsSink::memory();
    let summary = channel_guide::handler(&state, invocation(scheduled_event(json!({}))))
        .await
        .map_err(|e| fail(e.to_string()))?;
    let report = summary.channels.first().ok_or_else(|| fail(format!("no guide for {CHANNEL}")))?;
    let file = mediatailor_local::sample_media_dir().join(BUCKET).join(&key);
    let health = &report.health;
    let _ = writeln!(
        out,
        "\n5. channel-guide: XMLTV guide of {CHANNEL} for the next 2 hours, {} programmes\n   written to s3://{BUCKET}/{key} ({})",
        health.programs_in_window,
        file.display()
    );
    let _ = writeln!(
        out,
        "   schedule health (EMF metrics): {} min ahead, {} s of filler gaps, {} programmes with alerts",
        health.scheduled_minutes_ahead, health.filler_gap_seconds, health.programs_with_alerts
    );
    let guide: Value = match std::fs::read(file.with_extension("json")) {
        Ok(bytes) => serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        Err(err) => return Err(fail(format!("cannot read the guide back: {err}"))),
    };
    let _ = writeln!(out, "   {:<9} {:<9} {:<16} category", "start", "stop", "title");
    for programme in guide["programmes"].as_array().into_iter().flatten().take(5) {
        let time = |field: &str| programme[field].as_str().and_then(|t| t.get(11..19)).unwrap_or("--:--:--").to_owned();
        let categories: Vec<&str> =
            programme["categories"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
        let _ = writeln!(
            out,
            "   {:<9} {:<9} {:<16} {}",
            time("start"),
            time("stop"),
            programme["title"].as_str().unwrap_or_default(),
            if categories.is_empty() { "-".to_owned() } else { categories.join(", ") }
        );
    }
    Ok(())
}

/// Each output's PlaybackUrl, with a one-line `ffplay` hint. The demo's emulator stops when the
/// demo ends unless it runs with `--serve`, which keeps them playing.
async fn playback_urls(emulator: &Emulator, clients: &AwsClients, out: &mut String) -> Result<(), DemoError> {
    let server = deliver_segments_locally(emulator, clients).await?;
    let channel = clients
        .mediatailor
        .describe_channel()
        .channel_name(CHANNEL)
        .send()
        .await
        .map_err(|e| AwsCallError::from_sdk("DescribeChannel", &e))?;
    let _ = writeln!(
        out,
        "\n6. playback: {CHANNEL} ({}, filler slate {}) plays at its outputs' PlaybackUrls (unsigned)",
        channel.playback_mode().unwrap_or("-"),
        channel.filler_slate().and_then(|s| s.vod_source_name()).unwrap_or("-"),
    );
    let _ = writeln!(
        out,
        "   segments from {server} ({LOCATION}'s DefaultSegmentDeliveryConfiguration, the CDN in front of the bucket)"
    );
    for output in channel.outputs() {
        let kind = if output.dash_playlist_settings().is_some() { "DASH" } else { "HLS" };
        let _ = writeln!(out, "   {:<6} {kind:<5} {}", output.manifest_name(), output.playback_url());
        let _ = writeln!(out, "          ffplay {}", output.playback_url());
    }
    let _ = writeln!(
        out,
        "   (they play while this emulator runs: `cargo run --release -- --serve` keeps it up; open a PlaybackUrl\n   \
         with ffplay, VLC or any HLS/DASH player, or the console below)"
    );
    Ok(())
}
