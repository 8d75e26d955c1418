//! Today's channel assembly, through the real `aws-sdk-mediatailor` client: LINEAR channels and
//! Tiers, ABSOLUTE transitions (gaps as FILLER_SLATE, truncation on a common segment boundary),
//! UpdateProgram, live sources, prefetch schedules, log configuration, monetization functions,
//! request ids and persistence of the new resources, each rule at and past its bounds.
//!
//! The media is written here (manifests only, with known segment lengths), so the schedule
//! expectations do not depend on the sample media.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fmt::Debug;
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_sdk_mediatailor::Client;
use aws_sdk_mediatailor::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_mediatailor::operation::RequestId;
use aws_sdk_mediatailor::types::{
    AdMarkupType, AlternateMedia, AudienceMedia, ClipRange, HlsPlaylistSettings, HttpConfiguration,
    HttpPackageConfiguration, LogType, PlaybackMode, RelativePosition, RequestOutputItem, ScheduleConfiguration,
    ScheduleEntry, ScheduleEntryType, SlateSource, Tier, TimeShiftConfiguration, Transition, Type,
    UpdateProgramScheduleConfiguration, UpdateProgramTransition,
};
use mediatailor_local::{Emulator, EmulatorOptions};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

// ---- fixtures ------------------------------------------------------------------------------

/// A multivariant playlist over two renditions of `seconds` of content: one in 4 s segments,
/// one in 2 s segments, so the boundaries they share are the multiples of 4 s.
fn write_package(dir: &Path, name: &str, seconds: u32) {
    let base = dir.join("media").join(name).join("hls");
    for (rendition, segment) in [("a", 4), ("b", 2)] {
        std::fs::create_dir_all(base.join(rendition)).unwrap();
        let mut playlist =
            format!("#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:{segment}\n#EXT-X-PLAYLIST-TYPE:VOD\n");
        for i in 0..seconds / segment {
            playlist.push_str(&format!("#EXTINF:{segment}.000,\nseg{i}.ts\n"));
        }
        playlist.push_str("#EXT-X-ENDLIST\n");
        std::fs::write(base.join(rendition).join("index.m3u8"), playlist).unwrap();
    }
    let multivariant = "#EXTM3U\n\
        #EXT-X-STREAM-INF:BANDWIDTH=2000000,RESOLUTION=1280x720,CODECS=\"avc1.4d401f,mp4a.40.2\"\na/index.m3u8\n\
        #EXT-X-STREAM-INF:BANDWIDTH=2000000,RESOLUTION=1280x720,CODECS=\"avc1.4d401f,mp4a.40.2\"\nb/index.m3u8\n";
    std::fs::write(base.join("index.m3u8"), multivariant).unwrap();
}

struct Fixture {
    _dir: tempfile::TempDir,
    emulator: Emulator,
    mt: Client,
}

/// An emulator over a media folder with `show` (40 s), `long` (100 s) and `filler` (12 s), and a
/// source location `media` holding them as VOD sources.
async fn fixture() -> Fixture {
    fixture_with_state(None).await
}

async fn fixture_with_state(state: Option<&Path>) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    for (name, seconds) in [("show", 40), ("long", 100), ("filler", 12)] {
        write_package(dir.path(), name, seconds);
    }
    let options = EmulatorOptions {
        media_dir: dir.path().to_path_buf(),
        state_file: state.map(Path::to_path_buf),
        ..Default::default()
    };
    let emulator = Emulator::start(options).await.unwrap();
    let mt = Client::new(&emulator.sdk_config().await);
    let base_url = format!("{}/origin/media/", emulator.base_url());
    let location = mt.create_source_location().source_location_name("media");
    let http = HttpConfiguration::builder().base_url(base_url).build().unwrap();
    if location.http_configuration(http).send().await.is_ok() {
        for name in ["show", "long", "filler"] {
            mt.create_vod_source()
                .source_location_name("media")
                .vod_source_name(name)
                .http_package_configurations(package(&format!("{name}/hls/index.m3u8")))
                .send()
                .await
                .unwrap();
        }
    }
    Fixture { _dir: dir, emulator, mt }
}

fn package(path: &str) -> HttpPackageConfiguration {
    HttpPackageConfiguration::builder().path(path).source_group("hls").r#type(Type::Hls).build().unwrap()
}

fn output() -> RequestOutputItem {
    RequestOutputItem::builder()
        .manifest_name("index")
        .source_group("hls")
        .hls_playlist_settings(HlsPlaylistSettings::builder().build())
        .build()
        .unwrap()
}

fn filler() -> SlateSource {
    SlateSource::builder().source_location_name("media").vod_source_name("filler").build()
}

async fn linear_channel(mt: &Client, name: &str, tier: Tier) {
    mt.create_channel()
        .channel_name(name)
        .outputs(output())
        .playback_mode(PlaybackMode::Linear)
        .tier(tier)
        .filler_slate(filler())
        .send()
        .await
        .unwrap();
}

fn relative() -> ScheduleConfiguration {
    let transition =
        Transition::builder().r#type("RELATIVE").relative_position(RelativePosition::AfterProgram).build().unwrap();
    ScheduleConfiguration::builder().transition(transition).build()
}

fn absolute(at_ms: i64, after: Option<&str>) -> ScheduleConfiguration {
    let transition = Transition::builder()
        .r#type("ABSOLUTE")
        .relative_position(RelativePosition::AfterProgram)
        .set_relative_program(after.map(str::to_owned))
        .scheduled_start_time_millis(at_ms)
        .build()
        .unwrap();
    ScheduleConfiguration::builder().transition(transition).build()
}

async fn program(mt: &Client, channel: &str, name: &str, vod: &str, schedule: ScheduleConfiguration) {
    mt.create_program()
        .channel_name(channel)
        .program_name(name)
        .source_location_name("media")
        .vod_source_name(vod)
        .schedule_configuration(schedule)
        .send()
        .await
        .unwrap();
}

/// When the channel started (StartChannel sets LastModifiedTime), epoch milliseconds.
async fn started_ms(mt: &Client, channel: &str) -> i64 {
    let described = mt.describe_channel().channel_name(channel).send().await.unwrap();
    millis(described.last_modified_time().unwrap())
}

fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as i64
}

/// A call that must fail: its status, error code and message.
#[derive(Debug)]
struct Failure {
    status: Option<u16>,
    code: Option<String>,
    message: String,
    request_id: Option<String>,
}

fn failure<T: Debug, E: ProvideErrorMetadata + std::error::Error + 'static>(result: Result<T, SdkError<E>>) -> Failure {
    let err = match result {
        Ok(output) => panic!("the call should have failed, got {output:?}"),
        Err(err) => err,
    };
    let request_id = err.raw_response().and_then(|r| r.headers().get("x-amzn-RequestId")).map(str::to_owned);
    Failure {
        status: err.raw_response().map(|r| r.status().as_u16()),
        code: err.code().map(str::to_owned),
        message: err.message().unwrap_or_default().to_owned(),
        request_id,
    }
}

/// A 400 BadRequestException naming `member`.
#[track_caller]
fn assert_invalid(err: &Failure, member: &str) {
    assert_eq!(err.status, Some(400), "{err:?}");
    assert_eq!(err.code.as_deref(), Some("BadRequestException"), "{err:?}");
    assert!(err.message.contains(member), "the message should name {member}: {err:?}");
}

#[track_caller]
fn assert_not_found(err: &Failure) {
    assert_eq!(err.status, Some(404), "{err:?}");
    assert_eq!(err.code.as_deref(), Some("NotFoundException"), "{err:?}");
}

async fn schedule_of(mt: &Client, channel: &str, minutes: Option<&str>) -> Vec<ScheduleEntry> {
    let mut request = mt.get_channel_schedule().channel_name(channel);
    if let Some(minutes) = minutes {
        request = request.duration_minutes(minutes);
    }
    request.into_paginator().items().send().collect::<Result<Vec<_>, _>>().await.unwrap()
}

fn start_ms(entry: &ScheduleEntry) -> i64 {
    millis(entry.approximate_start_time().unwrap())
}

/// Epoch milliseconds, rounded: the SDK reads `1796198380.291` as ...290.999999 ms.
fn millis(time: &aws_sdk_mediatailor::primitives::DateTime) -> i64 {
    time.secs() * 1000 + (f64::from(time.subsec_nanos()) / 1e6).round() as i64
}

/// Times travel as epoch seconds in floating point: equal to within a couple of milliseconds.
#[track_caller]
fn close(actual: i64, expected: i64) {
    assert!((actual - expected).abs() <= 2, "{actual} is not {expected}");
}

/// One signed HTTP/1.1 request (the emulator checks only the signature's shape).
async fn raw(emulator: &Emulator, method: &str, path: &str, body: &str) -> (u16, Value) {
    let mut stream = tokio::net::TcpStream::connect(emulator.addr()).await.unwrap();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Type: application/json\r\n\
         Authorization: AWS4-HMAC-SHA256 Credential=AKID/20261125/us-east-1/mediatailor/aws4_request, \
         SignedHeaders=host, Signature=x\r\nContent-Length: {}\r\n\r\n{body}",
        emulator.addr(),
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut response)).await.unwrap().unwrap();
    let split = response.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&response[..split]).to_string();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    let body = serde_json::from_slice(&response[split + 4..]).unwrap_or(Value::Null);
    (status, body)
}

#[track_caller]
fn assert_raw_invalid((status, body): &(u16, Value), member: &str) {
    assert_eq!(*status, 400, "{body}");
    let message = body["Message"].as_str().unwrap_or_default();
    assert!(message.contains(member), "the message should name {member}: {message}");
}

// ---- Tier, PlaybackMode and FillerSlate ----------------------------------------------------

#[tokio::test]
async fn linear_needs_a_filler_slate_and_loop_refuses_one() {
    let Fixture { mt, .. } = &fixture().await;
    let base = || mt.create_channel().outputs(output());
    let err = failure(base().channel_name("a").playback_mode(PlaybackMode::Linear).send().await);
    assert_invalid(&err, "FillerSlate");
    let err = failure(base().channel_name("b").playback_mode(PlaybackMode::Loop).filler_slate(filler()).send().await);
    assert_invalid(&err, "FillerSlate");
    let missing = SlateSource::builder().source_location_name("media").vod_source_name("nope").build();
    let err = failure(base().channel_name("c").playback_mode(PlaybackMode::Linear).filler_slate(missing).send().await);
    assert_invalid(&err, "FillerSlate");
    let half = SlateSource::builder().source_location_name("media").build();
    let err = failure(base().channel_name("d").playback_mode(PlaybackMode::Linear).filler_slate(half).send().await);
    assert_invalid(&err, "FillerSlate.VodSourceName");

    let created =
        base().channel_name("ok").playback_mode(PlaybackMode::Linear).filler_slate(filler()).send().await.unwrap();
    assert_eq!(created.playback_mode(), Some("LINEAR"));
    assert_eq!(created.tier(), Some("BASIC"), "BASIC is the default tier");
    assert_eq!(created.filler_slate(), Some(&filler()));
    let described = mt.describe_channel().channel_name("ok").send().await.unwrap();
    assert_eq!(described.filler_slate(), Some(&filler()));
    assert_eq!(described.tier(), Some("BASIC"));
    let listed = mt.list_channels().send().await.unwrap();
    assert_eq!(listed.items()[0].filler_slate(), Some(&filler()));

    // A filler slate in use cannot be deleted.
    let err = failure(mt.delete_vod_source().source_location_name("media").vod_source_name("filler").send().await);
    assert_invalid(&err, "filler slate");

    // UpdateChannel: a LOOP channel still takes none; a LINEAR one keeps its own when left out.
    base().channel_name("loop").playback_mode(PlaybackMode::Loop).send().await.unwrap();
    let err = failure(mt.update_channel().channel_name("loop").outputs(output()).filler_slate(filler()).send().await);
    assert_invalid(&err, "FillerSlate");
    let updated = mt.update_channel().channel_name("ok").outputs(output()).send().await.unwrap();
    assert_eq!(updated.filler_slate(), Some(&filler()));
}

#[tokio::test]
async fn tiers_basic_and_standard() {
    let Fixture { emulator, mt, .. } = &fixture().await;
    let base = |name: &str| mt.create_channel().channel_name(name).outputs(output());
    let err = failure(base("s-loop").playback_mode(PlaybackMode::Loop).tier(Tier::Standard).send().await);
    assert_invalid(&err, "Tier");
    let standard = base("s").playback_mode(PlaybackMode::Linear).tier(Tier::Standard).filler_slate(filler());
    assert_eq!(standard.send().await.unwrap().tier(), Some("STANDARD"));
    let basic_loop = base("b-loop").playback_mode(PlaybackMode::Loop).tier(Tier::Basic).send().await.unwrap();
    assert_eq!(basic_loop.tier(), Some("BASIC"));
    let basic_linear = base("b").playback_mode(PlaybackMode::Linear).tier(Tier::Basic).filler_slate(filler());
    assert_eq!(basic_linear.send().await.unwrap().tier(), Some("BASIC"));

    let body = json!({"PlaybackMode": "LINEAR", "Tier": "PREMIUM", "FillerSlate": {"SourceLocationName": "media", "VodSourceName": "filler"},
        "Outputs": [{"ManifestName": "i", "SourceGroup": "hls", "HlsPlaylistSettings": {}}]});
    assert_raw_invalid(&raw(emulator, "POST", "/channel/premium", &body.to_string()).await, "Tier");
    // A member the current model does not know is still refused by name.
    let body = json!({"PlaybackMode": "LOOP", "Tierr": "BASIC",
        "Outputs": [{"ManifestName": "i", "SourceGroup": "hls", "HlsPlaylistSettings": {}}]});
    assert_raw_invalid(&raw(emulator, "POST", "/channel/typo", &body.to_string()).await, "Tierr");
}

#[tokio::test]
async fn time_shift_audiences_and_ad_markup_types() {
    let Fixture { emulator, mt, .. } = &fixture().await;
    let with_delay = |name: &str, seconds: i32| {
        mt.create_channel()
            .channel_name(name)
            .outputs(output())
            .playback_mode(PlaybackMode::Loop)
            .time_shift_configuration(
                TimeShiftConfiguration::builder().max_time_delay_seconds(seconds).build().unwrap(),
            )
    };
    for seconds in [0, 21_600] {
        let created = with_delay(&format!("ok-{seconds}"), seconds).send().await.unwrap();
        let described = mt.describe_channel().channel_name(format!("ok-{seconds}")).send().await.unwrap();
        assert_eq!(described.time_shift_configuration().unwrap().max_time_delay_seconds(), seconds);
        assert_eq!(created.time_shift_configuration(), described.time_shift_configuration());
    }
    for seconds in [-1, 21_601] {
        let err = failure(with_delay(&format!("bad-{seconds}"), seconds).send().await);
        assert_invalid(&err, "TimeShiftConfiguration.MaxTimeDelaySeconds");
    }

    let hls = HlsPlaylistSettings::builder()
        .ad_markup_type(AdMarkupType::Daterange)
        .ad_markup_type(AdMarkupType::Scte35Enhanced)
        .build();
    let out = RequestOutputItem::builder().manifest_name("m").source_group("hls").hls_playlist_settings(hls).build();
    let created = mt
        .create_channel()
        .channel_name("aud")
        .outputs(out.unwrap())
        .playback_mode(PlaybackMode::Loop)
        .audiences("en")
        .audiences("fr")
        .send()
        .await
        .unwrap();
    assert_eq!(created.audiences(), ["en", "fr"]);
    let described = mt.describe_channel().channel_name("aud").send().await.unwrap();
    let markup = described.outputs()[0].hls_playlist_settings().unwrap().ad_markup_type();
    assert_eq!(markup, [AdMarkupType::Daterange, AdMarkupType::Scte35Enhanced]);
    assert_eq!(described.audiences(), ["en", "fr"]);
    let err = failure(
        mt.create_channel()
            .channel_name("dup")
            .outputs(output())
            .playback_mode(PlaybackMode::Loop)
            .audiences("en")
            .audiences("en")
            .send()
            .await,
    );
    assert_invalid(&err, "Audiences[1]");

    let body = json!({"PlaybackMode": "LOOP",
        "Outputs": [{"ManifestName": "i", "SourceGroup": "hls", "HlsPlaylistSettings": {"AdMarkupType": ["CUE"]}}]});
    assert_raw_invalid(&raw(emulator, "POST", "/channel/cue", &body.to_string()).await, "AdMarkupType[0]");
}

// ---- transitions and the LINEAR schedule ---------------------------------------------------

#[tokio::test]
async fn absolute_transitions_only_on_linear_channels() {
    let Fixture { emulator, mt, .. } = &fixture().await;
    mt.create_channel().channel_name("loop").outputs(output()).playback_mode(PlaybackMode::Loop).send().await.unwrap();
    linear_channel(mt, "lin", Tier::Basic).await;
    let at = now_ms() + 3_600_000;
    let create = |channel: &str, schedule: ScheduleConfiguration| {
        mt.create_program()
            .channel_name(channel)
            .program_name("p")
            .source_location_name("media")
            .vod_source_name("show")
            .schedule_configuration(schedule)
            .send()
    };
    assert_invalid(&failure(create("loop", absolute(at, None)).await), "Transition.Type");
    let created = create("lin", absolute(at, None)).await.unwrap();
    assert_eq!(millis(created.scheduled_start_time().unwrap()), at);
    let described = mt.describe_program().channel_name("lin").program_name("p").send().await.unwrap();
    assert_eq!(described.scheduled_start_time(), created.scheduled_start_time());

    let program = |transition: Value| {
        json!({"SourceLocationName": "media", "VodSourceName": "show", "ScheduleConfiguration": {"Transition": transition}})
            .to_string()
    };
    let no_time = program(json!({"Type": "ABSOLUTE", "RelativePosition": "AFTER_PROGRAM"}));
    assert_raw_invalid(&raw(emulator, "POST", "/channel/lin/program/q", &no_time).await, "ScheduledStartTimeMillis");
    let relative_with_time =
        program(json!({"Type": "RELATIVE", "RelativePosition": "AFTER_PROGRAM", "ScheduledStartTimeMillis": at}));
    assert_raw_invalid(
        &raw(emulator, "POST", "/channel/lin/program/q", &relative_with_time).await,
        "ScheduledStartTimeMillis",
    );
    let negative =
        program(json!({"Type": "ABSOLUTE", "RelativePosition": "AFTER_PROGRAM", "ScheduledStartTimeMillis": -1}));
    assert_raw_invalid(&raw(emulator, "POST", "/channel/lin/program/q", &negative).await, "ScheduledStartTimeMillis");
    let unknown = program(json!({"Type": "SOMETIME", "RelativePosition": "AFTER_PROGRAM"}));
    assert_raw_invalid(&raw(emulator, "POST", "/channel/lin/program/q", &unknown).await, "Transition.Type");
}

#[tokio::test]
async fn linear_programs_play_once_and_gaps_play_the_filler_slate() {
    let Fixture { mt, .. } = &fixture().await;
    linear_channel(mt, "lin", Tier::Basic).await;
    program(mt, "lin", "a", "show", relative()).await;
    let at = now_ms() + 100_000;
    program(mt, "lin", "b", "show", absolute(at, Some("a"))).await;
    mt.start_channel().channel_name("lin").send().await.unwrap();
    let t0 = started_ms(mt, "lin").await;

    // Without a window: each program once, the gap between them as filler.
    let entries = schedule_of(mt, "lin", None).await;
    let kinds: Vec<_> = entries.iter().map(|e| e.schedule_entry_type().unwrap().clone()).collect();
    assert_eq!(kinds, [ScheduleEntryType::Program, ScheduleEntryType::FillerSlate, ScheduleEntryType::Program]);
    assert_eq!(entries[0].program_name(), "a");
    close(start_ms(&entries[0]), t0);
    assert_eq!(entries[0].approximate_duration_seconds(), Some(40));
    let gap = &entries[1];
    close(start_ms(gap), start_ms(&entries[0]) + 40_000);
    assert_eq!(gap.vod_source_name(), Some("filler"));
    assert_eq!(gap.source_location_name(), "media");
    assert_eq!(gap.program_name(), "b", "the gap waits for b");
    close(start_ms(&entries[2]), at);
    let gap_end = start_ms(gap) + gap.approximate_duration_seconds().unwrap() * 1000;
    assert!((0..1000).contains(&(gap_end - at)), "the gap lasts until b ({gap_end} vs {at})");

    // With a window, the filler slate plays after the last program until the window ends.
    let entries = schedule_of(mt, "lin", Some("5")).await;
    let last = entries.last().unwrap();
    assert_eq!(last.schedule_entry_type(), Some(&ScheduleEntryType::FillerSlate));
    close(start_ms(last), at + 40_000);
    // A 1-minute window ends inside the gap: b is not listed.
    let entries = schedule_of(mt, "lin", Some("1")).await;
    assert_eq!(entries.len(), 2, "{entries:?}");
    assert!(
        entries.iter().all(|e| e.program_name() != "b" || e.schedule_entry_type() != Some(&ScheduleEntryType::Program))
    );
}

#[tokio::test]
async fn an_absolute_program_truncates_the_one_before_on_a_common_segment_boundary() {
    let Fixture { mt, .. } = &fixture().await;
    linear_channel(mt, "lin", Tier::Basic).await;
    program(mt, "lin", "a", "long", relative()).await;
    mt.start_channel().channel_name("lin").send().await.unwrap();
    let t0 = started_ms(mt, "lin").await;
    // 22.5 s into a: the 2 s rendition has a boundary at 22 s, but both share only 20 s.
    program(mt, "lin", "b", "show", absolute(t0 + 22_500, Some("a"))).await;
    // c is placed after a, before b: it would start after b's time, so it never plays.
    let c = Transition::builder()
        .r#type("RELATIVE")
        .relative_position(RelativePosition::BeforeProgram)
        .relative_program("b")
        .build()
        .unwrap();
    program(mt, "lin", "c", "show", ScheduleConfiguration::builder().transition(c).build()).await;

    let entries = schedule_of(mt, "lin", None).await;
    let names: Vec<_> = entries.iter().map(|e| e.program_name()).collect();
    assert_eq!(names, ["a", "b"], "{entries:?}");
    assert_eq!(entries[0].approximate_duration_seconds(), Some(20), "a is cut at the common 20 s boundary");
    close(start_ms(&entries[1]), start_ms(&entries[0]) + 20_000);
    assert_eq!(entries[1].approximate_duration_seconds(), Some(40));

    // UpdateProgram moves b to 40.9 s; the cut follows, to the common boundary at 40 s.
    let moved = UpdateProgramTransition::builder().scheduled_start_time_millis(t0 + 40_900).build();
    let updated = mt
        .update_program()
        .channel_name("lin")
        .program_name("b")
        .schedule_configuration(UpdateProgramScheduleConfiguration::builder().transition(moved).build())
        .send()
        .await
        .unwrap();
    assert_eq!(millis(updated.scheduled_start_time().unwrap()), t0 + 40_900);
    let entries = schedule_of(mt, "lin", None).await;
    assert_eq!(entries[0].approximate_duration_seconds(), Some(40), "{entries:?}");
    // Exactly on a boundary, nothing is lost: a plays its 100 s when b starts at its end.
    let exact = UpdateProgramTransition::builder().scheduled_start_time_millis(t0 + 100_000).build();
    mt.update_program()
        .channel_name("lin")
        .program_name("b")
        .schedule_configuration(UpdateProgramScheduleConfiguration::builder().transition(exact).build())
        .send()
        .await
        .unwrap();
    let entries = schedule_of(mt, "lin", None).await;
    let names: Vec<_> = entries.iter().map(|e| e.program_name()).collect();
    assert_eq!(names, ["a", "b"], "c still starts after b's time (a ends exactly then)");
    assert_eq!(entries[0].approximate_duration_seconds(), Some(100));
}

#[tokio::test]
async fn update_program_rules_and_clip_ranges() {
    let Fixture { mt, .. } = &fixture().await;
    linear_channel(mt, "lin", Tier::Basic).await;
    program(mt, "lin", "rel", "long", relative()).await;
    let update = |name: &str, schedule: UpdateProgramScheduleConfiguration| {
        mt.update_program().channel_name("lin").program_name(name).schedule_configuration(schedule).send()
    };
    let move_to = |at: i64| {
        let transition = UpdateProgramTransition::builder().scheduled_start_time_millis(at).build();
        UpdateProgramScheduleConfiguration::builder().transition(transition).build()
    };
    assert_invalid(&failure(update("rel", move_to(now_ms())).await), "ScheduledStartTimeMillis");
    assert_not_found(&failure(update("nope", move_to(now_ms())).await));
    let length = UpdateProgramTransition::builder().duration_millis(5_000).build();
    let err = failure(update("rel", UpdateProgramScheduleConfiguration::builder().transition(length).build()).await);
    assert_invalid(&err, "DurationMillis");

    // A clip range plays part of the source: 10 s to 30 s of the 100 s `long`.
    let clip = |start: Option<i64>, end: i64| {
        let range = ClipRange::builder().set_start_offset_millis(start).end_offset_millis(end).build();
        UpdateProgramScheduleConfiguration::builder().clip_range(range).build()
    };
    let updated = update("rel", clip(Some(10_000), 30_000)).await.unwrap();
    assert_eq!(updated.clip_range().unwrap().end_offset_millis(), 30_000);
    let entries = schedule_of(mt, "lin", None).await;
    assert_eq!(entries[0].approximate_duration_seconds(), Some(20));
    for (start, end) in [(Some(30_000), 30_000), (Some(-1), 5_000), (None, 0)] {
        let err = failure(update("rel", clip(start, end)).await);
        assert_invalid(&err, "ClipRange");
    }

    // Ad breaks are replaced; audience media must name a channel audience.
    let alternate = AlternateMedia::builder().source_location_name("media").vod_source_name("show").build();
    let media = AudienceMedia::builder().audience("en").alternate_media(alternate).build();
    let err = failure(
        mt.update_program()
            .channel_name("lin")
            .program_name("rel")
            .audience_media(media)
            .schedule_configuration(UpdateProgramScheduleConfiguration::builder().build())
            .send()
            .await,
    );
    assert_invalid(&err, "AudienceMedia[0].Audience");
}

#[tokio::test]
async fn loop_channels_keep_their_schedule_and_entries_are_programs() {
    let Fixture { mt, .. } = &fixture().await;
    mt.create_channel().channel_name("loop").outputs(output()).playback_mode(PlaybackMode::Loop).send().await.unwrap();
    program(mt, "loop", "a", "show", relative()).await;
    program(mt, "loop", "b", "long", relative()).await;
    let entries = schedule_of(mt, "loop", None).await;
    let names: Vec<_> = entries.iter().map(|e| e.program_name()).collect();
    assert_eq!(names, ["a", "b"]);
    assert!(entries.iter().all(|e| e.schedule_entry_type() == Some(&ScheduleEntryType::Program)));
    close(start_ms(&entries[1]) - start_ms(&entries[0]), 40_000);
    // Loops repeat within a window; LINEAR never would.
    let entries = schedule_of(mt, "loop", Some("5")).await;
    assert!(entries.len() <= 2, "one loop from its start, as before: {entries:?}");
}

// ---- live sources ----------------------------------------------------------------------------

#[tokio::test]
async fn live_sources_and_live_programs_on_standard_channels() {
    let Fixture { mt, .. } = &fixture().await;
    let created = mt
        .create_live_source()
        .source_location_name("media")
        .live_source_name("live")
        .http_package_configurations(package("show/hls/index.m3u8"))
        .tags("k", "v")
        .send()
        .await
        .unwrap();
    assert_eq!(created.arn(), Some("arn:aws:mediatailor:us-east-1:123456789012:liveSource/media/live"));
    assert_eq!(created.tags().unwrap()["k"], "v");
    let described = mt.describe_live_source().source_location_name("media").live_source_name("live").send().await;
    assert_eq!(described.unwrap().http_package_configurations().len(), 1);
    let err = failure(
        mt.create_live_source()
            .source_location_name("media")
            .live_source_name("live")
            .http_package_configurations(package("x.m3u8"))
            .send()
            .await,
    );
    assert!(err.message.contains("already exists"), "{err:?}");
    let err = failure(mt.create_live_source().source_location_name("media").live_source_name("empty").send().await);
    assert_invalid(&err, "HttpPackageConfigurations");
    assert_not_found(&failure(
        mt.describe_live_source().source_location_name("media").live_source_name("nope").send().await,
    ));
    assert_not_found(&failure(
        mt.create_live_source()
            .source_location_name("nowhere")
            .live_source_name("x")
            .http_package_configurations(package("x.m3u8"))
            .send()
            .await,
    ));
    let updated = mt
        .update_live_source()
        .source_location_name("media")
        .live_source_name("live")
        .http_package_configurations(package("long/hls/index.m3u8"))
        .send()
        .await
        .unwrap();
    assert_eq!(updated.http_package_configurations()[0].path(), "long/hls/index.m3u8");
    let listed = mt.list_live_sources().source_location_name("media").send().await.unwrap();
    assert_eq!(listed.items().len(), 1);

    // Live programs: STANDARD channels only, with a DurationMillis of at least 1.
    linear_channel(mt, "basic", Tier::Basic).await;
    linear_channel(mt, "std", Tier::Standard).await;
    let live_program = |channel: &str, duration: Option<i64>| {
        let transition = Transition::builder()
            .r#type("RELATIVE")
            .relative_position(RelativePosition::AfterProgram)
            .set_duration_millis(duration)
            .build()
            .unwrap();
        mt.create_program()
            .channel_name(channel)
            .program_name("news")
            .source_location_name("media")
            .live_source_name("live")
            .schedule_configuration(ScheduleConfiguration::builder().transition(transition).build())
            .send()
    };
    assert_invalid(&failure(live_program("basic", Some(60_000)).await), "LiveSourceName");
    assert_invalid(&failure(live_program("std", None).await), "DurationMillis");
    assert_invalid(&failure(live_program("std", Some(0)).await), "DurationMillis");
    let created = live_program("std", Some(60_000)).await.unwrap();
    assert_eq!(created.live_source_name(), Some("live"));
    assert_eq!(created.vod_source_name(), None);
    assert_eq!(created.duration_millis(), Some(60_000));
    let entries = schedule_of(mt, "std", None).await;
    assert_eq!(entries[0].live_source_name(), Some("live"));
    assert_eq!(entries[0].approximate_duration_seconds(), Some(60));
    let err = failure(
        mt.create_program()
            .channel_name("std")
            .program_name("both")
            .source_location_name("media")
            .live_source_name("live")
            .vod_source_name("show")
            .schedule_configuration(relative())
            .send()
            .await,
    );
    assert_invalid(&err, "LiveSourceName");

    let err = failure(mt.delete_live_source().source_location_name("media").live_source_name("live").send().await);
    assert_invalid(&err, "news");
    mt.delete_program().channel_name("std").program_name("news").send().await.unwrap();
    mt.delete_live_source().source_location_name("media").live_source_name("live").send().await.unwrap();
    assert!(mt.list_live_sources().source_location_name("media").send().await.unwrap().items().is_empty());
}

// ---- logs, prefetch schedules, functions ---------------------------------------------------

#[tokio::test]
async fn configure_logs_for_channels_and_playback_configurations() {
    let Fixture { emulator, mt, .. } = &fixture().await;
    linear_channel(mt, "lin", Tier::Basic).await;
    let configured =
        mt.configure_logs_for_channel().channel_name("lin").log_types(LogType::AsRun).send().await.unwrap();
    assert_eq!(configured.log_types(), [LogType::AsRun]);
    let described = mt.describe_channel().channel_name("lin").send().await.unwrap();
    assert_eq!(described.log_configuration().unwrap().log_types(), [LogType::AsRun]);
    assert_not_found(&failure(
        mt.configure_logs_for_channel().channel_name("nope").log_types(LogType::AsRun).send().await,
    ));
    let bad = json!({"ChannelName": "lin", "LogTypes": ["EVERYTHING"]}).to_string();
    assert_raw_invalid(&raw(emulator, "PUT", "/configureLogs/channel", &bad).await, "LogTypes[0]");

    mt.put_playback_configuration()
        .name("pc")
        .video_content_source_url("https://origin.example.com")
        .send()
        .await
        .unwrap();
    for percent in [0, 100] {
        let answer = mt
            .configure_logs_for_playback_configuration()
            .playback_configuration_name("pc")
            .percent_enabled(percent)
            .send()
            .await
            .unwrap();
        assert_eq!(answer.percent_enabled(), percent);
    }
    let got = mt.get_playback_configuration().name("pc").send().await.unwrap();
    assert_eq!(got.log_configuration().unwrap().percent_enabled(), 100);
    for percent in [-1, 101] {
        let err = failure(
            mt.configure_logs_for_playback_configuration()
                .playback_configuration_name("pc")
                .percent_enabled(percent)
                .send()
                .await,
        );
        assert_invalid(&err, "PercentEnabled");
    }
    let missing = json!({"PlaybackConfigurationName": "pc"}).to_string();
    assert_raw_invalid(&raw(emulator, "PUT", "/configureLogs/playbackConfiguration", &missing).await, "PercentEnabled");
}

#[tokio::test]
async fn prefetch_schedules_create_get_list_delete() {
    let Fixture { emulator, mt, .. } = &fixture().await;
    mt.put_playback_configuration()
        .name("pc")
        .video_content_source_url("https://origin.example.com")
        .send()
        .await
        .unwrap();
    let body = |start: i64, end: i64| {
        json!({"Consumption": {"EndTime": end, "StartTime": start,
                "AvailMatchingCriteria": [{"DynamicVariable": "scte.event_id", "Operator": "EQUALS"}]},
               "Retrieval": {"EndTime": end, "StartTime": start, "DynamicVariables": {"k": "v"}},
               "StreamId": "s1"})
        .to_string()
    };
    let (status, created) =
        raw(emulator, "POST", "/prefetchSchedule/pc/one", &body(1_900_000_000, 1_900_000_600)).await;
    assert_eq!(status, 200, "{created}");
    assert_eq!(created["ScheduleType"], "SINGLE");
    let got = mt.get_prefetch_schedule().playback_configuration_name("pc").name("one").send().await.unwrap();
    assert_eq!(got.stream_id(), Some("s1"));
    assert_eq!(got.arn(), Some("arn:aws:mediatailor:us-east-1:123456789012:prefetchSchedule/pc/one"));
    assert_eq!(got.consumption().unwrap().avail_matching_criteria().len(), 1);
    assert_raw_invalid(&raw(emulator, "POST", "/prefetchSchedule/pc/bad", &body(10, 10)).await, "EndTime");
    let unknown = json!({"Retrieval": {"EndTime": 10, "Window": 3}, "Consumption": {"EndTime": 20}}).to_string();
    assert_raw_invalid(&raw(emulator, "POST", "/prefetchSchedule/pc/bad", &unknown).await, "Retrieval.Window");
    let no_consumption = json!({"Retrieval": {"EndTime": 10}}).to_string();
    assert_raw_invalid(&raw(emulator, "POST", "/prefetchSchedule/pc/bad", &no_consumption).await, "Consumption");
    let (status, _) = raw(emulator, "POST", "/prefetchSchedule/nope/one", &body(1, 2)).await;
    assert_eq!(status, 404);

    let recurring = json!({"ScheduleType": "RECURRING", "RecurringPrefetchConfiguration": {
        "StartTime": 1_900_000_000, "EndTime": 1_900_086_400,
        "RecurringConsumption": {"RetrievedAdExpirationSeconds": 600},
        "RecurringRetrieval": {"DelayAfterAvailEndSeconds": 30, "TrafficShapingType": "RETRIEVAL_WINDOW",
            "TrafficShapingRetrievalWindow": {"RetrievalWindowDurationSeconds": 60}}}});
    let (status, answer) = raw(emulator, "POST", "/prefetchSchedule/pc/daily", &recurring.to_string()).await;
    assert_eq!(status, 200, "{answer}");
    let all = mt.list_prefetch_schedules().playback_configuration_name("pc").send().await.unwrap();
    assert_eq!(all.items().len(), 2);
    let single = mt
        .list_prefetch_schedules()
        .playback_configuration_name("pc")
        .schedule_type(aws_sdk_mediatailor::types::ListPrefetchScheduleType::Single)
        .send()
        .await
        .unwrap();
    assert_eq!(single.items().len(), 1);
    let page = mt.list_prefetch_schedules().playback_configuration_name("pc").max_results(1).send().await.unwrap();
    assert_eq!(page.items().len(), 1);
    assert!(page.next_token().is_some());

    mt.delete_prefetch_schedule().playback_configuration_name("pc").name("one").send().await.unwrap();
    assert_not_found(&failure(mt.get_prefetch_schedule().playback_configuration_name("pc").name("one").send().await));
}

#[tokio::test]
async fn monetization_functions_put_get_list_delete() {
    let Fixture { emulator, mt, .. } = &fixture().await;
    let function = json!({"FunctionType": "HTTP_REQUEST", "Description": "ads",
        "HttpRequestConfiguration": {"Runtime": "JSONATA", "MethodType": "GET", "RequestTimeoutMilliseconds": 500,
            "Url": "https://ads.example.com", "Headers": {"a": "b"}}});
    let (status, answer) = raw(emulator, "PUT", "/function/f1", &function.to_string()).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["Arn"], "arn:aws:mediatailor:us-east-1:123456789012:function/f1");
    let got = mt.get_function().function_id("f1").send().await.unwrap();
    assert_eq!(got.description(), Some("ads"));
    assert_eq!(mt.list_functions().send().await.unwrap().items().len(), 1);
    let missing_config = json!({"FunctionType": "VAST_REQUEST"}).to_string();
    assert_raw_invalid(&raw(emulator, "PUT", "/function/f2", &missing_config).await, "VastRequestConfiguration");
    let bad_runtime = json!({"FunctionType": "CUSTOM_OUTPUT", "CustomOutputConfiguration": {"Runtime": "LUA"}});
    assert_raw_invalid(&raw(emulator, "PUT", "/function/f2", &bad_runtime.to_string()).await, "Runtime");
    mt.delete_function().function_id("f1").send().await.unwrap();
    assert_not_found(&failure(mt.get_function().function_id("f1").send().await));
}

// ---- request ids and persistence -----------------------------------------------------------

#[tokio::test]
async fn every_answer_carries_a_request_id() {
    let Fixture { mt, .. } = &fixture().await;
    let listed = mt.list_channels().send().await.unwrap();
    let first = listed.request_id().unwrap().to_owned();
    assert_eq!(first.len(), 36, "a UUID: {first}");
    let second = mt.list_channels().send().await.unwrap();
    assert_ne!(second.request_id(), Some(first.as_str()), "each answer has its own");
    let err = failure(mt.describe_channel().channel_name("nope").send().await);
    assert!(err.request_id.is_some_and(|id| id.len() == 36));
}

#[tokio::test]
async fn new_resources_survive_a_restart() {
    let state_dir = tempfile::tempdir().unwrap();
    let state = state_dir.path().join("state.json");
    let before = {
        let f = fixture_with_state(Some(&state)).await;
        linear_channel(&f.mt, "lin", Tier::Standard).await;
        f.mt.create_live_source()
            .source_location_name("media")
            .live_source_name("live")
            .http_package_configurations(package("show/hls/index.m3u8"))
            .send()
            .await
            .unwrap();
        program(&f.mt, "lin", "abs", "show", absolute(now_ms() + 3_600_000, None)).await;
        f.mt.put_playback_configuration().name("pc").send().await.unwrap();
        let schedule = json!({"Consumption": {"EndTime": 20}, "Retrieval": {"EndTime": 10}}).to_string();
        assert_eq!(raw(&f.emulator, "POST", "/prefetchSchedule/pc/p", &schedule).await.0, 200);
        let function = json!({"FunctionType": "CUSTOM_OUTPUT", "CustomOutputConfiguration": {"Runtime": "JSONATA"}});
        assert_eq!(raw(&f.emulator, "PUT", "/function/f", &function.to_string()).await.0, 200);
        let channel = f.mt.describe_channel().channel_name("lin").send().await.unwrap();
        f.emulator.stop().await;
        channel
    };
    let f = fixture_with_state(Some(&state)).await;
    let after = f.mt.describe_channel().channel_name("lin").send().await.unwrap();
    assert_eq!(after.tier(), before.tier());
    assert_eq!(after.filler_slate(), before.filler_slate());
    let program = f.mt.describe_program().channel_name("lin").program_name("abs").send().await.unwrap();
    assert!(program.scheduled_start_time().is_some());
    f.mt.describe_live_source().source_location_name("media").live_source_name("live").send().await.unwrap();
    f.mt.get_prefetch_schedule().playback_configuration_name("pc").name("p").send().await.unwrap();
    f.mt.get_function().function_id("f").send().await.unwrap();
}
