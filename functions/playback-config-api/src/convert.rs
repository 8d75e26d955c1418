//! Between the API's JSON and the SDK: a validated [`PutPlaybackConfiguration`] into the
//! `PutPlaybackConfiguration` call, and every SDK output back into MediaTailor's PascalCase JSON.

use std::collections::{BTreeMap, HashMap};

use crate::playback_configuration::{
    AdMarkerPassthrough, AvailSuppression, Bumper, CdnConfiguration, LivePreRollConfiguration, ManifestProcessingRules,
    PutPlaybackConfiguration,
};
use aws_sdk_mediatailor::operation::get_playback_configuration::GetPlaybackConfigurationOutput;
use aws_sdk_mediatailor::operation::put_playback_configuration::PutPlaybackConfigurationOutput;
use aws_sdk_mediatailor::operation::put_playback_configuration::builders::PutPlaybackConfigurationFluentBuilder;
use aws_sdk_mediatailor::types as sdk;
use serde::Serialize;

/// A playback configuration as MediaTailor answers Put, Get and List: the seed's members, in
/// the same PascalCase as the request body (tags as `Tags`, as the seed's responses spell it).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PlaybackConfigurationView {
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
    /// Player parameter aliases.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub configuration_aliases: Option<BTreeMap<String, BTreeMap<String, String>>>,
    /// DASH settings, with the generated manifest endpoint.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dash_configuration: Option<DashConfigurationView>,
    /// HLS settings: the generated manifest endpoint.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hls_configuration: Option<HlsConfigurationView>,
    /// Live pre-roll.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub live_pre_roll_configuration: Option<LivePreRollConfiguration>,
    /// Manifest processing rules.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub manifest_processing_rules: Option<ManifestProcessingRules>,
    /// The configuration's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Most underfilled ad time, in seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub personalization_threshold_seconds: Option<i32>,
    /// The configuration's ARN.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub playback_configuration_arn: Option<String>,
    /// Where players get manifests (server-side reporting).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub playback_endpoint_prefix: Option<String>,
    /// Where players start sessions with client-side reporting.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_initialization_endpoint_prefix: Option<String>,
    /// The slate URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slate_ad_url: Option<String>,
    /// Tags.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<BTreeMap<String, String>>,
    /// The custom transcode profile.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transcode_profile_name: Option<String>,
    /// The content origin's URL prefix.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub video_content_source_url: Option<String>,
}

impl PlaybackConfigurationView {
    /// The configuration as a PUT body would set it: the view without what MediaTailor
    /// generates (the ARN, the endpoint prefixes, `HlsConfiguration`). What PATCH merges into,
    /// what the ETag is computed over, and what change events compare.
    pub fn put_shape(&self) -> serde_json::Value {
        let mut value = serde_json::to_value(self).unwrap_or_default();
        if let Some(members) = value.as_object_mut() {
            for generated in [
                "HlsConfiguration",
                "PlaybackConfigurationArn",
                "PlaybackEndpointPrefix",
                "SessionInitializationEndpointPrefix",
            ] {
                members.remove(generated);
            }
            let dash_is_empty = match members.get_mut("DashConfiguration").and_then(serde_json::Value::as_object_mut) {
                Some(dash) => {
                    dash.remove("ManifestEndpointPrefix");
                    dash.is_empty()
                }
                None => false,
            };
            if dash_is_empty {
                members.remove("DashConfiguration");
            }
        }
        value
    }
}

/// DASH settings as answered.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DashConfigurationView {
    /// The generated DASH session endpoint.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub manifest_endpoint_prefix: Option<String>,
    /// `DISABLED` or `EMT_DEFAULT`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mpd_location: Option<String>,
    /// `SINGLE_PERIOD` or `MULTI_PERIOD`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub origin_manifest_type: Option<String>,
}

/// HLS settings as answered.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct HlsConfigurationView {
    /// The generated HLS session endpoint.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub manifest_endpoint_prefix: Option<String>,
}

/// Why a validated request could not be turned into an SDK call: a bug here, never the caller's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{member} = {value} does not fit the SDK's 32-bit integer although it was validated")]
pub struct ConversionError {
    /// The member.
    pub member: &'static str,
    /// Its value.
    pub value: i64,
}

fn int(member: &'static str, value: Option<i64>) -> Result<Option<i32>, ConversionError> {
    value.map(|v| i32::try_from(v).map_err(|_| ConversionError { member, value: v })).transpose()
}

/// Sets every member of `config` (validated) on a `PutPlaybackConfiguration` call.
pub fn put_request(
    call: PutPlaybackConfigurationFluentBuilder,
    config: PutPlaybackConfiguration,
) -> Result<PutPlaybackConfigurationFluentBuilder, ConversionError> {
    let PutPlaybackConfiguration {
        ad_decision_server_url,
        avail_suppression,
        bumper,
        cdn_configuration,
        configuration_aliases,
        dash_configuration,
        live_pre_roll_configuration,
        manifest_processing_rules,
        name,
        personalization_threshold_seconds,
        slate_ad_url,
        tags,
        transcode_profile_name,
        video_content_source_url,
    } = config;
    let live_pre_roll_configuration = match live_pre_roll_configuration {
        None => None,
        Some(l) => Some(
            sdk::LivePreRollConfiguration::builder()
                .set_ad_decision_server_url(l.ad_decision_server_url)
                .set_max_duration_seconds(int("LivePreRollConfiguration.MaxDurationSeconds", l.max_duration_seconds)?)
                .build(),
        ),
    };
    Ok(call
        .set_ad_decision_server_url(ad_decision_server_url)
        .set_avail_suppression(avail_suppression.map(|a| {
            sdk::AvailSuppression::builder().set_mode(a.mode.as_deref().map(sdk::Mode::from)).set_value(a.value).build()
        }))
        .set_bumper(bumper.map(|b| sdk::Bumper::builder().set_start_url(b.start_url).set_end_url(b.end_url).build()))
        .set_cdn_configuration(cdn_configuration.map(|c| {
            sdk::CdnConfiguration::builder()
                .set_ad_segment_url_prefix(c.ad_segment_url_prefix)
                .set_content_segment_url_prefix(c.content_segment_url_prefix)
                .build()
        }))
        .set_configuration_aliases(configuration_aliases.map(|aliases| {
            aliases.into_iter().map(|(variable, map)| (variable, map.into_iter().collect::<HashMap<_, _>>())).collect()
        }))
        .set_dash_configuration(dash_configuration.map(|d| {
            sdk::DashConfigurationForPut::builder()
                .set_mpd_location(d.mpd_location)
                .set_origin_manifest_type(d.origin_manifest_type.as_deref().map(sdk::OriginManifestType::from))
                .build()
        }))
        .set_live_pre_roll_configuration(live_pre_roll_configuration)
        .set_manifest_processing_rules(manifest_processing_rules.map(|rules| {
            sdk::ManifestProcessingRules::builder()
                .set_ad_marker_passthrough(
                    rules
                        .ad_marker_passthrough
                        .map(|p| sdk::AdMarkerPassthrough::builder().set_enabled(p.enabled).build()),
                )
                .build()
        }))
        .set_name(name)
        .set_personalization_threshold_seconds(int(
            "PersonalizationThresholdSeconds",
            personalization_threshold_seconds,
        )?)
        .set_slate_ad_url(slate_ad_url)
        .set_tags(tags.map(|t| t.into_iter().collect()))
        .set_transcode_profile_name(transcode_profile_name)
        .set_video_content_source_url(video_content_source_url))
}

fn avail_suppression(a: sdk::AvailSuppression) -> AvailSuppression {
    AvailSuppression { mode: a.mode.map(|m| m.as_str().to_owned()), value: a.value }
}

fn bumper(b: sdk::Bumper) -> Bumper {
    Bumper { end_url: b.end_url, start_url: b.start_url }
}

fn cdn(c: sdk::CdnConfiguration) -> CdnConfiguration {
    CdnConfiguration {
        ad_segment_url_prefix: c.ad_segment_url_prefix,
        content_segment_url_prefix: c.content_segment_url_prefix,
    }
}

fn dash(d: sdk::DashConfiguration) -> DashConfigurationView {
    DashConfigurationView {
        manifest_endpoint_prefix: d.manifest_endpoint_prefix,
        mpd_location: d.mpd_location,
        origin_manifest_type: d.origin_manifest_type.map(|t| t.as_str().to_owned()),
    }
}

fn hls(h: sdk::HlsConfiguration) -> HlsConfigurationView {
    HlsConfigurationView { manifest_endpoint_prefix: h.manifest_endpoint_prefix }
}

fn pre_roll(l: sdk::LivePreRollConfiguration) -> LivePreRollConfiguration {
    LivePreRollConfiguration {
        ad_decision_server_url: l.ad_decision_server_url,
        max_duration_seconds: l.max_duration_seconds.map(i64::from),
    }
}

fn rules(r: sdk::ManifestProcessingRules) -> ManifestProcessingRules {
    ManifestProcessingRules {
        ad_marker_passthrough: r.ad_marker_passthrough.map(|p| AdMarkerPassthrough { enabled: Some(p.enabled) }),
    }
}

fn aliases(a: HashMap<String, HashMap<String, String>>) -> BTreeMap<String, BTreeMap<String, String>> {
    a.into_iter().map(|(variable, map)| (variable, map.into_iter().collect())).collect()
}

/// The three SDK shapes of a playback configuration share their member names; one conversion.
macro_rules! view_from {
    ($ty:ty) => {
        impl From<$ty> for PlaybackConfigurationView {
            fn from(o: $ty) -> Self {
                Self {
                    ad_decision_server_url: o.ad_decision_server_url,
                    avail_suppression: o.avail_suppression.map(avail_suppression),
                    bumper: o.bumper.map(bumper),
                    cdn_configuration: o.cdn_configuration.map(cdn),
                    configuration_aliases: o.configuration_aliases.map(aliases),
                    dash_configuration: o.dash_configuration.map(dash),
                    hls_configuration: o.hls_configuration.map(hls),
                    live_pre_roll_configuration: o.live_pre_roll_configuration.map(pre_roll),
                    manifest_processing_rules: o.manifest_processing_rules.map(rules),
                    name: o.name,
                    personalization_threshold_seconds: o.personalization_threshold_seconds,
                    playback_configuration_arn: o.playback_configuration_arn,
                    playback_endpoint_prefix: o.playback_endpoint_prefix,
                    session_initialization_endpoint_prefix: o.session_initialization_endpoint_prefix,
                    slate_ad_url: o.slate_ad_url,
                    tags: o.tags.map(|t| t.into_iter().collect()),
                    transcode_profile_name: o.transcode_profile_name,
                    video_content_source_url: o.video_content_source_url,
                }
            }
        }
    };
}

view_from!(PutPlaybackConfigurationOutput);
view_from!(GetPlaybackConfigurationOutput);
view_from!(sdk::PlaybackConfiguration);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::playback_configuration::parse_json;
    use serde_json::json;

    fn full() -> PutPlaybackConfiguration {
        let body = json!({
            "Name": "conf-1",
            "AdDecisionServerUrl": "https://ads.example.com/vast?sid=[session.id]",
            "VideoContentSourceUrl": "https://origin.example.com/hls/",
            "SlateAdUrl": "https://cdn.example.com/slate.mp4",
            "AvailSuppression": {"Mode": "BEHIND_LIVE_EDGE", "Value": "00:45:00"},
            "Bumper": {"StartUrl": "https://cdn.example.com/start.mp4", "EndUrl": "https://cdn.example.com/end.mp4"},
            "CdnConfiguration": {"AdSegmentUrlPrefix": "https://ads.cdn.example.com", "ContentSegmentUrlPrefix": "https://cdn.example.com"},
            "ConfigurationAliases": {"player_params.origin_domain": {"pdx": "abc.example.com"}},
            "DashConfiguration": {"MpdLocation": "DISABLED", "OriginManifestType": "SINGLE_PERIOD"},
            "LivePreRollConfiguration": {"AdDecisionServerUrl": "https://ads.example.com/pre", "MaxDurationSeconds": 30},
            "ManifestProcessingRules": {"AdMarkerPassthrough": {"Enabled": true}},
            "PersonalizationThresholdSeconds": 2,
            "TranscodeProfileName": "profile-a",
            "tags": {"team": "video"}
        });
        parse_json(&serde_json::to_vec(&body).unwrap()).unwrap()
    }

    fn client() -> aws_sdk_mediatailor::Client {
        let config = aws_sdk_mediatailor::Config::builder()
            .behavior_version(aws_sdk_mediatailor::config::BehaviorVersion::latest())
            .region(aws_sdk_mediatailor::config::Region::new("us-east-1"))
            .build();
        aws_sdk_mediatailor::Client::from_conf(config)
    }

    #[test]
    fn every_member_reaches_the_sdk_input() {
        let call = put_request(client().put_playback_configuration(), full()).unwrap();
        let input = call.as_input().clone().build().unwrap();
        assert_eq!(input.name(), Some("conf-1"));
        assert_eq!(input.ad_decision_server_url(), Some("https://ads.example.com/vast?sid=[session.id]"));
        assert_eq!(input.video_content_source_url(), Some("https://origin.example.com/hls/"));
        assert_eq!(input.slate_ad_url(), Some("https://cdn.example.com/slate.mp4"));
        let avail = input.avail_suppression().unwrap();
        assert_eq!(avail.mode(), Some(&sdk::Mode::BehindLiveEdge));
        assert_eq!(avail.value(), Some("00:45:00"));
        let bumper = input.bumper().unwrap();
        assert_eq!(bumper.start_url(), Some("https://cdn.example.com/start.mp4"));
        assert_eq!(bumper.end_url(), Some("https://cdn.example.com/end.mp4"));
        let cdn = input.cdn_configuration().unwrap();
        assert_eq!(cdn.ad_segment_url_prefix(), Some("https://ads.cdn.example.com"));
        assert_eq!(cdn.content_segment_url_prefix(), Some("https://cdn.example.com"));
        assert_eq!(input.configuration_aliases().unwrap()["player_params.origin_domain"]["pdx"], "abc.example.com");
        let dash = input.dash_configuration().unwrap();
        assert_eq!(dash.mpd_location(), Some("DISABLED"));
        assert_eq!(dash.origin_manifest_type(), Some(&sdk::OriginManifestType::SinglePeriod));
        let pre_roll = input.live_pre_roll_configuration().unwrap();
        assert_eq!(pre_roll.ad_decision_server_url(), Some("https://ads.example.com/pre"));
        assert_eq!(pre_roll.max_duration_seconds(), Some(30));
        assert!(input.manifest_processing_rules().unwrap().ad_marker_passthrough().unwrap().enabled());
        assert_eq!(input.personalization_threshold_seconds(), Some(2));
        assert_eq!(input.transcode_profile_name(), Some("profile-a"));
        assert_eq!(input.tags().unwrap()["team"], "video");
    }

    #[test]
    fn an_empty_body_sets_only_the_name() {
        let config = PutPlaybackConfiguration { name: Some("n".into()), ..Default::default() };
        let input = put_request(client().put_playback_configuration(), config).unwrap().as_input().clone();
        assert_eq!(input.get_name().as_deref(), Some("n"));
        assert!(input.get_avail_suppression().is_none() && input.get_tags().is_none());
        assert!(input.get_dash_configuration().is_none() && input.get_bumper().is_none());
    }

    #[test]
    fn an_integer_past_i32_is_our_bug_not_a_panic() {
        let config = PutPlaybackConfiguration { personalization_threshold_seconds: Some(1 << 40), ..full() };
        let err = put_request(client().put_playback_configuration(), config).unwrap_err();
        assert_eq!(err.member, "PersonalizationThresholdSeconds");
    }

    #[test]
    fn the_put_shape_drops_what_mediatailor_generates() {
        let output = sdk::PlaybackConfiguration::builder()
            .name("conf-1")
            .playback_configuration_arn("arn:x")
            .playback_endpoint_prefix("https://x")
            .session_initialization_endpoint_prefix("https://x/s/")
            .hls_configuration(sdk::HlsConfiguration::builder().manifest_endpoint_prefix("https://x/hls/").build())
            .dash_configuration(
                sdk::DashConfiguration::builder()
                    .manifest_endpoint_prefix("https://x/dash/")
                    .mpd_location("DISABLED")
                    .build(),
            )
            .tags("team", "video")
            .build();
        let shape = PlaybackConfigurationView::from(output).put_shape();
        assert_eq!(
            shape,
            json!({"Name": "conf-1", "DashConfiguration": {"MpdLocation": "DISABLED"}, "Tags": {"team": "video"}})
        );
        let only_prefix = sdk::PlaybackConfiguration::builder()
            .name("c")
            .dash_configuration(sdk::DashConfiguration::builder().manifest_endpoint_prefix("https://x/").build())
            .build();
        assert_eq!(PlaybackConfigurationView::from(only_prefix).put_shape(), json!({"Name": "c"}));
    }

    #[test]
    fn outputs_become_pascal_case_json() {
        let output = sdk::PlaybackConfiguration::builder()
            .name("conf-1")
            .avail_suppression(sdk::AvailSuppression::builder().mode(sdk::Mode::Off).build())
            .dash_configuration(
                sdk::DashConfiguration::builder()
                    .manifest_endpoint_prefix("https://x/dash/")
                    .origin_manifest_type(sdk::OriginManifestType::MultiPeriod)
                    .build(),
            )
            .hls_configuration(sdk::HlsConfiguration::builder().manifest_endpoint_prefix("https://x/hls/").build())
            .manifest_processing_rules(
                sdk::ManifestProcessingRules::builder()
                    .ad_marker_passthrough(sdk::AdMarkerPassthrough::builder().enabled(false).build())
                    .build(),
            )
            .live_pre_roll_configuration(sdk::LivePreRollConfiguration::builder().max_duration_seconds(5).build())
            .tags("team", "video")
            .configuration_aliases("player_params.a", HashMap::from([("x".to_owned(), "y".to_owned())]))
            .personalization_threshold_seconds(3)
            .build();
        let value = serde_json::to_value(PlaybackConfigurationView::from(output)).unwrap();
        assert_eq!(
            value,
            json!({
                "Name": "conf-1",
                "AvailSuppression": {"Mode": "OFF"},
                "DashConfiguration": {"ManifestEndpointPrefix": "https://x/dash/", "OriginManifestType": "MULTI_PERIOD"},
                "HlsConfiguration": {"ManifestEndpointPrefix": "https://x/hls/"},
                "ManifestProcessingRules": {"AdMarkerPassthrough": {"Enabled": false}},
                "LivePreRollConfiguration": {"MaxDurationSeconds": 5},
                "Tags": {"team": "video"},
                "ConfigurationAliases": {"player_params.a": {"x": "y"}},
                "PersonalizationThresholdSeconds": 3
            })
        );
    }
}
