//! vod-source-ingest against mediatailor-local and its S3 over a copy of the sample media.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::task::Poll;
use std::time::Duration;

use mediatailor_local::{Emulator, EmulatorOptions, FaultConfig};
use serde_json::{Value, json};
use tailorflow_integration_tests::{copy_dir, create_sample_source_location, invocation};
use tailorflow_shared::{ClientSettings, EnvReader};
use vod_source_ingest::IngestEvent;
use vod_source_ingest::{Settings, State};

const BUCKET: &str = "tailorflow-media";
const BBB: &str = "packages-big-buck-bunny";
const BBB_HLS: &str = "packages/big-buck-bunny/hls/index.m3u8";
const BBB_DASH: &str = "packages/big-buck-bunny/dash/manifest.mpd";

/// An emulator over a private copy of the sample media.
async fn start() -> (Emulator, tempfile::TempDir) {
    start_with(FaultConfig::default()).await
}

async fn start_with(faults: FaultConfig) -> (Emulator, tempfile::TempDir) {
    let media = tempfile::tempdir().unwrap();
    copy_dir(&mediatailor_local::sample_media_dir(), media.path());
    let options = EmulatorOptions { media_dir: media.path().to_path_buf(), faults, ..Default::default() };
    (Emulator::start(options).await.unwrap(), media)
}

async fn state(emulator: &Emulator, extra: &[(&str, &str)], max_attempts: u32) -> State {
    let mut vars = vec![("SOURCE_LOCATION_NAME", "media")];
    vars.extend_from_slice(extra);
    let settings = Settings::read(EnvReader::from_pairs(vars)).unwrap();
    let client_settings =
        ClientSettings { max_attempts, initial_backoff: Duration::from_millis(5), ..ClientSettings::default() };
    State::new(tailorflow_shared::AwsClients::for_emulator(&emulator.sdk_config().await, &client_settings), settings)
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
    json!({"Records": [{
        "eventSource": "aws:s3", "eventName": event_name,
        "s3": {"bucket": {"name": BUCKET}, "object": {"key": key, "eTag": "etag-1"}}
    }]})
}

fn created(key: &str) -> Value {
    s3_event(key, "ObjectCreated:Put")
}

fn removed(key: &str) -> Value {
    s3_event(key, "ObjectRemoved:DeleteMarkerCreated")
}

async fn run(state: &State, payload: Value) -> Value {
    vod_source_ingest::handler(state, invocation(IngestEvent::from(payload))).await.unwrap()
}

/// A backfill invocation whose Lambda deadline is `deadline_ms` (0: none).
async fn backfill(state: &State, request: Value, deadline_ms: u64) -> Value {
    let mut event = invocation(IngestEvent::from(json!({ "Backfill": request })));
    event.context.deadline = deadline_ms;
    vod_source_ingest::handler(state, event).await.unwrap()
}

async fn put(state: &State, key: &str, body: &[u8]) {
    state.clients.s3.put_object().bucket(BUCKET).key(key).body(body.to_vec().into()).send().await.unwrap();
}

async fn delete(state: &State, key: &str) {
    state.clients.s3.delete_object().bucket(BUCKET).key(key).send().await.unwrap();
}

fn sample(key: &str) -> Vec<u8> {
    std::fs::read(mediatailor_local::sample_media_dir().join(BUCKET).join(key)).unwrap()
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
        .unwrap_or_else(|e| panic!("{name}: {e:?}"));
    let mut packages: Vec<_> = out
        .http_package_configurations()
        .iter()
        .map(|p| (p.r#type().as_str().to_owned(), p.source_group().to_owned(), p.path().to_owned()))
        .collect();
    packages.sort();
    packages
}

async fn tags(state: &State, name: &str) -> BTreeMap<String, String> {
    let mt = &state.clients.mediatailor;
    let out = mt.describe_vod_source().source_location_name("media").vod_source_name(name).send().await.unwrap();
    out.tags().cloned().unwrap_or_default().into_iter().collect()
}

/// Every VOD source of the source location, by name, with its packages' paths.
async fn sources(state: &State) -> BTreeMap<String, Vec<String>> {
    let mut all = BTreeMap::new();
    let mut token = None;
    for _ in 0..100 {
        let listed = state
            .clients
            .mediatailor
            .list_vod_sources()
            .source_location_name("media")
            .set_next_token(token)
            .send()
            .await
            .unwrap();
        for item in listed.items() {
            let mut paths: Vec<String> =
                item.http_package_configurations().iter().map(|p| p.path().to_owned()).collect();
            paths.sort();
            all.insert(item.vod_source_name().to_owned(), paths);
        }
        token = listed.next_token().map(str::to_owned);
        if token.is_none() {
            return all;
        }
    }
    panic!("ListVodSources kept paging")
}

fn both_packages() -> Vec<(String, String, String)> {
    vec![("DASH".into(), "dash".into(), BBB_DASH.into()), ("HLS".into(), "hls".into(), BBB_HLS.into())]
}

#[tokio::test]
async fn hls_then_dash_make_one_vod_source_and_redelivery_changes_nothing() {
    let (emulator, _media) = start().await;
    let state = state(&emulator, &[], 3).await;
    source_location(&state).await;
    delete(&state, BBB_DASH).await;

    let summary = run(&state, event("s3-put-hls-manifest.json")).await;
    assert_eq!(summary["created"], json!([BBB_HLS]));
    let tags = tags(&state, BBB).await;
    assert_eq!(tags.get("tailorflow:bucket").map(String::as_str), Some(BUCKET));
    assert_eq!(tags.get("tailorflow:asset").map(String::as_str), Some("tailorflow-media/packages/big-buck-bunny"));
    assert_eq!(tags.get("tailorflow:hls-key").map(String::as_str), Some(BBB_HLS));
    let etag = tags.get("tailorflow:hls-etag").expect("the ETag read from S3");
    assert!(etag.len() == 32 && etag.chars().all(|c| c.is_ascii_hexdigit()), "{etag}");
    assert_eq!(packages(&state, BBB).await, both_packages()[1..].to_vec());

    put(&state, BBB_DASH, &sample(BBB_DASH)).await;
    let summary = run(&state, event("eventbridge-object-created-dash.json")).await;
    assert_eq!(summary["updated"], json!([BBB_DASH]));
    assert_eq!(packages(&state, BBB).await, both_packages());

    let writes_before = emulator.call_counts().get("UpdateVodSource").copied();
    let summary = run(&state, event("s3-put-hls-manifest.json")).await;
    assert_eq!(summary["unchanged"], json!([BBB_HLS]));
    assert_eq!(emulator.call_counts().get("UpdateVodSource").copied(), writes_before, "a redelivery writes nothing");
    assert_eq!(packages(&state, BBB).await, both_packages());
    emulator.stop().await;
}

#[tokio::test]
async fn any_manifest_of_an_asset_makes_the_vod_source_of_what_s3_holds() {
    let (emulator, _media) = start().await;
    let state = state(&emulator, &[], 3).await;
    source_location(&state).await;
    // The DASH manifest's event: the HLS one is in S3 too, so both are packages.
    let summary = run(&state, event("eventbridge-object-created-dash.json")).await;
    assert_eq!(summary["created"], json!([BBB_DASH]));
    assert_eq!(packages(&state, BBB).await, both_packages());
    emulator.stop().await;
}

#[tokio::test]
async fn a_new_asset_costs_a_list_a_sniff_and_a_create() {
    let (emulator, _media) = start().await;
    let state = state(&emulator, &[], 3).await;
    source_location(&state).await;
    delete(&state, BBB_DASH).await;
    emulator.reset_call_counts();
    run(&state, event("s3-put-hls-manifest.json")).await;
    let calls = emulator.call_counts();
    assert_eq!(
        calls,
        BTreeMap::from([("CreateVodSource".into(), 1), ("GetObject".into(), 1), ("ListObjectsV2".into(), 1)]),
        "the common path of a new asset"
    );
    emulator.stop().await;
}

#[tokio::test]
async fn a_batch_processed_concurrently_ends_with_every_package() {
    let (emulator, _media) = start().await;
    let state = state(&emulator, &[("CONCURRENCY", "8")], 3).await;
    source_location(&state).await;
    let keys = [
        BBB_HLS,
        BBB_DASH,
        "packages/sintel/hls/index.m3u8",
        "slates/slate-30s/hls/index.m3u8",
        "packages/broken/hls/index.m3u8",
    ];
    let records: Vec<Value> = keys
        .iter()
        .enumerate()
        .map(|(i, key)| json!({"messageId": format!("m-{i}"), "eventSource": "aws:sqs", "body": created(key).to_string()}))
        .collect();
    let response = run(&state, json!({ "Records": records })).await;
    assert_eq!(response, json!({"batchItemFailures": []}));
    // The HLS and DASH manifests of one asset, in one batch, end in one VOD source.
    assert_eq!(packages(&state, BBB).await, both_packages());
    let names: Vec<String> = sources(&state).await.into_keys().collect();
    assert_eq!(names, [BBB, "packages-broken", "packages-sintel", "slates-slate-30s"]);
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
    assert_eq!(packages(&state, BBB).await, both_packages());
    assert_eq!(sources(&state).await.len(), 1);
    emulator.stop().await;
}

/// Delivers `payload` as Lambda does: a failed invocation is invoked again (bounded).
async fn deliver(state: &State, payload: Value) -> Value {
    for _ in 0..10 {
        if let Ok(summary) = vod_source_ingest::handler(state, invocation(IngestEvent::from(payload.clone()))).await {
            return summary;
        }
    }
    panic!("still failing after 10 deliveries: {payload}")
}

/// Runs every future at once on this task; their results in order.
async fn join_all<T>(mut futures: Vec<Pin<Box<dyn Future<Output = T> + '_>>>) -> Vec<T> {
    let mut results: Vec<Option<T>> = futures.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (future, result) in futures.iter_mut().zip(results.iter_mut()) {
            if result.is_none() {
                match future.as_mut().poll(cx) {
                    Poll::Ready(value) => *result = Some(value),
                    Poll::Pending => pending = true,
                }
            }
        }
        if pending { Poll::Pending } else { Poll::Ready(()) }
    })
    .await;
    results.into_iter().map(Option::unwrap).collect()
}

/// The race the issue reports: two deliveries at once of different changes to each existing
/// VOD source (its DASH manifest lands while its HLS one is replaced), with 3 ms of latency per
/// call, many assets, repeated. No package may be lost and none duplicated.
#[tokio::test]
async fn racing_deliveries_of_different_changes_never_lose_a_package() {
    const ASSETS: usize = 12;
    const REPEATS: usize = 4;
    let (emulator, _media) = start_with(FaultConfig { latency_ms: 3, ..Default::default() }).await;
    let state = state(&emulator, &[("CONCURRENCY", "1")], 3).await;
    source_location(&state).await;
    let multivariant = sample(BBB_HLS);
    let mpd = sample(BBB_DASH);
    let mut updates = 0;
    for repeat in 0..REPEATS {
        let folder = |i: usize| format!("race/r{repeat}-a{i:02}");
        // Each asset exists with its HLS package.
        for i in 0..ASSETS {
            let key = format!("{}/hls/index.m3u8", folder(i));
            put(&state, &key, &multivariant).await;
            assert_eq!(run(&state, created(&key)).await["created"], json!([key]));
        }
        // Then both changes land at once: each its own S3 write and its own delivery.
        let mut deliveries: Vec<Pin<Box<dyn Future<Output = Value> + '_>>> = Vec::new();
        for i in 0..ASSETS {
            let dash = format!("{}/dash/manifest.mpd", folder(i));
            // The shorter key replaces index.m3u8 as the asset's HLS manifest.
            let hls = format!("{}/hls/a.m3u8", folder(i));
            for (key, body) in [(dash, &mpd), (hls, &multivariant)] {
                let state = &state;
                deliveries.push(Box::pin(async move {
                    put(state, &key, body).await;
                    deliver(state, created(&key)).await
                }));
            }
        }
        let summaries = join_all(deliveries).await;
        updates += summaries.iter().filter(|s| !s["updated"].as_array().unwrap().is_empty()).count();
        let all = sources(&state).await;
        for i in 0..ASSETS {
            let name = folder(i).replace('/', "-");
            let expected = vec![format!("{}/dash/manifest.mpd", folder(i)), format!("{}/hls/a.m3u8", folder(i))];
            assert_eq!(all.get(&name), Some(&expected), "repeat {repeat}, asset {i}: a package lost or duplicated");
        }
        assert_eq!(all.len(), ASSETS * (repeat + 1), "one VOD source per asset");
    }
    assert!(updates >= ASSETS * REPEATS, "every asset was changed by a delivery: {updates}");
    emulator.stop().await;
}

#[tokio::test]
async fn a_late_removal_keeps_a_package_whose_manifest_is_back() {
    let (emulator, _media) = start().await;
    let state = state(&emulator, &[("DELETE_ON_REMOVE", "true")], 3).await;
    source_location(&state).await;
    run(&state, event("s3-put-hls-manifest.json")).await;
    assert_eq!(packages(&state, BBB).await, both_packages());
    // A removal delivered late, after the manifest was put back: S3 has it, so it stays.
    let summary = run(&state, removed(BBB_DASH)).await;
    assert_eq!(summary["unchanged"], json!([BBB_DASH]), "{summary}");
    assert_eq!(packages(&state, BBB).await, both_packages());
    // Gone from S3: the package goes, then the VOD source with the last one.
    delete(&state, BBB_DASH).await;
    let summary = run(&state, removed(BBB_DASH)).await;
    assert_eq!(summary["updated"], json!([BBB_DASH]), "{summary}");
    assert_eq!(packages(&state, BBB).await, both_packages()[1..].to_vec());
    delete(&state, BBB_HLS).await;
    let summary = run(&state, removed(BBB_HLS)).await;
    assert_eq!(summary["deleted"], json!([BBB_HLS]), "{summary}");
    assert!(!sources(&state).await.contains_key(BBB));
    emulator.stop().await;
}

#[tokio::test]
async fn removals_follow_delete_on_remove() {
    let (emulator, _media) = start().await;
    let off = state(&emulator, &[], 3).await;
    source_location(&off).await;
    run(&off, event("s3-put-hls-manifest.json")).await;
    delete(&off, BBB_HLS).await;
    let summary = run(&off, event("s3-remove-hls-manifest.json")).await;
    assert!(summary["ignored"][0]["reason"].as_str().unwrap().contains("DELETE_ON_REMOVE"), "{summary}");
    // Without DELETE_ON_REMOVE a package is never removed, even by a later delivery.
    run(&off, event("eventbridge-object-created-dash.json")).await;
    assert_eq!(packages(&off, BBB).await.len(), 2);

    let on = state(&emulator, &[("DELETE_ON_REMOVE", "true")], 3).await;
    let summary = run(&on, event("s3-remove-hls-manifest.json")).await;
    assert_eq!(summary["updated"].as_array().unwrap().len(), 1, "{summary}");
    assert_eq!(packages(&on, BBB).await, both_packages()[..1].to_vec());
    delete(&on, BBB_DASH).await;
    let mut dash_removed = event("eventbridge-object-created-dash.json");
    dash_removed["detail-type"] = "Object Deleted".into();
    let summary = run(&on, dash_removed.clone()).await;
    assert_eq!(summary["deleted"].as_array().unwrap().len(), 1, "{summary}");
    let summary = run(&on, dash_removed).await;
    assert!(summary["ignored"][0]["reason"].as_str().unwrap().contains("no such VOD source"), "{summary}");
    emulator.stop().await;
}

#[tokio::test]
async fn the_key_prefix_matches_whole_path_segments() {
    let (emulator, _media) = start().await;
    let state = state(&emulator, &[("KEY_PREFIX", "vod")], 3).await;
    source_location(&state).await;
    let multivariant = sample(BBB_HLS);
    put(&state, "vodka/movie/hls/index.m3u8", &multivariant).await;
    put(&state, "vod/movie/hls/index.m3u8", &multivariant).await;
    let summary = run(&state, created("vodka/movie/hls/index.m3u8")).await;
    assert!(
        summary["failed"][0]["reason"].as_str().unwrap().contains("not under the configured KEY_PREFIX"),
        "{summary}"
    );
    let summary = run(&state, created("vod/movie/hls/index.m3u8")).await;
    assert_eq!(summary["created"], json!(["vod/movie/hls/index.m3u8"]));
    assert_eq!(sources(&state).await, BTreeMap::from([("movie".to_owned(), vec!["movie/hls/index.m3u8".to_owned()])]));
    emulator.stop().await;
}

#[tokio::test]
async fn empty_and_non_manifest_objects_are_ignored_and_equal_source_groups_refused() {
    let (emulator, _media) = start().await;
    let state = state(&emulator, &[], 3).await;
    source_location(&state).await;
    put(&state, "packages/empty/hls/index.m3u8", b"").await;
    put(&state, "packages/json/dash/manifest.mpd", b"{\"not\": \"an MPD\"}").await;
    put(&state, "packages/json/hls/index.m3u8", b"\xff\xfe not a playlist").await;
    for (key, why) in [
        ("packages/empty/hls/index.m3u8", "empty"),
        ("packages/json/dash/manifest.mpd", "not a DASH MPD"),
        ("packages/json/hls/index.m3u8", "not an HLS playlist"),
    ] {
        let summary = run(&state, created(key)).await;
        let reason = summary["ignored"][0]["reason"].as_str().unwrap_or_else(|| panic!("{key}: {summary}"));
        assert!(reason.contains(why), "{key}: {reason}");
    }
    assert!(sources(&state).await.is_empty());
    assert!(!emulator.call_counts().contains_key("CreateVodSource"));

    let err = Settings::read(EnvReader::from_pairs([
        ("SOURCE_LOCATION_NAME", "media"),
        ("HLS_SOURCE_GROUP", "main"),
        ("DASH_SOURCE_GROUP", "main"),
    ]))
    .unwrap_err();
    assert!(err.to_string().contains("DASH_SOURCE_GROUP") && err.to_string().contains("equals HLS_SOURCE_GROUP"));
    emulator.stop().await;
}

#[tokio::test]
async fn two_assets_never_share_a_vod_source() {
    let (emulator, _media) = start().await;
    let state = state(&emulator, &[], 3).await;
    source_location(&state).await;
    let multivariant = sample(BBB_HLS);
    for key in ["x/my show/hls/index.m3u8", "y/my show/hls/index.m3u8", "a/b-c/hls/index.m3u8", "a-b/c/hls/index.m3u8"]
    {
        put(&state, key, &multivariant).await;
    }
    run(&state, created("x/my+show/hls/index.m3u8")).await;
    run(&state, created("y/my+show/hls/index.m3u8")).await;
    let all = sources(&state).await;
    assert_eq!(all.len(), 2, "{all:?}");
    assert!(all.values().any(|paths| paths == &["x/my show/hls/index.m3u8"]), "{all:?}");
    assert!(all.values().any(|paths| paths == &["y/my show/hls/index.m3u8"]), "{all:?}");

    // Two readable paths that meet in one name: the second is a conflict, the first untouched.
    assert_eq!(run(&state, created("a/b-c/hls/index.m3u8")).await["created"].as_array().unwrap().len(), 1);
    let summary = run(&state, created("a-b/c/hls/index.m3u8")).await;
    let reason = summary["conflicts"][0]["reason"].as_str().unwrap_or_else(|| panic!("{summary}"));
    assert!(reason.contains("a-b-c") && reason.contains("tailorflow-media/a/b-c"), "{reason}");
    assert_eq!(packages(&state, "a-b-c").await[0].2, "a/b-c/hls/index.m3u8");

    // A VOD source made by hand under an asset's name is never overwritten either.
    let hls = aws_sdk_mediatailor::types::HttpPackageConfiguration::builder()
        .path("elsewhere/index.m3u8")
        .source_group("hls")
        .r#type(aws_sdk_mediatailor::types::Type::Hls)
        .build()
        .unwrap();
    let mt = &state.clients.mediatailor;
    mt.create_vod_source()
        .source_location_name("media")
        .vod_source_name("packages-sintel")
        .http_package_configurations(hls)
        .send()
        .await
        .unwrap();
    let summary = run(&state, created("packages/sintel/hls/index.m3u8")).await;
    assert_eq!(summary["conflicts"].as_array().unwrap().len(), 1, "{summary}");
    assert_eq!(packages(&state, "packages-sintel").await[0].2, "elsewhere/index.m3u8");
    emulator.stop().await;
}

#[tokio::test]
async fn a_backfill_reconciles_a_library_and_resumes_after_the_deadline() {
    // What the library holds (the sample media's sintel may have a DASH package too).
    let check = |all: &BTreeMap<String, Vec<String>>| {
        assert_eq!(all.keys().collect::<Vec<_>>(), [BBB, "packages-broken", "packages-sintel"], "{all:?}");
        assert_eq!(all[BBB], [BBB_DASH, BBB_HLS]);
        assert_eq!(all["packages-broken"], ["packages/broken/hls/index.m3u8"]);
        assert!(all["packages-sintel"].contains(&"packages/sintel/hls/index.m3u8".to_owned()));
    };
    // In one invocation with time to spare.
    let (emulator, _media) = start().await;
    let ingest = state(&emulator, &[("MEDIA_BUCKET", BUCKET), ("MAX_REQUESTS_PER_SECOND", "100")], 3).await;
    source_location(&ingest).await;
    let request = event("backfill.json")["Backfill"].clone();
    let far = u64::try_from(chrono::Utc::now().timestamp_millis()).unwrap() + 3_600_000;
    let result = backfill(&ingest, request.clone(), far).await;
    assert_eq!((result["Done"].clone(), result["NextStartAfter"].clone()), (json!(true), Value::Null), "{result}");
    assert_eq!(result["Assets"], 4, "big-buck-bunny, broken, sintel and unparsable (its manifest is no playlist)");
    check(&sources(&ingest).await);
    emulator.stop().await;

    // With the deadline already inside the margin: one asset per invocation, each resumed.
    let (emulator, _media) = start().await;
    let ingest = state(&emulator, &[("MEDIA_BUCKET", BUCKET), ("MAX_REQUESTS_PER_SECOND", "100")], 3).await;
    source_location(&ingest).await;
    let mut request = request;
    let mut invocations = 0;
    for _ in 0..10 {
        let now = u64::try_from(chrono::Utc::now().timestamp_millis()).unwrap();
        let result = backfill(&ingest, request.clone(), now).await;
        invocations += 1;
        assert!(result["Assets"].as_u64().unwrap() <= 1, "{result}");
        if result["Done"] == json!(true) {
            break;
        }
        request["StartAfter"] = result["NextStartAfter"].clone();
    }
    assert_eq!(invocations, 4, "one asset each");
    check(&sources(&ingest).await);
    // A second backfill over the same library changes nothing.
    let result = backfill(&ingest, json!({"Prefix": ""}), 0).await;
    assert_eq!(result["Summary"]["changes"].as_array().unwrap().len(), 1, "only the slate is new: {result}");
    let result = backfill(&ingest, json!({}), 0).await;
    assert!(result["Summary"]["changes"].as_array().unwrap().is_empty(), "{result}");
    emulator.stop().await;
}

#[tokio::test]
async fn a_dry_run_reports_every_change_and_makes_none() {
    let (emulator, _media) = start().await;
    let dry = state(&emulator, &[("DRY_RUN", "true")], 3).await;
    source_location(&dry).await;
    emulator.reset_call_counts();
    let summary = run(&dry, event("s3-put-hls-manifest.json")).await;
    assert_eq!(summary["dryRun"], true);
    assert_eq!(summary["created"], json!([BBB_HLS]), "{summary}");
    assert_eq!(summary["changes"][0]["action"], "create", "{summary}");
    assert_eq!(summary["changes"][0]["vodSource"], BBB);
    assert_eq!(summary["changes"][0]["packages"].as_array().unwrap().len(), 2);
    let writes = |e: &Emulator| {
        e.call_counts()
            .keys()
            .filter(|op| {
                op.starts_with("Create")
                    || op.starts_with("Update")
                    || op.starts_with("Delete")
                    || op.starts_with("Tag")
            })
            .count()
    };
    assert_eq!(writes(&emulator), 0, "{:?}", emulator.call_counts());

    // "DryRun": true in a backfill, with DRY_RUN off.
    let live = state(&emulator, &[("MEDIA_BUCKET", BUCKET), ("MAX_REQUESTS_PER_SECOND", "100")], 3).await;
    let result = backfill(&live, event("backfill-dry-run.json")["Backfill"].clone(), 0).await;
    assert_eq!((result["DryRun"].clone(), result["Done"].clone()), (json!(true), json!(true)), "{result}");
    let changes = result["Summary"]["changes"].as_array().unwrap();
    let names: Vec<&str> = changes.iter().map(|c| c["vodSource"].as_str().unwrap()).collect();
    assert_eq!(names, [BBB, "packages-broken", "packages-sintel", "slates-slate-30s"], "{result}");
    assert!(changes.iter().all(|c| c["dryRun"] == true && c["action"] == "create"));
    assert_eq!(writes(&emulator), 0, "{:?}", emulator.call_counts());
    assert!(sources(&live).await.is_empty());
    emulator.stop().await;
}

#[tokio::test]
async fn sqs_batches_name_only_the_failed_messages() {
    let (emulator, _media) = start().await;
    // One asset at a time, so the injected failure falls on sintel's CreateVodSource.
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
        json!({"batchItemFailures": [{"itemIdentifier": "00000003-1111-4222-8333-444444444444"}]}),
        "only the sintel message is redelivered; the segment was ignored"
    );
    assert_eq!(packages(&state, BBB).await.len(), 2);

    emulator.set_faults(FaultConfig::default()).unwrap();
    let response = run(&state, event("sqs-batch.json")).await;
    assert_eq!(response, json!({"batchItemFailures": []}), "the redelivery succeeds");
    assert!(packages(&state, "packages-sintel").await.iter().any(|p| p.0 == "HLS"));

    // A body that is no S3 event is reported and not redelivered forever.
    let response = run(&state, event("malformed-sqs-body.json")).await;
    assert_eq!(response, json!({"batchItemFailures": []}));
    emulator.stop().await;
}

#[tokio::test]
async fn encoded_non_ascii_and_over_long_keys_become_valid_names() {
    let (emulator, media) = start().await;
    let state = state(&emulator, &[], 3).await;
    source_location(&state).await;
    let multivariant = media.path().join(BUCKET).join(BBB_HLS);
    let long = "a".repeat(90);
    for folder in ["Big Buck Bunny (director's cut)", "café 日本", long.as_str(), "a+b"] {
        let dir = media.path().join(BUCKET).join("packages").join(folder).join("hls");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::copy(&multivariant, dir.join("index.m3u8")).unwrap();
    }
    let summary = run(&state, event("s3-put-encoded-key.json")).await;
    assert_eq!(summary["created"], json!(["packages/Big Buck Bunny (director's cut)/hls/index.m3u8"]));
    for raw in [
        "packages/caf%C3%A9+%E6%97%A5%E6%9C%AC/hls/index.m3u8".to_owned(),
        format!("packages/{long}/hls/index.m3u8"),
        "packages/a%2Bb/hls/index.m3u8".to_owned(),
    ] {
        let summary = run(&state, created(&raw)).await;
        assert_eq!(summary["created"].as_array().unwrap().len(), 1, "{raw}: {summary}");
    }
    let all = sources(&state).await;
    let names: Vec<&String> = all.keys().collect();
    assert_eq!(names.len(), 4);
    assert!(
        names.iter().all(|n| n.len() <= 64 && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'))
    );
    assert!(names.iter().any(|n| n.starts_with("packages-Big-Buck-Bunny-director-s-cut-")), "{names:?}");
    assert!(names.iter().any(|n| n.starts_with("packages-a-b-")), "{names:?}");
    assert!(all.values().flatten().any(|p| p == "packages/café 日本/hls/index.m3u8"), "{all:?}");
    emulator.stop().await;
}

#[tokio::test]
async fn media_playlists_segments_and_test_events_are_ignored() {
    let (emulator, _media) = start().await;
    let state = state(&emulator, &[], 3).await;
    source_location(&state).await;
    emulator.reset_call_counts();
    for name in ["s3-put-media-playlist-ignored.json", "s3-put-segment-ignored.json", "s3-test-event.json"] {
        let summary = run(&state, event(name)).await;
        assert!(summary["created"].as_array().unwrap().is_empty(), "{name}: {summary}");
    }
    let summary = run(&state, event("s3-put-media-playlist-ignored.json")).await;
    assert!(summary["ignored"][0]["reason"].as_str().unwrap().contains("media playlist"), "{summary}");
    assert!(emulator.call_counts().is_empty(), "a rendition's playlist costs no call: {:?}", emulator.call_counts());

    for name in [
        "malformed-not-an-s3-event.json",
        "malformed-record-without-key.json",
        "malformed-backfill-unknown-member.json",
    ] {
        let err = vod_source_ingest::handler(&state, invocation(IngestEvent::from(event(name)))).await.unwrap_err();
        assert!(err.to_string().contains("unrecognised event"), "{name}: {err}");
    }
    let err = vod_source_ingest::handler(
        &state,
        invocation(IngestEvent::from(event("malformed-backfill-unknown-member.json"))),
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("unknown field `StartAfer`"), "{err}");
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
                "ListObjectsV2".into(),
            ],
            seed: 5,
            ..Default::default()
        })
        .unwrap();
    run(&state, event("s3-put-hls-manifest.json")).await;
    run(&state, event("eventbridge-object-created-dash.json")).await;
    assert_eq!(packages(&state, BBB).await, both_packages());

    // Throttled for good: the SQS message is redelivered, nothing half-done is left behind.
    emulator
        .set_faults(FaultConfig {
            throttle_rate: 1.0,
            operations: vec!["CreateVodSource".into()],
            ..Default::default()
        })
        .unwrap();
    let response = run(&state, event("sqs-batch.json")).await;
    let retried: Vec<&str> = response["batchItemFailures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["itemIdentifier"].as_str().unwrap())
        .collect();
    assert!(retried.contains(&"00000003-1111-4222-8333-444444444444"), "{response}");
    assert!(!retried.contains(&"00000002-1111-4222-8333-444444444444"), "the segment is never retried: {response}");
    assert_eq!(sources(&state).await.len(), 1, "sintel was not created");
    emulator.stop().await;
}
