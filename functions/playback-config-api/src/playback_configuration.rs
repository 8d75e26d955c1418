//! The `PutPlaybackConfiguration` request and its validation, as the seed API states it.
//!
//! Shared by playback-config-api (which validates before calling MediaTailor) and by
//! mediatailor-local (which answers a violation with the same 400 MediaTailor would). Unknown
//! members are rejected by name, so a typo is never dropped silently.

use std::collections::BTreeMap;

use std::fmt;
use std::marker::PhantomData;

use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

use tailorflow_shared::names::PlaybackConfigurationName;

/// The longest ad decision server URL MediaTailor accepts.
pub const MAX_ADS_URL_LEN: usize = 25_000;
/// The longest `VideoContentSourceUrl` MediaTailor accepts.
pub const MAX_VIDEO_CONTENT_SOURCE_URL_LEN: usize = 512;
/// The longest other URL (slate, bumpers, CDN prefixes) tailorflow accepts.
pub const MAX_URL_LEN: usize = 2_048;
/// AWS tag key and value limits.
pub const MAX_TAG_KEY_LEN: usize = 128;
/// AWS tag value limit.
pub const MAX_TAG_VALUE_LEN: usize = 256;
/// AWS limit on tags per resource.
pub const MAX_TAGS: usize = 50;

/// One invalid member: where it is and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
#[error("{field}: {message}")]
pub struct FieldError {
    /// The member's path, e.g. `AvailSuppression.Value` or `Outputs[0].ManifestName`.
    pub field: String,
    /// What is wrong and what is expected.
    pub message: String,
}

impl FieldError {
    /// A new error for `field`.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self { field: field.into(), message: message.into() }
    }
}

/// Avail (ad) suppression.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct AvailSuppression {
    /// `OFF` or `BEHIND_LIVE_EDGE`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
    /// A live edge offset as `HH:MM:SS`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

/// Bumpers around ad breaks.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct Bumper {
    /// The end bumper's URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_url: Option<String>,
    /// The start bumper's URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_url: Option<String>,
}

/// CDN prefixes for ad and content segments.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct CdnConfiguration {
    /// CDN prefix for ad segments.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ad_segment_url_prefix: Option<String>,
    /// CDN prefix for content segments.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_segment_url_prefix: Option<String>,
}

/// DASH settings of a put request.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct DashConfigurationForPut {
    /// `DISABLED` or `EMT_DEFAULT`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mpd_location: Option<String>,
    /// `SINGLE_PERIOD` or `MULTI_PERIOD`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub origin_manifest_type: Option<String>,
}

/// Live pre-roll settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct LivePreRollConfiguration {
    /// The pre-roll ad decision server URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ad_decision_server_url: Option<String>,
    /// The longest pre-roll, in seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_duration_seconds: Option<i64>,
}

/// Ad marker passthrough.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct AdMarkerPassthrough {
    /// Whether ad markers pass through.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
}

/// Manifest processing rules.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct ManifestProcessingRules {
    /// Ad marker passthrough.
    #[serde(default, deserialize_with = "object_only", skip_serializing_if = "Option::is_none")]
    pub ad_marker_passthrough: Option<AdMarkerPassthrough>,
}

/// The body of `PutPlaybackConfiguration`: the seed's members, PascalCase, `Tags` as `tags`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct PutPlaybackConfiguration {
    /// The ad decision server URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ad_decision_server_url: Option<String>,
    /// Avail suppression.
    #[serde(default, deserialize_with = "object_only", skip_serializing_if = "Option::is_none")]
    pub avail_suppression: Option<AvailSuppression>,
    /// Bumpers.
    #[serde(default, deserialize_with = "object_only", skip_serializing_if = "Option::is_none")]
    pub bumper: Option<Bumper>,
    /// CDN prefixes.
    #[serde(default, deserialize_with = "object_only", skip_serializing_if = "Option::is_none")]
    pub cdn_configuration: Option<CdnConfiguration>,
    /// Player parameter aliases: variable, then alias to value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub configuration_aliases: Option<BTreeMap<String, BTreeMap<String, String>>>,
    /// DASH settings.
    #[serde(default, deserialize_with = "object_only", skip_serializing_if = "Option::is_none")]
    pub dash_configuration: Option<DashConfigurationForPut>,
    /// Live pre-roll.
    #[serde(default, deserialize_with = "object_only", skip_serializing_if = "Option::is_none")]
    pub live_pre_roll_configuration: Option<LivePreRollConfiguration>,
    /// Manifest processing rules.
    #[serde(default, deserialize_with = "object_only", skip_serializing_if = "Option::is_none")]
    pub manifest_processing_rules: Option<ManifestProcessingRules>,
    /// The configuration's name (required).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Most underfilled ad time, in seconds, at least 1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub personalization_threshold_seconds: Option<i64>,
    /// The slate URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slate_ad_url: Option<String>,
    /// Tags.
    #[serde(rename = "tags", skip_serializing_if = "Option::is_none")]
    pub tags: Option<BTreeMap<String, String>>,
    /// A custom transcode profile's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transcode_profile_name: Option<String>,
    /// The content origin's URL prefix.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub video_content_source_url: Option<String>,
}

/// `T` read only from a JSON object.
///
/// serde's derived structs also accept an array, read positionally, which would let
/// `"Bumper": ["https://a", "https://b"]` (or a whole body as an array) through.
struct ObjectOnly<T>(T);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for ObjectOnly<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ObjectVisitor<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for ObjectVisitor<T> {
            type Value = T;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
                // The same MapAccess carries on, so member paths in errors stay exact.
                T::deserialize(serde::de::value::MapAccessDeserializer::new(map))
            }
        }
        deserializer.deserialize_map(ObjectVisitor(PhantomData)).map(ObjectOnly)
    }
}

/// An optional member that must be a JSON object when present.
fn object_only<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<ObjectOnly<T>>::deserialize(deserializer).map(|member| member.map(|ObjectOnly(value)| value))
}

/// Parses a JSON body, which must be an object, naming the member at fault for a wrong type or
/// an unknown member.
pub fn parse_json<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, FieldError> {
    let mut de = serde_json::Deserializer::from_slice(body);
    let result: Result<ObjectOnly<T>, _> = serde_path_to_error::deserialize(&mut de);
    match result {
        Ok(ObjectOnly(value)) => {
            de.end().map(|()| value).map_err(|e| FieldError::new("(body)", format!("not valid JSON: {e}")))
        }
        Err(err) => Err(member_error(err)),
    }
}

/// Converts an already parsed JSON value, naming the member at fault as [`parse_json`] does.
///
/// For callers that look at the document before typing it (playback-config-api renames `Tags`
/// to the wire's `tags` first).
pub fn parse_value<T: serde::de::DeserializeOwned>(value: serde_json::Value) -> Result<T, FieldError> {
    serde_path_to_error::deserialize(value).map(|ObjectOnly(value)| value).map_err(member_error)
}

/// The member a deserialisation error is about, with serde's message.
fn member_error(err: serde_path_to_error::Error<serde_json::Error>) -> FieldError {
    let path = err.path().to_string();
    let inner = err.into_inner();
    let message = inner.to_string();
    if inner.is_syntax() || inner.is_eof() {
        return FieldError::new("(body)", format!("not valid JSON: {message}"));
    }
    // The path already ends with an unknown member's name; at the top level serde reports the
    // path as "." and names the member only in its message.
    let field = if path == "." || path.is_empty() {
        ["unknown field `", "duplicate field `"]
            .iter()
            .find_map(|prefix| message.strip_prefix(prefix))
            .and_then(|rest| rest.split('`').next())
            .unwrap_or("(body)")
            .to_owned()
    } else {
        path
    };
    FieldError::new(field, message)
}

/// Checks that `value` is an absolute http(s) URL of at most `max` characters.
///
/// The host must be a DNS name or IPv4 address in ASCII (punycode for international names) or a
/// bracketed IPv6 address, with an optional port from 1 to 65535; nothing may be whitespace or a
/// control character. Placeholders such as `[session.id]` stay allowed in the path and query.
pub fn check_url(field: &str, value: &str, max: usize) -> Result<(), FieldError> {
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
    if host.is_empty() {
        return Err(FieldError::new(field, "must name a host after the scheme"));
    }
    let bracketed = host.starts_with('[');
    let host_ok = if bracketed {
        host.len() > 2 && host[1..host.len() - 1].chars().all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.')
    } else {
        host.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~'))
    };
    if !host_ok {
        return Err(FieldError::new(
            field,
            "has a host with characters outside A-Z a-z 0-9 - . _ ~; use the ASCII (punycode) form of the name",
        ));
    }
    if let Some(port) = port
        && !(port.len() <= 5
            && port.bytes().all(|b| b.is_ascii_digit())
            && port.parse::<u32>().is_ok_and(|p| (1..=65_535).contains(&p)))
    {
        return Err(FieldError::new(field, format!("has port {port:?}; use a number from 1 to 65535")));
    }
    Ok(())
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
pub fn check_hh_mm_ss(field: &str, value: &str) -> Result<(), FieldError> {
    let parts: Vec<&str> = value.split(':').collect();
    let valid = parts.len() == 3
        && parts.iter().all(|p| p.len() == 2 && p.bytes().all(|b| b.is_ascii_digit()))
        && parts[1] < "60"
        && parts[2] < "60";
    if valid { Ok(()) } else { Err(FieldError::new(field, format!("{value:?} is not a time as HH:MM:SS"))) }
}

/// Checks that `value` is one of `allowed`.
pub fn check_enum(field: &str, value: &str, allowed: &[&str]) -> Result<(), FieldError> {
    if allowed.contains(&value) {
        Ok(())
    } else {
        Err(FieldError::new(field, format!("{value:?} is not one of {}", allowed.join(", "))))
    }
}

/// Checks that `value` lies in `min..=max`.
pub fn check_range(field: &str, value: i64, min: i64, max: i64) -> Result<(), FieldError> {
    if (min..=max).contains(&value) {
        Ok(())
    } else {
        Err(FieldError::new(field, format!("{value} is out of range; use a value from {min} to {max}")))
    }
}

/// Checks tags against AWS's limits.
pub fn check_tags(field: &str, tags: &BTreeMap<String, String>) -> Result<(), FieldError> {
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

impl PutPlaybackConfiguration {
    /// Checks every member the seed constrains; the first violation, naming its member.
    pub fn validate(&self) -> Result<(), FieldError> {
        let name = self.name.as_deref().ok_or_else(|| FieldError::new("Name", "is required"))?;
        PlaybackConfigurationName::new(name).map_err(|e| FieldError::new("Name", e.to_string()))?;
        if let Some(url) = &self.ad_decision_server_url {
            check_url("AdDecisionServerUrl", url, MAX_ADS_URL_LEN)?;
        }
        if let Some(url) = &self.video_content_source_url {
            check_url("VideoContentSourceUrl", url, MAX_VIDEO_CONTENT_SOURCE_URL_LEN)?;
        }
        if let Some(url) = &self.slate_ad_url {
            check_url("SlateAdUrl", url, MAX_URL_LEN)?;
        }
        if let Some(suppression) = &self.avail_suppression {
            if let Some(mode) = &suppression.mode {
                check_enum("AvailSuppression.Mode", mode, &["OFF", "BEHIND_LIVE_EDGE"])?;
            }
            if let Some(value) = &suppression.value {
                check_hh_mm_ss("AvailSuppression.Value", value)?;
            }
        }
        if let Some(bumper) = &self.bumper {
            if let Some(url) = &bumper.start_url {
                check_url("Bumper.StartUrl", url, MAX_URL_LEN)?;
            }
            if let Some(url) = &bumper.end_url {
                check_url("Bumper.EndUrl", url, MAX_URL_LEN)?;
            }
        }
        if let Some(cdn) = &self.cdn_configuration {
            if let Some(url) = &cdn.ad_segment_url_prefix {
                check_url("CdnConfiguration.AdSegmentUrlPrefix", url, MAX_URL_LEN)?;
            }
            if let Some(url) = &cdn.content_segment_url_prefix {
                check_url("CdnConfiguration.ContentSegmentUrlPrefix", url, MAX_URL_LEN)?;
            }
        }
        if let Some(aliases) = &self.configuration_aliases {
            for (variable, map) in aliases {
                let field = format!("ConfigurationAliases.{variable}");
                if !variable.starts_with("player_params.") || variable.len() <= "player_params.".len() {
                    return Err(FieldError::new(field, "the dynamic variable must be named player_params.<name>"));
                }
                if map.is_empty() {
                    return Err(FieldError::new(field, "must map at least one alias to a value"));
                }
                if map.keys().any(String::is_empty) {
                    return Err(FieldError::new(field, "aliases must not be empty"));
                }
            }
        }
        if let Some(dash) = &self.dash_configuration {
            if let Some(location) = &dash.mpd_location {
                check_enum("DashConfiguration.MpdLocation", location, &["DISABLED", "EMT_DEFAULT"])?;
            }
            if let Some(kind) = &dash.origin_manifest_type {
                check_enum("DashConfiguration.OriginManifestType", kind, &["SINGLE_PERIOD", "MULTI_PERIOD"])?;
            }
        }
        if let Some(pre_roll) = &self.live_pre_roll_configuration {
            if let Some(url) = &pre_roll.ad_decision_server_url {
                check_url("LivePreRollConfiguration.AdDecisionServerUrl", url, MAX_ADS_URL_LEN)?;
            }
            if let Some(seconds) = pre_roll.max_duration_seconds {
                check_range("LivePreRollConfiguration.MaxDurationSeconds", seconds, 0, i64::from(i32::MAX))?;
            }
        }
        if let Some(seconds) = self.personalization_threshold_seconds {
            check_range("PersonalizationThresholdSeconds", seconds, 1, i64::from(i32::MAX))?;
        }
        if let Some(profile) = &self.transcode_profile_name
            && profile.trim().is_empty()
        {
            return Err(FieldError::new("TranscodeProfileName", "must not be empty when given"));
        }
        if let Some(tags) = &self.tags {
            check_tags("Tags", tags)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(value: serde_json::Value) -> Result<PutPlaybackConfiguration, FieldError> {
        parse_json(&serde_json::to_vec(&value).unwrap())
    }

    fn field_of(value: serde_json::Value) -> String {
        match parse(value) {
            Err(e) => e.field,
            Ok(config) => config.validate().unwrap_err().field,
        }
    }

    fn valid() -> serde_json::Value {
        json!({
            "Name": "conf-1",
            "AdDecisionServerUrl": "https://ads.example.com/vast?sid=[session.id]",
            "VideoContentSourceUrl": "https://origin.example.com/hls/",
            "SlateAdUrl": "https://cdn.example.com/slate.mp4",
            "AvailSuppression": {"Mode": "BEHIND_LIVE_EDGE", "Value": "00:45:00"},
            "Bumper": {"StartUrl": "https://cdn.example.com/start.mp4", "EndUrl": "https://cdn.example.com/end.mp4"},
            "CdnConfiguration": {"AdSegmentUrlPrefix": "https://ads.cdn.example.com", "ContentSegmentUrlPrefix": "https://cdn.example.com"},
            "ConfigurationAliases": {"player_params.origin_domain": {"pdx": "abc.example.com"}},
            "DashConfiguration": {"MpdLocation": "EMT_DEFAULT", "OriginManifestType": "MULTI_PERIOD"},
            "LivePreRollConfiguration": {"AdDecisionServerUrl": "https://ads.example.com/pre", "MaxDurationSeconds": 30},
            "ManifestProcessingRules": {"AdMarkerPassthrough": {"Enabled": true}},
            "PersonalizationThresholdSeconds": 1,
            "TranscodeProfileName": "profile-a",
            "tags": {"team": "video"}
        })
    }

    fn with(path: &[&str], value: serde_json::Value) -> serde_json::Value {
        let mut body = valid();
        let mut node = &mut body;
        for key in &path[..path.len() - 1] {
            node = node.get_mut(*key).unwrap();
        }
        node.as_object_mut().unwrap().insert(path[path.len() - 1].to_owned(), value);
        body
    }

    #[test]
    fn a_full_valid_body_passes_and_round_trips() {
        let config = parse(valid()).unwrap();
        config.validate().unwrap();
        assert_eq!(serde_json::to_value(&config).unwrap(), valid());
    }

    #[test]
    fn name_is_required_and_follows_the_rules() {
        let mut body = valid();
        body.as_object_mut().unwrap().remove("Name");
        assert_eq!(field_of(body), "Name");
        assert_eq!(field_of(with(&["Name"], json!("a b"))), "Name");
        assert_eq!(field_of(with(&["Name"], json!("a".repeat(65)))), "Name");
        assert!(parse(with(&["Name"], json!("a".repeat(64)))).unwrap().validate().is_ok());
    }

    #[test]
    fn ad_decision_server_url_at_and_past_25000() {
        let base = "https://ads.example.com/?q=";
        let at = format!("{base}{}", "a".repeat(MAX_ADS_URL_LEN - base.len()));
        assert!(parse(with(&["AdDecisionServerUrl"], json!(at))).unwrap().validate().is_ok());
        let past = format!("{at}a");
        assert_eq!(field_of(with(&["AdDecisionServerUrl"], json!(past))), "AdDecisionServerUrl");
        assert_eq!(field_of(with(&["AdDecisionServerUrl"], json!("ftp://ads"))), "AdDecisionServerUrl");
        assert_eq!(field_of(with(&["AdDecisionServerUrl"], json!("https://"))), "AdDecisionServerUrl");
        assert_eq!(field_of(with(&["AdDecisionServerUrl"], json!("https://a b.com"))), "AdDecisionServerUrl");
    }

    #[test]
    fn video_content_source_url_at_and_past_512() {
        let base = "https://o.example.com/";
        let at = format!("{base}{}", "a".repeat(MAX_VIDEO_CONTENT_SOURCE_URL_LEN - base.len()));
        assert!(parse(with(&["VideoContentSourceUrl"], json!(at))).unwrap().validate().is_ok());
        assert_eq!(field_of(with(&["VideoContentSourceUrl"], json!(format!("{at}a")))), "VideoContentSourceUrl");
    }

    #[test]
    fn live_pre_roll_ads_url_limit() {
        let base = "https://ads.example.com/?q=";
        let past = format!("{base}{}", "a".repeat(MAX_ADS_URL_LEN + 1 - base.len()));
        assert_eq!(
            field_of(with(&["LivePreRollConfiguration", "AdDecisionServerUrl"], json!(past))),
            "LivePreRollConfiguration.AdDecisionServerUrl"
        );
        assert_eq!(
            field_of(with(&["LivePreRollConfiguration", "MaxDurationSeconds"], json!(-1))),
            "LivePreRollConfiguration.MaxDurationSeconds"
        );
    }

    #[test]
    fn avail_suppression_mode_and_value() {
        assert_eq!(field_of(with(&["AvailSuppression", "Mode"], json!("ON"))), "AvailSuppression.Mode");
        for bad in ["0:45:00", "00:60:00", "00:00:60", "00-45-00", "00:45", "aa:bb:cc", ""] {
            assert_eq!(field_of(with(&["AvailSuppression", "Value"], json!(bad))), "AvailSuppression.Value", "{bad}");
        }
        for good in ["00:00:00", "23:59:59", "99:59:59"] {
            assert!(parse(with(&["AvailSuppression", "Value"], json!(good))).unwrap().validate().is_ok(), "{good}");
        }
    }

    #[test]
    fn dash_enums() {
        assert_eq!(field_of(with(&["DashConfiguration", "MpdLocation"], json!("ON"))), "DashConfiguration.MpdLocation");
        assert_eq!(
            field_of(with(&["DashConfiguration", "OriginManifestType"], json!("ONE"))),
            "DashConfiguration.OriginManifestType"
        );
    }

    #[test]
    fn numbers_booleans_and_maps_are_typed() {
        assert_eq!(field_of(with(&["PersonalizationThresholdSeconds"], json!(0))), "PersonalizationThresholdSeconds");
        assert_eq!(field_of(with(&["PersonalizationThresholdSeconds"], json!("5"))), "PersonalizationThresholdSeconds");
        assert_eq!(
            field_of(with(&["ManifestProcessingRules", "AdMarkerPassthrough", "Enabled"], json!("yes"))),
            "ManifestProcessingRules.AdMarkerPassthrough.Enabled"
        );
        assert_eq!(
            field_of(with(&["ConfigurationAliases"], json!({"origin": {"a": "b"}}))),
            "ConfigurationAliases.origin"
        );
        assert_eq!(
            field_of(with(&["ConfigurationAliases"], json!({"player_params.x": {}}))),
            "ConfigurationAliases.player_params.x"
        );
        assert_eq!(
            field_of(with(&["ConfigurationAliases"], json!({"player_params.x": "y"}))),
            "ConfigurationAliases.player_params.x"
        );
        assert_eq!(field_of(with(&["tags"], json!({"aws:x": "y"}))), "Tags");
        assert_eq!(field_of(with(&["tags"], json!({"k": "v".repeat(257)}))), "Tags.k");
    }

    #[test]
    fn other_urls_are_checked() {
        assert_eq!(field_of(with(&["SlateAdUrl"], json!("slate.mp4"))), "SlateAdUrl");
        assert_eq!(field_of(with(&["Bumper", "StartUrl"], json!("nope"))), "Bumper.StartUrl");
        assert_eq!(field_of(with(&["Bumper", "EndUrl"], json!("nope"))), "Bumper.EndUrl");
        assert_eq!(
            field_of(with(&["CdnConfiguration", "AdSegmentUrlPrefix"], json!("x"))),
            "CdnConfiguration.AdSegmentUrlPrefix"
        );
        assert_eq!(
            field_of(with(&["CdnConfiguration", "ContentSegmentUrlPrefix"], json!("x"))),
            "CdnConfiguration.ContentSegmentUrlPrefix"
        );
        assert_eq!(field_of(with(&["TranscodeProfileName"], json!(" "))), "TranscodeProfileName");
    }

    #[test]
    fn unknown_members_are_named() {
        assert_eq!(field_of(with(&["AdDecisionServerURL"], json!("https://x"))), "AdDecisionServerURL");
        assert_eq!(field_of(with(&["AvailSuppression", "Mod"], json!("OFF"))), "AvailSuppression.Mod");
    }

    #[test]
    fn malformed_json_is_reported_on_the_body() {
        let err = parse_json::<PutPlaybackConfiguration>(b"{\"Name\": ").unwrap_err();
        assert_eq!(err.field, "(body)");
        assert!(err.message.starts_with("not valid JSON"), "{err}");
        let err = parse_json::<PutPlaybackConfiguration>(b"{} trailing").unwrap_err();
        assert_eq!(err.field, "(body)");
    }

    fn ok(value: serde_json::Value) {
        let config = parse(value.clone()).unwrap_or_else(|e| panic!("{e} for {value}"));
        config.validate().unwrap_or_else(|e| panic!("{e} for {value}"));
    }

    /// A URL of exactly `len` characters.
    fn url_of(len: usize) -> String {
        let base = "https://h.example.com/";
        format!("{base}{}", "a".repeat(len - base.len()))
    }

    #[test]
    fn every_url_member_at_and_past_its_limit() {
        let members: [(&[&str], &str, usize); 9] = [
            (&["AdDecisionServerUrl"], "AdDecisionServerUrl", MAX_ADS_URL_LEN),
            (&["VideoContentSourceUrl"], "VideoContentSourceUrl", MAX_VIDEO_CONTENT_SOURCE_URL_LEN),
            (&["SlateAdUrl"], "SlateAdUrl", MAX_URL_LEN),
            (&["Bumper", "StartUrl"], "Bumper.StartUrl", MAX_URL_LEN),
            (&["Bumper", "EndUrl"], "Bumper.EndUrl", MAX_URL_LEN),
            (&["CdnConfiguration", "AdSegmentUrlPrefix"], "CdnConfiguration.AdSegmentUrlPrefix", MAX_URL_LEN),
            (&["CdnConfiguration", "ContentSegmentUrlPrefix"], "CdnConfiguration.ContentSegmentUrlPrefix", MAX_URL_LEN),
            (
                &["LivePreRollConfiguration", "AdDecisionServerUrl"],
                "LivePreRollConfiguration.AdDecisionServerUrl",
                MAX_ADS_URL_LEN,
            ),
            (&["AdDecisionServerUrl"], "AdDecisionServerUrl", MAX_ADS_URL_LEN),
        ];
        for (path, field, max) in members {
            ok(with(path, json!(url_of(max))));
            assert_eq!(field_of(with(path, json!(url_of(max + 1)))), field, "{field} past {max}");
            assert_eq!(field_of(with(path, json!("example.com/x"))), field, "{field} without scheme");
            assert_eq!(field_of(with(path, json!(5))), field, "{field} as a number");
        }
    }

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
            "https://ads.example.com/\n",
            "https://exämple.com/",
            "https://ads<x>.com/",
        ] {
            let err = check_url("U", bad, MAX_ADS_URL_LEN).unwrap_err();
            assert_eq!(err.field, "U", "{bad:?}");
        }
    }

    #[test]
    fn numbers_at_and_past_their_bounds() {
        let pts = ["PersonalizationThresholdSeconds"];
        ok(with(&pts, json!(1)));
        ok(with(&pts, json!(i32::MAX)));
        assert_eq!(field_of(with(&pts, json!(0))), "PersonalizationThresholdSeconds");
        assert_eq!(field_of(with(&pts, json!(-1))), "PersonalizationThresholdSeconds");
        assert_eq!(field_of(with(&pts, json!(i64::from(i32::MAX) + 1))), "PersonalizationThresholdSeconds");
        assert_eq!(field_of(with(&pts, json!(1.5))), "PersonalizationThresholdSeconds");
        assert_eq!(field_of(with(&pts, json!(u64::MAX))), "PersonalizationThresholdSeconds");

        let max = ["LivePreRollConfiguration", "MaxDurationSeconds"];
        ok(with(&max, json!(0)));
        ok(with(&max, json!(i32::MAX)));
        assert_eq!(field_of(with(&max, json!(-1))), "LivePreRollConfiguration.MaxDurationSeconds");
        assert_eq!(field_of(with(&max, json!(i64::from(i32::MAX) + 1))), "LivePreRollConfiguration.MaxDurationSeconds");
        assert_eq!(field_of(with(&max, json!("30"))), "LivePreRollConfiguration.MaxDurationSeconds");
    }

    #[test]
    fn enums_accept_exactly_their_values() {
        for mode in ["OFF", "BEHIND_LIVE_EDGE"] {
            ok(with(&["AvailSuppression", "Mode"], json!(mode)));
        }
        for location in ["DISABLED", "EMT_DEFAULT"] {
            ok(with(&["DashConfiguration", "MpdLocation"], json!(location)));
        }
        for kind in ["SINGLE_PERIOD", "MULTI_PERIOD"] {
            ok(with(&["DashConfiguration", "OriginManifestType"], json!(kind)));
        }
        // Case matters, as in the service model.
        assert_eq!(field_of(with(&["AvailSuppression", "Mode"], json!("off"))), "AvailSuppression.Mode");
        assert_eq!(
            field_of(with(&["DashConfiguration", "MpdLocation"], json!("disabled"))),
            "DashConfiguration.MpdLocation"
        );
        assert_eq!(
            field_of(with(&["DashConfiguration", "OriginManifestType"], json!(1))),
            "DashConfiguration.OriginManifestType"
        );
        assert_eq!(field_of(with(&["AvailSuppression", "Value"], json!(45))), "AvailSuppression.Value");
    }

    #[test]
    fn booleans_are_json_booleans() {
        let path = ["ManifestProcessingRules", "AdMarkerPassthrough", "Enabled"];
        ok(with(&path, json!(false)));
        ok(with(&path, json!(true)));
        for bad in [json!(1), json!("true"), json!({})] {
            assert_eq!(field_of(with(&path, bad)), "ManifestProcessingRules.AdMarkerPassthrough.Enabled");
        }
        assert_eq!(
            field_of(with(&["ManifestProcessingRules", "AdMarkerPassthrough"], json!(true))),
            "ManifestProcessingRules.AdMarkerPassthrough"
        );
    }

    #[test]
    fn objects_must_be_objects() {
        for (member, field) in [
            ("AvailSuppression", "AvailSuppression"),
            ("Bumper", "Bumper"),
            ("CdnConfiguration", "CdnConfiguration"),
            ("DashConfiguration", "DashConfiguration"),
            ("LivePreRollConfiguration", "LivePreRollConfiguration"),
            ("ManifestProcessingRules", "ManifestProcessingRules"),
            ("ConfigurationAliases", "ConfigurationAliases"),
            ("tags", "tags"),
        ] {
            assert_eq!(field_of(with(&[member], json!("x"))), field, "{member}");
            assert_eq!(field_of(with(&[member], json!([]))), field, "{member}");
        }
        assert_eq!(field_of(with(&["Name"], json!(7))), "Name");
        assert_eq!(field_of(with(&["TranscodeProfileName"], json!(false))), "TranscodeProfileName");
        // serde would read an array positionally into a struct; only objects are accepted.
        let err = parse_json::<PutPlaybackConfiguration>(b"[1]").unwrap_err();
        assert_eq!(err.field, "(body)");
        assert_eq!(field_of(with(&["Bumper"], json!(["https://a.example.com", "https://b.example.com"]))), "Bumper");
        assert_eq!(field_of(with(&["AvailSuppression"], json!(["OFF", "00:00:00"]))), "AvailSuppression");
        assert_eq!(
            field_of(with(&["ManifestProcessingRules", "AdMarkerPassthrough"], json!([true]))),
            "ManifestProcessingRules.AdMarkerPassthrough"
        );
        assert_eq!(field_of(with(&["ManifestProcessingRules"], json!([{"Enabled": true}]))), "ManifestProcessingRules");
        let err = parse_value::<PutPlaybackConfiguration>(json!(["https://a.example.com"])).unwrap_err();
        assert_eq!(err.field, "(body)");
        // null is an absent member.
        ok(with(&["Bumper"], json!(null)));
    }

    #[test]
    fn configuration_aliases_shape() {
        ok(with(&["ConfigurationAliases"], json!({})));
        ok(with(&["ConfigurationAliases"], json!({"player_params.a": {"x": ""}, "player_params.b": {"y": "z"}})));
        let field = |v| field_of(with(&["ConfigurationAliases"], v));
        assert_eq!(field(json!({"player_params.": {"a": "b"}})), "ConfigurationAliases.player_params.");
        assert_eq!(field(json!({"player_params.x": {"": "b"}})), "ConfigurationAliases.player_params.x");
        assert_eq!(field(json!({"player_params.x": {"a": 1}})), "ConfigurationAliases.player_params.x.a");
    }

    #[test]
    fn tags_at_and_past_each_limit() {
        let many = |n: usize| (0..n).map(|i| (format!("k{i}"), json!("v"))).collect::<serde_json::Map<_, _>>();
        ok(with(&["tags"], json!(many(MAX_TAGS))));
        assert_eq!(field_of(with(&["tags"], json!(many(MAX_TAGS + 1)))), "Tags");
        ok(with(&["tags"], json!({ "k".repeat(MAX_TAG_KEY_LEN): "v" })));
        assert_eq!(field_of(with(&["tags"], json!({ "k".repeat(MAX_TAG_KEY_LEN + 1): "v" }))), "Tags");
        assert_eq!(field_of(with(&["tags"], json!({ "": "v" }))), "Tags");
        ok(with(&["tags"], json!({ "k": "v".repeat(MAX_TAG_VALUE_LEN) })));
        ok(with(&["tags"], json!({ "k": "" })));
        assert_eq!(field_of(with(&["tags"], json!({ "k": "v".repeat(MAX_TAG_VALUE_LEN + 1) }))), "Tags.k");
        assert_eq!(field_of(with(&["tags"], json!({ "k": 1 }))), "tags.k");
    }

    #[test]
    fn names_and_profiles() {
        ok(with(&["Name"], json!("A-z_0")));
        assert_eq!(field_of(with(&["Name"], json!(""))), "Name");
        assert_eq!(field_of(with(&["Name"], json!("a/b"))), "Name");
        ok(with(&["TranscodeProfileName"], json!("p")));
        assert_eq!(field_of(with(&["TranscodeProfileName"], json!(""))), "TranscodeProfileName");
    }

    #[test]
    fn an_empty_body_has_only_the_name() {
        ok(json!({"Name": "n"}));
        assert_eq!(field_of(json!({})), "Name");
    }

    #[test]
    fn parse_value_names_members_like_parse_json() {
        let err = parse_value::<PutPlaybackConfiguration>(with(&["Bumper", "Start"], json!("x"))).unwrap_err();
        assert_eq!(err.field, "Bumper.Start");
        let err = parse_value::<PutPlaybackConfiguration>(with(&["Extra"], json!(1))).unwrap_err();
        assert_eq!(err.field, "Extra");
        assert_eq!(parse_value::<PutPlaybackConfiguration>(valid()).unwrap(), parse(valid()).unwrap());
    }

    #[test]
    fn deep_json_is_an_error_not_a_crash() {
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        let err = parse_json::<PutPlaybackConfiguration>(deep.as_bytes()).unwrap_err();
        assert_eq!(err.field, "(body)");
        // Untyped parsing recurses, and serde_json's recursion limit stops it.
        let deep_object = format!("{}1{}", "{\"a\":".repeat(100_000), "}".repeat(100_000));
        let err = parse_json::<serde_json::Value>(deep_object.as_bytes()).unwrap_err();
        assert_eq!(err.field, "(body)");
        assert!(err.message.contains("recursion limit"), "{err}");
    }
}
