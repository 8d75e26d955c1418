//! Every MediaTailor operation, over the store, one file per kind of resource behind one
//! dispatch table ([`execute`]). Validation follows the seed API: a violation is a 400
//! `BadRequestException` whose message names the member; a missing resource is a 404.

mod alerts;
mod channels;
mod functions;
mod playback_configurations;
mod prefetch;
mod programs;
mod schedule;
mod source_locations;
mod tags;

use axum::http::StatusCode;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::model::{SourceLocation, Tags, VodSource};
use super::store::{ChannelRecord, Store};
use super::validate::check_tags;
use super::{Answer, ApiError, Op, Settings};
use crate::s3::MediaStore;
use crate::wire::{self, Query, query_value};

pub(crate) use channels::playback_url;

/// What every operation may read besides the store.
pub(crate) struct Context<'a> {
    pub(crate) settings: &'a Settings,
    pub(crate) media: &'a MediaStore,
    pub(crate) now: f64,
}

impl Context<'_> {
    /// `arn:aws:mediatailor:REGION:ACCOUNT:RESOURCE`.
    pub(crate) fn arn(&self, resource: &str) -> String {
        format!("arn:aws:mediatailor:{}:{}:{resource}", self.settings.region, self.settings.account)
    }
}

/// What an operation is given: the store to read or change, the query and the body.
pub(crate) struct Call<'a, 'c> {
    pub(crate) ctx: &'a Context<'c>,
    pub(crate) store: &'a mut Store,
    pub(crate) query: &'a Query,
    pub(crate) body: &'a [u8],
}

/// Runs `op`: the dispatch table, operation to handler.
pub(crate) fn execute(call: Call<'_, '_>, op: &Op) -> Result<Answer, ApiError> {
    match op {
        Op::CreateChannel(c) => channels::create(call, c),
        Op::DescribeChannel(c) => channels::describe(call, c),
        Op::UpdateChannel(c) => channels::update(call, c),
        Op::DeleteChannel(c) => channels::delete(call, c),
        Op::ListChannels => channels::list(call),
        Op::StartChannel(c) => channels::set_state(call, c, true),
        Op::StopChannel(c) => channels::set_state(call, c, false),
        Op::PutChannelPolicy(c) => channels::put_policy(call, c),
        Op::GetChannelPolicy(c) => channels::get_policy(call, c),
        Op::DeleteChannelPolicy(c) => channels::delete_policy(call, c),
        Op::GetChannelSchedule(c) => schedule::get(call, c),
        Op::CreateProgram(c, p) => programs::create(call, c, p),
        Op::DescribeProgram(c, p) => programs::describe(call, c, p),
        Op::DeleteProgram(c, p) => programs::delete(call, c, p),
        Op::UpdateProgram(c, p) => programs::update(call, c, p),
        Op::ConfigureLogsForChannel => channels::configure_logs(call),
        Op::CreateSourceLocation(l) => source_locations::create(call, l),
        Op::DescribeSourceLocation(l) => source_locations::describe(call, l),
        Op::UpdateSourceLocation(l) => source_locations::update(call, l),
        Op::DeleteSourceLocation(l) => source_locations::delete(call, l),
        Op::ListSourceLocations => source_locations::list(call),
        Op::CreateVodSource(l, v) => source_locations::create_vod(call, l, v),
        Op::DescribeVodSource(l, v) => source_locations::describe_vod(call, l, v),
        Op::UpdateVodSource(l, v) => source_locations::update_vod(call, l, v),
        Op::DeleteVodSource(l, v) => source_locations::delete_vod(call, l, v),
        Op::ListVodSources(l) => source_locations::list_vod(call, l),
        Op::CreateLiveSource(l, v) => source_locations::create_live(call, l, v),
        Op::DescribeLiveSource(l, v) => source_locations::describe_live(call, l, v),
        Op::UpdateLiveSource(l, v) => source_locations::update_live(call, l, v),
        Op::DeleteLiveSource(l, v) => source_locations::delete_live(call, l, v),
        Op::ListLiveSources(l) => source_locations::list_live(call, l),
        Op::PutPlaybackConfiguration => playback_configurations::put(call),
        Op::GetPlaybackConfiguration(n) => playback_configurations::get(call, n),
        Op::DeletePlaybackConfiguration(n) => playback_configurations::delete(call, n),
        Op::ListPlaybackConfigurations => playback_configurations::list(call),
        Op::ConfigureLogsForPlaybackConfiguration => playback_configurations::configure_logs(call),
        Op::CreatePrefetchSchedule(c, n) => prefetch::create(call, c, n),
        Op::GetPrefetchSchedule(c, n) => prefetch::get(call, c, n),
        Op::DeletePrefetchSchedule(c, n) => prefetch::delete(call, c, n),
        Op::ListPrefetchSchedules(c) => prefetch::list(call, c),
        Op::ListAlerts => alerts::list(call),
        Op::TagResource(arn) => tags::tag(call, arn),
        Op::UntagResource(arn) => tags::untag(call, arn),
        Op::ListTagsForResource(arn) => tags::list(call, arn),
        Op::PutFunction(f) => functions::put(call, f),
        Op::GetFunction(f) => functions::get(call, f),
        Op::DeleteFunction(f) => functions::delete(call, f),
        Op::ListFunctions => functions::list(call),
    }
}

// ---- helpers shared by the handlers --------------------------------------------------------

/// `value` as JSON; failing is the emulator's fault, so a 500.
pub(crate) fn to_value(value: &impl Serialize) -> Result<Value, ApiError> {
    serde_json::to_value(value).map_err(|e| ApiError {
        status: StatusCode::INTERNAL_SERVER_ERROR,
        kind: "InternalServerErrorException",
        message: e.to_string(),
    })
}

/// Parses a JSON body (an empty body is an empty object), naming the member at fault.
fn parse_body<T: DeserializeOwned + Default>(body: &[u8]) -> Result<T, ApiError> {
    wire::parse_body(body).map_err(ApiError::from)
}

fn channel<'s>(store: &'s Store, name: &str) -> Result<&'s ChannelRecord, ApiError> {
    store.channels.get(name).ok_or_else(|| ApiError::not_found(format!("channel {name} does not exist")))
}

fn channel_mut<'s>(store: &'s mut Store, name: &str) -> Result<&'s mut ChannelRecord, ApiError> {
    store.channels.get_mut(name).ok_or_else(|| ApiError::not_found(format!("channel {name} does not exist")))
}

fn source_location<'s>(store: &'s Store, name: &str) -> Result<&'s SourceLocation, ApiError> {
    store
        .source_locations
        .get(name)
        .ok_or_else(|| ApiError::not_found(format!("source location {name} does not exist")))
}

fn vod_source<'s>(store: &'s Store, location: &str, name: &str) -> Result<&'s VodSource, ApiError> {
    source_location(store, location)?;
    store.vod_sources.get(location).and_then(|m| m.get(name)).ok_or_else(|| vod_not_found(location, name))
}

fn vod_not_found(location: &str, name: &str) -> ApiError {
    ApiError::not_found(format!("VOD source {name} does not exist in source location {location}"))
}

/// The tags of a create request, checked; none when absent.
fn checked_tags(tags: &Option<Tags>) -> Result<Tags, ApiError> {
    match tags {
        Some(tags) => {
            check_tags("Tags", tags)?;
            Ok(tags.clone())
        }
        None => Ok(Tags::new()),
    }
}

/// One page of `items` (already in key order): `{"Items": [...], "NextToken": ...}`.
///
/// The token is the last key returned, hex-encoded: opaque to clients, and stable while items
/// are added, since the next page starts after that key rather than at an index.
fn page<T: Serialize>(
    items: impl Iterator<Item = (String, T)>,
    query: &Query,
    default_max: usize,
) -> Result<Answer, ApiError> {
    let (max, after) = page_params(query, default_max)?;
    let mut selected = Vec::with_capacity(max.min(64));
    let mut more = false;
    let mut last_key = None;
    for (key, item) in items.filter(|(k, _)| after.as_ref().is_none_or(|a| k > a)) {
        if selected.len() == max {
            more = true;
            break;
        }
        selected.push(to_value(&item)?);
        last_key = Some(key);
    }
    let mut body = json!({ "Items": selected });
    if more && let Some(key) = last_key {
        body["NextToken"] = Value::String(hex::encode(key));
    }
    Ok(Answer::ok(body))
}

/// The page size and the key to start after.
fn page_params(query: &Query, default_max: usize) -> Result<(usize, Option<String>), ApiError> {
    // The service model spells them maxResults/nextToken, except ListPlaybackConfigurations'
    // MaxResults/NextToken.
    let param = |lower: &str, upper: &str| query_value(query, lower).or_else(|| query_value(query, upper));
    let max = match param("maxResults", "MaxResults") {
        None => default_max,
        Some(raw) => match raw.parse::<usize>() {
            Ok(n) if (1..=100).contains(&n) => n,
            _ => return Err(ApiError::bad_request(format!("MaxResults must be between 1 and 100, got {raw:?}"))),
        },
    };
    let after = match param("nextToken", "NextToken") {
        None | Some("") => None,
        Some(token) => Some(
            hex::decode(token)
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .ok_or_else(|| ApiError::bad_request("NextToken is invalid; pass the token from the previous page"))?,
        ),
    };
    Ok((max, after))
}
