//! Reliability of the four functions against mediatailor-local: injected throttling and server
//! errors with Lambda-style retries, replayed and concurrent deliveries, a crash in the middle of
//! a run, malformed input, and the emulator killed and restarted over its state file. Every test
//! compares what the emulator holds (`GET /_local/state`, times and ports left out) with a
//! fault-free run's.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use aws_lambda_events::event::eventbridge::EventBridgeEvent;
use aws_sdk_mediatailor::types::{
    HlsPlaylistSettings, HttpConfiguration, HttpPackageConfiguration, PlaybackMode, RequestOutputItem, Type,
};
use chrono::{DateTime, Utc};
use lambda_http::http::header::CONTENT_TYPE;
use lambda_http::{Body, Request, RequestExt};
use mediatailor_local::{Emulator, EmulatorOptions, FaultConfig};
use serde_json::{Value, json};
use tailorflow_integration_tests::{
    CapturedLogs, captured_logs, comparable, copy_dir, create_sample_source_location, fast_client_settings, invocation,
    local_request, local_state,
};
use tailorflow_shared::EnvReader;
use vod_source_ingest::IngestEvent;

// ---- emulators -----------------------------------------------------------------------------

/// A private copy of the sample media.
fn media_copy() -> tempfile::TempDir {
    let media = tempfile::tempdir().unwrap();
    copy_dir(&mediatailor_local::sample_media_dir(), media.path());
    media
}

async fn start_at(addr: SocketAddr, media: &Path, state_file: Option<PathBuf>) -> Emulator {
    Emulator::start(EmulatorOptions { addr, media_dir: media.to_path_buf(), state_file, ..Default::default() })
        .await
        .unwrap()
}

/// An emulator on an ephemeral port over its own copy of the sample media.
async fn start() -> (Emulator, tempfile::TempDir) {
    let media = media_copy();
    let emulator = start_at(SocketAddr::from(([127, 0, 0, 1], 0)), media.path(), None).await;
    (emulator, media)
}

/// 20 % throttling and 5 % server errors on every operation, seeded.
fn faults(seed: u64) -> FaultConfig {
    FaultConfig { throttle_rate: 0.2, error_rate: 0.05, seed, ..FaultConfig::default() }
}

/// Every call after the `n`th fails with 500: a crash in the middle of a run.
fn crash_after(n: u64) -> FaultConfig {
    FaultConfig { fail_after: Some(n), ..FaultConfig::default() }
}

async fn state_of(emulator: &Emulator) -> Value {
    comparable(local_state(emulator.addr()).await)
}

fn calls(emulator: &Emulator) -> u64 {
    emulator.call_counts().values().sum()
}

/// Operations that change MediaTailor resources.
const WRITES: &[&str] = &[
    "CreateChannel",
    "UpdateChannel",
    "DeleteChannel",
    "CreateProgram",
    "DeleteProgram",
    "CreateSourceLocation",
    "UpdateSourceLocation",
    "DeleteSourceLocation",
    "CreateVodSource",
    "UpdateVodSource",
    "DeleteVodSource",
    "PutPlaybackConfiguration",
    "DeletePlaybackConfiguration",
    "TagResource",
    "UntagResource",
    "PutEvents",
];

fn writes(emulator: &Emulator) -> BTreeMap<String, u64> {
    emulator.call_counts().into_iter().filter(|(op, _)| WRITES.contains(&op.as_str())).collect()
}

/// Characters MediaTailor names may not hold: every printable ASCII one but `A-Z a-z 0-9 - _`,
/// a control character, and a few beyond ASCII.
fn disallowed_characters() -> Vec<char> {
    let mut chars: Vec<char> = (' '..='~').filter(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_')).collect();
    chars.extend(['\t', '\u{7f}', 'é', '日', '\u{200b}', '🎬']);
    chars
}

/// Every line this test binary logs at INFO and above.
fn logs() -> &'static CapturedLogs {
    captured_logs(tracing::Level::INFO)
}

// ---- vod-source-ingest ---------------------------------------------------------------------

const LOCATION: &str = "media";
const INGEST_SAMPLES: [&str; 3] =
    ["s3-put-hls-manifest.json", "eventbridge-object-created-dash.json", "sqs-batch.json"];

fn ingest_event(name: &str) -> Value {
    let path = format!("{}/../events/vod-source-ingest/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

async fn ingest_state(emulator: &Emulator, max_attempts: u32) -> vod_source_ingest::State {
    let settings =
        vod_source_ingest::Settings::read(EnvReader::from_pairs([("SOURCE_LOCATION_NAME", LOCATION)])).unwrap();
    vod_source_ingest::State::new(
        tailorflow_shared::AwsClients::for_emulator(&emulator.sdk_config().await, &fast_client_settings(max_attempts)),
        settings,
    )
}

/// The source location over the sample bucket, made by an operator before any delivery.
async fn source_location(emulator: &Emulator) {
    let mt = aws_sdk_mediatailor::Client::new(&emulator.sdk_config().await);
    create_sample_source_location(&mt, LOCATION).await;
}

/// Delivers `payload` as Lambda does: an invocation that fails is invoked again; for an SQS
/// batch only the messages named in `batchItemFailures` are redelivered. Returns how many
/// deliveries failed before everything succeeded.
async fn deliver(state: &vod_source_ingest::State, payload: Value, max_deliveries: usize) -> usize {
    let is_sqs = payload.pointer("/Records/0/eventSource") == Some(&json!("aws:sqs"));
    let mut pending = payload;
    let mut failed = 0;
    for _ in 0..max_deliveries {
        match vod_source_ingest::handler(state, invocation(IngestEvent::from(pending.clone()))).await {
            Ok(response) if is_sqs => {
                let ids: BTreeSet<&str> = response["batchItemFailures"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|f| f["itemIdentifier"].as_str().unwrap())
                    .collect();
                if ids.is_empty() {
                    return failed;
                }
                failed += 1;
                let records = pending["Records"].as_array_mut().unwrap();
                records.retain(|r| ids.contains(r["messageId"].as_str().unwrap()));
                assert_eq!(records.len(), ids.len(), "every failure names a message of the batch");
            }
            Ok(_) => return failed,
            Err(_) => failed += 1,
        }
    }
    panic!("still failing after {max_deliveries} deliveries: {pending}");
}

/// The end state of the three samples delivered once each on a healthy emulator.
async fn ingest_reference() -> Value {
    let (emulator, _media) = start().await;
    source_location(&emulator).await;
    let state = ingest_state(&emulator, 3).await;
    for sample in INGEST_SAMPLES {
        assert_eq!(deliver(&state, ingest_event(sample), 1).await, 0, "{sample}");
    }
    let reference = state_of(&emulator).await;
    emulator.stop().await;
    // Not vacuous: one VOD source per asset, big-buck-bunny with its HLS and DASH packages.
    let sources = reference["vod_sources"][LOCATION].as_object().unwrap();
    assert_eq!(sources.keys().collect::<Vec<_>>(), ["packages-big-buck-bunny", "packages-sintel"]);
    assert_eq!(sources["packages-big-buck-bunny"]["HttpPackageConfigurations"].as_array().unwrap().len(), 2);
    assert!(!sources["packages-sintel"]["HttpPackageConfigurations"].as_array().unwrap().is_empty());
    reference
}

// ---- program-scheduler ---------------------------------------------------------------------

const CHANNEL: &str = "news";

/// A sample event as stored.
fn scheduler_sample(name: &str) -> EventBridgeEvent<Value> {
    let path = format!("{}/../events/program-scheduler/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// A sample event at `time` (mediatailor-local schedules a stopped channel from the clock).
fn scheduler_event(name: &str, time: DateTime<Utc>) -> EventBridgeEvent<Value> {
    let mut event = scheduler_sample(name);
    event.time = Some(time);
    event
}

async fn scheduler_state(emulator: &Emulator, max_attempts: u32) -> program_scheduler::State {
    let settings = program_scheduler::settings::Settings::read(EnvReader::from_pairs([
        ("CHANNEL_NAME", CHANNEL),
        ("SOURCE_LOCATION_NAME", LOCATION),
        ("HORIZON_MINUTES", "10"),
        ("MAX_PROGRAMS_PER_RUN", "20"),
        ("AD_BREAK_EVERY_SECONDS", "60"),
        ("SLATE_VOD_SOURCE_NAME", "slate-30s"),
        ("MAX_REQUESTS_PER_SECOND", "100"),
    ]))
    .unwrap();
    program_scheduler::State::new(
        tailorflow_shared::AwsClients::for_emulator(&emulator.sdk_config().await, &fast_client_settings(max_attempts)),
        settings,
    )
}

fn hls(path: &str) -> HttpPackageConfiguration {
    HttpPackageConfiguration::builder().path(path).source_group("hls").r#type(Type::Hls).build().unwrap()
}

/// The source location, big-buck-bunny, sintel and the slate, and a stopped channel.
async fn channel_world(emulator: &Emulator) {
    source_location(emulator).await;
    let mt = aws_sdk_mediatailor::Client::new(&emulator.sdk_config().await);
    for (name, path) in [
        ("big-buck-bunny", "packages/big-buck-bunny/hls/index.m3u8"),
        ("sintel", "packages/sintel/hls/index.m3u8"),
        ("slate-30s", "slates/slate-30s/hls/index.m3u8"),
    ] {
        mt.create_vod_source()
            .source_location_name(LOCATION)
            .vod_source_name(name)
            .http_package_configurations(hls(path))
            .send()
            .await
            .unwrap();
    }
    slate_and_channel(&mt, false).await;
}

/// A stopped LINEAR channel (the slate as its filler) with one HLS output; with `slate`, the
/// slate VOD source is created first.
async fn slate_and_channel(mt: &aws_sdk_mediatailor::Client, slate: bool) {
    if slate {
        mt.create_vod_source()
            .source_location_name(LOCATION)
            .vod_source_name("slate-30s")
            .http_package_configurations(hls("slates/slate-30s/hls/index.m3u8"))
            .send()
            .await
            .unwrap();
    }
    mt.create_channel()
        .channel_name(CHANNEL)
        .playback_mode(PlaybackMode::Linear)
        .filler_slate(
            aws_sdk_mediatailor::types::SlateSource::builder()
                .source_location_name(LOCATION)
                .vod_source_name("slate-30s")
                .build(),
        )
        .outputs(
            RequestOutputItem::builder()
                .manifest_name("index-hls")
                .source_group("hls")
                .hls_playlist_settings(HlsPlaylistSettings::builder().manifest_window_seconds(60).build())
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
}

/// Invokes as Lambda does for an asynchronous event: again after each failure, at most
/// `max_invocations` times. Returns the last summary and how many invocations failed.
async fn schedule(
    state: &program_scheduler::State,
    event: &EventBridgeEvent<Value>,
    max_invocations: usize,
) -> (program_scheduler::Summary, usize) {
    let mut last = None;
    for failed in 0..max_invocations {
        match program_scheduler::handler(state, invocation(event.clone())).await {
            Ok(report) => return (report.into_channel().unwrap(), failed),
            Err(err) => last = Some(err),
        }
    }
    panic!("still failing after {max_invocations} invocations: {last:?}");
}

fn play_order(state: &Value) -> Vec<String> {
    state["channels"][CHANNEL]["play_order"].as_array().unwrap().iter().map(|n| n.as_str().unwrap().into()).collect()
}

/// The end state of one healthy run at `time`; at least five programs, none twice.
async fn scheduler_reference(time: DateTime<Utc>) -> Value {
    let (emulator, _media) = start().await;
    channel_world(&emulator).await;
    let state = scheduler_state(&emulator, 3).await;
    let (summary, failed) = schedule(&state, &scheduler_event("scheduled.json", time), 1).await;
    assert_eq!(failed, 0);
    let reference = state_of(&emulator).await;
    emulator.stop().await;
    let order = play_order(&reference);
    assert!(order.len() >= 5, "{order:?}");
    assert_eq!(order.iter().collect::<BTreeSet<_>>().len(), order.len(), "no program twice: {order:?}");
    assert_eq!(order, summary.programs.iter().map(|p| p.program_name.clone()).collect::<Vec<_>>());
    reference
}

// ---- alert-publisher -----------------------------------------------------------------------

const ACCOUNT: &str = "123456789012";

fn arn(resource: &str) -> String {
    format!("arn:aws:mediatailor:us-east-1:{ACCOUNT}:{resource}")
}

fn alert_event(name: &str) -> EventBridgeEvent<Value> {
    let path = format!("{}/../events/alert-publisher/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

async fn alert_state(emulator: &Emulator, max_attempts: u32) -> alert_publisher::State {
    alert_state_with(emulator, max_attempts, "8").await
}

async fn alert_state_with(emulator: &Emulator, max_attempts: u32, concurrency: &str) -> alert_publisher::State {
    let settings = alert_publisher::Settings::read(EnvReader::from_pairs([
        ("EVENT_BUS_NAME", "alerts"),
        ("MAX_REQUESTS_PER_SECOND", "100"),
        ("CONCURRENCY", concurrency),
    ]))
    .unwrap();
    alert_publisher::State::new(
        tailorflow_shared::AwsClients::for_emulator(&emulator.sdk_config().await, &fast_client_settings(max_attempts)),
        settings,
    )
}

fn epoch(time: DateTime<Utc>) -> f64 {
    time.timestamp_millis() as f64 / 1000.0
}

/// 12 channels and 3 source locations; 15 alerts inside the sample event's window
/// [05:54:00, 05:59:00) and 3 outside it. Returns how many are inside.
async fn alert_world(emulator: &Emulator) -> usize {
    let mt = aws_sdk_mediatailor::Client::new(&emulator.sdk_config().await);
    for i in 0..12 {
        mt.create_channel()
            .channel_name(format!("ch-{i:02}"))
            .playback_mode(PlaybackMode::Loop)
            .outputs(
                RequestOutputItem::builder()
                    .manifest_name("index")
                    .source_group("hls")
                    .hls_playlist_settings(HlsPlaylistSettings::builder().manifest_window_seconds(60).build())
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .unwrap();
    }
    for i in 0..3 {
        mt.create_source_location()
            .source_location_name(format!("sl-{i}"))
            .http_configuration(HttpConfiguration::builder().base_url("https://origin.example.com/").build().unwrap())
            .send()
            .await
            .unwrap();
    }
    let start: DateTime<Utc> = "2026-11-25T05:54:00Z".parse().unwrap();
    let mut alerts = Vec::new();
    for i in 0..15 {
        let resource =
            if i % 5 == 4 { format!("sourceLocation/sl-{}", i % 3) } else { format!("channel/ch-{:02}", i % 12) };
        let time = start + chrono::Duration::milliseconds(i * 19_000);
        alerts.push(json!({"ResourceArn": arn(&resource), "AlertCode": "NOT_PROCESSED",
            "AlertMessage": format!("alert {i}"), "LastModifiedTime": epoch(time)}));
    }
    for (resource, time) in [
        ("channel/ch-00", "2026-11-25T05:59:00Z"),
        ("channel/ch-01", "2026-11-25T05:53:59.999Z"),
        ("sourceLocation/sl-0", "2026-11-24T05:55:00Z"),
    ] {
        let time: DateTime<Utc> = time.parse().unwrap();
        alerts.push(json!({"ResourceArn": arn(resource), "AlertCode": "NOT_PROCESSED",
            "AlertMessage": "outside the window", "LastModifiedTime": epoch(time)}));
    }
    let (status, body) =
        local_request(emulator.addr(), "POST", "/_local/alerts", &serde_json::to_string(&alerts).unwrap()).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    15
}

fn published(emulator: &Emulator) -> Vec<String> {
    emulator.accepted_events().iter().map(|e| e["detail"]["AlertId"].as_str().unwrap().to_owned()).collect()
}

fn distinct(ids: &[String]) -> BTreeSet<String> {
    ids.iter().cloned().collect()
}

/// The AlertIds a healthy run publishes, once each.
async fn alert_reference() -> BTreeSet<String> {
    let (emulator, _media) = start().await;
    let expected = alert_world(&emulator).await;
    let state = alert_state(&emulator, 3).await;
    let summary = alert_publisher::handler(&state, invocation(alert_event("scheduled.json"))).await.unwrap();
    assert_eq!((summary.published, summary.skipped_outside_window), (expected, 3));
    let ids = published(&emulator);
    assert_eq!(distinct(&ids).len(), expected);
    assert_eq!(ids.len(), expected);
    emulator.stop().await;
    distinct(&ids)
}

// ---- playback-config-api -------------------------------------------------------------------

const REQUEST_ID: &str = "00000000-0000-4000-8000-000000000000";

fn api_event(name: &str) -> Request {
    let path = format!("{}/../events/playback-config-api/{name}.json", env!("CARGO_MANIFEST_DIR"));
    lambda_http::request::from_str(&std::fs::read_to_string(path).unwrap())
        .unwrap()
        .with_lambda_context(invocation(()).context)
}

fn api_request(method: &str, uri: &str, content_type: Option<&str>, body: Vec<u8>) -> Request {
    let mut builder = lambda_http::http::Request::builder().method(method).uri(uri);
    if let Some(content_type) = content_type {
        builder = builder.header(CONTENT_TYPE, content_type);
    }
    let body = if body.is_empty() { Body::Empty } else { Body::from(body) };
    builder.body(body).unwrap().with_lambda_context(invocation(()).context)
}

fn api_put(name: &str, body: &Value) -> Request {
    api_request("PUT", &format!("/playback-configurations/{name}"), Some("application/json"), body.to_string().into())
}

async fn api_state(emulator: &Emulator, max_attempts: u32) -> playback_config_api::State {
    playback_config_api::State::new(tailorflow_shared::AwsClients::for_emulator(
        &emulator.sdk_config().await,
        &fast_client_settings(max_attempts),
    ))
}

/// (status, JSON body) of one request.
async fn api_call(state: &playback_config_api::State, request: Request) -> (u16, Value) {
    let response = playback_config_api::handler(state, request).await.unwrap();
    let status = response.status().as_u16();
    let bytes = response.body().as_ref().to_vec();
    let body = if bytes.is_empty() { Value::Null } else { serde_json::from_slice(&bytes).unwrap() };
    if status >= 400 {
        assert_eq!(body["error"]["requestId"], REQUEST_ID, "{body}");
    }
    (status, body)
}

/// Sends the request again while the answer says to retry (429, 502), as a client does.
/// Returns the final answer and how many answers were retried.
async fn api_until_done(
    state: &playback_config_api::State,
    request: impl Fn() -> Request,
    max_tries: usize,
) -> (u16, Value, usize) {
    for retried in 0..max_tries {
        let (status, body) = api_call(state, request()).await;
        if status != 429 && status != 502 {
            return (status, body, retried);
        }
    }
    panic!("still 429/502 after {max_tries} tries");
}

/// The requests of an API session, in order, and the status each must end with.
fn api_session() -> Vec<(Box<dyn Fn() -> Request>, u16)> {
    vec![
        (Box::new(|| api_event("v2-put")), 200),
        (Box::new(|| api_put("conf-2", &json!({"VideoContentSourceUrl": "https://origin.example.com/two/"}))), 200),
        (
            Box::new(|| {
                api_put(
                    "conf-3",
                    &json!({"VideoContentSourceUrl": "https://origin.example.com/three/", "Tags": {"team": "ops"}}),
                )
            }),
            200,
        ),
        (Box::new(|| api_event("v1-put")), 200),
        (Box::new(|| api_request("DELETE", "/playback-configurations/conf-2", None, Vec::new())), 204),
        (Box::new(|| api_put("conf-4", &json!({"SlateAdUrl": "https://cdn.example.com/slate.mp4"}))), 200),
        (Box::new(|| api_put("conf-5", &json!({"PersonalizationThresholdSeconds": 5}))), 200),
        (Box::new(|| api_put("conf-4", &json!({"SlateAdUrl": "https://cdn.example.com/other.mp4"}))), 200),
        (Box::new(|| api_request("DELETE", "/playback-configurations/conf-5", None, Vec::new())), 204),
        (Box::new(|| api_event("v2-get")), 200),
        (Box::new(|| api_event("v1-list")), 200),
    ]
}

// ---- 1. faults -----------------------------------------------------------------------------

#[tokio::test]
async fn faults_vod_source_ingest_ends_in_the_fault_free_state() {
    let reference = ingest_reference().await;

    let (emulator, _media) = start().await;
    source_location(&emulator).await;
    emulator.reset_call_counts();
    emulator.set_faults(faults(3)).unwrap();
    // One attempt per call: every injected fault reaches the handler, and Lambda's redelivery
    // (of the failed SQS messages only) is what recovers.
    let state = ingest_state(&emulator, 1).await;
    let mut failed = 0;
    for sample in INGEST_SAMPLES {
        failed += deliver(&state, ingest_event(sample), 40).await;
    }
    emulator.set_faults(FaultConfig::default()).unwrap();
    assert!(failed > 0, "faults reached the handler and were redelivered");
    assert_eq!(state_of(&emulator).await, reference, "no VOD source or package missing or duplicated");
    emulator.stop().await;
}

#[tokio::test]
async fn faults_program_scheduler_ends_in_the_fault_free_schedule() {
    let time = Utc::now();
    let reference = scheduler_reference(time).await;

    let (emulator, _media) = start().await;
    channel_world(&emulator).await;
    emulator.reset_call_counts();
    emulator.set_faults(faults(5)).unwrap();
    let state = scheduler_state(&emulator, 2).await;
    let (_, failed) = schedule(&state, &scheduler_event("scheduled.json", time), 40).await;
    let faulted_calls = calls(&emulator);
    emulator.set_faults(FaultConfig::default()).unwrap();
    let end = state_of(&emulator).await;
    assert_eq!(play_order(&end), play_order(&reference), "the same programs in the same order, none twice");
    assert_eq!(end, reference);
    eprintln!("program-scheduler under faults: {failed} failed invocation(s), {faulted_calls} calls");
    emulator.stop().await;
}

/// alert-publisher under transient faults: a run whose ListAlerts fails publishes nothing, so
/// its retry publishes the window once. Asserted: every alert of the window is published, the
/// distinct AlertIds equal the fault-free run's, no invocation publishes an AlertId twice, the
/// invocation that succeeds publishes every AlertId, and the whole run publishes each once.
#[tokio::test]
async fn faults_alert_publisher_publishes_every_alert_of_the_window() {
    let reference = alert_reference().await;

    let (emulator, _media) = start().await;
    alert_world(&emulator).await;
    emulator.reset_call_counts();
    emulator.set_faults(faults(4)).unwrap();
    // One ListAlerts at a time, so the seeded faults fall on the same calls every run.
    let state = alert_state_with(&emulator, 2, "1").await;
    let mut invocations = 0;
    let mut succeeded = false;
    while invocations < 40 && !succeeded {
        invocations += 1;
        let before = emulator.accepted_events().len();
        let result = alert_publisher::handler(&state, invocation(alert_event("scheduled.json"))).await;
        let ids = published(&emulator);
        let this_run = &ids[before..];
        assert_eq!(distinct(this_run).len(), this_run.len(), "invocation {invocations} published an AlertId twice");
        if let Ok(summary) = result {
            assert_eq!(summary.published, reference.len());
            assert_eq!(distinct(this_run), reference, "the successful invocation publishes the whole window");
            succeeded = true;
        }
    }
    assert!(succeeded, "still failing after {invocations} invocations");
    assert!(invocations > 1, "faults reached the handler and the invocation was retried");
    emulator.set_faults(FaultConfig::default()).unwrap();
    let all = published(&emulator);
    assert_eq!(distinct(&all), reference, "no alert missing, none that is not in the window");
    // Transient faults fail a run before it publishes anything (or, within PutEvents, are
    // retried entry by entry), so the retries repeat no alert.
    assert_eq!(all.len(), reference.len(), "each alert published once across {invocations} invocations");
    eprintln!(
        "alert-publisher under faults: {invocations} invocation(s), {} events for {} alerts",
        all.len(),
        reference.len()
    );
    emulator.stop().await;
}

#[tokio::test]
async fn faults_playback_config_api_ends_with_the_fault_free_configurations() {
    let (clean, _media) = start().await;
    let state = api_state(&clean, 3).await;
    for (request, status) in api_session() {
        assert_eq!(api_call(&state, request()).await.0, status);
    }
    let reference = state_of(&clean).await;
    clean.stop().await;
    let names: Vec<&String> = reference["playback_configurations"].as_object().unwrap().keys().collect();
    assert_eq!(names, ["conf-1", "conf-3", "conf-4"]);

    let (emulator, _media) = start().await;
    emulator.set_faults(faults(13)).unwrap();
    // One attempt: the API answers 429 or 502 and the caller retries.
    let state = api_state(&emulator, 1).await;
    let mut retried = 0;
    for (request, status) in api_session() {
        let (got, body, retries) = api_until_done(&state, &request, 40).await;
        assert_eq!(got, status, "{body}");
        retried += retries;
    }
    emulator.set_faults(FaultConfig::default()).unwrap();
    assert!(retried > 0, "faults reached the caller");
    assert_eq!(state_of(&emulator).await, reference);
    emulator.stop().await;
}

// ---- 2. replays ----------------------------------------------------------------------------

#[tokio::test]
async fn replays_of_vod_source_ingest_samples_change_nothing() {
    let once = ingest_reference().await;

    let (emulator, _media) = start().await;
    source_location(&emulator).await;
    let state = ingest_state(&emulator, 3).await;
    for sample in INGEST_SAMPLES {
        assert_eq!(deliver(&state, ingest_event(sample), 1).await, 0);
        let writes_after_first = writes(&emulator);
        for _ in 0..2 {
            assert_eq!(deliver(&state, ingest_event(sample), 1).await, 0);
        }
        assert_eq!(writes(&emulator), writes_after_first, "{sample}: a redelivery writes nothing");
    }
    assert_eq!(state_of(&emulator).await, once, "three times in a row");
    emulator.stop().await;

    let (emulator, _media) = start().await;
    source_location(&emulator).await;
    let state = ingest_state(&emulator, 3).await;
    for sample in INGEST_SAMPLES {
        // Each concurrent delivery is redelivered by Lambda if it reports a failure.
        let (a, b, c) = tokio::join!(
            deliver(&state, ingest_event(sample), 5),
            deliver(&state, ingest_event(sample), 5),
            deliver(&state, ingest_event(sample), 5),
        );
        eprintln!("{sample} three at once: {a}, {b}, {c} redeliveries");
    }
    assert_eq!(state_of(&emulator).await, once, "three times at once");
    emulator.stop().await;
}

#[tokio::test]
async fn replays_of_the_scheduled_event_append_nothing_more() {
    let time = Utc::now();
    let once = scheduler_reference(time).await;
    let event = scheduler_event("scheduled.json", time);

    let (emulator, _media) = start().await;
    channel_world(&emulator).await;
    let state = scheduler_state(&emulator, 3).await;
    for i in 0..3 {
        let (summary, failed) = schedule(&state, &event, 1).await;
        assert_eq!(failed, 0);
        if i > 0 {
            assert!(summary.programs.is_empty(), "a replay appends nothing: {summary:?}");
        }
    }
    assert_eq!(state_of(&emulator).await, once, "three times in a row");
    emulator.stop().await;

    let (emulator, _media) = start().await;
    channel_world(&emulator).await;
    let state = scheduler_state(&emulator, 3).await;
    let (a, b, c) = tokio::join!(schedule(&state, &event, 5), schedule(&state, &event, 5), schedule(&state, &event, 5));
    let created = [&a.0, &b.0, &c.0].iter().flat_map(|s| &s.programs).filter(|p| !p.already_existed).count();
    let end = state_of(&emulator).await;
    assert_eq!(created, play_order(&end).len(), "each program created by exactly one of the three");
    assert_eq!(end, once, "three times at once");
    emulator.stop().await;
}

#[tokio::test]
async fn replays_of_the_alert_window_publish_the_same_set_each_time() {
    let once = alert_reference().await;

    let (emulator, _media) = start().await;
    alert_world(&emulator).await;
    let state = alert_state(&emulator, 3).await;
    for i in 0..3 {
        let before = emulator.accepted_events().len();
        let summary = alert_publisher::handler(&state, invocation(alert_event("scheduled.json"))).await.unwrap();
        assert_eq!(summary.published, once.len());
        let ids = published(&emulator);
        assert_eq!(ids.len() - before, once.len(), "delivery {i}: each alert once");
        assert_eq!(distinct(&ids[before..]), once, "delivery {i}: the same set");
    }
    let state_after_three = state_of(&emulator).await;
    emulator.stop().await;

    let (emulator, _media) = start().await;
    alert_world(&emulator).await;
    let state = alert_state(&emulator, 3).await;
    let event = || invocation(alert_event("scheduled.json"));
    let (a, b, c) = tokio::join!(
        alert_publisher::handler(&state, event()),
        alert_publisher::handler(&state, event()),
        alert_publisher::handler(&state, event()),
    );
    for summary in [a.unwrap(), b.unwrap(), c.unwrap()] {
        assert_eq!(summary.published, once.len());
    }
    let ids = published(&emulator);
    assert_eq!(ids.len(), 3 * once.len(), "at-least-once: each delivery publishes the window");
    assert_eq!(distinct(&ids), once);
    for id in &once {
        assert_eq!(ids.iter().filter(|i| *i == id).count(), 3, "{id}: once per delivery");
    }
    // Publishing changes nothing in MediaTailor.
    assert_eq!(state_of(&emulator).await, state_after_three);
    emulator.stop().await;
}

#[tokio::test]
async fn replays_of_api_requests_leave_the_same_configurations() {
    let (emulator, _media) = start().await;
    let state = api_state(&emulator, 3).await;
    assert_eq!(api_call(&state, api_event("v2-put")).await.0, 200);
    let once = state_of(&emulator).await;
    assert_eq!(once["playback_configurations"].as_object().unwrap().len(), 1);
    emulator.stop().await;

    let (emulator, _media) = start().await;
    let state = api_state(&emulator, 3).await;
    let mut answers = Vec::new();
    for _ in 0..3 {
        answers.push(api_call(&state, api_event("v2-put")).await);
    }
    assert!(answers.iter().all(|a| a == &answers[0] && a.0 == 200), "the same answer each time");
    assert_eq!(state_of(&emulator).await, once, "three times in a row");
    emulator.stop().await;

    let (emulator, _media) = start().await;
    let state = api_state(&emulator, 3).await;
    let (a, b, c) = tokio::join!(
        api_call(&state, api_event("v2-put")),
        api_call(&state, api_event("v2-put")),
        api_call(&state, api_event("v2-put")),
    );
    assert_eq!((a.0, b.0, c.0), (200, 200, 200));
    assert_eq!(state_of(&emulator).await, once, "three times at once");

    // A DELETE replayed: the first deletes, the replays are told it is gone; nothing else moves.
    let statuses: Vec<u16> = {
        let mut statuses = Vec::new();
        for _ in 0..3 {
            statuses.push(api_call(&state, api_event("v1-delete")).await.0);
        }
        statuses
    };
    assert_eq!(statuses, [204, 404, 404]);
    assert!(state_of(&emulator).await["playback_configurations"].as_object().unwrap().is_empty());
    emulator.stop().await;
}

// ---- 3. a crash in the middle --------------------------------------------------------------

/// One S3 notification with three records: big-buck-bunny's HLS and DASH manifests and
/// sintel's HLS manifest.
fn three_records() -> Value {
    let record = |key: &str| {
        json!({"eventSource": "aws:s3", "eventName": "ObjectCreated:Put",
            "s3": {"bucket": {"name": "tailorflow-media"}, "object": {"key": key, "eTag": "etag-1"}}})
    };
    json!({"Records": [
        record("packages/big-buck-bunny/hls/index.m3u8"),
        record("packages/big-buck-bunny/dash/manifest.mpd"),
        record("packages/sintel/hls/index.m3u8"),
    ]})
}

#[tokio::test]
async fn crash_at_every_call_of_vod_source_ingest_then_retry_ends_clean() {
    let (emulator, _media) = start().await;
    source_location(&emulator).await;
    emulator.reset_call_counts();
    let state = ingest_state(&emulator, 2).await;
    assert_eq!(deliver(&state, three_records(), 1).await, 0);
    let clean = state_of(&emulator).await;
    let total = calls(&emulator);
    emulator.stop().await;
    assert!(total >= 8, "{total}");
    assert_eq!(clean["vod_sources"][LOCATION].as_object().unwrap().len(), 2);

    for n in 0..total {
        let (emulator, _media) = start().await;
        source_location(&emulator).await;
        emulator.set_faults(crash_after(n)).unwrap();
        let state = ingest_state(&emulator, 2).await;
        let crashed = vod_source_ingest::handler(&state, invocation(IngestEvent::from(three_records()))).await;
        assert!(crashed.is_err(), "n={n}: a crash before the end fails the invocation: {crashed:?}");
        emulator.set_faults(FaultConfig::default()).unwrap();
        assert_eq!(deliver(&state, three_records(), 1).await, 0, "n={n}: the retry succeeds at once");
        assert_eq!(state_of(&emulator).await, clean, "n={n}");
        emulator.stop().await;
    }
}

#[tokio::test]
async fn crash_in_the_middle_of_program_scheduler_then_retry_ends_clean() {
    let time = Utc::now();
    let event = scheduler_event("scheduled.json", time);
    let (emulator, _media) = start().await;
    channel_world(&emulator).await;
    emulator.reset_call_counts();
    let state = scheduler_state(&emulator, 2).await;
    schedule(&state, &event, 1).await;
    let clean = state_of(&emulator).await;
    let total = calls(&emulator);
    let creates = emulator.call_counts()["CreateProgram"];
    emulator.stop().await;
    assert!(creates >= 5, "{creates}");

    // Before any read, among the reads, between the first CreatePrograms, before the last one.
    let mut points: Vec<u64> =
        vec![0, 1, 2, 3, 5, total - creates, total - creates + 1, total - creates + 3, total - 1];
    points.sort_unstable();
    points.dedup();
    for n in points {
        let (emulator, _media) = start().await;
        channel_world(&emulator).await;
        emulator.set_faults(crash_after(n)).unwrap();
        let state = scheduler_state(&emulator, 2).await;
        let crashed = program_scheduler::handler(&state, invocation(event.clone())).await;
        assert!(crashed.is_err(), "n={n}: {crashed:?}");
        emulator.set_faults(FaultConfig::default()).unwrap();
        let (_, failed) = schedule(&state, &event, 1).await;
        assert_eq!(failed, 0, "n={n}");
        assert_eq!(state_of(&emulator).await, clean, "n={n}");
        emulator.stop().await;
    }
}

#[tokio::test]
async fn crash_in_the_middle_of_alert_publisher_and_the_api_then_retry_completes() {
    let reference = alert_reference().await;
    for n in [0, 3, 10, 17] {
        let (emulator, _media) = start().await;
        alert_world(&emulator).await;
        emulator.set_faults(crash_after(n)).unwrap();
        let state = alert_state(&emulator, 2).await;
        assert!(alert_publisher::handler(&state, invocation(alert_event("scheduled.json"))).await.is_err(), "n={n}");
        let before = published(&emulator).len();
        emulator.set_faults(FaultConfig::default()).unwrap();
        let summary = alert_publisher::handler(&state, invocation(alert_event("scheduled.json"))).await.unwrap();
        assert_eq!(summary.published, reference.len());
        let ids = published(&emulator);
        assert_eq!(distinct(&ids[before..]), reference, "n={n}: the retry publishes the whole window");
        assert_eq!(distinct(&ids), reference);
        emulator.stop().await;
    }

    let (clean, _media) = start().await;
    let state = api_state(&clean, 2).await;
    for (request, status) in api_session() {
        assert_eq!(api_call(&state, request()).await.0, status);
    }
    let reference = state_of(&clean).await;
    clean.stop().await;
    for n in [0, 1, 3, 4] {
        let (emulator, _media) = start().await;
        emulator.set_faults(crash_after(n)).unwrap();
        let state = api_state(&emulator, 2).await;
        let mut failed = 0;
        for (request, status) in api_session() {
            let (got, body) = api_call(&state, request()).await;
            if got == 502 {
                failed += 1;
                emulator.set_faults(FaultConfig::default()).unwrap();
                assert_eq!(api_call(&state, request()).await.0, status, "n={n}: the retry succeeds");
            } else {
                assert_eq!(got, status, "n={n}: {body}");
            }
        }
        assert_eq!(failed, 1, "n={n}: the crash failed one request");
        assert_eq!(state_of(&emulator).await, reference, "n={n}");
        emulator.stop().await;
    }
}

// ---- 4. bad input --------------------------------------------------------------------------

/// What a malformed vod-source-ingest event must produce.
enum Expect {
    /// The invocation fails with an error containing this.
    Error(&'static str),
    /// The invocation succeeds and reports the key as failed (not retried) with this reason.
    Failed(String),
    /// The invocation succeeds and reports the key as ignored with this reason.
    Ignored(&'static str),
}

fn s3_record(key: Value, event_name: &str) -> Value {
    json!({"Records": [{"eventSource": "aws:s3", "eventName": event_name,
        "s3": {"bucket": {"name": "tailorflow-media"}, "object": {"key": key, "eTag": "e"}}}]})
}

fn sqs(messages: &[(&str, Option<&str>)]) -> Value {
    let records: Vec<Value> = messages
        .iter()
        .map(|(id, body)| {
            let mut record = json!({"messageId": id, "receiptHandle": "h", "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:tailorflow-ingest", "awsRegion": "us-east-1"});
            if let Some(body) = body {
                record["body"] = json!(body);
            }
            record
        })
        .collect();
    json!({ "Records": records })
}

#[tokio::test]
async fn bad_input_to_vod_source_ingest_is_named_and_changes_nothing() {
    let logs = logs();
    let (emulator, _media) = start().await;
    source_location(&emulator).await;
    let state = ingest_state(&emulator, 1).await;
    // Something already there that bad input must not touch: big-buck-bunny and sintel.
    assert_eq!(deliver(&state, ingest_event("sqs-batch.json"), 1).await, 0);
    let before = local_state(emulator.addr()).await;
    emulator.reset_call_counts();

    let every_disallowed: String = disallowed_characters().into_iter().collect();
    let encoded = |s: &str| -> String {
        s.bytes()
            .map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") })
            .collect()
    };
    let long = "x".repeat(2_000);
    let cases: Vec<(&str, Value, Expect)> = vec![
        ("empty object", json!({}), Expect::Error("no Records and no EventBridge source")),
        ("null", Value::Null, Expect::Error("no Records and no EventBridge source")),
        ("array", json!([1, 2]), Expect::Error("no Records and no EventBridge source")),
        ("Records an object", json!({"Records": {}}), Expect::Error("no Records")),
        ("Records a string", json!({"Records": "x"}), Expect::Error("no Records")),
        ("Records empty", ingest_event("malformed-empty-records.json"), Expect::Error("Records is empty")),
        ("record null", json!({"Records": [null]}), Expect::Error("Records[0]/eventSource is missing")),
        ("record empty", json!({"Records": [{}]}), Expect::Error("Records[0]/eventSource is missing")),
        (
            "not s3",
            json!({"Records": [{"eventSource": "aws:sns"}]}),
            Expect::Error("Records[0].eventSource is not aws:s3"),
        ),
        (
            "sample without key",
            ingest_event("malformed-record-without-key.json"),
            Expect::Error("Records[0]/s3/object/key"),
        ),
        ("sample not s3", ingest_event("malformed-not-an-s3-event.json"), Expect::Error("no Records")),
        ("key a number", ingest_event("malformed-key-not-a-string.json"), Expect::Error("Records[0]/s3/object/key")),
        (
            "no bucket",
            json!({"Records": [{"eventSource": "aws:s3", "eventName": "ObjectCreated:Put", "s3": {"object": {"key": "a.m3u8"}}}]}),
            Expect::Error("Records[0]/s3/bucket/name is missing"),
        ),
        (
            "no eventName",
            json!({"Records": [{"eventSource": "aws:s3", "s3": {"bucket": {"name": "b"}, "object": {"key": "a.m3u8"}}}]}),
            Expect::Error("Records[0]/eventName is missing"),
        ),
        (
            "second record bad",
            json!({"Records": [s3_record(json!("packages/sintel/hls/index.m3u8"), "ObjectCreated:Put")["Records"][0], {"eventSource": "aws:s3"}]}),
            Expect::Error("Records[1]/s3/bucket/name is missing"),
        ),
        (
            "eventbridge without detail",
            json!({"source": "aws.s3", "detail-type": "Object Created"}),
            Expect::Error("without detail"),
        ),
        (
            "eventbridge without key",
            json!({"source": "aws.s3", "detail-type": "Object Created", "detail": {"bucket": {"name": "b"}, "object": {}}}),
            Expect::Error("detail.object.key is missing"),
        ),
        (
            "eventbridge bucket mistyped",
            json!({"source": "aws.s3", "detail-type": "Object Created", "detail": {"bucket": {"name": 7}, "object": {"key": "a.mpd"}}}),
            Expect::Error("detail.bucket.name is missing"),
        ),
        (
            "invalid UTF-8 key",
            ingest_event("malformed-invalid-utf8-key.json"),
            Expect::Failed("does not decode to UTF-8 text".into()),
        ),
        (
            "invalid UTF-8 mpd",
            s3_record(json!("packages/%C3%28/dash/manifest.mpd"), "ObjectCreated:Put"),
            Expect::Failed("does not decode to UTF-8 text".into()),
        ),
        (
            "no name",
            s3_record(json!(".m3u8"), "ObjectCreated:Put"),
            Expect::Failed("no VOD source name can be derived".into()),
        ),
        (
            "no name mpd",
            s3_record(json!("%20%20.mpd"), "ObjectCreated:Put"),
            Expect::Failed("no VOD source name can be derived".into()),
        ),
        (
            "over-long key",
            s3_record(json!(format!("packages/{long}/dash/manifest.mpd")), "ObjectCreated:Put"),
            Expect::Failed("longer than".into()),
        ),
        (
            "over-long playlist key",
            s3_record(json!(format!("packages/{long}/hls/index.m3u8")), "ObjectCreated:Put"),
            Expect::Failed("longer than".into()),
        ),
        (
            "every disallowed character, missing object",
            s3_record(json!(format!("packages/{}/hls/index.m3u8", encoded(&every_disallowed))), "ObjectCreated:Put"),
            Expect::Ignored("no longer exists"),
        ),
    ];
    for (what, payload, expect) in cases {
        let result = vod_source_ingest::handler(&state, invocation(IngestEvent::from(payload))).await;
        match (expect, result) {
            (Expect::Error(text), Err(err)) => {
                assert!(err.to_string().contains(text), "{what}: {err}");
                assert!(matches!(err, vod_source_ingest::IngestError::Unrecognised(_)), "{what}: not retried: {err}");
            }
            (Expect::Failed(text), Ok(summary)) => {
                let reason = summary["failed"][0]["reason"].as_str().unwrap_or_default();
                assert!(reason.contains(&text), "{what}: {summary}");
                assert_eq!(summary["failed"].as_array().unwrap().len(), 1, "{what}: {summary}");
            }
            (Expect::Ignored(text), Ok(summary)) => {
                let reason = summary["ignored"][0]["reason"].as_str().unwrap_or_default();
                assert!(reason.contains(text), "{what}: {summary}");
            }
            (_, other) => panic!("{what}: unexpected {other:?}"),
        }
    }

    // SQS: a message that is no S3 event is reported and dropped, never redelivered forever.
    let bad_messages = [
        ("bad-0001", Some("this is not JSON")),
        ("bad-0002", None),
        ("bad-0003", Some("{\"hello\": 1}")),
        ("bad-0004", Some("{\"Records\": [{\"eventSource\": \"aws:s3\", \"eventName\": \"ObjectCreated:Put\"}]}")),
        ("bad-0005", Some("")),
    ];
    let response = vod_source_ingest::handler(&state, invocation(IngestEvent::from(sqs(&bad_messages)))).await.unwrap();
    assert_eq!(response, json!({"batchItemFailures": []}));
    let response =
        vod_source_ingest::handler(&state, invocation(IngestEvent::from(ingest_event("malformed-sqs-body.json"))))
            .await
            .unwrap();
    assert_eq!(response["batchItemFailures"], json!([]), "the bad body is dropped, the good one succeeds");
    let text = logs.text();
    for (id, reason) in [
        ("bad-0001", "the body is not JSON: expected ident"),
        ("bad-0002", "the body is not JSON: EOF while parsing"),
        ("bad-0003", "no Records and no EventBridge source"),
        ("bad-0004", "Records[0]/s3/bucket/name is missing"),
        ("bad-0005", "the body is not JSON: EOF while parsing"),
    ] {
        let line = text
            .lines()
            .find(|l| l.contains(id) && l.contains("SQS message is not an S3 event"))
            .unwrap_or_else(|| panic!("{id} is not reported"));
        assert!(line.contains(reason), "{id}: {line}");
    }

    // Nothing written, nothing changed (the valid message of the sample batch re-delivered
    // sintel's HLS manifest, which was already there).
    assert_eq!(writes(&emulator), BTreeMap::new());
    assert_eq!(local_state(emulator.addr()).await, before);
    emulator.stop().await;
}

#[tokio::test]
async fn bad_input_to_program_scheduler_is_named_before_any_call() {
    let (emulator, _media) = start().await;
    channel_world(&emulator).await;
    let state = scheduler_state(&emulator, 1).await;
    let before = local_state(emulator.addr()).await;
    emulator.reset_call_counts();

    let now = Utc::now();
    let with_detail = |detail: Value| {
        let mut event = scheduler_event("scheduled.json", now);
        event.detail = detail;
        event
    };
    let mut cases: Vec<(String, EventBridgeEvent<Value>, String)> = vec![
        ("sample: missing time".into(), scheduler_sample("malformed-missing-time.json"), "\"time\"".into()),
        (
            "missing time".into(),
            {
                let mut e = with_detail(json!({}));
                e.time = None;
                e
            },
            "\"time\"".into(),
        ),
        (
            "sample: unknown member".into(),
            scheduler_sample("malformed-unknown-detail-member.json"),
            "unknown field `HorizonMinute`".into(),
        ),
        (
            "sample: bad name".into(),
            scheduler_sample("malformed-invalid-channel-name.json"),
            "detail.ChannelName".into(),
        ),
        (
            "sample: policy".into(),
            scheduler_sample("malformed-policy-out-of-range.json"),
            "detail.AdBreakPolicy.EverySeconds: 90000 is out of range".into(),
        ),
        (
            "sample: detail not an object".into(),
            scheduler_sample("malformed-detail-not-an-object.json"),
            "detail:".into(),
        ),
        (
            "sample: name too long".into(),
            scheduler_sample("malformed-channel-name-too-long.json"),
            "detail.ChannelName: ChannelName is 65 characters long".into(),
        ),
        ("detail a string".into(), with_detail(json!("news")), "detail:".into()),
        ("ChannelName a number".into(), with_detail(json!({"ChannelName": 5})), "detail.ChannelName".into()),
        ("ChannelName empty".into(), with_detail(json!({"ChannelName": ""})), "ChannelName must not be empty".into()),
        (
            "ChannelName huge".into(),
            with_detail(json!({"ChannelName": "a".repeat(1 << 20)})),
            "detail.ChannelName: ChannelName is 1048576 characters long".into(),
        ),
        (
            "VodSourceNames a string".into(),
            with_detail(json!({"VodSourceNames": "sintel"})),
            "detail.VodSourceNames".into(),
        ),
        (
            "VodSourceNames [\"\"]".into(),
            with_detail(json!({"VodSourceNames": [""]})),
            "detail.VodSourceNames[0]".into(),
        ),
        ("HorizonMinutes text".into(), with_detail(json!({"HorizonMinutes": "ten"})), "detail.HorizonMinutes".into()),
        ("HorizonMinutes negative".into(), with_detail(json!({"HorizonMinutes": -1})), "detail.HorizonMinutes".into()),
        ("HorizonMinutes huge".into(), with_detail(json!({"HorizonMinutes": 999_999})), "HorizonMinutes".into()),
        (
            "deep JSON".into(),
            with_detail(serde_json::from_str(&format!("{{\"X\": {}1{}}}", "[".repeat(100), "]".repeat(100))).unwrap()),
            "unknown field `X`".into(),
        ),
    ];
    for c in disallowed_characters() {
        for member in ["ChannelName", "SourceLocationName"] {
            cases.push((
                format!("{member} with {c:?}"),
                with_detail(json!({ member: format!("news{c}1") })),
                format!("detail.{member}: {member} contains {c:?} at position 4"),
            ));
        }
        cases.push((
            format!("VodSourceNames with {c:?}"),
            with_detail(json!({"VodSourceNames": ["sintel", format!("a{c}")]})),
            format!("detail.VodSourceNames[1]: VodSourceName contains {c:?} at position 1"),
        ));
    }
    assert!(cases.len() > 100);
    for (what, event, expected) in cases {
        let Err(err) = program_scheduler::handler(&state, invocation(event)).await else {
            panic!("{what}: accepted");
        };
        assert!(matches!(err, program_scheduler::ScheduleError::InvalidEvent(_)), "{what}: {err:?}");
        assert!(err.to_string().contains(&expected), "{what}: {err}");
    }
    assert!(emulator.call_counts().is_empty(), "a refused event reaches nothing: {:?}", emulator.call_counts());

    // Events the Lambda runtime cannot even read, so the handler never runs.
    let raw =
        std::fs::read_to_string(format!("{}/../events/program-scheduler/scheduled.json", env!("CARGO_MANIFEST_DIR")))
            .unwrap();
    let sample: Value = serde_json::from_str(&raw).unwrap();
    for (what, time) in
        [("not a date", json!("six o'clock")), ("a number", json!(1_795_672_800)), ("an array", json!([]))]
    {
        let mut event = sample.clone();
        event["time"] = time;
        let err = serde_json::from_value::<EventBridgeEvent<Value>>(event).unwrap_err();
        assert!(!err.to_string().is_empty(), "{what}");
    }
    assert_eq!(local_state(emulator.addr()).await, before, "no partial change");
    emulator.stop().await;
}

#[tokio::test]
async fn bad_input_to_alert_publisher_is_named_before_any_call() {
    let (emulator, _media) = start().await;
    alert_world(&emulator).await;
    let state = alert_state(&emulator, 1).await;
    let before = local_state(emulator.addr()).await;
    emulator.reset_call_counts();

    let mut missing = alert_event("scheduled.json");
    missing.time = None;
    for (what, event) in [
        ("sample: missing time", alert_event("malformed-missing-time.json")),
        ("sample: null time", alert_event("malformed-time-null.json")),
        ("time removed", missing),
    ] {
        let err = alert_publisher::handler(&state, invocation(event)).await.unwrap_err();
        assert!(matches!(err, alert_publisher::PublishError::MissingTime), "{what}: {err}");
        assert!(err.to_string().contains("\"time\""), "{what}: {err}");
    }
    // The runtime refuses what does not parse as a scheduled event: the handler never runs.
    let raw: Value = serde_json::from_str(
        &std::fs::read_to_string(format!("{}/../events/alert-publisher/scheduled.json", env!("CARGO_MANIFEST_DIR")))
            .unwrap(),
    )
    .unwrap();
    let deep: Value = serde_json::from_str(&format!("{}1{}", "[".repeat(100), "]".repeat(100))).unwrap();
    let mut refused = vec![(
        "sample: time not a date",
        std::fs::read_to_string(format!(
            "{}/../events/alert-publisher/malformed-time-not-a-date.json",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap(),
    )];
    for (what, time) in [
        ("time a number", json!(5)),
        ("time an object", json!({"at": "06:00"})),
        ("time a date only", json!("2026-11-25")),
    ] {
        let mut event = raw.clone();
        event["time"] = time;
        refused.push((what, event.to_string()));
    }
    let mut very_deep = raw.clone();
    very_deep["detail"] = json!({"x": deep});
    // serde_json's recursion limit is 128: a detail nested deeper is refused as it is parsed.
    let nested = format!("{}{}", "[".repeat(200), "]".repeat(200));
    let text = raw.to_string().replacen("\"detail\":{}", &format!("\"detail\":{nested}"), 1);
    assert!(text.contains(&nested));
    refused.push(("deep detail", text));
    for (what, text) in refused {
        let err = serde_json::from_str::<EventBridgeEvent<Value>>(&text).unwrap_err();
        assert!(!err.to_string().is_empty(), "{what}");
    }
    // A detail it does not read (a scheduled event's detail is empty) is no reason to fail.
    let mut event = alert_event("scheduled.json");
    event.detail = very_deep["detail"].clone();
    let summary = alert_publisher::handler(&state, invocation(event)).await.unwrap();
    assert_eq!(summary.published, 15);

    let mut counts = emulator.call_counts();
    counts.remove("PutEvents");
    assert!(counts.keys().all(|op| op.starts_with("List")), "only the valid event was served: {counts:?}");
    let mut after = local_state(emulator.addr()).await;
    // The valid run recorded when it first saw each computed alert; nothing else changed.
    after["alert_first_seen"] = before["alert_first_seen"].clone();
    assert_eq!(after, before);
    emulator.stop().await;
}

#[tokio::test]
async fn bad_input_to_the_api_is_named_and_changes_nothing() {
    let (emulator, _media) = start().await;
    let state = api_state(&emulator, 1).await;
    assert_eq!(api_call(&state, api_event("v2-put")).await.0, 200);
    let before = local_state(emulator.addr()).await;
    emulator.reset_call_counts();

    let json_put = |name: &str, body: Vec<u8>| {
        api_request("PUT", &format!("/playback-configurations/{name}"), Some("application/json"), body)
    };
    let deep = format!("{{\"Tags\": {}{}}}", "[".repeat(5_000), "]".repeat(5_000));
    let huge = format!("{{\"SlateAdUrl\": \"https://cdn.example.com/{}\"}}", "a".repeat(1024 * 1024));
    let mut cases: Vec<(String, Request, u16, &str, Option<String>)> = vec![
        ("empty body".into(), json_put("conf-1", Vec::new()), 400, "MalformedJson", None),
        ("whitespace".into(), json_put("conf-1", b"  \n ".to_vec()), 400, "MalformedJson", None),
        ("not JSON".into(), json_put("conf-1", b"VideoContentSourceUrl=x".to_vec()), 400, "MalformedJson", None),
        (
            "invalid UTF-8".into(),
            json_put("conf-1", b"{\"SlateAdUrl\": \"https://cdn.example.com/\xff\xfe\"}".to_vec()),
            400,
            "MalformedJson",
            None,
        ),
        ("an array".into(), json_put("conf-1", b"[]".to_vec()), 400, "MalformedJson", None),
        ("deep JSON".into(), json_put("conf-1", deep.into_bytes()), 400, "MalformedJson", None),
        ("huge body".into(), json_put("conf-1", huge.into_bytes()), 413, "PayloadTooLarge", None),
        (
            "wrong content type".into(),
            api_request("PUT", "/playback-configurations/conf-1", Some("text/plain"), b"{}".to_vec()),
            415,
            "UnsupportedMediaType",
            None,
        ),
        (
            "threshold a string".into(),
            api_put("conf-1", &json!({"PersonalizationThresholdSeconds": "2"})),
            400,
            "ValidationError",
            Some("PersonalizationThresholdSeconds".into()),
        ),
        ("tags a list".into(), api_put("conf-1", &json!({"Tags": ["a"]})), 400, "ValidationError", Some("Tags".into())),
        (
            "suppression value a number".into(),
            api_put("conf-1", &json!({"AvailSuppression": {"Value": 30}})),
            400,
            "ValidationError",
            Some("AvailSuppression.Value".into()),
        ),
        (
            "unknown member".into(),
            api_put("conf-1", &json!({"VideoContentSourceURL": "https://o.example.com/"})),
            400,
            "ValidationError",
            Some("VideoContentSourceURL".into()),
        ),
        (
            "name mismatch".into(),
            api_put("conf-1", &json!({"Name": "conf-9"})),
            400,
            "ValidationError",
            Some("Name".into()),
        ),
        ("name too long".into(), api_put(&"a".repeat(65), &json!({})), 400, "ValidationError", Some("Name".into())),
        (
            "name over-long in a DELETE".into(),
            api_request("DELETE", &format!("/playback-configurations/{}", "a".repeat(5_000)), None, Vec::new()),
            400,
            "ValidationError",
            Some("Name".into()),
        ),
        (
            "maxResults a word".into(),
            api_request("GET", "/playback-configurations?maxResults=ten", None, Vec::new()),
            400,
            "ValidationError",
            Some("maxResults".into()),
        ),
    ];
    for c in disallowed_characters() {
        let mut utf8 = [0u8; 4];
        let encoded: String = c.encode_utf8(&mut utf8).bytes().map(|b| format!("%{b:02X}")).collect();
        for method in ["PUT", "DELETE", "GET"] {
            let uri = format!("/playback-configurations/conf{encoded}1");
            let request = if method == "PUT" {
                api_request(method, &uri, Some("application/json"), b"{}".to_vec())
            } else {
                api_request(method, &uri, None, Vec::new())
            };
            cases.push((format!("{method} name with {c:?}"), request, 400, "ValidationError", Some("Name".into())));
        }
    }
    for (what, request, status, code, field) in cases {
        let (got, body) = api_call(&state, request).await;
        assert_eq!(
            (got, body["error"]["code"].as_str(), body["error"]["field"].as_str()),
            (status, Some(code), field.as_deref()),
            "{what}: {body}"
        );
        assert!(!body["error"]["message"].as_str().unwrap().is_empty(), "{what}");
    }
    assert!(emulator.call_counts().is_empty(), "nothing refused reaches MediaTailor: {:?}", emulator.call_counts());
    assert_eq!(local_state(emulator.addr()).await, before);
    emulator.stop().await;
}

// ---- 5. the emulator killed and restarted ---------------------------------------------------

/// The steps of a day's work, each against whatever emulator listens at the address.
struct Day {
    ingest: vod_source_ingest::State,
    scheduler: Arc<program_scheduler::State>,
    alerts: alert_publisher::State,
    api: playback_config_api::State,
}

impl Day {
    async fn new(emulator: &Emulator) -> Self {
        Self {
            ingest: ingest_state(emulator, 2).await,
            scheduler: Arc::new(scheduler_state(emulator, 2).await),
            alerts: alert_state(emulator, 2).await,
            api: api_state(emulator, 2).await,
        }
    }

    /// Operator setup, then the HLS manifest ingested and a playback configuration put.
    async fn morning(&self, emulator: &Emulator) {
        source_location(emulator).await;
        let mt = aws_sdk_mediatailor::Client::new(&emulator.sdk_config().await);
        slate_and_channel(&mt, true).await;
        alert_world(emulator).await;
        assert_eq!(deliver(&self.ingest, ingest_event("s3-put-hls-manifest.json"), 5).await, 0);
        let (status, body, _) = api_until_done(&self.api, || api_event("v2-put"), 5).await;
        assert_eq!(status, 200, "{body}");
    }

    /// The DASH manifest and the SQS batch ingested.
    async fn afternoon(&self) {
        for sample in ["eventbridge-object-created-dash.json", "sqs-batch.json"] {
            deliver(&self.ingest, ingest_event(sample), 5).await;
        }
    }

    /// The schedule filled and the alerts published, each retried as Lambda would.
    async fn evening(&self, event: &EventBridgeEvent<Value>) {
        schedule(&self.scheduler, event, 5).await;
        for _ in 0..5 {
            if let Ok(summary) = alert_publisher::handler(&self.alerts, invocation(alert_event("scheduled.json"))).await
            {
                assert_eq!(summary.published, 15);
                return;
            }
        }
        panic!("alert-publisher still failing");
    }
}

#[tokio::test]
async fn the_emulator_killed_mid_run_and_restarted_from_its_state_file_loses_nothing() {
    let time = Utc::now();
    let event = scheduler_event("scheduled.json", time);

    // The reference: the same day on one healthy emulator.
    let (clean, _media) = start().await;
    let day = Day::new(&clean).await;
    day.morning(&clean).await;
    day.afternoon().await;
    day.evening(&event).await;
    let reference = state_of(&clean).await;
    let reference_ids = distinct(&published(&clean));
    clean.stop().await;
    assert_eq!(reference_ids.len(), 15);
    assert!(play_order(&reference).len() >= 5);

    let media = media_copy();
    let dir = tempfile::tempdir().unwrap();
    let state_file = dir.path().join("mediatailor-local.json");
    let first = start_at(SocketAddr::from(([127, 0, 0, 1], 0)), media.path(), Some(state_file.clone())).await;
    let addr = first.addr();
    let day = Day::new(&first).await;
    day.morning(&first).await;
    let morning = state_of(&first).await;
    first.stop().await;

    // Restarted on the same address: the same clients carry on.
    let second = start_at(addr, media.path(), Some(state_file.clone())).await;
    assert_eq!(state_of(&second).await, morning, "the state file holds the morning's work");
    day.afternoon().await;
    // Killed while program-scheduler runs: slow calls, stopped once two programs are created.
    second.set_faults(FaultConfig { latency_ms: 40, ..FaultConfig::default() }).unwrap();
    let scheduler = day.scheduler.clone();
    let run_event = event.clone();
    let run = tokio::spawn(async move { program_scheduler::handler(&scheduler, invocation(run_event)).await });
    for _ in 0..1_000 {
        if second.call_counts().get("CreateProgram").copied().unwrap_or_default() >= 2 || run.is_finished() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    second.stop().await;
    let interrupted = run.await.unwrap();
    eprintln!("program-scheduler when the emulator stopped: {}", if interrupted.is_err() { "failed" } else { "done" });

    let third = start_at(addr, media.path(), Some(state_file)).await;
    day.evening(&event).await;
    let end = state_of(&third).await;
    assert_eq!(play_order(&end), play_order(&reference), "the schedule: nothing lost, nothing twice");
    assert_eq!(end, reference, "VOD sources, packages, programs and configurations: nothing lost");
    assert_eq!(distinct(&published(&third)), reference_ids, "every alert published after the restart");
    third.stop().await;
}
