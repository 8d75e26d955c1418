//! S3 over the media folder (path-style, through s3s and s3s-fs), and the same files as a plain
//! HTTP origin under `/origin/{bucket}/{key}`.
//!
//! Any key signs. s3s can only verify a signature for a secret it knows, and has no way to
//! accept every key, so the emulator drops the `Authorization` header (the server has already
//! routed the request by it) and lets s3s, built without an auth provider, serve the request
//! anonymously. An anonymous request's body is not decoded by s3s, so uploads that aws-sdk-s3
//! streams as `aws-chunked` with a trailing checksum are decoded here first: the checksum
//! becomes a header again, which s3s-fs then verifies.

use std::io::Read;
use std::path::{Component, Path, PathBuf};

use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use s3s::service::{S3Service, S3ServiceBuilder};

use crate::{EmulatorError, wire};

mod keys;
mod listing;
mod safe_fs;

/// The largest object the emulator accepts in one upload.
const MAX_UPLOAD: usize = 256 * 1024 * 1024;

/// The media folder, served as S3 buckets (its first level) and as an HTTP origin.
pub struct MediaStore {
    root: PathBuf,
    service: S3Service,
}

impl MediaStore {
    /// Serves `media_dir`, creating it when it does not exist.
    pub fn new(media_dir: &Path) -> Result<Self, EmulatorError> {
        let media_error = |reason: String| EmulatorError::Media { path: media_dir.to_path_buf(), reason };
        std::fs::create_dir_all(media_dir).map_err(|e| media_error(e.to_string()))?;
        let root = media_dir.canonicalize().map_err(|e| media_error(e.to_string()))?;
        let fs = s3s_fs::FileSystem::new(&root).map_err(|e| media_error(format!("{e:?}")))?;
        // No auth provider: s3s then serves unsigned requests, which is what `handle` passes on.
        let service = S3ServiceBuilder::new(safe_fs::SafeFs::new(fs, root.clone())).build();
        Ok(Self { root, service })
    }

    /// The media folder (canonical path).
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Answers a signed, path-style S3 request.
    pub async fn handle(&self, req: Request) -> Response {
        let (mut parts, body) = req.into_parts();
        if let Some(bucket) = self.missing_bucket(&parts.method, parts.uri.path()) {
            return wire::s3_xml_error(
                StatusCode::NOT_FOUND,
                "NoSuchBucket",
                &format!("The specified bucket does not exist: {bucket}"),
            );
        }
        parts.headers.remove(header::AUTHORIZATION);
        let mut body = match to_bytes(body, MAX_UPLOAD).await {
            Ok(bytes) => bytes,
            Err(_) => {
                return wire::s3_xml_error(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "EntityTooLarge",
                    "mediatailor-local accepts uploads of at most 256 MiB",
                );
            }
        };
        if is_aws_chunked(&parts.headers) {
            body = match unchunk(&mut parts.headers, &body) {
                Ok(decoded) => decoded,
                Err(message) => return wire::s3_xml_error(StatusCode::BAD_REQUEST, "IncompleteBody", &message),
            };
        }
        let request = http::Request::from_parts(parts, s3s::Body::from(body));
        match self.service.call(request).await {
            Ok(response) => response.map(Body::new).into_response(),
            Err(err) => wire::s3_xml_error(StatusCode::INTERNAL_SERVER_ERROR, "InternalError", &format!("{err:?}")),
        }
    }

    /// The bucket a path-style request names when it is no folder of the media folder: s3s-fs
    /// would answer `NoSuchKey` for an object of it, where S3 answers `NoSuchBucket`.
    fn missing_bucket(&self, method: &Method, path: &str) -> Option<String> {
        let trimmed = path.trim_start_matches('/');
        let (bucket, key) = trimmed.split_once('/').unwrap_or((trimmed, ""));
        let bucket = wire::decode(bucket, false);
        // Creating a bucket is s3s's business; malformed names get s3s's own error.
        let creates = *method == Method::PUT && key.is_empty();
        let checkable = !bucket.is_empty() && !creates && s3s::path::check_bucket_name(&bucket);
        (checkable && !self.root.join(&bucket).is_dir()).then_some(bucket)
    }

    /// Answers an unsigned GET or HEAD under `/origin/BUCKET/KEY`.
    pub async fn serve_origin(&self, req: Request) -> Response {
        let path = req.uri().path().to_owned();
        let Some(rest) = path.strip_prefix("/origin/") else {
            return (StatusCode::NOT_FOUND, "not under /origin/").into_response();
        };
        // Decode each segment on its own, then check the decoded path: `%2F` and `%2e%2e` cannot
        // smuggle a `..` past the check.
        let decoded: Vec<String> = rest.split('/').map(|s| wire::decode(s, false)).collect();
        let Some((bucket, key_parts)) = decoded.split_first() else {
            return (StatusCode::NOT_FOUND, "no bucket").into_response();
        };
        let key = key_parts.join("/");
        let file = match self.contained(bucket, &key) {
            Ok(file) => file,
            Err(err) if err.kind() == std::io::ErrorKind::InvalidInput => {
                return (StatusCode::BAD_REQUEST, "invalid path").into_response();
            }
            Err(_) => return (StatusCode::NOT_FOUND, "no such object").into_response(),
        };
        let bytes = match tokio::fs::read(&file).await {
            Ok(bytes) => bytes,
            Err(_) => return (StatusCode::NOT_FOUND, "no such object").into_response(),
        };
        let content_type = HeaderValue::from_static(content_type(&key));
        let length = HeaderValue::from(bytes.len());
        let body = if req.method() == Method::HEAD { Body::empty() } else { Body::from(bytes) };
        (StatusCode::OK, [(header::CONTENT_TYPE, content_type), (header::CONTENT_LENGTH, length)], body).into_response()
    }

    /// The file behind `bucket/key` (a mapped key's file when the key cannot be a path, as S3
    /// uploads store it), or `None` when the bucket is no folder name.
    fn resolve(&self, bucket: &str, key: &str) -> Option<PathBuf> {
        let bucket_ok = Path::new(bucket).components().eq([Component::Normal(bucket.as_ref())]);
        if !bucket_ok || key.is_empty() || bucket.contains(['\0', '\\']) {
            return None;
        }
        let bucket_dir = self.root.join(bucket);
        let stored = safe_fs::resolve_read(&bucket_dir, bucket, key);
        let safe = Path::new(&stored).components().all(|c| matches!(c, Component::Normal(_)));
        safe.then(|| bucket_dir.join(stored))
    }

    /// The existing file behind `bucket/key`: `InvalidInput` when the path, or a symlink on it,
    /// leads out of the media folder.
    fn contained(&self, bucket: &str, key: &str) -> std::io::Result<PathBuf> {
        let file = self.resolve(bucket, key).ok_or_else(|| invalid_path(bucket, key))?;
        let real = file.canonicalize()?;
        if real.starts_with(&self.root) { Ok(real) } else { Err(invalid_path(bucket, key)) }
    }

    /// Reads `bucket/key` from the media folder, refusing paths that leave it.
    pub fn read_object(&self, bucket: &str, key: &str) -> std::io::Result<Vec<u8>> {
        std::fs::read(self.contained(bucket, key)?)
    }

    /// Reads at most `max_bytes` of `bucket/key`.
    pub fn read_object_prefix(&self, bucket: &str, key: &str, max_bytes: usize) -> std::io::Result<Vec<u8>> {
        let file = self.contained(bucket, key)?;
        let mut bytes = Vec::new();
        std::fs::File::open(file)?.take(max_bytes as u64).read_to_end(&mut bytes)?;
        Ok(bytes)
    }
}

fn invalid_path(bucket: &str, key: &str) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidInput, format!("{bucket}/{key:?} leaves the media folder"))
}

fn content_type(key: &str) -> &'static str {
    let file = key.rsplit('/').next().unwrap_or_default();
    let extension = file.rsplit_once('.').map(|(_, ext)| ext.to_ascii_lowercase()).unwrap_or_default();
    match extension.as_str() {
        "m3u8" => "application/vnd.apple.mpegurl",
        "mpd" => "application/dash+xml",
        "ts" => "video/mp2t",
        "mp4" | "m4s" => "video/mp4",
        "m4a" => "audio/mp4",
        "vtt" => "text/vtt",
        _ => "application/octet-stream",
    }
}

/// Whether the body is `aws-chunked` (a streaming upload, signed or not).
fn is_aws_chunked(headers: &HeaderMap) -> bool {
    let sha = headers.get("x-amz-content-sha256").and_then(|v| v.to_str().ok()).unwrap_or_default();
    let encoding = headers.get(header::CONTENT_ENCODING).and_then(|v| v.to_str().ok()).unwrap_or_default();
    sha.starts_with("STREAMING-") || encoding.split(',').any(|e| e.trim().eq_ignore_ascii_case("aws-chunked"))
}

/// Decodes an `aws-chunked` body and rewrites the headers to describe the plain one it carries,
/// as S3 does before storing it: trailing checksums become headers, `aws-chunked` leaves
/// `Content-Encoding`.
fn unchunk(headers: &mut HeaderMap, body: &[u8]) -> Result<Bytes, String> {
    let (data, trailers) = decode_aws_chunked(body)?;
    let declared = headers.get("x-amz-decoded-content-length").and_then(|v| v.to_str().ok());
    if let Some(declared) = declared
        && declared.trim().parse::<usize>().ok() != Some(data.len())
    {
        return Err(format!("x-amz-decoded-content-length is {declared} but the chunks hold {} bytes", data.len()));
    }
    let encoding = headers.get(header::CONTENT_ENCODING).and_then(|v| v.to_str().ok()).map(|value| {
        value.split(',').map(str::trim).filter(|e| !e.eq_ignore_ascii_case("aws-chunked")).collect::<Vec<_>>().join(",")
    });
    headers.remove(header::CONTENT_ENCODING);
    if let Some(encoding) = encoding.filter(|e| !e.is_empty())
        && let Ok(value) = HeaderValue::from_str(&encoding)
    {
        headers.insert(header::CONTENT_ENCODING, value);
    }
    for name in ["x-amz-decoded-content-length", "x-amz-trailer"] {
        headers.remove(name);
    }
    headers.remove(header::TRANSFER_ENCODING);
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(data.len()));
    headers.insert("x-amz-content-sha256", HeaderValue::from_static("UNSIGNED-PAYLOAD"));
    for (name, value) in trailers {
        if !name.starts_with("x-amz-checksum-") {
            continue;
        }
        if let (Ok(name), Ok(value)) = (HeaderName::from_bytes(name.as_bytes()), HeaderValue::from_str(&value)) {
            headers.insert(name, value);
        }
    }
    Ok(Bytes::from(data))
}

/// `name: value` trailers of an `aws-chunked` body.
type Trailers = Vec<(String, String)>;

/// Splits an `aws-chunked` body (`SIZE[;chunk-signature=..]\r\nDATA\r\n`..., a zero-size chunk,
/// then `name:value` trailer lines) into its data and its trailers (names lower-cased).
fn decode_aws_chunked(mut rest: &[u8]) -> Result<(Vec<u8>, Trailers), String> {
    let mut data = Vec::new();
    loop {
        let end = rest.windows(2).position(|w| w == b"\r\n").ok_or("an aws-chunked chunk header is unterminated")?;
        let line = std::str::from_utf8(&rest[..end]).map_err(|_| "an aws-chunked chunk header is not text")?;
        let size_hex = line.split(';').next().unwrap_or_default().trim();
        let size =
            usize::from_str_radix(size_hex, 16).map_err(|_| format!("bad aws-chunked chunk size {size_hex:?}"))?;
        rest = &rest[end + 2..];
        if size == 0 {
            break;
        }
        if rest.len() < size + 2 || &rest[size..size + 2] != b"\r\n" {
            return Err("an aws-chunked chunk is shorter than its declared size".into());
        }
        data.extend_from_slice(&rest[..size]);
        rest = &rest[size + 2..];
    }
    let text = std::str::from_utf8(rest).map_err(|_| "aws-chunked trailers are not text")?;
    let mut trailers = Vec::new();
    for line in text.split("\r\n").filter(|line| !line.trim().is_empty()) {
        let (name, value) = line.split_once(':').ok_or_else(|| format!("bad aws-chunked trailer {line:?}"))?;
        trailers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
    }
    Ok((data, trailers))
}

/// The S3 operation a request is, for call counts and per-operation faults: `GetObject`,
/// `HeadObject`, `PutObject`, `DeleteObject`, `ListObjectsV2`, `ListObjects`, `ListBuckets`,
/// `HeadBucket`, or `S3` for anything else (including sub-resources such as `?tagging`).
pub fn operation_name(method: &Method, path: &str, query: Option<&str>) -> &'static str {
    let trimmed = path.trim_start_matches('/');
    let (bucket, key) = trimmed.split_once('/').unwrap_or((trimmed, ""));
    let operation = match (method, bucket.is_empty(), key.is_empty()) {
        (&Method::GET, true, _) => "ListBuckets",
        (&Method::GET, false, false) => "GetObject",
        (&Method::GET, false, true) => "ListObjects",
        (&Method::HEAD, false, false) => "HeadObject",
        (&Method::HEAD, false, true) => "HeadBucket",
        (&Method::PUT, false, false) => "PutObject",
        (&Method::DELETE, false, false) => "DeleteObject",
        _ => return "S3",
    };
    let pairs = wire::query_pairs(query);
    let operation = if operation == "ListObjects" && pairs.iter().any(|(k, v)| k == "list-type" && v == "2") {
        "ListObjectsV2"
    } else {
        operation
    };
    // Parameters that keep the operation; any other query key names a sub-resource
    // (`?acl`, `?tagging`, `?uploadId`...), another operation.
    let allowed = |name: &str| match operation {
        "ListBuckets" => matches!(name, "max-buckets" | "continuation-token" | "prefix" | "bucket-region"),
        "GetObject" => matches!(name, "versionId" | "partNumber") || name.starts_with("response-"),
        "HeadObject" => matches!(name, "versionId" | "partNumber"),
        "DeleteObject" => name == "versionId",
        "ListObjects" => matches!(name, "prefix" | "delimiter" | "max-keys" | "marker" | "encoding-type"),
        "ListObjectsV2" => matches!(
            name,
            "list-type"
                | "prefix"
                | "delimiter"
                | "max-keys"
                | "continuation-token"
                | "start-after"
                | "fetch-owner"
                | "encoding-type"
        ),
        _ => false,
    };
    // aws-sdk-s3 names some operations in `x-id`; it must agree.
    let known = pairs.iter().all(|(name, value)| if name == "x-id" { value == operation } else { allowed(name) });
    if known { operation } else { "S3" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_operations() {
        assert_eq!(operation_name(&Method::GET, "/", None), "ListBuckets");
        assert_eq!(operation_name(&Method::GET, "/", Some("x-id=ListBuckets")), "ListBuckets");
        assert_eq!(operation_name(&Method::GET, "/b/k/x.m3u8", None), "GetObject");
        assert_eq!(operation_name(&Method::GET, "/b/k/x.m3u8", Some("x-id=GetObject")), "GetObject");
        assert_eq!(operation_name(&Method::GET, "/b/k", Some("response-content-type=a%2Fb")), "GetObject");
        assert_eq!(operation_name(&Method::GET, "/b", Some("list-type=2&prefix=a")), "ListObjectsV2");
        assert_eq!(
            operation_name(&Method::GET, "/b", Some("continuation-token=x&delimiter=%2F&list-type=2&max-keys=2")),
            "ListObjectsV2"
        );
        assert_eq!(operation_name(&Method::GET, "/b/", Some("prefix=a")), "ListObjects");
        assert_eq!(operation_name(&Method::GET, "/b", None), "ListObjects");
        assert_eq!(operation_name(&Method::HEAD, "/b/k", None), "HeadObject");
        assert_eq!(operation_name(&Method::HEAD, "/b", None), "HeadBucket");
        assert_eq!(operation_name(&Method::PUT, "/b/k", Some("x-id=PutObject")), "PutObject");
        assert_eq!(operation_name(&Method::DELETE, "/b/k", Some("x-id=DeleteObject")), "DeleteObject");
    }

    #[test]
    fn other_requests_are_s3() {
        assert_eq!(operation_name(&Method::PUT, "/b", None), "S3");
        assert_eq!(operation_name(&Method::DELETE, "/b", None), "S3");
        assert_eq!(operation_name(&Method::POST, "/b/k", Some("uploads")), "S3");
        assert_eq!(operation_name(&Method::GET, "/b/k", Some("tagging")), "S3");
        assert_eq!(operation_name(&Method::PUT, "/b/k", Some("partNumber=1&uploadId=u")), "S3");
        assert_eq!(operation_name(&Method::GET, "/b", Some("location")), "S3");
        assert_eq!(operation_name(&Method::GET, "/b/k", Some("x-id=GetObjectAttributes&attributes")), "S3");
        assert_eq!(operation_name(&Method::HEAD, "/", None), "S3");
    }

    fn store() -> (tempfile::TempDir, MediaStore) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("media/bucket/a")).unwrap();
        std::fs::write(dir.path().join("media/bucket/a/x.m3u8"), b"#EXTM3U").unwrap();
        std::fs::write(dir.path().join("secret"), b"no").unwrap();
        let store = MediaStore::new(&dir.path().join("media")).unwrap();
        (dir, store)
    }

    #[test]
    fn reads_objects_and_prefixes() {
        let (_dir, store) = store();
        assert_eq!(store.read_object("bucket", "a/x.m3u8").unwrap(), b"#EXTM3U");
        assert_eq!(store.read_object_prefix("bucket", "a/x.m3u8", 3).unwrap(), b"#EX");
        assert_eq!(store.read_object_prefix("bucket", "a/x.m3u8", 100).unwrap(), b"#EXTM3U");
        let missing = store.read_object("bucket", "a/missing.m3u8").unwrap_err();
        assert_eq!(missing.kind(), std::io::ErrorKind::NotFound);
    }

    #[test]
    fn refuses_paths_that_leave_the_folder() {
        let (_dir, store) = store();
        for (bucket, key) in [
            ("..", "secret"),
            (".", "bucket/a/x.m3u8"),
            ("bucket/..", "secret"),
            ("/etc", "passwd"),
            ("", "x"),
            ("bucket", ""),
        ] {
            let err = store.read_object(bucket, key).unwrap_err();
            assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput, "{bucket}/{key}");
            let err = store.read_object_prefix(bucket, key, 10).unwrap_err();
            assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput, "{bucket}/{key}");
        }
        // Keys with `..`, `/` or NUL are keys of the bucket like any other: never a path outside it.
        for key in ["../../secret", "a/../../../secret", "/etc/passwd", "a/x.m3u8\0", "../secret"] {
            let err = store.read_object("bucket", key).unwrap_err();
            assert_eq!(err.kind(), std::io::ErrorKind::NotFound, "{key}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn refuses_symlinks_that_leave_the_folder() {
        let (dir, store) = store();
        std::os::unix::fs::symlink(dir.path().join("secret"), dir.path().join("media/bucket/link")).unwrap();
        let err = store.read_object("bucket", "link").unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    }

    #[test]
    fn content_types_by_extension() {
        assert_eq!(content_type("a/index.m3u8"), "application/vnd.apple.mpegurl");
        assert_eq!(content_type("a/INDEX.M3U8"), "application/vnd.apple.mpegurl");
        assert_eq!(content_type("a/manifest.mpd"), "application/dash+xml");
        assert_eq!(content_type("a/seg.ts"), "video/mp2t");
        assert_eq!(content_type("a/init.mp4"), "video/mp4");
        assert_eq!(content_type("a/seg-1.m4s"), "video/mp4");
        assert_eq!(content_type("a.ts/noext"), "application/octet-stream");
        assert_eq!(content_type("a/noext"), "application/octet-stream");
    }

    #[test]
    fn decodes_aws_chunked_bodies() {
        let body = b"5\r\nhello\r\n6;chunk-signature=abc\r\n world\r\n0\r\nx-amz-checksum-crc32:DUoRhQ==\r\n\r\n";
        let (data, trailers) = decode_aws_chunked(body).unwrap();
        assert_eq!(data, b"hello world");
        assert_eq!(trailers, vec![("x-amz-checksum-crc32".to_owned(), "DUoRhQ==".to_owned())]);
        assert!(decode_aws_chunked(b"5\r\nhel").is_err());
        assert!(decode_aws_chunked(b"zz\r\nhello\r\n0\r\n\r\n").is_err());

        let mut headers = HeaderMap::new();
        headers.insert("x-amz-content-sha256", HeaderValue::from_static("STREAMING-UNSIGNED-PAYLOAD-TRAILER"));
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("aws-chunked"));
        headers.insert("x-amz-decoded-content-length", HeaderValue::from_static("11"));
        headers.insert("x-amz-trailer", HeaderValue::from_static("x-amz-checksum-crc32"));
        assert!(is_aws_chunked(&headers));
        assert_eq!(unchunk(&mut headers, body).unwrap().as_ref(), b"hello world");
        assert!(!is_aws_chunked(&headers));
        assert_eq!(headers[header::CONTENT_LENGTH], "11");
        assert_eq!(headers["x-amz-checksum-crc32"], "DUoRhQ==");
        assert!(headers.get(header::CONTENT_ENCODING).is_none());
        assert!(headers.get("x-amz-trailer").is_none());

        let mut headers = HeaderMap::new();
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("aws-chunked, gzip"));
        headers.insert("x-amz-decoded-content-length", HeaderValue::from_static("12"));
        assert!(unchunk(&mut headers.clone(), body).is_err(), "declared length must match");
        headers.insert("x-amz-decoded-content-length", HeaderValue::from_static("11"));
        unchunk(&mut headers, body).unwrap();
        assert_eq!(headers[header::CONTENT_ENCODING], "gzip");
    }
}
