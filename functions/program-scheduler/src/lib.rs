//! program-scheduler: a scheduled event keeps a channel's schedule filled, with ad breaks on
//! segment boundaries.
//!
//! Each run reads the channel's schedule, and when less than the horizon is scheduled past the
//! event's time, appends programs RELATIVE after the last one, taking the pool's VOD sources in
//! turn. Every ad break is moved onto a segment boundary read from the VOD source's manifests; a
//! break that no boundary fits is reported, not created. Program names derive from the chain, so
//! a retried, replayed or concurrent run creates nothing twice and never forks the chain (the
//! planning itself is [`crate::planning`]).
//!
//! # Layout
//! - this file: [`State`] (clients and settings, built once), the [`handler`] and the calls it
//!   makes to MediaTailor for one run.
//! - [`settings`]: environment variables and the event's `detail` overrides, into one run's
//!   configuration.
//! - [`planning`]: which programs and ad breaks to append, names, boundary snapping (pure).
//! - [`media`]: a VOD source's manifests read through its source location (S3 or HTTP) into
//!   segment timelines.

pub mod media;
pub mod planning;
pub mod settings;

use std::collections::BTreeMap;

use crate::planning::{MediaStatus, PlanOutcome, PlanRequest, PlannedProgram, ScheduledProgram, SkippedSource};
use aws_lambda_events::event::eventbridge::EventBridgeEvent;
use aws_sdk_mediatailor::types::{
    AdBreak, MessageType, RelativePosition, ScheduleConfiguration, SlateSource, SpliceInsertMessage, Transition,
};
use chrono::{DateTime, Utc};
use lambda_runtime::{Diagnostic, LambdaEvent};
use serde::Serialize;
use tailorflow_shared::aws::mediatailor;
use tailorflow_shared::origin::{self, Origin};
use tailorflow_shared::pages::all_pages;
use tailorflow_shared::rate::RateLimiter;
use tailorflow_shared::{
    AwsCallError, AwsClients, ConfigError, EnvReader, ErrorClass, SourceLocationName, VodSourceName,
};

use crate::media::{FetchError, OriginReader, Package};
use crate::settings::{Detail, PoolFilter, RunConfig, Settings};

/// How far past the horizon the schedule is read: the event's time may trail the clock by a
/// little, and a schedule read short of its true end would hide the real last program.
const SCHEDULE_READ_MARGIN_MINUTES: u64 = 60;

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
}

impl From<ScheduleError> for Diagnostic {
    fn from(err: ScheduleError) -> Self {
        let error_type = match &err {
            ScheduleError::InvalidEvent(_) => "InvalidEvent",
            ScheduleError::ChannelNotFound(_) => "ChannelNotFound",
            ScheduleError::SourceLocationNotFound(_) => "SourceLocationNotFound",
            ScheduleError::Origin { .. } => "InvalidSourceLocation",
            ScheduleError::Slate { .. } => "InvalidSlate",
            ScheduleError::MediaTailor(_) => "MediaTailorFailed",
            ScheduleError::Manifest(_) => "ManifestUnavailable",
            ScheduleError::Request(_) => "InternalError",
            ScheduleError::CreateProgram { .. } => "CreateProgramFailed",
        };
        Diagnostic { error_type: error_type.into(), error_message: err.to_string() }
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

/// The run's report, returned by the handler.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    /// The channel.
    pub channel_name: String,
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
}

fn time_of(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

/// Handles one scheduled event.
pub async fn handler(
    state: &State,
    event: LambdaEvent<EventBridgeEvent<serde_json::Value>>,
) -> Result<Summary, ScheduleError> {
    let time = event.payload.time.ok_or_else(|| {
        ScheduleError::InvalidEvent(
            "the event has no \"time\"; send the EventBridge scheduled event as is (the horizon starts at its time)"
                .into(),
        )
    })?;
    let detail = Detail::parse(&event.payload.detail).map_err(ScheduleError::InvalidEvent)?;
    let run = state.settings.resolve(detail).map_err(ScheduleError::InvalidEvent)?;
    let limiter = RateLimiter::per_second(state.settings.max_requests_per_second);
    let scheduler = Run { state, run: &run, limiter };
    scheduler.fill(time).await
}

/// One run: the resolved configuration and the run's rate limit.
struct Run<'a> {
    state: &'a State,
    run: &'a RunConfig,
    limiter: RateLimiter,
}

/// A VOD source of the pool and its package configurations, when already known from a list.
type Pool = BTreeMap<VodSourceName, Option<Vec<Package>>>;

impl Run<'_> {
    fn mt(&self) -> &aws_sdk_mediatailor::Client {
        &self.state.clients.mediatailor
    }

    async fn fill(&self, time: DateTime<Utc>) -> Result<Summary, ScheduleError> {
        let channel = &self.run.channel;
        let source_groups = self.source_groups().await?;
        let entries = self.schedule().await?;
        let tail = planning::schedule_tail(&entries);
        let from_ms = time.timestamp_millis();
        let horizon_ms = self.run.horizon_minutes * 60_000;
        let mut summary = Summary {
            channel_name: channel.as_str().to_owned(),
            event_time: time,
            horizon_end: time_of(from_ms.saturating_add(horizon_ms as i64)),
            scheduled_until_before: tail.ends_at_ms.map(time_of),
            scheduled_until: time_of(tail.ends_at_ms.unwrap_or(from_ms)),
            outcome: PlanOutcome::Covered,
            programs: Vec::new(),
            skipped_vod_sources: Vec::new(),
        };
        // Covered already: nothing more is read, nothing is written.
        if tail.ends_at_ms.is_some_and(|end| end >= from_ms.saturating_add(horizon_ms as i64)) {
            tracing::info!(
                channel = %channel,
                scheduled_until = %summary.scheduled_until,
                horizon_end = %summary.horizon_end,
                "the horizon is covered; nothing to append"
            );
            return Ok(summary);
        }
        let origin = self.origin(&self.run.source_location).await?;
        let slate_ms = self.slate_ms(&source_groups).await?;
        let mut pool = self.pool().await?;
        if let Some((location, slate)) = &self.run.slate {
            // The slate fills ad breaks; it is not a program of its own.
            if location == &self.run.source_location {
                pool.remove(slate);
            }
        }
        let names: Vec<VodSourceName> = pool.keys().cloned().collect();
        let mut media: BTreeMap<VodSourceName, MediaStatus> = BTreeMap::new();
        // Each pass reads the one VOD source the planner asks for: at most one pass per source.
        let plan = loop {
            let plan = planning::plan(&PlanRequest {
                channel,
                source_location: &self.run.source_location,
                from_ms,
                horizon_ms,
                max_programs: self.run.max_programs,
                tail: &tail,
                pool: &names,
                media: &media,
                policy: &self.run.policy,
                slate_ms,
            });
            let PlanOutcome::NeedsMedia(name) = &plan.outcome else { break plan };
            let status = self.source_media(&origin, &mut pool, name, &source_groups).await?;
            if let Err(reason) = &status {
                tracing::warn!(vod_source = %name, %reason, "VOD source cannot be scheduled; skipped");
            }
            media.insert(name.clone(), status);
        };
        summary.outcome = plan.outcome.clone();
        summary.skipped_vod_sources = plan.skipped.clone();
        summary.scheduled_until = time_of(plan.covered_until_ms);
        self.append(&plan.programs, &mut summary).await?;
        tracing::info!(
            channel = %channel,
            appended = summary.programs.len(),
            outcome = ?summary.outcome,
            scheduled_until = %summary.scheduled_until,
            horizon_end = %summary.horizon_end,
            "schedule filled"
        );
        Ok(summary)
    }

    /// The source groups whose manifests decide a program's duration and boundaries: the
    /// configured one, else those of the channel's outputs.
    async fn source_groups(&self) -> Result<Vec<String>, ScheduleError> {
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
        if let Some(group) = &self.run.source_group {
            return Ok(vec![group.clone()]);
        }
        let mut groups: Vec<String> = Vec::new();
        for output in channel.outputs() {
            let group = output.source_group().to_owned();
            if !group.is_empty() && !groups.contains(&group) {
                groups.push(group);
            }
        }
        Ok(groups)
    }

    /// The channel's schedule in play order (all pages), read a little past the horizon.
    async fn schedule(&self) -> Result<Vec<ScheduledProgram>, ScheduleError> {
        let minutes = (self.run.horizon_minutes + SCHEDULE_READ_MARGIN_MINUTES).min(settings::MAX_HORIZON_MINUTES);
        let mt = self.mt();
        let channel = self.run.channel.as_str();
        all_pages(&self.limiter, |token| async move {
            let page = mt
                .get_channel_schedule()
                .channel_name(channel)
                .duration_minutes(minutes.to_string())
                .set_next_token(token)
                .send()
                .await
                .map_err(|e| AwsCallError::from_sdk("GetChannelSchedule", &e))?;
            let entries = page
                .items()
                .iter()
                .map(|entry| ScheduledProgram {
                    program_name: entry.program_name().to_owned(),
                    vod_source_name: entry.vod_source_name().map(str::to_owned),
                    start_ms: entry
                        .approximate_start_time()
                        .map(|t| t.secs() * 1000 + i64::from(t.subsec_nanos() / 1_000_000)),
                    duration_ms: u64::try_from(entry.approximate_duration_seconds().unwrap_or_default())
                        .unwrap_or_default()
                        .saturating_mul(1000),
                })
                .collect();
            Ok((entries, page.next_token().map(str::to_owned)))
        })
        .await
        .map_err(|err| match err.class {
            ErrorClass::NotFound => ScheduleError::ChannelNotFound(channel.to_owned()),
            _ => ScheduleError::MediaTailor(err),
        })
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
        let listed = all_pages(&self.limiter, |token| async move {
            let page = mt
                .list_vod_sources()
                .source_location_name(location)
                .set_next_token(token)
                .send()
                .await
                .map_err(|e| AwsCallError::from_sdk("ListVodSources", &e))?;
            let items = page
                .items()
                .iter()
                .filter(|v| {
                    filter.is_none_or(|tag| {
                        tag.matches(v.tags().into_iter().flatten().map(|(k, v)| (k.as_str(), v.as_str())))
                    })
                })
                .map(|v| (v.vod_source_name().to_owned(), mediatailor::packages_of(v.http_package_configurations())))
                .collect::<Vec<_>>();
            Ok((items, page.next_token().map(str::to_owned)))
        })
        .await
        .map_err(|err| match err.class {
            ErrorClass::NotFound => ScheduleError::SourceLocationNotFound(location.to_owned()),
            _ => ScheduleError::MediaTailor(err),
        })?;
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
            self.limiter.acquire().await;
            let already_existed = match request.send().await {
                Ok(_) => false,
                Err(e) => {
                    let error = AwsCallError::from_sdk("CreateProgram", &e);
                    if error.class != ErrorClass::Conflict {
                        tracing::error!(program = %program.program_name, %error, "CreateProgram failed");
                        return Err(ScheduleError::CreateProgram {
                            program: program.program_name.as_str().to_owned(),
                            created,
                            error,
                        });
                    }
                    true
                }
            };
            tracing::info!(
                program = %program.program_name,
                after = program.after_program.as_deref().unwrap_or("(first)"),
                vod_source = %program.vod_source_name,
                ad_breaks = program.ad_breaks.len(),
                unaligned_ad_breaks = program.unaligned_ad_breaks.len(),
                already_existed,
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

    fn create_request(
        &self,
        program: &PlannedProgram,
    ) -> Result<aws_sdk_mediatailor::operation::create_program::builders::CreateProgramFluentBuilder, ScheduleError>
    {
        let mut transition = Transition::builder().r#type("RELATIVE").relative_position(RelativePosition::AfterProgram);
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
        Ok(self
            .mt()
            .create_program()
            .channel_name(self.run.channel.as_str())
            .program_name(program.program_name.as_str())
            .source_location_name(self.run.source_location.as_str())
            .vod_source_name(program.vod_source_name.as_str())
            .schedule_configuration(schedule)
            .set_ad_breaks((!ad_breaks.is_empty()).then_some(ad_breaks)))
    }
}
