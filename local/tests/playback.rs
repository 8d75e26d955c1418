//! Channel playback: a LINEAR channel with a filler slate, driven through the real
//! `aws-sdk-mediatailor` client, played from its PlaybackUrls over plain HTTP. The HLS media
//! playlists and the DASH MPD are read for their markers at the times GetChannelSchedule gives,
//! and ffmpeg decodes them, segments fetched from the emulator's origin.
//!
//! The channel is started, then its start is moved 90 s into the past through the state file
//! (the emulator is restarted on it), so the window already holds a program boundary and an ad
//! break without waiting for them.
//!
//! ffmpeg: `scripts/test.sh` installs it. Without it the decoding test is skipped with a message,
//! unless `CI` is set, where a missing ffmpeg fails.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use aws_sdk_mediatailor::Client;
use aws_sdk_mediatailor::types::{
    AdBreak, AdMarkupType, DashPlaylistSettings, HlsPlaylistSettings, HttpConfiguration, HttpPackageConfiguration,
    PlaybackMode, RelativePosition, RequestOutputItem, ScheduleConfiguration, SlateSource, SpliceInsertMessage,
    Transition, Type,
};
use mediatailor_local::mediatailor::Store;
use mediatailor_local::{Emulator, EmulatorOptions};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// How far into the past the channel's start is moved.
const PLAYED_S: f64 = 90.0;
/// The window of every output.
const WINDOW_S: i32 = 120;

// ---- plain HTTP --------------------------------------------------------------------------------

/// An unsigned GET, as a player sends it: the status and the body.
async fn get(url: &str) -> (u16, String) {
    let rest = url.strip_prefix("http://").unwrap();
    let (authority, path) = rest.split_at(rest.find('/').unwrap());
    let mut stream = tokio::net::TcpStream::connect(authority).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.unwrap();
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    let chunked = head.to_ascii_lowercase().contains("transfer-encoding: chunked");
    (status, if chunked { dechunk(body) } else { body.to_owned() })
}

fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let size = usize::from_str_radix(size.trim(), 16).unwrap();
        if size == 0 {
            break;
        }
        out.push_str(&rest[..size]);
        body = &rest[size + 2..];
    }
    out
}

// ---- the channel ------------------------------------------------------------------------------

fn package(group: &str, kind: Type, path: &str) -> HttpPackageConfiguration {
    HttpPackageConfiguration::builder().source_group(group).r#type(kind).path(path).build().unwrap()
}

async fn vod_source(mt: &Client, name: &str, hls: &str, dash: &str) {
    mt.create_vod_source()
        .source_location_name("media")
        .vod_source_name(name)
        .http_package_configurations(package("hls", Type::Hls, hls))
        .http_package_configurations(package("dash", Type::Dash, dash))
        .send()
        .await
        .unwrap();
}

fn slate() -> SlateSource {
    SlateSource::builder().source_location_name("media").vod_source_name("slate").build()
}

fn ad_break(offset_ms: i64, event_id: i32) -> AdBreak {
    let splice = SpliceInsertMessage::builder().splice_event_id(event_id).avail_num(1).avails_expected(1).build();
    AdBreak::builder().offset_millis(offset_ms).slate(slate()).splice_insert_message(splice).build()
}

fn hls_output(name: &str, markup: AdMarkupType) -> RequestOutputItem {
    let settings = HlsPlaylistSettings::builder().manifest_window_seconds(WINDOW_S).ad_markup_type(markup).build();
    RequestOutputItem::builder()
        .manifest_name(name)
        .source_group("hls")
        .hls_playlist_settings(settings)
        .build()
        .unwrap()
}

fn dash_output() -> RequestOutputItem {
    let settings = DashPlaylistSettings::builder().manifest_window_seconds(WINDOW_S).build();
    RequestOutputItem::builder()
        .manifest_name("dash")
        .source_group("dash")
        .dash_playlist_settings(settings)
        .build()
        .unwrap()
}

/// A LINEAR channel `tv` with a filler slate: sintel (40 s, with a break 1 s off any segment
/// boundary, which is skipped), then big-buck-bunny with a 30 s slate break 12.012 s in.
async fn create_channel(emulator: &Emulator, mt: &Client) {
    let base_url = format!("{}/origin/tailorflow-media", emulator.base_url());
    let origin = HttpConfiguration::builder().base_url(base_url).build().unwrap();
    mt.create_source_location().source_location_name("media").http_configuration(origin).send().await.unwrap();
    vod_source(mt, "sintel", "packages/sintel/hls/index.m3u8", "packages/sintel/dash/manifest.mpd").await;
    let bbb_dash = "packages/big-buck-bunny/dash/manifest.mpd";
    vod_source(mt, "bbb", "packages/big-buck-bunny/hls/index.m3u8", bbb_dash).await;
    vod_source(mt, "slate", "slates/slate-30s/hls/index.m3u8", "slates/slate-30s/dash/manifest.mpd").await;
    mt.create_channel()
        .channel_name("tv")
        .playback_mode(PlaybackMode::Linear)
        .filler_slate(slate())
        .outputs(hls_output("index", AdMarkupType::Daterange))
        .outputs(hls_output("cue", AdMarkupType::Scte35Enhanced))
        .outputs(dash_output())
        .send()
        .await
        .unwrap();
    for (name, vod, after, breaks) in [
        ("first", "sintel", None, vec![ad_break(21_000, 7)]),
        ("second", "bbb", Some("first"), vec![ad_break(12_012, 42)]),
    ] {
        let mut transition = Transition::builder().r#type("RELATIVE").relative_position(RelativePosition::AfterProgram);
        if let Some(after) = after {
            transition = transition.relative_program(after);
        }
        let schedule = ScheduleConfiguration::builder().transition(transition.build().unwrap()).build();
        mt.create_program()
            .channel_name("tv")
            .program_name(name)
            .source_location_name("media")
            .vod_source_name(vod)
            .set_ad_breaks(Some(breaks))
            .schedule_configuration(schedule)
            .send()
            .await
            .unwrap();
    }
    mt.start_channel().channel_name("tv").send().await.unwrap();
}

/// An emulator whose channel `tv` started `PLAYED_S` ago, and its client.
async fn played_channel(state: &Path) -> (Emulator, Client) {
    let options = EmulatorOptions { state_file: Some(state.to_path_buf()), ..Default::default() };
    let emulator = Emulator::start(options.clone()).await.unwrap();
    let mt = Client::new(&emulator.sdk_config().await);
    create_channel(&emulator, &mt).await;
    let emulator_addr = emulator.addr();
    emulator.stop().await;
    let mut store = Store::load(state).unwrap();
    let record = store.channels.get_mut("tv").unwrap();
    record.started_at = record.started_at.map(|at| at - PLAYED_S);
    store.save(state).unwrap();
    // On the same port: the source location's BaseUrl, so every segment URI, points there.
    let emulator = Emulator::start(EmulatorOptions { addr: emulator_addr, ..options }).await.unwrap();
    let mt = Client::new(&emulator.sdk_config().await);
    (emulator, mt)
}

async fn playback_urls(mt: &Client) -> Vec<(String, String)> {
    let channel = mt.describe_channel().channel_name("tv").send().await.unwrap();
    channel.outputs().iter().map(|o| (o.manifest_name().to_owned(), o.playback_url().to_owned())).collect()
}

fn url_of(urls: &[(String, String)], manifest: &str) -> String {
    urls.iter().find(|(m, _)| m == manifest).map(|(_, u)| u.clone()).unwrap()
}

/// Where the schedule says bbb starts and its break starts, epoch milliseconds.
async fn scheduled(mt: &Client) -> (i64, i64) {
    let schedule = mt.get_channel_schedule().channel_name("tv").send().await.unwrap();
    let bbb = schedule.items().iter().find(|e| e.program_name() == "second").expect("bbb is scheduled");
    let at = |t: &aws_sdk_mediatailor::primitives::DateTime| t.to_millis().unwrap();
    let start = at(bbb.approximate_start_time().unwrap());
    let breaks = bbb.schedule_ad_breaks();
    assert_eq!(breaks.len(), 1, "{breaks:?}");
    (start, at(breaks[0].approximate_start_time().unwrap()))
}

// ---- reading playlists ------------------------------------------------------------------------

/// One media playlist segment: its tags (in order), its program date-time and its URI.
#[derive(Debug)]
struct Segment {
    tags: Vec<String>,
    date_ms: i64,
    uri: String,
}

fn iso_ms(text: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(text).unwrap().timestamp_millis()
}

fn header(playlist: &str, tag: &str) -> u64 {
    let line = playlist.lines().find_map(|l| l.strip_prefix(tag)).unwrap_or_else(|| panic!("{tag} in\n{playlist}"));
    line.trim_start_matches(':').parse().unwrap()
}

fn segments(playlist: &str) -> Vec<Segment> {
    let mut out = Vec::new();
    let mut tags = Vec::new();
    let mut date_ms = 0;
    for line in playlist.lines().skip_while(|l| !l.starts_with("#EXT-X-DISCONTINUITY-SEQUENCE")).skip(1) {
        if let Some(date) = line.strip_prefix("#EXT-X-PROGRAM-DATE-TIME:") {
            date_ms = iso_ms(date);
        } else if line.starts_with('#') {
            tags.push(line.to_owned());
        } else if !line.is_empty() {
            out.push(Segment { tags: std::mem::take(&mut tags), date_ms, uri: line.to_owned() });
        }
    }
    out
}

fn at(segments: &[Segment], date_ms: i64) -> &Segment {
    segments
        .iter()
        .find(|s| s.date_ms.abs_diff(date_ms) <= 1)
        .unwrap_or_else(|| panic!("a segment at {date_ms}: {segments:#?}"))
}

fn has(segment: &Segment, prefix: &str) -> bool {
    segment.tags.iter().any(|t| t.starts_with(prefix))
}

// ---- ffmpeg -----------------------------------------------------------------------------------

fn ffmpeg_available() -> bool {
    let found = Command::new("ffmpeg").arg("-version").stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok();
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI is set but ffmpeg is not installed (scripts/test.sh installs it)"
        );
        eprintln!(
            "SKIPPED: ffmpeg is not installed; `apt-get install ffmpeg` (scripts/test.sh does) to decode channels"
        );
    }
    found
}

/// `ffmpeg [INPUT_OPTIONS] -i URL -t SECONDS -f null -`, killed after a minute. Returns the exit
/// success and stderr.
fn decode(input_options: &[&str], url: &str, seconds: u32) -> (bool, String) {
    let mut child = Command::new("ffmpeg")
        .args(["-nostdin", "-v", "error"])
        .args(input_options)
        .args(["-i", url, "-t", &seconds.to_string()])
        .args(["-f", "null", "-"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let mut stderr = String::new();
            std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
            return (status.success(), stderr);
        }
        if Instant::now() > deadline {
            child.kill().unwrap();
            let _ = child.wait();
            return (false, format!("ffmpeg -i {url} did not finish in 60 s"));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as i64
}

// ---- tests ------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hls_outputs_play_the_schedule_with_discontinuities_and_ad_markers() {
    let dir = tempfile::tempdir().unwrap();
    let (emulator, mt) = played_channel(&dir.path().join("state.json")).await;
    let urls = playback_urls(&mt).await;
    let (bbb_ms, break_ms) = scheduled(&mt).await;
    let break_end_ms = break_ms + 30_000;

    let (status, multivariant) = get(&url_of(&urls, "index")).await;
    assert_eq!(status, 200, "{multivariant}");
    assert_eq!(multivariant.matches("#EXT-X-STREAM-INF:").count(), 1, "sintel, the first program, has one variant");
    assert!(
        multivariant.contains("RESOLUTION=1280x544") && multivariant.contains("\nindex/0.m3u8\n"),
        "{multivariant}"
    );

    let variant_url = url_of(&urls, "index").replace("index.m3u8", "index/0.m3u8");
    let (status, playlist) = get(&variant_url).await;
    assert_eq!(status, 200, "{playlist}");
    // The channel started 90 s ago and the window is 120 s: it starts with the channel.
    assert_eq!(header(&playlist, "#EXT-X-MEDIA-SEQUENCE"), 0, "{playlist}");
    assert_eq!(header(&playlist, "#EXT-X-DISCONTINUITY-SEQUENCE"), 0);
    assert_eq!(header(&playlist, "#EXT-X-TARGETDURATION"), 6);
    let listed = segments(&playlist);
    assert!(
        listed[0].uri.ends_with("/origin/tailorflow-media/packages/sintel/hls/720p/segment_00000.ts"),
        "{listed:#?}"
    );
    assert!(listed.iter().all(|s| s.uri.starts_with(&format!("{}/origin/", emulator.base_url()))));

    // sintel's break at 21 s is 1 s off its 4 s segments: skipped, sintel plays through.
    assert_eq!(playlist.matches("SCTE35-OUT=").count(), 1, "only bbb's break is marked:\n{playlist}");
    let boundary = at(&listed, bbb_ms);
    assert!(has(boundary, "#EXT-X-DISCONTINUITY") && boundary.uri.contains("big-buck-bunny/hls/720p/segment_00000.ts"));
    let before = listed.iter().rev().find(|s| s.date_ms < bbb_ms).unwrap();
    assert!(before.uri.contains("sintel/hls/720p/segment_00009.ts"), "sintel ends whole: {before:?}");

    let out = at(&listed, break_ms);
    assert!(has(out, "#EXT-X-DISCONTINUITY") && out.uri.contains("slates/slate-30s/hls/720p/segment_00000.ts"));
    let daterange = out.tags.iter().find(|t| t.starts_with("#EXT-X-DATERANGE")).expect("DATERANGE on the break");
    assert!(daterange.contains("PLANNED-DURATION=30.000") && daterange.contains("SCTE35-OUT=0xFC"), "{daterange}");
    let back = at(&listed, break_end_ms);
    assert!(back.uri.contains("big-buck-bunny/hls/720p/segment_00002.ts"), "content resumes where it stopped");
    assert!(back.tags.iter().any(|t| t.starts_with("#EXT-X-DATERANGE") && t.contains("SCTE35-IN=0xFC")), "{back:?}");
    assert!(!has(&listed[1], "#EXT-X-DISCONTINUITY"));

    // SCTE35_ENHANCED: CUE-OUT on the first slate segment, CUE-OUT-CONT on the rest, CUE-IN after.
    let (_, cue) = get(&url_of(&urls, "cue").replace("cue.m3u8", "cue/0.m3u8")).await;
    let cued = segments(&cue);
    assert!(has(at(&cued, break_ms), "#EXT-X-CUE-OUT:30.000"), "{cue}");
    assert!(has(at(&cued, break_ms + 6000), "#EXT-X-CUE-OUT-CONT:ElapsedTime=6.000,Duration=30.000"));
    assert!(has(at(&cued, break_end_ms), "#EXT-X-CUE-IN"));
    assert!(!cue.contains("EXT-X-DATERANGE"));

    // Sequence numbers follow the segments, request after request.
    let (_, again) = get(&variant_url).await;
    let relisted = segments(&again);
    let sequence = header(&again, "#EXT-X-MEDIA-SEQUENCE") as usize;
    for (n, segment) in relisted.iter().enumerate() {
        let original = listed.iter().position(|s| s.date_ms == segment.date_ms);
        assert!(original.is_none_or(|i| i == sequence + n), "segment {n} renumbered");
    }

    if ffmpeg_available() {
        // From the window's first segment (the channel's start) through sintel, the boundary, the slate and back to bbb.
        let seconds = ((break_end_ms - listed[0].date_ms) / 1000 + 3) as u32;
        let (ok, stderr) =
            tokio::task::spawn_blocking(move || decode(&["-live_start_index", "0"], &variant_url, seconds))
                .await
                .unwrap();
        assert!(ok, "ffmpeg could not decode the HLS output: {stderr}");
    }

    mt.stop_channel().channel_name("tv").send().await.unwrap();
    let (status, body) = get(&url_of(&urls, "index")).await;
    assert_eq!(status, 404, "a stopped channel plays nothing: {body}");
    assert!(body.contains("not running"), "{body}");
    emulator.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dash_output_is_a_multi_period_mpd_with_an_scte35_event_stream() {
    let dir = tempfile::tempdir().unwrap();
    let (emulator, mt) = played_channel(&dir.path().join("state.json")).await;
    let urls = playback_urls(&mt).await;
    let (bbb_ms, break_ms) = scheduled(&mt).await;
    let dash_url = url_of(&urls, "dash");
    assert!(dash_url.ends_with("/v1/channel/tv/dash.mpd"), "{dash_url}");
    let (status, mpd) = get(&dash_url).await;
    assert_eq!(status, 200, "{mpd}");
    assert!(mpd.contains("type=\"dynamic\"") && mpd.contains("timeShiftBufferDepth=\"PT120S\""), "{mpd}");
    let start_ms = {
        let attr = mpd.split("availabilityStartTime=\"").nth(1).unwrap();
        iso_ms(&attr[..attr.find('"').unwrap()])
    };
    assert!((now_ms() - start_ms - (PLAYED_S * 1000.0) as i64).abs() < 10_000);

    // Periods: sintel, bbb, the slate (with the EventStream), bbb again.
    let periods: Vec<&str> = mpd.split("<Period ").skip(1).collect();
    assert_eq!(periods.len(), 4, "{mpd}");
    let start_of = |period: &str| {
        let attr = period.split("start=\"PT").nth(1).unwrap();
        (attr[..attr.find('S').unwrap()].parse::<f64>().unwrap() * 1000.0).round() as i64 + start_ms
    };
    assert!(periods[0].contains("packages/sintel/dash/"));
    assert!(start_of(periods[1]).abs_diff(bbb_ms) <= 1, "bbb's Period starts when the schedule says");
    assert!(periods[1].contains("/origin/tailorflow-media/packages/big-buck-bunny/dash/</BaseURL>"));
    assert!(start_of(periods[2]).abs_diff(break_ms) <= 1, "the slate's Period starts at the break");
    assert!(periods[2].contains("slates/slate-30s/dash/") && periods[2].contains("urn:scte:scte35:2013:xml"));
    assert!(periods[2].contains("spliceEventId=\"42\"") && periods[2].contains("duration=\"2700000\""));
    assert_eq!(mpd.matches("<EventStream").count(), 1, "sintel's misaligned break is skipped");
    assert!(periods[3].contains("presentationTimeOffset=\"1081080\""), "bbb resumes 12.012 s in: {}", periods[3]);

    if ffmpeg_available() {
        // ffmpeg's DASH reader plays one Period of a multi-period MPD (the live one): it decodes.
        let (ok, stderr) = tokio::task::spawn_blocking(move || decode(&[], &dash_url, 4)).await.unwrap();
        assert!(ok, "ffmpeg could not decode the DASH output: {stderr}");
    }
    emulator.stop().await;
}

/// A running LINEAR channel with no programs plays its filler slate: the multivariant lists the
/// slate's variants and each variant's window is slate segments.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_linear_channel_without_programs_plays_its_filler_slate() {
    let emulator = Emulator::start(EmulatorOptions::default()).await.unwrap();
    let mt = Client::new(&emulator.sdk_config().await);
    let base_url = format!("{}/origin/tailorflow-media", emulator.base_url());
    let origin = HttpConfiguration::builder().base_url(base_url).build().unwrap();
    mt.create_source_location().source_location_name("media").http_configuration(origin).send().await.unwrap();
    vod_source(&mt, "slate", "slates/slate-30s/hls/index.m3u8", "slates/slate-30s/dash/manifest.mpd").await;
    mt.create_channel()
        .channel_name("empty")
        .playback_mode(PlaybackMode::Linear)
        .filler_slate(slate())
        .outputs(hls_output("index", AdMarkupType::Daterange))
        .send()
        .await
        .unwrap();
    mt.start_channel().channel_name("empty").send().await.unwrap();
    let url = format!("{}/v1/channel/empty/index.m3u8", emulator.base_url());
    let (status, multivariant) = get(&url).await;
    assert_eq!(status, 200, "{multivariant}");
    assert_eq!(multivariant.matches("#EXT-X-STREAM-INF:").count(), 1, "the slate's one variant: {multivariant}");
    let (status, variant) = get(&url.replace("index.m3u8", "index/0.m3u8")).await;
    assert_eq!(status, 200, "{variant}");
    let window = segments(&variant);
    assert!(!window.is_empty(), "{variant}");
    assert!(window.iter().all(|s| s.uri.contains("/slates/slate-30s/hls/720p/segment_")), "{window:#?}");
    emulator.stop().await;
}
