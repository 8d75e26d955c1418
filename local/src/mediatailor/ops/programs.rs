//! Programs: create (placed by a RELATIVE transition), describe and delete.

use axum::http::StatusCode;

use super::super::model::{AdBreak, CreateProgramBody, Program, SpliceInsertMessage, Transition};
use super::super::names;
use super::super::store::{ProgramRecord, Store};
use super::super::validate::{check_enum, check_range};
use super::{Call, channel, channel_mut, parse_body, to_value};
use crate::mediatailor::{Answer, ApiError};

fn not_found(channel: &str, program: &str) -> ApiError {
    ApiError::not_found(format!("program {program} does not exist on channel {channel}"))
}

pub(super) fn create(call: Call<'_, '_>, channel_name: &str, name: &str) -> Result<Answer, ApiError> {
    let (ctx, store) = (call.ctx, call.store);
    channel(store, channel_name)?;
    names::check("ProgramName", name)?;
    let body: CreateProgramBody = parse_body(call.body)?;
    let transition = validate_transition(&body)?;
    let (location, vod) = validate_source(store, &body)?;
    let ad_breaks = body.ad_breaks.clone().unwrap_or_default();
    for (i, ad_break) in ad_breaks.iter().enumerate() {
        validate_ad_break(store, i, ad_break)?;
    }
    if channel(store, channel_name)?.programs.contains_key(name) {
        return Err(ApiError::bad_request(format!("program {name} already exists on channel {channel_name}")));
    }
    let index = play_order_index(store, channel_name, &transition)?;
    let program = Program {
        ad_breaks,
        arn: ctx.arn(&format!("program/{channel_name}/{name}")),
        channel_name: channel_name.to_owned(),
        creation_time: ctx.now,
        program_name: name.to_owned(),
        source_location_name: location,
        vod_source_name: vod,
    };
    let answer = to_value(&program)?;
    let record = channel_mut(store, channel_name)?;
    record.play_order.insert(index, name.to_owned());
    record.programs.insert(name.to_owned(), ProgramRecord { program, transition });
    Ok(Answer::ok(answer))
}

pub(super) fn describe(call: Call<'_, '_>, channel_name: &str, name: &str) -> Result<Answer, ApiError> {
    let record = channel(call.store, channel_name)?.programs.get(name).ok_or_else(|| not_found(channel_name, name))?;
    Ok(Answer::ok(to_value(&record.program)?))
}

pub(super) fn delete(call: Call<'_, '_>, channel_name: &str, name: &str) -> Result<Answer, ApiError> {
    let record = channel_mut(call.store, channel_name)?;
    record.programs.remove(name).ok_or_else(|| not_found(channel_name, name))?;
    record.play_order.retain(|p| p != name);
    Ok(Answer::empty(StatusCode::OK))
}

/// `ScheduleConfiguration.Transition`: RELATIVE, before or after a program.
fn validate_transition(body: &CreateProgramBody) -> Result<Transition, ApiError> {
    const AT: &str = "ScheduleConfiguration.Transition";
    let transition = body
        .schedule_configuration
        .as_ref()
        .ok_or_else(|| ApiError::bad_request("ScheduleConfiguration is required"))?
        .transition
        .clone()
        .ok_or_else(|| ApiError::bad_request(format!("{AT} is required")))?;
    let kind = transition.kind.as_deref().ok_or_else(|| ApiError::bad_request(format!("{AT}.Type is required")))?;
    check_enum(&format!("{AT}.Type"), kind, &["RELATIVE"])?;
    let position = transition
        .relative_position
        .as_deref()
        .ok_or_else(|| ApiError::bad_request(format!("{AT}.RelativePosition is required")))?;
    check_enum(&format!("{AT}.RelativePosition"), position, &["BEFORE_PROGRAM", "AFTER_PROGRAM"])?;
    Ok(transition)
}

/// The program's source location and VOD source, which must exist.
fn validate_source(store: &Store, body: &CreateProgramBody) -> Result<(String, String), ApiError> {
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
    Ok((location.to_owned(), vod.to_owned()))
}

/// Where the transition puts the new program in the channel's play order.
fn play_order_index(store: &Store, channel_name: &str, transition: &Transition) -> Result<usize, ApiError> {
    let order = &channel(store, channel_name)?.play_order;
    let after = transition.relative_position.as_deref() == Some("AFTER_PROGRAM");
    Ok(match transition.relative_program.as_deref().filter(|p| !p.is_empty()) {
        Some(relative) => {
            let at = order.iter().position(|p| p == relative).ok_or_else(|| {
                ApiError::bad_request(format!(
                    "ScheduleConfiguration.Transition.RelativeProgram: program {relative} does not exist on channel {channel_name}"
                ))
            })?;
            if after { at + 1 } else { at }
        }
        None if after => order.len(),
        None => 0,
    })
}

fn validate_ad_break(store: &Store, i: usize, ad_break: &AdBreak) -> Result<(), ApiError> {
    let at = |member: &str| format!("AdBreaks[{i}].{member}");
    let offset =
        ad_break.offset_millis.ok_or_else(|| ApiError::bad_request(format!("{} is required", at("OffsetMillis"))))?;
    check_range(&at("OffsetMillis"), offset, 0, i64::MAX)?;
    if let Some(kind) = &ad_break.message_type {
        check_enum(&at("MessageType"), kind, &["SPLICE_INSERT"])?;
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
    match &ad_break.splice_insert_message {
        Some(message) => validate_splice_insert(&at("SpliceInsertMessage"), message),
        None => Ok(()),
    }
}

fn validate_splice_insert(at: &str, message: &SpliceInsertMessage) -> Result<(), ApiError> {
    for (member, value) in [
        ("AvailNum", message.avail_num),
        ("AvailsExpected", message.avails_expected),
        ("UniqueProgramId", message.unique_program_id),
    ] {
        if let Some(value) = value {
            check_range(&format!("{at}.{member}"), value, 0, 256)?;
        }
    }
    if let Some(id) = message.splice_event_id {
        check_range(&format!("{at}.SpliceEventId"), id, 0, i64::from(i32::MAX))?;
    }
    Ok(())
}
