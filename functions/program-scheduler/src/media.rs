//! Reads a VOD source's manifests through its source location's BaseUrl: the S3 API for S3
//! origins (so private buckets work with the function's role), plain HTTP GET otherwise, with the
//! SDK's own HTTP client. Turns them into the segment timelines the planner needs.

use std::time::Duration;

use crate::planning::{MediaStatus, PackageTimeline, SourceMedia};
use aws_smithy_runtime_api::client::http::{HttpConnector, HttpConnectorSettings, SharedHttpConnector};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::byte_stream::ByteStream;
use percent_encoding::percent_decode_str;
use tailorflow_shared::ClientSettings;
pub use tailorflow_shared::aws::mediatailor::{Package, PackageType};
use tailorflow_shared::aws::s3;
use tailorflow_shared::manifest::{self, ManifestKind, SegmentTimeline};
use tailorflow_shared::origin::{self, Origin};

/// The largest manifest read: a day of 1 s segments is a few MB; anything far larger is not a
/// playlist.
const MAX_MANIFEST_BYTES: usize = 16 * 1024 * 1024;

/// Why a manifest could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FetchError {
    /// It will not get better by retrying: missing, refused, not a manifest. The VOD source is
    /// skipped.
    Permanent(String),
    /// Throttling, a server error, a timeout: the run fails, so it is retried, rather than plan
    /// around a source another run would not skip (which could fork the chain).
    Transient(String),
}

/// Where one object lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// An S3 object.
    S3 {
        /// Bucket.
        bucket: String,
        /// Key.
        key: String,
    },
    /// A URL.
    Http(String),
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::S3 { bucket, key } => write!(f, "s3://{bucket}/{key}"),
            Self::Http(url) => f.write_str(url),
        }
    }
}

/// Where `path` (a package's Path) lives under `origin`: the Path is a URL path, as MediaTailor
/// reads it, so for S3 it is percent-decoded exactly once into the key.
pub fn locate(origin: &Origin, path: &str) -> Location {
    match origin {
        Origin::S3 { bucket, prefix } => {
            let path = path.split(['?', '#']).next().unwrap_or_default();
            let decoded = percent_decode_str(path).decode_utf8_lossy();
            Location::S3 { bucket: bucket.clone(), key: normalize(&origin::join(prefix, &decoded)) }
        }
        Origin::Http { base_url } => Location::Http(origin::join(base_url, path)),
    }
}

/// The key a Path names when it is itself the key, not decoded at all: vod-source-ingest
/// stores the S3 key it decoded from the notification as the Path, so a key holding a literal
/// `%XX` (`packages/50%41/...`) must not be decoded a second time. `None` when that is the key
/// [`locate`] gives, or the origin is not S3.
pub fn locate_literal(origin: &Origin, path: &str) -> Option<Location> {
    let Origin::S3 { bucket, prefix } = origin else { return None };
    let path = path.split(['?', '#']).next().unwrap_or_default();
    let literal = Location::S3 { bucket: bucket.clone(), key: normalize(&origin::join(prefix, path)) };
    (literal != locate(origin, path)).then_some(literal)
}

/// Where a URI found in the manifest at `base` points (a variant playlist).
pub fn resolve(base: &Location, uri: &str) -> Location {
    let uri = uri.trim();
    if uri.contains("://") {
        return Location::Http(uri.to_owned());
    }
    match base {
        Location::S3 { bucket, key } => {
            let uri = uri.split(['?', '#']).next().unwrap_or_default();
            let decoded = percent_decode_str(uri).decode_utf8_lossy();
            let joined =
                if decoded.starts_with('/') { decoded.into_owned() } else { format!("{}{decoded}", dir_of(key)) };
            Location::S3 { bucket: bucket.clone(), key: normalize(&joined) }
        }
        Location::Http(url) => {
            let (scheme, rest) = url.split_once("://").unwrap_or(("https", url));
            let (authority, path) = rest.find('/').map_or((rest, "/"), |i| rest.split_at(i));
            let path = path.split(['?', '#']).next().unwrap_or("/");
            let joined = if uri.starts_with('/') { uri.to_owned() } else { format!("{}{uri}", dir_of(path)) };
            Location::Http(format!("{scheme}://{authority}/{}", normalize(&joined)))
        }
    }
}

/// The folder part of a path, with its trailing slash.
fn dir_of(path: &str) -> &str {
    path.rfind('/').map_or("", |i| &path[..=i])
}

/// Resolves `.` and `..` segments; no leading slash.
fn normalize(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    let mut joined = parts.join("/");
    if path.ends_with('/') && !joined.is_empty() {
        joined.push('/');
    }
    joined
}

/// Reads objects from S3 or HTTP origins.
#[derive(Clone)]
pub struct OriginReader {
    s3: aws_sdk_s3::Client,
    http: Option<SharedHttpConnector>,
    timeout: Duration,
}

impl std::fmt::Debug for OriginReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OriginReader").field("http", &self.http.is_some()).field("timeout", &self.timeout).finish()
    }
}

impl OriginReader {
    /// A reader with the clients' timeouts.
    pub fn new(s3: aws_sdk_s3::Client, settings: &ClientSettings) -> Self {
        let connector_settings = HttpConnectorSettings::builder()
            .connect_timeout(settings.connect_timeout)
            .read_timeout(settings.attempt_timeout)
            .build();
        // Built on its first call: no certificate is read before the first plain HTTP origin.
        let http = Some(tailorflow_shared::https::lazy_connector(&connector_settings, settings.ca_bundle.as_ref()));
        Self { s3, http, timeout: settings.operation_timeout }
    }

    /// Reads one object.
    pub async fn get(&self, location: &Location) -> Result<Vec<u8>, FetchError> {
        match location {
            Location::S3 { bucket, key } => self.get_s3(bucket, key).await,
            Location::Http(url) => match tokio::time::timeout(self.timeout, self.get_http(url)).await {
                Ok(result) => result,
                Err(_) => Err(FetchError::Transient(format!("GET {url} timed out after {:?}", self.timeout))),
            },
        }
    }

    async fn get_s3(&self, bucket: &str, key: &str) -> Result<Vec<u8>, FetchError> {
        let part = s3::Part::Whole { max_bytes: MAX_MANIFEST_BYTES as u64 };
        match s3::get_object(&self.s3, bucket, key, part).await {
            Ok(Some(object)) => Ok(object.body),
            Ok(None) => {
                Err(FetchError::Permanent(format!("s3://{bucket}/{key}: NoSuchKey, the object does not exist")))
            }
            Err(err) if err.class.is_retryable() => Err(FetchError::Transient(format!("s3://{bucket}/{key}: {err}"))),
            Err(err) => Err(FetchError::Permanent(format!("s3://{bucket}/{key}: {err}"))),
        }
    }

    async fn get_http(&self, url: &str) -> Result<Vec<u8>, FetchError> {
        let connector = self.http.as_ref().ok_or_else(|| {
            FetchError::Permanent(format!("GET {url}: this build has no HTTP client for plain HTTP origins"))
        })?;
        let request = http::Request::builder()
            .method("GET")
            .uri(url)
            .header("user-agent", concat!("tailorflow-program-scheduler/", env!("CARGO_PKG_VERSION")))
            .body(SdkBody::empty())
            .map_err(|e| FetchError::Permanent(format!("GET {url}: not a valid URL: {e}")))?;
        let request = HttpRequest::try_from(request)
            .map_err(|e| FetchError::Permanent(format!("GET {url}: not a valid request: {e}")))?;
        // A timeout may pass; a refused connection or a name that does not resolve is the
        // origin's configuration, which no retry of this run fixes: that VOD source is skipped.
        let response = connector.call(request).await.map_err(|e| {
            if e.is_timeout() {
                FetchError::Transient(format!("GET {url} timed out: {e}"))
            } else {
                FetchError::Permanent(format!("GET {url}: the origin cannot be reached: {}", error_chain(&e)))
            }
        })?;
        let status = response.status().as_u16();
        match status {
            200..=299 => {}
            429 | 500..=599 => return Err(FetchError::Transient(format!("GET {url} answered {status}"))),
            _ => return Err(FetchError::Permanent(format!("GET {url} answered {status}"))),
        }
        let length = response.headers().get("content-length").and_then(|v| v.parse::<usize>().ok());
        if length.is_some_and(|n| n > MAX_MANIFEST_BYTES) {
            return Err(too_large(url));
        }
        let bytes = ByteStream::new(response.into_body())
            .collect()
            .await
            .map_err(|e| FetchError::Transient(format!("GET {url}: the body could not be read: {e}")))?
            .into_bytes();
        if bytes.len() > MAX_MANIFEST_BYTES {
            return Err(too_large(url));
        }
        Ok(bytes.to_vec())
    }
}

/// An error and its sources, e.g. "io error: Connection refused (os error 111)".
fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    // Bounded: error chains are short, and each step moves to the next source.
    for _ in 0..8 {
        let Some(inner) = source else { break };
        let part = inner.to_string();
        if !text.contains(&part) {
            text = format!("{text}: {part}");
        }
        source = inner.source();
    }
    text
}

fn too_large(what: &str) -> FetchError {
    FetchError::Permanent(format!("{what} is larger than {MAX_MANIFEST_BYTES} bytes; it is not a playlist"))
}

/// One package's content duration and segment timeline.
async fn read_package(
    reader: &OriginReader,
    origin: &Origin,
    package: &Package,
) -> Result<(u64, Option<SegmentTimeline>), FetchError> {
    let mut location = locate(origin, &package.path);
    let bytes = match reader.get(&location).await {
        Err(FetchError::Permanent(reason)) => match locate_literal(origin, &package.path) {
            // The Path decoded once names nothing; it may be the key itself.
            Some(literal) => match reader.get(&literal).await {
                Ok(bytes) => {
                    location = literal;
                    bytes
                }
                Err(_) => return Err(FetchError::Permanent(reason)),
            },
            None => return Err(FetchError::Permanent(reason)),
        },
        other => other?,
    };
    let unusable = |what: &Location, err: manifest::ManifestError| FetchError::Permanent(format!("{what}: {err}"));
    if package.kind == PackageType::Dash {
        let mpd = manifest::parse_dash(&bytes).map_err(|e| unusable(&location, e))?;
        let duration = mpd.duration_ms.or_else(|| mpd.timeline.as_ref().map(SegmentTimeline::total_ms));
        let duration = duration.ok_or_else(|| {
            FetchError::Permanent(format!("{location}: the MPD states no duration and no segment timeline"))
        })?;
        return Ok((duration, mpd.timeline));
    }
    // An HLS package path names a multivariant playlist (read its first variant) or a media one.
    let (media_location, media_bytes) = match manifest::sniff_hls(&bytes) {
        Some(ManifestKind::HlsMedia) => (location, bytes),
        Some(ManifestKind::HlsMultivariant) => {
            let variants = manifest::parse_hls_multivariant(&bytes).map_err(|e| unusable(&location, e))?;
            let first = variants.first().ok_or_else(|| unusable(&location, manifest::ManifestError::NoVariants))?;
            let variant = resolve(&location, &first.uri);
            let bytes = reader.get(&variant).await?;
            (variant, bytes)
        }
        _ => return Err(unusable(&location, manifest::ManifestError::NotHls)),
    };
    let timeline = manifest::parse_hls_media(&media_bytes).map_err(|e| unusable(&media_location, e))?;
    Ok((timeline.total_ms(), Some(timeline)))
}

/// What the manifests of a VOD source say, for the channel's `source_groups` (the first one is
/// the reference); `Ok(Err(reason))` when the source cannot be scheduled; `Err` only for
/// transient failures.
pub async fn source_media(
    reader: &OriginReader,
    origin: &Origin,
    packages: &[Package],
    source_groups: &[String],
) -> Result<MediaStatus, FetchError> {
    let chosen: Vec<&Package> = if source_groups.is_empty() {
        packages.first().into_iter().collect()
    } else {
        let mut chosen = Vec::new();
        for group in source_groups {
            match packages.iter().find(|p| &p.source_group == group) {
                Some(package) => chosen.push(package),
                None => return Ok(Err(format!("it has no package configuration for source group {group:?}"))),
            }
        }
        chosen
    };
    if chosen.is_empty() {
        return Ok(Err("it has no package configuration".into()));
    }
    let mut timelines = Vec::with_capacity(chosen.len());
    let mut content_ms = None;
    for package in chosen {
        match read_package(reader, origin, package).await {
            Ok((duration, timeline)) => {
                content_ms.get_or_insert(duration);
                timelines.push(PackageTimeline { source_group: package.source_group.clone(), timeline });
            }
            Err(FetchError::Permanent(reason)) => return Ok(Err(format!("its manifest cannot be read: {reason}"))),
            Err(transient) => return Err(transient),
        }
    }
    Ok(Ok(SourceMedia { content_ms: content_ms.unwrap_or_default(), packages: timelines }))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn s3(bucket: &str, key: &str) -> Location {
        Location::S3 { bucket: bucket.into(), key: key.into() }
    }

    #[test]
    fn locates_package_paths() {
        let origin = Origin::S3 { bucket: "media".into(), prefix: "vod/".into() };
        assert_eq!(locate(&origin, "/bbb/hls/index.m3u8"), s3("media", "vod/bbb/hls/index.m3u8"));
        assert_eq!(locate(&origin, "my%20show/index.m3u8?x=1"), s3("media", "vod/my show/index.m3u8"));
        let root = Origin::S3 { bucket: "media".into(), prefix: String::new() };
        assert_eq!(locate(&root, "a/./b/../index.m3u8"), s3("media", "a/index.m3u8"));
        let http = Origin::Http { base_url: "https://cdn.example.com/vod/".into() };
        assert_eq!(
            locate(&http, "bbb/index.m3u8"),
            Location::Http("https://cdn.example.com/vod/bbb/index.m3u8".into())
        );
    }

    #[test]
    fn a_path_is_decoded_once_or_read_as_the_key_itself() {
        let origin = Origin::S3 { bucket: "media".into(), prefix: String::new() };
        assert_eq!(locate(&origin, "packages/50%2541/hls/index.m3u8"), s3("media", "packages/50%41/hls/index.m3u8"));
        assert_eq!(locate(&origin, "packages/50%41/hls/index.m3u8"), s3("media", "packages/50A/hls/index.m3u8"));
        assert_eq!(
            locate_literal(&origin, "packages/50%41/hls/index.m3u8"),
            Some(s3("media", "packages/50%41/hls/index.m3u8"))
        );
        assert_eq!(locate_literal(&origin, "packages/plain/index.m3u8"), None, "nothing to decode");
        let http = Origin::Http { base_url: "https://cdn.example.com/".into() };
        assert_eq!(locate_literal(&http, "a%41.m3u8"), None);
        // A variant URI inside the manifest is a URI: decoded once, relative to the decoded key.
        let master = s3("media", "packages/50%41/hls/index.m3u8");
        assert_eq!(resolve(&master, "720p/index.m3u8"), s3("media", "packages/50%41/hls/720p/index.m3u8"));
        assert_eq!(resolve(&master, "a%2520b.m3u8"), s3("media", "packages/50%41/hls/a%20b.m3u8"));
    }

    #[test]
    fn resolves_variant_uris() {
        let master = s3("media", "vod/bbb/hls/index.m3u8");
        assert_eq!(resolve(&master, "720p/index.m3u8"), s3("media", "vod/bbb/hls/720p/index.m3u8"));
        assert_eq!(resolve(&master, "../other/index.m3u8?t=1"), s3("media", "vod/bbb/other/index.m3u8"));
        assert_eq!(resolve(&master, "/root.m3u8"), s3("media", "root.m3u8"));
        assert_eq!(
            resolve(&master, "https://cdn.example.com/a.m3u8"),
            Location::Http("https://cdn.example.com/a.m3u8".into())
        );
        let http = Location::Http("http://127.0.0.1:9/origin/b/hls/index.m3u8?token=1".into());
        assert_eq!(
            resolve(&http, "720p/index.m3u8"),
            Location::Http("http://127.0.0.1:9/origin/b/hls/720p/index.m3u8".into())
        );
        assert_eq!(resolve(&http, "/x/y.m3u8"), Location::Http("http://127.0.0.1:9/x/y.m3u8".into()));
        assert_eq!(resolve(&http, "../a.m3u8"), Location::Http("http://127.0.0.1:9/origin/b/a.m3u8".into()));
    }
}
