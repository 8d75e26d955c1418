//! Writes to a VOD source: create it, merge a package into it, remove one, each read back.
//!
//! MediaTailor has no conditional update, so every write is followed by a read: a round ends
//! when the VOD source reads as the event asks, and a concurrent delivery that changed it in
//! between is met by another round, at most [`MAX_WRITE_ROUNDS`].

use std::collections::BTreeMap;

use aws_sdk_mediatailor::types::{AccessConfiguration, AccessType, HttpConfiguration};
use tailorflow_shared::aws::{self, mediatailor, s3};
use tailorflow_shared::manifest::{self, ManifestKind, SNIFF_BYTES};
use tailorflow_shared::{AwsCallError, ErrorClass};

use crate::keys::{self, Merge, Package, Removal};
use crate::{Outcome, RecordError, State};

/// How many times a write is retried when a concurrent delivery changed the VOD source under it.
const MAX_WRITE_ROUNDS: usize = 5;

/// At most the first 64 KiB of an `.m3u8`, sniffed; `None` when it is gone.
pub(crate) async fn sniff(state: &State, bucket: &str, key: &str) -> Result<Option<ManifestKind>, RecordError> {
    let part = s3::Part::First(SNIFF_BYTES as u64);
    let object = s3::get_object(&state.clients.s3, bucket, key, part).await?;
    Ok(object.and_then(|o| manifest::sniff_hls(&o.body)))
}

/// The VOD source as MediaTailor has it, or `None`.
async fn describe(state: &State, name: &str) -> Result<Option<mediatailor::VodSource>, RecordError> {
    let location = state.settings.source_location.as_str();
    Ok(mediatailor::describe_vod_source(&state.clients.mediatailor, location, name).await?)
}

/// Creates the source location for `bucket` when it is missing and the settings allow it.
pub(crate) async fn ensure_source_location(state: &State, bucket: &str) -> Result<(), RecordError> {
    let settings = &state.settings;
    let name = settings.source_location.as_str();
    let mt = &state.clients.mediatailor;
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
    let created = mt
        .create_source_location()
        .source_location_name(name)
        .http_configuration(http)
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
    Ok(())
}

/// Creates the VOD source, or merges the package into it; every write is read back.
pub(crate) async fn upsert(
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
                    .http_package_configurations(package.to_sdk()?)
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
            Some(existing) => match keys::merge(&existing.packages, package) {
                Merge::Unchanged => {
                    if tags.iter().any(|(k, v)| existing.tags.get(k) != Some(v)) {
                        mt.tag_resource()
                            .resource_arn(&existing.arn)
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
    let configs = packages.iter().map(Package::to_sdk).collect::<Result<Vec<_>, _>>()?;
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
pub(crate) async fn remove_package(state: &State, name: &str, package: &Package) -> Result<Outcome, RecordError> {
    let mt = &state.clients.mediatailor;
    let location = state.settings.source_location.as_str();
    let mut outcome = Outcome::Unchanged;
    for _ in 0..MAX_WRITE_ROUNDS {
        let Some(existing) = describe(state, name).await? else {
            return Ok(if outcome == Outcome::Unchanged {
                Outcome::Ignored("no such VOD source".into())
            } else {
                outcome
            });
        };
        match keys::remove(&existing.packages, package.kind, &package.path) {
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
