//! Channels: create, describe, update, delete, list, start, stop, and their IAM policies.

use std::collections::BTreeMap;

use axum::http::StatusCode;
use serde_json::{Value, json};

use super::super::model::{
    Channel, CreateChannelBody, PutChannelPolicyBody, RequestOutputItem, ResponseOutputItem, UpdateChannelBody,
};
use super::super::names;
use super::super::store::ChannelRecord;
use super::super::validate::{check_enum, check_range};
use super::{Call, Context, channel, channel_mut, checked_tags, page, parse_body, to_value};
use crate::mediatailor::{Answer, ApiError};

pub(super) fn create(call: Call<'_, '_>, name: &str) -> Result<Answer, ApiError> {
    let ctx = call.ctx;
    names::check("ChannelName", name)?;
    let body: CreateChannelBody = parse_body(call.body)?;
    let outputs = validate_outputs(ctx, name, body.outputs.as_ref())?;
    let mode = body.playback_mode.as_deref().ok_or_else(|| ApiError::bad_request("PlaybackMode is required"))?;
    check_enum("PlaybackMode", mode, &["LOOP"])?;
    let tags = checked_tags(&body.tags)?;
    if call.store.channels.contains_key(name) {
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
    let record =
        ChannelRecord { channel, programs: BTreeMap::new(), play_order: Vec::new(), policy: None, started_at: None };
    call.store.channels.insert(name.to_owned(), record);
    Ok(Answer::ok(answer))
}

pub(super) fn describe(call: Call<'_, '_>, name: &str) -> Result<Answer, ApiError> {
    Ok(Answer::ok(to_value(&channel(call.store, name)?.channel)?))
}

pub(super) fn update(call: Call<'_, '_>, name: &str) -> Result<Answer, ApiError> {
    channel(call.store, name)?;
    let body: UpdateChannelBody = parse_body(call.body)?;
    let outputs = validate_outputs(call.ctx, name, body.outputs.as_ref())?;
    let record = channel_mut(call.store, name)?;
    record.channel.outputs = outputs;
    record.channel.last_modified_time = call.ctx.now;
    Ok(Answer::ok(to_value(&record.channel)?))
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
        (Some(hls), None) => vec![("HlsPlaylistSettings.ManifestWindowSeconds", hls.manifest_window_seconds, 30, 3600)],
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
