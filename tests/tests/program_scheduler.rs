//! program-scheduler against mediatailor-local: the schedule it reads, the programs it appends,
//! and the manifests it reads through mediatailor-local's S3 over the sample media.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::time::Duration;

use aws_lambda_events::event::eventbridge::EventBridgeEvent;
use aws_sdk_mediatailor::types::{
    DashPlaylistSettings, HlsPlaylistSettings, HttpPackageConfiguration, PlaybackMode, RelativePosition,
    RequestOutputItem, ScheduleConfiguration, SlateSource, Transition, Type,
};
use chrono::{DateTime, Utc};
use mediatailor_local::{Emulator, FaultConfig};
use program_scheduler::planning::{BOUNDARY_TOLERANCE_MS, PlanOutcome};
use program_scheduler::settings::Settings;
use program_scheduler::{ScheduleError, State, Summary};
use tailorflow_integration_tests::{create_sample_source_location, emulator, invocation};
use tailorflow_shared::{ClientSettings, EnvReader};

const CHANNEL: &str = "news";
const LOCATION: &str = "media";
/// big-buck-bunny's HLS and DASH segments: 19 × 6.006 s then 4.004 s.
const BBB_SEGMENT_MS: u64 = 6_006;

fn load_event(name: &str) -> EventBridgeEvent<serde_json::Value> {
    let path = format!("{}/../events/program-scheduler/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// A sample event, at `time` (mediatailor-local schedules a stopped channel from the clock).
fn event_at(name: &str, time: DateTime<Utc>) -> EventBridgeEvent<serde_json::Value> {
    let mut event = load_event(name);
    event.time = Some(time);
    event
}

async fn state(emulator: &Emulator, extra: &[(&str, &str)], max_attempts: u32) -> State {
    let mut vars = vec![
        ("CHANNEL_NAME", CHANNEL),
        ("SOURCE_LOCATION_NAME", LOCATION),
        ("HORIZON_MINUTES", "10"),
        ("MAX_PROGRAMS_PER_RUN", "20"),
        ("AD_BREAK_EVERY_SECONDS", "60"),
        ("SLATE_VOD_SOURCE_NAME", "slate-30s"),
        // The rate limit has its own unit test; here it would only make the tests slow.
        ("MAX_REQUESTS_PER_SECOND", "100"),
    ];
    vars.extend_from_slice(extra);
    let settings = Settings::read(EnvReader::from_pairs(vars)).unwrap();
    let client_settings =
        ClientSettings { max_attempts, initial_backoff: Duration::from_millis(5), ..ClientSettings::default() };
    State::new(tailorflow_shared::AwsClients::for_emulator(&emulator.sdk_config().await, &client_settings), settings)
}

fn hls(path: &str) -> HttpPackageConfiguration {
    HttpPackageConfiguration::builder().path(path).source_group("hls").r#type(Type::Hls).build().unwrap()
}

fn dash(path: &str) -> HttpPackageConfiguration {
    HttpPackageConfiguration::builder().path(path).source_group("dash").r#type(Type::Dash).build().unwrap()
}

/// The source location over the sample bucket (read through S3), its VOD sources, a stopped
/// LINEAR channel (the slate as its filler) playing `groups`.
async fn media(emulator: &Emulator, groups: &[&str]) {
    media_in_mode(emulator, groups, PlaybackMode::Linear).await;
}

/// As [`media`], with a channel in `mode`.
async fn media_in_mode(emulator: &Emulator, groups: &[&str], mode: PlaybackMode) {
    let mt = aws_sdk_mediatailor::Client::new(&emulator.sdk_config().await);
    create_sample_source_location(&mt, LOCATION).await;
    let sources = [
        (
            "big-buck-bunny",
            vec![hls("packages/big-buck-bunny/hls/index.m3u8"), dash("packages/big-buck-bunny/dash/manifest.mpd")],
            Some(("genre", "animation")),
        ),
        ("sintel", vec![hls("packages/sintel/hls/index.m3u8")], Some(("genre", "fantasy"))),
        ("slate-30s", vec![hls("slates/slate-30s/hls/index.m3u8")], None),
    ];
    for (name, packages, tag) in sources {
        let mut request = mt
            .create_vod_source()
            .source_location_name(LOCATION)
            .vod_source_name(name)
            .set_http_package_configurations(Some(packages));
        if let Some((key, value)) = tag {
            request = request.tags(key, value);
        }
        request.send().await.unwrap();
    }
    create_channel(&mt, CHANNEL, groups, mode, &[]).await;
}

/// A stopped channel playing `groups`, with `tags`; a LINEAR one fills gaps with the slate.
async fn create_channel(
    mt: &aws_sdk_mediatailor::Client,
    name: &str,
    groups: &[&str],
    mode: PlaybackMode,
    tags: &[(&str, &str)],
) {
    let mut channel = mt.create_channel().channel_name(name).playback_mode(mode.clone());
    if mode == PlaybackMode::Linear {
        channel = channel
            .filler_slate(SlateSource::builder().source_location_name(LOCATION).vod_source_name("slate-30s").build());
    }
    for (key, value) in tags {
        channel = channel.tags(*key, *value);
    }
    for group in groups {
        channel = channel.outputs(
            RequestOutputItem::builder()
                .manifest_name(format!("index-{group}"))
                .source_group(*group)
                .set_hls_playlist_settings(
                    (*group != "dash").then(|| HlsPlaylistSettings::builder().manifest_window_seconds(60).build()),
                )
                .set_dash_playlist_settings(
                    (*group == "dash").then(|| DashPlaylistSettings::builder().manifest_window_seconds(60).build()),
                )
                .build()
                .unwrap(),
        );
    }
    channel.send().await.unwrap();
}

async fn add_vod_source(emulator: &Emulator, name: &str, path: &str) {
    let mt = aws_sdk_mediatailor::Client::new(&emulator.sdk_config().await);
    mt.create_vod_source()
        .source_location_name(LOCATION)
        .vod_source_name(name)
        .http_package_configurations(hls(path))
        .send()
        .await
        .unwrap();
}

/// (program, VOD source, start, duration seconds, ad break starts) of the channel's schedule.
type Entry = (String, String, i64, i64, Vec<i64>);

async fn schedule(emulator: &Emulator) -> Vec<Entry> {
    let mt = aws_sdk_mediatailor::Client::new(&emulator.sdk_config().await);
    let out = mt.get_channel_schedule().channel_name(CHANNEL).send().await.unwrap();
    out.items()
        .iter()
        .map(|e| {
            (
                e.program_name().to_owned(),
                e.vod_source_name().unwrap_or_default().to_owned(),
                e.approximate_start_time().map(|t| t.secs()).unwrap_or_default(),
                e.approximate_duration_seconds().unwrap_or_default(),
                e.schedule_ad_breaks()
                    .iter()
                    .map(|b| b.approximate_start_time().map(|t| t.secs()).unwrap_or_default())
                    .collect(),
            )
        })
        .collect()
}

fn names(entries: &[Entry]) -> Vec<String> {
    entries.iter().map(|e| e.0.clone()).collect()
}

async fn run(state: &State, event: EventBridgeEvent<serde_json::Value>) -> Result<Summary, ScheduleError> {
    program_scheduler::handler(state, invocation(event)).await.map(|r| r.into_channel().expect("one channel's summary"))
}

/// Invokes as Lambda does for an asynchronous event: the first try and up to `retries` more.
async fn run_with_retries(state: &State, event: &EventBridgeEvent<serde_json::Value>, retries: usize) -> Summary {
    let mut last = None;
    for _ in 0..=retries {
        match run(state, event.clone()).await {
            Ok(summary) => return summary,
            Err(err) => last = Some(err),
        }
    }
    panic!("still failing after {retries} retries: {last:?}");
}

#[tokio::test]
async fn fills_an_empty_channel_up_to_the_horizon_with_aligned_breaks() {
    let emulator = emulator().await;
    media(&emulator, &["hls"]).await;
    let state = state(&emulator, &[], 3).await;
    let now = DateTime::from_timestamp_millis(Utc::now().timestamp_millis()).unwrap();
    let summary = run(&state, event_at("scheduled.json", now)).await.unwrap();

    assert_eq!(summary.outcome, PlanOutcome::Covered);
    assert!(summary.scheduled_until_before.is_none(), "the channel was empty");
    assert!(summary.scheduled_until >= summary.horizon_end, "{summary:?}");
    assert_eq!(summary.horizon_end, now + chrono::Duration::minutes(10));
    // Round-robin in name order; the slate fills breaks and is never a program of its own.
    let sources: Vec<&str> = summary.programs.iter().map(|p| p.vod_source_name.as_str()).collect();
    assert_eq!(&sources[..4], ["big-buck-bunny", "sintel", "big-buck-bunny", "sintel"]);
    assert!(!sources.contains(&"slate-30s"));
    // RELATIVE chain: the first with no RelativeProgram, each next after the one before.
    assert_eq!(summary.programs[0].after_program, None);
    for pair in summary.programs.windows(2) {
        assert_eq!(pair[1].after_program.as_deref(), Some(pair[0].program_name.as_str()));
        assert!(!pair[1].already_existed);
    }
    // big-buck-bunny: a break every 60 s moved onto its 6.006 s boundaries (60 s -> 60.06 s);
    // sintel (40 s) is too short for one.
    let bbb = &summary.programs[0];
    assert_eq!(bbb.ad_breaks.len(), 1);
    assert_eq!((bbb.ad_breaks[0].requested_offset_millis, bbb.ad_breaks[0].offset_millis), (60_000, 60_060));
    assert_eq!(bbb.ad_breaks[0].offset_millis % BBB_SEGMENT_MS, 0);
    assert!(bbb.unaligned_ad_breaks.is_empty());
    assert_eq!(bbb.duration_seconds, 118.118 + 30.0, "content plus one 30 s slate");
    assert!(summary.programs[1].ad_breaks.is_empty());

    // What MediaTailor now plays: the same programs in the same order, ending past the horizon.
    let entries = schedule(&emulator).await;
    assert_eq!(names(&entries), summary.programs.iter().map(|p| p.program_name.clone()).collect::<Vec<_>>());
    let last = entries.last().unwrap();
    assert!(last.2 + last.3 >= summary.horizon_end.timestamp(), "{entries:?}");
    // The break plays 60.06 s into the first program, with the slate's 30 s.
    assert_eq!(entries[0].4.len(), 1);
    assert!((entries[0].4[0] - entries[0].2 - 60).abs() <= 1, "{entries:?}");

    // The programs as MediaTailor stored them: SPLICE_INSERT with counted avails and the slate.
    let mt = &state.clients.mediatailor;
    let program = mt
        .describe_program()
        .channel_name(CHANNEL)
        .program_name(&summary.programs[0].program_name)
        .send()
        .await
        .unwrap();
    let ad_break = &program.ad_breaks()[0];
    assert_eq!(ad_break.message_type().map(|m| m.as_str()), Some("SPLICE_INSERT"));
    assert_eq!(ad_break.offset_millis(), 60_060);
    let splice = ad_break.splice_insert_message().unwrap();
    assert_eq!((splice.avail_num(), splice.avails_expected()), (Some(1), Some(1)));
    assert!(splice.splice_event_id().is_some_and(|id| id > 0));
    assert_eq!(ad_break.slate().and_then(|s| s.vod_source_name()), Some("slate-30s"));
    emulator.stop().await;
}

#[tokio::test]
async fn a_covered_horizon_reads_and_writes_nothing_more_and_a_retry_appends_nothing() {
    let emulator = emulator().await;
    media(&emulator, &["hls"]).await;
    let state = state(&emulator, &[], 3).await;
    let event = event_at("scheduled.json", Utc::now());
    let first = run(&state, event.clone()).await.unwrap();
    let before = schedule(&emulator).await;
    assert!(!before.is_empty());

    // The same event again (a retry, a duplicate delivery, a redrive; here in EventBridge
    // Scheduler's shape): only the reads.
    emulator.reset_call_counts();
    let mut again = event_at("scheduler-input.json", event.time.unwrap());
    again.detail = event.detail.clone();
    let again = run(&state, again).await.unwrap();
    assert_eq!(again.outcome, PlanOutcome::Covered);
    assert!(again.programs.is_empty(), "{again:?}");
    assert_eq!(again.horizon_end, first.horizon_end);
    // The reads: the channel, its schedule, and (retention) the first program's chain link.
    let calls: BTreeSet<String> = emulator.call_counts().into_keys().collect();
    assert_eq!(calls, BTreeSet::from(["DescribeChannel", "DescribeProgram", "GetChannelSchedule"].map(String::from)));
    assert_eq!(names(&schedule(&emulator).await), names(&before));
    // With retention off, only the two reads.
    emulator.reset_call_counts();
    let state = self::state(&emulator, &[("RETAIN_PLAYED_HOURS", "0")], 3).await;
    assert!(run(&state, event.clone()).await.unwrap().programs.is_empty());
    let calls: BTreeSet<String> = emulator.call_counts().into_keys().collect();
    assert_eq!(calls, BTreeSet::from(["DescribeChannel", "GetChannelSchedule"].map(String::from)));
    emulator.stop().await;
}

#[tokio::test]
async fn a_partly_filled_channel_is_extended_after_its_last_program() {
    let emulator = emulator().await;
    media(&emulator, &["hls"]).await;
    let mt = aws_sdk_mediatailor::Client::new(&emulator.sdk_config().await);
    mt.create_program()
        .channel_name(CHANNEL)
        .program_name("opening")
        .source_location_name(LOCATION)
        .vod_source_name("sintel")
        .schedule_configuration(
            ScheduleConfiguration::builder()
                .transition(
                    Transition::builder()
                        .r#type("RELATIVE")
                        .relative_position(RelativePosition::AfterProgram)
                        .build()
                        .unwrap(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    let state = state(&emulator, &[], 3).await;
    let summary = run(&state, event_at("scheduled.json", Utc::now())).await.unwrap();
    assert!(summary.scheduled_until_before.is_some());
    assert_eq!(summary.programs[0].after_program.as_deref(), Some("opening"));
    // The round-robin resumes after the last program's VOD source (sintel), wrapping around.
    assert_eq!(summary.programs[0].vod_source_name, "big-buck-bunny");
    assert_eq!(summary.programs[1].vod_source_name, "sintel");
    let entries = schedule(&emulator).await;
    assert_eq!(entries[0].0, "opening");
    assert_eq!(entries.len(), summary.programs.len() + 1);
    emulator.stop().await;
}

#[tokio::test]
async fn two_concurrent_runs_never_fork_the_chain() {
    // The reference: one run on its own.
    let reference = emulator().await;
    media(&reference, &["hls"]).await;
    let now = Utc::now();
    let alone = run(&state(&reference, &[], 3).await, event_at("scheduled.json", now)).await.unwrap();
    let expected = names(&schedule(&reference).await);
    reference.stop().await;

    let emulator = emulator().await;
    media(&emulator, &["hls"]).await;
    let state = state(&emulator, &[], 3).await;
    let (a, b) =
        tokio::join!(run(&state, event_at("scheduled.json", now)), run(&state, event_at("scheduled.json", now)));
    let (a, b) = (a.unwrap(), b.unwrap());
    let entries = schedule(&emulator).await;
    assert_eq!(names(&entries), expected, "one chain, the same as a single run's");
    assert_eq!(entries.len(), alone.programs.len());
    let unique: BTreeSet<&String> = entries.iter().map(|e| &e.0).collect();
    assert_eq!(unique.len(), entries.len(), "no program twice");
    // Whatever one run created, the other found already there.
    let created = a.programs.iter().chain(&b.programs).filter(|p| !p.already_existed).count();
    assert_eq!(created, entries.len());
    emulator.stop().await;
}

#[tokio::test]
async fn unreadable_manifests_are_skipped_with_their_reason() {
    let emulator = emulator().await;
    media(&emulator, &["hls"]).await;
    add_vod_source(&emulator, "a-unparsable", "packages/unparsable/hls/index.m3u8").await;
    add_vod_source(&emulator, "b-missing", "packages/missing/hls/index.m3u8").await;
    let state = state(&emulator, &[], 3).await;
    let summary = run(&state, event_at("scheduled.json", Utc::now())).await.unwrap();
    let skipped: Vec<(&str, &str)> =
        summary.skipped_vod_sources.iter().map(|s| (s.vod_source_name.as_str(), s.reason.as_str())).collect();
    assert_eq!(skipped.len(), 2, "{skipped:?}");
    assert_eq!(skipped[0].0, "a-unparsable");
    assert!(skipped[0].1.contains("packages/unparsable/hls/index.m3u8"), "{skipped:?}");
    assert_eq!(skipped[1].0, "b-missing");
    assert!(skipped[1].1.contains("NotFound") || skipped[1].1.contains("NoSuchKey"), "{skipped:?}");
    let sources: BTreeSet<&str> = summary.programs.iter().map(|p| p.vod_source_name.as_str()).collect();
    assert_eq!(sources, BTreeSet::from(["big-buck-bunny", "sintel"]));
    assert_eq!(summary.outcome, PlanOutcome::Covered);
    emulator.stop().await;
}

#[tokio::test]
async fn every_source_group_of_the_channel_must_fit_the_breaks() {
    // A channel with HLS and DASH outputs: sintel has no DASH package, so it cannot play there.
    let emulator = emulator().await;
    media(&emulator, &["hls", "dash"]).await;
    let state = state(&emulator, &[], 3).await;
    let summary = run(&state, event_at("scheduled.json", Utc::now())).await.unwrap();
    assert!(summary.programs.iter().all(|p| p.vod_source_name == "big-buck-bunny"), "{summary:?}");
    let reasons: Vec<&str> = summary.skipped_vod_sources.iter().map(|s| s.reason.as_str()).collect();
    assert_eq!(reasons, ["it has no package configuration for source group \"dash\""]);
    // big-buck-bunny's DASH segment timeline has the same boundaries as its HLS playlists.
    for program in &summary.programs {
        for ad_break in &program.ad_breaks {
            assert!(ad_break.offset_millis.abs_diff(60_060) <= BOUNDARY_TOLERANCE_MS);
        }
        assert!(program.unaligned_ad_breaks.is_empty());
    }
    emulator.stop().await;
}

#[tokio::test]
async fn the_event_detail_overrides_the_settings_and_a_tag_selects_the_pool() {
    let emulator = emulator().await;
    media(&emulator, &["hls"]).await;
    // No channel configured on the function: the event names everything.
    let state = state(&emulator, &[("CHANNEL_NAME", "other"), ("AD_BREAK_EVERY_SECONDS", "0")], 3).await;
    let summary = run(&state, event_at("scheduled-with-tag.json", Utc::now())).await.unwrap();
    assert_eq!(summary.channel_name, CHANNEL);
    assert!(summary.programs.iter().all(|p| p.vod_source_name == "big-buck-bunny"), "{summary:?}");
    // Explicit offsets 30 s and 90 s moved onto 6.006 s boundaries: 30.03 s and 90.09 s.
    let offsets: Vec<u64> = summary.programs[0].ad_breaks.iter().map(|b| b.offset_millis).collect();
    assert_eq!(offsets, [30_030, 90_090]);

    let emulator2 = tailorflow_integration_tests::emulator().await;
    media(&emulator2, &["hls"]).await;
    let state = self::state(&emulator2, &[], 3).await;
    let summary = run(&state, event_at("scheduled-with-detail.json", Utc::now())).await.unwrap();
    // A pre-roll at 0 and a break every 60 s, none in the last 10 s.
    let bbb = summary.programs.iter().find(|p| p.vod_source_name == "big-buck-bunny").unwrap();
    let offsets: Vec<u64> = bbb.ad_breaks.iter().map(|b| b.offset_millis).collect();
    assert_eq!(offsets, [0, 60_060]);
    let sintel = summary.programs.iter().find(|p| p.vod_source_name == "sintel").unwrap();
    assert_eq!(sintel.ad_breaks.iter().map(|b| b.offset_millis).collect::<Vec<_>>(), [0]);
    emulator.stop().await;
    emulator2.stop().await;
}

#[tokio::test]
async fn bad_events_are_refused_by_name_before_any_call() {
    let emulator = emulator().await;
    let state = state(&emulator, &[], 3).await;
    let cases = [
        ("malformed-missing-time.json", "\"time\""),
        ("malformed-unknown-detail-member.json", "unknown field `HorizonMinute`"),
        ("malformed-invalid-channel-name.json", "detail.ChannelName"),
        ("malformed-policy-out-of-range.json", "detail.AdBreakPolicy.EverySeconds: 90000 is out of range"),
        ("malformed-dry-run-not-a-boolean.json", "detail.DryRun"),
    ];
    for (file, expected) in cases {
        let err = run(&state, load_event(file)).await.unwrap_err();
        assert!(matches!(err, ScheduleError::InvalidEvent(_)), "{file}: {err:?}");
        assert!(err.to_string().contains(expected), "{file}: {err}");
    }
    assert!(emulator.call_counts().is_empty(), "a refused event must not reach MediaTailor");

    // A channel that does not exist is named, and nothing is created.
    let err = run(&state, event_at("scheduled.json", Utc::now())).await.unwrap_err();
    assert!(matches!(err, ScheduleError::ChannelNotFound(ref name) if name == CHANNEL), "{err:?}");
    assert!(!emulator.call_counts().contains_key("CreateProgram"));
    emulator.stop().await;
}

#[tokio::test]
async fn throttling_and_server_errors_end_in_the_fault_free_schedule() {
    let now = Utc::now();
    let reference = emulator().await;
    media(&reference, &["hls"]).await;
    reference.reset_call_counts();
    run(&state(&reference, &[], 3).await, event_at("scheduled.json", now)).await.unwrap();
    let expected = names(&schedule(&reference).await);
    let fault_free_calls: u64 = reference.call_counts().values().sum();
    reference.stop().await;

    let emulator = emulator().await;
    media(&emulator, &["hls"]).await;
    emulator.reset_call_counts();
    emulator
        .set_faults(FaultConfig { throttle_rate: 0.3, error_rate: 0.05, seed: 7, ..FaultConfig::default() })
        .unwrap();
    let state = state(&emulator, &[], 3).await;
    // Lambda retries an asynchronous invocation; each retry continues where the last stopped.
    run_with_retries(&state, &event_at("scheduled.json", now), 10).await;
    let faulted_calls: u64 = emulator.call_counts().values().sum();
    emulator.set_faults(FaultConfig::default()).unwrap();
    assert!(faulted_calls > fault_free_calls, "faults were injected and retried: {faulted_calls} calls");
    assert_eq!(names(&schedule(&emulator).await), expected);
    emulator.stop().await;
}

// ---- defects -------------------------------------------------------------------------------

/// An emulator over a copy of the sample media, which a test may add objects to.
async fn emulator_over_copy() -> (Emulator, tempfile::TempDir) {
    let media = tempfile::tempdir().unwrap();
    tailorflow_integration_tests::copy_dir(&mediatailor_local::sample_media_dir(), media.path());
    let emulator = emulator_at(media.path(), None).await;
    (emulator, media)
}

async fn emulator_at(media: &std::path::Path, state_file: Option<std::path::PathBuf>) -> Emulator {
    Emulator::start(mediatailor_local::EmulatorOptions {
        media_dir: media.to_path_buf(),
        state_file,
        ..Default::default()
    })
    .await
    .unwrap()
}

/// Writes `text` at `key` of the media copy's bucket.
fn put_object(media: &tempfile::TempDir, key: &str, text: &str) {
    let path = media.path().join("tailorflow-media").join(key);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// Copies the sample asset `from` (a folder under `packages/`) to `to` in the media copy.
fn copy_asset(media: &tempfile::TempDir, from: &str, to: &str) {
    let bucket = media.path().join("tailorflow-media/packages");
    tailorflow_integration_tests::copy_dir(&bucket.join(from), &bucket.join(to));
}

#[tokio::test]
async fn a_key_with_a_literal_percent_escape_is_decoded_exactly_once() {
    let (emulator, media_dir) = emulator_over_copy().await;
    media(&emulator, &["hls"]).await;
    // The key holds "%41" literally; no object "50A" exists. vod-source-ingest stores the key
    // it decoded as the Path; a Path written as a URL path encodes the '%'.
    copy_asset(&media_dir, "sintel", "50%41");
    add_vod_source(&emulator, "percent-key", "packages/50%41/hls/index.m3u8").await;
    add_vod_source(&emulator, "percent-url", "packages/50%2541/hls/index.m3u8").await;
    let state = state(&emulator, &[("VOD_SOURCE_NAMES", "percent-key,percent-url")], 3).await;
    let summary = run(&state, event_at("scheduled.json", Utc::now())).await.unwrap();
    assert!(summary.skipped_vod_sources.is_empty(), "{summary:?}");
    let sources: BTreeSet<&str> = summary.programs.iter().map(|p| p.vod_source_name.as_str()).collect();
    assert_eq!(sources, BTreeSet::from(["percent-key", "percent-url"]));
    assert!(summary.programs.iter().all(|p| p.duration_seconds == 40.0), "sintel's 40 s: {summary:?}");
    emulator.stop().await;
}

#[tokio::test]
async fn one_unreachable_vod_source_is_skipped_and_the_others_are_scheduled() {
    let (emulator, media_dir) = emulator_over_copy().await;
    media(&emulator, &["hls"]).await;
    // A variant on an origin that refuses connections: a port just closed.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    put_object(
        &media_dir,
        "packages/refused/hls/index.m3u8",
        &format!("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=800000\nhttp://127.0.0.1:{closed}/refused/720p/index.m3u8\n"),
    );
    add_vod_source(&emulator, "a-refused", "packages/refused/hls/index.m3u8").await;
    let state = state(&emulator, &[], 1).await;
    let summary = run(&state, event_at("scheduled.json", Utc::now())).await.unwrap();
    let skipped: Vec<(&str, &str)> =
        summary.skipped_vod_sources.iter().map(|s| (s.vod_source_name.as_str(), s.reason.as_str())).collect();
    assert_eq!(skipped.len(), 1, "{skipped:?}");
    assert_eq!(skipped[0].0, "a-refused");
    assert!(skipped[0].1.contains(&format!("127.0.0.1:{closed}")), "the reason names the URL: {skipped:?}");
    let sources: BTreeSet<&str> = summary.programs.iter().map(|p| p.vod_source_name.as_str()).collect();
    assert_eq!(sources, BTreeSet::from(["big-buck-bunny", "sintel"]));
    assert_eq!(summary.outcome, PlanOutcome::Covered);
    emulator.stop().await;
}

#[tokio::test]
async fn a_configured_source_group_is_the_reference_but_every_group_must_fit() {
    // HLS of 6.006 s segments (big-buck-bunny's), DASH of 4 s segments.
    let (emulator, media_dir) = emulator_over_copy().await;
    copy_asset(&media_dir, "big-buck-bunny/hls", "mixed/hls");
    put_object(
        &media_dir,
        "packages/mixed/dash/manifest.mpd",
        r#"<?xml version="1.0" encoding="UTF-8"?>
<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static" mediaPresentationDuration="PT120.000S" minBufferTime="PT2S">
  <Period id="0" start="PT0S">
    <AdaptationSet id="1" contentType="video" mimeType="video/mp4" segmentAlignment="true">
      <SegmentTemplate timescale="1000" media="video/segment_$Time$.m4s">
        <SegmentTimeline><S t="0" d="4000" r="29"/></SegmentTimeline>
      </SegmentTemplate>
      <Representation id="720p" bandwidth="1800000" width="1280" height="720" codecs="avc1.4d401f"/>
    </AdaptationSet>
  </Period>
</MPD>
"#,
    );
    media(&emulator, &["hls", "dash"]).await;
    let mt = aws_sdk_mediatailor::Client::new(&emulator.sdk_config().await);
    mt.create_vod_source()
        .source_location_name(LOCATION)
        .vod_source_name("mixed")
        .http_package_configurations(hls("packages/mixed/hls/index.m3u8"))
        .http_package_configurations(dash("packages/mixed/dash/manifest.mpd"))
        .send()
        .await
        .unwrap();
    let state = state(&emulator, &[("SOURCE_GROUP", "hls"), ("AD_BREAK_EVERY_SECONDS", "0")], 3).await;
    let mut event = event_at("scheduled.json", Utc::now());
    event.detail =
        serde_json::json!({ "VodSourceNames": ["mixed"], "AdBreakPolicy": { "OffsetsMillis": [30000, 90000] } });
    let summary = run(&state, event).await.unwrap();
    let program = &summary.programs[0];
    assert!(program.ad_breaks.is_empty(), "30.03 s and 90.09 s are about 2 s off a DASH boundary: {program:?}");
    let reasons: Vec<&str> = program.unaligned_ad_breaks.iter().map(|b| b.reason.as_str()).collect();
    assert_eq!(reasons.len(), 2, "{program:?}");
    assert!(reasons.iter().all(|r| r.contains("\"dash\" has no segment boundary within 100 ms")), "{reasons:?}");
    // The reference is still the configured group: its boundaries are what was tried.
    assert!(reasons[0].contains("of 30030 ms"), "{reasons:?}");
    let mt_program =
        mt.describe_program().channel_name(CHANNEL).program_name(&program.program_name).send().await.unwrap();
    assert!(mt_program.ad_breaks().is_empty(), "no break MediaTailor would skip");
    emulator.stop().await;
}

#[tokio::test]
async fn a_loop_channel_holds_each_pool_member_once_and_never_grows_beyond_the_pool() {
    let emulator = emulator().await;
    media_in_mode(&emulator, &["hls"], PlaybackMode::Loop).await;
    let state = state(&emulator, &[("HORIZON_MINUTES", "600")], 3).await;
    let summary = run(&state, event_at("scheduled.json", Utc::now())).await.unwrap();
    assert_eq!(summary.playback_mode, "LOOP");
    assert_eq!(summary.outcome, PlanOutcome::LoopComplete);
    let sources: Vec<&str> = summary.programs.iter().map(|p| p.vod_source_name.as_str()).collect();
    assert_eq!(sources, ["big-buck-bunny", "sintel"], "the pool once, however long the horizon");
    assert!(summary.action.starts_with("LOOP: appended 2"), "{}", summary.action);
    let before = names(&schedule(&emulator).await);
    assert_eq!(before.len(), 2);

    // Later runs, as the loop plays on: nothing more.
    for minutes in [5, 60, 600] {
        let later = run(&state, event_at("scheduled.json", Utc::now() + chrono::Duration::minutes(minutes))).await;
        let later = later.unwrap();
        assert!(later.programs.is_empty(), "{later:?}");
        assert!(later.action.contains("already holds every pool member"), "{}", later.action);
    }
    assert_eq!(names(&schedule(&emulator).await), before);

    // A new pool member joins the loop once, after its last program.
    add_vod_source(&emulator, "trailer", "packages/sintel/hls/index.m3u8").await;
    let (a, b) = tokio::join!(
        run(&state, event_at("scheduled.json", Utc::now())),
        run(&state, event_at("scheduled.json", Utc::now()))
    );
    let created =
        [a.unwrap(), b.unwrap()].iter().flat_map(|s| s.programs.clone()).filter(|p| !p.already_existed).count();
    assert_eq!(created, 1, "concurrent runs add the member once");
    let after = schedule(&emulator).await;
    assert_eq!(after.len(), 3);
    assert_eq!(after[2].1, "trailer");
    emulator.stop().await;
}

#[tokio::test]
async fn a_dry_run_plans_and_reports_and_writes_nothing() {
    let emulator = emulator().await;
    media(&emulator, &["hls"]).await;
    let planned: Vec<String> = {
        // The plan a real run makes, on a copy of the world.
        let reference = tailorflow_integration_tests::emulator().await;
        media(&reference, &["hls"]).await;
        let summary = run(&state(&reference, &[], 3).await, event_at("scheduled.json", Utc::now())).await.unwrap();
        reference.stop().await;
        summary.programs.into_iter().map(|p| p.program_name).collect()
    };
    for (extra, detail) in
        [(vec![("DRY_RUN", "true")], serde_json::json!({})), (vec![], load_event("dry-run.json").detail)]
    {
        emulator.reset_call_counts();
        let state = state(&emulator, &extra, 3).await;
        let mut event = event_at("scheduled.json", Utc::now());
        event.detail = detail;
        let summary = run(&state, event).await.unwrap();
        assert!(summary.dry_run);
        assert!(summary.action.contains("would append"), "{}", summary.action);
        assert_eq!(summary.programs.iter().map(|p| p.program_name.clone()).collect::<Vec<_>>(), planned);
        let calls = emulator.call_counts();
        assert!(!calls.contains_key("CreateProgram") && !calls.contains_key("DeleteProgram"), "{calls:?}");
        assert!(schedule(&emulator).await.is_empty(), "nothing written");
    }
    emulator.stop().await;
}

/// A managed-mode state: no CHANNEL_NAME, the rest as [`state`].
async fn managed_state(emulator: &Emulator, extra: &[(&str, &str)]) -> State {
    let mut vars = vec![
        ("SOURCE_LOCATION_NAME", LOCATION),
        ("HORIZON_MINUTES", "10"),
        ("MAX_PROGRAMS_PER_RUN", "20"),
        ("AD_BREAK_EVERY_SECONDS", "60"),
        ("SLATE_VOD_SOURCE_NAME", "slate-30s"),
        ("MAX_REQUESTS_PER_SECOND", "100"),
    ];
    vars.extend_from_slice(extra);
    let settings = Settings::read(EnvReader::from_pairs(vars)).unwrap();
    State::new(
        tailorflow_shared::AwsClients::for_emulator(
            &emulator.sdk_config().await,
            &tailorflow_integration_tests::fast_client_settings(1),
        ),
        settings,
    )
}

async fn managed_run(state: &State, time: DateTime<Utc>) -> Result<program_scheduler::ManagedSummary, ScheduleError> {
    program_scheduler::handler(state, invocation(event_at("managed.json", time)))
        .await
        .map(|r| r.into_managed().expect("managed mode's summary"))
}

#[tokio::test]
async fn managed_mode_schedules_every_managed_channel_and_reports_the_broken_one() {
    let emulator = emulator().await;
    media(&emulator, &["hls"]).await;
    let mt = aws_sdk_mediatailor::Client::new(&emulator.sdk_config().await);
    let managed = ("tailorflow:managed", "true");
    create_channel(&mt, "linear-1", &["hls"], PlaybackMode::Linear, &[managed]).await;
    create_channel(
        &mt,
        "linear-2",
        &["hls"],
        PlaybackMode::Linear,
        &[
            managed,
            ("tailorflow:pool-tag", "genre=animation"),
            ("tailorflow:horizon-minutes", "5"),
            ("tailorflow:ad-break-every-seconds", "0"),
        ],
    )
    .await;
    create_channel(&mt, "loop-1", &["hls"], PlaybackMode::Loop, &[managed]).await;
    create_channel(&mt, "broken", &["hls"], PlaybackMode::Linear, &[managed, ("tailorflow:horizon-minutes", "soon")])
        .await;
    create_channel(
        &mt,
        "elsewhere",
        &["hls"],
        PlaybackMode::Linear,
        &[managed, ("tailorflow:source-location", "gone")],
    )
    .await;
    create_channel(&mt, "unmanaged", &["hls"], PlaybackMode::Linear, &[("tailorflow:managed", "false")]).await;
    let state = managed_state(&emulator, &[]).await;
    let now = DateTime::from_timestamp_millis(Utc::now().timestamp_millis()).unwrap();
    let summary = managed_run(&state, now).await.unwrap();

    // Every channel listed; the managed ones by name; "news" and "unmanaged" left alone.
    assert_eq!(summary.channels_listed, 7);
    let names: Vec<&str> = summary.channels.iter().map(|c| c.channel_name.as_str()).collect();
    assert_eq!(names, ["broken", "elsewhere", "linear-1", "linear-2", "loop-1"]);
    assert_eq!((summary.scheduled, summary.failed), (3, 2));
    let by_name = |name: &str| summary.channels.iter().find(|c| c.channel_name == name).unwrap();
    let broken = by_name("broken").error.clone().unwrap();
    assert!(broken.message.contains("tailorflow:horizon-minutes"), "{broken:?}");
    assert!(!broken.retryable);
    let elsewhere = by_name("elsewhere").error.clone().unwrap();
    assert!(elsewhere.message.contains("gone"), "{elsewhere:?}");
    assert!(!elsewhere.retryable);
    let linear = by_name("linear-1").summary.clone().unwrap();
    assert_eq!((linear.playback_mode.as_str(), &linear.outcome), ("LINEAR", &PlanOutcome::Covered));
    assert!(linear.programs.len() >= 4, "{linear:?}");
    // linear-2's tags: only big-buck-bunny, five minutes, no breaks.
    let tagged = by_name("linear-2").summary.clone().unwrap();
    assert!(tagged.programs.iter().all(|p| p.vod_source_name == "big-buck-bunny" && p.ad_breaks.is_empty()));
    assert_eq!(tagged.horizon_end, now + chrono::Duration::minutes(5));
    let looped = by_name("loop-1").summary.clone().unwrap();
    assert_eq!(looped.programs.len(), 2);
    assert!(
        mt.get_channel_schedule().channel_name("unmanaged").send().await.unwrap().items().is_empty(),
        "an unmanaged channel is not touched"
    );
    assert!(schedule(&emulator).await.is_empty(), "nor is an untagged one");

    // The next run finds the managed channels covered, writes nothing, and still reports.
    emulator.reset_call_counts();
    let again = managed_run(&state, now).await.unwrap();
    assert!(again.channels.iter().filter_map(|c| c.summary.as_ref()).all(|s| s.programs.is_empty()));
    assert!(!emulator.call_counts().contains_key("CreateProgram"));
    emulator.stop().await;
}

#[tokio::test]
async fn managed_mode_fails_the_invocation_only_for_a_retryable_failure_and_the_retry_redoes_nothing() {
    let emulator = emulator().await;
    media(&emulator, &["hls"]).await;
    let mt = aws_sdk_mediatailor::Client::new(&emulator.sdk_config().await);
    for name in ["a", "b", "c"] {
        create_channel(&mt, name, &["hls"], PlaybackMode::Linear, &[("tailorflow:managed", "true")]).await;
    }
    let state = managed_state(&emulator, &[]).await;
    let now = Utc::now();
    // CreateProgram fails with 5xx from its 7th call on: some channels finish, some do not.
    emulator
        .set_faults(FaultConfig {
            fail_after: Some(6),
            operations: vec!["CreateProgram".into()],
            ..FaultConfig::default()
        })
        .unwrap();
    let err = managed_run(&state, now).await.unwrap_err();
    assert!(matches!(err, ScheduleError::ChannelsFailed { .. }), "{err:?}");
    assert!(err.is_retryable());
    emulator.set_faults(FaultConfig::default()).unwrap();
    let done = managed_run(&state, now).await.unwrap();
    assert_eq!((done.scheduled, done.failed), (3, 0));
    // Each channel ends with one chain, none twice, as one clean run makes it.
    for name in ["a", "b", "c"] {
        let items = mt.get_channel_schedule().channel_name(name).send().await.unwrap();
        let programs: Vec<&str> = items.items().iter().map(|e| e.program_name()).collect();
        assert_eq!(programs.iter().collect::<BTreeSet<_>>().len(), programs.len(), "{name}: {programs:?}");
        assert!(programs.len() >= 4, "{name}: {programs:?}");
    }
    emulator.stop().await;
}

#[tokio::test]
async fn retention_deletes_programs_played_long_ago_but_never_the_last_of_the_chain() {
    let media_dir = tempfile::tempdir().unwrap();
    tailorflow_integration_tests::copy_dir(&mediatailor_local::sample_media_dir(), media_dir.path());
    let state_dir = tempfile::tempdir().unwrap();
    let state_file = state_dir.path().join("state.json");
    let first = emulator_at(media_dir.path(), Some(state_file.clone())).await;
    media(&first, &["hls"]).await;
    let filled = run(&state(&first, &[], 3).await, event_at("scheduled.json", Utc::now())).await.unwrap();
    let chain: Vec<String> = filled.programs.iter().map(|p| p.program_name.clone()).collect();
    assert!(chain.len() >= 4);
    let mt = aws_sdk_mediatailor::Client::new(&first.sdk_config().await);
    mt.start_channel().channel_name(CHANNEL).send().await.unwrap();
    first.stop().await;

    // Three hours later: the channel has played its whole chain, then filler.
    let mut saved: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&state_file).unwrap()).unwrap();
    let started = saved["channels"][CHANNEL]["started_at"].as_f64().unwrap();
    saved["channels"][CHANNEL]["started_at"] = serde_json::json!(started - 3.0 * 3600.0);
    std::fs::write(&state_file, serde_json::to_string(&saved).unwrap()).unwrap();
    let emulator = emulator_at(media_dir.path(), Some(state_file)).await;
    let state = state(&emulator, &[("RETAIN_PLAYED_HOURS", "1")], 3).await;
    let now = Utc::now();
    let summary = run(&state, event_at("scheduled.json", now)).await.unwrap();

    // Every played program but the chain's last is deleted; the chain goes on after the last.
    let deleted: Vec<String> = summary.deleted_programs.iter().map(|p| p.program_name.clone()).collect();
    assert_eq!(deleted, chain[..chain.len() - 1], "{summary:?}");
    assert!(summary.action.contains(&format!("deleted {} played program(s)", chain.len() - 1)), "{}", summary.action);
    let last = chain.last().unwrap();
    assert_eq!(summary.programs[0].after_program.as_deref(), Some(last.as_str()));
    assert!(summary.scheduled_until >= summary.horizon_end, "{summary:?}");
    let mt = aws_sdk_mediatailor::Client::new(&emulator.sdk_config().await);
    assert!(mt.describe_program().channel_name(CHANNEL).program_name(last).send().await.is_ok());
    for name in &deleted {
        assert!(mt.describe_program().channel_name(CHANNEL).program_name(name).send().await.is_err(), "{name}");
    }
    // What plays now: the new programs, from about the event's time.
    let entries = mt.get_channel_schedule().channel_name(CHANNEL).send().await.unwrap();
    let first_entry = entries.items().iter().find(|e| e.program_name() == summary.programs[0].program_name).unwrap();
    let start = first_entry.approximate_start_time().unwrap().secs();
    assert!((start - now.timestamp()).abs() <= 2, "starts at the event's time: {start} vs {}", now.timestamp());

    // A retry deletes nothing more and keeps the chain's last program.
    let again = run(&state, event_at("scheduled.json", now)).await.unwrap();
    assert!(again.deleted_programs.is_empty(), "{again:?}");
    assert!(again.programs.is_empty(), "{again:?}");
    emulator.stop().await;
}
