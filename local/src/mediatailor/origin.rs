//! Where a source location's `BaseUrl` points, when it is S3 (so possibly the media folder), and
//! how manifest paths and the URIs inside manifests become object keys.
//!
//! S3 shapes recognised: the emulator's own `http://127.0.0.1:PORT/origin/BUCKET[/prefix]` (or
//! `localhost`, `[::1]`), virtual-hosted `https://BUCKET.s3[.REGION].amazonaws.com[/prefix]` (also
//! `s3-REGION`, `dualstack`, `.com.cn`) and path-style `https://s3.REGION.amazonaws.com/BUCKET`.
//! Anything else is a remote origin the emulator cannot read.

use percent_encoding::percent_decode_str;

/// An S3 location: the bucket, and a key prefix with no leading slash that is empty or ends with
/// a slash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct S3Origin {
    /// The bucket name.
    pub(crate) bucket: String,
    /// The key prefix, e.g. `packages/`.
    pub(crate) prefix: String,
}

/// The path under which the emulator serves its media folder: `/origin/BUCKET/KEY`.
const LOCAL_ORIGIN_PATH: &str = "/origin/";

/// The S3 bucket and prefix `base_url` names, or `None` for any other origin (or a malformed
/// URL: MediaTailor would not read it either).
pub(crate) fn s3_origin(base_url: &str) -> Option<S3Origin> {
    let given = base_url.trim();
    let rest = strip_prefix_ignore_case(given, "https://").or_else(|| strip_prefix_ignore_case(given, "http://"))?;
    if rest.contains(['?', '#', '@']) || rest.contains(char::is_whitespace) {
        return None;
    }
    let (authority, path) = rest.find('/').map_or((rest, ""), |i| rest.split_at(i));
    let host = host_of(authority).to_ascii_lowercase();
    if matches!(host.as_str(), "127.0.0.1" | "localhost" | "[::1]") {
        return path_style(path.strip_prefix(LOCAL_ORIGIN_PATH)?);
    }
    let stem = host.strip_suffix(".amazonaws.com").or_else(|| host.strip_suffix(".amazonaws.com.cn"))?;
    match s3_labels(stem)? {
        None => path_style(path.strip_prefix('/').unwrap_or(path)),
        Some(bucket) => Some(S3Origin { bucket, prefix: key_prefix(path)? }),
    }
}

/// `BUCKET[/prefix]` from a path-style URL's path.
fn path_style(after: &str) -> Option<S3Origin> {
    let (bucket, key_path) = after.find('/').map_or((after, ""), |i| after.split_at(i));
    if bucket.is_empty() {
        return None;
    }
    Some(S3Origin { bucket: bucket.to_owned(), prefix: key_prefix(key_path)? })
}

fn strip_prefix_ignore_case<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix).then(|| &s[prefix.len()..])
}

/// The host part of `host[:port]` or `[ipv6][:port]`.
fn host_of(authority: &str) -> &str {
    if authority.starts_with('[') {
        return authority.find(']').map_or(authority, |i| &authority[..=i]);
    }
    authority.rsplit_once(':').map_or(authority, |(host, _port)| host)
}

/// Reads an S3 REST host (without `.amazonaws.com`) from the right, because bucket names may
/// contain dots: `Some(Some(bucket))` virtual-hosted, `Some(None)` path-style, `None` not S3.
fn s3_labels(stem: &str) -> Option<Option<String>> {
    let labels: Vec<&str> = stem.split('.').collect();
    let at = labels.iter().rposition(|l| is_s3_label(l))?;
    let region_ok = match (labels[at], &labels[at + 1..]) {
        ("s3" | "s3-fips", [] | ["dualstack", _] | [_]) => labels[at + 1..].last().is_none_or(|r| is_region(r)),
        (_, []) => true,
        _ => false,
    };
    region_ok.then(|| (at > 0).then(|| labels[..at].join(".")))
}

fn is_s3_label(label: &str) -> bool {
    match label {
        "s3" | "s3-fips" => true,
        // Website endpoints ("s3-website-REGION") serve HTML index pages, not the S3 API.
        _ => label.strip_prefix("s3-").is_some_and(|region| !region.starts_with("website") && is_region(region)),
    }
}

/// A loose region check ("us-east-1", "us-gov-west-1"): lowercase words, then a number.
fn is_region(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() >= 3
        && parts.last().is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        && parts.iter().all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()))
}

/// A URL path ("/packages/bbb") as a key prefix ("packages/bbb/"), percent-decoded once.
fn key_prefix(path: &str) -> Option<String> {
    let path = path.strip_prefix('/').unwrap_or(path);
    let mut prefix = percent_decode_str(path).decode_utf8().ok()?.into_owned();
    if !prefix.is_empty() && !prefix.ends_with('/') {
        prefix.push('/');
    }
    Some(prefix)
}

/// The key of a package's `Path` under `origin`: query and fragment dropped, percent-decoded
/// once, `.` and `..` resolved inside the bucket.
pub(crate) fn package_key(origin: &S3Origin, path: &str) -> String {
    let decoded = decode_uri_path(path);
    normalize(&format!("{}{}", origin.prefix, decoded.trim_start_matches('/')))
}

/// The key a URI inside the manifest at `manifest_key` points to (a variant playlist), or `None`
/// for an absolute URL (another origin). A URI starting with `/` is read from the bucket's root.
pub(crate) fn resolve(manifest_key: &str, uri: &str) -> Option<String> {
    let uri = uri.trim();
    if uri.contains("://") {
        return None;
    }
    let decoded = decode_uri_path(uri);
    let joined = match decoded.strip_prefix('/') {
        Some(from_root) => from_root.to_owned(),
        None => format!("{}{decoded}", dir_of(manifest_key)),
    };
    Some(normalize(&joined))
}

/// The path part of a URI reference, percent-decoded once.
fn decode_uri_path(uri: &str) -> String {
    let path = uri.split(['?', '#']).next().unwrap_or_default();
    percent_decode_str(path).decode_utf8_lossy().into_owned()
}

/// The folder part of a key, with its trailing slash.
fn dir_of(key: &str) -> &str {
    key.rfind('/').map_or("", |i| &key[..=i])
}

/// Resolves `.` and `..` segments; a `..` at the top stays at the bucket's root, so a key never
/// escapes the bucket. No leading slash.
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

#[cfg(test)]
mod tests {
    use super::*;

    fn s3(bucket: &str, prefix: &str) -> Option<S3Origin> {
        Some(S3Origin { bucket: bucket.into(), prefix: prefix.into() })
    }

    #[test]
    fn s3_base_urls() {
        assert_eq!(s3_origin("http://127.0.0.1:8080/origin/tailorflow-media"), s3("tailorflow-media", ""));
        assert_eq!(s3_origin("http://localhost:9/origin/m/packages/"), s3("m", "packages/"));
        assert_eq!(s3_origin("https://media.s3.us-west-2.amazonaws.com/"), s3("media", ""));
        assert_eq!(s3_origin("https://media.s3.amazonaws.com/packages"), s3("media", "packages/"));
        assert_eq!(s3_origin("https://media.s3-eu-west-1.amazonaws.com/a/b/"), s3("media", "a/b/"));
        assert_eq!(s3_origin("https://media.s3.dualstack.us-east-1.amazonaws.com/a"), s3("media", "a/"));
        assert_eq!(s3_origin("HTTPS://My.Media.S3.US-EAST-1.AMAZONAWS.COM"), s3("my.media", ""));
        assert_eq!(s3_origin("https://s3.us-east-1.amazonaws.com/media/my%20show"), s3("media", "my show/"));
    }

    #[test]
    fn other_base_urls_are_remote() {
        for url in [
            "http://localhost:9000/ads",
            "http://localhost:9000/origin/",
            "https://cdn.example.com/vod",
            "http://media.s3-website-us-east-1.amazonaws.com",
            "https://media.s3.notaregion.amazonaws.com",
            "https://s3.us-east-1.amazonaws.com/",
            "https://m.s3.us-east-1.amazonaws.com/vod?token=1",
            "s3://media/packages",
        ] {
            assert_eq!(s3_origin(url), None, "{url}");
        }
    }

    #[test]
    fn package_paths_and_variant_uris_stay_in_the_bucket() {
        let origin = S3Origin { bucket: "media".into(), prefix: "vod/".into() };
        assert_eq!(package_key(&origin, "/bbb/hls/index.m3u8"), "vod/bbb/hls/index.m3u8");
        assert_eq!(package_key(&origin, "my%20show/./a/../index.m3u8?x=1"), "vod/my show/index.m3u8");
        let master = "vod/bbb/hls/index.m3u8";
        assert_eq!(resolve(master, "720p/index.m3u8").as_deref(), Some("vod/bbb/hls/720p/index.m3u8"));
        assert_eq!(resolve(master, "../other/index.m3u8?t=1").as_deref(), Some("vod/bbb/other/index.m3u8"));
        assert_eq!(resolve(master, "720p%2Findex%20hd.m3u8").as_deref(), Some("vod/bbb/hls/720p/index hd.m3u8"));
        // Decoded once only: %2520 is a literal "%20" in the key.
        assert_eq!(resolve(master, "a%2520b.m3u8").as_deref(), Some("vod/bbb/hls/a%20b.m3u8"));
        assert_eq!(resolve(master, "../../../../../etc/passwd").as_deref(), Some("etc/passwd"));
        assert_eq!(resolve(master, "/root.m3u8").as_deref(), Some("root.m3u8"));
        assert_eq!(resolve(master, "https://cdn.example.com/a.m3u8"), None);
    }
}
