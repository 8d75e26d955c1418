//! The emulator's S3 and EventBridge, driven through `aws-sdk-s3` and `aws-sdk-eventbridge`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use aws_sdk_eventbridge::types::PutEventsRequestEntry;
use aws_sdk_s3::config::RequestChecksumCalculation;
use aws_sdk_s3::primitives::ByteStream;
use mediatailor_local::{Emulator, EmulatorOptions, FaultConfig};
use tailorflow_shared::{AwsCallError, ErrorClass};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const MEDIA_PLAYLIST: &[u8] = b"#EXTM3U\n#EXTINF:6.0,\na.ts\n#EXT-X-ENDLIST\n";

async fn start(media: &std::path::Path, events_log: Option<std::path::PathBuf>) -> Emulator {
    Emulator::start(EmulatorOptions { media_dir: media.to_path_buf(), events_log, ..Default::default() }).await.unwrap()
}

fn media_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let package = dir.path().join("bucket/packages/movie/hls");
    std::fs::create_dir_all(package.join("720p")).unwrap();
    std::fs::write(package.join("index.m3u8"), b"#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\n720p/index.m3u8\n").unwrap();
    std::fs::write(package.join("720p/index.m3u8"), MEDIA_PLAYLIST).unwrap();
    std::fs::create_dir_all(dir.path().join("bucket/listing")).unwrap();
    for i in 0..5 {
        std::fs::write(dir.path().join(format!("bucket/listing/item-{i}.txt")), format!("item {i}")).unwrap();
    }
    dir
}

async fn s3(emulator: &Emulator) -> aws_sdk_s3::Client {
    let config = aws_sdk_s3::config::Builder::from(&emulator.sdk_config().await)
        .force_path_style(true)
        // Uploads with a plain body: the emulator serves S3 anonymously (see local/src/s3.rs).
        .request_checksum_calculation(RequestChecksumCalculation::WhenRequired)
        .build();
    aws_sdk_s3::Client::from_conf(config)
}

async fn raw_get(emulator: &Emulator, path: &str) -> (u16, String, Vec<u8>) {
    let mut stream = tokio::net::TcpStream::connect(emulator.addr()).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut response)).await.unwrap().unwrap();
    let split = response.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&response[..split]).to_string();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    (status, head, response[split + 4..].to_vec())
}

#[tokio::test]
async fn s3_get_range_head_list_put_and_missing_keys() {
    let dir = media_dir();
    let emulator = start(dir.path(), None).await;
    let s3 = s3(&emulator).await;

    let object = s3.get_object().bucket("bucket").key("packages/movie/hls/index.m3u8").send().await.unwrap();
    let body = object.body.collect().await.unwrap().into_bytes();
    assert!(body.starts_with(b"#EXTM3U"));

    let ranged =
        s3.get_object().bucket("bucket").key("packages/movie/hls/index.m3u8").range("bytes=0-6").send().await.unwrap();
    assert_eq!(ranged.body.collect().await.unwrap().into_bytes().as_ref(), b"#EXTM3U");

    let head = s3.head_object().bucket("bucket").key("packages/movie/hls/720p/index.m3u8").send().await.unwrap();
    assert_eq!(head.content_length(), Some(MEDIA_PLAYLIST.len() as i64));

    let page = s3.list_objects_v2().bucket("bucket").prefix("listing/").max_keys(2).send().await.unwrap();
    assert_eq!(page.contents().len(), 2);
    assert_eq!(page.is_truncated(), Some(true));
    let all: Vec<String> = s3
        .list_objects_v2()
        .bucket("bucket")
        .prefix("listing/")
        .max_keys(2)
        .into_paginator()
        .send()
        .try_collect()
        .await
        .unwrap()
        .iter()
        .flat_map(|p| p.contents().iter().filter_map(|o| o.key().map(str::to_owned)).collect::<Vec<_>>())
        .collect();
    assert_eq!(all, (0..5).map(|i| format!("listing/item-{i}.txt")).collect::<Vec<_>>());

    let folders = s3.list_objects_v2().bucket("bucket").delimiter("/").send().await.unwrap();
    let prefixes: Vec<_> = folders.common_prefixes().iter().filter_map(|p| p.prefix()).collect();
    assert_eq!(prefixes, ["listing/", "packages/"]);

    let err = s3.get_object().bucket("bucket").key("nope.m3u8").send().await.unwrap_err();
    assert_eq!(AwsCallError::from_sdk("GetObject", &err).class, ErrorClass::NotFound);

    s3.put_object()
        .bucket("bucket")
        .key("uploads/new file.mpd")
        .body(ByteStream::from_static(b"<MPD/>"))
        .send()
        .await
        .unwrap();
    let back = s3.get_object().bucket("bucket").key("uploads/new file.mpd").send().await.unwrap();
    assert_eq!(back.body.collect().await.unwrap().into_bytes().as_ref(), b"<MPD/>");
    assert!(dir.path().join("bucket/uploads/new file.mpd").is_file(), "objects are files of the media folder");
    assert_eq!(emulator.call_counts().get("GetObject"), Some(&4));
    emulator.stop().await;
}

#[tokio::test]
async fn plain_http_origin_serves_files_and_refuses_traversal() {
    let dir = media_dir();
    std::fs::write(dir.path().join("outside.txt"), b"secret").unwrap();
    let emulator = start(dir.path(), None).await;

    let (status, head, body) = raw_get(&emulator, "/origin/bucket/packages/movie/hls/index.m3u8").await;
    assert_eq!(status, 200);
    assert!(head.to_ascii_lowercase().contains("content-type: application/vnd.apple.mpegurl"), "{head}");
    assert!(body.starts_with(b"#EXTM3U"));

    assert_eq!(raw_get(&emulator, "/origin/bucket/packages/missing.m3u8").await.0, 404);
    assert_eq!(raw_get(&emulator, "/origin/bucket/..%2F..%2Foutside.txt").await.0, 400);
    assert_eq!(raw_get(&emulator, "/origin/bucket/%2e%2e/%2e%2e/outside.txt").await.0, 400);
    // Not under /origin/ and not signed: refused as AWS refuses unsigned API calls.
    let (status, head, _) = raw_get(&emulator, "/bucket/packages/movie/hls/index.m3u8").await;
    assert_eq!(status, 403);
    assert!(head.contains("MissingAuthenticationTokenException"), "{head}");
    emulator.stop().await;
}

fn event_entry(detail: &str) -> PutEventsRequestEntry {
    PutEventsRequestEntry::builder()
        .source("tailorflow.test")
        .detail_type("Test Event")
        .detail(detail)
        .event_bus_name("alerts")
        .resources("arn:aws:mediatailor:us-east-1:123456789012:channel/c1")
        .build()
}

#[tokio::test]
async fn put_events_accepts_up_to_ten_and_records_them() {
    let dir = media_dir();
    let log = dir.path().join("events.jsonl");
    let emulator = start(dir.path(), Some(log.clone())).await;
    let eb = aws_sdk_eventbridge::Client::new(&emulator.sdk_config().await);

    let one = eb.put_events().entries(event_entry(r#"{"n":0}"#)).send().await.unwrap();
    assert_eq!(one.failed_entry_count(), 0);
    let ten: Vec<_> = (1..=10).map(|n| event_entry(&format!(r#"{{"n":{n}}}"#))).collect();
    let out = eb.put_events().set_entries(Some(ten)).send().await.unwrap();
    assert_eq!(out.failed_entry_count(), 0);
    assert_eq!(out.entries().len(), 10);
    assert!(out.entries().iter().all(|e| e.event_id().is_some()));

    let events = emulator.accepted_events();
    assert_eq!(events.len(), 11);
    assert_eq!(events[3]["detail"]["n"], 3);
    assert_eq!(events[3]["source"], "tailorflow.test");
    assert_eq!(events[3]["detail-type"], "Test Event");
    assert_eq!(events[3]["event-bus-name"], "alerts");
    assert_eq!(events[3]["account"], "123456789012");
    assert_eq!(events[3]["resources"][0], "arn:aws:mediatailor:us-east-1:123456789012:channel/c1");
    let lines = std::fs::read_to_string(&log).unwrap();
    assert_eq!(lines.lines().count(), 11);
    let first: serde_json::Value = serde_json::from_str(lines.lines().next().unwrap()).unwrap();
    assert_eq!(first["detail"]["n"], 0);
    emulator.stop().await;
}

#[tokio::test]
async fn put_events_enforces_limits_and_reports_entries_that_fail() {
    let dir = media_dir();
    let emulator = start(dir.path(), None).await;
    let eb = aws_sdk_eventbridge::Client::new(&emulator.sdk_config().await);

    let eleven: Vec<_> = (0..11).map(|_| event_entry("{}")).collect();
    let err = eb.put_events().set_entries(Some(eleven)).send().await.unwrap_err();
    assert_eq!(AwsCallError::from_sdk("PutEvents", &err).code.as_deref(), Some("ValidationException"));

    let big = format!(r#"{{"x":"{}"}}"#, "a".repeat(256 * 1024));
    let err = eb.put_events().entries(event_entry(&big)).send().await.unwrap_err();
    assert_eq!(AwsCallError::from_sdk("PutEvents", &err).class, ErrorClass::Invalid);

    let no_detail = PutEventsRequestEntry::builder().source("s").detail_type("t").build();
    let out =
        eb.put_events().entries(event_entry("{}")).entries(no_detail).entries(event_entry("[]")).send().await.unwrap();
    assert_eq!(out.failed_entry_count(), 2);
    assert!(out.entries()[0].event_id().is_some());
    assert_eq!(out.entries()[1].error_code(), Some("InvalidArgument"));
    assert_eq!(out.entries()[2].error_code(), Some("MalformedDetail"));
    assert_eq!(emulator.accepted_events().len(), 1, "only the valid entry is kept");

    emulator
        .set_faults(FaultConfig { entry_failure_rate: 1.0, operations: vec!["PutEvents".into()], ..Default::default() })
        .unwrap();
    let out = eb.put_events().entries(event_entry("{}")).entries(event_entry("{}")).send().await.unwrap();
    assert_eq!(out.failed_entry_count(), 2);
    assert!(out.entries().iter().all(|e| e.error_code() == Some("InternalFailure")));
    assert_eq!(emulator.accepted_events().len(), 1);

    emulator
        .set_faults(FaultConfig { throttle_rate: 1.0, operations: vec!["PutEvents".into()], ..Default::default() })
        .unwrap();
    let quick = aws_sdk_eventbridge::config::Builder::from(&emulator.sdk_config().await)
        .retry_config(aws_sdk_eventbridge::config::retry::RetryConfig::standard().with_max_attempts(2))
        .build();
    let err =
        aws_sdk_eventbridge::Client::from_conf(quick).put_events().entries(event_entry("{}")).send().await.unwrap_err();
    assert_eq!(AwsCallError::from_sdk("PutEvents", &err).class, ErrorClass::Throttled);
    emulator.stop().await;
}
