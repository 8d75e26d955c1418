//! mediatailor-local's MediaTailor API driven through the real `aws-sdk-mediatailor` over HTTP:
//! every operation, validation at and past the seed's bounds, pagination, schedule, alerts,
//! faults and a restart with a state file.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use aws_sdk_mediatailor::Client;
use aws_sdk_mediatailor::types::{
    AdBreak, AvailSuppression, DashPlaylistSettings, HlsPlaylistSettings, HttpConfiguration, HttpPackageConfiguration,
    MessageType, Mode, PlaybackMode, RelativePosition, RequestOutputItem, ScheduleConfiguration, SlateSource,
    SpliceInsertMessage, Transition, Type,
};
use mediatailor_local::{Emulator, EmulatorError, EmulatorOptions, FaultConfig};
use tailorflow_shared::{AwsCallError, ErrorClass};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const ACCOUNT: &str = "123456789012";

async fn start() -> (Emulator, Client) {
    let emulator = Emulator::start(EmulatorOptions::default()).await.unwrap();
    let client = Client::new(&emulator.sdk_config().await);
    (emulator, client)
}

fn arn(resource: &str) -> String {
    format!("arn:aws:mediatailor:us-east-1:{ACCOUNT}:{resource}")
}

/// The classification and message of a failed call.
fn failure<E, R>(
    result: Result<R, aws_sdk_mediatailor::error::SdkError<E, aws_sdk_mediatailor::config::http::HttpResponse>>,
) -> AwsCallError
where
    E: aws_sdk_mediatailor::error::ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    AwsCallError::from_sdk("test", &result.expect_err("the call should fail"))
}

fn hls_output(window: i32) -> RequestOutputItem {
    RequestOutputItem::builder()
        .manifest_name("index")
        .source_group("hls")
        .hls_playlist_settings(HlsPlaylistSettings::builder().manifest_window_seconds(window).build())
        .build()
        .unwrap()
}

fn package(kind: Type, group: &str, path: &str) -> HttpPackageConfiguration {
    HttpPackageConfiguration::builder().r#type(kind).source_group(group).path(path).build().unwrap()
}

fn after(previous: Option<&str>) -> ScheduleConfiguration {
    let mut transition = Transition::builder().r#type("RELATIVE").relative_position(RelativePosition::AfterProgram);
    if let Some(previous) = previous {
        transition = transition.relative_program(previous);
    }
    ScheduleConfiguration::builder().transition(transition.build().unwrap()).build()
}

/// A source location on the sample media with the sample VOD sources.
async fn media(emulator: &Emulator, mt: &Client) {
    let base_url = format!("{}/origin/tailorflow-media/", emulator.base_url());
    mt.create_source_location()
        .source_location_name("media")
        .http_configuration(HttpConfiguration::builder().base_url(base_url).build().unwrap())
        .tags("team", "video")
        .send()
        .await
        .unwrap();
    for (name, packages) in [
        (
            "bbb",
            vec![
                package(Type::Hls, "hls", "packages/big-buck-bunny/hls/index.m3u8"),
                package(Type::Dash, "dash", "packages/big-buck-bunny/dash/manifest.mpd"),
            ],
        ),
        ("sintel", vec![package(Type::Hls, "hls", "packages/sintel/hls/index.m3u8")]),
        ("slate", vec![package(Type::Hls, "hls", "slates/slate-30s/hls/index.m3u8")]),
        ("broken", vec![package(Type::Hls, "hls", "packages/broken/hls/index.m3u8")]),
        ("unparsable", vec![package(Type::Hls, "hls", "packages/unparsable/hls/index.m3u8")]),
        ("missing", vec![package(Type::Hls, "hls", "packages/missing/hls/index.m3u8")]),
    ] {
        mt.create_vod_source()
            .source_location_name("media")
            .vod_source_name(name)
            .set_http_package_configurations(Some(packages))
            .send()
            .await
            .unwrap();
    }
}

async fn channel(mt: &Client, name: &str) {
    mt.create_channel()
        .channel_name(name)
        .playback_mode(PlaybackMode::Loop)
        .outputs(hls_output(60))
        .send()
        .await
        .unwrap();
}

/// A raw HTTP/1.1 exchange, for what the SDK cannot send.
async fn raw(emulator: &Emulator, method: &str, path: &str, signed: bool, body: &str) -> (u16, String, String) {
    let mut stream = tokio::net::TcpStream::connect(emulator.addr()).await.unwrap();
    let auth = if signed {
        "Authorization: AWS4-HMAC-SHA256 Credential=AKID/20261125/us-east-1/mediatailor/aws4_request, SignedHeaders=host, Signature=x\r\n"
    } else {
        ""
    };
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\n{auth}Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut response)).await.unwrap().unwrap();
    let text = String::from_utf8_lossy(&response).to_string();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    (status, head.to_owned(), body.to_owned())
}

#[tokio::test]
async fn channel_lifecycle_and_state_rules() {
    let (emulator, mt) = start().await;
    let created = mt
        .create_channel()
        .channel_name("news")
        .playback_mode(PlaybackMode::Loop)
        .outputs(hls_output(60))
        .outputs(
            RequestOutputItem::builder()
                .manifest_name("dash")
                .source_group("dash")
                .dash_playlist_settings(DashPlaylistSettings::builder().manifest_window_seconds(60).build())
                .build()
                .unwrap(),
        )
        .tags("env", "test")
        .send()
        .await
        .unwrap();
    assert_eq!(created.arn(), Some(arn("channel/news").as_str()));
    assert_eq!(created.channel_state().map(|s| s.as_str()), Some("STOPPED"));
    assert!(created.creation_time().is_some());
    let urls: Vec<_> = created.outputs().iter().map(|o| o.playback_url()).collect();
    assert_eq!(
        urls,
        [
            format!("{}/v1/channel/news/index.m3u8", emulator.base_url()),
            format!("{}/v1/channel/news/dash.mpd", emulator.base_url())
        ]
    );

    let described = mt.describe_channel().channel_name("news").send().await.unwrap();
    assert_eq!(described.tags().unwrap().get("env").map(String::as_str), Some("test"));
    assert_eq!(mt.list_channels().send().await.unwrap().items().len(), 1);
    let updated = mt.update_channel().channel_name("news").outputs(hls_output(120)).send().await.unwrap();
    assert_eq!(updated.outputs().len(), 1);

    let exists = failure(
        mt.create_channel().channel_name("news").playback_mode(PlaybackMode::Loop).outputs(hls_output(60)).send().await,
    );
    assert_eq!(exists.class, ErrorClass::Conflict, "{exists}");

    mt.start_channel().channel_name("news").send().await.unwrap();
    let running = failure(mt.delete_channel().channel_name("news").send().await);
    assert_eq!(running.class, ErrorClass::Invalid);
    assert!(running.message.contains("stop it"), "{running}");
    mt.stop_channel().channel_name("news").send().await.unwrap();
    mt.delete_channel().channel_name("news").send().await.unwrap();
    let gone = failure(mt.describe_channel().channel_name("news").send().await);
    assert_eq!(
        (gone.class, gone.status, gone.code.as_deref()),
        (ErrorClass::NotFound, Some(404), Some("NotFoundException"))
    );
    emulator.stop().await;
}

#[tokio::test]
async fn channel_validation_at_and_past_the_seed_bounds() {
    let (emulator, mt) = start().await;
    for (window, ok) in [(29, false), (30, true), (3600, true), (3601, false)] {
        let result = mt
            .create_channel()
            .channel_name(format!("hls-{window}"))
            .playback_mode(PlaybackMode::Loop)
            .outputs(hls_output(window))
            .send()
            .await;
        assert_eq!(result.is_ok(), ok, "ManifestWindowSeconds {window}");
        if !ok {
            assert!(failure(result).message.contains("Outputs[0].HlsPlaylistSettings.ManifestWindowSeconds"));
        }
    }
    let dash = |b: DashPlaylistSettings| {
        RequestOutputItem::builder().manifest_name("d").source_group("dash").dash_playlist_settings(b).build().unwrap()
    };
    let members = ["MinBufferTimeSeconds", "MinUpdatePeriodSeconds", "SuggestedPresentationDelaySeconds"];
    for member in members {
        for (value, ok) in [(1, false), (2, true), (60, true), (61, false)] {
            let settings = match member {
                "MinBufferTimeSeconds" => DashPlaylistSettings::builder().min_buffer_time_seconds(value),
                "MinUpdatePeriodSeconds" => DashPlaylistSettings::builder().min_update_period_seconds(value),
                _ => DashPlaylistSettings::builder().suggested_presentation_delay_seconds(value),
            }
            .build();
            let result = mt
                .create_channel()
                .channel_name(format!("d-{member}-{value}"))
                .playback_mode(PlaybackMode::Loop)
                .outputs(dash(settings))
                .send()
                .await;
            assert_eq!(result.is_ok(), ok, "{member} {value}");
            if !ok {
                let err = failure(result);
                assert_eq!(err.class, ErrorClass::Invalid);
                assert!(err.message.contains(&format!("DashPlaylistSettings.{member}")), "{err}");
            }
        }
    }
    let linear = failure(
        mt.create_channel()
            .channel_name("linear")
            .playback_mode(PlaybackMode::Linear)
            .outputs(hls_output(60))
            .send()
            .await,
    );
    assert!(linear.message.contains("PlaybackMode"), "{linear}");
    let neither = RequestOutputItem::builder().manifest_name("x").source_group("hls").build().unwrap();
    let err = failure(
        mt.create_channel().channel_name("neither").playback_mode(PlaybackMode::Loop).outputs(neither).send().await,
    );
    assert!(err.message.contains("exactly one of HlsPlaylistSettings and DashPlaylistSettings"), "{err}");

    assert!(
        mt.create_channel()
            .channel_name("a".repeat(64))
            .playback_mode(PlaybackMode::Loop)
            .outputs(hls_output(60))
            .send()
            .await
            .is_ok()
    );
    for bad in ["a".repeat(65), "has space".into(), "dot.ted".into(), "tilde~".into(), "café".into()] {
        let err = failure(
            mt.create_channel()
                .channel_name(&bad)
                .playback_mode(PlaybackMode::Loop)
                .outputs(hls_output(60))
                .send()
                .await,
        );
        assert_eq!(err.class, ErrorClass::Invalid, "{bad:?}");
        assert!(err.message.contains("ChannelName"), "{bad:?}: {err}");
    }
    emulator.stop().await;
}

#[tokio::test]
async fn programs_validate_ad_breaks_and_references() {
    let (emulator, mt) = start().await;
    media(&emulator, &mt).await;
    channel(&mt, "ch").await;
    let ad_break = |avail: i32, expected: i32, unique: i32| {
        AdBreak::builder()
            .message_type(MessageType::SpliceInsert)
            .offset_millis(60_060)
            .slate(SlateSource::builder().source_location_name("media").vod_source_name("slate").build())
            .splice_insert_message(
                SpliceInsertMessage::builder()
                    .avail_num(avail)
                    .avails_expected(expected)
                    .unique_program_id(unique)
                    .splice_event_id(7)
                    .build(),
            )
            .build()
    };
    let create = |name: &str, ad_break: AdBreak| {
        mt.create_program()
            .channel_name("ch")
            .program_name(name)
            .source_location_name("media")
            .vod_source_name("bbb")
            .schedule_configuration(after(None))
            .ad_breaks(ad_break)
            .send()
    };
    let first = create("p0", ad_break(0, 0, 0)).await.unwrap();
    assert_eq!(first.arn(), Some(arn("program/ch/p0").as_str()));
    create("p256", ad_break(256, 256, 256)).await.unwrap();
    for (member, value) in [("AvailNum", 257), ("AvailNum", -1), ("AvailsExpected", 257), ("UniqueProgramId", -1)] {
        let b = match member {
            "AvailNum" => ad_break(value, 0, 0),
            "AvailsExpected" => ad_break(0, value, 0),
            _ => ad_break(0, 0, value),
        };
        let err = failure(create(&format!("bad-{}", value.unsigned_abs()), b).await);
        assert!(err.message.contains(&format!("AdBreaks[0].SpliceInsertMessage.{member}")), "{member} {value}: {err}");
    }
    let time_signal = AdBreak::builder().message_type(MessageType::TimeSignal).offset_millis(0).build();
    assert!(failure(create("ts", time_signal).await).message.contains("AdBreaks[0].MessageType"));
    let negative = AdBreak::builder().offset_millis(-1).build();
    assert!(failure(create("neg", negative).await).message.contains("AdBreaks[0].OffsetMillis"));
    let no_slate = AdBreak::builder()
        .offset_millis(0)
        .slate(SlateSource::builder().source_location_name("media").vod_source_name("nope").build())
        .build();
    assert!(failure(create("noslate", no_slate).await).message.contains("AdBreaks[0].Slate"));

    let missing_vod = failure(
        mt.create_program()
            .channel_name("ch")
            .program_name("x")
            .source_location_name("media")
            .vod_source_name("nope")
            .schedule_configuration(after(None))
            .send()
            .await,
    );
    assert!(missing_vod.message.contains("VodSourceName"), "{missing_vod}");
    let missing_relative = failure(
        mt.create_program()
            .channel_name("ch")
            .program_name("x")
            .source_location_name("media")
            .vod_source_name("bbb")
            .schedule_configuration(after(Some("ghost")))
            .send()
            .await,
    );
    assert!(missing_relative.message.contains("RelativeProgram"), "{missing_relative}");
    let duplicate = failure(create("p0", ad_break(0, 0, 0)).await);
    assert_eq!(duplicate.class, ErrorClass::Conflict);

    // Required members the SDK lets through, sent raw.
    let (status, head, body) = raw(
        &emulator,
        "POST",
        "/channel/ch/program/raw",
        true,
        r#"{"SourceLocationName":"media","VodSourceName":"bbb","ScheduleConfiguration":{"Transition":{"Type":"RELATIVE"}}}"#,
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        head.contains("x-amzn-errortype: BadRequestException")
            || head.contains("x-amzn-ErrorType: BadRequestException"),
        "{head}"
    );
    assert!(body.contains("RelativePosition is required"), "{body}");

    let described = mt.describe_program().channel_name("ch").program_name("p0").send().await.unwrap();
    assert_eq!(described.ad_breaks()[0].splice_insert_message().unwrap().splice_event_id(), Some(7));
    mt.delete_program().channel_name("ch").program_name("p0").send().await.unwrap();
    let gone = failure(mt.describe_program().channel_name("ch").program_name("p0").send().await);
    assert_eq!(gone.class, ErrorClass::NotFound);
    emulator.stop().await;
}

#[tokio::test]
async fn source_locations_and_vod_sources_guard_their_dependents() {
    let (emulator, mt) = start().await;
    let no_scheme = failure(
        mt.create_source_location()
            .source_location_name("sl")
            .http_configuration(HttpConfiguration::builder().base_url("bucket.example.com").build().unwrap())
            .send()
            .await,
    );
    assert!(no_scheme.message.contains("HttpConfiguration.BaseUrl"), "{no_scheme}");
    media(&emulator, &mt).await;
    let dup_group = failure(
        mt.create_vod_source()
            .source_location_name("media")
            .vod_source_name("dup")
            .http_package_configurations(package(Type::Hls, "g", "a.m3u8"))
            .http_package_configurations(package(Type::Dash, "g", "a.mpd"))
            .send()
            .await,
    );
    assert!(dup_group.message.contains("SourceGroup"), "{dup_group}");
    let updated = mt
        .update_vod_source()
        .source_location_name("media")
        .vod_source_name("sintel")
        .http_package_configurations(package(Type::Dash, "dash", "packages/sintel/dash/manifest.mpd"))
        .send()
        .await
        .unwrap();
    assert_eq!(updated.http_package_configurations().len(), 1);
    assert_eq!(updated.http_package_configurations()[0].r#type().as_str(), "DASH");

    channel(&mt, "ch").await;
    mt.create_program()
        .channel_name("ch")
        .program_name("p")
        .source_location_name("media")
        .vod_source_name("bbb")
        .schedule_configuration(after(None))
        .send()
        .await
        .unwrap();
    let in_use = failure(mt.delete_vod_source().source_location_name("media").vod_source_name("bbb").send().await);
    assert!(in_use.message.contains("used by program p"), "{in_use}");
    let not_empty = failure(mt.delete_source_location().source_location_name("media").send().await);
    assert!(not_empty.message.contains("still has VOD sources"), "{not_empty}");
    mt.delete_program().channel_name("ch").program_name("p").send().await.unwrap();
    for name in ["bbb", "sintel", "slate", "broken", "unparsable", "missing"] {
        mt.delete_vod_source().source_location_name("media").vod_source_name(name).send().await.unwrap();
    }
    mt.delete_source_location().source_location_name("media").send().await.unwrap();
    assert_eq!(
        failure(mt.describe_source_location().source_location_name("media").send().await).class,
        ErrorClass::NotFound
    );
    emulator.stop().await;
}

#[tokio::test]
async fn lists_page_with_stable_tokens() {
    let (emulator, mt) = start().await;
    media(&emulator, &mt).await;
    for i in 0..7 {
        mt.create_vod_source()
            .source_location_name("media")
            .vod_source_name(format!("v{i}"))
            .http_package_configurations(package(Type::Hls, "hls", "x.m3u8"))
            .send()
            .await
            .unwrap();
    }
    // 6 sample sources + 7 = 13, in name order.
    let first = mt.list_vod_sources().source_location_name("media").max_results(5).send().await.unwrap();
    assert_eq!(first.items().len(), 5);
    let token = first.next_token().unwrap().to_owned();
    // Added between pages, before the cursor: not repeated; the rest is not skipped.
    mt.create_vod_source()
        .source_location_name("media")
        .vod_source_name("aaa")
        .http_package_configurations(package(Type::Hls, "hls", "x.m3u8"))
        .send()
        .await
        .unwrap();
    let second =
        mt.list_vod_sources().source_location_name("media").max_results(5).next_token(&token).send().await.unwrap();
    let first_names: Vec<_> = first.items().iter().map(|v| v.vod_source_name().to_owned()).collect();
    let second_names: Vec<_> = second.items().iter().map(|v| v.vod_source_name().to_owned()).collect();
    assert!(first_names.iter().all(|n| !second_names.contains(n)));
    assert_eq!(
        second_names.first().map(String::as_str),
        Some("unparsable"),
        "the page after bbb, broken, missing, sintel, slate"
    );

    let all: Vec<String> = mt
        .list_vod_sources()
        .source_location_name("media")
        .max_results(3)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .unwrap()
        .into_iter()
        .map(|v| v.vod_source_name().to_owned())
        .collect();
    let mut sorted = all.clone();
    sorted.sort();
    assert_eq!(all, sorted);
    assert_eq!(all.len(), 14);

    for bad in [0, 101] {
        let err = failure(mt.list_vod_sources().source_location_name("media").max_results(bad).send().await);
        assert!(err.message.contains("MaxResults"), "{bad}: {err}");
    }
    let garbage =
        failure(mt.list_vod_sources().source_location_name("media").next_token("zz-not-a-token").send().await);
    assert!(garbage.message.contains("NextToken"), "{garbage}");

    for i in 0..51 {
        mt.put_playback_configuration().name(format!("pc-{i:02}")).send().await.unwrap();
    }
    let page = mt.list_playback_configurations().send().await.unwrap();
    assert_eq!(page.items().len(), 50, "the seed's default page size");
    assert!(page.next_token().is_some());
    emulator.stop().await;
}

#[tokio::test]
async fn schedule_follows_transitions_and_manifest_durations() {
    let (emulator, mt) = start().await;
    media(&emulator, &mt).await;
    channel(&mt, "ch").await;
    let slate = SlateSource::builder().source_location_name("media").vod_source_name("slate").build();
    let create = |name: &'static str, source: &'static str, schedule: ScheduleConfiguration, breaks: Vec<AdBreak>| {
        mt.create_program()
            .channel_name("ch")
            .program_name(name)
            .source_location_name("media")
            .vod_source_name(source)
            .schedule_configuration(schedule)
            .set_ad_breaks(Some(breaks))
            .send()
    };
    create("p1", "bbb", after(None), vec![AdBreak::builder().offset_millis(60_060).slate(slate.clone()).build()])
        .await
        .unwrap();
    create("p2", "sintel", after(Some("p1")), vec![]).await.unwrap();
    let before = ScheduleConfiguration::builder()
        .transition(
            Transition::builder()
                .r#type("RELATIVE")
                .relative_position(RelativePosition::BeforeProgram)
                .relative_program("p1")
                .build()
                .unwrap(),
        )
        .build();
    create("p0", "sintel", before, vec![]).await.unwrap();

    mt.start_channel().channel_name("ch").send().await.unwrap();
    let schedule = mt.get_channel_schedule().channel_name("ch").send().await.unwrap();
    let names: Vec<_> = schedule.items().iter().map(|e| e.program_name()).collect();
    assert_eq!(names, ["p0", "p1", "p2"]);
    let durations: Vec<_> = schedule.items().iter().map(|e| e.approximate_duration_seconds().unwrap()).collect();
    // sintel 40 s; big-buck-bunny 118.118 s + a 30 s slate, rounded up; sintel 40 s.
    assert_eq!(durations, [40, 149, 40]);
    let starts: Vec<f64> = schedule.items().iter().map(|e| e.approximate_start_time().unwrap().as_secs_f64()).collect();
    assert!((starts[1] - starts[0] - 40.0).abs() < 0.01);
    assert!((starts[2] - starts[1] - 148.118).abs() < 0.01);
    let ad = &schedule.items()[1].schedule_ad_breaks()[0];
    assert_eq!(ad.approximate_duration_seconds(), Some(30));
    assert_eq!(ad.vod_source_name(), Some("slate"));
    assert!((ad.approximate_start_time().unwrap().as_secs_f64() - starts[1] - 60.06).abs() < 0.01);

    let limited = mt.get_channel_schedule().channel_name("ch").duration_minutes("1").send().await.unwrap();
    assert_eq!(limited.items().len(), 2, "p2 starts after the first minute");
    let paged = mt.get_channel_schedule().channel_name("ch").max_results(2).send().await.unwrap();
    assert_eq!(paged.items().len(), 2);
    let rest = mt
        .get_channel_schedule()
        .channel_name("ch")
        .max_results(2)
        .next_token(paged.next_token().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(rest.items()[0].program_name(), "p2");
    assert!(rest.next_token().is_none());

    // A VOD source on an origin the emulator cannot read plans with the documented 300 s.
    mt.create_source_location()
        .source_location_name("remote")
        .http_configuration(HttpConfiguration::builder().base_url("https://example.com/").build().unwrap())
        .send()
        .await
        .unwrap();
    mt.create_vod_source()
        .source_location_name("remote")
        .vod_source_name("far")
        .http_package_configurations(package(Type::Hls, "hls", "x/index.m3u8"))
        .send()
        .await
        .unwrap();
    mt.create_program()
        .channel_name("ch")
        .program_name("p3")
        .source_location_name("remote")
        .vod_source_name("far")
        .schedule_configuration(after(Some("p2")))
        .send()
        .await
        .unwrap();
    let schedule = mt.get_channel_schedule().channel_name("ch").send().await.unwrap();
    assert_eq!(schedule.items()[3].approximate_duration_seconds(), Some(300));
    emulator.stop().await;
}

#[tokio::test]
async fn alerts_come_from_the_media_and_from_the_test_endpoint() {
    let (emulator, mt) = start().await;
    media(&emulator, &mt).await;
    let codes = |items: &[aws_sdk_mediatailor::types::Alert]| {
        let mut codes: Vec<String> = items.iter().map(|a| a.alert_code().to_owned()).collect();
        codes.sort();
        codes
    };
    let broken = mt.list_alerts().resource_arn(arn("vodSource/media/broken")).send().await.unwrap();
    assert_eq!(
        codes(broken.items()),
        ["SEGMENT_DURATION_TOO_LONG", "TARGET_DURATION_MISMATCH", "VARIANT_DURATION_MISMATCH"]
    );
    let unparsable = mt.list_alerts().resource_arn(arn("vodSource/media/unparsable")).send().await.unwrap();
    assert_eq!(codes(unparsable.items()), ["UNPARSABLE_MANIFEST"]);
    let missing = mt.list_alerts().resource_arn(arn("vodSource/media/missing")).send().await.unwrap();
    assert_eq!(codes(missing.items()), ["UNREACHABLE"]);
    let healthy = mt.list_alerts().resource_arn(arn("vodSource/media/bbb")).send().await.unwrap();
    assert!(healthy.items().is_empty());

    let location = mt.list_alerts().resource_arn(arn("sourceLocation/media")).send().await.unwrap();
    assert_eq!(location.items().len(), 5, "the source location carries its VOD sources' alerts");
    let again = mt.list_alerts().resource_arn(arn("sourceLocation/media")).send().await.unwrap();
    let times = |items: &[aws_sdk_mediatailor::types::Alert]| {
        items.iter().map(|a| a.last_modified_time().as_secs_f64()).collect::<Vec<_>>()
    };
    assert_eq!(times(location.items()), times(again.items()), "an alert keeps the time it was first seen");
    let page = mt.list_alerts().resource_arn(arn("sourceLocation/media")).max_results(2).send().await.unwrap();
    assert_eq!(page.items().len(), 2);
    assert!(page.next_token().is_some());

    channel(&mt, "ch").await;
    mt.create_program()
        .channel_name("ch")
        .program_name("p")
        .source_location_name("media")
        .vod_source_name("broken")
        .schedule_configuration(after(None))
        .send()
        .await
        .unwrap();
    let on_channel = mt.list_alerts().resource_arn(arn("channel/ch")).send().await.unwrap();
    assert_eq!(codes(on_channel.items()), ["VOD_SOURCE_ALERT", "VOD_SOURCE_ALERT", "VOD_SOURCE_ALERT"]);
    assert_eq!(on_channel.items()[0].resource_arn(), arn("program/ch/p"));
    assert!(on_channel.items()[0].related_resource_arns().contains(&arn("vodSource/media/broken")));

    let body = format!(
        r#"[{{"ResourceArn":"{}","AlertCode":"NOT_PROCESSED","AlertMessage":"injected","LastModifiedTime":1700000000.5}}]"#,
        arn("channel/ch")
    );
    let (status, _, answer) = raw(&emulator, "POST", "/_local/alerts", false, &body).await;
    assert_eq!(status, 200, "{answer}");
    let on_channel = mt.list_alerts().resource_arn(arn("channel/ch")).send().await.unwrap();
    let injected = on_channel.items().iter().find(|a| a.alert_code() == "NOT_PROCESSED").unwrap();
    assert_eq!(injected.last_modified_time().as_secs_f64(), 1_700_000_000.5);

    let nowhere = failure(mt.list_alerts().resource_arn(arn("channel/ghost")).send().await);
    assert_eq!(nowhere.class, ErrorClass::NotFound);
    emulator.stop().await;
}

#[tokio::test]
async fn playback_configurations_round_trip_and_validate() {
    let (emulator, mt) = start().await;
    let put = mt
        .put_playback_configuration()
        .name("conf")
        .ad_decision_server_url("https://ads.example.com/vast?sid=[session.id]")
        .video_content_source_url("https://origin.example.com/hls/")
        .avail_suppression(AvailSuppression::builder().mode(Mode::BehindLiveEdge).value("00:45:00").build())
        .tags("team", "video")
        .send()
        .await
        .unwrap();
    assert_eq!(put.playback_configuration_arn(), Some(arn("playbackConfiguration/conf").as_str()));
    let prefix = put.hls_configuration().and_then(|h| h.manifest_endpoint_prefix()).unwrap();
    assert!(prefix.starts_with(emulator.base_url()), "{prefix}");
    assert!(put.session_initialization_endpoint_prefix().unwrap().starts_with(emulator.base_url()));
    let got = mt.get_playback_configuration().name("conf").send().await.unwrap();
    assert_eq!(got.avail_suppression().and_then(|a| a.value()), Some("00:45:00"));
    assert_eq!(got.tags().unwrap().get("team").map(String::as_str), Some("video"));
    assert_eq!(mt.list_playback_configurations().send().await.unwrap().items().len(), 1);

    let base = "https://ads.example.com/?q=";
    let at = format!("{base}{}", "a".repeat(25_000 - base.len()));
    assert!(mt.put_playback_configuration().name("long").ad_decision_server_url(&at).send().await.is_ok());
    let past =
        failure(mt.put_playback_configuration().name("long").ad_decision_server_url(format!("{at}a")).send().await);
    assert!(past.message.contains("AdDecisionServerUrl"), "{past}");
    let origin = format!("https://o.example.com/{}", "a".repeat(512 - "https://o.example.com/".len()));
    assert!(mt.put_playback_configuration().name("vcs").video_content_source_url(&origin).send().await.is_ok());
    let past = failure(
        mt.put_playback_configuration().name("vcs").video_content_source_url(format!("{origin}a")).send().await,
    );
    assert!(past.message.contains("VideoContentSourceUrl"), "{past}");
    let bad_time = failure(
        mt.put_playback_configuration()
            .name("sup")
            .avail_suppression(AvailSuppression::builder().mode(Mode::BehindLiveEdge).value("45:00").build())
            .send()
            .await,
    );
    assert!(bad_time.message.contains("AvailSuppression.Value"), "{bad_time}");
    let threshold =
        failure(mt.put_playback_configuration().name("t").personalization_threshold_seconds(0).send().await);
    assert!(threshold.message.contains("PersonalizationThresholdSeconds"), "{threshold}");

    mt.delete_playback_configuration().name("conf").send().await.unwrap();
    let gone = failure(mt.get_playback_configuration().name("conf").send().await);
    assert_eq!(gone.class, ErrorClass::NotFound);
    emulator.stop().await;
}

#[tokio::test]
async fn tags_and_channel_policies() {
    let (emulator, mt) = start().await;
    media(&emulator, &mt).await;
    channel(&mt, "ch").await;
    mt.put_playback_configuration().name("pc").send().await.unwrap();
    for resource in ["channel/ch", "sourceLocation/media", "vodSource/media/bbb", "playbackConfiguration/pc"] {
        let resource_arn = arn(resource);
        mt.tag_resource().resource_arn(&resource_arn).tags("a", "1").tags("b", "2").send().await.unwrap();
        mt.untag_resource().resource_arn(&resource_arn).tag_keys("a").send().await.unwrap();
        let tags = mt.list_tags_for_resource().resource_arn(&resource_arn).send().await.unwrap();
        let tags = tags.tags().unwrap();
        assert_eq!(tags.get("b").map(String::as_str), Some("2"), "{resource}");
        assert!(!tags.contains_key("a"), "{resource}");
    }
    let sl = mt.describe_source_location().source_location_name("media").send().await.unwrap();
    assert_eq!(sl.tags().unwrap().get("team").map(String::as_str), Some("video"));
    let missing = failure(mt.tag_resource().resource_arn(arn("channel/ghost")).tags("a", "1").send().await);
    assert_eq!(missing.class, ErrorClass::NotFound);

    let policy = r#"{"Version":"2012-10-17","Statement":[]}"#;
    mt.put_channel_policy().channel_name("ch").policy(policy).send().await.unwrap();
    assert_eq!(mt.get_channel_policy().channel_name("ch").send().await.unwrap().policy(), Some(policy));
    mt.delete_channel_policy().channel_name("ch").send().await.unwrap();
    assert_eq!(failure(mt.get_channel_policy().channel_name("ch").send().await).class, ErrorClass::NotFound);
    let not_json = failure(mt.put_channel_policy().channel_name("ch").policy("allow all").send().await);
    assert!(not_json.message.contains("Policy"), "{not_json}");
    emulator.stop().await;
}

#[tokio::test]
async fn injected_faults_reach_the_sdk() {
    let (emulator, _) = start().await;
    let config = aws_sdk_mediatailor::config::Builder::from(&emulator.sdk_config().await)
        .retry_config(aws_sdk_mediatailor::config::retry::RetryConfig::standard().with_max_attempts(2))
        .build();
    let mt = Client::from_conf(config);
    emulator
        .set_faults(FaultConfig { throttle_rate: 1.0, operations: vec!["ListChannels".into()], ..Default::default() })
        .unwrap();
    let throttled = failure(mt.list_channels().send().await);
    assert_eq!(throttled.class, ErrorClass::Throttled);
    assert_eq!(emulator.call_counts().get("ListChannels"), Some(&2), "the SDK retried once");
    assert!(mt.list_source_locations().send().await.is_ok(), "other operations are untouched");

    emulator.set_faults(FaultConfig { error_rate: 1.0, ..Default::default() }).unwrap();
    assert_eq!(failure(mt.list_channels().send().await).class, ErrorClass::Retryable);

    emulator.set_faults(FaultConfig { fail_after: Some(2), ..Default::default() }).unwrap();
    assert!(mt.list_channels().send().await.is_ok());
    assert!(mt.list_channels().send().await.is_ok());
    assert_eq!(failure(mt.list_channels().send().await).status, Some(500));

    emulator.set_faults(FaultConfig { latency_ms: 200, ..Default::default() }).unwrap();
    let started = std::time::Instant::now();
    mt.list_channels().send().await.unwrap();
    assert!(started.elapsed() >= Duration::from_millis(200));
    emulator.stop().await;
}

#[tokio::test]
async fn a_restart_with_the_state_file_keeps_everything() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    let options = || EmulatorOptions { state_file: Some(state.clone()), ..Default::default() };
    let emulator = Emulator::start(options()).await.unwrap();
    let mt = Client::new(&emulator.sdk_config().await);
    media(&emulator, &mt).await;
    channel(&mt, "ch").await;
    mt.create_program()
        .channel_name("ch")
        .program_name("p")
        .source_location_name("media")
        .vod_source_name("bbb")
        .schedule_configuration(after(None))
        .send()
        .await
        .unwrap();
    mt.put_playback_configuration().name("pc").tags("k", "v").send().await.unwrap();
    let before = mt.describe_vod_source().source_location_name("media").vod_source_name("bbb").send().await.unwrap();
    emulator.stop().await;

    let emulator = Emulator::start(options()).await.unwrap();
    let mt = Client::new(&emulator.sdk_config().await);
    let after = mt.describe_vod_source().source_location_name("media").vod_source_name("bbb").send().await.unwrap();
    assert_eq!(before.arn(), after.arn());
    assert_eq!(before.creation_time(), after.creation_time());
    assert_eq!(
        mt.describe_program().channel_name("ch").program_name("p").send().await.unwrap().vod_source_name(),
        Some("bbb")
    );
    let pc = mt.get_playback_configuration().name("pc").send().await.unwrap();
    assert_eq!(pc.tags().unwrap().get("k").map(String::as_str), Some("v"));
    emulator.stop().await;

    std::fs::write(&state, b"{ not json").unwrap();
    let Err(err) = Emulator::start(options()).await else { panic!("a corrupt state file must stop the start") };
    assert!(matches!(err, EmulatorError::State { .. }), "{err}");
}

#[tokio::test]
async fn wire_details_the_sdk_hides() {
    let (emulator, _) = start().await;
    let (status, head, _) = raw(&emulator, "GET", "/channels", false, "").await;
    assert_eq!(status, 403);
    assert!(head.to_ascii_lowercase().contains("x-amzn-errortype: missingauthenticationtokenexception"), "{head}");

    let (status, head, body) = raw(
        &emulator,
        "POST",
        "/channel/c",
        true,
        r#"{"PlaybackMode":"LOOP","Outputs":[{"ManifestName":"m","SourceGroup":"g","HlsPlaylistSettings":{}}],"Tier":"BASIC"}"#,
    )
    .await;
    assert_eq!(status, 400);
    assert!(head.to_ascii_lowercase().contains("x-amzn-errortype: badrequestexception"), "{head}");
    let body: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert!(body["Message"].as_str().unwrap().contains("Tier"), "{body}");

    let (status, _, body) = raw(&emulator, "POST", "/channel/c", true, "{not json").await;
    assert_eq!(status, 400);
    assert!(body.contains("not valid JSON"), "{body}");

    assert_eq!(raw(&emulator, "PUT", "/playbackConfiguration", true, r#"{"Name":"x"}"#).await.0, 200);
    let (status, _, body) = raw(&emulator, "DELETE", "/playbackConfiguration/x", true, "").await;
    assert_eq!((status, body.as_str()), (204, ""));
    let tag_path = format!("/tags/{}", arn("playbackConfiguration/y").replace(':', "%3A").replace('/', "%2F"));
    raw(&emulator, "PUT", "/playbackConfiguration", true, r#"{"Name":"y"}"#).await;
    assert_eq!(raw(&emulator, "POST", &tag_path, true, r#"{"tags":{"a":"b"}}"#).await.0, 204);
    emulator.stop().await;
}

#[tokio::test]
async fn source_locations_update_and_every_list_pages() {
    let (emulator, mt) = start().await;
    for i in 0..3 {
        mt.create_source_location()
            .source_location_name(format!("sl-{i}"))
            .http_configuration(HttpConfiguration::builder().base_url("https://a.example.com/").build().unwrap())
            .send()
            .await
            .unwrap();
        channel(&mt, &format!("ch-{i}")).await;
    }
    let updated = mt
        .update_source_location()
        .source_location_name("sl-0")
        .http_configuration(HttpConfiguration::builder().base_url("https://b.example.com/").build().unwrap())
        .access_configuration(
            aws_sdk_mediatailor::types::AccessConfiguration::builder()
                .access_type(aws_sdk_mediatailor::types::AccessType::S3Sigv4)
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(updated.http_configuration().map(|h| h.base_url()), Some("https://b.example.com/"));
    assert!(updated.last_modified_time() >= updated.creation_time());
    let bad = failure(
        mt.update_source_location()
            .source_location_name("sl-0")
            .http_configuration(HttpConfiguration::builder().base_url("ftp://x").build().unwrap())
            .send()
            .await,
    );
    assert!(bad.message.contains("HttpConfiguration.BaseUrl"), "{bad}");

    let locations: Vec<String> = mt
        .list_source_locations()
        .max_results(2)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .unwrap()
        .into_iter()
        .map(|l| l.source_location_name().to_owned())
        .collect();
    assert_eq!(locations, ["sl-0", "sl-1", "sl-2"]);
    let channels: Vec<String> = mt
        .list_channels()
        .max_results(1)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.channel_name().to_owned())
        .collect();
    assert_eq!(channels, ["ch-0", "ch-1", "ch-2"]);
    emulator.stop().await;
}
