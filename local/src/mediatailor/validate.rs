//! Member checks the seed API states: URLs, enums, ranges, `HH:MM:SS` times and tags. Each
//! failure names the member, as MediaTailor's `BadRequestException` messages do.

use std::collections::BTreeMap;

pub(crate) use crate::wire::FieldError;

/// The longest ad decision server URL MediaTailor accepts (the seed: 25,000 characters).
pub(crate) const MAX_ADS_URL_LEN: usize = 25_000;
/// The longest `VideoContentSourceUrl` MediaTailor accepts (the seed: 512 characters).
pub(crate) const MAX_VIDEO_CONTENT_SOURCE_URL_LEN: usize = 512;
/// The longest other URL (slate, bumpers, CDN prefixes, BaseUrls) the emulator accepts.
pub(crate) const MAX_URL_LEN: usize = 2_048;
/// AWS tag key limit.
pub(crate) const MAX_TAG_KEY_LEN: usize = 128;
/// AWS tag value limit.
pub(crate) const MAX_TAG_VALUE_LEN: usize = 256;
/// AWS limit on tags per resource.
pub(crate) const MAX_TAGS: usize = 50;

/// Checks that `value` is an absolute http(s) URL of at most `max` characters.
///
/// The host must be a DNS name or IPv4 address in ASCII (punycode for international names) or a
/// bracketed IPv6 address, with an optional port from 1 to 65535; nothing may be whitespace or a
/// control character. Placeholders such as `[session.id]` stay allowed in the path and query.
pub(crate) fn check_url(field: &str, value: &str, max: usize) -> Result<(), FieldError> {
    let len = value.chars().count();
    if len > max {
        return Err(FieldError::new(field, format!("is {len} characters long; the maximum is {max}")));
    }
    let rest = value
        .strip_prefix("https://")
        .or_else(|| value.strip_prefix("http://"))
        .ok_or_else(|| FieldError::new(field, "must be an absolute URL starting with http:// or https://"))?;
    if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(FieldError::new(field, "must not contain spaces or control characters; percent-encode them"));
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    // Credentials before '@' are allowed (some ad servers want them) but never part of the host.
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, host)| host);
    let (host, port) = split_host_port(host_port)
        .ok_or_else(|| FieldError::new(field, "has a malformed host; close an IPv6 address with ']'"))?;
    check_host(field, host)?;
    match port {
        Some(port) if !is_port(port) => {
            Err(FieldError::new(field, format!("has port {port:?}; use a number from 1 to 65535")))
        }
        _ => Ok(()),
    }
}

fn check_host(field: &str, host: &str) -> Result<(), FieldError> {
    if host.is_empty() {
        return Err(FieldError::new(field, "must name a host after the scheme"));
    }
    let host_ok = match host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        Some(v6) => !v6.is_empty() && v6.chars().all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.'),
        None => host.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~')),
    };
    if host_ok {
        Ok(())
    } else {
        Err(FieldError::new(
            field,
            "has a host with characters outside A-Z a-z 0-9 - . _ ~; use the ASCII (punycode) form of the name",
        ))
    }
}

fn is_port(port: &str) -> bool {
    port.len() <= 5
        && port.bytes().all(|b| b.is_ascii_digit())
        && port.parse::<u32>().is_ok_and(|p| (1..=65_535).contains(&p))
}

/// Splits `host[:port]` or `[v6][:port]`; `None` when an IPv6 bracket is not closed or is
/// followed by anything but a port.
fn split_host_port(host_port: &str) -> Option<(&str, Option<&str>)> {
    if host_port.starts_with('[') {
        let end = host_port.find(']')?;
        let (host, after) = host_port.split_at(end + 1);
        match after {
            "" => Some((host, None)),
            _ => after.strip_prefix(':').map(|port| (host, Some(port))),
        }
    } else {
        Some(match host_port.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (host_port, None),
        })
    }
}

/// Checks an `HH:MM:SS` time with minutes and seconds below 60.
pub(crate) fn check_hh_mm_ss(field: &str, value: &str) -> Result<(), FieldError> {
    let parts: Vec<&str> = value.split(':').collect();
    let valid = parts.len() == 3
        && parts.iter().all(|p| p.len() == 2 && p.bytes().all(|b| b.is_ascii_digit()))
        && parts[1] < "60"
        && parts[2] < "60";
    if valid { Ok(()) } else { Err(FieldError::new(field, format!("{value:?} is not a time as HH:MM:SS"))) }
}

/// Checks that `value` is one of `allowed` (case matters, as in the service model).
pub(crate) fn check_enum(field: &str, value: &str, allowed: &[&str]) -> Result<(), FieldError> {
    if allowed.contains(&value) {
        Ok(())
    } else {
        Err(FieldError::new(field, format!("{value:?} is not one of {}", allowed.join(", "))))
    }
}

/// Checks that `value` lies in `min..=max`.
pub(crate) fn check_range(field: &str, value: i64, min: i64, max: i64) -> Result<(), FieldError> {
    if (min..=max).contains(&value) {
        Ok(())
    } else {
        Err(FieldError::new(field, format!("{value} is out of range; use a value from {min} to {max}")))
    }
}

/// Checks tags against AWS's tagging limits.
pub(crate) fn check_tags(field: &str, tags: &BTreeMap<String, String>) -> Result<(), FieldError> {
    if tags.len() > MAX_TAGS {
        return Err(FieldError::new(field, format!("has {} tags; the maximum is {MAX_TAGS}", tags.len())));
    }
    for (key, value) in tags {
        let key_len = key.chars().count();
        if key_len == 0 || key_len > MAX_TAG_KEY_LEN {
            return Err(FieldError::new(field, format!("tag key {key:?} must be 1 to {MAX_TAG_KEY_LEN} characters")));
        }
        if key.starts_with("aws:") {
            return Err(FieldError::new(field, format!("tag key {key:?} uses the reserved prefix aws:")));
        }
        if value.chars().count() > MAX_TAG_VALUE_LEN {
            return Err(FieldError::new(
                format!("{field}.{key}"),
                format!("tag value is longer than {MAX_TAG_VALUE_LEN} characters"),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_syntax() {
        for good in [
            "http://ads.example.com",
            "https://ads.example.com:8443/vast?sid=[session.id]&ua=[session.user_agent]#x",
            "https://127.0.0.1:1/",
            "https://[2001:db8::1]:65535/v",
            "https://[::1]",
            "https://user:secret@ads.example.com/vast",
        ] {
            check_url("U", good, MAX_ADS_URL_LEN).unwrap_or_else(|e| panic!("{good}: {e}"));
        }
        for bad in [
            "",
            "ads.example.com",
            "ftp://ads.example.com",
            "https://",
            "https:///path",
            "https://:80/",
            "https://ads.example.com:0/",
            "https://ads.example.com:65536/",
            "https://ads.example.com:http/",
            "https://ads.example.com:/",
            "https://[::1/",
            "https://[::1]x/",
            "https://[]/",
            "https://ads example.com/",
            "https://ads.example.com/a b",
            "https://exämple.com/",
        ] {
            assert_eq!(check_url("U", bad, MAX_ADS_URL_LEN).unwrap_err().field, "U", "{bad:?}");
        }
    }

    #[test]
    fn times_enums_and_ranges() {
        assert!(check_hh_mm_ss("T", "00:45:00").is_ok());
        for bad in ["00:60:00", "0:45:00", "00:45", "aa:bb:cc"] {
            assert!(check_hh_mm_ss("T", bad).is_err(), "{bad}");
        }
        assert!(check_enum("E", "OFF", &["OFF"]).is_ok());
        assert!(check_enum("E", "off", &["OFF"]).is_err());
        assert!(check_range("R", 5, 1, 5).is_ok());
        assert!(check_range("R", 6, 1, 5).is_err());
    }

    #[test]
    fn tags_at_and_past_each_limit() {
        let many = |n: usize| (0..n).map(|i| (format!("k{i}"), "v".to_owned())).collect::<BTreeMap<_, _>>();
        assert!(check_tags("Tags", &many(MAX_TAGS)).is_ok());
        assert!(check_tags("Tags", &many(MAX_TAGS + 1)).is_err());
        let one = |k: &str, v: &str| BTreeMap::from([(k.to_owned(), v.to_owned())]);
        assert!(check_tags("Tags", &one(&"k".repeat(MAX_TAG_KEY_LEN + 1), "v")).is_err());
        assert!(check_tags("Tags", &one("aws:x", "v")).is_err());
        assert_eq!(check_tags("Tags", &one("k", &"v".repeat(MAX_TAG_VALUE_LEN + 1))).unwrap_err().field, "Tags.k");
    }
}
