//! program-scheduler: a scheduled event keeps channels scheduled the way their playback mode
//! needs, with ad breaks on segment boundaries.
//!
//! Each run reads a channel's schedule. On a LINEAR channel (programs play once, gaps play the
//! filler slate), when less than the horizon is scheduled past the event's time, it appends
//! programs RELATIVE after the last one, taking the pool's VOD sources in turn, and deletes
//! programs that ended more than `RETAIN_PLAYED_HOURS` ago. On a LOOP channel (the loop plays
//! for ever) it appends each pool member the loop lacks, once. Every ad break is moved onto a
//! segment boundary read from the VOD source's manifests; a break that no boundary fits is
//! reported, not created. Program names derive from the chain (LINEAR) or the member (LOOP), so
//! a retried, replayed or concurrent run creates nothing twice and never forks the chain (the
//! planning itself is [`crate::planning`]). Without a channel configured, one run handles every
//! channel tagged `tailorflow:managed=true` ([`channel_tags`]).
//!
//! # Layout
//! - this file: [`State`] (clients and settings, built once), the [`handler`], managed mode and
//!   the calls it makes to MediaTailor for one channel.
//! - [`settings`]: environment variables and the event's `detail` overrides, into one run's
//!   configuration.
//! - [`channel_tags`]: managed mode's channel tags and the overrides they carry (pure).
//! - [`planning`]: which programs and ad breaks to append, names, boundary snapping (pure).
//! - [`media`]: a VOD source's manifests read through its source location (S3 or HTTP) into
//!   segment timelines.

pub mod channel_tags;
pub mod media;
pub mod planning;
pub mod settings;

use std::collections::BTreeMap;

use crate::planning::{
    Goal, MediaStatus, PlanOutcome, PlanRequest, PlannedProgram, PlayedProgram, ScheduledProgram, SkippedSource,
};
use aws_lambda_events::event::eventbridge::EventBridgeEvent;
use aws_sdk_mediatailor::types::{
    AdBreak, MessageType, RelativePosition, ScheduleConfiguration, SlateSource, SpliceInsertMessage, Transition,
};
use chrono::{DateTime, Utc};
use futures::StreamExt;
use lambda_runtime::{Diagnostic, LambdaEvent};
use serde::Serialize;
use tailorflow_shared::aws::mediatailor;
use tailorflow_shared::origin::{self, Origin};
use tailorflow_shared::rate::RateLimiter;
use tailorflow_shared::{
    AwsCallError, AwsClients, ChannelName, ConfigError, EnvReader, ErrorClass, SourceLocationName, VodSourceName,
};

use crate::media::{FetchError, OriginReader, Package};
use crate::settings::{Detail, PoolFilter, RunBase, RunConfig, Settings, Target};

/// How far past the horizon the schedule is read: the event's time may trail the clock by a
/// little, and a schedule read short of its true end would hide the real last program.
const SCHEDULE_READ_MARGIN_MINUTES: u64 = 60;

/// Managed channels scheduled at once; all of them share the run's rate limit.
const CHANNELS_IN_FLIGHT: usize = 4;

/// The tag each program carries with the program it follows: a LINEAR channel's schedule no
/// longer shows programs that have played, so retention walks back the chain through it.
pub const AFTER_TAG: &str = "tailorflow:after";
/// The tag each program carries with its planned duration (content and slates), in ms.
pub const DURATION_TAG: &str = "tailorflow:duration-ms";
/// The most played programs one run looks at for retention (each a DescribeProgram).
const MAX_RETENTION_STEPS: usize = 500;

/// What every invocation borrows: built once per execution environment.
#[derive(Debug)]
pub struct State {
    /// The AWS SDK clients.
    pub clients: AwsClients,
    /// The settings.
    pub settings: Settings,
    /// Reads manifests from S3 or HTTP origins.
    pub reader: OriginReader,
}

impl State {
    /// State from ready clients and settings.
    pub fn new(clients: AwsClients, settings: Settings) -> Self {
        let reader = OriginReader::new(clients.s3.clone(), &settings.clients);
        Self { clients, settings, reader }
    }

    /// Reads the configuration from the environment and builds the clients.
    pub async fn from_env() -> Result<Self, ConfigError> {
        let settings = Settings::read(EnvReader::from_process())?;
        let clients = AwsClients::load(&settings.clients).await;
        Ok(Self::new(clients, settings))
    }
}

/// Why an invocation failed. Lambda retries it, then sends it to the on-failure destination.
#[derive(Debug, thiserror::Error)]
pub enum ScheduleError {
    /// The event is not one the function can act on.
    #[error("invalid event: {0}")]
    InvalidEvent(String),
    /// The channel does not exist.
    #[error("channel {0:?} does not exist; create it (or fix CHANNEL_NAME / the event's ChannelName)")]
    ChannelNotFound(String),
    /// The source location does not exist.
    #[error(
        "source location {0:?} does not exist; create it (or fix SOURCE_LOCATION_NAME / the event's SourceLocationName)"
    )]
    SourceLocationNotFound(String),
    /// The source location's BaseUrl cannot be read from.
    #[error("source location {location:?}: {reason}")]
    Origin {
        /// The source location.
        location: String,
        /// Why.
        reason: String,
    },
    /// The configured slate cannot be used.
    #[error(
        "the slate {location}/{vod_source} cannot be used: {reason}; fix SLATE_VOD_SOURCE_NAME or the event's Slate"
    )]
    Slate {
        /// Its source location.
        location: String,
        /// Its VOD source.
        vod_source: String,
        /// Why.
        reason: String,
    },
    /// A MediaTailor call failed after the SDK's retries.
    #[error("{0}; the run will be retried")]
    MediaTailor(AwsCallError),
    /// A manifest could not be read for a reason that may pass (throttling, a 5xx, a timeout).
    #[error("a manifest could not be read: {0}; the run will be retried")]
    Manifest(String),
    /// A request could not be built: a bug in tailorflow.
    #[error("cannot build a request: {0}; this is a bug in tailorflow, please report it")]
    Request(String),
    /// CreateProgram failed; the programs before it stand, and the retry continues after them.
    #[error("CreateProgram {program} failed after {created} program(s) were appended: {error}")]
    CreateProgram {
        /// The program that failed.
        program: String,
        /// Programs appended before it in this run.
        created: usize,
        /// The error.
        error: AwsCallError,
    },
    /// DeleteProgram of a played program failed; the schedule was already extended.
    #[error("DeleteProgram {program} (played) failed after {deleted} played program(s) were deleted: {error}")]
    DeleteProgram {
        /// The program that failed.
        program: String,
        /// Played programs deleted before it in this run.
        deleted: usize,
        /// The error.
        error: AwsCallError,
    },
    /// The channel's playback mode is neither LINEAR nor LOOP.
    #[error("channel {channel:?} has PlaybackMode {mode:?}; program-scheduler schedules LINEAR and LOOP channels")]
    UnsupportedMode {
        /// The channel.
        channel: String,
        /// Its mode.
        mode: String,
    },
    /// A managed channel's tags (or the settings it starts from) cannot make a run.
    #[error("channel {channel:?}: {reason}")]
    ChannelConfig {
        /// The channel.
        channel: String,
        /// What is wrong, naming the tag or setting.
        reason: String,
    },
    /// Managed mode: some channels failed in a way a retry may fix; the others are done, and a
    /// retry finds them covered.
    #[error("{failed} of {channels} managed channel(s) failed and will be retried: {details}")]
    ChannelsFailed {
        /// Channels that failed (retryably or not).
        failed: usize,
        /// Managed channels found.
        channels: usize,
        /// `channel: error` for each failed channel.
        details: String,
    },
}

impl ScheduleError {
    /// Whether a retry of the run may succeed: throttling, a 5xx or a timeout of MediaTailor or
    /// an origin. Everything else needs a person (a missing resource, a bad tag or setting).
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::MediaTailor(err) => err.class.is_retryable(),
            Self::CreateProgram { error, .. } | Self::DeleteProgram { error, .. } => error.class.is_retryable(),
            Self::Manifest(_) | Self::ChannelsFailed { .. } => true,
            Self::InvalidEvent(_)
            | Self::ChannelNotFound(_)
            | Self::SourceLocationNotFound(_)
            | Self::Origin { .. }
            | Self::Slate { .. }
            | Self::Request(_)
            | Self::UnsupportedMode { .. }
            | Self::ChannelConfig { .. } => false,
        }
    }

    /// The error's type, as Lambda reports it.
    pub fn error_type(&self) -> &'static str {
        match self {
            Self::InvalidEvent(_) => "InvalidEvent",
            Self::ChannelNotFound(_) => "ChannelNotFound",
            Self::SourceLocationNotFound(_) => "SourceLocationNotFound",
            Self::Origin { .. } => "InvalidSourceLocation",
            Self::Slate { .. } => "InvalidSlate",
            Self::MediaTailor(_) => "MediaTailorFailed",
            Self::Manifest(_) => "ManifestUnavailable",
            Self::Request(_) => "InternalError",
            Self::CreateProgram { .. } => "CreateProgramFailed",
            Self::DeleteProgram { .. } => "DeleteProgramFailed",
            Self::UnsupportedMode { .. } => "UnsupportedPlaybackMode",
            Self::ChannelConfig { .. } => "InvalidChannelTags",
            Self::ChannelsFailed { .. } => "ChannelsFailed",
        }
    }
}

impl From<ScheduleError> for Diagnostic {
    fn from(err: ScheduleError) -> Self {
        Diagnostic { error_type: err.error_type().into(), error_message: err.to_string() }
    }
}

/// One ad break of an appended program, as requested and as aligned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AdBreakReport {
    /// The offset the policy asked for.
    pub requested_offset_millis: u64,
    /// The offset created: on a segment boundary.
    pub offset_millis: u64,
}

/// One program of the run.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProgramReport {
    /// Its name.
    pub program_name: String,
    /// The program it follows; `None` as the channel's first.
    pub after_program: Option<String>,
    /// Its VOD source.
    pub vod_source_name: String,
    /// Approximate start.
    pub approximate_start_time: DateTime<Utc>,
    /// Content plus slates, in seconds.
    pub duration_seconds: f64,
    /// Its ad breaks.
    pub ad_breaks: Vec<AdBreakReport>,
    /// Breaks not created because no segment boundary fits (see the reason).
    pub unaligned_ad_breaks: Vec<planning::UnalignedAdBreak>,
    /// Whether it already existed (created by an earlier or concurrent run).
    pub already_existed: bool,
}

/// One channel's report: the handler's answer for a single channel, and each channel's in
/// managed mode.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    /// The channel.
    pub channel_name: String,
    /// Its `PlaybackMode`: `LINEAR` (filled to the horizon) or `LOOP` (each pool member once).
    pub playback_mode: String,
    /// What the run did, in a sentence.
    pub action: String,
    /// Planned and reported, nothing written.
    pub dry_run: bool,
    /// The scheduled event's time, the horizon's start.
    pub event_time: DateTime<Utc>,
    /// The schedule must reach this far.
    pub horizon_end: DateTime<Utc>,
    /// Where the schedule ended before the run (`None`: empty, or unknown).
    pub scheduled_until_before: Option<DateTime<Utc>>,
    /// Where the schedule ends after the run, approximately.
    pub scheduled_until: DateTime<Utc>,
    /// Why planning stopped.
    pub outcome: PlanOutcome,
    /// Programs appended (or found already appended), in play order.
    pub programs: Vec<ProgramReport>,
    /// VOD sources passed over, and why.
    pub skipped_vod_sources: Vec<SkippedSource>,
    /// LINEAR: played programs deleted (or, in a dry run, to delete) under `RETAIN_PLAYED_HOURS`.
    pub deleted_programs: Vec<PlayedProgram>,
}

/// One managed channel's result.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChannelResult {
    /// The channel.
    pub channel_name: String,
    /// `scheduled` or `failed`.
    pub status: &'static str,
    /// Its report, when it was scheduled.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<Summary>,
    /// Why it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ChannelError>,
}

/// Why a managed channel failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChannelError {
    /// The error's type, as [`ScheduleError::error_type`].
    pub error_type: &'static str,
    /// Its message.
    pub message: String,
    /// Whether the invocation fails for it, so Lambda retries.
    pub retryable: bool,
}

/// Managed mode's report: every channel tagged `tailorflow:managed=true`, by name.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ManagedSummary {
    /// The scheduled event's time.
    pub event_time: DateTime<Utc>,
    /// Planned and reported, nothing written.
    pub dry_run: bool,
    /// Channels of the account and region.
    pub channels_listed: usize,
    /// Channels scheduled without error.
    pub scheduled: usize,
    /// Channels that failed.
    pub failed: usize,
    /// Each managed channel's result, by name.
    pub channels: Vec<ChannelResult>,
}

/// The handler's answer: one channel's [`Summary`] as is, or managed mode's [`ManagedSummary`].
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Report {
    /// `CHANNEL_NAME` or the event's `ChannelName`: that channel's summary.
    Channel(Box<Summary>),
    /// Managed mode.
    Managed(ManagedSummary),
}

impl Report {
    /// The single channel's summary; `None` in managed mode.
    pub fn into_channel(self) -> Option<Summary> {
        match self {
            Self::Channel(summary) => Some(*summary),
            Self::Managed(_) => None,
        }
    }

    /// Managed mode's summary; `None` for a single channel.
    pub fn into_managed(self) -> Option<ManagedSummary> {
        match self {
            Self::Managed(summary) => Some(summary),
            Self::Channel(_) => None,
        }
    }
}

/// A channel's playback mode, as the scheduler acts on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Linear,
    Loop,
}

/// What the run knows of a channel before reading its schedule.
#[derive(Debug, Clone)]
struct ChannelInfo {
    name: ChannelName,
    mode: String,
    source_groups: Vec<String>,
    tags: BTreeMap<String, String>,
}

impl ChannelInfo {
    fn of(name: ChannelName, channel_mode: &str, outputs: &[aws_sdk_mediatailor::types::ResponseOutputItem]) -> Self {
        let groups: Vec<String> = outputs.iter().map(|o| o.source_group().to_owned()).collect();
        Self {
            name,
            mode: channel_mode.to_owned(),
            source_groups: planning::source_groups(None, &groups),
            tags: BTreeMap::new(),
        }
    }

    fn mode(&self) -> Result<Mode, ScheduleError> {
        match self.mode.as_str() {
            "LINEAR" => Ok(Mode::Linear),
            "LOOP" => Ok(Mode::Loop),
            other => {
                Err(ScheduleError::UnsupportedMode { channel: self.name.as_str().to_owned(), mode: other.to_owned() })
            }
        }
    }
}

/// The summary's sentence: the mode and what the run did.
fn describe(mode: Mode, summary: &Summary) -> String {
    let verb = if summary.dry_run { "would append" } else { "appended" };
    let created = summary.programs.iter().filter(|p| !p.already_existed).count();
    let found = summary.programs.len() - created;
    let found = if found > 0 { format!(" ({found} found already there)") } else { String::new() };
    let skipped = summary.skipped_vod_sources.len();
    let skipped = if skipped > 0 { format!("; {skipped} VOD source(s) skipped") } else { String::new() };
    let mut text = match (mode, &summary.outcome) {
        (Mode::Loop, PlanOutcome::LoopComplete) if summary.programs.is_empty() => {
            "LOOP: the loop already holds every pool member; nothing appended".to_owned()
        }
        (Mode::Loop, _) => {
            format!("LOOP: {verb} {} missing pool member(s) to the loop{found}{skipped}", summary.programs.len())
        }
        (Mode::Linear, PlanOutcome::Covered) if summary.programs.is_empty() => format!(
            "LINEAR: scheduled until {}, past the horizon; nothing appended",
            summary.scheduled_until.format("%Y-%m-%dT%H:%M:%SZ")
        ),
        (Mode::Linear, outcome) => format!(
            "LINEAR: {verb} {} program(s){found}, scheduled until {} ({outcome:?}){skipped}",
            summary.programs.len(),
            summary.scheduled_until.format("%Y-%m-%dT%H:%M:%SZ")
        ),
    };
    if !summary.deleted_programs.is_empty() {
        let verb = if summary.dry_run { "would delete" } else { "deleted" };
        text.push_str(&format!("; {verb} {} played program(s)", summary.deleted_programs.len()));
    }
    text
}

fn time_of(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

/// Handles one scheduled event: one channel, or every managed channel.
pub async fn handler(
    state: &State,
    event: LambdaEvent<EventBridgeEvent<serde_json::Value>>,
) -> Result<Report, ScheduleError> {
    let time = event.payload.time.ok_or_else(|| {
        ScheduleError::InvalidEvent(
            "the event has no \"time\"; send the EventBridge scheduled event as is (the horizon starts at its time)"
                .into(),
        )
    })?;
    let detail = Detail::parse(&event.payload.detail).map_err(ScheduleError::InvalidEvent)?;
    let target = state.settings.resolve(detail).map_err(ScheduleError::InvalidEvent)?;
    let limiter = RateLimiter::per_second(state.settings.max_requests_per_second);
    match target {
        Target::Channel(run) => {
            let scheduler = Run { state, run: &run, limiter: &limiter };
            let info = scheduler.describe_channel().await?;
            scheduler.fill(time, &info).await.map(|summary| Report::Channel(Box::new(summary)))
        }
        Target::Managed(base) => managed(state, &base, &limiter, time).await,
    }
}

/// Managed mode: every channel tagged `tailorflow:managed=true`, [`CHANNELS_IN_FLIGHT`] at a
/// time within the one rate limit. One channel's failure never stops the others; the
/// invocation fails only when some channel may succeed on a retry (which then finds the other
/// channels covered and writes nothing for them).
async fn managed(
    state: &State,
    base: &RunBase,
    limiter: &RateLimiter,
    time: DateTime<Utc>,
) -> Result<Report, ScheduleError> {
    let listed = list_channels(&state.clients.mediatailor, limiter).await?;
    let channels_listed = listed.len();
    let managed: Vec<(String, Result<ChannelInfo, ScheduleError>)> = listed
        .into_iter()
        .filter(|(_, info)| {
            info.as_ref().map_or_else(|(tags, _)| channel_tags::is_managed(tags), |i| channel_tags::is_managed(&i.tags))
        })
        .map(|(name, info)| (name, info.map_err(|(_, err)| err)))
        .collect();
    tracing::info!(channels_listed, managed = managed.len(), dry_run = base.dry_run, "managed channels found");
    let mut results: Vec<ChannelResult> = futures::stream::iter(managed)
        .map(|(name, info)| async move {
            let result = match info {
                Ok(info) => managed_channel(state, base, limiter, time, &info).await,
                Err(err) => Err(err),
            };
            match result {
                Ok(summary) => {
                    ChannelResult { channel_name: name, status: "scheduled", summary: Some(summary), error: None }
                }
                Err(err) => {
                    let retryable = err.is_retryable();
                    tracing::error!(channel = %name, error = %err, retryable, "managed channel failed");
                    ChannelResult {
                        channel_name: name,
                        status: "failed",
                        summary: None,
                        error: Some(ChannelError { error_type: err.error_type(), message: err.to_string(), retryable }),
                    }
                }
            }
        })
        .buffer_unordered(CHANNELS_IN_FLIGHT)
        .collect()
        .await;
    results.sort_by(|a, b| a.channel_name.cmp(&b.channel_name));
    let failed = results.iter().filter(|r| r.error.is_some()).count();
    let summary = ManagedSummary {
        event_time: time,
        dry_run: base.dry_run,
        channels_listed,
        scheduled: results.len() - failed,
        failed,
        channels: results,
    };
    tracing::info!(scheduled = summary.scheduled, failed = summary.failed, "managed channels done");
    if summary.channels.iter().any(|r| r.error.as_ref().is_some_and(|e| e.retryable)) {
        let details = summary
            .channels
            .iter()
            .filter_map(|r| r.error.as_ref().map(|e| format!("{}: {}", r.channel_name, e.message)))
            .collect::<Vec<_>>()
            .join("; ");
        return Err(ScheduleError::ChannelsFailed { failed, channels: summary.channels.len(), details });
    }
    Ok(Report::Managed(summary))
}

/// One managed channel: its tags applied to the base, then the same run as a single channel.
async fn managed_channel(
    state: &State,
    base: &RunBase,
    limiter: &RateLimiter,
    time: DateTime<Utc>,
    info: &ChannelInfo,
) -> Result<Summary, ScheduleError> {
    let config_error = |reason: String| ScheduleError::ChannelConfig { channel: info.name.as_str().to_owned(), reason };
    let run = channel_tags::apply(base, &info.tags)
        .and_then(|base| base.for_channel(info.name.clone()))
        .map_err(config_error)?;
    Run { state, run: &run, limiter }.fill(time, info).await
}

/// A listed channel: its name, and what the run needs of it or why it cannot be scheduled (with
/// its tags, to tell whether it is managed at all).
type Listed = (String, Result<ChannelInfo, (BTreeMap<String, String>, ScheduleError)>);

/// Every channel of the account and region (all pages), with its tags.
async fn list_channels(mt: &aws_sdk_mediatailor::Client, limiter: &RateLimiter) -> Result<Vec<Listed>, ScheduleError> {
    let channels = mediatailor::list_channels(mt, limiter).await.map_err(ScheduleError::MediaTailor)?;
    Ok(channels.iter().map(listed).collect())
}

fn listed(channel: &aws_sdk_mediatailor::types::Channel) -> Listed {
    let name = channel.channel_name().to_owned();
    let tags: BTreeMap<String, String> =
        channel.tags().into_iter().flatten().map(|(k, v)| (k.clone(), v.clone())).collect();
    let info = match ChannelName::new(&name) {
        Ok(valid) => {
            let mut info = ChannelInfo::of(valid, channel.playback_mode(), channel.outputs());
            info.tags = tags;
            Ok(info)
        }
        // Made outside tailorflow with a name it cannot send back.
        Err(err) => Err((
            tags,
            ScheduleError::ChannelConfig { channel: name.clone(), reason: format!("its name is not usable: {err}") },
        )),
    };
    (name, info)
}

/// One channel's run: the resolved configuration and the invocation's rate limit.
struct Run<'a> {
    state: &'a State,
    run: &'a RunConfig,
    limiter: &'a RateLimiter,
}

/// A VOD source of the pool and its package configurations, when already known from a list.
type Pool = BTreeMap<VodSourceName, Option<Vec<Package>>>;

impl Run<'_> {
    fn mt(&self) -> &aws_sdk_mediatailor::Client {
        &self.state.clients.mediatailor
    }

    async fn fill(&self, time: DateTime<Utc>, info: &ChannelInfo) -> Result<Summary, ScheduleError> {
        let channel = &self.run.channel;
        let mode = info.mode()?;
        let dry_run = self.run.dry_run;
        // The configured group is the reference; every group the channel plays is still checked.
        let source_groups = planning::source_groups(self.run.source_group.as_deref(), &info.source_groups);
        let entries = self.schedule(mode).await?;
        let tail = planning::schedule_tail(&entries);
        let from_ms = time.timestamp_millis();
        let horizon_ms = self.run.horizon_minutes * 60_000;
        let mut summary = Summary {
            channel_name: channel.as_str().to_owned(),
            playback_mode: info.mode.clone(),
            action: String::new(),
            dry_run,
            event_time: time,
            horizon_end: time_of(from_ms.saturating_add(horizon_ms as i64)),
            scheduled_until_before: tail.ends_at_ms.map(time_of),
            scheduled_until: time_of(tail.ends_at_ms.unwrap_or(from_ms)),
            outcome: PlanOutcome::Covered,
            programs: Vec::new(),
            skipped_vod_sources: Vec::new(),
            deleted_programs: Vec::new(),
        };
        let played = match mode {
            Mode::Linear if self.run.retain_played_hours > 0 => {
                let cutoff = from_ms.saturating_sub((self.run.retain_played_hours * 3_600_000) as i64);
                self.played(&entries, &tail, cutoff).await?
            }
            _ => Vec::new(),
        };
        // LINEAR and covered already: nothing more is read, nothing but played programs written.
        let covered = tail.ends_at_ms.is_some_and(|end| end >= from_ms.saturating_add(horizon_ms as i64));
        if mode == Mode::Linear && covered {
            tracing::info!(
                channel = %channel,
                scheduled_until = %summary.scheduled_until,
                horizon_end = %summary.horizon_end,
                "the horizon is covered; nothing to append"
            );
        } else {
            self.extend(mode, &entries, &tail, from_ms, horizon_ms, &source_groups, &mut summary).await?;
        }
        self.delete_played(played, &mut summary).await?;
        summary.action = describe(mode, &summary);
        tracing::info!(
            channel = %channel,
            mode = %summary.playback_mode,
            dry_run,
            appended = summary.programs.len(),
            deleted = summary.deleted_programs.len(),
            outcome = ?summary.outcome,
            scheduled_until = %summary.scheduled_until,
            action = %summary.action,
            "channel scheduled"
        );
        Ok(summary)
    }

    /// Plans (reading the manifests the plan needs) and appends: to the horizon on LINEAR, the
    /// missing pool members on LOOP.
    #[allow(clippy::too_many_arguments)]
    async fn extend(
        &self,
        mode: Mode,
        entries: &[ScheduledProgram],
        tail: &planning::ScheduleTail,
        from_ms: i64,
        horizon_ms: u64,
        source_groups: &[String],
        summary: &mut Summary,
    ) -> Result<(), ScheduleError> {
        let channel = &self.run.channel;
        let origin = self.origin(&self.run.source_location).await?;
        let slate_ms = self.slate_ms(source_groups).await?;
        let mut pool = self.pool().await?;
        if let Some((location, slate)) = &self.run.slate {
            // The slate fills ad breaks; it is not a program of its own.
            if location == &self.run.source_location {
                pool.remove(slate);
            }
        }
        let names: Vec<VodSourceName> = pool.keys().cloned().collect();
        let members = planning::loop_members(entries);
        let goal = match mode {
            Mode::Linear => Goal::Horizon,
            Mode::Loop => Goal::Loop(&members),
        };
        let mut media: BTreeMap<VodSourceName, MediaStatus> = BTreeMap::new();
        // Each pass reads the one VOD source the planner asks for: at most one pass per source.
        let plan = loop {
            let plan = planning::plan(&PlanRequest {
                channel,
                source_location: &self.run.source_location,
                from_ms,
                horizon_ms,
                max_programs: self.run.max_programs,
                tail,
                pool: &names,
                media: &media,
                policy: &self.run.policy,
                slate_ms,
                goal,
            });
            let PlanOutcome::NeedsMedia(name) = &plan.outcome else { break plan };
            let status = self.source_media(&origin, &mut pool, name, source_groups).await?;
            if let Err(reason) = &status {
                tracing::warn!(channel = %channel, vod_source = %name, %reason, "VOD source cannot be scheduled; skipped");
            }
            media.insert(name.clone(), status);
        };
        summary.outcome = plan.outcome.clone();
        summary.skipped_vod_sources = plan.skipped.clone();
        summary.scheduled_until = time_of(plan.covered_until_ms);
        self.append(&plan.programs, summary).await
    }

    /// The programs that ended before `cutoff_ms`: those the schedule still shows, and those
    /// before its first program, found by walking the chain back through each program's
    /// [`AFTER_TAG`] (ends: the next program's start; starts: minus [`DURATION_TAG`]). The walk
    /// stops at a program that is gone (deleted by an earlier run: everything before it is gone
    /// too), one without the tags (not made by tailorflow), or after [`MAX_RETENTION_STEPS`].
    async fn played(
        &self,
        entries: &[ScheduledProgram],
        tail: &planning::ScheduleTail,
        cutoff_ms: i64,
    ) -> Result<Vec<PlayedProgram>, ScheduleError> {
        let mut played = planning::played_programs(entries, tail, cutoff_ms);
        // Where the walk starts: the first program shown, or the last one played (named by the
        // filler), with its start.
        let first = entries.iter().find(|e| e.is_program).map(|e| (e.program_name.clone(), e.start_ms));
        let (mut name, mut start_ms) = match first {
            Some((name, Some(start))) => (name, start),
            Some((_, None)) => return Ok(played),
            None => match (&tail.last_program, tail.ends_at_ms) {
                (Some(last), Some(ended)) => match self.describe_link(last).await? {
                    Some((_, Some(duration))) => (last.clone(), ended.saturating_sub(duration as i64)),
                    _ => return Ok(played),
                },
                _ => return Ok(played),
            },
        };
        let mut walk = Vec::new();
        for _ in 0..MAX_RETENTION_STEPS {
            let Some((Some(previous), _)) = self.describe_link(&name).await? else { break };
            let Some((_, duration)) = self.describe_link(&previous).await? else { break };
            let ended_at_ms = start_ms;
            if ended_at_ms < cutoff_ms && tail.last_program.as_deref() != Some(previous.as_str()) {
                walk.push(PlayedProgram { program_name: previous.clone(), ended_at_ms });
            }
            let Some(duration) = duration else { break };
            start_ms = ended_at_ms.saturating_sub(duration as i64);
            name = previous;
        }
        // Oldest first, as they played; none twice.
        walk.reverse();
        for program in walk {
            if !played.iter().any(|p| p.program_name == program.program_name) {
                played.push(program);
            }
        }
        Ok(played)
    }

    /// A program's [`AFTER_TAG`] and [`DURATION_TAG`]; `None` when it does not exist.
    async fn describe_link(&self, program: &str) -> Result<Option<(Option<String>, Option<u64>)>, ScheduleError> {
        self.limiter.acquire().await;
        match self.mt().describe_program().channel_name(self.run.channel.as_str()).program_name(program).send().await {
            Ok(out) => {
                let tags = out.tags();
                let after = tags.and_then(|t| t.get(AFTER_TAG)).filter(|v| !v.is_empty()).cloned();
                let duration = tags.and_then(|t| t.get(DURATION_TAG)).and_then(|v| v.parse::<u64>().ok());
                Ok(Some((after, duration)))
            }
            Err(e) => {
                let err = AwsCallError::from_sdk("DescribeProgram", &e);
                if err.class == ErrorClass::NotFound { Ok(None) } else { Err(ScheduleError::MediaTailor(err)) }
            }
        }
    }

    /// Deletes played programs of a LINEAR channel (a dry run only lists them). One that is
    /// already gone counts as deleted.
    async fn delete_played(&self, played: Vec<PlayedProgram>, summary: &mut Summary) -> Result<(), ScheduleError> {
        let channel = self.run.channel.as_str();
        for (deleted, program) in played.into_iter().enumerate() {
            if !self.run.dry_run {
                self.limiter.acquire().await;
                let result =
                    self.mt().delete_program().channel_name(channel).program_name(&program.program_name).send().await;
                if let Err(e) = result {
                    let error = AwsCallError::from_sdk("DeleteProgram", &e);
                    if error.class != ErrorClass::NotFound {
                        tracing::error!(channel, program = %program.program_name, %error, "DeleteProgram failed");
                        return Err(ScheduleError::DeleteProgram {
                            program: program.program_name.clone(),
                            deleted,
                            error,
                        });
                    }
                }
            }
            tracing::info!(
                channel,
                program = %program.program_name,
                ended_at = %time_of(program.ended_at_ms),
                retain_played_hours = self.run.retain_played_hours,
                dry_run = self.run.dry_run,
                "played program deleted"
            );
            summary.deleted_programs.push(program);
        }
        Ok(())
    }

    /// The channel as DescribeChannel gives it.
    async fn describe_channel(&self) -> Result<ChannelInfo, ScheduleError> {
        self.limiter.acquire().await;
        let channel =
            self.mt().describe_channel().channel_name(self.run.channel.as_str()).send().await.map_err(|e| {
                let err = AwsCallError::from_sdk("DescribeChannel", &e);
                if err.class == ErrorClass::NotFound {
                    ScheduleError::ChannelNotFound(self.run.channel.as_str().to_owned())
                } else {
                    ScheduleError::MediaTailor(err)
                }
            })?;
        Ok(ChannelInfo::of(self.run.channel.clone(), channel.playback_mode().unwrap_or_default(), channel.outputs()))
    }

    /// The channel's schedule in play order (all pages), read a little past the horizon.
    async fn schedule(&self, mode: Mode) -> Result<Vec<ScheduledProgram>, ScheduleError> {
        // A loop is read as far as the service answers, to see a whole pass of it.
        let minutes = match mode {
            Mode::Linear => {
                (self.run.horizon_minutes + SCHEDULE_READ_MARGIN_MINUTES).min(settings::MAX_HORIZON_MINUTES)
            }
            Mode::Loop => settings::MAX_HORIZON_MINUTES,
        };
        let channel = self.run.channel.as_str();
        let entries = mediatailor::channel_schedule(self.mt(), self.limiter, channel, minutes)
            .await
            .map_err(ScheduleError::MediaTailor)?
            .ok_or_else(|| ScheduleError::ChannelNotFound(channel.to_owned()))?;
        Ok(entries
            .into_iter()
            .map(|entry| ScheduledProgram {
                is_program: entry.kind == mediatailor::ScheduleEntryKind::Program,
                program_name: entry.program_name,
                vod_source_name: entry.vod_source_name,
                start_ms: entry.start_ms,
                duration_ms: entry.duration_ms,
            })
            .collect())
    }

    /// Where a source location's packages are read from.
    async fn origin(&self, location: &SourceLocationName) -> Result<Origin, ScheduleError> {
        self.limiter.acquire().await;
        let described = mediatailor::describe_source_location(self.mt(), location.as_str())
            .await
            .map_err(ScheduleError::MediaTailor)?
            .ok_or_else(|| ScheduleError::SourceLocationNotFound(location.as_str().to_owned()))?;
        let base_url = described.base_url.as_str();
        origin::parse_base_url(base_url)
            .map_err(|e| ScheduleError::Origin { location: location.as_str().to_owned(), reason: e.to_string() })
    }

    /// The slate's duration, added to a program's duration per ad break; 0 without a slate.
    async fn slate_ms(&self, source_groups: &[String]) -> Result<u64, ScheduleError> {
        let Some((location, vod_source)) = &self.run.slate else {
            if !self.run.policy.is_empty() {
                tracing::warn!("ad breaks without a slate: each break adds no time to the schedule");
            }
            return Ok(0);
        };
        if self.run.policy.is_empty() {
            return Ok(0);
        }
        let slate_error = |reason: String| ScheduleError::Slate {
            location: location.as_str().to_owned(),
            vod_source: vod_source.as_str().to_owned(),
            reason,
        };
        let origin = match self.origin(location).await {
            Ok(origin) => origin,
            Err(ScheduleError::SourceLocationNotFound(_)) => {
                return Err(slate_error("its source location does not exist".into()));
            }
            Err(err) => return Err(err),
        };
        let packages = match self.describe_packages(location, vod_source).await? {
            Some(packages) => packages,
            None => return Err(slate_error("it does not exist".into())),
        };
        // The slate's duration comes from the first of the channel's source groups it has; one
        // it lacks is MediaTailor's to report (it plays what the output can), not a reason to
        // stop filling the schedule.
        let groups: Vec<String> =
            source_groups.iter().filter(|g| packages.iter().any(|p| &p.source_group == *g)).take(1).cloned().collect();
        if groups.is_empty() && !source_groups.is_empty() {
            return Err(slate_error(format!(
                "it has no package for any of the channel's source groups {source_groups:?}"
            )));
        }
        if packages.iter().filter(|p| source_groups.contains(&p.source_group)).count() < source_groups.len() {
            tracing::warn!(
                slate = %vod_source,
                channel_source_groups = ?source_groups,
                "the slate lacks a package for some of the channel's source groups"
            );
        }
        let status =
            media::source_media(&self.state.reader, &origin, &packages, &groups).await.map_err(|e| match e {
                FetchError::Transient(reason) | FetchError::Permanent(reason) => ScheduleError::Manifest(reason),
            })?;
        status.map(|media| media.content_ms).map_err(slate_error)
    }

    /// The pool's VOD sources, with their packages when a list gave them.
    async fn pool(&self) -> Result<Pool, ScheduleError> {
        let filter = match &self.run.pool {
            PoolFilter::Names(names) => return Ok(names.iter().map(|n| (n.clone(), None)).collect()),
            PoolFilter::All => None,
            PoolFilter::Tag(tag) => Some(tag),
        };
        let mt = self.mt();
        let location = self.run.source_location.as_str();
        let listed =
            mediatailor::list_vod_sources(mt, self.limiter, location).await.map_err(|err| match err.class {
                ErrorClass::NotFound => ScheduleError::SourceLocationNotFound(location.to_owned()),
                _ => ScheduleError::MediaTailor(err),
            })?;
        let listed = listed
            .iter()
            .filter(|v| {
                filter.is_none_or(|tag| {
                    tag.matches(v.tags().into_iter().flatten().map(|(k, v)| (k.as_str(), v.as_str())))
                })
            })
            .map(|v| (v.vod_source_name().to_owned(), mediatailor::packages_of(v.http_package_configurations())));
        let mut pool = Pool::new();
        for (name, packages) in listed {
            match VodSourceName::new(&name) {
                Ok(name) => {
                    pool.insert(name, Some(packages));
                }
                // Made outside tailorflow with a name it cannot send back: left alone.
                Err(err) => tracing::warn!(vod_source = %name, error = %err, "VOD source name not usable; skipped"),
            }
        }
        Ok(pool)
    }

    /// A VOD source's package configurations; `None` when it does not exist.
    async fn describe_packages(
        &self,
        location: &SourceLocationName,
        vod_source: &VodSourceName,
    ) -> Result<Option<Vec<Package>>, ScheduleError> {
        self.limiter.acquire().await;
        let described = mediatailor::describe_vod_source(self.mt(), location.as_str(), vod_source.as_str()).await;
        Ok(described.map_err(ScheduleError::MediaTailor)?.map(|v| v.packages))
    }

    /// What a pool member's manifests say, or why it cannot be scheduled.
    async fn source_media(
        &self,
        origin: &Origin,
        pool: &mut Pool,
        name: &VodSourceName,
        source_groups: &[String],
    ) -> Result<MediaStatus, ScheduleError> {
        let packages = match pool.get(name).cloned().flatten() {
            Some(packages) => packages,
            None => match self.describe_packages(&self.run.source_location, name).await? {
                Some(packages) => {
                    pool.insert(name.clone(), Some(packages.clone()));
                    packages
                }
                None => return Ok(Err("it does not exist in the source location".into())),
            },
        };
        media::source_media(&self.state.reader, origin, &packages, source_groups).await.map_err(|e| match e {
            FetchError::Transient(reason) | FetchError::Permanent(reason) => ScheduleError::Manifest(reason),
        })
    }

    /// Creates the planned programs in order; one that already exists counts as appended.
    async fn append(&self, programs: &[PlannedProgram], summary: &mut Summary) -> Result<(), ScheduleError> {
        for (created, program) in programs.iter().enumerate() {
            let request = self.create_request(program)?;
            let already_existed = if self.run.dry_run { false } else { self.create(request, program, created).await? };
            tracing::info!(
                channel = %self.run.channel,
                program = %program.program_name,
                after = program.after_program.as_deref().unwrap_or("(first)"),
                vod_source = %program.vod_source_name,
                ad_breaks = program.ad_breaks.len(),
                unaligned_ad_breaks = program.unaligned_ad_breaks.len(),
                already_existed,
                dry_run = self.run.dry_run,
                "program appended"
            );
            summary.programs.push(ProgramReport {
                program_name: program.program_name.as_str().to_owned(),
                after_program: program.after_program.clone(),
                vod_source_name: program.vod_source_name.as_str().to_owned(),
                approximate_start_time: time_of(program.start_ms),
                duration_seconds: program.duration_ms as f64 / 1000.0,
                ad_breaks: program
                    .ad_breaks
                    .iter()
                    .map(|b| AdBreakReport {
                        requested_offset_millis: b.requested_offset_ms,
                        offset_millis: b.offset_ms,
                    })
                    .collect(),
                unaligned_ad_breaks: program.unaligned_ad_breaks.clone(),
                already_existed,
            });
        }
        Ok(())
    }

    /// Sends one CreateProgram: whether the program already existed.
    async fn create(
        &self,
        request: aws_sdk_mediatailor::operation::create_program::builders::CreateProgramFluentBuilder,
        program: &PlannedProgram,
        created: usize,
    ) -> Result<bool, ScheduleError> {
        self.limiter.acquire().await;
        match request.send().await {
            Ok(_) => Ok(false),
            Err(e) => {
                let error = AwsCallError::from_sdk("CreateProgram", &e);
                if error.class == ErrorClass::Conflict {
                    return Ok(true);
                }
                tracing::error!(channel = %self.run.channel, program = %program.program_name, %error, "CreateProgram failed");
                Err(ScheduleError::CreateProgram { program: program.program_name.as_str().to_owned(), created, error })
            }
        }
    }

    fn create_request(
        &self,
        program: &PlannedProgram,
    ) -> Result<aws_sdk_mediatailor::operation::create_program::builders::CreateProgramFluentBuilder, ScheduleError>
    {
        let mut transition = Transition::builder().relative_position(RelativePosition::AfterProgram);
        transition = match program.absolute_start_ms {
            // After a gap: at the time planned from, placed after the last program played.
            Some(at) => transition.r#type("ABSOLUTE").scheduled_start_time_millis(at),
            None => transition.r#type("RELATIVE"),
        };
        if let Some(previous) = &program.after_program {
            transition = transition.relative_program(previous);
        }
        let slate = self.run.slate.as_ref().map(|(location, vod_source)| {
            SlateSource::builder().source_location_name(location.as_str()).vod_source_name(vod_source.as_str()).build()
        });
        let ad_breaks: Vec<AdBreak> = program
            .ad_breaks
            .iter()
            .map(|b| {
                AdBreak::builder()
                    .message_type(MessageType::SpliceInsert)
                    .offset_millis(i64::try_from(b.offset_ms).unwrap_or(i64::MAX))
                    .set_slate(slate.clone())
                    .splice_insert_message(
                        SpliceInsertMessage::builder()
                            .avail_num(i32::from(b.avail_num))
                            .avails_expected(i32::from(b.avails_expected))
                            .splice_event_id(b.splice_event_id)
                            .unique_program_id(0)
                            .build(),
                    )
                    .build()
            })
            .collect();
        let transition = transition
            .build()
            .map_err(|e| ScheduleError::Request(format!("the transition of {}: {e}", program.program_name)))?;
        let schedule = ScheduleConfiguration::builder().transition(transition).build();
        let mut tags = std::collections::HashMap::from([(DURATION_TAG.to_owned(), program.duration_ms.to_string())]);
        if let Some(previous) = &program.after_program {
            tags.insert(AFTER_TAG.to_owned(), previous.clone());
        }
        Ok(self
            .mt()
            .create_program()
            .channel_name(self.run.channel.as_str())
            .program_name(program.program_name.as_str())
            .source_location_name(self.run.source_location.as_str())
            .vod_source_name(program.vod_source_name.as_str())
            .schedule_configuration(schedule)
            .set_ad_breaks((!ad_breaks.is_empty()).then_some(ad_breaks))
            .set_tags(Some(tags)))
    }
}
