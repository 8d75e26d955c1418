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

use std::collections::{BTreeMap, BTreeSet};

use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse};
use aws_sdk_mediatailor::types::{AccessConfiguration, AccessType, HttpConfiguration, HttpPackageConfiguration, Type};
use futures::StreamExt;
use lambda_runtime::{Diagnostic, LambdaEvent};
use serde::Serialize;
use serde_json::Value;
use tailorflow_shared::ingest::{self, KeyError, Merge, NameFrom, Package, PackageType, Removal};
use tailorflow_shared::manifest::{self, ManifestKind, SNIFF_BYTES};
use tailorflow_shared::{
    AwsCallError, AwsClients, ClientSettings, ConfigError, EnvReader, ErrorClass, SourceLocationName,
};
use tokio::sync::Mutex;

/// How many times a write is retried when a concurrent delivery changed the VOD source under it.
const MAX_WRITE_ROUNDS: usize = 5;

/// The function's settings, from the environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// `SOURCE_LOCATION_NAME` (required): where VOD sources are created.
    pub source_location: SourceLocationName,
    /// `KEY_PREFIX` (default empty): only keys under it are ingested; stripped from paths.
    pub key_prefix: String,
    /// `NAME_FROM` (`folder` or `key`, default `folder`).
    pub name_from: NameFrom,
    /// `HLS_SOURCE_GROUP` (default `hls`).
    pub hls_source_group: String,
    /// `DASH_SOURCE_GROUP` (default `dash`).
    pub dash_source_group: String,
    /// `AUTO_CREATE_SOURCE_LOCATION` (default false): create a missing source location for the bucket.
    pub auto_create_source_location: bool,
    /// `DELETE_ON_REMOVE` (default false): a removed manifest removes its package configuration.
    pub delete_on_remove: bool,
    /// `AWS_REGION` (set by Lambda): the region of auto-created source locations' BaseUrl.
    pub region: String,
    /// `CONCURRENCY` (default 4): records processed at once within an invocation.
    pub concurrency: usize,
    /// SDK retries and timeouts.
    pub clients: ClientSettings,
}

impl Settings {
    /// Reads the settings, listing every problem at once.
    pub fn read(mut env: EnvReader) -> Result<Self, ConfigError> {
        let source_location = env.required::<SourceLocationName>("SOURCE_LOCATION_NAME");
        let key_prefix = env.optional_or("KEY_PREFIX", String::new());
        let name_from = env.optional_or("NAME_FROM", NameFrom::Folder);
        let hls = env.optional_or("HLS_SOURCE_GROUP", "hls".to_owned());
        let dash = env.optional_or("DASH_SOURCE_GROUP", "dash".to_owned());
        let auto_create = env.flag("AUTO_CREATE_SOURCE_LOCATION", false);
        let delete_on_remove = env.flag("DELETE_ON_REMOVE", false);
        let region = env.optional_or("AWS_REGION", "us-east-1".to_owned());
        let concurrency = env.number_in("CONCURRENCY", 4, 1, 32);
        let clients = ClientSettings::read(&mut env);
        env.finish(move || {
            Some(Self {
                source_location: source_location?,
                key_prefix: key_prefix?,
                name_from: name_from?,
                hls_source_group: hls?,
                dash_source_group: dash?,
                auto_create_source_location: auto_create?,
                delete_on_remove: delete_on_remove?,
                region: region?,
                concurrency: usize::try_from(concurrency?).ok()?,
                clients: clients?,
            })
        })
    }

    fn source_group(&self, kind: PackageType) -> &str {
        match kind {
            PackageType::Hls => &self.hls_source_group,
            PackageType::Dash => &self.dash_source_group,
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
}

impl State {
    /// Reads the configuration from the environment and builds the clients.
    pub async fn from_env() -> Result<Self, ConfigError> {
        let settings = Settings::read(EnvReader::from_process())?;
        let clients = AwsClients::load(&settings.clients).await;
        Ok(Self { clients, settings })
    }
}

/// One object change from any of the three event shapes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectChange {
    /// The bucket.
    pub bucket: String,
    /// The key as received (URL-encoded).
    pub raw_key: String,
    /// The object's ETag, when created.
    pub etag: Option<String>,
    /// Whether the object was removed rather than created.
    pub removed: bool,
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
        let key = ingest::decode_key(&change.raw_key).unwrap_or_else(|_| change.raw_key.clone());
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

/// The object changes an S3 notification or an EventBridge S3 event carries (none for a test
/// event). `Err` when the payload is neither.
pub fn object_changes(payload: &Value) -> Result<Vec<ObjectChange>, String> {
    if payload.get("Event").and_then(Value::as_str) == Some("s3:TestEvent") {
        return Ok(Vec::new());
    }
    if payload.get("source").and_then(Value::as_str) == Some("aws.s3") {
        let detail_type = payload.get("detail-type").and_then(Value::as_str).unwrap_or_default();
        let detail = payload.get("detail").ok_or("an EventBridge S3 event without detail")?;
        let bucket = detail.pointer("/bucket/name").and_then(Value::as_str).ok_or("detail.bucket.name is missing")?;
        let key = detail.pointer("/object/key").and_then(Value::as_str).ok_or("detail.object.key is missing")?;
        return Ok(vec![ObjectChange {
            bucket: bucket.to_owned(),
            raw_key: key.to_owned(),
            etag: detail.pointer("/object/etag").and_then(Value::as_str).map(str::to_owned),
            removed: detail_type == "Object Deleted",
        }]);
    }
    let records = payload.get("Records").and_then(Value::as_array).ok_or("no Records and no EventBridge source")?;
    // S3 never sends a notification without a record: an empty list is a forged or broken event,
    // reported as such rather than answered as a successful run that did nothing.
    if records.is_empty() {
        return Err("Records is empty; an S3 notification carries at least one record".into());
    }
    records
        .iter()
        .enumerate()
        .map(|(i, record)| {
            let field = |pointer: &str| {
                record
                    .pointer(pointer)
                    .and_then(Value::as_str)
                    .ok_or_else(|| format!("Records[{i}]{pointer} is missing"))
            };
            if field("/eventSource")? != "aws:s3" {
                return Err(format!("Records[{i}].eventSource is not aws:s3"));
            }
            Ok(ObjectChange {
                bucket: field("/s3/bucket/name")?.to_owned(),
                raw_key: field("/s3/object/key")?.to_owned(),
                etag: record.pointer("/s3/object/eTag").and_then(Value::as_str).map(str::to_owned),
                removed: field("/eventName")?.starts_with("ObjectRemoved"),
            })
        })
        .collect()
}

/// Handles one invocation: an S3 notification, an SQS batch of them, or an EventBridge S3 event.
pub async fn handler(state: &State, event: LambdaEvent<Value>) -> Result<Value, IngestError> {
    let payload = event.payload;
    let is_sqs =
        payload.pointer("/Records/0/eventSource").and_then(Value::as_str).is_some_and(|source| source == "aws:sqs");
    let run = Run::default();
    if is_sqs {
        let response = handle_sqs(state, &run, &payload).await?;
        log_summary(&run.summary.into_inner());
        return serde_json::to_value(response).map_err(|e| IngestError::Unrecognised(e.to_string()));
    }
    let changes = object_changes(&payload).map_err(IngestError::Unrecognised)?;
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

async fn handle_sqs(state: &State, run: &Run, payload: &Value) -> Result<SqsBatchResponse, IngestError> {
    let records = payload.get("Records").and_then(Value::as_array).cloned().unwrap_or_default();
    // Every message's changes, each with the index of the message it came from.
    let mut ids = Vec::with_capacity(records.len());
    let mut changes = Vec::new();
    for record in records {
        let id = record.get("messageId").and_then(Value::as_str).unwrap_or_default().to_owned();
        let body = record.get("body").and_then(Value::as_str).unwrap_or_default();
        match serde_json::from_str::<Value>(body)
            .map_err(|e| format!("the body is not JSON: {e}"))
            .and_then(|v| object_changes(&v))
        {
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
    Ok(response)
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
        let key = ingest::decode_key(&change.raw_key)?;
        let Some(kind) = PackageType::from_key(&key) else {
            tracing::debug!(%key, "not a manifest; ignored");
            return Ok(Outcome::Ignored("not an .m3u8 or .mpd manifest".into()));
        };
        if change.removed && !settings.delete_on_remove {
            return Ok(Outcome::Ignored("removal ignored: DELETE_ON_REMOVE is off".into()));
        }
        let path = ingest::relative_path(&key, &settings.key_prefix)?;
        let name = ingest::vod_source_name(&path, settings.name_from)?;
        let package = Package { kind, source_group: settings.source_group(kind).to_owned(), path };
        if change.removed {
            return remove_package(state, name.as_str(), &package).await;
        }
        if kind == PackageType::Hls {
            match sniff(state, &change.bucket, &key).await? {
                Some(ManifestKind::HlsMultivariant) => {}
                Some(ManifestKind::HlsMedia) => {
                    return Ok(Outcome::Ignored("an HLS media playlist, not a multivariant one".into()));
                }
                _ => return Ok(Outcome::Ignored("not an HLS playlist, or the object no longer exists".into())),
            }
        }
        self.ensure_source_location(state, &change.bucket).await?;
        let tags = ingest::provenance_tags(&change.bucket, kind, &key, change.etag.as_deref());
        upsert(state, name.as_str(), &package, &tags).await
    }

    async fn ensure_source_location(&self, state: &State, bucket: &str) -> Result<(), RecordError> {
        let settings = &state.settings;
        let name = settings.source_location.as_str();
        if self.known_locations.lock().await.contains(name) {
            return Ok(());
        }
        let mt = &state.clients.mediatailor;
        match mt.describe_source_location().source_location_name(name).send().await {
            Ok(_) => {}
            Err(e) => {
                let err = AwsCallError::from_sdk("DescribeSourceLocation", &e);
                if err.class != ErrorClass::NotFound {
                    return Err(err.into());
                }
                if !settings.auto_create_source_location {
                    return Err(RecordError::NoSourceLocation(name.to_owned()));
                }
                let base = tailorflow_shared::origin::s3_virtual_hosted_base_url(bucket, &settings.region);
                let base_url = tailorflow_shared::origin::join(&base, &settings.key_prefix);
                let created = mt
                    .create_source_location()
                    .source_location_name(name)
                    .http_configuration(HttpConfiguration::builder().base_url(&base_url).build().map_err(build_error)?)
                    .access_configuration(AccessConfiguration::builder().access_type(AccessType::S3Sigv4).build())
                    .tags("tailorflow:bucket", bucket)
                    .send()
                    .await;
                match created {
                    Ok(_) => tracing::info!(source_location = name, %base_url, "source location created"),
                    Err(e) => {
                        let err = AwsCallError::from_sdk("CreateSourceLocation", &e);
                        // Created by a concurrent delivery: just as good.
                        if err.class != ErrorClass::Conflict {
                            return Err(err.into());
                        }
                    }
                }
            }
        }
        self.known_locations.lock().await.insert(name.to_owned());
        Ok(())
    }
}

fn build_error(err: aws_sdk_mediatailor::error::BuildError) -> RecordError {
    RecordError::Call(AwsCallError {
        operation: "build",
        class: ErrorClass::Invalid,
        status: None,
        code: None,
        message: err.to_string(),
    })
}

/// At most the first 64 KiB of an `.m3u8`, sniffed; `None` when it is gone.
async fn sniff(state: &State, bucket: &str, key: &str) -> Result<Option<ManifestKind>, RecordError> {
    let got = state
        .clients
        .s3
        .get_object()
        .bucket(bucket)
        .key(key)
        .range(format!("bytes=0-{}", SNIFF_BYTES - 1))
        .send()
        .await;
    let object = match got {
        Ok(object) => object,
        Err(e) => {
            let err = AwsCallError::from_sdk("GetObject", &e);
            return if err.class == ErrorClass::NotFound { Ok(None) } else { Err(err.into()) };
        }
    };
    let bytes = object.body.collect().await.map_err(|e| {
        RecordError::Call(AwsCallError {
            operation: "GetObject",
            class: ErrorClass::Retryable,
            status: None,
            code: None,
            message: format!("reading the object failed: {e}"),
        })
    })?;
    Ok(manifest::sniff_hls(&bytes.into_bytes()))
}

fn to_sdk(package: &Package) -> Result<HttpPackageConfiguration, RecordError> {
    HttpPackageConfiguration::builder()
        .path(&package.path)
        .source_group(&package.source_group)
        .r#type(Type::from(package.kind.as_str()))
        .build()
        .map_err(build_error)
}

fn from_sdk(configs: &[HttpPackageConfiguration]) -> Vec<Package> {
    configs
        .iter()
        .filter_map(|c| {
            let kind = match c.r#type() {
                Type::Hls => PackageType::Hls,
                Type::Dash => PackageType::Dash,
                _ => return None,
            };
            Some(Package { kind, source_group: c.source_group().to_owned(), path: c.path().to_owned() })
        })
        .collect()
}

/// The VOD source's packages and tags, or `None` when it does not exist.
async fn describe(
    state: &State,
    name: &str,
) -> Result<Option<(Vec<Package>, String, BTreeMap<String, String>)>, RecordError> {
    let location = state.settings.source_location.as_str();
    match state
        .clients
        .mediatailor
        .describe_vod_source()
        .source_location_name(location)
        .vod_source_name(name)
        .send()
        .await
    {
        Ok(out) => {
            let tags = out.tags().cloned().unwrap_or_default().into_iter().collect();
            Ok(Some((from_sdk(out.http_package_configurations()), out.arn().unwrap_or_default().to_owned(), tags)))
        }
        Err(e) => {
            let err = AwsCallError::from_sdk("DescribeVodSource", &e);
            if err.class == ErrorClass::NotFound { Ok(None) } else { Err(err.into()) }
        }
    }
}

/// Creates the VOD source, or merges the package into it; every write is read back.
async fn upsert(
    state: &State,
    name: &str,
    package: &Package,
    tags: &BTreeMap<String, String>,
) -> Result<Outcome, RecordError> {
    let mt = &state.clients.mediatailor;
    let location = state.settings.source_location.as_str();
    let mut outcome = Outcome::Unchanged;
    for _ in 0..MAX_WRITE_ROUNDS {
        match describe(state, name).await? {
            None => {
                let created = mt
                    .create_vod_source()
                    .source_location_name(location)
                    .vod_source_name(name)
                    .http_package_configurations(to_sdk(package)?)
                    .set_tags(Some(tags.clone().into_iter().collect()))
                    .send()
                    .await;
                match created {
                    Ok(_) => outcome = Outcome::Created,
                    // A concurrent delivery created it first: merge into it on the next round.
                    Err(e) if AwsCallError::from_sdk("CreateVodSource", &e).class == ErrorClass::Conflict => {}
                    Err(e) => return Err(AwsCallError::from_sdk("CreateVodSource", &e).into()),
                }
            }
            Some((existing, arn, existing_tags)) => match ingest::merge(&existing, package) {
                Merge::Unchanged => {
                    if tags.iter().any(|(k, v)| existing_tags.get(k) != Some(v)) {
                        mt.tag_resource()
                            .resource_arn(&arn)
                            .set_tags(Some(tags.clone().into_iter().collect()))
                            .send()
                            .await
                            .map_err(|e| AwsCallError::from_sdk("TagResource", &e))?;
                    }
                    return Ok(outcome);
                }
                Merge::Updated(packages) => {
                    update_packages(state, name, &packages).await?;
                    if outcome == Outcome::Unchanged {
                        outcome = Outcome::Updated;
                    }
                }
            },
        }
        // Loop: read back; when the package is there (and the tags), the next round returns.
    }
    Err(RecordError::Contended(name.to_owned()))
}

/// Replaces the VOD source's package configurations with `packages`.
async fn update_packages(state: &State, name: &str, packages: &[Package]) -> Result<(), RecordError> {
    let configs = packages.iter().map(to_sdk).collect::<Result<Vec<_>, _>>()?;
    state
        .clients
        .mediatailor
        .update_vod_source()
        .source_location_name(state.settings.source_location.as_str())
        .vod_source_name(name)
        .set_http_package_configurations(Some(configs))
        .send()
        .await
        .map_err(|e| AwsCallError::from_sdk("UpdateVodSource", &e))?;
    Ok(())
}

/// Removes the package; deletes the VOD source when it was the last one.
async fn remove_package(state: &State, name: &str, package: &Package) -> Result<Outcome, RecordError> {
    let mt = &state.clients.mediatailor;
    let location = state.settings.source_location.as_str();
    let mut outcome = Outcome::Unchanged;
    for _ in 0..MAX_WRITE_ROUNDS {
        let Some((existing, _, _)) = describe(state, name).await? else {
            return Ok(if outcome == Outcome::Unchanged {
                Outcome::Ignored("no such VOD source".into())
            } else {
                outcome
            });
        };
        match ingest::remove(&existing, package.kind, &package.path) {
            Removal::Absent => return Ok(outcome),
            Removal::Empty => {
                match mt.delete_vod_source().source_location_name(location).vod_source_name(name).send().await {
                    Ok(_) => outcome = Outcome::Deleted,
                    Err(e) => {
                        let err = AwsCallError::from_sdk("DeleteVodSource", &e);
                        if err.class != ErrorClass::NotFound {
                            return Err(err.into());
                        }
                    }
                }
            }
            Removal::Updated(packages) => {
                update_packages(state, name, &packages).await?;
                outcome = Outcome::Updated;
            }
        }
    }
    Err(RecordError::Contended(name.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_defaults_and_lists_every_problem() {
        let settings = Settings::read(EnvReader::from_pairs([("SOURCE_LOCATION_NAME", "media")])).unwrap();
        assert_eq!(settings.name_from, NameFrom::Folder);
        assert_eq!((settings.hls_source_group.as_str(), settings.dash_source_group.as_str()), ("hls", "dash"));
        assert!(!settings.auto_create_source_location && !settings.delete_on_remove);
        let err = Settings::read(EnvReader::from_pairs([("NAME_FROM", "title"), ("DELETE_ON_REMOVE", "perhaps")]))
            .unwrap_err();
        let variables: Vec<_> = err.issues.iter().map(|i| i.variable.as_str()).collect();
        assert_eq!(variables, ["SOURCE_LOCATION_NAME", "NAME_FROM", "DELETE_ON_REMOVE"]);
        let err = Settings::read(EnvReader::from_pairs([("SOURCE_LOCATION_NAME", "no spaces please")])).unwrap_err();
        assert!(err.to_string().contains("SourceLocationName"), "{err}");
    }

    #[test]
    fn reads_all_three_shapes() {
        let s3 = serde_json::json!({"Records": [{"eventSource": "aws:s3", "eventName": "ObjectRemoved:Delete",
            "s3": {"bucket": {"name": "b"}, "object": {"key": "a+b.m3u8", "eTag": "e"}}}]});
        assert_eq!(
            object_changes(&s3).unwrap(),
            [ObjectChange { bucket: "b".into(), raw_key: "a+b.m3u8".into(), etag: Some("e".into()), removed: true }]
        );
        let eventbridge = serde_json::json!({"source": "aws.s3", "detail-type": "Object Created",
            "detail": {"bucket": {"name": "b"}, "object": {"key": "k.mpd"}}});
        assert!(!object_changes(&eventbridge).unwrap()[0].removed);
        assert!(object_changes(&serde_json::json!({"Event": "s3:TestEvent"})).unwrap().is_empty());
        let err = object_changes(&serde_json::json!({"Records": [{"eventSource": "aws:s3"}]})).unwrap_err();
        assert!(err.contains("Records[0]/s3/bucket/name"), "{err}");
        assert!(object_changes(&serde_json::json!({"hello": 1})).is_err());
        let err = object_changes(&serde_json::json!({"Records": []})).unwrap_err();
        assert!(err.contains("Records is empty"), "{err}");
    }
}
