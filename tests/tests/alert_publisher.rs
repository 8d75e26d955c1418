//! alert-publisher against mediatailor-local: alerts injected through its test endpoint, events
//! read back from what its EventBridge accepted.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::time::Duration;

use alert_publisher::alerts::ResourceKind;
use alert_publisher::{PublishError, Settings, State, Summary};
use aws_lambda_events::event::eventbridge::EventBridgeEvent;
use aws_sdk_mediatailor::types::{HlsPlaylistSettings, HttpConfiguration, PlaybackMode, RequestOutputItem};
use chrono::{DateTime, Utc};
use mediatailor_local::{Emulator, FaultConfig};
use tailorflow_integration_tests::{emulator, invocation};
use tailorflow_shared::{ClientSettings, EnvReader};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const ACCOUNT: &str = "123456789012";

fn arn(resource: &str) -> String {
    format!("arn:aws:mediatailor:us-east-1:{ACCOUNT}:{resource}")
}

fn load_event(name: &str) -> EventBridgeEvent<serde_json::Value> {
    let path = format!("{}/../events/alert-publisher/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The sample scheduled event at 2026-11-25T06:00:00Z: window [05:54:00, 05:59:00).
fn scheduled() -> EventBridgeEvent<serde_json::Value> {
    load_event("scheduled.json")
}

fn epoch(rfc3339: &str) -> f64 {
    DateTime::parse_from_rfc3339(rfc3339).unwrap().with_timezone(&Utc).timestamp_millis() as f64 / 1000.0
}

async fn state(emulator: &Emulator, extra: &[(&str, &str)], max_attempts: u32) -> State {
    // The rate limit has its own unit test; here it would only make the tests slow.
    let mut vars = vec![("EVENT_BUS_NAME", "alerts"), ("MAX_REQUESTS_PER_SECOND", "100")];
    vars.extend_from_slice(extra);
    let settings = Settings::read(EnvReader::from_pairs(vars)).unwrap();
    let client_settings =
        ClientSettings { max_attempts, initial_backoff: Duration::from_millis(5), ..ClientSettings::default() };
    State::new(tailorflow_shared::AwsClients::for_emulator(&emulator.sdk_config().await, &client_settings), settings)
}

async fn inject(emulator: &Emulator, alerts: &[(&str, &str, &str)]) {
    let body: Vec<serde_json::Value> = alerts
        .iter()
        .map(|(resource, code, time)| {
            serde_json::json!({
                "ResourceArn": arn(resource),
                "AlertCode": code,
                "AlertMessage": format!("{code} on {resource}"),
                "LastModifiedTime": epoch(time),
            })
        })
        .collect();
    inject_json(emulator, &body).await;
}

/// Posts alerts to the emulator's unsigned test endpoint, as raw HTTP.
async fn inject_json(emulator: &Emulator, body: &[serde_json::Value]) {
    let body = serde_json::to_string(body).unwrap();
    let mut stream = tokio::net::TcpStream::connect(emulator.addr()).await.unwrap();
    let request = format!(
        "POST /_local/alerts HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_string(&mut response)).await.unwrap().unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
}

async fn resources(emulator: &Emulator, channels: usize, locations: usize) {
    let mt = aws_sdk_mediatailor::Client::new(&emulator.sdk_config().await);
    let output = RequestOutputItem::builder()
        .manifest_name("index")
        .source_group("hls")
        .hls_playlist_settings(HlsPlaylistSettings::builder().manifest_window_seconds(60).build())
        .build()
        .unwrap();
    for i in 0..channels {
        mt.create_channel()
            .channel_name(format!("ch-{i:03}"))
            .playback_mode(PlaybackMode::Loop)
            .outputs(output.clone())
            .send()
            .await
            .unwrap();
    }
    for i in 0..locations {
        mt.create_source_location()
            .source_location_name(format!("sl-{i}"))
            .http_configuration(HttpConfiguration::builder().base_url("https://origin.example.com/").build().unwrap())
            .send()
            .await
            .unwrap();
    }
}

fn published_ids(emulator: &Emulator) -> Vec<String> {
    emulator.accepted_events().iter().map(|e| e["detail"]["AlertId"].as_str().unwrap().to_owned()).collect()
}

fn unique(ids: &[String]) -> BTreeSet<String> {
    ids.iter().cloned().collect()
}

#[tokio::test]
async fn publishes_the_window_across_pages_once_and_replays_the_same_set() {
    let emulator = emulator().await;
    resources(&emulator, 120, 3).await;
    inject(
        &emulator,
        &[
            ("channel/ch-007", "NOT_PROCESSED", "2026-11-25T05:54:00Z"), // window start: in
            ("channel/ch-115", "NOT_PROCESSED", "2026-11-25T05:58:59.999Z"), // last instant: in
            ("sourceLocation/sl-2", "NOT_PROCESSED", "2026-11-25T05:56:00Z"), // in
            ("channel/ch-050", "NOT_PROCESSED", "2026-11-25T05:59:00Z"), // window end: out
            ("channel/ch-051", "NOT_PROCESSED", "2026-11-25T05:53:59.999Z"), // before: out
        ],
    )
    .await;
    let state = state(&emulator, &[], 3).await;
    let summary = alert_publisher::handler(&state, invocation(scheduled())).await.unwrap();
    assert_eq!(summary.resources_scanned.get(&ResourceKind::Channel), Some(&120), "both pages of channels");
    assert_eq!(summary.resources_scanned.get(&ResourceKind::SourceLocation), Some(&3));
    assert_eq!((summary.alerts_seen, summary.published, summary.skipped_outside_window), (5, 3, 2));
    assert_eq!(summary.published_by_kind.get(&ResourceKind::Channel), Some(&2));
    // What the invocation answers.
    let json = serde_json::to_value(&summary).unwrap();
    assert_eq!(json["window"], serde_json::json!({"start": "2026-11-25T05:54:00Z", "end": "2026-11-25T05:59:00Z"}));
    assert_eq!(json["resourcesScanned"], serde_json::json!({"channel": 120, "sourceLocation": 3}));
    assert_eq!((json["alertsSeen"].as_u64(), json["published"].as_u64()), (Some(5), Some(3)));
    assert_eq!((json["skippedOutsideWindow"].as_u64(), json["skippedDuplicates"].as_u64()), (Some(2), Some(0)));
    assert_eq!(json["vanishedResources"], serde_json::json!([]));

    let events = emulator.accepted_events();
    assert_eq!(events.len(), 3);
    let first = events.iter().find(|e| e["detail"]["ResourceName"] == "ch-007").unwrap();
    assert_eq!(first["source"], "tailorflow.mediatailor");
    assert_eq!(first["detail-type"], "MediaTailor Alert");
    assert_eq!(first["event-bus-name"], "alerts");
    assert_eq!(first["resources"][0], arn("channel/ch-007"));
    assert_eq!(first["detail"]["AlertCode"], "NOT_PROCESSED");
    assert_eq!(first["detail"]["ResourceKind"], "channel");
    assert_eq!(first["detail"]["LastModifiedTime"], "2026-11-25T05:54:00.000Z");
    assert_eq!(first["time"], "2026-11-25T05:54:00Z");

    // A retry or a dead-letter redrive of the same event publishes exactly the same set.
    let first_ids = published_ids(&emulator);
    let again: Summary = alert_publisher::handler(&state, invocation(scheduled())).await.unwrap();
    assert_eq!(again, summary);
    let all = published_ids(&emulator);
    assert_eq!(all.len(), 6);
    assert_eq!(unique(&all[3..]), unique(&first_ids));

    // The next run's window starts where this one ended: nothing is published twice.
    let mut next = scheduled();
    next.time = Some(DateTime::parse_from_rfc3339("2026-11-25T06:05:00Z").unwrap().with_timezone(&Utc));
    let next_summary = alert_publisher::handler(&state, invocation(next)).await.unwrap();
    assert_eq!(next_summary.published, 1, "only the alert at 05:59:00 belongs to the next window");
    emulator.stop().await;
}

#[tokio::test]
async fn lookback_publishes_open_alerts_and_vod_source_duplicates_are_published_once() {
    let emulator = emulator().await;
    let mt = aws_sdk_mediatailor::Client::new(&emulator.sdk_config().await);
    resources(&emulator, 0, 1).await;
    mt.create_vod_source()
        .source_location_name("sl-0")
        .vod_source_name("movie")
        .http_package_configurations(
            aws_sdk_mediatailor::types::HttpPackageConfiguration::builder()
                .path("movie/index.m3u8")
                .source_group("hls")
                .r#type(aws_sdk_mediatailor::types::Type::Hls)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    inject(&emulator, &[("vodSource/sl-0/movie", "UNREACHABLE", "2026-11-24T12:00:00Z")]).await;
    // Seen through the source location and through the VOD source itself.
    let state = state(&emulator, &[("LOOKBACK_MINUTES", "1440"), ("INCLUDE_VOD_SOURCES", "true")], 3).await;
    let summary = alert_publisher::handler(&state, invocation(scheduled())).await.unwrap();
    assert_eq!(summary.resources_scanned.get(&ResourceKind::VodSource), Some(&1));
    assert_eq!((summary.alerts_seen, summary.published, summary.skipped_duplicates), (2, 1, 1));
    assert_eq!(emulator.accepted_events()[0]["detail"]["ResourceKind"], "vodSource");

    let without_lookback = self::state(&emulator, &[], 3).await;
    let summary = alert_publisher::handler(&without_lookback, invocation(scheduled())).await.unwrap();
    assert_eq!((summary.published, summary.skipped_outside_window), (0, 1));
    emulator.stop().await;
}

#[tokio::test]
async fn failed_entries_and_throttled_polls_still_publish_everything_once() {
    let emulator = emulator().await;
    resources(&emulator, 30, 5).await;
    let alerts: Vec<(String, &str, String)> = (0..30)
        .map(|i| (format!("channel/ch-{i:03}"), "NOT_PROCESSED", format!("2026-11-25T05:55:{:02}Z", i)))
        .collect();
    let refs: Vec<(&str, &str, &str)> = alerts.iter().map(|(r, c, t)| (r.as_str(), *c, t.as_str())).collect();
    inject(&emulator, &refs).await;
    emulator
        .set_faults(FaultConfig {
            entry_failure_rate: 0.5,
            throttle_rate: 0.3,
            operations: vec!["PutEvents".into(), "ListAlerts".into()],
            seed: 11,
            ..Default::default()
        })
        .unwrap();
    let state = state(&emulator, &[("PUT_EVENTS_MAX_ATTEMPTS", "10")], 8).await;
    let summary = alert_publisher::handler(&state, invocation(scheduled())).await.unwrap();
    assert_eq!(summary.published, 30);
    let ids = published_ids(&emulator);
    assert_eq!(ids.len(), 30, "every alert accepted exactly once");
    assert_eq!(unique(&ids).len(), 30);
    let calls = emulator.call_counts();
    assert!(calls["PutEvents"] > 3, "failed entries were retried: {calls:?}");
    assert!(calls["ListAlerts"] > 35, "throttled ListAlerts were retried: {calls:?}");
    emulator.stop().await;
}

#[tokio::test]
async fn undeliverable_events_fail_the_invocation() {
    let emulator = emulator().await;
    resources(&emulator, 1, 0).await;
    inject(&emulator, &[("channel/ch-000", "NOT_PROCESSED", "2026-11-25T05:55:00Z")]).await;
    emulator
        .set_faults(FaultConfig { entry_failure_rate: 1.0, operations: vec!["PutEvents".into()], ..Default::default() })
        .unwrap();
    let state = state(&emulator, &[("PUT_EVENTS_MAX_ATTEMPTS", "3")], 2).await;
    let err = alert_publisher::handler(&state, invocation(scheduled())).await.unwrap_err();
    assert!(matches!(err, PublishError::Undelivered { count: 1, .. }), "{err}");
    assert!(err.to_string().contains("InternalFailure"), "{err}");
    assert_eq!(emulator.call_counts()["PutEvents"], 3);
    assert!(emulator.accepted_events().is_empty());
    emulator.stop().await;
}

#[tokio::test]
async fn a_transiently_failing_list_alerts_fails_the_run_before_anything_is_published() {
    let emulator = emulator().await;
    resources(&emulator, 2, 0).await;
    inject(
        &emulator,
        &[
            ("channel/ch-000", "NOT_PROCESSED", "2026-11-25T05:55:00Z"),
            ("channel/ch-001", "NOT_PROCESSED", "2026-11-25T05:55:00Z"),
        ],
    )
    .await;
    // One attempt per call and one call at a time: the first ListAlerts succeeds, every later
    // one fails.
    let state = state(&emulator, &[("CONCURRENCY", "1")], 1).await;
    emulator
        .set_faults(FaultConfig { fail_after: Some(1), operations: vec!["ListAlerts".into()], ..Default::default() })
        .unwrap();
    let err = alert_publisher::handler(&state, invocation(scheduled())).await.unwrap_err();
    assert!(matches!(err, PublishError::PollTransient { count: 1, .. }), "{err}");
    assert!(emulator.accepted_events().is_empty(), "the retry publishes the window once, not this run");
    // Lambda's retry, once MediaTailor answers again: both alerts, each once.
    emulator.set_faults(FaultConfig::default()).unwrap();
    let summary = alert_publisher::handler(&state, invocation(scheduled())).await.unwrap();
    assert_eq!(summary.published, 2);
    assert_eq!(emulator.accepted_events().len(), 2);
    emulator.stop().await;
}

#[tokio::test]
async fn a_resource_deleted_mid_run_is_skipped() {
    let emulator = emulator().await;
    resources(&emulator, 3, 0).await;
    inject(&emulator, &[("channel/ch-002", "NOT_PROCESSED", "2026-11-25T05:55:00Z")]).await;
    let state = state(&emulator, &[], 3).await;
    let listed = alert_publisher::enumerate(&state).await.unwrap();
    assert_eq!(listed.len(), 3);
    state.clients.mediatailor.delete_channel().channel_name("ch-001").send().await.unwrap();
    let polled = alert_publisher::poll(&state, &listed).await;
    assert_eq!(polled.vanished, [arn("channel/ch-001")]);
    assert!(polled.failed.is_empty());
    assert_eq!(polled.alerts.len(), 1);
    emulator.stop().await;
}

#[tokio::test]
async fn malformed_events_get_clear_errors() {
    let emulator = emulator().await;
    let state = state(&emulator, &[], 1).await;
    let err =
        alert_publisher::handler(&state, invocation(load_event("malformed-missing-time.json"))).await.unwrap_err();
    assert!(matches!(err, PublishError::MissingTime));
    assert!(err.to_string().contains("\"time\""), "{err}");
    assert!(emulator.call_counts().is_empty(), "nothing was called for a malformed event");

    let path = format!("{}/../events/alert-publisher/malformed-time-not-a-date.json", env!("CARGO_MANIFEST_DIR"));
    let parsed = serde_json::from_str::<EventBridgeEvent<serde_json::Value>>(&std::fs::read_to_string(path).unwrap());
    assert!(parsed.is_err(), "the runtime refuses it before the handler runs");
    // The Scheduler-shaped sample parses too.
    assert!(load_event("scheduler-input.json").time.is_some());
    emulator.stop().await;
}

/// `count` alert times inside the sample event's window, a millisecond apart from 05:55:00.
fn times_in_window(count: usize) -> Vec<String> {
    let start = DateTime::parse_from_rfc3339("2026-11-25T05:55:00Z").unwrap().with_timezone(&Utc);
    (0..count)
        .map(|i| {
            (start + chrono::Duration::milliseconds(i as i64)).to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
        })
        .collect()
}

#[tokio::test]
async fn list_alerts_and_vod_sources_are_read_across_pages() {
    let emulator = emulator().await;
    resources(&emulator, 1, 1).await;
    let mt = aws_sdk_mediatailor::Client::new(&emulator.sdk_config().await);
    for i in 0..105 {
        mt.create_vod_source()
            .source_location_name("sl-0")
            .vod_source_name(format!("vs-{i:03}"))
            .http_package_configurations(
                aws_sdk_mediatailor::types::HttpPackageConfiguration::builder()
                    .path(format!("vs-{i:03}/index.m3u8"))
                    .source_group("hls")
                    .r#type(aws_sdk_mediatailor::types::Type::Hls)
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .unwrap();
    }
    // 150 alerts on one channel: two ListAlerts pages. One on the last VOD source, which its
    // source location's list repeats.
    let times = times_in_window(150);
    let mut alerts: Vec<(String, String)> =
        times.iter().enumerate().map(|(i, t)| (format!("ch-000 alert {i}"), t.clone())).collect();
    let mut body: Vec<serde_json::Value> = alerts
        .drain(..)
        .map(|(message, time)| {
            serde_json::json!({"ResourceArn": arn("channel/ch-000"), "AlertCode": "NOT_PROCESSED",
                "AlertMessage": message, "LastModifiedTime": epoch(&time)})
        })
        .collect();
    body.push(serde_json::json!({"ResourceArn": arn("vodSource/sl-0/vs-104"), "AlertCode": "UNREACHABLE",
        "AlertMessage": "unreachable", "LastModifiedTime": epoch("2026-11-25T05:57:00Z"),
        "RelatedResourceArns": [arn("sourceLocation/sl-0")]}));
    inject_json(&emulator, &body).await;

    let state = state(&emulator, &[("INCLUDE_VOD_SOURCES", "true")], 3).await;
    let summary = alert_publisher::handler(&state, invocation(scheduled())).await.unwrap();
    assert_eq!(summary.resources_scanned.get(&ResourceKind::VodSource), Some(&105), "both pages of VOD sources");
    assert_eq!((summary.alerts_seen, summary.published, summary.skipped_duplicates), (152, 151, 1));
    let calls = emulator.call_counts();
    assert_eq!(calls["ListVodSources"], 2);
    // Channel: 2 pages; source location: 1; each VOD source: 1.
    assert_eq!(calls["ListAlerts"], 2 + 1 + 105);
    let ids = published_ids(&emulator);
    assert_eq!(unique(&ids).len(), 151);
    let vod = emulator.accepted_events().into_iter().find(|e| e["detail"]["ResourceKind"] == "vodSource").unwrap();
    assert_eq!(vod["detail"]["ResourceName"], "vs-104");
    assert_eq!(vod["detail"]["RelatedResourceArns"], serde_json::json!([arn("sourceLocation/sl-0")]));
    emulator.stop().await;
}

#[tokio::test]
async fn failed_entries_of_one_batch_do_not_hold_back_the_others_and_a_retry_completes() {
    let emulator = emulator().await;
    resources(&emulator, 30, 0).await;
    let times = times_in_window(30);
    let alerts: Vec<(String, String)> = (0..30).map(|i| (format!("channel/ch-{i:03}"), times[i].clone())).collect();
    let refs: Vec<(&str, &str, &str)> = alerts.iter().map(|(r, t)| (r.as_str(), "NOT_PROCESSED", t.as_str())).collect();
    inject(&emulator, &refs).await;
    emulator
        .set_faults(FaultConfig {
            entry_failure_rate: 0.5,
            operations: vec!["PutEvents".into()],
            seed: 7,
            ..Default::default()
        })
        .unwrap();
    // One attempt per entry: whatever fails stays failed.
    let state = state(&emulator, &[("PUT_EVENTS_MAX_ATTEMPTS", "1")], 3).await;
    let err = alert_publisher::handler(&state, invocation(scheduled())).await.unwrap_err();
    let PublishError::Undelivered { count, ref reason } = err else { panic!("{err}") };
    assert!(count > 0 && count < 30, "{err}");
    assert!(reason.contains("InternalFailure"), "{err}");
    assert_eq!(emulator.call_counts()["PutEvents"], 3, "every batch was tried");
    let first = published_ids(&emulator);
    assert_eq!(first.len() + count, 30, "every alert was either accepted or reported undelivered");

    // Lambda's retry of the same event, with EventBridge healthy again, delivers the whole set.
    emulator.set_faults(FaultConfig::default()).unwrap();
    let summary = alert_publisher::handler(&state, invocation(scheduled())).await.unwrap();
    assert_eq!(summary.published, 30);
    let all = published_ids(&emulator);
    assert_eq!(unique(&all[first.len()..]).len(), 30);
    assert!(unique(&first).is_subset(&unique(&all[first.len()..])), "the retry publishes the same ids");
    emulator.stop().await;
}

#[tokio::test]
async fn an_event_over_the_size_limit_is_reported_and_the_others_published() {
    let emulator = emulator().await;
    resources(&emulator, 2, 0).await;
    let huge = "x".repeat(300 * 1024);
    inject_json(
        &emulator,
        &[
            serde_json::json!({"ResourceArn": arn("channel/ch-000"), "AlertCode": "NOT_PROCESSED",
                "AlertMessage": huge, "LastModifiedTime": epoch("2026-11-25T05:55:00Z")}),
            serde_json::json!({"ResourceArn": arn("channel/ch-001"), "AlertCode": "NOT_PROCESSED",
                "AlertMessage": "small", "LastModifiedTime": epoch("2026-11-25T05:55:00Z")}),
        ],
    )
    .await;
    let state = state(&emulator, &[], 3).await;
    let err = alert_publisher::handler(&state, invocation(scheduled())).await.unwrap_err();
    assert!(matches!(err, PublishError::Undelivered { count: 1, .. }), "{err}");
    assert!(err.to_string().contains("over PutEvents' 262144-byte limit"), "{err}");
    let events = emulator.accepted_events();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["detail"]["ResourceName"], "ch-001");
    emulator.stop().await;
}

#[tokio::test]
async fn eventbridge_refusing_every_call_fails_the_run_without_trying_every_batch() {
    let emulator = emulator().await;
    resources(&emulator, 25, 0).await;
    let times = times_in_window(25);
    let alerts: Vec<(String, String)> = (0..25).map(|i| (format!("channel/ch-{i:03}"), times[i].clone())).collect();
    let refs: Vec<(&str, &str, &str)> = alerts.iter().map(|(r, t)| (r.as_str(), "NOT_PROCESSED", t.as_str())).collect();
    inject(&emulator, &refs).await;
    emulator
        .set_faults(FaultConfig { error_rate: 1.0, operations: vec!["PutEvents".into()], ..Default::default() })
        .unwrap();
    let state = state(&emulator, &[("PUT_EVENTS_MAX_ATTEMPTS", "2")], 2).await;
    let err = alert_publisher::handler(&state, invocation(scheduled())).await.unwrap_err();
    assert!(matches!(err, PublishError::Undelivered { count: 25, .. }), "{err}");
    // The first batch: 2 attempts of our own, each with 2 SDK attempts; the other two batches
    // were not sent into a failing service.
    assert_eq!(emulator.call_counts()["PutEvents"], 4);
    assert!(emulator.accepted_events().is_empty());
    emulator.stop().await;
}
