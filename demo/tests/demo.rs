//! The local demo (`cargo run --release`) runs every function's handler against the embedded
//! emulator and reports what each did; this keeps it working.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[tokio::test]
async fn the_demo_runs_every_function_and_reports_it() {
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
}
