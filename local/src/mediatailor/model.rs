//! MediaTailor's wire shapes, as the seed API version defines them: PascalCase members, `Tags`
//! as `tags`, timestamps as epoch seconds. Request bodies reject unknown members by name.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Tags as they travel: `{"tags": {...}}`.
pub type Tags = BTreeMap<String, String>;

/// DASH playlist settings of a channel output.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct DashPlaylistSettings {
    /// 30 to 3600.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub manifest_window_seconds: Option<i64>,
    /// 2 to 60.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_buffer_time_seconds: Option<i64>,
    /// 2 to 60.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_update_period_seconds: Option<i64>,
    /// 2 to 60.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suggested_presentation_delay_seconds: Option<i64>,
}

/// HLS playlist settings of a channel output.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct HlsPlaylistSettings {
    /// 30 to 3600.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub manifest_window_seconds: Option<i64>,
}

/// A channel output as requested.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct RequestOutputItem {
    /// DASH settings: the output is DASH.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dash_playlist_settings: Option<DashPlaylistSettings>,
    /// HLS settings: the output is HLS.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hls_playlist_settings: Option<HlsPlaylistSettings>,
    /// The manifest's name in the playback URL (required).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub manifest_name: Option<String>,
    /// Which VOD source package configurations feed it (required).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_group: Option<String>,
}

/// A channel output as answered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ResponseOutputItem {
    /// DASH settings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dash_playlist_settings: Option<DashPlaylistSettings>,
    /// HLS settings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hls_playlist_settings: Option<HlsPlaylistSettings>,
    /// The manifest's name.
    pub manifest_name: String,
    /// Where players fetch it.
    pub playback_url: String,
    /// The source group.
    pub source_group: String,
}

/// `CreateChannel` body.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct CreateChannelBody {
    /// Outputs (required).
    pub outputs: Option<Vec<RequestOutputItem>>,
    /// `LOOP` (required; the seed's only value).
    pub playback_mode: Option<String>,
    /// Tags.
    #[serde(rename = "tags")]
    pub tags: Option<Tags>,
}

/// `UpdateChannel` body.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct UpdateChannelBody {
    /// Outputs (required).
    pub outputs: Option<Vec<RequestOutputItem>>,
}

/// A channel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Channel {
    /// ARN.
    pub arn: String,
    /// Name.
    pub channel_name: String,
    /// `RUNNING` or `STOPPED`.
    pub channel_state: String,
    /// Created.
    pub creation_time: f64,
    /// Last changed.
    pub last_modified_time: f64,
    /// Outputs.
    pub outputs: Vec<ResponseOutputItem>,
    /// `LOOP`.
    pub playback_mode: String,
    /// Tags.
    #[serde(rename = "tags", default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: Tags,
}

/// Secrets Manager access token settings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct SecretsManagerAccessTokenConfiguration {
    /// Header carrying the token.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub header_name: Option<String>,
    /// The secret's ARN.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret_arn: Option<String>,
    /// The key within the secret.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret_string_key: Option<String>,
}

/// How MediaTailor authenticates to the origin.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct AccessConfiguration {
    /// `S3_SIGV4` or `SECRETS_MANAGER_ACCESS_TOKEN`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_type: Option<String>,
    /// Token settings, for `SECRETS_MANAGER_ACCESS_TOKEN`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secrets_manager_access_token_configuration: Option<SecretsManagerAccessTokenConfiguration>,
}

/// A structure holding one `BaseUrl`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct BaseUrlConfiguration {
    /// The URL, with its scheme.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base_url: Option<String>,
}

/// `CreateSourceLocation` / `UpdateSourceLocation` body.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct SourceLocationBody {
    /// Origin authentication.
    pub access_configuration: Option<AccessConfiguration>,
    /// Segment delivery server.
    pub default_segment_delivery_configuration: Option<BaseUrlConfiguration>,
    /// The origin (required).
    pub http_configuration: Option<BaseUrlConfiguration>,
    /// Tags (create only).
    #[serde(rename = "tags")]
    pub tags: Option<Tags>,
}

/// A source location.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SourceLocation {
    /// Origin authentication.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_configuration: Option<AccessConfiguration>,
    /// ARN.
    pub arn: String,
    /// Created.
    pub creation_time: f64,
    /// Segment delivery server.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_segment_delivery_configuration: Option<BaseUrlConfiguration>,
    /// The origin.
    pub http_configuration: BaseUrlConfiguration,
    /// Last changed.
    pub last_modified_time: f64,
    /// Name.
    pub source_location_name: String,
    /// Tags.
    #[serde(rename = "tags", default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: Tags,
}

/// One package (HLS or DASH) of a VOD source.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct HttpPackageConfiguration {
    /// Path relative to the source location's BaseUrl.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Matches a channel output's SourceGroup.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_group: Option<String>,
    /// `HLS` or `DASH`.
    #[serde(rename = "Type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}

/// `CreateVodSource` / `UpdateVodSource` body.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct VodSourceBody {
    /// Packages (required).
    pub http_package_configurations: Option<Vec<HttpPackageConfiguration>>,
    /// Tags (create only).
    #[serde(rename = "tags")]
    pub tags: Option<Tags>,
}

/// A VOD source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct VodSource {
    /// ARN.
    pub arn: String,
    /// Created.
    pub creation_time: f64,
    /// Packages.
    pub http_package_configurations: Vec<HttpPackageConfiguration>,
    /// Last changed.
    pub last_modified_time: f64,
    /// Its source location.
    pub source_location_name: String,
    /// Tags.
    #[serde(rename = "tags", default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: Tags,
    /// Name.
    pub vod_source_name: String,
}

/// A slate: a VOD source in a source location.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct SlateSource {
    /// Source location.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_location_name: Option<String>,
    /// VOD source.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vod_source_name: Option<String>,
}

/// SCTE-35 splice_insert() values.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct SpliceInsertMessage {
    /// 0 to 256.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub avail_num: Option<i64>,
    /// 0 to 256.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub avails_expected: Option<i64>,
    /// The splice event id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub splice_event_id: Option<i64>,
    /// 0 to 256.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unique_program_id: Option<i64>,
}

/// An ad break of a program.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct AdBreak {
    /// `SPLICE_INSERT`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_type: Option<String>,
    /// Offset from the program's start (required).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offset_millis: Option<i64>,
    /// What plays during the break.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slate: Option<SlateSource>,
    /// SCTE-35 values.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub splice_insert_message: Option<SpliceInsertMessage>,
}

/// Where a program goes in the play order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct Transition {
    /// `BEFORE_PROGRAM` or `AFTER_PROGRAM` (required).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub relative_position: Option<String>,
    /// The neighbour program.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub relative_program: Option<String>,
    /// `RELATIVE` (required).
    #[serde(rename = "Type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}

/// A program's schedule configuration.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct ScheduleConfiguration {
    /// The transition (required).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transition: Option<Transition>,
}

/// `CreateProgram` body.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct CreateProgramBody {
    /// Ad breaks.
    pub ad_breaks: Option<Vec<AdBreak>>,
    /// Schedule (required).
    pub schedule_configuration: Option<ScheduleConfiguration>,
    /// Source location (required).
    pub source_location_name: Option<String>,
    /// VOD source (required).
    pub vod_source_name: Option<String>,
}

/// A program.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Program {
    /// Ad breaks.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ad_breaks: Vec<AdBreak>,
    /// ARN.
    pub arn: String,
    /// Its channel.
    pub channel_name: String,
    /// Created.
    pub creation_time: f64,
    /// Name.
    pub program_name: String,
    /// Source location.
    pub source_location_name: String,
    /// VOD source.
    pub vod_source_name: String,
}

/// An ad break in the schedule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ScheduleAdBreak {
    /// Slate duration.
    pub approximate_duration_seconds: i64,
    /// When it starts.
    pub approximate_start_time: f64,
    /// Slate source location.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_location_name: Option<String>,
    /// Slate VOD source.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vod_source_name: Option<String>,
}

/// A program in the schedule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ScheduleEntry {
    /// Content plus ad breaks.
    pub approximate_duration_seconds: i64,
    /// When it starts.
    pub approximate_start_time: f64,
    /// The program's ARN.
    pub arn: String,
    /// The channel.
    pub channel_name: String,
    /// The program.
    pub program_name: String,
    /// Its ad breaks.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub schedule_ad_breaks: Vec<ScheduleAdBreak>,
    /// Source location.
    pub source_location_name: String,
    /// VOD source.
    pub vod_source_name: String,
}

/// An alert.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Alert {
    /// e.g. `UNPARSABLE_MANIFEST`.
    pub alert_code: String,
    /// Why.
    pub alert_message: String,
    /// When it was raised or last changed.
    pub last_modified_time: f64,
    /// Related resources.
    #[serde(default)]
    pub related_resource_arns: Vec<String>,
    /// The resource it is about.
    pub resource_arn: String,
}

/// `PutChannelPolicy` body.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct PutChannelPolicyBody {
    /// The IAM policy document (required).
    pub policy: Option<String>,
}

/// `TagResource` body.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TagResourceBody {
    /// Tags to add (required).
    pub tags: Option<Tags>,
}
