//! S3 over the media folder (path-style, through s3s and s3s-fs), and the same files as a plain
//! HTTP origin under `/origin/{bucket}/{key}`.
//!
//! Any key signs: s3s can only verify a signature for a secret it knows, so the emulator drops
//! the `Authorization` header (the server has already routed the request by it) and lets s3s
//! serve the request anonymously. Uploads must therefore send a plain body: a client that
//! streams `aws-chunked` bodies with trailing checksums should be set to compute checksums only
//! when required (`RequestChecksumCalculation::WhenRequired`).

use std::io::Read;
use std::path::{Component, Path, PathBuf};

use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use s3s::service::{S3Service, S3ServiceBuilder};

use crate::{EmulatorError, wire};

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
        let service = S3ServiceBuilder::new(fs).build();
        Ok(Self { root, service })
    }

    /// The media folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Answers a signed, path-style S3 request.
    pub async fn handle(&self, req: Request) -> Response {
        let (mut parts, body) = req.into_parts();
        parts.headers.remove(header::AUTHORIZATION);
        let body = match to_bytes(body, MAX_UPLOAD).await {
            Ok(bytes) => bytes,
            Err(_) => {
                return wire::s3_xml_error(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "EntityTooLarge",
                    "mediatailor-local accepts uploads of at most 256 MiB",
                );
            }
        };
        let request = http::Request::from_parts(parts, s3s::Body::from(body));
        match self.service.call(request).await {
            Ok(response) => response.map(Body::new).into_response(),
            Err(err) => wire::s3_xml_error(StatusCode::INTERNAL_SERVER_ERROR, "InternalError", &format!("{err:?}")),
        }
    }

    /// Answers an unsigned GET or HEAD under `/origin/BUCKET/KEY`.
    pub async fn serve_origin(&self, req: Request) -> Response {
        let path = req.uri().path().to_owned();
        let Some(rest) = path.strip_prefix("/origin/") else {
            return (StatusCode::NOT_FOUND, "not under /origin/").into_response();
        };
        let decoded: Vec<String> = rest.split('/').map(|s| wire::decode(s, false)).collect();
        let Some((bucket, key_parts)) = decoded.split_first() else {
            return (StatusCode::NOT_FOUND, "no bucket").into_response();
        };
        let key = key_parts.join("/");
        let Some(file) = self.resolve(bucket, &key) else {
            return (StatusCode::BAD_REQUEST, "invalid path").into_response();
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

    /// The file behind `bucket/key`, or `None` when the path would leave the media folder.
    fn resolve(&self, bucket: &str, key: &str) -> Option<PathBuf> {
        if bucket.is_empty() || key.is_empty() || bucket.contains('\0') || key.contains('\0') {
            return None;
        }
        let relative = Path::new(bucket).join(key);
        let safe = relative.components().all(|c| matches!(c, Component::Normal(_)));
        safe.then(|| self.root.join(relative))
    }

    /// Reads `bucket/key` from the media folder, refusing paths that leave it.
    pub fn read_object(&self, bucket: &str, key: &str) -> std::io::Result<Vec<u8>> {
        let file = self.resolve(bucket, key).ok_or_else(|| invalid_path(bucket, key))?;
        std::fs::read(file)
    }

    /// Reads at most `max_bytes` of `bucket/key`.
    pub fn read_object_prefix(&self, bucket: &str, key: &str, max_bytes: usize) -> std::io::Result<Vec<u8>> {
        let file = self.resolve(bucket, key).ok_or_else(|| invalid_path(bucket, key))?;
        let mut bytes = Vec::new();
        std::fs::File::open(file)?.take(max_bytes as u64).read_to_end(&mut bytes)?;
        Ok(bytes)
    }
}

fn invalid_path(bucket: &str, key: &str) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidInput, format!("{bucket}/{key} leaves the media folder"))
}

fn content_type(key: &str) -> &'static str {
    match key.rsplit('.').next().unwrap_or_default() {
        "m3u8" => "application/vnd.apple.mpegurl",
        "mpd" => "application/dash+xml",
        "ts" => "video/mp2t",
        "mp4" | "m4s" => "video/mp4",
        "m4a" => "audio/mp4",
        "vtt" => "text/vtt",
        _ => "application/octet-stream",
    }
}

/// The S3 operation a request is, for call counts and per-operation faults.
pub fn operation_name(method: &Method, path: &str, query: Option<&str>) -> &'static str {
    let trimmed = path.trim_start_matches('/');
    let has_key = trimmed.split_once('/').is_some_and(|(_, key)| !key.is_empty());
    let query = query.unwrap_or_default();
    let has = |name: &str| query.split('&').any(|pair| pair.split('=').next() == Some(name));
    match (method, trimmed.is_empty(), has_key) {
        (&Method::GET, true, _) => "ListBuckets",
        (&Method::GET, false, true) => "GetObject",
        (&Method::GET, false, false) if has("list-type") => "ListObjectsV2",
        (&Method::GET, false, false) => "ListObjects",
        (&Method::HEAD, false, true) => "HeadObject",
        (&Method::HEAD, false, false) => "HeadBucket",
        (&Method::PUT, false, true) => "PutObject",
        (&Method::PUT, false, false) => "CreateBucket",
        (&Method::DELETE, false, true) => "DeleteObject",
        (&Method::DELETE, false, false) => "DeleteBucket",
        _ => "S3",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_operations() {
        assert_eq!(operation_name(&Method::GET, "/", None), "ListBuckets");
        assert_eq!(operation_name(&Method::GET, "/b/k/x.m3u8", None), "GetObject");
        assert_eq!(operation_name(&Method::GET, "/b", Some("list-type=2&prefix=a")), "ListObjectsV2");
        assert_eq!(operation_name(&Method::GET, "/b/", Some("prefix=a")), "ListObjects");
        assert_eq!(operation_name(&Method::HEAD, "/b/k", None), "HeadObject");
        assert_eq!(operation_name(&Method::PUT, "/b/k", None), "PutObject");
        assert_eq!(operation_name(&Method::DELETE, "/b/k", None), "DeleteObject");
    }

    #[test]
    fn refuses_paths_that_leave_the_folder() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("bucket/a")).unwrap();
        std::fs::write(dir.path().join("bucket/a/x.m3u8"), b"#EXTM3U").unwrap();
        std::fs::write(dir.path().join("secret"), b"no").unwrap();
        let store = MediaStore::new(dir.path()).unwrap();
        assert_eq!(store.read_object("bucket", "a/x.m3u8").unwrap(), b"#EXTM3U");
        assert_eq!(store.read_object_prefix("bucket", "a/x.m3u8", 3).unwrap(), b"#EX");
        for (bucket, key) in
            [("bucket", "../secret"), ("..", "secret"), ("bucket", "/etc/passwd"), ("bucket", "a/\0"), ("", "x")]
        {
            let err = store.read_object(bucket, key).unwrap_err();
            assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput, "{bucket}/{key}");
        }
    }

    #[test]
    fn content_types_by_extension() {
        assert_eq!(content_type("a/index.m3u8"), "application/vnd.apple.mpegurl");
        assert_eq!(content_type("a/manifest.mpd"), "application/dash+xml");
        assert_eq!(content_type("a/seg.ts"), "video/mp2t");
        assert_eq!(content_type("a/noext"), "application/octet-stream");
    }
}
