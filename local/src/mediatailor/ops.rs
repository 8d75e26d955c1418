//! Every MediaTailor operation, over the store. Validation follows the seed API: a violation is
//! a 400 `BadRequestException` whose message names the member; a missing resource is a 404.

use std::collections::BTreeMap;

use axum::http::StatusCode;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use tailorflow_shared::names::{ChannelName, NameError, ProgramName, SourceLocationName, VodSourceName};
use tailorflow_shared::playback_configuration::{
    FieldError, PutPlaybackConfiguration, check_enum, check_range, check_tags, check_url, parse_json,
};

use super::model::*;
use super::store::{ChannelRecord, PlaybackConfigurationRecord, ProgramRecord, Store};
use super::{Answer, ApiError, Op, Settings, alerts, schedule};
use crate::s3::MediaStore;

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

type Query = [(String, String)];

/// Runs `op`.
pub(crate) fn execute(
    ctx: &Context<'_>,
    store: &mut Store,
    op: &Op,
    query: &Query,
    body: &[u8],
) -> Result<Answer, ApiError> {
    match op {
        Op::CreateChannel(c) => create_channel(ctx, store, c, body),
        Op::DescribeChannel(c) => Ok(Answer::ok(to_value(&channel(store, c)?.channel)?)),
        Op::UpdateChannel(c) => update_channel(ctx, store, c, body),
        Op::DeleteChannel(c) => delete_channel(store, c),
        Op::ListChannels => {
            let items = store.channels.iter().map(|(k, r)| (k.clone(), &r.channel));
            page(items, query, 100)
        }
        Op::StartChannel(c) => set_channel_state(ctx, store, c, true),
        Op::StopChannel(c) => set_channel_state(ctx, store, c, false),
        Op::GetChannelSchedule(c) => get_channel_schedule(ctx, store, c, query),
        Op::PutChannelPolicy(c) => {
            let body: PutChannelPolicyBody = parse_body(body)?;
            let policy = body.policy.ok_or_else(|| ApiError::bad_request("Policy is required"))?;
            serde_json::from_str::<Value>(&policy)
                .ok()
                .filter(Value::is_object)
                .ok_or_else(|| ApiError::bad_request("Policy must be an IAM policy document: a JSON object"))?;
            channel_mut(store, c)?.policy = Some(policy);
            Ok(Answer::empty(StatusCode::OK))
        }
        Op::GetChannelPolicy(c) => match &channel(store, c)?.policy {
            Some(policy) => Ok(Answer::ok(json!({ "Policy": policy }))),
            None => Err(ApiError::not_found(format!("channel {c} has no policy"))),
        },
        Op::DeleteChannelPolicy(c) => {
            channel_mut(store, c)?.policy = None;
            Ok(Answer::empty(StatusCode::OK))
        }
        Op::CreateProgram(c, p) => create_program(ctx, store, c, p, body),
        Op::DescribeProgram(c, p) => {
            let record = channel(store, c)?.programs.get(p).ok_or_else(|| program_not_found(c, p))?;
            Ok(Answer::ok(to_value(&record.program)?))
        }
        Op::DeleteProgram(c, p) => {
            let record = channel_mut(store, c)?;
            record.programs.remove(p).ok_or_else(|| program_not_found(c, p))?;
            record.play_order.retain(|name| name != p);
            Ok(Answer::empty(StatusCode::OK))
        }
        Op::CreateSourceLocation(l) => create_source_location(ctx, store, l, body),
        Op::DescribeSourceLocation(l) => Ok(Answer::ok(to_value(source_location(store, l)?)?)),
        Op::UpdateSourceLocation(l) => update_source_location(ctx, store, l, body),
        Op::DeleteSourceLocation(l) => {
            source_location(store, l)?;
            if let Some(first) = store.vod_sources.get(l).and_then(|m| m.keys().next()) {
                return Err(ApiError::bad_request(format!(
                    "source location {l} still has VOD sources (for example {first}); delete them first"
                )));
            }
            store.source_locations.remove(l);
            store.vod_sources.remove(l);
            Ok(Answer::empty(StatusCode::OK))
        }
        Op::ListSourceLocations => page(store.source_locations.iter().map(|(k, v)| (k.clone(), v)), query, 100),
        Op::CreateVodSource(l, v) => create_vod_source(ctx, store, l, v, body),
        Op::DescribeVodSource(l, v) => Ok(Answer::ok(to_value(vod_source(store, l, v)?)?)),
        Op::UpdateVodSource(l, v) => update_vod_source(ctx, store, l, v, body),
        Op::DeleteVodSource(l, v) => delete_vod_source(store, l, v),
        Op::ListVodSources(l) => {
            source_location(store, l)?;
            let items = store.vod_sources.get(l).into_iter().flatten().map(|(k, v)| (k.clone(), v));
            page(items, query, 100)
        }
        Op::PutPlaybackConfiguration => put_playback_configuration(ctx, store, body),
        Op::GetPlaybackConfiguration(n) => {
            let record = store.playback_configurations.get(n).ok_or_else(|| playback_not_found(n))?;
            Ok(Answer::ok(playback_configuration_view(ctx, record)?))
        }
        Op::DeletePlaybackConfiguration(n) => {
            store.playback_configurations.remove(n).ok_or_else(|| playback_not_found(n))?;
            Ok(Answer::empty(StatusCode::NO_CONTENT))
        }
        Op::ListPlaybackConfigurations => {
            let mut items = Vec::new();
            for (name, record) in &store.playback_configurations {
                items.push((name.clone(), playback_configuration_view(ctx, record)?));
            }
            page(items.into_iter(), query, 50)
        }
        Op::ListAlerts => {
            let arn =
                query_value(query, "resourceArn").ok_or_else(|| ApiError::bad_request("resourceArn is required"))?;
            let items = alerts::list(ctx, store, arn)?;
            // Keyed by what identifies an alert, in the order `list` sorts by ('\0' keeps the
            // tuple order), so a token stays valid while alerts appear or clear between pages.
            let keyed = items.into_iter().map(|a| {
                let millis = (a.last_modified_time * 1000.0).round().max(0.0) as u64;
                (format!("{}\0{}\0{}\0{millis:020}", a.resource_arn, a.alert_code, a.alert_message), a)
            });
            page(keyed, query, 100)
        }
        Op::TagResource(arn) => {
            let body: TagResourceBody = parse_body(body)?;
            let tags = body.tags.ok_or_else(|| ApiError::bad_request("Tags is required"))?;
            check_tags("Tags", &tags)?;
            let existing = tags_mut(ctx, store, arn)?;
            let combined = existing.keys().chain(tags.keys()).collect::<std::collections::BTreeSet<_>>().len();
            if combined > tailorflow_shared::playback_configuration::MAX_TAGS {
                return Err(ApiError::bad_request(format!(
                    "Tags: the resource would have {combined} tags; the maximum is {}",
                    tailorflow_shared::playback_configuration::MAX_TAGS
                )));
            }
            existing.extend(tags);
            Ok(Answer::empty(StatusCode::NO_CONTENT))
        }
        Op::UntagResource(arn) => {
            let keys: Vec<&str> = query.iter().filter(|(k, _)| k == "tagKeys").map(|(_, v)| v.as_str()).collect();
            if keys.is_empty() {
                return Err(ApiError::bad_request("TagKeys is required"));
            }
            let existing = tags_mut(ctx, store, arn)?;
            for key in keys {
                existing.remove(key);
            }
            Ok(Answer::empty(StatusCode::NO_CONTENT))
        }
        Op::ListTagsForResource(arn) => {
            let tags = tags_mut(ctx, store, arn)?.clone();
            Ok(Answer::ok(json!({ "tags": tags })))
        }
    }
}

// ---- helpers -------------------------------------------------------------------------------

fn to_value(value: &impl Serialize) -> Result<Value, ApiError> {
    serde_json::to_value(value).map_err(|e| ApiError {
        status: StatusCode::INTERNAL_SERVER_ERROR,
        kind: "InternalServerErrorException",
        message: e.to_string(),
    })
}

/// Parses a JSON body (an empty body is an empty object), naming the member at fault.
fn parse_body<T: DeserializeOwned + Default>(body: &[u8]) -> Result<T, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    parse_json(body).map_err(ApiError::from)
}

fn name_error(err: NameError) -> ApiError {
    ApiError::bad_request(err.to_string())
}

fn field(err: FieldError) -> ApiError {
    ApiError::from(err)
}

pub(crate) fn query_value<'q>(query: &'q Query, key: &str) -> Option<&'q str> {
    query.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
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
    store
        .vod_sources
        .get(location)
        .and_then(|m| m.get(name))
        .ok_or_else(|| ApiError::not_found(format!("VOD source {name} does not exist in source location {location}")))
}

fn program_not_found(channel: &str, program: &str) -> ApiError {
    ApiError::not_found(format!("program {program} does not exist on channel {channel}"))
}

fn playback_not_found(name: &str) -> ApiError {
    ApiError::not_found(format!("playback configuration {name} does not exist"))
}

/// One page of `items` (already in key order): `{"Items": [...], "NextToken": ...}`.
///
/// The token is the last key returned, hex-encoded: opaque to clients, and stable while items
/// are added, since the next page starts after that key rather than at an index.
fn page<'a, T: Serialize + 'a>(
    items: impl Iterator<Item = (String, T)>,
    query: &Query,
    default_max: usize,
) -> Result<Answer, ApiError> {
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

fn check_tags_opt(tags: &Option<Tags>) -> Result<Tags, ApiError> {
    match tags {
        Some(tags) => {
            check_tags("Tags", tags)?;
            Ok(tags.clone())
        }
        None => Ok(Tags::new()),
    }
}

// ---- channels ------------------------------------------------------------------------------

fn validate_outputs(
    ctx: &Context<'_>,
    channel_name: &str,
    outputs: Option<&Vec<RequestOutputItem>>,
) -> Result<Vec<ResponseOutputItem>, ApiError> {
    let outputs = outputs.ok_or_else(|| ApiError::bad_request("Outputs is required"))?;
    if outputs.is_empty() {
        return Err(ApiError::bad_request("Outputs must have at least one output"));
    }
    let mut seen = Vec::new();
    let mut answer = Vec::new();
    for (i, output) in outputs.iter().enumerate() {
        let at = |member: &str| format!("Outputs[{i}].{member}");
        let manifest_name = output
            .manifest_name
            .as_deref()
            .filter(|m| !m.is_empty())
            .ok_or_else(|| ApiError::bad_request(format!("{} is required", at("ManifestName"))))?;
        let source_group = output
            .source_group
            .as_deref()
            .filter(|m| !m.is_empty())
            .ok_or_else(|| ApiError::bad_request(format!("{} is required", at("SourceGroup"))))?;
        if seen.contains(&manifest_name) {
            return Err(ApiError::bad_request(format!(
                "{}: {manifest_name:?} is used by another output",
                at("ManifestName")
            )));
        }
        seen.push(manifest_name);
        match (&output.hls_playlist_settings, &output.dash_playlist_settings) {
            (Some(hls), None) => {
                if let Some(window) = hls.manifest_window_seconds {
                    check_range(&at("HlsPlaylistSettings.ManifestWindowSeconds"), window, 30, 3600).map_err(field)?;
                }
            }
            (None, Some(dash)) => {
                let checks = [
                    ("ManifestWindowSeconds", dash.manifest_window_seconds, 30, 3600),
                    ("MinBufferTimeSeconds", dash.min_buffer_time_seconds, 2, 60),
                    ("MinUpdatePeriodSeconds", dash.min_update_period_seconds, 2, 60),
                    ("SuggestedPresentationDelaySeconds", dash.suggested_presentation_delay_seconds, 2, 60),
                ];
                for (member, value, min, max) in checks {
                    if let Some(value) = value {
                        check_range(&at(&format!("DashPlaylistSettings.{member}")), value, min, max).map_err(field)?;
                    }
                }
            }
            _ => {
                return Err(ApiError::bad_request(format!(
                    "Outputs[{i}] must have exactly one of HlsPlaylistSettings and DashPlaylistSettings"
                )));
            }
        };
        let mut item = ResponseOutputItem {
            dash_playlist_settings: output.dash_playlist_settings.clone(),
            hls_playlist_settings: output.hls_playlist_settings.clone(),
            manifest_name: manifest_name.to_owned(),
            playback_url: String::new(),
            source_group: source_group.to_owned(),
        };
        item.playback_url = playback_url(&ctx.settings.base_url, channel_name, &item);
        answer.push(item);
    }
    Ok(answer)
}

/// Where players fetch an output: on this emulator, so it follows the emulator to a new port.
pub(crate) fn playback_url(base_url: &str, channel_name: &str, output: &ResponseOutputItem) -> String {
    let extension = if output.dash_playlist_settings.is_some() { "mpd" } else { "m3u8" };
    format!("{base_url}/v1/channel/{channel_name}/{}.{extension}", output.manifest_name)
}

fn create_channel(ctx: &Context<'_>, store: &mut Store, name: &str, body: &[u8]) -> Result<Answer, ApiError> {
    ChannelName::new(name).map_err(name_error)?;
    let body: CreateChannelBody = parse_body(body)?;
    let outputs = validate_outputs(ctx, name, body.outputs.as_ref())?;
    let mode = body.playback_mode.as_deref().ok_or_else(|| ApiError::bad_request("PlaybackMode is required"))?;
    check_enum("PlaybackMode", mode, &["LOOP"]).map_err(field)?;
    let tags = check_tags_opt(&body.tags)?;
    if store.channels.contains_key(name) {
        return Err(ApiError::bad_request(format!("channel {name} already exists")));
    }
    let channel = Channel {
        arn: ctx.arn(&format!("channel/{name}")),
        channel_name: name.to_owned(),
        channel_state: "STOPPED".into(),
        creation_time: ctx.now,
        last_modified_time: ctx.now,
        outputs,
        playback_mode: mode.to_owned(),
        tags,
    };
    let answer = to_value(&channel)?;
    store.channels.insert(
        name.to_owned(),
        ChannelRecord { channel, programs: BTreeMap::new(), play_order: Vec::new(), policy: None, started_at: None },
    );
    Ok(Answer::ok(answer))
}

fn update_channel(ctx: &Context<'_>, store: &mut Store, name: &str, body: &[u8]) -> Result<Answer, ApiError> {
    channel(store, name)?;
    let body: UpdateChannelBody = parse_body(body)?;
    let outputs = validate_outputs(ctx, name, body.outputs.as_ref())?;
    let record = channel_mut(store, name)?;
    record.channel.outputs = outputs;
    record.channel.last_modified_time = ctx.now;
    Ok(Answer::ok(to_value(&record.channel)?))
}

fn delete_channel(store: &mut Store, name: &str) -> Result<Answer, ApiError> {
    if channel(store, name)?.channel.channel_state == "RUNNING" {
        return Err(ApiError::bad_request(format!("channel {name} is RUNNING; stop it before deleting it")));
    }
    store.channels.remove(name);
    Ok(Answer::empty(StatusCode::OK))
}

fn set_channel_state(ctx: &Context<'_>, store: &mut Store, name: &str, running: bool) -> Result<Answer, ApiError> {
    let record = channel_mut(store, name)?;
    let is_running = record.channel.channel_state == "RUNNING";
    if running != is_running {
        record.channel.channel_state = if running { "RUNNING" } else { "STOPPED" }.into();
        record.started_at = running.then_some(ctx.now);
        record.channel.last_modified_time = ctx.now;
    }
    Ok(Answer::empty(StatusCode::OK))
}

fn get_channel_schedule(ctx: &Context<'_>, store: &Store, name: &str, query: &Query) -> Result<Answer, ApiError> {
    let record = channel(store, name)?;
    let duration_minutes = match query_value(query, "durationMinutes") {
        None | Some("") => None,
        Some(raw) => match raw.parse::<u64>() {
            Ok(n) if n >= 1 => Some(n),
            _ => {
                return Err(ApiError::bad_request(format!(
                    "DurationMinutes must be a whole number of minutes, got {raw:?}"
                )));
            }
        },
    };
    let entries = schedule::compute(ctx, store, record, duration_minutes);
    let keyed = entries.into_iter().enumerate().map(|(i, e)| (format!("{i:08}"), e));
    page(keyed, query, 100)
}

// ---- programs ------------------------------------------------------------------------------

fn create_program(
    ctx: &Context<'_>,
    store: &mut Store,
    channel_name: &str,
    name: &str,
    body: &[u8],
) -> Result<Answer, ApiError> {
    channel(store, channel_name)?;
    ProgramName::new(name).map_err(name_error)?;
    let body: CreateProgramBody = parse_body(body)?;
    let transition = body
        .schedule_configuration
        .as_ref()
        .ok_or_else(|| ApiError::bad_request("ScheduleConfiguration is required"))?
        .transition
        .clone()
        .ok_or_else(|| ApiError::bad_request("ScheduleConfiguration.Transition is required"))?;
    let kind = transition
        .kind
        .as_deref()
        .ok_or_else(|| ApiError::bad_request("ScheduleConfiguration.Transition.Type is required"))?;
    check_enum("ScheduleConfiguration.Transition.Type", kind, &["RELATIVE"]).map_err(field)?;
    let position = transition
        .relative_position
        .as_deref()
        .ok_or_else(|| ApiError::bad_request("ScheduleConfiguration.Transition.RelativePosition is required"))?;
    check_enum("ScheduleConfiguration.Transition.RelativePosition", position, &["BEFORE_PROGRAM", "AFTER_PROGRAM"])
        .map_err(field)?;
    let location =
        body.source_location_name.as_deref().ok_or_else(|| ApiError::bad_request("SourceLocationName is required"))?;
    let vod = body.vod_source_name.as_deref().ok_or_else(|| ApiError::bad_request("VodSourceName is required"))?;
    if !store.source_locations.contains_key(location) {
        return Err(ApiError::bad_request(format!("SourceLocationName: source location {location} does not exist")));
    }
    if !store.vod_sources.get(location).is_some_and(|m| m.contains_key(vod)) {
        return Err(ApiError::bad_request(format!(
            "VodSourceName: VOD source {vod} does not exist in source location {location}"
        )));
    }
    let ad_breaks = body.ad_breaks.clone().unwrap_or_default();
    for (i, ad_break) in ad_breaks.iter().enumerate() {
        validate_ad_break(store, i, ad_break)?;
    }
    let record = channel(store, channel_name)?;
    if record.programs.contains_key(name) {
        return Err(ApiError::bad_request(format!("program {name} already exists on channel {channel_name}")));
    }
    let index = match transition.relative_program.as_deref().filter(|p| !p.is_empty()) {
        Some(relative) => {
            let at = record.play_order.iter().position(|p| p == relative).ok_or_else(|| {
                ApiError::bad_request(format!(
                    "ScheduleConfiguration.Transition.RelativeProgram: program {relative} does not exist on channel {channel_name}"
                ))
            })?;
            if position == "AFTER_PROGRAM" { at + 1 } else { at }
        }
        None if position == "AFTER_PROGRAM" => record.play_order.len(),
        None => 0,
    };
    let program = Program {
        ad_breaks,
        arn: ctx.arn(&format!("program/{channel_name}/{name}")),
        channel_name: channel_name.to_owned(),
        creation_time: ctx.now,
        program_name: name.to_owned(),
        source_location_name: location.to_owned(),
        vod_source_name: vod.to_owned(),
    };
    let answer = to_value(&program)?;
    let record = channel_mut(store, channel_name)?;
    record.play_order.insert(index, name.to_owned());
    record.programs.insert(name.to_owned(), ProgramRecord { program, transition });
    Ok(Answer::ok(answer))
}

fn validate_ad_break(store: &Store, i: usize, ad_break: &AdBreak) -> Result<(), ApiError> {
    let at = |member: &str| format!("AdBreaks[{i}].{member}");
    let offset =
        ad_break.offset_millis.ok_or_else(|| ApiError::bad_request(format!("{} is required", at("OffsetMillis"))))?;
    check_range(&at("OffsetMillis"), offset, 0, i64::MAX).map_err(field)?;
    if let Some(kind) = &ad_break.message_type {
        check_enum(&at("MessageType"), kind, &["SPLICE_INSERT"]).map_err(field)?;
    }
    if let Some(slate) = &ad_break.slate {
        let location = slate.source_location_name.as_deref().ok_or_else(|| {
            ApiError::bad_request(format!("{} is required with a slate", at("Slate.SourceLocationName")))
        })?;
        let vod = slate
            .vod_source_name
            .as_deref()
            .ok_or_else(|| ApiError::bad_request(format!("{} is required with a slate", at("Slate.VodSourceName"))))?;
        if !store.vod_sources.get(location).is_some_and(|m| m.contains_key(vod)) {
            return Err(ApiError::bad_request(format!(
                "{}: slate VOD source {vod} does not exist in source location {location}",
                at("Slate")
            )));
        }
    }
    if let Some(message) = &ad_break.splice_insert_message {
        for (member, value) in [
            ("AvailNum", message.avail_num),
            ("AvailsExpected", message.avails_expected),
            ("UniqueProgramId", message.unique_program_id),
        ] {
            if let Some(value) = value {
                check_range(&at(&format!("SpliceInsertMessage.{member}")), value, 0, 256).map_err(field)?;
            }
        }
        if let Some(id) = message.splice_event_id {
            check_range(&at("SpliceInsertMessage.SpliceEventId"), id, 0, i64::from(i32::MAX)).map_err(field)?;
        }
    }
    Ok(())
}

// ---- source locations and VOD sources ------------------------------------------------------

fn validate_source_location(body: &SourceLocationBody) -> Result<BaseUrlConfiguration, ApiError> {
    let http = body.http_configuration.clone().ok_or_else(|| ApiError::bad_request("HttpConfiguration is required"))?;
    let base_url =
        http.base_url.as_deref().ok_or_else(|| ApiError::bad_request("HttpConfiguration.BaseUrl is required"))?;
    check_url("HttpConfiguration.BaseUrl", base_url, 2048).map_err(field)?;
    if let Some(segments) = &body.default_segment_delivery_configuration
        && let Some(url) = &segments.base_url
    {
        check_url("DefaultSegmentDeliveryConfiguration.BaseUrl", url, 2048).map_err(field)?;
    }
    if let Some(access) = &body.access_configuration {
        let kind = access
            .access_type
            .as_deref()
            .ok_or_else(|| ApiError::bad_request("AccessConfiguration.AccessType is required"))?;
        check_enum("AccessConfiguration.AccessType", kind, &["S3_SIGV4", "SECRETS_MANAGER_ACCESS_TOKEN"])
            .map_err(field)?;
        if kind == "SECRETS_MANAGER_ACCESS_TOKEN" {
            let token = access.secrets_manager_access_token_configuration.as_ref().ok_or_else(|| {
                ApiError::bad_request(
                    "AccessConfiguration.SecretsManagerAccessTokenConfiguration is required with SECRETS_MANAGER_ACCESS_TOKEN",
                )
            })?;
            for (member, value) in [
                ("HeaderName", &token.header_name),
                ("SecretArn", &token.secret_arn),
                ("SecretStringKey", &token.secret_string_key),
            ] {
                if value.as_deref().is_none_or(str::is_empty) {
                    return Err(ApiError::bad_request(format!(
                        "AccessConfiguration.SecretsManagerAccessTokenConfiguration.{member} is required"
                    )));
                }
            }
        }
    }
    Ok(http)
}

fn create_source_location(ctx: &Context<'_>, store: &mut Store, name: &str, body: &[u8]) -> Result<Answer, ApiError> {
    SourceLocationName::new(name).map_err(name_error)?;
    let body: SourceLocationBody = parse_body(body)?;
    let http = validate_source_location(&body)?;
    let tags = check_tags_opt(&body.tags)?;
    if store.source_locations.contains_key(name) {
        return Err(ApiError::bad_request(format!("source location {name} already exists")));
    }
    let location = SourceLocation {
        access_configuration: body.access_configuration,
        arn: ctx.arn(&format!("sourceLocation/{name}")),
        creation_time: ctx.now,
        default_segment_delivery_configuration: body.default_segment_delivery_configuration,
        http_configuration: http,
        last_modified_time: ctx.now,
        source_location_name: name.to_owned(),
        tags,
    };
    let answer = to_value(&location)?;
    store.source_locations.insert(name.to_owned(), location);
    Ok(Answer::ok(answer))
}

fn update_source_location(ctx: &Context<'_>, store: &mut Store, name: &str, body: &[u8]) -> Result<Answer, ApiError> {
    source_location(store, name)?;
    let body: SourceLocationBody = parse_body(body)?;
    if body.tags.is_some() {
        return Err(ApiError::bad_request("Tags cannot be changed by UpdateSourceLocation; use TagResource"));
    }
    let http = validate_source_location(&body)?;
    let location = store
        .source_locations
        .get_mut(name)
        .ok_or_else(|| ApiError::not_found(format!("source location {name} does not exist")))?;
    location.access_configuration = body.access_configuration;
    location.default_segment_delivery_configuration = body.default_segment_delivery_configuration;
    location.http_configuration = http;
    location.last_modified_time = ctx.now;
    Ok(Answer::ok(to_value(location)?))
}

fn validate_packages(
    packages: Option<&Vec<HttpPackageConfiguration>>,
) -> Result<Vec<HttpPackageConfiguration>, ApiError> {
    let packages = packages.ok_or_else(|| ApiError::bad_request("HttpPackageConfigurations is required"))?;
    if packages.is_empty() {
        return Err(ApiError::bad_request("HttpPackageConfigurations must have at least one package configuration"));
    }
    let mut groups: Vec<&str> = Vec::new();
    for (i, package) in packages.iter().enumerate() {
        let at = |member: &str| format!("HttpPackageConfigurations[{i}].{member}");
        if package.path.as_deref().is_none_or(str::is_empty) {
            return Err(ApiError::bad_request(format!("{} is required", at("Path"))));
        }
        let group = package
            .source_group
            .as_deref()
            .filter(|g| !g.is_empty())
            .ok_or_else(|| ApiError::bad_request(format!("{} is required", at("SourceGroup"))))?;
        let kind =
            package.kind.as_deref().ok_or_else(|| ApiError::bad_request(format!("{} is required", at("Type"))))?;
        check_enum(&at("Type"), kind, &["HLS", "DASH"]).map_err(field)?;
        if groups.contains(&group) {
            return Err(ApiError::bad_request(format!(
                "{}: {group:?} is used by another package configuration",
                at("SourceGroup")
            )));
        }
        groups.push(group);
    }
    Ok(packages.clone())
}

fn create_vod_source(
    ctx: &Context<'_>,
    store: &mut Store,
    location: &str,
    name: &str,
    body: &[u8],
) -> Result<Answer, ApiError> {
    source_location(store, location)?;
    VodSourceName::new(name).map_err(name_error)?;
    let body: VodSourceBody = parse_body(body)?;
    let packages = validate_packages(body.http_package_configurations.as_ref())?;
    let tags = check_tags_opt(&body.tags)?;
    let sources = store.vod_sources.entry(location.to_owned()).or_default();
    if sources.contains_key(name) {
        return Err(ApiError::bad_request(format!("VOD source {name} already exists in source location {location}")));
    }
    let source = VodSource {
        arn: ctx.arn(&format!("vodSource/{location}/{name}")),
        creation_time: ctx.now,
        http_package_configurations: packages,
        last_modified_time: ctx.now,
        source_location_name: location.to_owned(),
        tags,
        vod_source_name: name.to_owned(),
    };
    let answer = to_value(&source)?;
    sources.insert(name.to_owned(), source);
    Ok(Answer::ok(answer))
}

fn update_vod_source(
    ctx: &Context<'_>,
    store: &mut Store,
    location: &str,
    name: &str,
    body: &[u8],
) -> Result<Answer, ApiError> {
    vod_source(store, location, name)?;
    let body: VodSourceBody = parse_body(body)?;
    if body.tags.is_some() {
        return Err(ApiError::bad_request("Tags cannot be changed by UpdateVodSource; use TagResource"));
    }
    let packages = validate_packages(body.http_package_configurations.as_ref())?;
    let source = store.vod_sources.get_mut(location).and_then(|m| m.get_mut(name)).ok_or_else(|| {
        ApiError::not_found(format!("VOD source {name} does not exist in source location {location}"))
    })?;
    source.http_package_configurations = packages;
    source.last_modified_time = ctx.now;
    Ok(Answer::ok(to_value(source)?))
}

fn delete_vod_source(store: &mut Store, location: &str, name: &str) -> Result<Answer, ApiError> {
    vod_source(store, location, name)?;
    for (channel_name, record) in &store.channels {
        for program in record.programs.values() {
            let p = &program.program;
            let as_content = p.source_location_name == location && p.vod_source_name == name;
            let as_slate = p.ad_breaks.iter().filter_map(|b| b.slate.as_ref()).any(|s| {
                s.source_location_name.as_deref() == Some(location) && s.vod_source_name.as_deref() == Some(name)
            });
            if as_content || as_slate {
                return Err(ApiError::bad_request(format!(
                    "VOD source {name} is used by program {} on channel {channel_name}; delete the program first",
                    p.program_name
                )));
            }
        }
    }
    if let Some(sources) = store.vod_sources.get_mut(location) {
        sources.remove(name);
    }
    Ok(Answer::empty(StatusCode::OK))
}

// ---- playback configurations ---------------------------------------------------------------

fn put_playback_configuration(ctx: &Context<'_>, store: &mut Store, body: &[u8]) -> Result<Answer, ApiError> {
    let mut config: PutPlaybackConfiguration = parse_body(body)?;
    config.validate()?;
    let name = config.name.clone().unwrap_or_default();
    let previous = store.playback_configurations.get(&name);
    if config.tags.is_none() {
        config.tags = previous.and_then(|p| p.config.tags.clone());
    }
    let record = PlaybackConfigurationRecord { config, arn: ctx.arn(&format!("playbackConfiguration/{name}")) };
    let answer = playback_configuration_view(ctx, &record)?;
    store.playback_configurations.insert(name, record);
    Ok(Answer::ok(answer))
}

/// The configuration as MediaTailor answers it: what was put, plus the generated endpoints.
fn playback_configuration_view(ctx: &Context<'_>, record: &PlaybackConfigurationRecord) -> Result<Value, ApiError> {
    let name = record.config.name.clone().unwrap_or_default();
    let mut view = to_value(&record.config)?;
    let base = &ctx.settings.base_url;
    let account = &ctx.settings.account;
    let mut dash = view.get("DashConfiguration").cloned().unwrap_or_else(|| json!({}));
    dash["ManifestEndpointPrefix"] = json!(format!("{base}/v1/dash/{account}/{name}/"));
    if dash.get("MpdLocation").is_none() {
        dash["MpdLocation"] = json!("EMT_DEFAULT");
    }
    if dash.get("OriginManifestType").is_none() {
        dash["OriginManifestType"] = json!("MULTI_PERIOD");
    }
    view["DashConfiguration"] = dash;
    view["HlsConfiguration"] = json!({ "ManifestEndpointPrefix": format!("{base}/v1/master/{account}/{name}/") });
    view["PlaybackConfigurationArn"] = json!(record.arn);
    view["PlaybackEndpointPrefix"] = json!(base);
    view["SessionInitializationEndpointPrefix"] = json!(format!("{base}/v1/session/{account}/{name}/"));
    if view.get("tags").is_some_and(|t| t.as_object().is_some_and(serde_json::Map::is_empty))
        && let Some(map) = view.as_object_mut()
    {
        map.remove("tags");
    }
    Ok(view)
}

// ---- tags ----------------------------------------------------------------------------------

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
        ["playbackConfiguration", name] => store
            .playback_configurations
            .get_mut(*name)
            .map(|p| p.config.tags.get_or_insert_with(Tags::new))
            .ok_or_else(missing),
        _ => Err(ApiError::bad_request(format!(
            "ResourceArn {arn:?} names no taggable resource (channel, sourceLocation, vodSource, playbackConfiguration)"
        ))),
    }
}
