//! S3 keys as S3 allows them (up to 1,024 bytes, any bytes) in every operation, never leaving
//! their bucket, and the request ids of S3, EventBridge and MediaTailor answers.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::time::Duration;

use aws_config::BehaviorVersion;
use aws_sdk_s3::config::Credentials;
use aws_sdk_s3::operation::{RequestId, RequestIdExt};
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart};
use mediatailor_local::{Emulator, EmulatorOptions};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

struct Fixture {
    dir: tempfile::TempDir,
    emulator: Emulator,
    s3: aws_sdk_s3::Client,
}

/// An emulator over a media folder with buckets `bkt` and `other`.
async fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    for bucket in ["bkt", "other"] {
        std::fs::create_dir_all(dir.path().join("media").join(bucket)).unwrap();
    }
    std::fs::write(dir.path().join("media/other/keep.txt"), b"keep").unwrap();
    let options = EmulatorOptions { media_dir: dir.path().join("media"), ..Default::default() };
    let emulator = Emulator::start(options).await.unwrap();
    let config = aws_config::defaults(BehaviorVersion::latest())
        .region("us-east-1")
        .credentials_provider(Credentials::new("k", "k", None, None, "test"))
        .endpoint_url(emulator.base_url())
        .load()
        .await;
    let s3 = aws_sdk_s3::Client::from_conf(aws_sdk_s3::config::Builder::from(&config).force_path_style(true).build());
    Fixture { dir, emulator, s3 }
}

async fn get(s3: &aws_sdk_s3::Client, bucket: &str, key: &str) -> Vec<u8> {
    let output = s3.get_object().bucket(bucket).key(key).send().await.unwrap_or_else(|e| panic!("{key}: {e:?}"));
    output.body.collect().await.unwrap().into_bytes().to_vec()
}

async fn put(s3: &aws_sdk_s3::Client, bucket: &str, key: &str, body: &[u8]) {
    s3.put_object()
        .bucket(bucket)
        .key(key)
        .body(ByteStream::from(body.to_vec()))
        .send()
        .await
        .unwrap_or_else(|e| panic!("PutObject {} bytes: {e:?}", key.len()));
}

async fn keys(s3: &aws_sdk_s3::Client, bucket: &str, prefix: Option<&str>) -> Vec<String> {
    let mut request = s3.list_objects_v2().bucket(bucket);
    if let Some(prefix) = prefix {
        request = request.prefix(prefix);
    }
    let pages = request.into_paginator().send().collect::<Result<Vec<_>, _>>().await.unwrap();
    pages.iter().flat_map(|p| p.contents()).filter_map(|o| o.key().map(str::to_owned)).collect()
}

/// Every file under `dir`, relative, with `/`.
fn files(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut queue = vec![dir.to_path_buf()];
    while let Some(at) = queue.pop() {
        for entry in std::fs::read_dir(&at).unwrap().flatten() {
            if entry.file_type().unwrap().is_dir() {
                queue.push(entry.path());
            } else {
                found.push(entry.path().strip_prefix(dir).unwrap().to_string_lossy().replace('\\', "/"));
            }
        }
    }
    found.sort();
    found
}

/// One signed (for `s3`) raw HTTP/1.1 request: status, head (lower-cased) and body.
async fn raw_s3(emulator: &Emulator, method: &str, path: &str, body: &[u8]) -> (u16, String, Vec<u8>) {
    let auth = "x-amz-content-sha256: UNSIGNED-PAYLOAD\r\n\
                Authorization: AWS4-HMAC-SHA256 Credential=AKID/20261125/us-east-1/s3/aws4_request, \
                SignedHeaders=host, Signature=x\r\n";
    raw(emulator, method, path, body, auth).await
}

/// One unsigned GET of the plain HTTP origin.
async fn origin(emulator: &Emulator, path: &str) -> (u16, String, Vec<u8>) {
    raw(emulator, "GET", path, b"", "").await
}

async fn raw(emulator: &Emulator, method: &str, path: &str, body: &[u8], auth: &str) -> (u16, String, Vec<u8>) {
    let mut stream = tokio::net::TcpStream::connect(emulator.addr()).await.unwrap();
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Length: {}\r\n{auth}\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(body).await.unwrap();
    let mut response = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut response)).await.unwrap().unwrap();
    let split = response.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&response[..split]).to_ascii_lowercase();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    (status, head, response[split + 4..].to_vec())
}

/// Keys of 150 bytes (what used to fail), a 300-byte segment, and 1,024 bytes with and
/// without `/`.
fn long_keys() -> Vec<String> {
    vec![
        format!("packages/{}", "k".repeat(141)),
        format!("a/{}/b.ts", "s".repeat(300)),
        format!("deep/{}", "d/".repeat(509)).trim_end_matches('/').to_owned() + "x",
        "z".repeat(1024),
    ]
}

#[tokio::test]
async fn keys_up_to_1024_bytes_work_in_every_operation() {
    let Fixture { s3, emulator, .. } = &fixture().await;
    for key in long_keys() {
        assert!(key.len() <= 1024, "{}", key.len());
        let body = format!("body of a {}-byte key", key.len()).into_bytes();
        put(s3, "bkt", &key, &body).await;
        assert_eq!(get(s3, "bkt", &key).await, body);
        let head = s3.head_object().bucket("bkt").key(&key).send().await.unwrap();
        assert_eq!(head.content_length(), Some(body.len() as i64));
        assert!(keys(s3, "bkt", None).await.contains(&key), "ListObjectsV2 names the {}-byte key", key.len());
        let prefix = &key[..key.len() / 2];
        assert_eq!(keys(s3, "bkt", Some(prefix)).await, std::slice::from_ref(&key));

        let copy = format!("{}c", &key[..key.len() - 1]);
        s3.copy_object().bucket("bkt").key(&copy).copy_source(format!("bkt/{key}")).send().await.unwrap();
        assert_eq!(get(s3, "bkt", &copy).await, body);

        // The plain HTTP origin finds the same bytes.
        let (status, _, served) = origin(emulator, &format!("/origin/bkt/{key}")).await;
        assert_eq!((status, served), (200, body.clone()), "{}-byte key over /origin/", key.len());

        for key in [&key, &copy] {
            s3.delete_object().bucket("bkt").key(key).send().await.unwrap();
            assert!(s3.get_object().bucket("bkt").key(key).send().await.is_err());
        }
    }
    assert!(keys(s3, "bkt", None).await.is_empty(), "deleted keys are no longer listed");

    let too_long = "y".repeat(1025);
    let err = s3.put_object().bucket("bkt").key(&too_long).body(ByteStream::from_static(b"x")).send().await;
    let err = err.unwrap_err();
    assert_eq!(err.raw_response().map(|r| r.status().as_u16()), Some(400), "{err:?}");
}

#[tokio::test]
async fn long_keys_upload_in_parts_and_list_with_delimiters_and_pages() {
    let Fixture { s3, .. } = &fixture().await;
    let key = format!("parts/{}", "p".repeat(1000));
    let upload = s3.create_multipart_upload().bucket("bkt").key(&key).send().await.unwrap();
    assert_eq!(upload.key(), Some(key.as_str()));
    let upload_id = upload.upload_id().unwrap();
    let part = s3
        .upload_part()
        .bucket("bkt")
        .key(&key)
        .upload_id(upload_id)
        .part_number(1)
        .body(ByteStream::from_static(b"one part"))
        .send()
        .await
        .unwrap();
    let parts = CompletedMultipartUpload::builder()
        .parts(CompletedPart::builder().part_number(1).set_e_tag(part.e_tag().map(str::to_owned)).build())
        .build();
    let done = s3
        .complete_multipart_upload()
        .bucket("bkt")
        .key(&key)
        .upload_id(upload_id)
        .multipart_upload(parts)
        .send()
        .await
        .unwrap();
    assert_eq!(done.key(), Some(key.as_str()));
    assert_eq!(get(s3, "bkt", &key).await, b"one part");

    put(s3, "bkt", "parts/short.txt", b"s").await;
    put(s3, "bkt", "top.txt", b"t").await;
    let listed = s3.list_objects_v2().bucket("bkt").delimiter("/").send().await.unwrap();
    let prefixes: Vec<_> = listed.common_prefixes().iter().filter_map(|p| p.prefix()).collect();
    assert_eq!(prefixes, ["parts/"]);
    assert_eq!(listed.contents().iter().filter_map(|o| o.key()).collect::<Vec<_>>(), ["top.txt"]);
    let page = s3.list_objects_v2().bucket("bkt").max_keys(1).send().await.unwrap();
    assert_eq!(page.contents().len(), 1);
    assert_eq!(page.is_truncated(), Some(true));
    assert_eq!(keys(s3, "bkt", None).await, [key.clone(), "parts/short.txt".into(), "top.txt".into()]);
    let v1 = s3.list_objects().bucket("bkt").prefix("parts/p").send().await.unwrap();
    assert_eq!(v1.contents().iter().filter_map(|o| o.key()).collect::<Vec<_>>(), [key.as_str()]);
}

#[tokio::test]
async fn a_key_never_leaves_its_bucket() {
    let Fixture { dir, emulator, s3 } = &fixture().await;
    let media = dir.path().join("media");
    let before_other = files(&media.join("other"));

    // Percent-encoded, as the issue reported it, and unencoded, on the raw wire.
    let (status, _, body) = raw_s3(emulator, "PUT", "/bkt/..%2Fother%2Fplanted.txt", b"planted").await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    let (status, _, _) = raw_s3(emulator, "PUT", "/bkt/../other/raw.txt", b"raw").await;
    assert_eq!(status, 200);
    let (status, _, _) = raw_s3(emulator, "PUT", "/bkt/%2E%2E/%2E%2E/escaped.txt", b"esc").await;
    assert_eq!(status, 200);
    // And through the SDK, with dot segments and empty segments.
    for key in ["../other/sdk.txt", "a/../../other/sdk2.txt", "./dot.txt", "x//y.txt"] {
        put(s3, "bkt", key, key.as_bytes()).await;
        assert_eq!(get(s3, "bkt", key).await, key.as_bytes());
    }

    assert_eq!(files(&media.join("other")), before_other, "nothing was written into bucket other");
    assert!(!dir.path().join("escaped.txt").exists() && !media.join("escaped.txt").exists());
    assert!(files(&media).iter().all(|f| f.starts_with("bkt/") || f.starts_with("other/") || f.starts_with('.')));
    assert_eq!(keys(s3, "other", None).await, ["keep.txt"]);
    assert_eq!(get(s3, "bkt", "../other/planted.txt").await, b"planted");
    assert_eq!(get(s3, "bkt", "../other/raw.txt").await, b"raw");
    let listed = keys(s3, "bkt", None).await;
    for key in ["../other/planted.txt", "../other/sdk.txt", "./dot.txt", "x//y.txt"] {
        assert!(listed.iter().any(|k| k == key), "{key} in {listed:?}");
    }
    // Reading such a key over the origin stays in the bucket too.
    let (status, _, served) = origin(emulator, "/origin/bkt/..%2Fother%2Fkeep.txt").await;
    assert_ne!((status, served.as_slice()), (200, b"keep".as_slice()));
    s3.delete_object().bucket("bkt").key("../other/planted.txt").send().await.unwrap();
    assert!(s3.get_object().bucket("bkt").key("../other/planted.txt").send().await.is_err());
}

#[tokio::test]
async fn s3_answers_and_errors_carry_request_ids() {
    let Fixture { s3, emulator, .. } = &fixture().await;
    put(s3, "bkt", "a.txt", b"a").await;
    let got = s3.get_object().bucket("bkt").key("a.txt").send().await.unwrap();
    let id = got.request_id().unwrap().to_owned();
    assert_eq!(id.len(), 36, "{id}");
    assert!(got.extended_request_id().is_some());
    let (status, head, body) = raw_s3(emulator, "GET", "/bkt/missing.txt", b"").await;
    assert_eq!(status, 404);
    let header = head.lines().find_map(|l| l.strip_prefix("x-amz-request-id: ")).unwrap().to_owned();
    let body = String::from_utf8(body).unwrap();
    assert!(body.contains(&format!("<RequestId>{header}</RequestId>")), "{body}");
    let (_, _, body) = raw_s3(emulator, "GET", "/no-such-bucket/x", b"").await;
    assert!(String::from_utf8(body).unwrap().contains("<RequestId>"));

    let config = aws_config::defaults(BehaviorVersion::latest())
        .region("us-east-1")
        .credentials_provider(Credentials::new("k", "k", None, None, "test"))
        .endpoint_url(emulator.base_url())
        .load()
        .await;
    let events = aws_sdk_eventbridge::Client::new(&config);
    let entry = aws_sdk_eventbridge::types::PutEventsRequestEntry::builder()
        .source("test")
        .detail_type("t")
        .detail("{}")
        .build();
    let sent = events.put_events().entries(entry).send().await.unwrap();
    assert!(aws_sdk_eventbridge::operation::RequestId::request_id(&sent).is_some_and(|id| id.len() == 36));
}
