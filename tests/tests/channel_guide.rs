//! channel-guide against mediatailor-local: channels, programs and tagged VOD sources made
//! through the SDK, guides read back from the emulator's S3 (a copy of the sample media folder),
//! and every generated guide validated against the XMLTV DTD with xmllint.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use aws_lambda_events::event::eventbridge::EventBridgeEvent;
use aws_sdk_mediatailor::types::{
    HlsPlaylistSettings, HttpPackageConfiguration, PlaybackMode, RelativePosition, RequestOutputItem,
    ScheduleConfiguration, Transition, Type,
};
use channel_guide::xmltv::xmltv_time;
use channel_guide::{GuideError, MetricsSink, Settings, State, Summary, Written};
use chrono::{DateTime, Utc};
use mediatailor_local::{Emulator, EmulatorOptions, FaultConfig};
use tailorflow_integration_tests::{copy_dir, create_sample_source_location, fast_client_settings, invocation};
use tailorflow_shared::{AwsClients, EnvReader};

const BUCKET: &str = "tailorflow-media";
const LOCATION: &str = "media";
/// Where Debian's xmltv-util puts the XMLTV DTD.
const XMLTV_DTD: &str = "/usr/share/xmltv/xmltv.dtd";
/// A title with XML's special characters, non-ASCII letters, an emoji and a CDATA end.
const TRICKY_TITLE: &str = "Big Buck Bunny: <Tom> & \"Jerry\" 's ]]> — 東京 🐰";

/// An emulator over a private copy of the sample media, so the guides it stores are the test's.
struct World {
    emulator: Emulator,
    media: tempfile::TempDir,
}

impl World {
    async fn start() -> Self {
        let media = tempfile::tempdir().unwrap();
        copy_dir(&mediatailor_local::sample_media_dir(), media.path());
        let options = EmulatorOptions { media_dir: media.path().to_path_buf(), ..EmulatorOptions::default() };
        let emulator = Emulator::start(options).await.unwrap();
        Self { emulator, media }
    }

    async fn mt(&self) -> aws_sdk_mediatailor::Client {
        aws_sdk_mediatailor::Client::new(&self.emulator.sdk_config().await)
    }

    fn object(&self, key: &str) -> Option<Vec<u8>> {
        std::fs::read(self.media.path().join(BUCKET).join(key)).ok()
    }

    async fn state(&self, extra: &[(&str, &str)]) -> (State, MetricsSink) {
        let mut vars = vec![("GUIDE_BUCKET", BUCKET), ("GUIDE_HOURS", "1"), ("MAX_REQUESTS_PER_SECOND", "100")];
        vars.extend_from_slice(extra);
        let settings = Settings::read(EnvReader::from_pairs(vars)).unwrap();
        let clients = AwsClients::for_emulator(&self.emulator.sdk_config().await, &fast_client_settings(2));
        let metrics = MetricsSink::memory();
        let mut state = State::new(clients, settings);
        state.metrics = metrics.clone();
        (state, metrics)
    }
}

async fn vod_source(mt: &aws_sdk_mediatailor::Client, name: &str, package: &str, tags: &[(&str, &str)]) {
    let hls = HttpPackageConfiguration::builder()
        .path(format!("packages/{package}/hls/index.m3u8"))
        .source_group("hls")
        .r#type(Type::Hls)
        .build()
        .unwrap();
    let tags: Option<std::collections::HashMap<String, String>> =
        (!tags.is_empty()).then(|| tags.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect());
    mt.create_vod_source()
        .source_location_name(LOCATION)
        .vod_source_name(name)
        .http_package_configurations(hls)
        .set_tags(tags)
        .send()
        .await
        .unwrap();
}

/// A LOOP channel playing `vod_sources` in order, tagged managed or not, started.
async fn channel(mt: &aws_sdk_mediatailor::Client, name: &str, managed: bool, vod_sources: &[&str]) {
    let output = RequestOutputItem::builder()
        .manifest_name("index")
        .source_group("hls")
        .hls_playlist_settings(HlsPlaylistSettings::builder().manifest_window_seconds(60).build())
        .build()
        .unwrap();
    mt.create_channel()
        .channel_name(name)
        .playback_mode(PlaybackMode::Loop)
        .outputs(output)
        .tags("tailorflow:managed", if managed { "true" } else { "false" })
        .send()
        .await
        .unwrap();
    let mut previous: Option<String> = None;
    for (i, vod) in vod_sources.iter().enumerate() {
        let program = format!("{name}-{i}-{vod}");
        append(mt, name, &program, vod, previous.as_deref()).await;
        previous = Some(program);
    }
    mt.start_channel().channel_name(name).send().await.unwrap();
}

async fn append(mt: &aws_sdk_mediatailor::Client, channel: &str, program: &str, vod: &str, after: Option<&str>) {
    let transition = Transition::builder()
        .r#type("RELATIVE")
        .relative_position(RelativePosition::AfterProgram)
        .set_relative_program(after.map(str::to_owned))
        .build()
        .unwrap();
    mt.create_program()
        .channel_name(channel)
        .program_name(program)
        .source_location_name(LOCATION)
        .vod_source_name(vod)
        .schedule_configuration(ScheduleConfiguration::builder().transition(transition).build())
        .send()
        .await
        .unwrap();
}

/// A scheduled event at the whole second after `time` (after the channels started).
fn scheduled_at(time: DateTime<Utc>) -> EventBridgeEvent<serde_json::Value> {
    let mut event = load_event("scheduled.json");
    event.time = DateTime::from_timestamp(time.timestamp() + 1, 0);
    event
}

fn load_event(name: &str) -> EventBridgeEvent<serde_json::Value> {
    serde_json::from_str(&std::fs::read_to_string(event_path(name)).unwrap()).unwrap()
}

fn event_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../events/channel-guide").join(name)
}

/// Validates `xml` against the XMLTV DTD with xmllint. Without xmllint or the DTD the check is
/// skipped locally, with a note, and fails under CI (`CI=true`), where the test command installs
/// them.
fn assert_valid_xmltv(xml: &[u8]) {
    let have_dtd = Path::new(XMLTV_DTD).is_file();
    let xmllint = std::process::Command::new("xmllint").arg("--version").output();
    if !have_dtd || xmllint.is_err() {
        let why = format!("xmllint or {XMLTV_DTD} missing (apt-get install xmltv-util libxml2-utils)");
        assert!(std::env::var("CI").as_deref() != Ok("true"), "cannot validate the guide: {why}");
        eprintln!("note: XMLTV DTD validation skipped: {why}");
        return;
    }
    let file = tempfile::Builder::new().suffix(".xml").tempfile().unwrap();
    std::fs::write(file.path(), xml).unwrap();
    let output = std::process::Command::new("xmllint")
        .args(["--noout", "--nonet", "--dtdvalid", XMLTV_DTD])
        .arg(file.path())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "the guide is not valid XMLTV:\n{}\n{}",
        String::from_utf8_lossy(&output.stderr),
        String::from_utf8_lossy(xml)
    );
}

fn json_of(bytes: &[u8]) -> serde_json::Value {
    serde_json::from_slice(bytes).unwrap()
}

fn time_of(value: &serde_json::Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(value.as_str().unwrap()).unwrap().with_timezone(&Utc)
}

/// The channel's schedule as GetChannelSchedule gives it: (start in ms, seconds, VOD source).
async fn loop_entries(mt: &aws_sdk_mediatailor::Client, channel: &str) -> Vec<(i64, i64, String)> {
    let schedule = mt.get_channel_schedule().channel_name(channel).duration_minutes("60").send().await.unwrap();
    schedule
        .items()
        .iter()
        .map(|e| {
            let start = e.approximate_start_time().unwrap();
            (
                start.secs() * 1000 + i64::from(start.subsec_nanos() / 1_000_000),
                e.approximate_duration_seconds().unwrap(),
                e.vod_source_name().unwrap().to_owned(),
            )
        })
        .collect()
}

/// The channel's report in the summary.
fn report<'s>(summary: &'s Summary, channel: &str) -> &'s channel_guide::ChannelReport {
    summary.channels.iter().find(|c| c.channel == channel).unwrap_or_else(|| panic!("no report of {channel}"))
}

#[tokio::test]
async fn guides_follow_the_schedule_carry_the_tags_and_are_valid_xmltv() {
    let world = World::start().await;
    let mt = world.mt().await;
    create_sample_source_location(&mt, LOCATION).await;
    vod_source(
        &mt,
        "bunny",
        "big-buck-bunny",
        &[
            ("title", TRICKY_TITLE),
            ("description", "A giant rabbit & three rodents; «très» drôle, with &amp; written out."),
            ("category", "Animation, Kids & Family"),
            ("episode", "S01E03"),
        ],
    )
    .await;
    vod_source(&mt, "sintel", "sintel", &[]).await;
    channel(&mt, "tagged", true, &["bunny", "sintel"]).await;
    channel(&mt, "untagged", true, &["sintel"]).await;
    channel(&mt, "empty", true, &[]).await;
    channel(&mt, "not-managed", false, &["sintel"]).await;

    // The guide is compared with the schedule read just before and just after the run: when
    // both agree, the run saw the same loop (a loop boundary between them is retried once).
    let mut attempts = 0;
    let (summary, metrics, entries) = loop {
        attempts += 1;
        let before = loop_entries(&mt, "tagged").await;
        let (state, metrics) = world.state(&[]).await;
        let summary = channel_guide::handler(&state, invocation(scheduled_at(Utc::now()))).await.unwrap();
        let after = loop_entries(&mt, "tagged").await;
        if before == after || attempts == 3 {
            assert_eq!(before, after, "the schedule moved on during three runs");
            break (summary, metrics, after);
        }
    };
    let mut guided: Vec<&str> = summary.channels.iter().map(|c| c.channel.as_str()).collect();
    guided.sort_unstable();
    assert_eq!(guided, ["empty", "tagged", "untagged"], "only the managed channels");
    assert!(world.object("guides/not-managed.xml").is_none());

    // Every guide is valid XMLTV, and its JSON twin lists the same programmes.
    for channel in ["tagged", "untagged", "empty"] {
        let xml = world.object(&format!("guides/{channel}.xml")).expect("the XMLTV guide is in S3");
        assert_valid_xmltv(&xml);
        let json = json_of(&world.object(&format!("guides/{channel}.json")).expect("the JSON guide is in S3"));
        assert_eq!(json["channel"]["id"], channel);
        let xml = String::from_utf8(xml).unwrap();
        let programmes = json["programmes"].as_array().unwrap();
        assert_eq!(xml.matches("<programme ").count(), programmes.len(), "{channel}");
        for p in programmes {
            let attrs =
                format!("start=\"{}\" stop=\"{}\"", xmltv_time(time_of(&p["start"])), xmltv_time(time_of(&p["stop"])));
            assert!(xml.contains(&attrs), "{channel}: {attrs} not in\n{xml}");
        }
    }

    // The times are the schedule's: the loop GetChannelSchedule gives, then the same loop again,
    // back to back, until the hour is covered.
    assert_eq!(entries.len(), 2);
    let (last_start, last_seconds, _) = &entries[1];
    let period_ms = last_start + last_seconds * 1000 - entries[0].0;
    let guide = json_of(&world.object("guides/tagged.json").unwrap());
    let programmes = guide["programmes"].as_array().unwrap();
    assert!(programmes.len() >= 2);
    for (i, p) in programmes.iter().enumerate() {
        let start = time_of(&p["start"]).timestamp();
        let matching = (0..100).find_map(|k| {
            entries.iter().find(|(entry_start, _, _)| (entry_start + k * period_ms).div_euclid(1000) == start)
        });
        let Some((_, seconds, vod)) = matching else { panic!("programme {i} starts at no loop's entry: {p}") };
        let length = (time_of(&p["stop"]) - time_of(&p["start"])).num_seconds();
        // Durations are whole seconds rounded up; a programme stops when the next starts.
        assert!((seconds - 1..=*seconds).contains(&length), "programme {i}: {length} s, scheduled {seconds} s");
        let title = if vod == "bunny" { TRICKY_TITLE } else { "sintel" };
        assert_eq!(p["title"], title, "programme {i}");
        if i + 1 < programmes.len() {
            assert_eq!(p["stop"], programmes[i + 1]["start"], "back to back");
        }
    }
    let first_start = time_of(&programmes[0]["start"]);
    let last_stop = time_of(&programmes[programmes.len() - 1]["stop"]);
    assert!(first_start <= summary.window.start && last_stop >= summary.window.end, "the window is covered");

    // Tags: title, description, categories, episode, escaped in XML, as they are in JSON.
    let bunny = programmes.iter().find(|p| p["title"] == TRICKY_TITLE).unwrap();
    assert_eq!(bunny["categories"], serde_json::json!(["Animation", "Kids & Family"]));
    assert_eq!(bunny["episode"], "S01E03");
    let xml = String::from_utf8(world.object("guides/tagged.xml").unwrap()).unwrap();
    assert!(
        xml.contains("<title>Big Buck Bunny: &lt;Tom&gt; &amp; &quot;Jerry&quot; &apos;s ]]&gt; — 東京 🐰</title>"),
        "{xml}"
    );
    assert!(xml.contains("<desc>A giant rabbit &amp; three rodents; «très» drôle, with &amp;amp; written out.</desc>"));
    assert!(xml.contains("<category>Kids &amp; Family</category>"));
    assert!(xml.contains("<episode-num system=\"onscreen\">S01E03</episode-num>"));
    // A channel whose VOD sources have no tags: the VOD source's name, nothing else.
    let plain = json_of(&world.object("guides/untagged.json").unwrap());
    for p in plain["programmes"].as_array().unwrap() {
        assert_eq!(p.as_object().unwrap().keys().collect::<Vec<_>>(), ["start", "stop", "title"]);
        assert_eq!(p["title"], "sintel");
    }
    // A channel without programs: the channel alone, nothing ahead.
    let empty = json_of(&world.object("guides/empty.json").unwrap());
    assert_eq!(empty["programmes"], serde_json::json!([]));
    assert!(
        String::from_utf8(world.object("guides/empty.xml").unwrap())
            .unwrap()
            .contains("<display-name>empty</display-name>")
    );

    // Health: one EMF line per channel.
    let lines: BTreeMap<String, serde_json::Value> = metrics
        .lines()
        .iter()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            (v["ChannelName"].as_str().unwrap().to_owned(), v)
        })
        .collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines["empty"]["ScheduledMinutesAhead"], 0);
    assert_eq!(lines["empty"]["ProgramsInWindow"], 0);
    assert!(lines["tagged"]["ScheduledMinutesAhead"].as_i64().unwrap() >= 60, "a loop covers the window");
    assert_eq!(lines["tagged"]["FillerGapSeconds"], 0);
    assert_eq!(lines["tagged"]["ProgramsInWindow"], programmes.len());
    assert_eq!(lines["tagged"]["_aws"]["Timestamp"], summary.window.start.timestamp_millis());
    assert_eq!(report(&summary, "tagged").health.programs_in_window, programmes.len());
    for channel in &summary.channels {
        assert!(channel.objects.values().all(|w| *w == Written::Written), "{channel:?}");
    }
}

#[tokio::test]
async fn an_unchanged_guide_is_not_written_again_and_a_failed_write_keeps_the_previous_one() {
    let world = World::start().await;
    let mt = world.mt().await;
    create_sample_source_location(&mt, LOCATION).await;
    vod_source(&mt, "sintel", "sintel", &[("title", "Sintel")]).await;
    vod_source(&mt, "bunny", "big-buck-bunny", &[]).await;
    channel(&mt, "news", true, &["sintel"]).await;
    let (state, _) = world.state(&[("CHANNEL_NAMES", "news")]).await;
    let event = scheduled_at(Utc::now());

    channel_guide::handler(&state, invocation(event.clone())).await.unwrap();
    let first_xml = world.object("guides/news.xml").unwrap();
    let first_json = world.object("guides/news.json").unwrap();

    // The same event again (a retry): the same guide, so nothing is written.
    world.emulator.reset_call_counts();
    let again = channel_guide::handler(&state, invocation(event.clone())).await.unwrap();
    assert!(report(&again, "news").objects.values().all(|w| *w == Written::Unchanged), "{again:?}");
    assert_eq!(world.emulator.call_counts().get("PutObject"), None, "no PutObject for an unchanged guide");
    assert_eq!(world.emulator.call_counts().get("GetObject"), Some(&2));

    // The schedule changes while S3 refuses every PutObject: the run fails for Lambda to retry,
    // and the previous guide stays, whole.
    mt.stop_channel().channel_name("news").send().await.unwrap();
    append(&mt, "news", "news-1-bunny", "bunny", Some("news-0-sintel")).await;
    mt.start_channel().channel_name("news").send().await.unwrap();
    let changed = scheduled_at(Utc::now());
    world
        .emulator
        .set_faults(FaultConfig { error_rate: 1.0, operations: vec!["PutObject".into()], ..FaultConfig::default() })
        .unwrap();
    let err = channel_guide::handler(&state, invocation(changed.clone())).await.unwrap_err();
    assert!(matches!(err, GuideError::Channels { count: 1, ref channel, .. } if channel == "news"), "{err}");
    let diagnostic = lambda_runtime::Diagnostic::from(err);
    assert_eq!(diagnostic.error_type, "PutObjectFailed");
    assert!(diagnostic.error_message.contains("the previous guide stays"), "{}", diagnostic.error_message);
    assert_eq!(world.object("guides/news.xml").unwrap(), first_xml);
    assert_eq!(world.object("guides/news.json").unwrap(), first_json);

    // The retry, with S3 back, writes the new guide.
    world.emulator.set_faults(FaultConfig::default()).unwrap();
    let retried = channel_guide::handler(&state, invocation(changed)).await.unwrap();
    assert!(report(&retried, "news").objects.values().all(|w| *w == Written::Written));
    let xml = world.object("guides/news.xml").unwrap();
    assert_ne!(xml, first_xml);
    assert_valid_xmltv(&xml);
    let text = String::from_utf8(xml).unwrap();
    assert!(text.contains("<title>Sintel</title>") && text.contains("<title>bunny</title>"), "{text}");
}

#[tokio::test]
async fn programs_with_alerts_are_counted_and_named_channels_that_do_not_exist_are_reported() {
    let world = World::start().await;
    let mt = world.mt().await;
    create_sample_source_location(&mt, LOCATION).await;
    vod_source(&mt, "broken", "broken", &[]).await;
    vod_source(&mt, "sintel", "sintel", &[]).await;
    // Not tagged managed: CHANNEL_NAMES chooses it.
    channel(&mt, "alerting", false, &["sintel", "broken"]).await;
    let (state, metrics) = world.state(&[("CHANNEL_NAMES", "alerting,missing")]).await;
    let summary = channel_guide::handler(&state, invocation(scheduled_at(Utc::now()))).await.unwrap();
    assert_eq!(summary.missing_channels, ["missing"]);
    let health = &report(&summary, "alerting").health;
    assert!(health.programs_in_window >= 2);
    // The broken package's program has alerts, in every loop of the window.
    let broken = json_of(&world.object("guides/alerting.json").unwrap())["programmes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["title"] == "broken")
        .count();
    assert!(broken >= 1);
    assert_eq!(health.programs_with_alerts, broken, "{health:?}");
    let line: serde_json::Value = serde_json::from_str(&metrics.lines()[0]).unwrap();
    assert_eq!(line["ProgramsWithAlerts"], broken);
    assert_valid_xmltv(&world.object("guides/alerting.xml").unwrap());
}

#[tokio::test]
async fn malformed_events_are_refused_before_any_call() {
    let world = World::start().await;
    let (state, metrics) = world.state(&[]).await;
    world.emulator.reset_call_counts();
    let err = channel_guide::handler(&state, invocation(load_event("malformed-missing-time.json"))).await.unwrap_err();
    assert!(matches!(err, GuideError::MissingTime), "{err}");
    assert!(err.to_string().contains("\"time\""));
    let not_a_date = std::fs::read_to_string(event_path("malformed-time-not-a-date.json")).unwrap();
    assert!(serde_json::from_str::<EventBridgeEvent<serde_json::Value>>(&not_a_date).is_err());
    assert!(world.emulator.call_counts().is_empty(), "{:?}", world.emulator.call_counts());
    assert!(metrics.lines().is_empty());
    // The valid samples parse.
    for name in ["scheduled.json", "scheduler-input.json"] {
        assert!(load_event(name).time.is_some(), "{name}");
    }
}
