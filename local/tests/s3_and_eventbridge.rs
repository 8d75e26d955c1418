//! The emulator's S3 and EventBridge, driven through `aws-sdk-s3` and `aws-sdk-eventbridge`, and
//! its plain HTTP origin through raw HTTP/1.1 on a TCP socket.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::future::Future;
use std::path::{Path, PathBuf};
use std::time::Duration;

use aws_config::BehaviorVersion;
use aws_sdk_eventbridge::error::ProvideErrorMetadata;
use aws_sdk_eventbridge::types::PutEventsRequestEntry;
use aws_sdk_s3::config::{Credentials, RequestChecksumCalculation};
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{ChecksumAlgorithm, ChecksumMode};
use mediatailor_local::{Emulator, EmulatorOptions, FaultConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const MASTER_PLAYLIST: &[u8] = b"#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\n720p/index.m3u8\n";
const MEDIA_PLAYLIST: &[u8] = b"#EXTM3U\n#EXTINF:6.0,\na.ts\n#EXT-X-ENDLIST\n";
const MPD: &[u8] = b"<?xml version=\"1.0\"?><MPD/>";

/// Fails a test that hangs instead of waiting for the harness.
async fn bounded<F: Future<Output = ()>>(test: F) {
    tokio::time::timeout(Duration::from_secs(60), test).await.expect("the test took over 60 s");
}

async fn start(media: &Path, events_log: Option<PathBuf>) -> Emulator {
    Emulator::start(EmulatorOptions { media_dir: media.to_path_buf(), events_log, ..Default::default() }).await.unwrap()
}

/// A media folder with one bucket, `bucket`, and a file next to it that must stay out of reach.
fn media_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let package = dir.path().join("media/bucket/packages/movie");
    std::fs::create_dir_all(package.join("hls/720p")).unwrap();
    std::fs::create_dir_all(package.join("dash")).unwrap();
    std::fs::write(package.join("hls/index.m3u8"), MASTER_PLAYLIST).unwrap();
    std::fs::write(package.join("hls/720p/index.m3u8"), MEDIA_PLAYLIST).unwrap();
    std::fs::write(package.join("hls/720p/seg 1.ts"), [0x47u8; 376]).unwrap();
    std::fs::write(package.join("dash/manifest.mpd"), MPD).unwrap();
    std::fs::write(package.join("dash/init.mp4"), b"ftyp").unwrap();
    std::fs::write(package.join("dash/seg-1.m4s"), b"moof").unwrap();
    std::fs::write(package.join("poster.jpg"), b"jpeg").unwrap();
    std::fs::create_dir_all(dir.path().join("media/bucket/listing")).unwrap();
    for i in 0..5 {
        std::fs::write(dir.path().join(format!("media/bucket/listing/item-{i}.txt")), format!("item {i}")).unwrap();
    }
    std::fs::write(dir.path().join("outside.txt"), b"secret").unwrap();
    dir
}

fn media(dir: &tempfile::TempDir) -> PathBuf {
    dir.path().join("media")
}

async fn sdk_config(emulator: &Emulator, key: &str) -> aws_config::SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .region("us-east-1")
        .credentials_provider(Credentials::new(key, key, None, None, "test"))
        .endpoint_url(emulator.base_url())
        .load()
        .await
}

/// An S3 client as the brief's users build it: path-style, every other setting the SDK's default
/// (so uploads are `aws-chunked` with a trailing CRC32).
async fn s3(emulator: &Emulator) -> aws_sdk_s3::Client {
    let config = aws_sdk_s3::config::Builder::from(&sdk_config(emulator, "test").await).force_path_style(true).build();
    aws_sdk_s3::Client::from_conf(config)
}

async fn events(emulator: &Emulator) -> aws_sdk_eventbridge::Client {
    aws_sdk_eventbridge::Client::new(&sdk_config(emulator, "test").await)
}

async fn body(output: aws_sdk_s3::operation::get_object::GetObjectOutput) -> Vec<u8> {
    output.body.collect().await.unwrap().into_bytes().to_vec()
}

/// One raw HTTP/1.1 request: status, head (lower-cased) and body.
async fn raw(emulator: &Emulator, method: &str, path: &str) -> (u16, String, Vec<u8>) {
    let mut stream = tokio::net::TcpStream::connect(emulator.addr()).await.unwrap();
    let request = format!("{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut response)).await.unwrap().unwrap();
    let split = response.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&response[..split]).to_ascii_lowercase();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    (status, head, response[split + 4..].to_vec())
}

#[tokio::test]
async fn s3_get_range_head_and_buckets() {
    bounded(async {
        let dir = media_dir();
        let emulator = start(&media(&dir), None).await;
        let s3 = s3(&emulator).await;

        let object = s3.get_object().bucket("bucket").key("packages/movie/hls/index.m3u8").send().await.unwrap();
        assert_eq!(object.content_length(), Some(MASTER_PLAYLIST.len() as i64));
        assert_eq!(body(object).await, MASTER_PLAYLIST);

        let ranged = s3
            .get_object()
            .bucket("bucket")
            .key("packages/movie/hls/720p/index.m3u8")
            .range("bytes=8-15")
            .send()
            .await
            .unwrap();
        assert_eq!(ranged.content_range(), Some(format!("bytes 8-15/{}", MEDIA_PLAYLIST.len()).as_str()));
        assert_eq!(body(ranged).await, &MEDIA_PLAYLIST[8..16]);
        let tail = s3.get_object().bucket("bucket").key("packages/movie/dash/manifest.mpd").range("bytes=-6");
        assert_eq!(body(tail.send().await.unwrap()).await, b"<MPD/>");

        // A key with a space, percent-encoded on the wire.
        let segment = s3.get_object().bucket("bucket").key("packages/movie/hls/720p/seg 1.ts").send().await.unwrap();
        assert_eq!(body(segment).await, [0x47u8; 376]);

        let head = s3.head_object().bucket("bucket").key("packages/movie/hls/720p/index.m3u8").send().await.unwrap();
        assert_eq!(head.content_length(), Some(MEDIA_PLAYLIST.len() as i64));
        assert!(head.e_tag().is_some());
        assert!(head.last_modified().is_some());

        let buckets = s3.list_buckets().send().await.unwrap();
        let names: Vec<_> = buckets.buckets().iter().filter_map(|b| b.name()).collect();
        assert_eq!(names, ["bucket"]);
        s3.head_bucket().bucket("bucket").send().await.unwrap();

        let counts = emulator.call_counts();
        assert_eq!(counts.get("GetObject"), Some(&4));
        assert_eq!(counts.get("HeadObject"), Some(&1));
        assert_eq!(counts.get("ListBuckets"), Some(&1));
        assert_eq!(counts.get("HeadBucket"), Some(&1));
        emulator.stop().await;
    })
    .await;
}

#[tokio::test]
async fn s3_lists_with_prefix_delimiter_and_pages() {
    bounded(async {
        let dir = media_dir();
        let emulator = start(&media(&dir), None).await;
        let s3 = s3(&emulator).await;

        let page = s3.list_objects_v2().bucket("bucket").prefix("listing/").max_keys(2).send().await.unwrap();
        assert_eq!(page.contents().len(), 2);
        assert_eq!(page.key_count(), Some(2));
        assert_eq!(page.is_truncated(), Some(true));
        let token = page.next_continuation_token().unwrap();
        let next = s3
            .list_objects_v2()
            .bucket("bucket")
            .prefix("listing/")
            .max_keys(2)
            .continuation_token(token)
            .send()
            .await
            .unwrap();
        assert_eq!(next.contents()[0].key(), Some("listing/item-2.txt"));

        let pages: Vec<_> = s3
            .list_objects_v2()
            .bucket("bucket")
            .prefix("listing/")
            .max_keys(2)
            .into_paginator()
            .send()
            .try_collect()
            .await
            .unwrap();
        assert_eq!(pages.len(), 3);
        let all: Vec<String> =
            pages.iter().flat_map(|p| p.contents().iter().filter_map(|o| o.key().map(str::to_owned))).collect();
        assert_eq!(all, (0..5).map(|i| format!("listing/item-{i}.txt")).collect::<Vec<_>>());
        let sizes: Vec<_> = pages.iter().flat_map(|p| p.contents().iter().filter_map(|o| o.size())).collect();
        assert_eq!(sizes, [6; 5]);

        let top = s3.list_objects_v2().bucket("bucket").delimiter("/").send().await.unwrap();
        let prefixes: Vec<_> = top.common_prefixes().iter().filter_map(|p| p.prefix()).collect();
        assert_eq!(prefixes, ["listing/", "packages/"]);
        assert!(top.contents().is_empty());

        let movie = s3.list_objects_v2().bucket("bucket").prefix("packages/movie/").delimiter("/").send().await;
        let movie = movie.unwrap();
        let prefixes: Vec<_> = movie.common_prefixes().iter().filter_map(|p| p.prefix()).collect();
        assert_eq!(prefixes, ["packages/movie/dash/", "packages/movie/hls/"]);
        let keys: Vec<_> = movie.contents().iter().filter_map(|o| o.key()).collect();
        assert_eq!(keys, ["packages/movie/poster.jpg"]);

        let none = s3.list_objects_v2().bucket("bucket").prefix("nothing/").send().await.unwrap();
        assert!(none.contents().is_empty());
        assert_eq!(emulator.call_counts().get("ListObjectsV2"), Some(&8));
        emulator.stop().await;
    })
    .await;
}

#[tokio::test]
async fn s3_missing_keys_and_buckets_are_sdk_errors() {
    bounded(async {
        let dir = media_dir();
        let emulator = start(&media(&dir), None).await;
        let s3 = s3(&emulator).await;

        let err = s3.get_object().bucket("bucket").key("nope.m3u8").send().await.unwrap_err();
        let service = err.into_service_error();
        assert!(service.is_no_such_key(), "{service:?}");

        let err = s3.head_object().bucket("bucket").key("nope.m3u8").send().await.unwrap_err();
        assert!(err.into_service_error().is_not_found());

        let err = s3.get_object().bucket("no-such-bucket").key("a").send().await.unwrap_err();
        assert_eq!(err.into_service_error().meta().code(), Some("NoSuchBucket"));
        emulator.stop().await;
    })
    .await;
}

#[tokio::test]
async fn s3_put_get_and_delete_with_any_key_and_the_default_checksums() {
    bounded(async {
        let dir = media_dir();
        let emulator = start(&media(&dir), None).await;
        let s3 = s3(&emulator).await;

        // The SDK's defaults: an aws-chunked body with a trailing CRC32.
        let put = s3
            .put_object()
            .bucket("bucket")
            .key("uploads/new file.mpd")
            .content_type("application/dash+xml")
            .body(ByteStream::from_static(MPD))
            .send()
            .await
            .unwrap();
        assert!(put.e_tag().is_some());
        let back = s3
            .get_object()
            .bucket("bucket")
            .key("uploads/new file.mpd")
            .checksum_mode(ChecksumMode::Enabled)
            .send()
            .await
            .unwrap();
        assert_eq!(back.content_type(), Some("application/dash+xml"));
        assert_eq!(back.content_encoding(), None, "aws-chunked is a transfer detail, not the object's encoding");
        assert_eq!(body(back).await, MPD);
        assert_eq!(std::fs::read(media(&dir).join("bucket/uploads/new file.mpd")).unwrap(), MPD);

        // A file body streams: the SDK sends it aws-chunked, its CRC32 in a trailer.
        let upload = dir.path().join("upload.m3u8");
        let streamed: Vec<u8> = MEDIA_PLAYLIST.iter().copied().cycle().take(300_000).collect();
        std::fs::write(&upload, &streamed).unwrap();
        let file_body = ByteStream::from_path(&upload).await.unwrap();
        s3.put_object().bucket("bucket").key("uploads/streamed.m3u8").body(file_body).send().await.unwrap();
        assert_eq!(std::fs::read(media(&dir).join("bucket/uploads/streamed.m3u8")).unwrap(), streamed);
        let back = s3.get_object().bucket("bucket").key("uploads/streamed.m3u8").checksum_mode(ChecksumMode::Enabled);
        let back = back.send().await.unwrap();
        assert!(back.checksum_crc32().is_some(), "the trailing checksum was kept");
        assert_eq!(back.content_encoding(), None);
        assert_eq!(body(back).await, streamed);

        // Other checksums, and no checksum at all, from a client with another made-up key.
        let config = aws_sdk_s3::config::Builder::from(&sdk_config(&emulator, "AKIDANYTHING").await)
            .force_path_style(true)
            .request_checksum_calculation(RequestChecksumCalculation::WhenRequired)
            .build();
        let other = aws_sdk_s3::Client::from_conf(config);
        let big: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        for (key, algorithm) in [("uploads/plain.bin", None), ("uploads/sha256.bin", Some(ChecksumAlgorithm::Sha256))] {
            let put = other
                .put_object()
                .bucket("bucket")
                .key(key)
                .set_checksum_algorithm(algorithm)
                .body(ByteStream::from(big.clone()));
            put.send().await.unwrap();
            assert_eq!(body(s3.get_object().bucket("bucket").key(key).send().await.unwrap()).await, big);
        }

        s3.delete_object().bucket("bucket").key("uploads/new file.mpd").send().await.unwrap();
        assert!(!media(&dir).join("bucket/uploads/new file.mpd").exists());
        let err = s3.get_object().bucket("bucket").key("uploads/new file.mpd").send().await.unwrap_err();
        assert!(err.into_service_error().is_no_such_key());

        let counts = emulator.call_counts();
        assert_eq!(counts.get("PutObject"), Some(&4));
        assert_eq!(counts.get("DeleteObject"), Some(&1));
        emulator.stop().await;
    })
    .await;
}

#[tokio::test]
async fn plain_http_origin_serves_files_and_refuses_traversal() {
    bounded(async {
        let dir = media_dir();
        let emulator = start(&media(&dir), None).await;

        for (path, content_type, expected) in [
            ("/origin/bucket/packages/movie/hls/index.m3u8", "application/vnd.apple.mpegurl", MASTER_PLAYLIST),
            ("/origin/bucket/packages/movie/dash/manifest.mpd", "application/dash+xml", MPD),
            ("/origin/bucket/packages/movie/hls/720p/seg%201.ts", "video/mp2t", &[0x47u8; 376][..]),
            ("/origin/bucket/packages/movie/dash/init.mp4", "video/mp4", b"ftyp"),
            ("/origin/bucket/packages/movie/dash/seg-1.m4s", "video/mp4", b"moof"),
            ("/origin/bucket/packages/movie/poster.jpg", "application/octet-stream", b"jpeg"),
            ("/origin/bucket/packages/movie/hls/index.m3u8?token=1", "application/vnd.apple.mpegurl", MASTER_PLAYLIST),
        ] {
            let (status, head, body) = raw(&emulator, "GET", path).await;
            assert_eq!(status, 200, "{path}");
            assert!(head.contains(&format!("content-type: {content_type}\r\n")), "{path}: {head}");
            assert!(head.contains(&format!("content-length: {}\r\n", expected.len())), "{path}: {head}");
            assert_eq!(body, expected, "{path}");
        }

        let (status, head, body) = raw(&emulator, "HEAD", "/origin/bucket/packages/movie/hls/index.m3u8").await;
        assert_eq!(status, 200);
        assert!(head.contains(&format!("content-length: {}\r\n", MASTER_PLAYLIST.len())), "{head}");
        assert!(body.is_empty());

        assert_eq!(raw(&emulator, "GET", "/origin/bucket/packages/missing.m3u8").await.0, 404);
        assert_eq!(raw(&emulator, "GET", "/origin/nobucket/index.m3u8").await.0, 404);
        assert_eq!(raw(&emulator, "GET", "/origin/bucket/packages/movie").await.0, 404, "a folder is no object");
        for path in [
            "/origin/bucket/../outside.txt",
            "/origin/../outside.txt",
            "/origin/bucket/..%2F..%2Foutside.txt",
            "/origin/bucket/%2e%2e/%2e%2e/outside.txt",
            "/origin/bucket/%2E%2E%2f%2E%2E%2foutside.txt",
            "/origin/%2e%2e/outside.txt",
            "/origin/bucket//etc/passwd",
            "/origin/%2Fetc/passwd",
            "/origin/bucket/packages/movie/hls/index.m3u8%00.txt",
        ] {
            let (status, _, body) = raw(&emulator, "GET", path).await;
            assert!(matches!(status, 400 | 404), "{path}: {status}");
            assert!(!body.windows(6).any(|w| w == b"secret"), "{path}");
        }

        // Not under /origin/ and not signed: refused as AWS refuses unsigned API calls.
        let (status, head, body) = raw(&emulator, "GET", "/bucket/packages/movie/hls/index.m3u8").await;
        assert_eq!(status, 403);
        assert!(String::from_utf8_lossy(&body).contains("Missing Authentication Token"), "{head}");
        assert!(emulator.call_counts().is_empty(), "unsigned requests are no API calls");
        emulator.stop().await;
    })
    .await;
}

fn event_builder(detail: &str) -> aws_sdk_eventbridge::types::builders::PutEventsRequestEntryBuilder {
    PutEventsRequestEntry::builder()
        .source("tailorflow.test")
        .detail_type("Test Event")
        .detail(detail)
        .event_bus_name("alerts")
        .resources("arn:aws:mediatailor:us-east-1:123456789012:channel/c1")
}

fn event_entry(detail: &str) -> PutEventsRequestEntry {
    event_builder(detail).build()
}

#[tokio::test]
async fn put_events_accepts_one_to_ten_and_logs_them() {
    bounded(async {
        let dir = media_dir();
        let log = dir.path().join("events.jsonl");
        let emulator = start(&media(&dir), Some(log.clone())).await;
        let eb = events(&emulator).await;

        let time = aws_sdk_eventbridge::primitives::DateTime::from_secs(1_764_048_573);
        let first = event_builder(r#"{"n":0,"nested":{"ok":true}}"#).time(time).build();
        let one = eb.put_events().entries(first).send().await.unwrap();
        assert_eq!(one.failed_entry_count(), 0);
        let id = one.entries()[0].event_id().unwrap().to_owned();

        let ten: Vec<_> = (1..=10).map(|n| event_entry(&format!(r#"{{"n":{n}}}"#))).collect();
        let out = eb.put_events().set_entries(Some(ten)).send().await.unwrap();
        assert_eq!(out.failed_entry_count(), 0);
        assert_eq!(out.entries().len(), 10);
        assert!(out.entries().iter().all(|e| e.event_id().is_some() && e.error_code().is_none()));

        let events = emulator.accepted_events();
        assert_eq!(events.len(), 11);
        assert_eq!(events[0]["id"], id.as_str());
        assert_eq!(events[0]["time"], "2025-11-25T05:29:33Z");
        assert_eq!(events[0]["detail"]["nested"]["ok"], true);
        let third = &events[3];
        assert_eq!(third["version"], "0");
        assert_eq!(third["id"], out.entries()[2].event_id().unwrap());
        assert_eq!(third["detail"]["n"], 3);
        assert_eq!(third["source"], "tailorflow.test");
        assert_eq!(third["detail-type"], "Test Event");
        assert_eq!(third["event-bus-name"], "alerts");
        assert_eq!(third["account"], "123456789012");
        assert_eq!(third["region"], "us-east-1");
        assert_eq!(third["resources"][0], "arn:aws:mediatailor:us-east-1:123456789012:channel/c1");
        assert!(chrono::DateTime::parse_from_rfc3339(third["time"].as_str().unwrap()).is_ok());

        let lines: Vec<serde_json::Value> =
            std::fs::read_to_string(&log).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(lines, events, "the log holds every accepted event, in order");

        let default_bus = PutEventsRequestEntry::builder().source("s").detail_type("t").detail("{}").build();
        eb.put_events().entries(default_bus).send().await.unwrap();
        assert_eq!(emulator.accepted_events()[11]["event-bus-name"], "default");
        assert_eq!(emulator.call_counts().get("PutEvents"), Some(&3));
        emulator.stop().await;
    })
    .await;
}

#[tokio::test]
async fn put_events_enforces_the_request_limits() {
    bounded(async {
        let dir = media_dir();
        let emulator = start(&media(&dir), None).await;
        let eb = events(&emulator).await;

        let eleven: Vec<_> = (0..11).map(|_| event_entry("{}")).collect();
        let err = eb.put_events().set_entries(Some(eleven)).send().await.unwrap_err();
        assert_eq!(err.code(), Some("ValidationException"));
        assert!(err.message().unwrap().contains("entries"), "{err:?}");

        let err = eb.put_events().set_entries(Some(vec![])).send().await.unwrap_err();
        assert_eq!(err.code(), Some("ValidationException"));

        // One entry over 256 KB, and ten that are only over it together.
        let big = format!(r#"{{"x":"{}"}}"#, "a".repeat(256 * 1024));
        let err = eb.put_events().entries(event_entry(&big)).send().await.unwrap_err();
        assert_eq!(err.code(), Some("ValidationException"));
        assert!(err.message().unwrap().contains("Total size of the entries in the request is over the limit"));
        let share = format!(r#"{{"x":"{}"}}"#, "a".repeat(27 * 1024));
        let err = eb.put_events().set_entries(Some(vec![event_entry(&share); 10])).send().await.unwrap_err();
        assert_eq!(err.code(), Some("ValidationException"));
        // Just under the limit is fine.
        let fits = PutEventsRequestEntry::builder().source("s").detail_type("t");
        let fits = fits.detail(format!(r#"{{"x":"{}"}}"#, "a".repeat(256 * 1024 - 10))).build();
        assert_eq!(eb.put_events().entries(fits).send().await.unwrap().failed_entry_count(), 0);

        assert_eq!(emulator.accepted_events().len(), 1, "refused calls keep nothing");
        emulator.stop().await;
    })
    .await;
}

#[tokio::test]
async fn put_events_reports_entries_that_fail() {
    bounded(async {
        let dir = media_dir();
        let emulator = start(&media(&dir), None).await;
        let eb = events(&emulator).await;

        let no_detail = PutEventsRequestEntry::builder().source("s").detail_type("t").build();
        let out = eb
            .put_events()
            .entries(event_entry(r#"{"n":1}"#))
            .entries(no_detail)
            .entries(event_entry(r#"{"n":2}"#))
            .send()
            .await
            .unwrap();
        assert_eq!(out.failed_entry_count(), 1);
        assert!(out.entries()[0].event_id().is_some());
        assert_eq!(out.entries()[1].error_code(), Some("InvalidArgument"));
        assert!(out.entries()[1].error_message().unwrap().contains("Detail"));
        assert!(out.entries()[1].event_id().is_none());
        assert!(out.entries()[2].event_id().is_some());

        let no_source = PutEventsRequestEntry::builder().detail_type("t").detail("{}").build();
        let out = eb.put_events().entries(event_entry("[1]")).entries(no_source).send().await.unwrap();
        assert_eq!(out.failed_entry_count(), 2);
        assert_eq!(out.entries()[0].error_code(), Some("MalformedDetail"));
        assert_eq!(out.entries()[1].error_code(), Some("InvalidArgument"));
        assert!(out.entries()[1].error_message().unwrap().contains("Source"));

        let kept: Vec<_> = emulator.accepted_events().iter().map(|e| e["detail"]["n"].clone()).collect();
        assert_eq!(kept, [1, 2], "only the valid entries are kept");

        emulator
            .set_faults(FaultConfig {
                entry_failure_rate: 1.0,
                operations: vec!["PutEvents".into()],
                ..Default::default()
            })
            .unwrap();
        let out = eb.put_events().entries(event_entry("{}")).entries(event_entry("{}")).send().await.unwrap();
        assert_eq!(out.failed_entry_count(), 2);
        assert!(out.entries().iter().all(|e| e.error_code() == Some("InternalFailure") && e.event_id().is_none()));
        assert_eq!(emulator.accepted_events().len(), 2);
        emulator.stop().await;
    })
    .await;
}

#[tokio::test]
async fn put_events_throttled_after_the_sdk_retries() {
    bounded(async {
        let dir = media_dir();
        let emulator = start(&media(&dir), None).await;
        emulator
            .set_faults(FaultConfig { throttle_rate: 1.0, operations: vec!["PutEvents".into()], ..Default::default() })
            .unwrap();
        let quick = aws_sdk_eventbridge::config::Builder::from(&sdk_config(&emulator, "test").await)
            .retry_config(aws_sdk_eventbridge::config::retry::RetryConfig::standard().with_max_attempts(2))
            .build();
        let eb = aws_sdk_eventbridge::Client::from_conf(quick);
        let err = eb.put_events().entries(event_entry("{}")).send().await.unwrap_err();
        assert_eq!(err.code(), Some("ThrottlingException"), "{err:?}");
        assert_eq!(emulator.call_counts().get("PutEvents"), Some(&2), "one call and one retry");
        assert!(emulator.accepted_events().is_empty());
        emulator.stop().await;
    })
    .await;
}
