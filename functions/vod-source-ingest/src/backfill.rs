//! Backfill: every asset under a prefix reconciled, for a bucket that already holds a library
//! (S3 events fire only for new uploads).
//!
//! The bucket is listed in key order from `StartAfter`; each asset is reconciled once, when its
//! first manifest key comes up, every call paced by `MAX_REQUESTS_PER_SECOND`. Before each asset
//! (after the first, so every invocation makes progress) the function checks the Lambda
//! deadline and stops [`DEADLINE_MARGIN`] before it, answering `NextStartAfter`: every manifest
//! key up to it has had its asset reconciled. Invoking again with it as `StartAfter` continues;
//! reconciling an asset twice changes nothing, so an overlap is harmless.

use std::collections::BTreeSet;
use std::time::Duration;

use serde::Serialize;
use tailorflow_shared::aws::s3;
use tailorflow_shared::rate::RateLimiter;

use crate::keys::{self, KeyError, PackageType};
use crate::{Backfill, IngestError, Outcome, RecordError, Run, State, Summary, reconcile};

/// How long before the Lambda deadline a backfill stops: room for the asset in flight's calls.
pub const DEADLINE_MARGIN: Duration = Duration::from_secs(15);
/// Listing pages one invocation reads at most (1,000 keys each).
const MAX_PAGES: usize = 10_000;

/// A backfill's answer.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct BackfillResult {
    /// The bucket listed.
    pub bucket: String,
    /// The prefix listed.
    pub prefix: String,
    /// Where this invocation started.
    pub start_after: Option<String>,
    /// Where the next invocation must start; `None` when the backfill is done.
    pub next_start_after: Option<String>,
    /// Whether every asset under the prefix was reconciled.
    pub done: bool,
    /// Whether nothing was changed.
    pub dry_run: bool,
    /// Assets reconciled by this invocation.
    pub assets: usize,
    /// Per asset folder (`folder/`), what happened; `changes` lists every change.
    pub summary: Summary,
}

fn near_deadline(deadline_ms: u64) -> bool {
    if deadline_ms == 0 {
        // No deadline given (a local call): run to the end.
        return false;
    }
    let now_ms = u64::try_from(chrono::Utc::now().timestamp_millis()).unwrap_or_default();
    now_ms + u64::try_from(DEADLINE_MARGIN.as_millis()).unwrap_or(u64::MAX) >= deadline_ms
}

/// The prefix to list: the request's within `KEY_PREFIX`, or `KEY_PREFIX` itself.
fn listing_prefix(requested: Option<&str>, key_prefix: &str) -> Result<String, IngestError> {
    let requested = requested.unwrap_or_default().trim_start_matches('/');
    if requested.starts_with(key_prefix) {
        Ok(requested.to_owned())
    } else if key_prefix.starts_with(requested) {
        Ok(key_prefix.to_owned())
    } else {
        Err(IngestError::Backfill(format!("Prefix {requested:?} is outside KEY_PREFIX {key_prefix:?}")))
    }
}

/// Runs one invocation of a backfill; `deadline_ms` is the Lambda deadline (ms since the epoch,
/// 0 for none).
pub async fn run(state: &State, request: &Backfill, deadline_ms: u64) -> Result<BackfillResult, IngestError> {
    let settings = &state.settings;
    let bucket = request
        .bucket
        .clone()
        .or_else(|| settings.media_bucket.clone())
        .filter(|b| !b.is_empty())
        .ok_or_else(|| IngestError::Backfill("no bucket: set MEDIA_BUCKET or give Backfill.Bucket".into()))?;
    let prefix = listing_prefix(request.prefix.as_deref(), &settings.key_prefix)?;
    let dry_run = request.dry_run.unwrap_or(settings.dry_run);
    let run = Run::new(state, dry_run, Some(RateLimiter::per_second(settings.max_requests_per_second)));
    let mut after = request.start_after.clone().filter(|s| !s.is_empty());
    let mut reconciled = BTreeSet::new();
    let mut finished = false;
    tracing::info!(%bucket, %prefix, start_after = ?after, dry_run, "backfill started");
    'pages: for _ in 0..MAX_PAGES {
        run.pace().await;
        let page = match s3::list_objects(&state.clients.s3, &bucket, &prefix, after.as_deref(), None, 1000).await {
            Ok(Some(page)) => page,
            Ok(None) => return Err(IngestError::Backfill(format!("the bucket {bucket} does not exist"))),
            Err(err) if err.is_retryable() => {
                run.summary.lock().await.failed.push(crate::KeyNote { key: prefix.clone(), reason: err.to_string() });
                break 'pages;
            }
            Err(err) => return Err(IngestError::Backfill(err.to_string())),
        };
        for object in page.objects {
            if PackageType::from_key(&object.key).is_none() {
                after = Some(object.key);
                continue;
            }
            let asset = match keys::asset_of(&bucket, &object.key, &settings.key_prefix) {
                Ok(asset) => asset,
                Err(KeyError::InsidePackage { .. }) => {
                    after = Some(object.key);
                    continue;
                }
                Err(err) => {
                    run.summary.lock().await.record(object.key.clone(), &Err(err.into()));
                    after = Some(object.key);
                    continue;
                }
            };
            if reconciled.contains(&asset) {
                after = Some(object.key);
                continue;
            }
            if !reconciled.is_empty() && near_deadline(deadline_ms) {
                tracing::info!(next_start_after = ?after, assets = reconciled.len(), "backfill stops before the deadline");
                break 'pages;
            }
            let result: Result<Outcome, RecordError> = reconcile::reconcile(&run, &asset).await.map(|r| r.outcome);
            let retry = matches!(&result, Err(err) if err.is_retryable());
            run.summary.lock().await.record(asset.listing_prefix(), &result);
            if retry {
                // Resume at this asset: it is listed again after `after`.
                tracing::warn!(asset = %asset.folder, "backfill stops at an asset that may succeed on a retry");
                break 'pages;
            }
            reconciled.insert(asset);
            after = Some(object.key);
        }
        if page.next_token.is_none() {
            finished = true;
            break;
        }
    }
    let summary = run.into_summary().await;
    let next_start_after = (!finished).then(|| after.clone().unwrap_or_default());
    tracing::info!(
        %bucket, %prefix, assets = reconciled.len(), done = finished, next_start_after = ?next_start_after,
        created = summary.created.len(), updated = summary.updated.len(), deleted = summary.deleted.len(),
        failed = summary.failed.len(), conflicts = summary.conflicts.len(), dry_run,
        "backfill invocation done"
    );
    Ok(BackfillResult {
        bucket,
        prefix,
        start_after: request.start_after.clone(),
        next_start_after,
        done: finished,
        dry_run,
        assets: reconciled.len(),
        summary,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_listing_stays_within_the_key_prefix() {
        assert_eq!(listing_prefix(None, "").unwrap(), "");
        assert_eq!(listing_prefix(None, "vod/").unwrap(), "vod/");
        assert_eq!(listing_prefix(Some("vod/movies/"), "vod/").unwrap(), "vod/movies/");
        assert_eq!(listing_prefix(Some("vo"), "vod/").unwrap(), "vod/");
        assert!(listing_prefix(Some("vodka/"), "vod/").is_err());
    }

    #[test]
    fn no_deadline_never_stops_and_a_past_one_does() {
        assert!(!near_deadline(0));
        assert!(near_deadline(1));
        let far = u64::try_from(chrono::Utc::now().timestamp_millis()).unwrap() + 3_600_000;
        assert!(!near_deadline(far));
    }
}
