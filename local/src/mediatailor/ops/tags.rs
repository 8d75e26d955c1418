//! TagResource, UntagResource and ListTagsForResource, on every taggable resource by its ARN.

use std::collections::BTreeSet;

use axum::http::StatusCode;
use serde_json::json;

use super::super::model::{TagResourceBody, Tags};
use super::super::store::Store;
use super::super::validate::{MAX_TAGS, check_tags};
use super::{Call, Context, parse_body};
use crate::mediatailor::{Answer, ApiError};
use crate::wire::query_values;

pub(super) fn tag(call: Call<'_, '_>, arn: &str) -> Result<Answer, ApiError> {
    let body: TagResourceBody = parse_body(call.body)?;
    let tags = body.tags.ok_or_else(|| ApiError::bad_request("Tags is required"))?;
    check_tags("Tags", &tags)?;
    let existing = tags_mut(call.ctx, call.store, arn)?;
    let combined = existing.keys().chain(tags.keys()).collect::<BTreeSet<_>>().len();
    if combined > MAX_TAGS {
        return Err(ApiError::bad_request(format!(
            "Tags: the resource would have {combined} tags; the maximum is {MAX_TAGS}"
        )));
    }
    existing.extend(tags);
    Ok(Answer::empty(StatusCode::NO_CONTENT))
}

pub(super) fn untag(call: Call<'_, '_>, arn: &str) -> Result<Answer, ApiError> {
    let keys: Vec<&str> = query_values(call.query, "tagKeys").collect();
    if keys.is_empty() {
        return Err(ApiError::bad_request("TagKeys is required"));
    }
    let existing = tags_mut(call.ctx, call.store, arn)?;
    for key in keys {
        existing.remove(key);
    }
    Ok(Answer::empty(StatusCode::NO_CONTENT))
}

pub(super) fn list(call: Call<'_, '_>, arn: &str) -> Result<Answer, ApiError> {
    let tags = tags_mut(call.ctx, call.store, arn)?.clone();
    Ok(Answer::ok(json!({ "tags": tags })))
}

/// The tags of the resource `arn` names.
fn tags_mut<'s>(ctx: &Context<'_>, store: &'s mut Store, arn: &str) -> Result<&'s mut Tags, ApiError> {
    let prefix = ctx.arn("");
    let resource = arn.strip_prefix(&prefix).ok_or_else(|| {
        ApiError::bad_request(format!("ResourceArn {arn:?} is not a MediaTailor ARN of this account and region"))
    })?;
    let parts: Vec<&str> = resource.split('/').collect();
    let missing = || ApiError::not_found(format!("resource {arn} does not exist"));
    match parts.as_slice() {
        ["channel", name] => store.channels.get_mut(*name).map(|r| &mut r.channel.tags).ok_or_else(missing),
        ["sourceLocation", name] => store.source_locations.get_mut(*name).map(|l| &mut l.tags).ok_or_else(missing),
        ["vodSource", location, name] => {
            store.vod_sources.get_mut(*location).and_then(|m| m.get_mut(*name)).map(|v| &mut v.tags).ok_or_else(missing)
        }
        ["liveSource", location, name] => store
            .live_sources
            .get_mut(*location)
            .and_then(|m| m.get_mut(*name))
            .map(|v| &mut v.tags)
            .ok_or_else(missing),
        ["program", channel, name] => store
            .channels
            .get_mut(*channel)
            .and_then(|c| c.programs.get_mut(*name))
            .map(|p| &mut p.program.tags)
            .ok_or_else(missing),
        ["playbackConfiguration", name] => store
            .playback_configurations
            .get_mut(*name)
            .map(|p| p.config.tags.get_or_insert_with(Tags::new))
            .ok_or_else(missing),
        _ => Err(ApiError::bad_request(format!(
            "ResourceArn {arn:?} names no taggable resource (channel, program, sourceLocation, vodSource, liveSource, playbackConfiguration)"
        ))),
    }
}
