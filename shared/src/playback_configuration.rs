//! The `PutPlaybackConfiguration` request and its validation, as the seed API states it.
//!
//! Shared by playback-config-api (which validates before calling MediaTailor) and by
//! mediatailor-local (which answers a violation with the same 400 MediaTailor would). Unknown
//! members are rejected by name, so a typo is never dropped silently.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::names::PlaybackConfigurationName;

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
    #[serde(skip_serializing_if = "Option::is_none")]
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
    #[serde(skip_serializing_if = "Option::is_none")]
    pub avail_suppression: Option<AvailSuppression>,
    /// Bumpers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bumper: Option<Bumper>,
    /// CDN prefixes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cdn_configuration: Option<CdnConfiguration>,
    /// Player parameter aliases: variable, then alias to value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub configuration_aliases: Option<BTreeMap<String, BTreeMap<String, String>>>,
    /// DASH settings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dash_configuration: Option<DashConfigurationForPut>,
    /// Live pre-roll.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub live_pre_roll_configuration: Option<LivePreRollConfiguration>,
    /// Manifest processing rules.
    #[serde(skip_serializing_if = "Option::is_none")]
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

/// Parses a JSON body, naming the member at fault for a wrong type or an unknown member.
pub fn parse_json<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, FieldError> {
    let mut de = serde_json::Deserializer::from_slice(body);
    let result: Result<T, _> = serde_path_to_error::deserialize(&mut de);
    match result {
        Ok(value) => de.end().map(|()| value).map_err(|e| FieldError::new("(body)", format!("not valid JSON: {e}"))),
        Err(err) => {
            let path = err.path().to_string();
            let inner = err.into_inner();
            let message = inner.to_string();
            if inner.is_syntax() || inner.is_eof() {
                return Err(FieldError::new("(body)", format!("not valid JSON: {message}")));
            }
            // The path already ends with an unknown member's name; at the top level serde
            // reports the path as "." and names the member only in its message.
            let field = if path == "." || path.is_empty() {
                message
                    .strip_prefix("unknown field `")
                    .and_then(|rest| rest.split('`').next())
                    .unwrap_or("(body)")
                    .to_owned()
            } else {
                path
            };
            Err(FieldError::new(field, message))
        }
    }
}

/// Checks that `value` is an absolute http(s) URL of at most `max` characters.
pub fn check_url(field: &str, value: &str, max: usize) -> Result<(), FieldError> {
    let len = value.chars().count();
    if len > max {
        return Err(FieldError::new(field, format!("is {len} characters long; the maximum is {max}")));
    }
    let rest = value
        .strip_prefix("https://")
        .or_else(|| value.strip_prefix("http://"))
        .ok_or_else(|| FieldError::new(field, "must be an absolute URL starting with http:// or https://"))?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if host.is_empty() || host.starts_with(':') {
        return Err(FieldError::new(field, "must name a host after the scheme"));
    }
    if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(FieldError::new(field, "must not contain spaces or control characters; percent-encode them"));
    }
    Ok(())
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
}
