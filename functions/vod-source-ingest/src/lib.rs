//! vod-source-ingest: an HLS or DASH package that lands in S3 becomes a MediaTailor VOD source,
//! exactly once.
//!
//! Accepts S3 event notifications directly, wrapped in SQS (answering an `SqsBatchResponse` that
//! names only the messages to retry) and S3 events delivered through EventBridge. Only entry
//! manifests count: an `.m3u8` that is a multivariant playlist, or an `.mpd`. The HLS and DASH
//! packages of one asset become one VOD source with two package configurations. Every write is
//! verified by reading it back, because MediaTailor has no conditional update: two deliveries
//! at once (the same one twice, or the HLS and DASH manifests of one asset) end with every
//! package present and nothing duplicated.
//!
//! # Layout
//! - this file: [`State`], the [`handler`] (one record at a time, `CONCURRENCY` at once), the
//!   summary and the errors.
//! - [`events`]: the S3, SQS and EventBridge shapes, typed, into object changes (pure).
//! - [`keys`]: an S3 key into a VOD source name and package; merging packages (pure).
//! - [`settings`]: the environment variables.
//! - `vod_source`: the writes to MediaTailor, each read back.

pub mod events;
pub mod keys;
pub mod settings;
mod vod_source;

use std::collections::BTreeSet;

use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use futures::StreamExt;
use lambda_runtime::{Diagnostic, LambdaEvent};
use serde::Serialize;
use serde_json::Value;
use tailorflow_shared::manifest::ManifestKind;
use tailorflow_shared::{AwsCallError, AwsClients, ConfigError, EnvReader};
use tokio::sync::Mutex;

pub use crate::events::{IngestEvent, ObjectChange, object_changes};
use crate::keys::{KeyError, Package, PackageType};
pub use crate::settings::Settings;

/// What every invocation borrows: built once per execution environment.
#[derive(Debug)]
pub struct State {
    /// The AWS SDK clients.
    pub clients: AwsClients,
    /// The settings.
    pub settings: Settings,
}

impl State {
    /// Reads the configuration from the environment and builds the clients.
    pub async fn from_env() -> Result<Self, ConfigError> {
        let settings = Settings::read(EnvReader::from_process())?;
        let clients = AwsClients::load(&settings.clients).await;
        Ok(Self { clients, settings })
    }
}

/// What happened to one object change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// A VOD source was created.
    Created,
    /// A VOD source got this package (added or replaced), or lost it on removal.
    Updated,
    /// The VOD source already was as the event asks.
    Unchanged,
    /// The VOD source was deleted (its last package was removed).
    Deleted,
    /// Not an entry manifest, or nothing to do; why.
    Ignored(String),
}

/// Why one object change failed.
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
}

impl RecordError {
    /// Whether a retry may succeed (throttling, faults, contention); otherwise it is permanent.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Call(err) => err.is_retryable(),
            Self::Contended(_) => true,
            Self::Key(_) | Self::NoSourceLocation(_) => false,
        }
    }
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
    fn record(&mut self, change: &ObjectChange, result: &Result<Outcome, RecordError>) {
        let key = keys::decode_key(&change.raw_key).unwrap_or_else(|_| change.raw_key.clone());
        match result {
            Ok(Outcome::Created) => self.created.push(key),
            Ok(Outcome::Updated) => self.updated.push(key),
            Ok(Outcome::Unchanged) => self.unchanged.push(key),
            Ok(Outcome::Deleted) => self.deleted.push(key),
            Ok(Outcome::Ignored(reason)) => self.ignored.push(KeyNote { key, reason: reason.clone() }),
            Err(err) => self.failed.push(KeyNote { key, reason: err.to_string() }),
        }
    }
}

/// Why an invocation failed: Lambda retries it, then dead-letters it.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// The payload is none of the accepted shapes.
    #[error("unrecognised event: {0}; send an S3 notification, an SQS message of one, or an EventBridge S3 event")]
    Unrecognised(String),
    /// Some records failed in a way a retry may fix; the others were processed.
    #[error("{count} record(s) failed and will be retried, first: {first}")]
    Retry {
        /// How many.
        count: usize,
        /// The first failure.
        first: String,
    },
}

impl From<IngestError> for Diagnostic {
    fn from(err: IngestError) -> Self {
        let error_type = match err {
            IngestError::Unrecognised(_) => "UnrecognisedEvent",
            IngestError::Retry { .. } => "RetryableFailure",
        };
        Diagnostic { error_type: error_type.into(), error_message: err.to_string() }
    }
}

/// Handles one invocation: an S3 notification, an SQS batch of them, or an EventBridge S3 event.
pub async fn handler(state: &State, event: LambdaEvent<IngestEvent>) -> Result<Value, IngestError> {
    let run = Run::default();
    if let IngestEvent::Sqs(batch) = &event.payload {
        let response = handle_sqs(state, &run, batch).await;
        log_summary(&run.summary.into_inner());
        return serde_json::to_value(response).map_err(|e| IngestError::Unrecognised(e.to_string()));
    }
    let changes = event.payload.object_changes().map_err(IngestError::Unrecognised)?;
    let retryable: Vec<String> = run.process_all(state, &changes).await.into_iter().flatten().collect();
    let summary = run.summary.into_inner();
    log_summary(&summary);
    if let Some(first) = retryable.first() {
        return Err(IngestError::Retry { count: retryable.len(), first: first.clone() });
    }
    serde_json::to_value(summary).map_err(|e| IngestError::Unrecognised(e.to_string()))
}

fn log_summary(summary: &Summary) {
    tracing::info!(
        created = summary.created.len(),
        updated = summary.updated.len(),
        unchanged = summary.unchanged.len(),
        deleted = summary.deleted.len(),
        ignored = summary.ignored.len(),
        failed = summary.failed.len(),
        "ingest done"
    );
}

async fn handle_sqs(state: &State, run: &Run, batch: &SqsEvent) -> SqsBatchResponse {
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
    let outcomes = run.process_all(state, &changes).await;
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

/// One invocation's state: the summary, and source locations already known to exist.
#[derive(Default)]
struct Run {
    summary: Mutex<Summary>,
    known_locations: Mutex<BTreeSet<String>>,
}

impl Run {
    /// Processes changes, up to `CONCURRENCY` at once; for each change, in order, why it should
    /// be retried (`None` when it is done, or failed for good and was reported).
    async fn process_all(&self, state: &State, changes: &[ObjectChange]) -> Vec<Option<String>> {
        let results: Vec<Result<Outcome, RecordError>> = futures::stream::iter(changes)
            .map(|change| self.process(state, change))
            .buffered(state.settings.concurrency)
            .collect()
            .await;
        let mut summary = self.summary.lock().await;
        changes
            .iter()
            .zip(results)
            .map(|(change, result)| {
                let retry = match &result {
                    Ok(outcome) => {
                        tracing::info!(bucket = %change.bucket, key = %change.raw_key, ?outcome, "object processed");
                        None
                    }
                    Err(err) => {
                        tracing::error!(bucket = %change.bucket, key = %change.raw_key, error = %err, retryable = err.is_retryable(), "object failed");
                        err.is_retryable().then(|| format!("{}: {err}", change.raw_key))
                    }
                };
                summary.record(change, &result);
                retry
            })
            .collect()
    }

    async fn process(&self, state: &State, change: &ObjectChange) -> Result<Outcome, RecordError> {
        let settings = &state.settings;
        let key = keys::decode_key(&change.raw_key)?;
        let Some(kind) = PackageType::from_key(&key) else {
            tracing::debug!(%key, "not a manifest; ignored");
            return Ok(Outcome::Ignored("not an .m3u8 or .mpd manifest".into()));
        };
        if change.removed && !settings.delete_on_remove {
            return Ok(Outcome::Ignored("removal ignored: DELETE_ON_REMOVE is off".into()));
        }
        let path = keys::relative_path(&key, &settings.key_prefix)?;
        let name = keys::vod_source_name(&path, settings.name_from)?;
        let package = Package { kind, source_group: settings.source_group(kind).to_owned(), path };
        if change.removed {
            return vod_source::remove_package(state, name.as_str(), &package).await;
        }
        if kind == PackageType::Hls {
            match vod_source::sniff(state, &change.bucket, &key).await? {
                Some(ManifestKind::HlsMultivariant) => {}
                Some(ManifestKind::HlsMedia) => {
                    return Ok(Outcome::Ignored("an HLS media playlist, not a multivariant one".into()));
                }
                _ => return Ok(Outcome::Ignored("not an HLS playlist, or the object no longer exists".into())),
            }
        }
        self.ensure_source_location(state, &change.bucket).await?;
        let tags = keys::provenance_tags(&change.bucket, kind, &key, change.etag.as_deref());
        vod_source::upsert(state, name.as_str(), &package, &tags).await
    }

    async fn ensure_source_location(&self, state: &State, bucket: &str) -> Result<(), RecordError> {
        let name = state.settings.source_location.as_str();
        if self.known_locations.lock().await.contains(name) {
            return Ok(());
        }
        vod_source::ensure_source_location(state, bucket).await?;
        self.known_locations.lock().await.insert(name.to_owned());
        Ok(())
    }
}
