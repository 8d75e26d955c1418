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
    /// Ad markers: `DATERANGE` and/or `SCTE35_ENHANCED`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ad_markup_type: Option<Vec<String>>,
}

/// Time-shifted viewing.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct TimeShiftConfiguration {
    /// 0 to 21600 seconds (required).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_time_delay_seconds: Option<i64>,
}

/// A channel's log configuration.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct LogConfigurationForChannel {
    /// `AS_RUN` when as-run logs are on.
    #[serde(default)]
    pub log_types: Vec<String>,
}

/// Which part of a VOD source a program plays.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct ClipRange {
    /// Where the clip ends, from the source's start.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_offset_millis: Option<i64>,
    /// Where the clip starts, from the source's start.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_offset_millis: Option<i64>,
}

/// Media played instead of a program's own for one audience.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct AlternateMedia {
    /// Its ad breaks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ad_breaks: Option<Vec<AdBreak>>,
    /// Which part of the VOD source plays.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clip_range: Option<ClipRange>,
    /// How long it plays.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration_millis: Option<i64>,
    /// A live source.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub live_source_name: Option<String>,
    /// When it starts, epoch milliseconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scheduled_start_time_millis: Option<i64>,
    /// Its source location.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_location_name: Option<String>,
    /// A VOD source.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vod_source_name: Option<String>,
}

/// An audience and the media it sees.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct AudienceMedia {
    /// The media.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alternate_media: Option<Vec<AlternateMedia>>,
    /// One of the channel's audiences.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audience: Option<String>,
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
    /// Audiences, for audience media.
    pub audiences: Option<Vec<String>>,
    /// What plays in the gaps of a LINEAR channel.
    pub filler_slate: Option<SlateSource>,
    /// Outputs (required).
    pub outputs: Option<Vec<RequestOutputItem>>,
    /// `LINEAR` or `LOOP` (required).
    pub playback_mode: Option<String>,
    /// Tags.
    #[serde(rename = "tags")]
    pub tags: Option<Tags>,
    /// `BASIC` (the default) or `STANDARD`.
    pub tier: Option<String>,
    /// Time-shifted viewing.
    pub time_shift_configuration: Option<TimeShiftConfiguration>,
}

/// `UpdateChannel` body.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct UpdateChannelBody {
    /// Audiences.
    pub audiences: Option<Vec<String>>,
    /// Filler slate (LINEAR channels).
    pub filler_slate: Option<SlateSource>,
    /// Outputs (required).
    pub outputs: Option<Vec<RequestOutputItem>>,
    /// Time-shifted viewing.
    pub time_shift_configuration: Option<TimeShiftConfiguration>,
}

/// A channel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Channel {
    /// ARN.
    pub arn: String,
    /// Audiences.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub audiences: Vec<String>,
    /// Filler slate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filler_slate: Option<SlateSource>,
    /// Log configuration (as-run logs).
    #[serde(default)]
    pub log_configuration: LogConfigurationForChannel,
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
    /// `LINEAR` or `LOOP`.
    pub playback_mode: String,
    /// Tags.
    #[serde(rename = "tags", default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: Tags,
    /// `BASIC` or `STANDARD`.
    #[serde(default = "basic")]
    pub tier: String,
    /// Time-shifted viewing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_shift_configuration: Option<TimeShiftConfiguration>,
}

/// Channels saved before tiers existed are BASIC, the service's default.
fn basic() -> String {
    "BASIC".into()
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
    /// Named segment delivery servers.
    pub segment_delivery_configurations: Option<Vec<SegmentDeliveryConfiguration>>,
    /// Tags (create only).
    #[serde(rename = "tags")]
    pub tags: Option<Tags>,
}

/// A named segment delivery server of a source location.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct SegmentDeliveryConfiguration {
    /// Its base URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base_url: Option<String>,
    /// Its name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
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
    /// Named segment delivery servers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub segment_delivery_configurations: Option<Vec<SegmentDeliveryConfiguration>>,
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

/// A live source: a live stream's packages in a source location.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct LiveSource {
    /// ARN.
    pub arn: String,
    /// Created.
    pub creation_time: f64,
    /// Packages.
    pub http_package_configurations: Vec<HttpPackageConfiguration>,
    /// Last changed.
    pub last_modified_time: f64,
    /// Name.
    pub live_source_name: String,
    /// Its source location.
    pub source_location_name: String,
    /// Tags.
    #[serde(rename = "tags", default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: Tags,
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
    /// Key-value metadata passed with the break.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ad_break_metadata: Option<Vec<KeyValuePair>>,
    /// `SPLICE_INSERT` or `TIME_SIGNAL`.
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
    /// SCTE-35 time_signal() values.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_signal_message: Option<TimeSignalMessage>,
}

/// A key and its value.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct KeyValuePair {
    /// The key (required).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// The value (required).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

/// SCTE-35 time_signal() with its segmentation descriptors.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct TimeSignalMessage {
    /// The descriptors.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub segmentation_descriptors: Option<Vec<SegmentationDescriptor>>,
}

/// One SCTE-35 segmentation_descriptor.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct SegmentationDescriptor {
    /// segment_num.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub segment_num: Option<i64>,
    /// segmentation_event_id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub segmentation_event_id: Option<i64>,
    /// segmentation_type_id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub segmentation_type_id: Option<i64>,
    /// segmentation_upid, as hex.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub segmentation_upid: Option<String>,
    /// segmentation_upid_type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub segmentation_upid_type: Option<i64>,
    /// segments_expected.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub segments_expected: Option<i64>,
    /// sub_segment_num.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sub_segment_num: Option<i64>,
    /// sub_segments_expected.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sub_segments_expected: Option<i64>,
}

/// Where a program goes in the play order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct Transition {
    /// How long a live program plays.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration_millis: Option<i64>,
    /// `BEFORE_PROGRAM` or `AFTER_PROGRAM` (required).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub relative_position: Option<String>,
    /// The neighbour program.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub relative_program: Option<String>,
    /// When an ABSOLUTE program starts, epoch milliseconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scheduled_start_time_millis: Option<i64>,
    /// `RELATIVE` or `ABSOLUTE` (required).
    #[serde(rename = "Type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}

/// A program's schedule configuration.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct ScheduleConfiguration {
    /// Which part of the VOD source plays.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clip_range: Option<ClipRange>,
    /// The transition (required).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transition: Option<Transition>,
}

/// UpdateProgram's transition: only an ABSOLUTE program's start and a live program's length
/// can change.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct UpdateProgramTransition {
    /// How long a live program plays.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration_millis: Option<i64>,
    /// When an ABSOLUTE program starts, epoch milliseconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scheduled_start_time_millis: Option<i64>,
}

/// UpdateProgram's schedule configuration.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct UpdateProgramScheduleConfiguration {
    /// Which part of the VOD source plays.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clip_range: Option<ClipRange>,
    /// The transition.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transition: Option<UpdateProgramTransition>,
}

/// `UpdateProgram` body.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct UpdateProgramBody {
    /// Ad breaks (replace the program's).
    pub ad_breaks: Option<Vec<AdBreak>>,
    /// Audience media (replace the program's).
    pub audience_media: Option<Vec<AudienceMedia>>,
    /// Schedule (required).
    pub schedule_configuration: Option<UpdateProgramScheduleConfiguration>,
}

/// `CreateProgram` body.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct CreateProgramBody {
    /// Ad breaks.
    pub ad_breaks: Option<Vec<AdBreak>>,
    /// Media per audience.
    pub audience_media: Option<Vec<AudienceMedia>>,
    /// Live source (instead of a VOD source).
    pub live_source_name: Option<String>,
    /// Schedule (required).
    pub schedule_configuration: Option<ScheduleConfiguration>,
    /// Source location (required).
    pub source_location_name: Option<String>,
    /// Tags.
    #[serde(rename = "tags")]
    pub tags: Option<Tags>,
    /// VOD source (or a live source).
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
    /// Media per audience.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub audience_media: Vec<AudienceMedia>,
    /// Its channel.
    pub channel_name: String,
    /// Which part of the VOD source plays.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clip_range: Option<ClipRange>,
    /// Created.
    pub creation_time: f64,
    /// How long it plays (a live program's length, or the VOD source's clip).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_millis: Option<i64>,
    /// Live source, for a live program.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub live_source_name: Option<String>,
    /// Name.
    pub program_name: String,
    /// When it is scheduled to start (ABSOLUTE programs), epoch seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheduled_start_time: Option<f64>,
    /// Source location.
    pub source_location_name: String,
    /// Tags.
    #[serde(rename = "tags", default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: Tags,
    /// VOD source (empty for a live program).
    #[serde(default, skip_serializing_if = "String::is_empty")]
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
    /// Audiences of the program's audience media.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub audiences: Vec<String>,
    /// The channel.
    pub channel_name: String,
    /// Live source, for a live program.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub live_source_name: Option<String>,
    /// The program.
    pub program_name: String,
    /// Its ad breaks.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub schedule_ad_breaks: Vec<ScheduleAdBreak>,
    /// `PROGRAM`, `FILLER_SLATE` or `ALTERNATE_MEDIA`.
    pub schedule_entry_type: String,
    /// Source location.
    pub source_location_name: String,
    /// VOD source (none for a live program).
    #[serde(skip_serializing_if = "String::is_empty")]
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
