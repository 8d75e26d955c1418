//! The `PutPlaybackConfiguration` request and its validation, as the seed API states it (and
//! the members the current model adds, checked against their shapes): the
//! emulator's own reading of the service, answering a violation with the 400 MediaTailor sends.
//! Unknown members are refused by name, so a typo is never dropped silently.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::validate::{
    FieldError, MAX_ADS_URL_LEN, MAX_URL_LEN, MAX_VIDEO_CONTENT_SOURCE_URL_LEN, check_enum, check_hh_mm_ss,
    check_range, check_tags, check_url,
};
use super::{names, shape, shapes_playback};

/// Avail (ad) suppression.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct AvailSuppression {
    /// `FULL_AVAIL_ONLY` or `PARTIAL_AVAIL`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fill_policy: Option<String>,
    /// `OFF`, `BEHIND_LIVE_EDGE` or `AFTER_LIVE_EDGE`.
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
    /// How the pre-roll ad decision server's VAST response is sequenced.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ad_decision_server_configuration: Option<Value>,
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
    #[serde(default, deserialize_with = "crate::wire::object_only", skip_serializing_if = "Option::is_none")]
    pub ad_marker_passthrough: Option<AdMarkerPassthrough>,
}

/// The body of `PutPlaybackConfiguration`: the seed's members, PascalCase, `Tags` as `tags`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct PutPlaybackConfiguration {
    /// Ad conditioning (transcoding of streaming media files).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ad_conditioning_configuration: Option<Value>,
    /// How MediaTailor calls the ad decision server.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ad_decision_server_configuration: Option<Value>,
    /// Ads personalization concurrency.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ads_personalization_concurrency: Option<Value>,
    /// Ads personalization timeouts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ads_personalization_timeouts: Option<Value>,
    /// Client-side beaconing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub beaconing_configuration: Option<Value>,
    /// Monetization functions by event.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub function_mapping: Option<Value>,
    /// `STITCHED_ONLY` or `PLAYER_SELECT`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub insertion_mode: Option<String>,
    /// Yield optimization.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub yield_optimization_configuration: Option<Value>,
    /// The ad decision server URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ad_decision_server_url: Option<String>,
    /// Avail suppression.
    #[serde(default, deserialize_with = "crate::wire::object_only", skip_serializing_if = "Option::is_none")]
    pub avail_suppression: Option<AvailSuppression>,
    /// Bumpers.
    #[serde(default, deserialize_with = "crate::wire::object_only", skip_serializing_if = "Option::is_none")]
    pub bumper: Option<Bumper>,
    /// CDN prefixes.
    #[serde(default, deserialize_with = "crate::wire::object_only", skip_serializing_if = "Option::is_none")]
    pub cdn_configuration: Option<CdnConfiguration>,
    /// Player parameter aliases: variable, then alias to value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub configuration_aliases: Option<BTreeMap<String, BTreeMap<String, String>>>,
    /// DASH settings.
    #[serde(default, deserialize_with = "crate::wire::object_only", skip_serializing_if = "Option::is_none")]
    pub dash_configuration: Option<DashConfigurationForPut>,
    /// Live pre-roll.
    #[serde(default, deserialize_with = "crate::wire::object_only", skip_serializing_if = "Option::is_none")]
    pub live_pre_roll_configuration: Option<LivePreRollConfiguration>,
    /// Manifest processing rules.
    #[serde(default, deserialize_with = "crate::wire::object_only", skip_serializing_if = "Option::is_none")]
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

impl PutPlaybackConfiguration {
    /// Checks every member the seed constrains; the first violation, naming its member.
    pub(crate) fn validate(&self) -> Result<(), FieldError> {
        let name = self.name.as_deref().ok_or_else(|| FieldError::new("Name", "is required"))?;
        names::check("Name", name)?;
        self.check_urls()?;
        if let Some(suppression) = &self.avail_suppression {
            suppression.check()?;
        }
        if let Some(aliases) = &self.configuration_aliases {
            check_aliases(aliases)?;
        }
        if let Some(dash) = &self.dash_configuration {
            dash.check()?;
        }
        if let Some(pre_roll) = &self.live_pre_roll_configuration {
            pre_roll.check()?;
        }
        if let Some(seconds) = self.personalization_threshold_seconds {
            check_range("PersonalizationThresholdSeconds", seconds, 1, i64::from(i32::MAX))?;
        }
        self.check_newer_members()?;
        if self.transcode_profile_name.as_deref().is_some_and(|p| p.trim().is_empty()) {
            return Err(FieldError::new("TranscodeProfileName", "must not be empty when given"));
        }
        match &self.tags {
            Some(tags) => check_tags("Tags", tags),
            None => Ok(()),
        }
    }

    /// The members the current model added to the seed's, against their shapes.
    fn check_newer_members(&self) -> Result<(), FieldError> {
        let members = [
            ("AdConditioningConfiguration", &self.ad_conditioning_configuration, &shapes_playback::AD_CONDITIONING),
            (
                "AdDecisionServerConfiguration",
                &self.ad_decision_server_configuration,
                &shapes_playback::AD_DECISION_SERVER,
            ),
            ("AdsPersonalizationConcurrency", &self.ads_personalization_concurrency, &shapes_playback::ADS_CONCURRENCY),
            ("AdsPersonalizationTimeouts", &self.ads_personalization_timeouts, &shapes_playback::ADS_TIMEOUTS),
            ("BeaconingConfiguration", &self.beaconing_configuration, &shapes_playback::BEACONING),
            ("FunctionMapping", &self.function_mapping, &shapes_playback::FUNCTION_MAPPING),
            (
                "YieldOptimizationConfiguration",
                &self.yield_optimization_configuration,
                &shapes_playback::YIELD_OPTIMIZATION,
            ),
        ];
        for (member, value, shape) in members {
            if let Some(value) = value {
                shape::check(member, value, shape)?;
            }
        }
        match &self.insertion_mode {
            Some(mode) => check_enum("InsertionMode", mode, &["STITCHED_ONLY", "PLAYER_SELECT"]),
            None => Ok(()),
        }
    }

    /// The top-level, bumper and CDN URLs, each against its own limit.
    fn check_urls(&self) -> Result<(), FieldError> {
        let bumper = self.bumper.as_ref();
        let cdn = self.cdn_configuration.as_ref();
        let urls = [
            ("AdDecisionServerUrl", self.ad_decision_server_url.as_ref(), MAX_ADS_URL_LEN),
            ("VideoContentSourceUrl", self.video_content_source_url.as_ref(), MAX_VIDEO_CONTENT_SOURCE_URL_LEN),
            ("SlateAdUrl", self.slate_ad_url.as_ref(), MAX_URL_LEN),
            ("Bumper.StartUrl", bumper.and_then(|b| b.start_url.as_ref()), MAX_URL_LEN),
            ("Bumper.EndUrl", bumper.and_then(|b| b.end_url.as_ref()), MAX_URL_LEN),
            ("CdnConfiguration.AdSegmentUrlPrefix", cdn.and_then(|c| c.ad_segment_url_prefix.as_ref()), MAX_URL_LEN),
            (
                "CdnConfiguration.ContentSegmentUrlPrefix",
                cdn.and_then(|c| c.content_segment_url_prefix.as_ref()),
                MAX_URL_LEN,
            ),
        ];
        for (field, url, max) in urls {
            if let Some(url) = url {
                check_url(field, url, max)?;
            }
        }
        Ok(())
    }
}

impl AvailSuppression {
    fn check(&self) -> Result<(), FieldError> {
        if let Some(mode) = &self.mode {
            check_enum("AvailSuppression.Mode", mode, &["OFF", "BEHIND_LIVE_EDGE", "AFTER_LIVE_EDGE"])?;
        }
        if let Some(policy) = &self.fill_policy {
            check_enum("AvailSuppression.FillPolicy", policy, &["FULL_AVAIL_ONLY", "PARTIAL_AVAIL"])?;
        }
        match &self.value {
            Some(value) => check_hh_mm_ss("AvailSuppression.Value", value),
            None => Ok(()),
        }
    }
}

impl DashConfigurationForPut {
    fn check(&self) -> Result<(), FieldError> {
        if let Some(location) = &self.mpd_location {
            check_enum("DashConfiguration.MpdLocation", location, &["DISABLED", "EMT_DEFAULT"])?;
        }
        match &self.origin_manifest_type {
            Some(kind) => check_enum("DashConfiguration.OriginManifestType", kind, &["SINGLE_PERIOD", "MULTI_PERIOD"]),
            None => Ok(()),
        }
    }
}

impl LivePreRollConfiguration {
    fn check(&self) -> Result<(), FieldError> {
        if let Some(url) = &self.ad_decision_server_url {
            check_url("LivePreRollConfiguration.AdDecisionServerUrl", url, MAX_ADS_URL_LEN)?;
        }
        if let Some(config) = &self.ad_decision_server_configuration {
            shape::check(
                "LivePreRollConfiguration.AdDecisionServerConfiguration",
                config,
                &shapes_playback::PRE_ROLL_AD_DECISION_SERVER,
            )?;
        }
        match self.max_duration_seconds {
            Some(seconds) => {
                check_range("LivePreRollConfiguration.MaxDurationSeconds", seconds, 0, i64::from(i32::MAX))
            }
            None => Ok(()),
        }
    }
}

/// `ConfigurationAliases`: `player_params.<name>` variables, each mapping aliases to values.
fn check_aliases(aliases: &BTreeMap<String, BTreeMap<String, String>>) -> Result<(), FieldError> {
    for (variable, map) in aliases {
        let field = format!("ConfigurationAliases.{variable}");
        if variable.strip_prefix("player_params.").is_none_or(str::is_empty) {
            return Err(FieldError::new(field, "the dynamic variable must be named player_params.<name>"));
        }
        if map.is_empty() {
            return Err(FieldError::new(field, "must map at least one alias to a value"));
        }
        if map.keys().any(String::is_empty) {
            return Err(FieldError::new(field, "aliases must not be empty"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::parse_json;
    use serde_json::json;

    fn field_of(value: serde_json::Value) -> String {
        match parse_json::<PutPlaybackConfiguration>(&serde_json::to_vec(&value).unwrap()) {
            Err(e) => e.field,
            Ok(config) => config.validate().unwrap_err().field,
        }
    }

    #[test]
    fn each_member_is_named() {
        assert_eq!(field_of(json!({})), "Name");
        assert_eq!(field_of(json!({"Name": "a/b"})), "Name");
        assert_eq!(field_of(json!({"Name": "n", "Bumper": {"EndUrl": "nope"}})), "Bumper.EndUrl");
        assert_eq!(field_of(json!({"Name": "n", "Bumper": ["https://a.example.com"]})), "Bumper");
        assert_eq!(field_of(json!({"Name": "n", "AvailSuppression": {"Mod": "OFF"}})), "AvailSuppression.Mod");
        assert_eq!(
            field_of(json!({"Name": "n", "ConfigurationAliases": {"player_params.": {"a": "b"}}})),
            "ConfigurationAliases.player_params."
        );
        assert_eq!(
            field_of(json!({"Name": "n", "PersonalizationThresholdSeconds": 0})),
            "PersonalizationThresholdSeconds"
        );
        assert_eq!(field_of(json!({"Name": "n", "TranscodeProfileName": " "})), "TranscodeProfileName");
        assert_eq!(field_of(json!({"Name": "n", "tags": {"k": "v".repeat(257)}})), "Tags.k");
    }

    #[test]
    fn a_full_configuration_is_valid() {
        let body = json!({
            "Name": "conf 1",
            "AdDecisionServerUrl": "https://ads.example.com/vast?sid=[session.id]",
            "AvailSuppression": {"Mode": "BEHIND_LIVE_EDGE", "Value": "00:45:00"},
            "DashConfiguration": {"MpdLocation": "DISABLED", "OriginManifestType": "SINGLE_PERIOD"},
            "LivePreRollConfiguration": {"MaxDurationSeconds": 0},
            "ManifestProcessingRules": {"AdMarkerPassthrough": {"Enabled": true}},
            "tags": {"team": "video"}
        });
        let config: PutPlaybackConfiguration = parse_json(&serde_json::to_vec(&body).unwrap()).unwrap();
        config.validate().unwrap();
    }
}
