//! The newer members of playback configurations, and their log configuration, as model shapes
//! (see `shape`): checked by name, type and enum, then stored and echoed as sent.

use super::shape::{Member, Shape, opt, req};

const AD_SEQUENCING: Shape = Shape::Enum(&[
    "FOLLOW_AD_SEQUENCE",
    "FOLLOW_AD_SEQUENCE_ONLY_LIVE",
    "FOLLOW_AD_SEQUENCE_ONLY_VOD",
    "IGNORE_AD_SEQUENCE",
]);

/// `AdConditioningConfiguration`.
pub(crate) const AD_CONDITIONING: Shape =
    Shape::Obj(&[req!("StreamingMediaFileConditioning", Shape::Enum(&["TRANSCODE", "NONE"]))]);

/// `AdDecisionServerConfiguration`.
pub(crate) const AD_DECISION_SERVER: Shape = Shape::Obj(&[
    opt!(
        "HttpRequest",
        Shape::Obj(&[
            opt!("Method", Shape::Enum(&["GET", "POST"])),
            opt!("Body", Shape::Str),
            opt!("Headers", Shape::Map(&Shape::Str)),
            opt!("CompressRequest", Shape::Enum(&["NONE", "GZIP"])),
        ])
    ),
    opt!("VastResponse", Shape::Obj(&[opt!("AdSequencingMode", AD_SEQUENCING)])),
]);

/// `LivePreRollConfiguration.AdDecisionServerConfiguration`.
pub(crate) const PRE_ROLL_AD_DECISION_SERVER: Shape = Shape::Obj(&[opt!(
    "VastResponse",
    Shape::Obj(&[opt!("AdSequencingMode", Shape::Enum(&["FOLLOW_AD_SEQUENCE", "IGNORE_AD_SEQUENCE"]))])
)]);

/// `AdsPersonalizationConcurrency`.
pub(crate) const ADS_CONCURRENCY: Shape =
    Shape::Obj(&[opt!("MaxConcurrentAdsRequests", Shape::Int), opt!("EnableVodVastParallelization", Shape::Bool)]);

/// `AdsPersonalizationTimeouts`.
pub(crate) const ADS_TIMEOUTS: Shape = Shape::Obj(&[
    opt!("AdsRequestTimeoutMilliseconds", Shape::Int),
    opt!("LiveMaximumAdsPersonalizationTimeMilliseconds", Shape::Int),
    opt!("VodMaximumAdsPersonalizationTimeMilliseconds", Shape::Int),
    opt!("PrefetchAdsRequestTimeoutMilliseconds", Shape::Int),
    opt!("PrefetchMaximumAdsPersonalizationTimeMilliseconds", Shape::Int),
]);

/// `BeaconingConfiguration`.
pub(crate) const BEACONING: Shape = Shape::Obj(&[opt!(
    "ClientSide",
    Shape::Obj(&[
        req!("ReportingMode", Shape::Enum(&["DISABLED", "INSIGHTS"])),
        opt!("AdditionalEventTypes", Shape::List(&Shape::Enum(&["MUTE", "PAUSE", "SKIP", "UNMUTE"]))),
    ])
)]);

/// `FunctionMapping`: event name to function id.
pub(crate) const FUNCTION_MAPPING: Shape = Shape::EnumMap(
    &["POST_ADS_RESPONSE", "PRE_ADS_REQUEST", "PRE_MANIFEST_INSERTION", "PRE_SESSION_INITIALIZATION"],
    &Shape::Str,
);

/// `YieldOptimizationConfiguration`.
pub(crate) const YIELD_OPTIMIZATION: Shape = Shape::Obj(&[
    req!("MinimumUnfilledDuration", Shape::Int),
    req!("PublisherId", Shape::Str),
    req!("Region", Shape::Enum(&["AMERICAS", "ASIA_PACIFIC", "EUROPE"])),
    req!("OpenRtbTemplate", Shape::Str),
]);

const ADS_PUBLISH: Shape = Shape::List(&Shape::Enum(&[
    "POST_ADS_RESPONSE_FUNCTION_COMPLETED",
    "POST_ADS_RESPONSE_HOOK_SUMMARY",
    "PRE_ADS_REQUEST_FUNCTION_COMPLETED",
    "PRE_ADS_REQUEST_HOOK_SUMMARY",
    "PRE_MANIFEST_INSERTION_FUNCTION_COMPLETED",
    "PRE_MANIFEST_INSERTION_HOOK_SUMMARY",
    "RAW_ADS_REQUEST",
    "RAW_ADS_RESPONSE",
    "RAW_BID_REQUEST",
    "RAW_BID_RESPONSE",
]));
const ADS_EXCLUDE: Shape = Shape::List(&Shape::Enum(&[
    "AD_MARKER_FOUND",
    "BEACON_FIRED",
    "BEACON_RECEIVED",
    "EMPTY_VAST_RESPONSE",
    "EMPTY_VMAP_RESPONSE",
    "ERROR_ADS_INVALID_RESPONSE",
    "ERROR_ADS_IO",
    "ERROR_ADS_RESPONSE_PARSE",
    "ERROR_ADS_RESPONSE_UNKNOWN_ROOT_ELEMENT",
    "ERROR_ADS_TIMEOUT",
    "ERROR_DISALLOWED_HOST",
    "ERROR_FIRING_BEACON_FAILED",
    "ERROR_PERSONALIZATION_DISABLED",
    "ERROR_UNKNOWN",
    "ERROR_UNKNOWN_HOST",
    "ERROR_VAST_INVALID_MEDIA_FILE",
    "ERROR_VAST_INVALID_VAST_AD_TAG_URI",
    "ERROR_VAST_MISSING_CREATIVES",
    "ERROR_VAST_MISSING_IMPRESSION",
    "ERROR_VAST_MISSING_MEDIAFILES",
    "ERROR_VAST_MISSING_OVERLAYS",
    "ERROR_VAST_MULTIPLE_LINEAR",
    "ERROR_VAST_MULTIPLE_TRACKING_EVENTS",
    "ERROR_VAST_REDIRECT_EMPTY_RESPONSE",
    "ERROR_VAST_REDIRECT_FAILED",
    "ERROR_VAST_REDIRECT_MULTIPLE_VAST",
    "FILLED_AVAIL",
    "FILLED_OVERLAY_AVAIL",
    "INTERSTITIAL_VOD_FAILURE",
    "INTERSTITIAL_VOD_SUCCESS",
    "MAKING_ADS_REQUEST",
    "MODIFIED_TARGET_URL",
    "NON_AD_MARKER_FOUND",
    "POST_ADS_RESPONSE_FUNCTION_ERROR",
    "POST_ADS_RESPONSE_HOOK_ERROR",
    "PRE_ADS_REQUEST_FUNCTION_ERROR",
    "PRE_ADS_REQUEST_HOOK_ERROR",
    "PRE_MANIFEST_INSERTION_FUNCTION_ERROR",
    "PRE_MANIFEST_INSERTION_HOOK_ERROR",
    "REDIRECTED_VAST_RESPONSE",
    "VAST_REDIRECT",
    "VAST_RESPONSE",
    "VOD_TIME_BASED_AVAIL_PLAN_SUCCESS",
    "VOD_TIME_BASED_AVAIL_PLAN_VAST_RESPONSE_FOR_OFFSET",
    "VOD_TIME_BASED_AVAIL_PLAN_WARNING_NO_ADVERTISEMENTS",
    "WARNING_NO_ADVERTISEMENTS",
    "WARNING_URL_VARIABLE_SUBSTITUTION_FAILED",
    "WARNING_VPAID_AD_DROPPED",
]));
const MANIFEST_PUBLISH: Shape =
    Shape::List(&Shape::Enum(&["PRE_SESSION_INIT_FUNCTION_COMPLETED", "PRE_SESSION_INIT_HOOK_SUMMARY"]));
const MANIFEST_EXCLUDE: Shape = Shape::List(&Shape::Enum(&[
    "CONFIG_SECURITY_ERROR",
    "CONFIG_SYNTAX_ERROR",
    "CONNECTION_ERROR",
    "ERROR_ADS_INTERPOLATION",
    "ERROR_BUMPER_END_INTERPOLATION",
    "ERROR_BUMPER_START_INTERPOLATION",
    "ERROR_CDN_AD_SEGMENT_INTERPOLATION",
    "ERROR_CDN_CONTENT_SEGMENT_INTERPOLATION",
    "ERROR_LIVE_PRE_ROLL_ADS_INTERPOLATION",
    "ERROR_ORIGIN_PREFIX_INTERPOLATION",
    "ERROR_PROFILE_NAME_INTERPOLATION",
    "ERROR_SLATE_AD_URL_INTERPOLATION",
    "GENERATED_MANIFEST",
    "HOST_DISALLOWED",
    "INCOMPATIBLE_HLS_VERSION",
    "INVALID_SINGLE_PERIOD_DASH_MANIFEST",
    "IO_ERROR",
    "LAST_PERIOD_MISSING_AUDIO",
    "LAST_PERIOD_MISSING_AUDIO_WARNING",
    "MANIFEST_ERROR",
    "NO_MASTER_OR_MEDIA_PLAYLIST",
    "NO_MASTER_PLAYLIST",
    "NO_MEDIA_PLAYLIST",
    "ORIGIN_MANIFEST",
    "PARSING_ERROR",
    "PRE_SESSION_INIT_FUNCTION_ERROR",
    "PRE_SESSION_INIT_HOOK_ERROR",
    "SCTE35_PARSING_ERROR",
    "SESSION_INITIALIZED",
    "TIMEOUT_ERROR",
    "TRACKING_RESPONSE",
    "UNKNOWN_ERROR",
    "UNKNOWN_HOST",
    "UNSUPPORTED_SINGLE_PERIOD_DASH_MANIFEST",
]));

/// `ConfigureLogsForPlaybackConfiguration`'s body.
pub(crate) const CONFIGURE_LOGS: &[Member] = &[
    req!("PlaybackConfigurationName", Shape::Str),
    req!("PercentEnabled", Shape::Int),
    opt!("EnabledLoggingStrategies", Shape::List(&Shape::Enum(&["VENDED_LOGS", "LEGACY_CLOUDWATCH"]))),
    opt!(
        "AdsInteractionLog",
        Shape::Obj(&[opt!("PublishOptInEventTypes", ADS_PUBLISH), opt!("ExcludeEventTypes", ADS_EXCLUDE)])
    ),
    opt!(
        "ManifestServiceInteractionLog",
        Shape::Obj(&[opt!("PublishOptInEventTypes", MANIFEST_PUBLISH), opt!("ExcludeEventTypes", MANIFEST_EXCLUDE)])
    ),
];

/// `ConfigureLogsForChannel`'s body.
pub(crate) const CONFIGURE_CHANNEL_LOGS: &[Member] =
    &[req!("ChannelName", Shape::Str), req!("LogTypes", Shape::List(&Shape::Enum(&["AS_RUN"])))];
