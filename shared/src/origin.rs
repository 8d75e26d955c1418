//! Where a source location's `BaseUrl` points: an S3 bucket (read through the S3 API) or any other
//! HTTP origin.
//!
//! Pure string handling, no I/O. The crate has no URL parser dependency, so this hand-parses the
//! few shapes MediaTailor accepts; anything unusual is rejected with an error naming the BaseUrl
//! rather than guessed at.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

use percent_encoding::percent_decode_str;

/// Where the objects behind a source location's BaseUrl live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// An S3 bucket, read through the S3 API (so private buckets work with the function's role).
    S3 {
        /// The bucket name.
        bucket: String,
        /// The key prefix: no leading slash, a trailing slash when non-empty ("packages/"), or "".
        prefix: String,
    },
    /// Any other HTTP(S) origin, read with plain GET requests.
    Http {
        /// The BaseUrl, ending with '/'.
        base_url: String,
    },
}

/// Why a BaseUrl could not be understood.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OriginError {
    /// The scheme is not http or https.
    #[error("BaseUrl {base_url:?} must start with http:// or https://")]
    UnsupportedScheme {
        /// The BaseUrl as given.
        base_url: String,
    },
    /// Nothing between the scheme and the path.
    #[error("BaseUrl {base_url:?} has no host name")]
    EmptyHost {
        /// The BaseUrl as given.
        base_url: String,
    },
    /// Well-formed enough to have a host, but unusable for another reason.
    #[error("BaseUrl {base_url:?} is not usable: {reason}")]
    Invalid {
        /// The BaseUrl as given.
        base_url: String,
        /// What is wrong, for a person to fix.
        reason: String,
    },
}

/// Path under which mediatailor-local serves its media folder: `/origin/BUCKET/KEY`.
const LOCAL_ORIGIN_PATH: &str = "/origin/";

/// Classifies a source location's BaseUrl.
///
/// S3 virtual-hosted URLs (`https://BUCKET.s3[.-]REGION.amazonaws.com[/prefix]`,
/// `https://BUCKET.s3.amazonaws.com[/prefix]`), S3 path-style URLs
/// (`https://s3.REGION.amazonaws.com/BUCKET[/prefix]`) and mediatailor-local's
/// `http://127.0.0.1:PORT/origin/BUCKET[/prefix]` (or `localhost`) give [`Origin::S3`]; any other
/// http(s) URL gives [`Origin::Http`]. S3 website endpoints (`s3-website`) are plain HTTP origins.
pub fn parse_base_url(base_url: &str) -> Result<Origin, OriginError> {
    let given = base_url.trim();
    let invalid = |reason: &str| OriginError::Invalid { base_url: base_url.to_owned(), reason: reason.to_owned() };

    let rest = strip_prefix_ignore_case(given, "https://")
        .or_else(|| strip_prefix_ignore_case(given, "http://"))
        .ok_or_else(|| OriginError::UnsupportedScheme { base_url: base_url.to_owned() })?;
    if rest.contains(['?', '#']) {
        // Object URLs are built by appending paths; a query or fragment would end up in the middle.
        return Err(invalid("it must not contain a query string or fragment"));
    }
    if rest.contains(char::is_whitespace) {
        return Err(invalid("it contains whitespace"));
    }
    let (authority, path) = rest.find('/').map_or((rest, ""), |i| rest.split_at(i));
    if authority.contains('@') {
        return Err(invalid("credentials in the URL are not supported"));
    }
    let host = host_of(authority).to_ascii_lowercase();
    if host.is_empty() {
        return Err(OriginError::EmptyHost { base_url: base_url.to_owned() });
    }

    // Path-style forms carry the bucket as the first path segment.
    let path_style = |after: &str, shape: &str| {
        let (bucket, key_path) = after.find('/').map_or((after, ""), |i| after.split_at(i));
        if bucket.is_empty() {
            return Err(invalid(&format!("it names no bucket; expected {shape}")));
        }
        Ok(Origin::S3 { bucket: bucket.to_owned(), prefix: s3_prefix(key_path).map_err(invalid)? })
    };
    if is_local_host(&host)
        && let Some(after) = path.strip_prefix(LOCAL_ORIGIN_PATH)
    {
        return path_style(after, "http://localhost:PORT/origin/BUCKET/...");
    }
    match s3_host(&host) {
        Some(S3Host::VirtualHosted { bucket }) => Ok(Origin::S3 { bucket, prefix: s3_prefix(path).map_err(invalid)? }),
        Some(S3Host::PathStyle) => {
            path_style(path.strip_prefix('/').unwrap_or(path), "https://s3.REGION.amazonaws.com/BUCKET/...")
        }
        None => {
            let mut base = given.to_owned();
            if !base.ends_with('/') {
                base.push('/');
            }
            Ok(Origin::Http { base_url: base })
        }
    }
}

/// Joins a base URL or key prefix and a relative path with exactly one slash between them.
///
/// An empty base gives the path unchanged (an S3 prefix of "" means the bucket root), so
/// `join("", "a.m3u8")` is `"a.m3u8"`, not `"/a.m3u8"`.
pub fn join(base: &str, path: &str) -> String {
    let path = path.trim_start_matches('/');
    if base.is_empty() {
        return path.to_owned();
    }
    format!("{}/{}", base.trim_end_matches('/'), path)
}

/// The virtual-hosted S3 BaseUrl for a bucket, without a trailing slash because MediaTailor stores
/// the BaseUrl exactly as given and we want it to match what the console shows.
pub fn s3_virtual_hosted_base_url(bucket: &str, region: &str) -> String {
    format!("https://{bucket}.s3.{region}.amazonaws.com")
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

fn is_local_host(host: &str) -> bool {
    matches!(host, "127.0.0.1" | "localhost" | "[::1]")
}

enum S3Host {
    VirtualHosted { bucket: String },
    PathStyle,
}

/// Recognises S3 REST endpoints by their labels, reading from the right because bucket names may
/// themselves contain dots.
fn s3_host(host: &str) -> Option<S3Host> {
    let stem = host.strip_suffix(".amazonaws.com").or_else(|| host.strip_suffix(".amazonaws.com.cn"))?;
    let labels: Vec<&str> = stem.split('.').collect();
    let s3_at = labels.iter().rposition(|l| is_s3_label(l))?;
    let after = &labels[s3_at + 1..];
    let region_ok = match (labels[s3_at], after) {
        // "s3-REGION" carries the region itself.
        (l, []) if l != "s3" && l != "s3-fips" => true,
        ("s3" | "s3-fips", []) => true,
        ("s3" | "s3-fips", [region]) => is_region(region),
        ("s3" | "s3-fips", ["dualstack", region]) => is_region(region),
        _ => false,
    };
    if !region_ok {
        return None;
    }
    if s3_at == 0 {
        return Some(S3Host::PathStyle);
    }
    let bucket = labels[..s3_at].join(".");
    Some(S3Host::VirtualHosted { bucket })
}

fn is_s3_label(label: &str) -> bool {
    match label {
        "s3" | "s3-fips" => true,
        // Website endpoints ("s3-website-REGION") serve HTML index pages, not the S3 API.
        _ => label.strip_prefix("s3-").is_some_and(|region| !region.starts_with("website") && is_region(region)),
    }
}

/// Loose region check ("us-east-1", "eu-west-3", "us-gov-west-1"): lowercase words and a number.
fn is_region(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() >= 3
        && parts.last().is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        && parts.iter().all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()))
}

/// Turns a URL path ("/packages/bbb") into an S3 key prefix ("packages/bbb/"). Only the one
/// separating slash is dropped: S3 keys may legitimately start with '/'.
fn s3_prefix(path: &str) -> Result<String, &'static str> {
    let path = path.strip_prefix('/').unwrap_or(path);
    let mut prefix = percent_decode_str(path)
        .decode_utf8()
        .map_err(|_| "its path is not valid UTF-8 once percent-decoded")?
        .into_owned();
    if !prefix.is_empty() && !prefix.ends_with('/') {
        prefix.push('/');
    }
    Ok(prefix)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s3(bucket: &str, prefix: &str) -> Origin {
        Origin::S3 { bucket: bucket.into(), prefix: prefix.into() }
    }

    #[test]
    fn s3_virtual_hosted_forms() {
        assert_eq!(parse_base_url("https://media.s3.us-west-2.amazonaws.com").unwrap(), s3("media", ""));
        assert_eq!(parse_base_url("https://media.s3.us-west-2.amazonaws.com/").unwrap(), s3("media", ""));
        assert_eq!(parse_base_url("https://media.s3.amazonaws.com/packages").unwrap(), s3("media", "packages/"));
        assert_eq!(
            parse_base_url("https://media.s3-eu-west-1.amazonaws.com/packages/bbb/").unwrap(),
            s3("media", "packages/bbb/")
        );
        assert_eq!(parse_base_url("https://media.s3.dualstack.us-east-1.amazonaws.com/a").unwrap(), s3("media", "a/"));
        assert_eq!(parse_base_url("HTTPS://Media.S3.US-EAST-1.AMAZONAWS.COM").unwrap(), s3("media", ""));
        assert_eq!(parse_base_url("https://b.s3.cn-north-1.amazonaws.com.cn/x").unwrap(), s3("b", "x/"));
    }

    #[test]
    fn bucket_names_with_dots_and_s3_in_them() {
        assert_eq!(
            parse_base_url("https://my.media.bucket.s3.us-east-1.amazonaws.com/p").unwrap(),
            s3("my.media.bucket", "p/")
        );
        assert_eq!(parse_base_url("https://s3-assets.s3.us-east-1.amazonaws.com").unwrap(), s3("s3-assets", ""));
    }

    #[test]
    fn s3_path_style() {
        assert_eq!(
            parse_base_url("https://s3.us-east-1.amazonaws.com/media/packages").unwrap(),
            s3("media", "packages/")
        );
        assert!(matches!(parse_base_url("https://s3.us-east-1.amazonaws.com/"), Err(OriginError::Invalid { .. })));
    }

    #[test]
    fn prefix_is_percent_decoded() {
        assert_eq!(parse_base_url("https://m.s3.us-east-1.amazonaws.com/my%20show").unwrap(), s3("m", "my show/"));
    }

    #[test]
    fn local_origin_is_s3() {
        assert_eq!(
            parse_base_url("http://127.0.0.1:8080/origin/tailorflow-media").unwrap(),
            s3("tailorflow-media", "")
        );
        assert_eq!(
            parse_base_url("http://localhost:9000/origin/tailorflow-media/packages/").unwrap(),
            s3("tailorflow-media", "packages/")
        );
        assert!(matches!(parse_base_url("http://localhost:9000/origin/"), Err(OriginError::Invalid { .. })));
        // Only the /origin/ path is the emulator's S3 view; other local paths are plain HTTP.
        assert_eq!(
            parse_base_url("http://localhost:9000/ads").unwrap(),
            Origin::Http { base_url: "http://localhost:9000/ads/".into() }
        );
    }

    #[test]
    fn other_hosts_are_http() {
        assert_eq!(
            parse_base_url("https://cdn.example.com/vod").unwrap(),
            Origin::Http { base_url: "https://cdn.example.com/vod/".into() }
        );
        assert_eq!(
            parse_base_url("https://cdn.example.com").unwrap(),
            Origin::Http { base_url: "https://cdn.example.com/".into() }
        );
        // Website endpoints and lookalike hosts are not the S3 API.
        for url in [
            "http://media.s3-website-us-east-1.amazonaws.com",
            "http://media.s3-website.us-east-1.amazonaws.com",
            "https://d111111abcdef8.cloudfront.net/",
            "https://s3.example.com/bucket",
            "https://media.s3.notaregion.amazonaws.com",
        ] {
            assert!(matches!(parse_base_url(url).unwrap(), Origin::Http { .. }), "{url}");
        }
    }

    #[test]
    fn rejects_bad_base_urls_naming_them() {
        let err = parse_base_url("s3://media/packages").unwrap_err();
        assert!(matches!(err, OriginError::UnsupportedScheme { .. }));
        assert!(err.to_string().contains("s3://media/packages"));
        for url in ["https://", "https:///path", "http://:8080/x"] {
            let err = parse_base_url(url).unwrap_err();
            assert!(matches!(err, OriginError::EmptyHost { .. }), "{url}");
            assert!(err.to_string().contains(url));
        }
        for url in ["https://cdn.example.com/vod?token=1", "https://user:pw@cdn.example.com", "https://a b.com"] {
            assert!(matches!(parse_base_url(url), Err(OriginError::Invalid { .. })), "{url}");
        }
        assert!(matches!(parse_base_url(""), Err(OriginError::UnsupportedScheme { .. })));
        assert!(matches!(parse_base_url("ftp://x.com"), Err(OriginError::UnsupportedScheme { .. })));
    }

    #[test]
    fn join_uses_one_slash() {
        assert_eq!(join("https://cdn.example.com/vod/", "/a/index.m3u8"), "https://cdn.example.com/vod/a/index.m3u8");
        assert_eq!(join("https://cdn.example.com/vod", "a/index.m3u8"), "https://cdn.example.com/vod/a/index.m3u8");
        assert_eq!(join("packages/", "bbb/hls/index.m3u8"), "packages/bbb/hls/index.m3u8");
        assert_eq!(join("packages//", "//x"), "packages/x");
        assert_eq!(join("", "bbb/index.m3u8"), "bbb/index.m3u8");
        assert_eq!(join("packages", ""), "packages/");
    }

    #[test]
    fn virtual_hosted_base_url_round_trips() {
        let url = s3_virtual_hosted_base_url("tailorflow-media", "eu-west-1");
        assert_eq!(url, "https://tailorflow-media.s3.eu-west-1.amazonaws.com");
        assert_eq!(parse_base_url(&url).unwrap(), s3("tailorflow-media", ""));
    }
}
