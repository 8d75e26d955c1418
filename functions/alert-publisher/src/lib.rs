//! alert-publisher: on a schedule, polls MediaTailor's `ListAlerts` for every channel and source
//! location (and, optionally, VOD source) and publishes each alert of the run's window to
//! EventBridge, once, losing none.
//!
//! The window comes from the scheduled event's own `time` (see `crate::alerts`), so a
//! retry or a dead-letter redrive publishes the same set. An event that cannot be delivered
//! after bounded retries fails the invocation, so Lambda retries it and then dead-letters it.
//!
//! # Layout
//! - this file: [`Settings`], [`State`], the [`handler`], listing resources and their alerts,
//!   and sending batches through `tailorflow_shared::aws::eventbridge`.
//! - [`alerts`]: the run's window, alert ids, event entries and batches (pure).

pub mod alerts;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration as StdDuration;

use crate::alerts::{Alert, AlertWindow, EventEntry, ResourceKind};
use aws_lambda_events::event::eventbridge::EventBridgeEvent;
use chrono::{DateTime, Duration, Utc};
use futures::StreamExt;
use lambda_runtime::{Diagnostic, LambdaEvent};
use serde::Serialize;
use tailorflow_shared::aws::eventbridge::{self, EntryResult, Event};
use tailorflow_shared::aws::mediatailor;
use tailorflow_shared::rate::RateLimiter;
use tailorflow_shared::{AwsCallError, AwsClients, ClientSettings, ConfigError, EnvReader, ErrorClass};

/// The function's settings, from the environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// `EVENT_BUS_NAME` (required): where alerts are published.
    pub event_bus_name: String,
    /// `POLL_INTERVAL_MINUTES` (default 5): the schedule's rate and the window's width.
    pub poll_interval: Duration,
    /// `ALERT_LAG_SECONDS` (default 60): how far behind the event time the window ends.
    pub lag: Duration,
    /// `LOOKBACK_MINUTES` (default 0): widens the window's start, to publish open alerts.
    pub lookback: Duration,
    /// `INCLUDE_VOD_SOURCES` (default false): also poll every VOD source.
    pub include_vod_sources: bool,
    /// `CONCURRENCY` (default 8): ListAlerts calls in flight at once.
    pub concurrency: usize,
    /// `MAX_REQUESTS_PER_SECOND` (default 8): below MediaTailor's control-plane quota.
    pub max_requests_per_second: u32,
    /// `EVENT_SOURCE` (default `tailorflow.mediatailor`).
    pub event_source: String,
    /// `EVENT_DETAIL_TYPE` (default `MediaTailor Alert`).
    pub detail_type: String,
    /// `PUT_EVENTS_MAX_ATTEMPTS` (default 5): attempts for entries that come back failed.
    pub put_events_attempts: u32,
    /// SDK retries and timeouts.
    pub clients: ClientSettings,
}

impl Settings {
    /// Reads the settings, listing every problem at once.
    pub fn read(mut env: EnvReader) -> Result<Self, ConfigError> {
        let event_bus_name = env.required::<String>("EVENT_BUS_NAME");
        let poll = env.number_in("POLL_INTERVAL_MINUTES", 5, 1, 1440);
        let lag = env.number_in("ALERT_LAG_SECONDS", 60, 0, 3600);
        let lookback = env.number_in("LOOKBACK_MINUTES", 0, 0, 10_080);
        let include_vod_sources = env.flag("INCLUDE_VOD_SOURCES", false);
        let concurrency = env.number_in("CONCURRENCY", 8, 1, 64);
        let rate = env.number_in("MAX_REQUESTS_PER_SECOND", 8, 1, 100);
        let event_source = env.optional_or("EVENT_SOURCE", "tailorflow.mediatailor".to_owned());
        let detail_type = env.optional_or("EVENT_DETAIL_TYPE", "MediaTailor Alert".to_owned());
        let attempts = env.number_in("PUT_EVENTS_MAX_ATTEMPTS", 5, 1, 10);
        let clients = ClientSettings::read(&mut env);
        let minutes = |m: u64| Duration::minutes(m as i64);
        env.finish(move || {
            Some(Self {
                event_bus_name: event_bus_name?,
                poll_interval: minutes(poll?),
                lag: Duration::seconds(lag? as i64),
                lookback: minutes(lookback?),
                include_vod_sources: include_vod_sources?,
                concurrency: concurrency? as usize,
                max_requests_per_second: rate? as u32,
                event_source: event_source?,
                detail_type: detail_type?,
                put_events_attempts: attempts? as u32,
                clients: clients?,
            })
        })
    }
}

/// What every invocation borrows: built once per execution environment.
#[derive(Debug)]
pub struct State {
    /// The AWS SDK clients.
    pub clients: AwsClients,
    /// The settings.
    pub settings: Settings,
}

impl State {
    /// State from ready clients and settings.
    pub fn new(clients: AwsClients, settings: Settings) -> Self {
        Self { clients, settings }
    }

    /// The run's rate limit, shared by every MediaTailor call of the run.
    fn limiter(&self) -> RateLimiter {
        RateLimiter::per_second(self.settings.max_requests_per_second)
    }

    /// Reads the configuration from the environment and builds the clients.
    pub async fn from_env() -> Result<Self, ConfigError> {
        let settings = Settings::read(EnvReader::from_process())?;
        let clients = AwsClients::load(&settings.clients).await;
        Ok(Self::new(clients, settings))
    }
}

/// Why an invocation failed. Lambda retries it, then sends it to the dead-letter queue.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    /// The scheduled event carries no `time`.
    #[error(
        "the scheduled event has no \"time\"; send the EventBridge Scheduled Event as is (the window is computed from its time)"
    )]
    MissingTime,
    /// Listing channels, source locations or VOD sources failed after the SDK's retries.
    #[error("cannot list MediaTailor resources: {0}; the run will be retried")]
    Enumerate(AwsCallError),
    /// ListAlerts was throttled or failed transiently for some resources after the SDK's retries
    /// (404s are skipped, not counted here); nothing was published.
    #[error(
        "ListAlerts failed for {count} resource(s) with a transient error, first {first}; nothing was published, the retry publishes the window once"
    )]
    PollTransient {
        /// How many resources failed.
        count: usize,
        /// The first failure.
        first: AwsCallError,
    },
    /// ListAlerts failed for some resources in a way a retry will not fix (e.g. access denied);
    /// the other resources' alerts were published.
    #[error(
        "ListAlerts failed for {count} resource(s), first {first}; alerts of the others were published, check the function's permissions"
    )]
    Poll {
        /// How many resources failed.
        count: usize,
        /// The first failure.
        first: AwsCallError,
    },
    /// Some events could not be delivered after every attempt.
    #[error("{count} alert event(s) were not delivered to EventBridge ({reason}); the run will be retried")]
    Undelivered {
        /// How many.
        count: usize,
        /// Why, e.g. the entries' error codes or the call's error.
        reason: String,
    },
    /// An alert's event is larger than PutEvents allows.
    #[error(transparent)]
    TooLarge(#[from] alerts::EntryTooLarge),
}

impl From<PublishError> for Diagnostic {
    fn from(err: PublishError) -> Self {
        let error_type = match &err {
            PublishError::MissingTime => "InvalidEvent",
            PublishError::Enumerate(_) => "EnumerateFailed",
            PublishError::PollTransient { .. } => "ListAlertsUnavailable",
            PublishError::Poll { .. } => "ListAlertsFailed",
            PublishError::Undelivered { .. } => "PutEventsFailed",
            PublishError::TooLarge(_) => "EventTooLarge",
        };
        Diagnostic { error_type: error_type.into(), error_message: err.to_string() }
    }
}

/// A resource to poll.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Resource {
    /// Its kind.
    pub kind: ResourceKind,
    /// Its ARN.
    pub arn: String,
}

/// What polling found.
#[derive(Debug, Default)]
pub struct Polled {
    /// Every alert seen, in resource order.
    pub alerts: Vec<Alert>,
    /// Resources that no longer exist (404), skipped.
    pub vanished: Vec<String>,
    /// Resources whose ListAlerts failed otherwise.
    pub failed: Vec<(String, AwsCallError)>,
}

/// The run's report, returned by the handler.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    /// The window of LastModifiedTime published.
    pub window: AlertWindow,
    /// Resources polled, per kind.
    pub resources_scanned: BTreeMap<ResourceKind, usize>,
    /// Alerts ListAlerts answered, duplicates included.
    pub alerts_seen: usize,
    /// Alerts published.
    pub published: usize,
    /// Alerts outside the window.
    pub skipped_outside_window: usize,
    /// The same alert seen through two resources.
    pub skipped_duplicates: usize,
    /// Resources skipped because they were deleted mid-run.
    pub vanished_resources: Vec<String>,
    /// Published alerts per resource kind.
    pub published_by_kind: BTreeMap<ResourceKind, usize>,
}

/// Handles one scheduled event.
pub async fn handler(
    state: &State,
    event: LambdaEvent<EventBridgeEvent<serde_json::Value>>,
) -> Result<Summary, PublishError> {
    let settings = &state.settings;
    // The window comes from the event's own time, never the clock, so replays publish the same set.
    let time = event.payload.time.ok_or(PublishError::MissingTime)?;
    let window = AlertWindow::for_run(time, settings.poll_interval, settings.lag, settings.lookback);
    tracing::info!(window_start = %window.start, window_end = %window.end, "polling MediaTailor alerts");
    // One limiter paces the whole run: listing and polling alike.
    let limiter = state.limiter();
    let resources = enumerate_paced(state, &limiter).await.map_err(PublishError::Enumerate)?;
    let polled = poll_paced(state, &limiter, &resources).await;
    for (arn, err) in &polled.failed {
        tracing::error!(resource = %arn, error = %err, "ListAlerts failed after the SDK's retries; the run will fail");
    }
    // A transient failure (throttling, a 5xx) will pass on the retry: publish nothing now, so
    // the retry publishes the whole window once instead of repeating what this run sent.
    let transient: Vec<&AwsCallError> = polled.failed.iter().map(|(_, e)| e).filter(|e| e.is_retryable()).collect();
    if let Some(first) = transient.first() {
        return Err(PublishError::PollTransient { count: transient.len(), first: (*first).clone() });
    }
    // A permanent failure (access denied, say) would hold the window back on every retry:
    // publish what was read, then fail so the failure is seen; the retry repeats the published
    // alerts, which consumers drop by AlertId.
    let mut summary = publish(state, window, &resources, &polled).await?;
    summary.vanished_resources = polled.vanished.clone();
    if let Some((_, first)) = polled.failed.first() {
        return Err(PublishError::Poll { count: polled.failed.len(), first: first.clone() });
    }
    tracing::info!(
        published = summary.published,
        seen = summary.alerts_seen,
        outside_window = summary.skipped_outside_window,
        duplicates = summary.skipped_duplicates,
        vanished = summary.vanished_resources.len(),
        "alerts published"
    );
    Ok(summary)
}

/// Every channel and source location (all pages), and their VOD sources when configured.
pub async fn enumerate(state: &State) -> Result<Vec<Resource>, AwsCallError> {
    enumerate_paced(state, &state.limiter()).await
}

async fn enumerate_paced(state: &State, limiter: &RateLimiter) -> Result<Vec<Resource>, AwsCallError> {
    let mt = &state.clients.mediatailor;
    let channels = mediatailor::list_channels(mt, limiter).await?;
    let mut resources: Vec<Resource> =
        channels.iter().map(|c| Resource { kind: ResourceKind::Channel, arn: c.arn().to_owned() }).collect();
    let locations = mediatailor::list_source_locations(mt, limiter).await?;
    resources
        .extend(locations.iter().map(|l| Resource { kind: ResourceKind::SourceLocation, arn: l.arn().to_owned() }));
    if state.settings.include_vod_sources {
        for name in locations.iter().map(|l| l.source_location_name()) {
            match mediatailor::list_vod_sources(mt, limiter, name).await {
                Ok(sources) => resources.extend(
                    sources.iter().map(|v| Resource { kind: ResourceKind::VodSource, arn: v.arn().to_owned() }),
                ),
                // Deleted since it was listed: it has no VOD sources left to poll.
                Err(err) if err.class == ErrorClass::NotFound => {
                    tracing::info!(source_location = %name, "source location vanished before its VOD sources were listed; skipped");
                }
                Err(err) => return Err(err),
            }
        }
    }
    Ok(resources)
}

/// ListAlerts (all pages) for each resource, with bounded concurrency and the rate limit.
pub async fn poll(state: &State, resources: &[Resource]) -> Polled {
    poll_paced(state, &state.limiter(), resources).await
}

async fn poll_paced(state: &State, limiter: &RateLimiter, resources: &[Resource]) -> Polled {
    let results: Vec<(usize, Result<Vec<Alert>, AwsCallError>)> = futures::stream::iter(resources.iter().enumerate())
        .map(|(index, resource)| async move { (index, list_alerts(state, limiter, &resource.arn).await) })
        .buffer_unordered(state.settings.concurrency)
        .collect()
        .await;
    let mut by_index: BTreeMap<usize, Result<Vec<Alert>, AwsCallError>> = results.into_iter().collect();
    let mut polled = Polled::default();
    for (index, resource) in resources.iter().enumerate() {
        match by_index.remove(&index) {
            Some(Ok(alerts)) => polled.alerts.extend(alerts),
            Some(Err(err)) if err.class == ErrorClass::NotFound => {
                tracing::info!(resource = %resource.arn, "resource vanished before its alerts were read; skipped");
                polled.vanished.push(resource.arn.clone());
            }
            Some(Err(err)) => polled.failed.push((resource.arn.clone(), err)),
            None => {}
        }
    }
    polled
}

async fn list_alerts(state: &State, limiter: &RateLimiter, arn: &str) -> Result<Vec<Alert>, AwsCallError> {
    let items = mediatailor::list_alerts(&state.clients.mediatailor, limiter, arn).await?;
    Ok(items.iter().map(alert_of).collect())
}

fn alert_of(item: &aws_sdk_mediatailor::types::Alert) -> Alert {
    let time = item.last_modified_time();
    Alert {
        alert_code: item.alert_code().to_owned(),
        alert_message: item.alert_message().to_owned(),
        // Out of chrono's range means decades away: outside every window.
        last_modified_time: DateTime::<Utc>::from_timestamp(time.secs(), time.subsec_nanos()).unwrap_or_default(),
        resource_arn: item.resource_arn().to_owned(),
        related_resource_arns: item.related_resource_arns().to_vec(),
    }
}

/// Publishes the window's alerts, each once, retrying entries that come back failed.
///
/// Every batch is tried even when an earlier one kept failed entries, so one bad entry delays
/// no other alert; only a whole call that still fails after every attempt (EventBridge itself
/// refusing) stops the rest, which would fail the same way. Anything undelivered fails the run.
pub async fn publish(
    state: &State,
    window: AlertWindow,
    resources: &[Resource],
    polled: &Polled,
) -> Result<Summary, PublishError> {
    let settings = &state.settings;
    let mut summary = Summary {
        window,
        resources_scanned: BTreeMap::new(),
        alerts_seen: polled.alerts.len(),
        published: 0,
        skipped_outside_window: 0,
        skipped_duplicates: 0,
        vanished_resources: Vec::new(),
        published_by_kind: BTreeMap::new(),
    };
    for resource in resources {
        *summary.resources_scanned.entry(resource.kind).or_default() += 1;
    }
    let mut seen = BTreeSet::new();
    let mut chosen = Vec::new();
    for alert in &polled.alerts {
        if !window.contains(alert.last_modified_time) {
            summary.skipped_outside_window += 1;
        } else if !seen.insert(alert.alert_id()) {
            summary.skipped_duplicates += 1;
        } else {
            chosen.push(alert.clone());
        }
    }
    // A stable order: the same run always sends the same calls.
    chosen.sort_by_key(|a| (a.last_modified_time, a.alert_id()));
    let mut entries = Vec::with_capacity(chosen.len());
    for alert in &chosen {
        let detail = alert.detail();
        *summary.published_by_kind.entry(detail.resource_kind).or_default() += 1;
        let event = Event {
            source: settings.event_source.clone(),
            detail_type: settings.detail_type.clone(),
            detail: serde_json::to_string(&detail).unwrap_or_default(),
            resources: vec![alert.resource_arn.clone()],
            time: Some(alert.last_modified_time),
        };
        entries.push(EventEntry { event, alert_id: detail.alert_id });
    }
    let mut undelivered = 0;
    let mut reason: Option<String> = None;
    // An entry PutEvents can never accept must not hold back the others: set it aside, report it.
    let (entries, oversized): (Vec<_>, Vec<_>) =
        entries.into_iter().partition(|e| e.size() <= alerts::MAX_BYTES_PER_CALL);
    for entry in oversized {
        let err = alerts::EntryTooLarge { size: entry.size(), alert_id: entry.alert_id };
        tracing::error!(alert_id = %err.alert_id, size = err.size, "alert event over PutEvents' size limit; not sent");
        undelivered += 1;
        reason.get_or_insert_with(|| err.to_string());
    }
    let mut batches = alerts::batches(entries)?.into_iter();
    while let Some(batch) = batches.next() {
        let outcome = send_batch(state, batch).await;
        summary.published += outcome.delivered;
        if outcome.undelivered > 0 {
            undelivered += outcome.undelivered;
            reason.get_or_insert(outcome.reason);
        }
        if outcome.call_failed {
            let rest: usize = batches.by_ref().map(|b| b.len()).sum();
            if rest > 0 {
                tracing::error!(not_sent = rest, "PutEvents keeps failing; the remaining batches were not sent");
            }
            undelivered += rest;
        }
    }
    if undelivered > 0 {
        return Err(PublishError::Undelivered { count: undelivered, reason: reason.unwrap_or_default() });
    }
    Ok(summary)
}

/// What became of one batch.
struct BatchOutcome {
    /// Entries EventBridge accepted.
    delivered: usize,
    /// Entries still failed after every attempt.
    undelivered: usize,
    /// The last failure's reason.
    reason: String,
    /// The last attempt failed as a whole call (not entry by entry).
    call_failed: bool,
}

/// Sends one batch; entries that come back failed are sent again with backoff.
async fn send_batch(state: &State, mut pending: Vec<EventEntry>) -> BatchOutcome {
    let settings = &state.settings;
    let total = pending.len();
    let mut attempt = 0;
    let mut reason = String::new();
    let mut call_failed = false;
    while !pending.is_empty() && attempt < settings.put_events_attempts {
        if attempt > 0 {
            // 100 ms, 200 ms, 400 ms, ... between attempts.
            tokio::time::sleep(StdDuration::from_millis(100 << (attempt - 1).min(6))).await;
        }
        attempt += 1;
        let events: Vec<Event> = pending.iter().map(|e| e.event.clone()).collect();
        match eventbridge::put_events(&state.clients.eventbridge, &settings.event_bus_name, &events).await {
            Ok(results) => {
                call_failed = false;
                let mut still = Vec::new();
                for (entry, result) in pending.into_iter().zip(results) {
                    if let EntryResult::Failed(why) = result {
                        reason = why;
                        still.push(entry);
                    }
                }
                if !still.is_empty() {
                    tracing::warn!(failed = still.len(), attempt, reason = %reason, "PutEvents entries failed; retrying them");
                }
                pending = still;
            }
            Err(err) => {
                reason = err.to_string();
                call_failed = true;
                tracing::warn!(attempt, error = %err, "PutEvents failed");
                if !err.is_retryable() {
                    break;
                }
            }
        }
    }
    if !pending.is_empty() {
        let ids: Vec<&str> = pending.iter().map(|e| e.alert_id.as_str()).collect();
        tracing::error!(undelivered = pending.len(), alert_ids = ?ids, reason = %reason, "alerts not delivered");
    }
    BatchOutcome { delivered: total - pending.len(), undelivered: pending.len(), reason, call_failed }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_defaults_and_overrides() {
        let settings = Settings::read(EnvReader::from_pairs([("EVENT_BUS_NAME", "alerts")])).unwrap();
        assert_eq!(settings.poll_interval, Duration::minutes(5));
        assert_eq!(settings.lag, Duration::seconds(60));
        assert_eq!(settings.lookback, Duration::zero());
        assert!(!settings.include_vod_sources);
        assert_eq!((settings.concurrency, settings.max_requests_per_second), (8, 8));
        assert_eq!(settings.event_source, "tailorflow.mediatailor");
        assert_eq!(settings.detail_type, "MediaTailor Alert");

        let settings = Settings::read(EnvReader::from_pairs([
            ("EVENT_BUS_NAME", "alerts"),
            ("POLL_INTERVAL_MINUTES", "15"),
            ("LOOKBACK_MINUTES", "1440"),
            ("INCLUDE_VOD_SOURCES", "true"),
        ]))
        .unwrap();
        assert_eq!(settings.poll_interval, Duration::minutes(15));
        assert_eq!(settings.lookback, Duration::days(1));
        assert!(settings.include_vod_sources);
    }

    #[test]
    fn lists_every_configuration_problem() {
        let err = Settings::read(EnvReader::from_pairs([
            ("POLL_INTERVAL_MINUTES", "0"),
            ("CONCURRENCY", "many"),
            ("INCLUDE_VOD_SOURCES", "sometimes"),
        ]))
        .unwrap_err();
        let variables: Vec<_> = err.issues.iter().map(|i| i.variable.as_str()).collect();
        assert_eq!(variables, ["EVENT_BUS_NAME", "POLL_INTERVAL_MINUTES", "INCLUDE_VOD_SOURCES", "CONCURRENCY"]);
    }
}
