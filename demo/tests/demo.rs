//! The local demo (`cargo run --release`) runs every function's handler against the embedded
//! emulator and reports what each did; this keeps it working.
#![allow(clippy::unwrap_used, clippy::expect_used)]

/// Both tests run the whole demo, which writes its guide into the sample media folder: one at a
/// time.
static ONE_DEMO_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

#[tokio::test]
async fn the_demo_runs_every_function_and_reports_it() {
    let _one = ONE_DEMO_AT_A_TIME.lock().await;
    let report = tailorflow_demo::run().await.unwrap();
    let has = |text: &str| assert!(report.contains(text), "the report lacks {text:?}:\n{report}");
    // vod-source-ingest: one VOD source per asset, HLS and DASH merged, the rest ignored; the
    // backfill picks up what no notification named.
    has("an SQS batch of 5 S3 notifications (0 to retry)");
    has("packages-big-buck-bunny  HLS+DASH");
    has("backfill of s3://tailorflow-media: ");
    has("slates-slate-30s         HLS");
    has("packages-broken          HLS");
    // program-scheduler: programs appended, breaks moved onto 6.006 s boundaries.
    has("60000 -> 60060 ms");
    assert!(report.contains("programs appended to demo-channel"), "{report}");
    let programs = report.lines().filter(|l| l.contains("big-buck-bunny-") && l.contains("(30s)")).count();
    assert!(programs >= 2, "{report}");
    // alert-publisher: the broken package's alerts reach the bus.
    has("SEGMENT_DURATION_TOO_LONG  vodSource       packages-broken");
    // playback-config-api: create, refuse a typo by name, read, list, delete, 404.
    has("PUT    /playback-configurations/demo-ads          200");
    has("unknown field `VideoContentSourceURL`");
    has("DELETE /playback-configurations/demo-ads          204");
    has("GET    /playback-configurations/demo-ads          404  PlaybackConfigurationNotFound");
    // channel-guide: the guide is written and its first programmes printed, titles from tags.
    has("5. channel-guide: XMLTV guide of demo-channel");
    has("written to s3://tailorflow-media/guides/demo-channel.xml");
    has("Big Buck Bunny   Animation, Comedy");
    has("0 s of filler gaps");
    // The console: its URL is this run's emulator's, and a stopped, empty channel joins in.
    has("7. console: http://127.0.0.1:");
    has("/#channel=demo-channel");
    has("demo-off-air: STOPPED, no programs");
    has("`cargo run --release -- --serve` keeps it up to open the console");
}

/// `start(Finish::Serve)` leaves the emulator serving the demo's state: the console page, and
/// both channels through the SDK.
#[tokio::test]
async fn the_served_demo_keeps_its_state_and_console_up() {
    let _one = ONE_DEMO_AT_A_TIME.lock().await;
    let (emulator, report) = tailorflow_demo::start(tailorflow_demo::Finish::Serve).await.unwrap();
    assert!(report.contains(&format!("7. console: {}#channel=demo-channel", emulator.console_url())), "{report}");
    assert!(report.contains("serves the demo's state until Ctrl-C"), "{report}");
    let mt = aws_sdk_mediatailor::Client::new(&emulator.sdk_config().await);
    let channels = mt.list_channels().send().await.unwrap();
    let mut states: Vec<(&str, &str)> =
        channels.items().iter().map(|c| (c.channel_name(), c.channel_state())).collect();
    states.sort();
    assert_eq!(states, [("demo-channel", "RUNNING"), ("demo-off-air", "STOPPED")]);
    let page = console_page(&emulator.console_url()).await;
    assert!(page.starts_with("HTTP/1.1 200"), "{page}");
    assert!(page.contains("<title>mediatailor-local console</title>"), "{page}");
    emulator.stop().await;
}

/// An unsigned `GET /`, as a browser sends it.
async fn console_page(url: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let authority = url.trim_start_matches("http://").trim_end_matches('/');
    let mut stream = tokio::net::TcpStream::connect(authority).await.unwrap();
    let request = format!("GET / HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut page = String::new();
    tokio::time::timeout(std::time::Duration::from_secs(30), stream.read_to_string(&mut page)).await.unwrap().unwrap();
    page
}
