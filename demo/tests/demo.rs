//! The local demo (`cargo run --release`) runs every function's handler against the embedded
//! emulator and reports what each did; this keeps it working.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[tokio::test]
async fn the_demo_runs_every_function_and_reports_it() {
    let report = tailorflow_demo::run().await.unwrap();
    let has = |text: &str| assert!(report.contains(text), "the report lacks {text:?}:\n{report}");
    // vod-source-ingest: one VOD source per asset, HLS and DASH merged, the rest ignored.
    has("an SQS batch of 7 S3 notifications (0 to retry)");
    has("big-buck-bunny   HLS+DASH");
    has("slate-30s        HLS");
    // program-scheduler: programs appended, breaks moved onto 6.006 s boundaries.
    has("60000 -> 60060 ms");
    assert!(report.contains("programs appended to demo-channel"), "{report}");
    let programs = report.lines().filter(|l| l.contains("big-buck-bunny-") && l.contains("(30s)")).count();
    assert!(programs >= 2, "{report}");
    // alert-publisher: the broken package's alerts reach the bus.
    has("SEGMENT_DURATION_TOO_LONG  vodSource       broken");
    // playback-config-api: create, refuse a typo by name, read, list, delete, 404.
    has("PUT    /playback-configurations/demo-ads          200");
    has("unknown field `VideoContentSourceURL`");
    has("DELETE /playback-configurations/demo-ads          204");
    has("GET    /playback-configurations/demo-ads          404  PlaybackConfigurationNotFound");
}
