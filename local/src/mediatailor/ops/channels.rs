//! Channels: create, describe, update, delete, list, start, stop, and their IAM policies.

use std::collections::BTreeMap;

use axum::http::StatusCode;
use serde_json::{Value, json};

use super::super::model::{
    Channel, CreateChannelBody, LogConfigurationForChannel, PutChannelPolicyBody, RequestOutputItem,
    ResponseOutputItem, SlateSource, TimeShiftConfiguration, UpdateChannelBody,
};
use super::super::names;
use super::super::shapes_playback;
use super::super::store::{ChannelRecord, Store};
use super::super::validate::{check_enum, check_range};
use super::prefetch::object_body;
use super::{Call, Context, channel, channel_mut, checked_tags, page, parse_body, to_value};
use crate::mediatailor::{Answer, ApiError};

pub(super) fn create(call: Call<'_, '_>, name: &str) -> Result<Answer, ApiError> {
    let ctx = call.ctx;
    names::check("ChannelName", name)?;
    let body: CreateChannelBody = parse_body(call.body)?;
    let outputs = validate_outputs(ctx, name, body.outputs.as_ref())?;
    let mode = body.playback_mode.as_deref().ok_or_else(|| ApiError::bad_request("PlaybackMode is required"))?;
    check_enum("PlaybackMode", mode, &["LINEAR", "LOOP"])?;
    let tier = body.tier.as_deref().unwrap_or("BASIC");
    check_enum("Tier", tier, &["BASIC", "STANDARD"])?;
    if tier == "STANDARD" && mode != "LINEAR" {
        return Err(ApiError::bad_request("Tier: STANDARD channels must use the LINEAR PlaybackMode"));
    }
    validate_filler_slate(call.store, mode, body.filler_slate.as_ref())?;
    validate_extras(body.audiences.as_deref(), body.time_shift_configuration.as_ref())?;
    let tags = checked_tags(&body.tags)?;
    if call.store.channels.contains_key(name) {
        return Err(ApiError::bad_request(format!("channel {name} already exists")));
    }
    let channel = Channel {
        arn: ctx.arn(&format!("channel/{name}")),
        audiences: body.audiences.unwrap_or_default(),
        filler_slate: body.filler_slate,
        log_configuration: LogConfigurationForChannel::default(),
        tier: tier.to_owned(),
        time_shift_configuration: body.time_shift_configuration,
        channel_name: name.to_owned(),
        channel_state: "STOPPED".into(),
        creation_time: ctx.now,
        last_modified_time: ctx.now,
        outputs,
        playback_mode: mode.to_owned(),
        tags,
    };
    let answer = to_value(&channel)?;
    let record =
        ChannelRecord { channel, programs: BTreeMap::new(), play_order: Vec::new(), policy: None, started_at: None };
    call.store.channels.insert(name.to_owned(), record);
    Ok(Answer::ok(answer))
}

pub(super) fn describe(call: Call<'_, '_>, name: &str) -> Result<Answer, ApiError> {
    Ok(Answer::ok(to_value(&channel(call.store, name)?.channel)?))
}

/// Replaces the outputs; members left out (audiences, filler slate, time shift) stay as they were.
pub(super) fn update(call: Call<'_, '_>, name: &str) -> Result<Answer, ApiError> {
    let mode = channel(call.store, name)?.channel.playback_mode.clone();
    let body: UpdateChannelBody = parse_body(call.body)?;
    let outputs = validate_outputs(call.ctx, name, body.outputs.as_ref())?;
    if mode == "LOOP" || body.filler_slate.is_some() {
        validate_filler_slate(call.store, &mode, body.filler_slate.as_ref())?;
    }
    validate_extras(body.audiences.as_deref(), body.time_shift_configuration.as_ref())?;
    let record = channel_mut(call.store, name)?;
    record.channel.outputs = outputs;
    if let Some(audiences) = body.audiences {
        record.channel.audiences = audiences;
    }
    if body.filler_slate.is_some() {
        record.channel.filler_slate = body.filler_slate;
    }
    if body.time_shift_configuration.is_some() {
        record.channel.time_shift_configuration = body.time_shift_configuration;
    }
    record.channel.last_modified_time = call.ctx.now;
    Ok(Answer::ok(to_value(&record.channel)?))
}

/// A LINEAR channel needs a filler slate, an existing VOD source; a LOOP channel takes none.
fn validate_filler_slate(store: &Store, mode: &str, slate: Option<&SlateSource>) -> Result<(), ApiError> {
    let slate = match (mode, slate) {
        ("LOOP", Some(_)) => {
            return Err(ApiError::bad_request("FillerSlate: LOOP channels do not support a filler slate"));
        }
        ("LOOP", None) => return Ok(()),
        (_, None) => return Err(ApiError::bad_request("FillerSlate is required for LINEAR channels")),
        (_, Some(slate)) => slate,
    };
    let location = slate
        .source_location_name
        .as_deref()
        .ok_or_else(|| ApiError::bad_request("FillerSlate.SourceLocationName is required"))?;
    let vod = slate
        .vod_source_name
        .as_deref()
        .ok_or_else(|| ApiError::bad_request("FillerSlate.VodSourceName is required"))?;
    if !store.vod_sources.get(location).is_some_and(|m| m.contains_key(vod)) {
        return Err(ApiError::bad_request(format!(
            "FillerSlate: VOD source {vod} does not exist in source location {location}"
        )));
    }
    Ok(())
}

/// Audiences (distinct, non-empty) and the time-shift window (0 to 21600 seconds).
fn validate_extras(audiences: Option<&[String]>, time_shift: Option<&TimeShiftConfiguration>) -> Result<(), ApiError> {
    for (i, audience) in audiences.unwrap_or_default().iter().enumerate() {
        if audience.is_empty() {
            return Err(ApiError::bad_request(format!("Audiences[{i}] must not be empty")));
        }
        if audiences.unwrap_or_default()[..i].contains(audience) {
            return Err(ApiError::bad_request(format!("Audiences[{i}]: {audience:?} is listed twice")));
        }
    }
    if let Some(time_shift) = time_shift {
        let seconds = time_shift
            .max_time_delay_seconds
            .ok_or_else(|| ApiError::bad_request("TimeShiftConfiguration.MaxTimeDelaySeconds is required"))?;
        check_range("TimeShiftConfiguration.MaxTimeDelaySeconds", seconds, 0, 21_600)?;
    }
    Ok(())
}

pub(super) fn delete(call: Call<'_, '_>, name: &str) -> Result<Answer, ApiError> {
    if channel(call.store, name)?.channel.channel_state == "RUNNING" {
        return Err(ApiError::bad_request(format!("channel {name} is RUNNING; stop it before deleting it")));
    }
    call.store.channels.remove(name);
    Ok(Answer::empty(StatusCode::OK))
}

pub(super) fn list(call: Call<'_, '_>) -> Result<Answer, ApiError> {
    let items = call.store.channels.iter().map(|(k, r)| (k.clone(), &r.channel));
    page(items, call.query, 100)
}

/// StartChannel (`running`) and StopChannel; either is a no-op in the state it asks for.
pub(super) fn set_state(call: Call<'_, '_>, name: &str, running: bool) -> Result<Answer, ApiError> {
    let now = call.ctx.now;
    let record = channel_mut(call.store, name)?;
    let is_running = record.channel.channel_state == "RUNNING";
    if running != is_running {
        record.channel.channel_state = if running { "RUNNING" } else { "STOPPED" }.into();
        record.started_at = running.then_some(now);
        record.channel.last_modified_time = now;
    }
    Ok(Answer::empty(StatusCode::OK))
}

pub(super) fn put_policy(call: Call<'_, '_>, name: &str) -> Result<Answer, ApiError> {
    let body: PutChannelPolicyBody = parse_body(call.body)?;
    let policy = body.policy.ok_or_else(|| ApiError::bad_request("Policy is required"))?;
    serde_json::from_str::<Value>(&policy)
        .ok()
        .filter(Value::is_object)
        .ok_or_else(|| ApiError::bad_request("Policy must be an IAM policy document: a JSON object"))?;
    channel_mut(call.store, name)?.policy = Some(policy);
    Ok(Answer::empty(StatusCode::OK))
}

pub(super) fn get_policy(call: Call<'_, '_>, name: &str) -> Result<Answer, ApiError> {
    match &channel(call.store, name)?.policy {
        Some(policy) => Ok(Answer::ok(json!({ "Policy": policy }))),
        None => Err(ApiError::not_found(format!("channel {name} has no policy"))),
    }
}

pub(super) fn delete_policy(call: Call<'_, '_>, name: &str) -> Result<Answer, ApiError> {
    channel_mut(call.store, name)?.policy = None;
    Ok(Answer::empty(StatusCode::OK))
}

/// Where players fetch an output: on this emulator, so it follows the emulator to a new port.
pub(crate) fn playback_url(base_url: &str, channel_name: &str, output: &ResponseOutputItem) -> String {
    let extension = if output.dash_playlist_settings.is_some() { "mpd" } else { "m3u8" };
    format!("{base_url}/v1/channel/{channel_name}/{}.{extension}", output.manifest_name)
}

fn validate_outputs(
    ctx: &Context<'_>,
    channel_name: &str,
    outputs: Option<&Vec<RequestOutputItem>>,
) -> Result<Vec<ResponseOutputItem>, ApiError> {
    let outputs = outputs.ok_or_else(|| ApiError::bad_request("Outputs is required"))?;
    if outputs.is_empty() {
        return Err(ApiError::bad_request("Outputs must have at least one output"));
    }
    let mut answer: Vec<ResponseOutputItem> = Vec::with_capacity(outputs.len());
    for (i, output) in outputs.iter().enumerate() {
        let mut item = validate_output(i, output, &answer)?;
        item.playback_url = playback_url(&ctx.settings.base_url, channel_name, &item);
        answer.push(item);
    }
    Ok(answer)
}

/// One output: its names (the manifest's not `taken` by an earlier output), and exactly one of
/// HLS and DASH settings, in range.
fn validate_output(
    i: usize,
    output: &RequestOutputItem,
    taken: &[ResponseOutputItem],
) -> Result<ResponseOutputItem, ApiError> {
    let at = |member: &str| format!("Outputs[{i}].{member}");
    let required = |value: Option<&String>, member: &str| {
        value
            .filter(|v| !v.is_empty())
            .cloned()
            .ok_or_else(|| ApiError::bad_request(format!("{} is required", at(member))))
    };
    let manifest_name = required(output.manifest_name.as_ref(), "ManifestName")?;
    let source_group = required(output.source_group.as_ref(), "SourceGroup")?;
    if taken.iter().any(|o| o.manifest_name == manifest_name) {
        return Err(ApiError::bad_request(format!(
            "{}: {manifest_name:?} is used by another output",
            at("ManifestName")
        )));
    }
    let ranges = match (&output.hls_playlist_settings, &output.dash_playlist_settings) {
        (Some(hls), None) => {
            for (j, kind) in hls.ad_markup_type.iter().flatten().enumerate() {
                check_enum(
                    &at(&format!("HlsPlaylistSettings.AdMarkupType[{j}]")),
                    kind,
                    &["DATERANGE", "SCTE35_ENHANCED"],
                )?;
            }
            vec![("HlsPlaylistSettings.ManifestWindowSeconds", hls.manifest_window_seconds, 30, 3600)]
        }
        (None, Some(dash)) => vec![
            ("DashPlaylistSettings.ManifestWindowSeconds", dash.manifest_window_seconds, 30, 3600),
            ("DashPlaylistSettings.MinBufferTimeSeconds", dash.min_buffer_time_seconds, 2, 60),
            ("DashPlaylistSettings.MinUpdatePeriodSeconds", dash.min_update_period_seconds, 2, 60),
            (
                "DashPlaylistSettings.SuggestedPresentationDelaySeconds",
                dash.suggested_presentation_delay_seconds,
                2,
                60,
            ),
        ],
        _ => {
            return Err(ApiError::bad_request(format!(
                "Outputs[{i}] must have exactly one of HlsPlaylistSettings and DashPlaylistSettings"
            )));
        }
    };
    for (member, value, min, max) in ranges {
        if let Some(value) = value {
            check_range(&at(member), value, min, max)?;
        }
    }
    Ok(ResponseOutputItem {
        dash_playlist_settings: output.dash_playlist_settings.clone(),
        hls_playlist_settings: output.hls_playlist_settings.clone(),
        manifest_name,
        playback_url: String::new(),
        source_group,
    })
}

/// ConfigureLogsForChannel: turns as-run logs on (`AS_RUN`) or off (no log types); the
/// channel's LogConfiguration shows it. The emulator writes no logs.
pub(super) fn configure_logs(call: Call<'_, '_>) -> Result<Answer, ApiError> {
    let map = object_body(call.body, shapes_playback::CONFIGURE_CHANNEL_LOGS)?;
    let name = map.get("ChannelName").and_then(Value::as_str).unwrap_or_default().to_owned();
    let log_types: Vec<String> = map
        .get("LogTypes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect();
    let record = channel_mut(call.store, &name)?;
    record.channel.log_configuration.log_types = log_types.clone();
    record.channel.last_modified_time = call.ctx.now;
    Ok(Answer::ok(json!({ "ChannelName": name, "LogTypes": log_types })))
}
