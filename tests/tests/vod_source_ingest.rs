//! vod-source-ingest against mediatailor-local and its S3 over a copy of the sample media.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::time::Duration;

use mediatailor_local::{Emulator, EmulatorOptions, FaultConfig};
use serde_json::Value;
use tailorflow_integration_tests::{create_sample_source_location, invocation};
use tailorflow_shared::{ClientSettings, EnvReader};
use vod_source_ingest::IngestEvent;
use vod_source_ingest::{Settings, State};

const BUCKET: &str = "tailorflow-media";

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// An emulator over a private copy of the sample media.
async fn start() -> (Emulator, tempfile::TempDir) {
    let media = tempfile::tempdir().unwrap();
    copy_dir(&mediatailor_local::sample_media_dir(), media.path());
    let emulator =
        Emulator::start(EmulatorOptions { media_dir: media.path().to_path_buf(), ..Default::default() }).await.unwrap();
    (emulator, media)
}

async fn state(emulator: &Emulator, extra: &[(&str, &str)], max_attempts: u32) -> State {
    let mut vars = vec![("SOURCE_LOCATION_NAME", "media")];
    vars.extend_from_slice(extra);
    let settings = Settings::read(EnvReader::from_pairs(vars)).unwrap();
    let client_settings =
        ClientSettings { max_attempts, initial_backoff: Duration::from_millis(5), ..ClientSettings::default() };
    State {
        clients: tailorflow_shared::AwsClients::for_emulator(&emulator.sdk_config().await, &client_settings),
        settings,
    }
}

/// The source location the ingested paths are relative to: the bucket, as MediaTailor reads it.
async fn source_location(state: &State) {
    create_sample_source_location(&state.clients.mediatailor, "media").await;
}

fn event(name: &str) -> Value {
    let path = format!("{}/../events/vod-source-ingest/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn s3_event(key: &str, event_name: &str) -> Value {
    serde_json::json!({"Records": [{
        "eventSource": "aws:s3", "eventName": event_name,
        "s3": {"bucket": {"name": BUCKET}, "object": {"key": key, "eTag": "etag-1"}}
    }]})
}

async fn run(state: &State, payload: Value) -> Value {
    vod_source_ingest::handler(state, invocation(IngestEvent::from(payload))).await.unwrap()
}

/// (type, source group, path) of a VOD source's packages, sorted.
async fn packages(state: &State, name: &str) -> Vec<(String, String, String)> {
    let out = state
        .clients
        .mediatailor
        .describe_vod_source()
        .source_location_name("media")
        .vod_source_name(name)
        .send()
        .await
        .unwrap();
    let mut packages: Vec<_> = out
        .http_package_configurations()
        .iter()
        .map(|p| (p.r#type().as_str().to_owned(), p.source_group().to_owned(), p.path().to_owned()))
        .collect();
    packages.sort();
    packages
}

fn both_packages() -> Vec<(String, String, String)> {
    vec![
        ("DASH".into(), "dash".into(), "packages/big-buck-bunny/dash/manifest.mpd".into()),
        ("HLS".into(), "hls".into(), "packages/big-buck-bunny/hls/index.m3u8".into()),
    ]
}

#[tokio::test]
async fn hls_then_dash_make_one_vod_source_and_redelivery_changes_nothing() {
    let (emulator, _media) = start().await;
    let state = state(&emulator, &[], 3).await;
    source_location(&state).await;

    let summary = run(&state, event("s3-put-hls-manifest.json")).await;
    assert_eq!(summary["created"], serde_json::json!(["packages/big-buck-bunny/hls/index.m3u8"]));
    let out = state
        .clients
        .mediatailor
        .describe_vod_source()
        .source_location_name("media")
        .vod_source_name("big-buck-bunny")
        .send()
        .await
        .unwrap();
    let tags = out.tags().unwrap();
    assert_eq!(tags.get("tailorflow:bucket").map(String::as_str), Some(BUCKET));
    assert_eq!(tags.get("tailorflow:hls-key").map(String::as_str), Some("packages/big-buck-bunny/hls/index.m3u8"));
    assert_eq!(tags.get("tailorflow:hls-etag").map(String::as_str), Some("d41d8cd98f00b204e9800998ecf8427e"));

    let summary = run(&state, event("eventbridge-object-created-dash.json")).await;
    assert_eq!(summary["updated"], serde_json::json!(["packages/big-buck-bunny/dash/manifest.mpd"]));
    assert_eq!(packages(&state, "big-buck-bunny").await, both_packages());

    let writes_before = emulator.call_counts().get("UpdateVodSource").copied();
    let summary = run(&state, event("s3-put-hls-manifest.json")).await;
    assert_eq!(summary["unchanged"], serde_json::json!(["packages/big-buck-bunny/hls/index.m3u8"]));
    assert_eq!(emulator.call_counts().get("UpdateVodSource").copied(), writes_before, "a redelivery writes nothing");
    assert_eq!(packages(&state, "big-buck-bunny").await, both_packages());
    emulator.stop().await;
}

#[tokio::test]
async fn a_dash_only_package_makes_a_vod_source_of_its_own() {
    let (emulator, _media) = start().await;
    let state = state(&emulator, &[], 3).await;
    source_location(&state).await;
    let summary = run(&state, event("eventbridge-object-created-dash.json")).await;
    assert_eq!(summary["created"], serde_json::json!(["packages/big-buck-bunny/dash/manifest.mpd"]));
    assert_eq!(packages(&state, "big-buck-bunny").await, vec![both_packages()[0].clone()]);
    emulator.stop().await;
}

#[tokio::test]
async fn a_batch_processed_concurrently_ends_with_every_package() {
    let (emulator, _media) = start().await;
    let state = state(&emulator, &[("CONCURRENCY", "8")], 3).await;
    source_location(&state).await;
    let keys = [
        "packages/big-buck-bunny/hls/index.m3u8",
        "packages/big-buck-bunny/dash/manifest.mpd",
        "packages/sintel/hls/index.m3u8",
        "slates/slate-30s/hls/index.m3u8",
        "packages/broken/hls/index.m3u8",
    ];
    let records: Vec<Value> = keys
        .iter()
        .enumerate()
        .map(|(i, key)| {
            serde_json::json!({"messageId": format!("m-{i}"), "eventSource": "aws:sqs",
                               "body": s3_event(key, "ObjectCreated:Put").to_string()})
        })
        .collect();
    let response = run(&state, serde_json::json!({ "Records": records })).await;
    assert_eq!(response, serde_json::json!({"batchItemFailures": []}));
    // The HLS and DASH manifests of one asset, in flight together, end in one VOD source.
    assert_eq!(packages(&state, "big-buck-bunny").await, both_packages());
    let listed = state.clients.mediatailor.list_vod_sources().source_location_name("media").send().await.unwrap();
    let mut names: Vec<&str> = listed.items().iter().map(|v| v.vod_source_name()).collect();
    names.sort_unstable();
    assert_eq!(names, ["big-buck-bunny", "broken", "sintel", "slate-30s"]);
    emulator.stop().await;
}

#[tokio::test]
async fn concurrent_deliveries_end_with_both_packages_and_one_source() {
    let (emulator, _media) = start().await;
    let state = state(&emulator, &[], 3).await;
    source_location(&state).await;
    let hls = event("s3-put-hls-manifest.json");
    let dash = event("eventbridge-object-created-dash.json");
    let (a, b, c) = tokio::join!(
        vod_source_ingest::handler(&state, invocation(IngestEvent::from(hls.clone()))),
        vod_source_ingest::handler(&state, invocation(IngestEvent::from(dash))),
        vod_source_ingest::handler(&state, invocation(IngestEvent::from(hls))),
    );
    a.unwrap();
    b.unwrap();
    c.unwrap();
    assert_eq!(packages(&state, "big-buck-bunny").await, both_packages());
    let listed = state.clients.mediatailor.list_vod_sources().source_location_name("media").send().await.unwrap();
    assert_eq!(listed.items().len(), 1);
    emulator.stop().await;
}

#[tokio::test]
async fn sqs_batches_name_only_the_failed_messages() {
    let (emulator, _media) = start().await;
    // One record at a time, so the injected failure falls on sintel's CreateVodSource.
    let state = state(&emulator, &[("CONCURRENCY", "1")], 2).await;
    source_location(&state).await;
    // The first CreateVodSource succeeds (big-buck-bunny); the next (sintel) fails for good.
    emulator
        .set_faults(FaultConfig {
            fail_after: Some(1),
            operations: vec!["CreateVodSource".into()],
            ..Default::default()
        })
        .unwrap();
    let response = run(&state, event("sqs-batch.json")).await;
    assert_eq!(
        response,
        serde_json::json!({"batchItemFailures": [{"itemIdentifier": "00000003-1111-4222-8333-444444444444"}]}),
        "only the sintel message is redelivered; the segment was ignored"
    );
    assert_eq!(packages(&state, "big-buck-bunny").await.len(), 1);

    emulator.set_faults(FaultConfig::default()).unwrap();
    let response = run(&state, event("sqs-batch.json")).await;
    assert_eq!(response, serde_json::json!({"batchItemFailures": []}), "the redelivery succeeds");
    assert_eq!(packages(&state, "sintel").await.len(), 1);

    // A body that is no S3 event is reported and not redelivered forever.
    let response = run(&state, event("malformed-sqs-body.json")).await;
    assert_eq!(response, serde_json::json!({"batchItemFailures": []}));
    emulator.stop().await;
}

#[tokio::test]
async fn encoded_non_ascii_and_over_long_keys_become_valid_names() {
    let (emulator, media) = start().await;
    let state = state(&emulator, &[], 3).await;
    source_location(&state).await;
    let multivariant = media.path().join(BUCKET).join("packages/big-buck-bunny/hls/index.m3u8");
    let long = "a".repeat(90);
    for folder in ["Big Buck Bunny (director's cut)", "café 日本", long.as_str(), "a+b"] {
        let dir = media.path().join(BUCKET).join("packages").join(folder).join("hls");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::copy(&multivariant, dir.join("index.m3u8")).unwrap();
    }
    let summary = run(&state, event("s3-put-encoded-key.json")).await;
    assert_eq!(summary["created"], serde_json::json!(["packages/Big Buck Bunny (director's cut)/hls/index.m3u8"]));
    for raw in [
        "packages/caf%C3%A9+%E6%97%A5%E6%9C%AC/hls/index.m3u8".to_owned(),
        format!("packages/{long}/hls/index.m3u8"),
        "packages/a%2Bb/hls/index.m3u8".to_owned(),
    ] {
        let summary = run(&state, s3_event(&raw, "ObjectCreated:Put")).await;
        assert_eq!(summary["created"].as_array().unwrap().len(), 1, "{raw}: {summary}");
    }
    let listed = state.clients.mediatailor.list_vod_sources().source_location_name("media").send().await.unwrap();
    let mut names: Vec<&str> = listed.items().iter().map(|v| v.vod_source_name()).collect();
    names.sort();
    assert_eq!(names.len(), 4);
    assert!(
        names.iter().all(|n| n.len() <= 64 && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'))
    );
    assert!(names.iter().any(|n| n.starts_with("Big-Buck-Bunny-director-s-cut-")), "{names:?}");
    assert!(names.iter().any(|n| n.starts_with("a-b-")), "{names:?}");
    let paths: Vec<String> = listed
        .items()
        .iter()
        .flat_map(|v| v.http_package_configurations().iter().map(|p| p.path().to_owned()))
        .collect();
    assert!(paths.contains(&"packages/café 日本/hls/index.m3u8".to_owned()), "{paths:?}");
    emulator.stop().await;
}

#[tokio::test]
async fn media_playlists_segments_and_test_events_are_ignored() {
    let (emulator, _media) = start().await;
    let state = state(&emulator, &[], 3).await;
    source_location(&state).await;
    for name in ["s3-put-media-playlist-ignored.json", "s3-put-segment-ignored.json", "s3-test-event.json"] {
        let summary = run(&state, event(name)).await;
        assert!(summary["created"].as_array().unwrap().is_empty(), "{name}: {summary}");
    }
    let summary = run(&state, event("s3-put-media-playlist-ignored.json")).await;
    assert!(summary["ignored"][0]["reason"].as_str().unwrap().contains("media playlist"), "{summary}");
    assert!(!emulator.call_counts().contains_key("CreateVodSource"));

    for name in ["malformed-not-an-s3-event.json", "malformed-record-without-key.json"] {
        let err = vod_source_ingest::handler(&state, invocation(IngestEvent::from(event(name)))).await.unwrap_err();
        assert!(err.to_string().contains("unrecognised event"), "{name}: {err}");
    }
    emulator.stop().await;
}

#[tokio::test]
async fn a_missing_source_location_is_reported_or_created() {
    let (emulator, _media) = start().await;
    let without = state(&emulator, &[], 3).await;
    let summary = run(&without, event("s3-put-hls-manifest.json")).await;
    let reason = summary["failed"][0]["reason"].as_str().unwrap();
    assert!(reason.contains("AUTO_CREATE_SOURCE_LOCATION"), "{reason}");

    let with = state(&emulator, &[("AUTO_CREATE_SOURCE_LOCATION", "true")], 3).await;
    let summary = run(&with, event("s3-put-hls-manifest.json")).await;
    assert_eq!(summary["created"].as_array().unwrap().len(), 1, "{summary}");
    let location =
        with.clients.mediatailor.describe_source_location().source_location_name("media").send().await.unwrap();
    assert_eq!(
        location.http_configuration().map(|h| h.base_url()),
        Some("https://tailorflow-media.s3.us-east-1.amazonaws.com/")
    );
    assert_eq!(location.access_configuration().and_then(|a| a.access_type()).map(|t| t.as_str()), Some("S3_SIGV4"));
    // The emulator reads that BaseUrl from its media folder: the schedule knows the duration.
    emulator.stop().await;
}

#[tokio::test]
async fn removals_follow_delete_on_remove() {
    let (emulator, _media) = start().await;
    let off = state(&emulator, &[], 3).await;
    source_location(&off).await;
    run(&off, event("s3-put-hls-manifest.json")).await;
    run(&off, event("eventbridge-object-created-dash.json")).await;
    let summary = run(&off, event("s3-remove-hls-manifest.json")).await;
    assert!(summary["ignored"][0]["reason"].as_str().unwrap().contains("DELETE_ON_REMOVE"), "{summary}");
    assert_eq!(packages(&off, "big-buck-bunny").await.len(), 2);

    let on = state(&emulator, &[("DELETE_ON_REMOVE", "true")], 3).await;
    let summary = run(&on, event("s3-remove-hls-manifest.json")).await;
    assert_eq!(summary["updated"].as_array().unwrap().len(), 1, "{summary}");
    assert_eq!(packages(&on, "big-buck-bunny").await, both_packages()[..1].to_vec());
    let mut dash_removed = event("eventbridge-object-created-dash.json");
    dash_removed["detail-type"] = "Object Deleted".into();
    let summary = run(&on, dash_removed.clone()).await;
    assert_eq!(summary["deleted"].as_array().unwrap().len(), 1, "{summary}");
    let summary = run(&on, dash_removed).await;
    assert!(summary["ignored"][0]["reason"].as_str().unwrap().contains("no such VOD source"), "{summary}");
    emulator.stop().await;
}

#[tokio::test]
async fn throttling_is_absorbed_and_the_end_state_is_the_fault_free_one() {
    let (emulator, _media) = start().await;
    let state = state(&emulator, &[], 10).await;
    source_location(&state).await;
    emulator
        .set_faults(FaultConfig {
            throttle_rate: 0.3,
            operations: vec![
                "CreateVodSource".into(),
                "UpdateVodSource".into(),
                "DescribeVodSource".into(),
                "GetObject".into(),
            ],
            seed: 5,
            ..Default::default()
        })
        .unwrap();
    run(&state, event("s3-put-hls-manifest.json")).await;
    run(&state, event("eventbridge-object-created-dash.json")).await;
    assert_eq!(packages(&state, "big-buck-bunny").await, both_packages());

    // Throttled for good: the SQS message is redelivered, nothing half-done is left behind.
    emulator
        .set_faults(FaultConfig {
            throttle_rate: 1.0,
            operations: vec!["CreateVodSource".into()],
            ..Default::default()
        })
        .unwrap();
    let response = run(&state, event("sqs-batch.json")).await;
    assert_eq!(response["batchItemFailures"][0]["itemIdentifier"], "00000003-1111-4222-8333-444444444444");
    let listed = state.clients.mediatailor.list_vod_sources().source_location_name("media").send().await.unwrap();
    assert_eq!(listed.items().len(), 1, "sintel was not created");
    emulator.stop().await;
}
