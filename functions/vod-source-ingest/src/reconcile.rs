//! Making an asset's VOD source equal to what S3 holds: the edge where [`crate::plan`] meets
//! S3 and MediaTailor.
//!
//! # Why the last writer always converges
//!
//! MediaTailor has no conditional update, so two writers can interleave any way. Each writer
//! reads the asset's truth (the S3 listing, which is strongly consistent), then the VOD source,
//! writes only what the two disagree on, and after every write reads the listing again: it stops
//! only when the VOD source it left (what it wrote, or what it read after its listing) is what
//! that later listing asks for, and otherwise reads the VOD source and goes round again, at most
//! [`MAX_ROUNDS`] times before Lambda retries the record. Take the last write to a VOD source.
//! Its writer read the listing after it, and nothing changed the VOD source after it, so that
//! writer stops only if the VOD source matches a listing taken after every write. A change to S3
//! after that listing sends an event; its invocation lists after the change and reads the VOD
//! source after that, so it either finds them equal or writes, and then its write is the last.
//! Either way the end state is the latest listing's. A lost update (the issue this replaces) was
//! a writer that stopped on seeing its own write; here a stale write is always followed by a
//! listing that shows it stale. `CreateVodSource` refuses to overwrite, so the common path of a
//! new asset (list, sniff, create) needs no read of the VOD source; without `DELETE_ON_REMOVE`
//! it needs no second listing either, since a package that was present is never removed then.
//! (A VOD source the execution environment last saw exist is read first instead of created:
//! that hint only picks the order of the calls, never what is written.)
//! A package is removed only when its manifest is gone from S3, and only with `DELETE_ON_REMOVE`.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_mediatailor::types::{AccessConfiguration, AccessType, HttpConfiguration};
use tailorflow_shared::aws::mediatailor::VodSource;
use tailorflow_shared::aws::{self, mediatailor, s3};
use tailorflow_shared::manifest::SNIFF_BYTES;
use tailorflow_shared::{AwsCallError, ErrorClass};

use crate::keys::{self, Asset, Package, PackageType};
use crate::plan::{self, Decision, Manifest, Rules, Sniffed, Truth};
use crate::{Change, Outcome, RecordError, Run};

/// Rounds of read, write, read again before the record is left to Lambda's retry.
pub const MAX_ROUNDS: usize = 5;
/// Pages of an asset's listing read at most (1,000 keys each).
const MAX_ASSET_PAGES: usize = 50;

/// What reconciling an asset did, and why candidate keys of it were passed over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reconciled {
    /// What happened to the VOD source.
    pub outcome: Outcome,
    /// Candidate keys (by extension) that are no entry manifest in use, and why.
    pub notes: BTreeMap<String, String>,
}

/// The settings the plan reads.
pub(crate) fn rules(state: &crate::State) -> Rules {
    let settings = &state.settings;
    Rules {
        key_prefix: settings.key_prefix.clone(),
        hls_source_group: settings.hls_source_group.clone(),
        dash_source_group: settings.dash_source_group.clone(),
        delete_on_remove: settings.delete_on_remove,
    }
}

/// Makes the VOD source of `asset` equal to its truth in S3 (see the module doc).
pub(crate) async fn reconcile(run: &Run<'_>, asset: &Asset) -> Result<Reconciled, RecordError> {
    let name = keys::vod_source_name(asset)?;
    let name = name.as_str();
    let rules = rules(run.state);
    let mut truth = read_truth(run, asset).await?;
    let done = |outcome: Outcome, truth: Truth| {
        let outcome = match outcome {
            Outcome::Unchanged if truth.is_empty() => Outcome::Ignored(format!(
                "no entry manifest of the asset {} is in S3 (the object no longer exists, or is no manifest) and no such VOD source needs it",
                asset.folder
            )),
            other => other,
        };
        tracing::info!(vod_source = name, asset = %asset.folder, ?outcome, "asset reconciled");
        Reconciled { outcome, notes: truth.notes }
    };
    if truth.is_empty() && !rules.delete_on_remove {
        // Nothing to add, and nothing may be removed: the VOD source is as it must be.
        return Ok(done(Outcome::Unchanged, truth));
    }
    let mut outcome = Outcome::Unchanged;
    if !run.dry_run
        && !run.state.seen(name)
        && let decision @ Decision::Create { packages, tags } = &plan::decide(asset, None, &truth, &rules)
    {
        // The common path of a new asset. CreateVodSource fails when the VOD source exists, so
        // this never overwrites: an existing one is read and compared below.
        let created = create(run, name, packages, tags).await?;
        run.state.remember(name, true);
        if created {
            run.record_change(name, asset, decision).await;
            outcome = Outcome::Created;
            if !rules.delete_on_remove {
                return Ok(done(outcome, truth));
            }
            let written = plan::after(None, decision);
            truth = read_truth(run, asset).await?;
            if plan::decide(asset, written.as_ref(), &truth, &rules) == Decision::InSync {
                return Ok(done(outcome, truth));
            }
        }
    }
    for round in 0..MAX_ROUNDS {
        let existing = describe(run, name).await?;
        run.state.remember(name, existing.is_some());
        let decision = plan::decide(asset, existing.as_ref(), &truth, &rules);
        match &decision {
            Decision::InSync => return Ok(done(outcome, truth)),
            Decision::Conflict(why) => {
                return Err(RecordError::Conflict {
                    vod_source: name.to_owned(),
                    asset: asset.folder.clone(),
                    why: why.clone(),
                });
            }
            _ => {}
        }
        tracing::info!(vod_source = name, asset = %asset.folder, round, dry_run = run.dry_run, ?decision, "VOD source differs from S3");
        if run.dry_run {
            run.record_change(name, asset, &decision).await;
            return Ok(done(merge(outcome, &decision), truth));
        }
        if !apply(run, name, existing.as_ref(), &decision).await? {
            // Created or deleted by someone else in between: read it again.
            continue;
        }
        run.record_change(name, asset, &decision).await;
        outcome = merge(outcome, &decision);
        let written = plan::after(existing.as_ref(), &decision);
        run.state.remember(name, written.is_some());
        truth = read_truth(run, asset).await?;
        if plan::decide(asset, written.as_ref(), &truth, &rules) == Decision::InSync {
            return Ok(done(outcome, truth));
        }
    }
    Err(RecordError::Contended(name.to_owned()))
}

fn merge(outcome: Outcome, decision: &Decision) -> Outcome {
    match (decision, outcome) {
        (Decision::Create { .. }, _) => Outcome::Created,
        (Decision::Delete, _) => Outcome::Deleted,
        (Decision::Change { .. }, Outcome::Created) => Outcome::Created,
        (Decision::Change { .. }, _) => Outcome::Updated,
        (_, outcome) => outcome,
    }
}

/// The asset's truth: its folder listed (every page, bounded), each candidate sniffed.
async fn read_truth(run: &Run<'_>, asset: &Asset) -> Result<Truth, RecordError> {
    let client = &run.state.clients.s3;
    let prefix = asset.listing_prefix();
    let key_prefix = &run.state.settings.key_prefix;
    let mut token: Option<String> = None;
    let mut found = Vec::new();
    let mut notes = BTreeMap::new();
    for _ in 0..MAX_ASSET_PAGES {
        run.pace().await;
        let Some(page) = s3::list_objects(client, &asset.bucket, &prefix, None, token.as_deref(), 1000).await? else {
            return Ok(Truth::default());
        };
        for object in page.objects {
            let Some(kind) = PackageType::from_key(&object.key) else { continue };
            // A nested asset's manifests (or a variant folder's playlists) are not this asset's.
            if keys::asset_of(&asset.bucket, &object.key, key_prefix).ok().as_ref() != Some(asset) {
                continue;
            }
            if object.size == 0 {
                notes.insert(object.key, "an empty object".to_owned());
                continue;
            }
            match sniff(run, asset, kind, &object).await? {
                (Sniffed::Entry(kind), etag) => found.push(Manifest { kind, key: object.key, etag }),
                (Sniffed::Not(why), _) => {
                    notes.insert(object.key, why);
                }
            }
        }
        match page.next_token {
            Some(next) => token = Some(next),
            None => return Ok(Truth::choose(found, notes)),
        }
    }
    Err(RecordError::TooLarge(asset.folder.clone()))
}

/// The first bytes of a candidate, classified, with its ETag; cached for the invocation by
/// key, ETag, size and modification time.
async fn sniff(
    run: &Run<'_>,
    asset: &Asset,
    kind: PackageType,
    object: &s3::Listed,
) -> Result<(Sniffed, Option<String>), RecordError> {
    let cache_key =
        (asset.bucket.clone(), object.key.clone(), object.etag.clone(), object.size, object.last_modified.clone());
    if let Some(hit) = run.sniffs.lock().await.get(&cache_key) {
        return Ok(hit.clone());
    }
    let bytes = match kind {
        PackageType::Hls => SNIFF_BYTES,
        PackageType::Dash => plan::MPD_SNIFF_BYTES,
    } as u64;
    run.pace().await;
    let read = s3::get_object(&run.state.clients.s3, &asset.bucket, &object.key, s3::Part::First(bytes)).await;
    let result = match read {
        Ok(Some(read)) => (plan::sniff(kind, &read.body), read.etag.or_else(|| object.etag.clone())),
        Ok(None) => (Sniffed::Not("the object no longer exists".into()), None),
        // Access denied, or an answer that is no object: unreadable, so no manifest.
        Err(err) if !err.is_retryable() => (Sniffed::Not(format!("unreadable: {err}")), None),
        Err(err) => return Err(err.into()),
    };
    tracing::debug!(key = %object.key, sniffed = ?result.0, "candidate sniffed");
    run.sniffs.lock().await.insert(cache_key, result.clone());
    Ok(result)
}

/// The VOD source as MediaTailor has it, or `None`.
async fn describe(run: &Run<'_>, name: &str) -> Result<Option<VodSource>, RecordError> {
    let location = run.state.settings.source_location.as_str();
    run.pace().await;
    Ok(mediatailor::describe_vod_source(&run.state.clients.mediatailor, location, name).await?)
}

/// Carries out a write decision; `false` when the VOD source was created or deleted by someone
/// else first, so it must be read again.
async fn apply(
    run: &Run<'_>,
    name: &str,
    existing: Option<&VodSource>,
    decision: &Decision,
) -> Result<bool, RecordError> {
    let mt = &run.state.clients.mediatailor;
    let location = run.state.settings.source_location.as_str();
    match decision {
        Decision::InSync | Decision::Conflict(_) => Ok(true),
        Decision::Create { packages, tags } => create(run, name, packages, tags).await,
        Decision::Change { packages, tags } => {
            if let Some(packages) = packages {
                let configs = packages.iter().map(Package::to_sdk).collect::<Result<Vec<_>, _>>()?;
                run.pace().await;
                let updated = mt
                    .update_vod_source()
                    .source_location_name(location)
                    .vod_source_name(name)
                    .set_http_package_configurations(Some(configs))
                    .send()
                    .await;
                if let Err(e) = updated {
                    let err = AwsCallError::from_sdk("UpdateVodSource", &e);
                    return if err.class == ErrorClass::NotFound { Ok(false) } else { Err(err.into()) };
                }
            }
            if let (Some(tags), Some(existing)) = (tags, existing) {
                run.pace().await;
                mt.tag_resource()
                    .resource_arn(&existing.arn)
                    .set_tags(Some(tags.clone().into_iter().collect()))
                    .send()
                    .await
                    .map_err(|e| AwsCallError::from_sdk("TagResource", &e))?;
            }
            Ok(true)
        }
        Decision::Delete => {
            run.pace().await;
            match mt.delete_vod_source().source_location_name(location).vod_source_name(name).send().await {
                Ok(_) => Ok(true),
                Err(e) => {
                    let err = AwsCallError::from_sdk("DeleteVodSource", &e);
                    if err.class == ErrorClass::NotFound { Ok(true) } else { Err(err.into()) }
                }
            }
        }
    }
}

/// `CreateVodSource`; `false` when it already exists. A missing source location is created
/// (when allowed) and the call made again.
async fn create(
    run: &Run<'_>,
    name: &str,
    packages: &[Package],
    tags: &BTreeMap<String, String>,
) -> Result<bool, RecordError> {
    let mt = &run.state.clients.mediatailor;
    let location = run.state.settings.source_location.as_str();
    let configs = packages.iter().map(Package::to_sdk).collect::<Result<Vec<_>, _>>()?;
    for attempt in 0..2 {
        run.pace().await;
        let created = mt
            .create_vod_source()
            .source_location_name(location)
            .vod_source_name(name)
            .set_http_package_configurations(Some(configs.clone()))
            .set_tags(Some(tags.clone().into_iter().collect()))
            .send()
            .await;
        let err = match created {
            Ok(_) => return Ok(true),
            Err(e) => AwsCallError::from_sdk("CreateVodSource", &e),
        };
        match err.class {
            ErrorClass::Conflict => return Ok(false),
            ErrorClass::NotFound if attempt == 0 => {
                let bucket = tags.get(keys::BUCKET_TAG).cloned().unwrap_or_default();
                ensure_source_location(run, &bucket).await?;
            }
            _ => return Err(err.into()),
        }
    }
    Err(RecordError::NoSourceLocation(location.to_owned()))
}

/// Creates the source location for `bucket` when it is missing and the settings allow it.
async fn ensure_source_location(run: &Run<'_>, bucket: &str) -> Result<(), RecordError> {
    let settings = &run.state.settings;
    let name = settings.source_location.as_str();
    let mt = &run.state.clients.mediatailor;
    run.pace().await;
    if mediatailor::describe_source_location(mt, name).await?.is_some() {
        return Ok(());
    }
    if !settings.auto_create_source_location {
        return Err(RecordError::NoSourceLocation(name.to_owned()));
    }
    let base = tailorflow_shared::origin::s3_virtual_hosted_base_url(bucket, &settings.region);
    let base_url = tailorflow_shared::origin::join(&base, &settings.key_prefix);
    let http = HttpConfiguration::builder()
        .base_url(&base_url)
        .build()
        .map_err(|e| aws::build_error("CreateSourceLocation", e))?;
    run.pace().await;
    let created = mt
        .create_source_location()
        .source_location_name(name)
        .http_configuration(http)
        .access_configuration(AccessConfiguration::builder().access_type(AccessType::S3Sigv4).build())
        .tags(keys::BUCKET_TAG, bucket)
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
    Ok(())
}

/// A change made (or, in a dry run, that would be made), for the summary.
pub(crate) fn change_of(name: &str, asset: &Asset, decision: &Decision, dry_run: bool) -> Option<Change> {
    let (action, packages) = match decision {
        Decision::Create { packages, .. } => ("create", packages.clone()),
        Decision::Change { packages: Some(packages), .. } => ("update", packages.clone()),
        Decision::Change { packages: None, .. } => ("tag", Vec::new()),
        Decision::Delete => ("delete", Vec::new()),
        Decision::InSync | Decision::Conflict(_) => return None,
    };
    Some(Change { vod_source: name.to_owned(), asset: asset.folder.clone(), action, packages, dry_run })
}

/// Distinct assets, in first-seen order.
pub(crate) fn distinct<T: Ord + Clone>(items: impl IntoIterator<Item = T>) -> Vec<T> {
    let mut seen = BTreeSet::new();
    items.into_iter().filter(|item| seen.insert(item.clone())).collect()
}
