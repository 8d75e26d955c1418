//! vod-source-ingest: every asset's VOD source is what S3 holds, even when deliveries race.
//!
//! Level-triggered: an S3 event (directly, wrapped in SQS, or through EventBridge) only names an
//! asset, the folder that holds the package folders. The function reads the asset's truth (its
//! entry manifests present in S3 now, listed and sniffed) and makes the VOD source equal to it,
//! then reads both again until they agree (see [`reconcile`] for why the last writer always
//! converges). The HLS and DASH packages of one asset are one VOD source, named from the
//! asset's path under `KEY_PREFIX`; a VOD source tagged as another asset's is never overwritten.
//! A `{"Backfill": {...}}` invocation does the same for every asset under a prefix, paced, and
//! stops before the deadline with `NextStartAfter`. `DRY_RUN` reports and changes nothing.
//!
//! # Layout
//!
//! - [`events`]: the invocation's shapes, typed (S3, SQS, EventBridge, Backfill); pure.
//! - [`keys`]: a key's asset, the asset's VOD source name, provenance tags; pure.
//! - [`plan`]: an asset's truth from sniffed objects, and the decision against the VOD source; pure.
//! - [`reconcile`]: the convergence loop over S3 and MediaTailor (the shared adapters).
//! - [`backfill`]: every asset under a prefix, paced, resumable.
//! - [`settings`]: the environment.

pub mod backfill;
pub mod events;
pub mod keys;
pub mod plan;
pub mod reconcile;
pub mod settings;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use futures::StreamExt;
use lambda_runtime::{Diagnostic, LambdaEvent};
use serde::Serialize;
use serde_json::Value;
use tailorflow_shared::rate::RateLimiter;
use tailorflow_shared::{AwsCallError, AwsClients, ConfigError, EnvReader};
use tokio::sync::Mutex;

pub use crate::events::{Backfill, IngestEvent, ObjectChange, object_changes};
use crate::keys::{Asset, KeyError, Package, PackageType};
use crate::plan::{Decision, Sniffed};
pub use crate::settings::Settings;

/// What every invocation borrows: built once per execution environment.
#[derive(Debug)]
pub struct State {
    /// The AWS SDK clients.
    pub clients: AwsClients,
    /// The settings.
    pub settings: Settings,
    /// VOD sources this execution environment last saw exist: a hint only, so that a
    /// redelivery reads the VOD source instead of trying to create it; never trusted for a write.
    seen: std::sync::Mutex<BTreeSet<String>>,
}

/// How many names [`State`] remembers before it forgets them all.
const MAX_SEEN: usize = 10_000;

impl State {
    /// The state of an execution environment.
    pub fn new(clients: AwsClients, settings: Settings) -> Self {
        Self { clients, settings, seen: std::sync::Mutex::new(BTreeSet::new()) }
    }

    /// Reads the configuration from the environment and builds the clients.
    pub async fn from_env() -> Result<Self, ConfigError> {
        let settings = Settings::read(EnvReader::from_process())?;
        let clients = AwsClients::load(&settings.clients).await;
        Ok(Self::new(clients, settings))
    }

    /// Whether the VOD source was last seen to exist.
    pub(crate) fn seen(&self, name: &str) -> bool {
        self.seen.lock().is_ok_and(|seen| seen.contains(name))
    }

    /// Remembers whether the VOD source exists.
    pub(crate) fn remember(&self, name: &str, exists: bool) {
        if let Ok(mut seen) = self.seen.lock() {
            if !exists {
                seen.remove(name);
                return;
            }
            if seen.len() >= MAX_SEEN {
                seen.clear();
            }
            seen.insert(name.to_owned());
        }
    }
}

/// What happened to an asset's VOD source (or, in a dry run, would happen).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// A VOD source was created.
    Created,
    /// A VOD source's packages or provenance tags changed.
    Updated,
    /// The VOD source already was what S3 holds.
    Unchanged,
    /// The VOD source was deleted (no entry manifest left, `DELETE_ON_REMOVE`).
    Deleted,
    /// Not an entry manifest, or nothing to do; why.
    Ignored(String),
}

/// Why one asset (or key) failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordError {
    /// The key itself cannot be ingested: reported, never retried.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// A call failed.
    #[error(transparent)]
    Call(#[from] AwsCallError),
    /// The source location is missing and may not be created.
    #[error("source location {0} does not exist; create it or set AUTO_CREATE_SOURCE_LOCATION=true")]
    NoSourceLocation(String),
    /// Concurrent writers kept changing the VOD source.
    #[error("VOD source {0} kept changing under concurrent deliveries; the event will be retried")]
    Contended(String),
    /// The VOD source of that name belongs to another asset: never overwritten.
    #[error(
        "conflict: VOD source {vod_source} exists but is not asset {asset}'s ({why}); it is left as it is: rename the folder, or delete or retag the VOD source"
    )]
    Conflict {
        /// The VOD source.
        vod_source: String,
        /// The asset's folder.
        asset: String,
        /// Whose it is.
        why: String,
    },
    /// The asset folder holds more objects than one invocation lists.
    #[error("the asset folder {0} holds over 50,000 objects; split it")]
    TooLarge(String),
}

impl RecordError {
    /// Whether a retry may succeed (throttling, faults, contention); otherwise it is permanent.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Call(err) => err.is_retryable(),
            Self::Contended(_) => true,
            Self::Key(_) | Self::NoSourceLocation(_) | Self::Conflict { .. } | Self::TooLarge(_) => false,
        }
    }
}

/// A change made to a VOD source, or in a dry run one that would be made.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Change {
    /// The VOD source.
    pub vod_source: String,
    /// The asset folder.
    pub asset: String,
    /// `create`, `update`, `tag` or `delete`.
    pub action: &'static str,
    /// The packages it has after the change (none for `tag` and `delete`).
    pub packages: Vec<Package>,
    /// Whether it was only planned.
    pub dry_run: bool,
}

/// The run's report.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Summary {
    /// Keys that created a VOD source.
    pub created: Vec<String>,
    /// Keys that changed a VOD source.
    pub updated: Vec<String>,
    /// Keys whose VOD source already matched.
    pub unchanged: Vec<String>,
    /// Keys whose removal deleted a VOD source.
    pub deleted: Vec<String>,
    /// Keys ignored, with why.
    pub ignored: Vec<KeyNote>,
    /// Keys that failed, with why.
    pub failed: Vec<KeyNote>,
    /// Keys whose VOD source name belongs to another asset, with whose.
    pub conflicts: Vec<KeyNote>,
    /// Every change made, or with `dryRun` every change that would be made.
    pub changes: Vec<Change>,
    /// Whether nothing was changed (`DRY_RUN`, or `DryRun` of a backfill).
    #[serde(rename = "dryRun")]
    pub dry_run: bool,
}

/// A key and a reason.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct KeyNote {
    /// The key (decoded when it could be).
    pub key: String,
    /// Why.
    pub reason: String,
}

impl Summary {
    fn record(&mut self, key: String, result: &Result<Outcome, RecordError>) {
        match result {
            Ok(Outcome::Created) => self.created.push(key),
            Ok(Outcome::Updated) => self.updated.push(key),
            Ok(Outcome::Unchanged) => self.unchanged.push(key),
            Ok(Outcome::Deleted) => self.deleted.push(key),
            Ok(Outcome::Ignored(reason)) => self.ignored.push(KeyNote { key, reason: reason.clone() }),
            Err(err @ RecordError::Conflict { .. }) => self.conflicts.push(KeyNote { key, reason: err.to_string() }),
            Err(err) => self.failed.push(KeyNote { key, reason: err.to_string() }),
        }
    }
}

/// Why an invocation failed: Lambda retries it, then dead-letters it.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// The payload is none of the accepted shapes.
    #[error(
        "unrecognised event: {0}; send an S3 notification, an SQS message of one, an EventBridge S3 event, or {{\"Backfill\": {{\"Prefix\": ...}}}}"
    )]
    Unrecognised(String),
    /// Some records failed in a way a retry may fix; the others were processed.
    #[error("{count} record(s) failed and will be retried, first: {first}")]
    Retry {
        /// How many.
        count: usize,
        /// The first failure.
        first: String,
    },
    /// A backfill names no bucket, or a prefix outside `KEY_PREFIX`.
    #[error("backfill refused: {0}")]
    Backfill(String),
}

impl From<IngestError> for Diagnostic {
    fn from(err: IngestError) -> Self {
        let error_type = match err {
            IngestError::Unrecognised(_) => "UnrecognisedEvent",
            IngestError::Retry { .. } => "RetryableFailure",
            IngestError::Backfill(_) => "InvalidBackfill",
        };
        Diagnostic { error_type: error_type.into(), error_message: err.to_string() }
    }
}

/// Handles one invocation: an S3 notification, an SQS batch of them, an EventBridge S3 event, or
/// a backfill.
pub async fn handler(state: &State, event: LambdaEvent<IngestEvent>) -> Result<Value, IngestError> {
    let to_json = |value: Result<Value, serde_json::Error>| value.map_err(|e| IngestError::Unrecognised(e.to_string()));
    match &event.payload {
        IngestEvent::Backfill(request) => {
            let result = backfill::run(state, request, event.context.deadline).await?;
            return to_json(serde_json::to_value(result));
        }
        IngestEvent::Sqs(batch) => {
            let run = Run::new(state, state.settings.dry_run, None);
            let response = handle_sqs(&run, batch).await;
            log_summary(&run.into_summary().await);
            return to_json(serde_json::to_value(response));
        }
        _ => {}
    }
    let changes = event.payload.object_changes().map_err(IngestError::Unrecognised)?;
    let run = Run::new(state, state.settings.dry_run, None);
    let retryable: Vec<String> = run.process_all(&changes).await.into_iter().flatten().collect();
    let summary = run.into_summary().await;
    log_summary(&summary);
    if let Some(first) = retryable.first() {
        return Err(IngestError::Retry { count: retryable.len(), first: first.clone() });
    }
    to_json(serde_json::to_value(summary))
}

fn log_summary(summary: &Summary) {
    tracing::info!(
        created = summary.created.len(),
        updated = summary.updated.len(),
        unchanged = summary.unchanged.len(),
        deleted = summary.deleted.len(),
        ignored = summary.ignored.len(),
        failed = summary.failed.len(),
        conflicts = summary.conflicts.len(),
        dry_run = summary.dry_run,
        "ingest done"
    );
}

async fn handle_sqs(run: &Run<'_>, batch: &SqsEvent) -> SqsBatchResponse {
    // Every message's changes, each with the index of the message it came from.
    let mut ids = Vec::with_capacity(batch.records.len());
    let mut changes = Vec::new();
    for message in &batch.records {
        let id = message.message_id.clone().unwrap_or_default();
        let body = message.body.as_deref().unwrap_or_default();
        let parsed = serde_json::from_str::<Value>(body)
            .map_err(|e| format!("the body is not JSON: {e}"))
            .and_then(|inner| IngestEvent::from(inner).object_changes());
        match parsed {
            Ok(parsed) => changes.extend(parsed.into_iter().map(|change| (ids.len(), change))),
            Err(reason) => {
                // A body that is not an S3 event will never become one: report it, do not retry.
                tracing::error!(message_id = %id, %reason, "SQS message is not an S3 event; dropped");
                run.summary.lock().await.failed.push(KeyNote { key: format!("sqs:{id}"), reason });
            }
        }
        ids.push(id);
    }
    let (messages, changes): (Vec<usize>, Vec<ObjectChange>) = changes.into_iter().unzip();
    let outcomes = run.process_all(&changes).await;
    // A message is retried when any of its records failed in a way a retry may fix; the
    // others are done and leave the queue.
    let failed: BTreeSet<usize> =
        messages.iter().zip(&outcomes).filter(|(_, retry)| retry.is_some()).map(|(message, _)| *message).collect();
    let mut response = SqsBatchResponse::default();
    for message in failed {
        let mut failure = BatchItemFailure::default();
        failure.item_identifier = ids[message].clone();
        response.batch_item_failures.push(failure);
    }
    response
}

/// What a sniffed candidate is cached by: bucket, key, ETag, size, modification time.
type SniffKey = (String, String, Option<String>, u64, Option<String>);

/// One invocation's state: the summary, its pace, and what it already sniffed.
pub(crate) struct Run<'a> {
    pub(crate) state: &'a State,
    pub(crate) dry_run: bool,
    limiter: Option<RateLimiter>,
    pub(crate) summary: Mutex<Summary>,
    pub(crate) sniffs: Mutex<HashMap<SniffKey, (Sniffed, Option<String>)>>,
}

/// What one object change asks for.
enum Job {
    /// Reconcile this asset.
    Asset(Asset),
    /// Nothing to reconcile: this result.
    Done(Result<Outcome, RecordError>),
}

impl<'a> Run<'a> {
    pub(crate) fn new(state: &'a State, dry_run: bool, limiter: Option<RateLimiter>) -> Self {
        let summary = Summary { dry_run, ..Summary::default() };
        Self { state, dry_run, limiter, summary: Mutex::new(summary), sniffs: Mutex::new(HashMap::new()) }
    }

    /// Waits for the next call's turn when the run is paced.
    pub(crate) async fn pace(&self) {
        if let Some(limiter) = &self.limiter {
            limiter.acquire().await;
        }
    }

    pub(crate) async fn record_change(&self, name: &str, asset: &Asset, decision: &Decision) {
        if let Some(change) = reconcile::change_of(name, asset, decision, self.dry_run) {
            self.summary.lock().await.changes.push(change);
        }
    }

    pub(crate) async fn into_summary(self) -> Summary {
        self.summary.into_inner()
    }

    /// What a change asks for: its asset, or a result without any call.
    fn job(&self, change: &ObjectChange) -> Job {
        let settings = &self.state.settings;
        let key = match keys::decode_key(&change.raw_key) {
            Ok(key) => key,
            Err(err) => return Job::Done(Err(err.into())),
        };
        if PackageType::from_key(&key).is_none() {
            return Job::Done(Ok(Outcome::Ignored("not an .m3u8 or .mpd manifest".into())));
        }
        if change.removed && !settings.delete_on_remove {
            return Job::Done(Ok(Outcome::Ignored("removal ignored: DELETE_ON_REMOVE is off".into())));
        }
        match keys::asset_of(&change.bucket, &key, &settings.key_prefix) {
            Ok(asset) => Job::Asset(asset),
            Err(err @ KeyError::InsidePackage { .. }) => Job::Done(Ok(Outcome::Ignored(err.to_string()))),
            Err(err) => Job::Done(Err(err.into())),
        }
    }

    /// Reconciles the assets the changes name, each once, up to `CONCURRENCY` at once; for each
    /// change, in order, why it should be retried (`None` when it is done, or failed for good
    /// and was reported).
    async fn process_all(&self, changes: &[ObjectChange]) -> Vec<Option<String>> {
        let jobs: Vec<Job> = changes.iter().map(|change| self.job(change)).collect();
        let assets = reconcile::distinct(jobs.iter().filter_map(|job| match job {
            Job::Asset(asset) => Some(asset.clone()),
            Job::Done(_) => None,
        }));
        let results: Vec<Result<reconcile::Reconciled, RecordError>> = futures::stream::iter(&assets)
            .map(|asset| reconcile::reconcile(self, asset))
            .buffered(self.state.settings.concurrency)
            .collect()
            .await;
        let by_asset: BTreeMap<&Asset, &Result<reconcile::Reconciled, RecordError>> =
            assets.iter().zip(&results).collect();
        let mut summary = self.summary.lock().await;
        changes
            .iter()
            .zip(jobs)
            .map(|(change, job)| {
                let key = keys::decode_key(&change.raw_key).unwrap_or_else(|_| change.raw_key.clone());
                let result = match job {
                    Job::Done(result) => result,
                    Job::Asset(asset) => match by_asset.get(&asset) {
                        Some(Ok(reconciled)) => Ok(match reconciled.notes.get(&key) {
                            Some(why) => Outcome::Ignored(why.clone()),
                            None => reconciled.outcome.clone(),
                        }),
                        Some(Err(err)) => Err(err.clone()),
                        None => Err(RecordError::Contended(asset.folder.clone())),
                    },
                };
                let retry = match &result {
                    Ok(outcome) => {
                        tracing::info!(bucket = %change.bucket, %key, ?outcome, "object processed");
                        None
                    }
                    Err(err) => {
                        tracing::error!(bucket = %change.bucket, %key, error = %err, retryable = err.is_retryable(), "object failed");
                        err.is_retryable().then(|| format!("{}: {err}", change.raw_key))
                    }
                };
                summary.record(key, &result);
                retry
            })
            .collect()
    }
}
