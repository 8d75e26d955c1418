//! channel-guide: on a schedule, writes an XMLTV programme guide (and the same content as JSON)
//! to S3 for every managed MediaTailor channel, and reports each channel's schedule health as
//! CloudWatch embedded metric format lines, so an alarm fires before a schedule runs dry.
//!
//! The guide's window starts at the scheduled event's own `time`, so a retried event builds the
//! same guide. Each object is compared with the one in S3 and written only when its bytes
//! differ, whole, in one `PutObject`; a failed write leaves the previous guide and fails the
//! run after every other channel was done, so Lambda retries it.
//!
//! # Layout
//! - this file: [`Settings`], [`State`], the [`handler`], and the AWS edge: `ListChannels`,
//!   `GetChannelSchedule`, `DescribeVodSource`, `ListAlerts` (through
//!   `tailorflow_shared::aws::mediatailor` where shared), `GetObject`/`PutObject` through
//!   `tailorflow_shared::aws::s3`.
//! - [`guide`]: the guide of one channel from its schedule entries and tags; filler gaps (pure).
//! - [`xmltv`]: the guide as XMLTV, written with quick-xml (pure).
//! - [`health`]: minutes ahead, gap seconds, programmes and alerts; the EMF line (pure).

pub mod guide;
pub mod health;
pub mod xmltv;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, PoisonError};

use aws_lambda_events::event::eventbridge::EventBridgeEvent;
use chrono::{DateTime, Utc};
use lambda_runtime::{Diagnostic, LambdaEvent};
use serde::Serialize;
use tailorflow_shared::aws::{mediatailor, s3};
use tailorflow_shared::rate::RateLimiter;
use tailorflow_shared::{AwsCallError, AwsClients, ChannelName, ClientSettings, ConfigError, EnvReader, ErrorClass};

use crate::guide::{Metadata, PlaybackMode, Window};
use crate::health::Health;

/// The channel tag that puts a channel in the guide when `CHANNEL_NAMES` is not set.
pub const MANAGED_TAG: &str = "tailorflow:managed";
/// An existing guide larger than this is not read back for comparison; it is rewritten.
const MAX_COMPARED_BYTES: u64 = 16 * 1024 * 1024;

/// The function's settings, from the environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// `GUIDE_BUCKET` (required): where the guides are written.
    pub guide_bucket: String,
    /// `GUIDE_PREFIX` (default `guides/`): the keys are `<prefix><channel>.xml` and `.json`.
    pub guide_prefix: String,
    /// `CHANNEL_NAMES` (comma-separated): these channels; unset, every channel tagged
    /// `tailorflow:managed=true`.
    pub channel_names: Option<Vec<ChannelName>>,
    /// `GUIDE_HOURS` (1 to 168, default 24): the guide's window, GetChannelSchedule's
    /// `DurationMinutes`.
    pub guide_hours: u32,
    /// `MAX_REQUESTS_PER_SECOND` (1 to 100, default 8): paces the run's MediaTailor calls.
    pub max_requests_per_second: u32,
    /// SDK retries and timeouts.
    pub clients: ClientSettings,
}

impl Settings {
    /// Reads the settings, listing every problem at once.
    pub fn read(mut env: EnvReader) -> Result<Self, ConfigError> {
        let guide_bucket = env.required::<String>("GUIDE_BUCKET");
        let guide_prefix = env.optional_or("GUIDE_PREFIX", "guides/".to_owned());
        if let Some(prefix) = &guide_prefix
            && (prefix.starts_with('/') || prefix.len() > 512)
        {
            env.report("GUIDE_PREFIX", format!("{prefix:?} must not start with / and must be at most 512 bytes"));
        }
        let channel_names = match env.raw("CHANNEL_NAMES") {
            None => Some(None),
            Some(raw) => {
                let parsed: Result<Vec<ChannelName>, _> =
                    raw.split(',').map(str::trim).filter(|n| !n.is_empty()).map(ChannelName::new).collect();
                match parsed {
                    Ok(names) if !names.is_empty() => Some(Some(names)),
                    Ok(_) => {
                        env.report("CHANNEL_NAMES", "names no channel; unset it to guide every managed channel");
                        None
                    }
                    Err(err) => {
                        env.report("CHANNEL_NAMES", err.to_string());
                        None
                    }
                }
            }
        };
        let hours = env.number_in("GUIDE_HOURS", 24, 1, 168);
        let rate = env.number_in("MAX_REQUESTS_PER_SECOND", 8, 1, 100);
        let clients = ClientSettings::read(&mut env);
        env.finish(move || {
            Some(Self {
                guide_bucket: guide_bucket?,
                guide_prefix: guide_prefix?,
                channel_names: channel_names?,
                guide_hours: hours? as u32,
                max_requests_per_second: rate? as u32,
                clients: clients?,
            })
        })
    }

    /// The key of `channel`'s guide with `extension` (`xml` or `json`).
    pub fn key(&self, channel: &str, extension: &str) -> String {
        format!("{}{channel}.{extension}", self.guide_prefix)
    }
}

/// Where the EMF lines go.
#[derive(Debug, Clone, Default)]
pub enum MetricsSink {
    /// Standard output, one line each (logs go to standard error): in Lambda, the log stream.
    #[default]
    Stdout,
    /// Kept in memory, for tests and the demo.
    Memory(Arc<Mutex<Vec<String>>>),
}

impl MetricsSink {
    /// A sink that keeps the lines.
    pub fn memory() -> Self {
        Self::Memory(Arc::default())
    }

    /// The lines kept so far (none for stdout).
    pub fn lines(&self) -> Vec<String> {
        match self {
            Self::Stdout => Vec::new(),
            Self::Memory(lines) => lines.lock().unwrap_or_else(PoisonError::into_inner).clone(),
        }
    }

    fn emit(&self, line: String) {
        match self {
            Self::Stdout => {
                use std::io::Write as _;
                // One write of the whole line, so it never interleaves with another.
                let _ = std::io::stdout().lock().write_all(format!("{line}\n").as_bytes());
            }
            Self::Memory(lines) => lines.lock().unwrap_or_else(PoisonError::into_inner).push(line),
        }
    }
}

/// What every invocation borrows: built once per execution environment.
#[derive(Debug)]
pub struct State {
    /// The AWS SDK clients.
    pub clients: AwsClients,
    /// The settings.
    pub settings: Settings,
    /// Where the metrics go.
    pub metrics: MetricsSink,
}

impl State {
    /// State from ready clients and settings; metrics to stdout.
    pub fn new(clients: AwsClients, settings: Settings) -> Self {
        Self { clients, settings, metrics: MetricsSink::Stdout }
    }

    /// Reads the configuration from the environment and builds the clients.
    pub async fn from_env() -> Result<Self, ConfigError> {
        let settings = Settings::read(EnvReader::from_process())?;
        let clients = AwsClients::load(&settings.clients).await;
        Ok(Self::new(clients, settings))
    }
}

/// Why one channel's guide was not written.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ChannelError {
    /// GetChannelSchedule failed after the SDK's retries.
    #[error("cannot read the schedule: {0}")]
    Schedule(AwsCallError),
    /// DescribeVodSource failed (other than 404): titles would be wrong, so nothing is written.
    #[error("cannot read the tags of VOD source {source_location}/{vod_source}: {error}")]
    VodSource {
        /// Its source location.
        source_location: String,
        /// The VOD source.
        vod_source: String,
        /// The call's error.
        error: AwsCallError,
    },
    /// ListAlerts failed (other than 404).
    #[error("cannot read the channel's alerts: {0}")]
    Alerts(AwsCallError),
    /// The XMLTV document could not be written (a bug).
    #[error("cannot render the XMLTV guide: {0}")]
    Render(String),
    /// PutObject failed: the previous object is still in place.
    #[error("cannot write s3://{bucket}/{key}: {error}; the previous guide stays")]
    Put {
        /// The bucket.
        bucket: String,
        /// The key.
        key: String,
        /// The call's error.
        error: AwsCallError,
    },
}

/// Why an invocation failed. Lambda retries it, then sends it to the dead-letter queue.
#[derive(Debug, thiserror::Error)]
pub enum GuideError {
    /// The scheduled event carries no `time`.
    #[error(
        "the scheduled event has no \"time\"; send the EventBridge Scheduled Event as is (the guide's window starts at its time)"
    )]
    MissingTime,
    /// ListChannels failed after the SDK's retries: no guide was written.
    #[error("cannot list MediaTailor channels: {0}; the run will be retried")]
    List(AwsCallError),
    /// Some channels' guides could not be built or written; the others were.
    #[error(
        "{count} channel guide(s) not written, first {channel}: {error}; the other channels were done and the run will be retried"
    )]
    Channels {
        /// How many channels failed.
        count: usize,
        /// The first that failed.
        channel: String,
        /// Its error.
        error: ChannelError,
    },
}

impl From<GuideError> for Diagnostic {
    fn from(err: GuideError) -> Self {
        let error_type = match &err {
            GuideError::MissingTime => "InvalidEvent",
            GuideError::List(_) => "ListChannelsFailed",
            GuideError::Channels { error: ChannelError::Put { .. }, .. } => "PutObjectFailed",
            GuideError::Channels { .. } => "GuideFailed",
        };
        Diagnostic { error_type: error_type.into(), error_message: err.to_string() }
    }
}

/// A channel ListChannels answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedChannel {
    /// Its name.
    pub name: ChannelName,
    /// Its ARN.
    pub arn: String,
    /// LOOP or LINEAR.
    pub mode: PlaybackMode,
    /// Whether it is tagged `tailorflow:managed=true`.
    pub managed: bool,
}

/// What became of one object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Written {
    /// Its content changed (or it was new): written.
    Written,
    /// The same bytes are already there: not written.
    Unchanged,
}

/// One channel's outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChannelReport {
    /// The channel.
    pub channel: String,
    /// LOOP or LINEAR.
    pub playback_mode: PlaybackMode,
    /// Its schedule's health (also the EMF line).
    pub health: Health,
    /// When the last programme ends, when any is scheduled.
    pub scheduled_until: Option<DateTime<Utc>>,
    /// What became of each object, by key.
    pub objects: BTreeMap<String, Written>,
}

/// The run's report, returned by the handler.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    /// The guides' window.
    pub window: Window,
    /// The channels done.
    pub channels: Vec<ChannelReport>,
    /// Channels named in `CHANNEL_NAMES` that do not exist.
    pub missing_channels: Vec<String>,
    /// Channels deleted between the listing and their schedule: skipped.
    pub vanished_channels: Vec<String>,
}

/// Handles one scheduled event.
pub async fn handler(
    state: &State,
    event: LambdaEvent<EventBridgeEvent<serde_json::Value>>,
) -> Result<Summary, GuideError> {
    let settings = &state.settings;
    // The window comes from the event's own time, never the clock, so a retry builds the same guide.
    let time = event.payload.time.ok_or(GuideError::MissingTime)?;
    let window = Window::new(time, settings.guide_hours);
    let limiter = RateLimiter::per_second(settings.max_requests_per_second);
    let listed = list_channels(state, &limiter).await.map_err(GuideError::List)?;
    let (channels, missing_channels) = select(&listed, settings.channel_names.as_deref());
    for name in &missing_channels {
        tracing::error!(channel = %name, "CHANNEL_NAMES names a channel that does not exist; no guide for it");
    }
    tracing::info!(channels = channels.len(), window_start = %window.start, window_end = %window.end, "building channel guides");
    let mut summary = Summary { window, channels: Vec::new(), missing_channels, vanished_channels: Vec::new() };
    let mut failed: Vec<(String, ChannelError)> = Vec::new();
    let mut tags_cache: BTreeMap<(String, String), Metadata> = BTreeMap::new();
    for channel in channels {
        match guide_channel(state, &limiter, window, channel, &mut tags_cache).await {
            Ok(Some(report)) => summary.channels.push(report),
            Ok(None) => {
                tracing::info!(channel = %channel.name, "channel deleted before its schedule was read; skipped");
                summary.vanished_channels.push(channel.name.as_str().to_owned());
            }
            Err(err) => {
                tracing::error!(channel = %channel.name, error = %err, "channel guide not written; the run will fail");
                failed.push((channel.name.as_str().to_owned(), err));
            }
        }
    }
    if let Some((channel, error)) = failed.first().cloned() {
        return Err(GuideError::Channels { count: failed.len(), channel, error });
    }
    Ok(summary)
}

/// The channels to guide, and the configured names that no channel has.
pub fn select<'c>(listed: &'c [ListedChannel], names: Option<&[ChannelName]>) -> (Vec<&'c ListedChannel>, Vec<String>) {
    match names {
        None => (listed.iter().filter(|c| c.managed).collect(), Vec::new()),
        Some(names) => {
            let chosen: Vec<&ListedChannel> =
                names.iter().filter_map(|n| listed.iter().find(|c| c.name == *n)).collect();
            let missing =
                names.iter().filter(|n| !listed.iter().any(|c| c.name == **n)).map(|n| n.as_str().to_owned()).collect();
            (chosen, missing)
        }
    }
}

/// Every channel (all pages), with its playback mode and whether it is managed.
pub async fn list_channels(state: &State, limiter: &RateLimiter) -> Result<Vec<ListedChannel>, AwsCallError> {
    let listed = mediatailor::list_channels(&state.clients.mediatailor, limiter).await?;
    let mut channels = Vec::with_capacity(listed.len());
    for c in &listed {
        let managed =
            c.tags().and_then(|tags| tags.get(MANAGED_TAG)).is_some_and(|v| v.trim().eq_ignore_ascii_case("true"));
        match ChannelName::new(c.channel_name()) {
            Ok(name) => channels.push(ListedChannel {
                name,
                arn: c.arn().to_owned(),
                mode: PlaybackMode::from_service(c.playback_mode()),
                managed,
            }),
            Err(err) => tracing::warn!(
                channel = %c.channel_name(), error = %err, "channel name outside tailorflow's names; no guide for it"
            ),
        }
    }
    Ok(channels)
}

/// Builds, measures and writes one channel's guide; `None` when the channel vanished.
async fn guide_channel(
    state: &State,
    limiter: &RateLimiter,
    window: Window,
    channel: &ListedChannel,
    tags_cache: &mut BTreeMap<(String, String), Metadata>,
) -> Result<Option<ChannelReport>, ChannelError> {
    let settings = &state.settings;
    let mt = &state.clients.mediatailor;
    let name = channel.name.as_str();
    let minutes = u64::from(settings.guide_hours) * 60;
    let Some(entries) =
        mediatailor::channel_schedule(mt, limiter, name, minutes).await.map_err(ChannelError::Schedule)?
    else {
        return Ok(None);
    };
    // Tags of every VOD source the schedule plays, each read once a run.
    let sources: BTreeSet<(String, String)> = entries
        .iter()
        .filter_map(|e| e.vod_source_name.as_ref().map(|v| (e.source_location_name.clone(), v.clone())))
        .collect();
    for (location, vod) in sources {
        if tags_cache.contains_key(&(location.clone(), vod.clone())) {
            continue;
        }
        limiter.acquire().await;
        let described = mediatailor::describe_vod_source(mt, &location, &vod).await.map_err(|error| {
            ChannelError::VodSource { source_location: location.clone(), vod_source: vod.clone(), error }
        })?;
        let metadata = match described {
            Some(source) => Metadata::from_tags(&source.tags),
            None => {
                tracing::info!(channel = name, source_location = %location, vod_source = %vod, "VOD source not found; its name is the title");
                Metadata::default()
            }
        };
        tags_cache.insert((location, vod), metadata);
    }
    let alerted = alerted_arns(state, limiter, &channel.arn).await.map_err(ChannelError::Alerts)?;
    let built = guide::build(name, channel.mode, window, &entries, tags_cache);
    if built.undated_entries > 0 {
        tracing::warn!(
            channel = name,
            entries = built.undated_entries,
            "schedule entries without a start time left out"
        );
    }
    let health = Health::of(&built, window, &alerted);
    // The health is reported whether or not the writes below succeed: it is true either way.
    state.metrics.emit(health.emf_line(name, window.start));
    tracing::info!(
        channel = name,
        programmes = health.programs_in_window,
        minutes_ahead = health.scheduled_minutes_ahead,
        gap_seconds = health.filler_gap_seconds,
        with_alerts = health.programs_with_alerts,
        "channel guide built"
    );
    let xml = xmltv::render(&built.guide).map_err(|e| ChannelError::Render(e.to_string()))?;
    let json = guide::to_json(&built.guide);
    let mut objects = BTreeMap::new();
    for (key, body, content_type) in [
        (settings.key(name, "xml"), xml, "application/xml; charset=utf-8"),
        (settings.key(name, "json"), json, "application/json"),
    ] {
        let outcome = write_if_changed(state, &key, body, content_type).await?;
        tracing::info!(channel = name, key = %key, outcome = ?outcome, "guide object");
        objects.insert(key, outcome);
    }
    Ok(Some(ChannelReport {
        channel: name.to_owned(),
        playback_mode: channel.mode,
        health,
        scheduled_until: built.scheduled_until,
        objects,
    }))
}

/// Every ARN the channel's alerts name (their resources and related resources); the channel's
/// `ListAlerts` includes its programs' alerts.
async fn alerted_arns(state: &State, limiter: &RateLimiter, arn: &str) -> Result<BTreeSet<String>, AwsCallError> {
    let read = mediatailor::list_alerts(&state.clients.mediatailor, limiter, arn).await.map(|alerts| {
        alerts
            .iter()
            .flat_map(|a| std::iter::once(a.resource_arn().to_owned()).chain(a.related_resource_arns().iter().cloned()))
            .collect::<BTreeSet<String>>()
    });
    match read {
        Ok(arns) => Ok(arns),
        // Deleted since it was listed: it has no alerts to count.
        Err(err) if err.class == ErrorClass::NotFound => Ok(BTreeSet::new()),
        Err(err) => Err(err),
    }
}

/// Writes `body` to `key` unless the object already holds exactly these bytes.
///
/// The comparison reads the object back (GetObject) rather than trusting its ETag, which is an
/// MD5 of the content only for unencrypted or SSE-S3 single-part uploads. When it cannot be
/// read, the object is written: a needless write is harmless, a skipped one is not.
async fn write_if_changed(
    state: &State,
    key: &str,
    body: Vec<u8>,
    content_type: &str,
) -> Result<Written, ChannelError> {
    let bucket = &state.settings.guide_bucket;
    let s3_client = &state.clients.s3;
    match s3::get_object(s3_client, bucket, key, s3::Part::Whole { max_bytes: MAX_COMPARED_BYTES }).await {
        Ok(Some(existing)) if existing.body == body => return Ok(Written::Unchanged),
        Ok(_) => {}
        Err(err) => tracing::warn!(key, error = %err, "cannot read the current guide to compare; writing it"),
    }
    s3::put_object(s3_client, bucket, key, body, content_type).await.map_err(|error| ChannelError::Put {
        bucket: bucket.clone(),
        key: key.to_owned(),
        error,
    })?;
    Ok(Written::Written)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn reads_defaults_and_overrides() {
        let settings = Settings::read(EnvReader::from_pairs([("GUIDE_BUCKET", "media")])).unwrap();
        assert_eq!(settings.guide_prefix, "guides/");
        assert_eq!(settings.channel_names, None);
        assert_eq!((settings.guide_hours, settings.max_requests_per_second), (24, 8));
        assert_eq!(settings.key("news", "xml"), "guides/news.xml");

        let settings = Settings::read(EnvReader::from_pairs([
            ("GUIDE_BUCKET", "media"),
            ("GUIDE_PREFIX", "epg/"),
            ("CHANNEL_NAMES", " news, sport ,"),
            ("GUIDE_HOURS", "168"),
        ]))
        .unwrap();
        let names: Vec<&str> = settings.channel_names.as_ref().unwrap().iter().map(ChannelName::as_str).collect();
        assert_eq!(names, ["news", "sport"]);
        assert_eq!((settings.guide_hours, settings.key("sport", "json").as_str()), (168, "epg/sport.json"));
    }

    #[test]
    fn lists_every_configuration_problem() {
        let err = Settings::read(EnvReader::from_pairs([
            ("GUIDE_PREFIX", "/guides/"),
            ("CHANNEL_NAMES", "news,bad name"),
            ("GUIDE_HOURS", "169"),
            ("MAX_REQUESTS_PER_SECOND", "0"),
        ]))
        .unwrap_err();
        let variables: Vec<_> = err.issues.iter().map(|i| i.variable.as_str()).collect();
        assert_eq!(
            variables,
            ["GUIDE_BUCKET", "GUIDE_PREFIX", "CHANNEL_NAMES", "GUIDE_HOURS", "MAX_REQUESTS_PER_SECOND"]
        );
    }

    fn listed(name: &str, managed: bool) -> ListedChannel {
        ListedChannel {
            name: ChannelName::new(name).unwrap(),
            arn: format!("arn:channel/{name}"),
            mode: PlaybackMode::Loop,
            managed,
        }
    }

    #[test]
    fn managed_channels_or_the_named_ones_are_chosen() {
        let channels = [listed("a", true), listed("b", false), listed("c", true)];
        let (chosen, missing) = select(&channels, None);
        assert_eq!(chosen.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(), ["a", "c"]);
        assert!(missing.is_empty());
        let names = [ChannelName::new("b").unwrap(), ChannelName::new("zz").unwrap()];
        let (chosen, missing) = select(&channels, Some(&names));
        assert_eq!(chosen.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(), ["b"]);
        assert_eq!(missing, ["zz"]);
    }

    #[test]
    fn a_failed_write_is_its_own_diagnostic() {
        let error = AwsCallError {
            operation: "PutObject",
            class: ErrorClass::Retryable,
            status: Some(500),
            code: None,
            message: "boom".into(),
        };
        let err = GuideError::Channels {
            count: 1,
            channel: "news".into(),
            error: ChannelError::Put { bucket: "b".into(), key: "guides/news.xml".into(), error },
        };
        let diagnostic = Diagnostic::from(err);
        assert_eq!(diagnostic.error_type, "PutObjectFailed");
        assert!(diagnostic.error_message.contains("the previous guide stays"), "{}", diagnostic.error_message);
    }
}
