//! program-scheduler against mediatailor-local: the schedule it reads, the programs it appends,
//! and the manifests it reads through mediatailor-local's S3 over the sample media.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::time::Duration;

use aws_lambda_events::event::eventbridge::EventBridgeEvent;
use aws_sdk_mediatailor::types::{
    HlsPlaylistSettings, HttpPackageConfiguration, PlaybackMode, RelativePosition, RequestOutputItem,
    ScheduleConfiguration, Transition, Type,
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
/// channel playing `groups`.
async fn media(emulator: &Emulator, groups: &[&str]) {
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
    let mut channel = mt.create_channel().channel_name(CHANNEL).playback_mode(PlaybackMode::Loop);
    for group in groups {
        channel = channel.outputs(
            RequestOutputItem::builder()
                .manifest_name(format!("index-{group}"))
                .source_group(*group)
                .hls_playlist_settings(HlsPlaylistSettings::builder().manifest_window_seconds(60).build())
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
    program_scheduler::handler(state, invocation(event)).await
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
    again.detail = event.detail;
    let again = run(&state, again).await.unwrap();
    assert_eq!(again.outcome, PlanOutcome::Covered);
    assert!(again.programs.is_empty(), "{again:?}");
    assert_eq!(again.horizon_end, first.horizon_end);
    let calls: BTreeSet<String> = emulator.call_counts().into_keys().collect();
    assert_eq!(calls, BTreeSet::from(["DescribeChannel".to_owned(), "GetChannelSchedule".to_owned()]));
    assert_eq!(names(&schedule(&emulator).await), names(&before));
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
