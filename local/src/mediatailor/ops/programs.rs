//! Programs: create (placed by a RELATIVE or ABSOLUTE transition), describe, update, delete.

use axum::http::StatusCode;

use super::super::model::{
    AdBreak, AlternateMedia, AudienceMedia, ClipRange, CreateProgramBody, KeyValuePair, Program, SpliceInsertMessage,
    TimeSignalMessage, Transition, UpdateProgramBody,
};
use super::super::names;
use super::super::store::{ChannelRecord, ProgramRecord, Store};
use super::super::validate::{check_enum, check_range};
use super::{Call, channel, channel_mut, checked_tags, parse_body, to_value};
use crate::mediatailor::{Answer, ApiError};

const TRANSITION: &str = "ScheduleConfiguration.Transition";

fn not_found(channel: &str, program: &str) -> ApiError {
    ApiError::not_found(format!("program {program} does not exist on channel {channel}"))
}

/// What a program plays: a VOD source or, on STANDARD channels, a live source.
enum Source {
    Vod(String),
    Live(String),
}

pub(super) fn create(call: Call<'_, '_>, channel_name: &str, name: &str) -> Result<Answer, ApiError> {
    let (ctx, store) = (call.ctx, call.store);
    let record = channel(store, channel_name)?;
    names::check("ProgramName", name)?;
    let body: CreateProgramBody = parse_body(call.body)?;
    let transition = validate_transition(record, &body)?;
    let (location, source) = validate_source(store, record, &body)?;
    let live = matches!(source, Source::Live(_));
    check_duration(&transition, live)?;
    let clip_range = body.schedule_configuration.as_ref().and_then(|s| s.clip_range.clone());
    validate_clip_range(clip_range.as_ref(), live)?;
    let ad_breaks = body.ad_breaks.clone().unwrap_or_default();
    validate_ad_breaks(store, "AdBreaks", &ad_breaks)?;
    let audience_media = body.audience_media.clone().unwrap_or_default();
    validate_audience_media(store, record, &audience_media)?;
    let tags = checked_tags(&body.tags)?;
    if record.programs.contains_key(name) {
        return Err(ApiError::bad_request(format!("program {name} already exists on channel {channel_name}")));
    }
    let index = play_order_index(record, &transition)?;
    let (vod_source_name, live_source_name) = match source {
        Source::Vod(vod) => (vod, None),
        Source::Live(live) => (String::new(), Some(live)),
    };
    let program = Program {
        ad_breaks,
        arn: ctx.arn(&format!("program/{channel_name}/{name}")),
        audience_media,
        channel_name: channel_name.to_owned(),
        clip_range,
        creation_time: ctx.now,
        duration_millis: transition.duration_millis,
        live_source_name,
        program_name: name.to_owned(),
        scheduled_start_time: scheduled_start(&transition),
        source_location_name: location,
        tags,
        vod_source_name,
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

/// UpdateProgram: ad breaks and audience media are replaced when given; the schedule
/// configuration may move an ABSOLUTE program, change a live program's length or a VOD
/// program's clip range. The play order stays.
pub(super) fn update(call: Call<'_, '_>, channel_name: &str, name: &str) -> Result<Answer, ApiError> {
    let store = call.store;
    let record = channel(store, channel_name)?;
    let existing = record.programs.get(name).ok_or_else(|| not_found(channel_name, name))?;
    let body: UpdateProgramBody = parse_body(call.body)?;
    let schedule =
        body.schedule_configuration.ok_or_else(|| ApiError::bad_request("ScheduleConfiguration is required"))?;
    let live = existing.program.live_source_name.is_some();
    let absolute = existing.transition.kind.as_deref() == Some("ABSOLUTE");
    let mut transition = existing.transition.clone();
    if let Some(update) = &schedule.transition {
        if let Some(at) = update.scheduled_start_time_millis {
            if !absolute {
                return Err(ApiError::bad_request(format!(
                    "{TRANSITION}.ScheduledStartTimeMillis applies to ABSOLUTE programs; {name} is RELATIVE"
                )));
            }
            check_range(&format!("{TRANSITION}.ScheduledStartTimeMillis"), at, 0, i64::MAX)?;
            transition.scheduled_start_time_millis = Some(at);
        }
        if update.duration_millis.is_some() {
            transition.duration_millis = update.duration_millis;
        }
    }
    check_duration(&transition, live)?;
    validate_clip_range(schedule.clip_range.as_ref(), live)?;
    if let Some(ad_breaks) = &body.ad_breaks {
        validate_ad_breaks(store, "AdBreaks", ad_breaks)?;
    }
    if let Some(media) = &body.audience_media {
        validate_audience_media(store, record, media)?;
    }
    let record = channel_mut(store, channel_name)?;
    let stored = record.programs.get_mut(name).ok_or_else(|| not_found(channel_name, name))?;
    let program = &mut stored.program;
    if let Some(ad_breaks) = body.ad_breaks {
        program.ad_breaks = ad_breaks;
    }
    if let Some(media) = body.audience_media {
        program.audience_media = media;
    }
    if schedule.clip_range.is_some() {
        program.clip_range = schedule.clip_range;
    }
    program.duration_millis = transition.duration_millis;
    program.scheduled_start_time = scheduled_start(&transition);
    stored.transition = transition;
    Ok(Answer::ok(to_value(&stored.program)?))
}

pub(super) fn delete(call: Call<'_, '_>, channel_name: &str, name: &str) -> Result<Answer, ApiError> {
    let record = channel_mut(call.store, channel_name)?;
    record.programs.remove(name).ok_or_else(|| not_found(channel_name, name))?;
    record.play_order.retain(|p| p != name);
    Ok(Answer::empty(StatusCode::OK))
}

/// DescribeProgram's `ScheduledStartTime` (epoch seconds) of an ABSOLUTE program.
fn scheduled_start(transition: &Transition) -> Option<f64> {
    let absolute = transition.kind.as_deref() == Some("ABSOLUTE");
    transition.scheduled_start_time_millis.filter(|_| absolute).map(|ms| ms as f64 / 1000.0)
}

/// `ScheduleConfiguration.Transition`: RELATIVE (both modes) or ABSOLUTE (LINEAR only, with a
/// ScheduledStartTimeMillis); either is placed in the play order by its RelativePosition.
fn validate_transition(record: &ChannelRecord, body: &CreateProgramBody) -> Result<Transition, ApiError> {
    let transition = body
        .schedule_configuration
        .as_ref()
        .ok_or_else(|| ApiError::bad_request("ScheduleConfiguration is required"))?
        .transition
        .clone()
        .ok_or_else(|| ApiError::bad_request(format!("{TRANSITION} is required")))?;
    let kind =
        transition.kind.as_deref().ok_or_else(|| ApiError::bad_request(format!("{TRANSITION}.Type is required")))?;
    check_enum(&format!("{TRANSITION}.Type"), kind, &["RELATIVE", "ABSOLUTE"])?;
    let position = transition
        .relative_position
        .as_deref()
        .ok_or_else(|| ApiError::bad_request(format!("{TRANSITION}.RelativePosition is required")))?;
    check_enum(&format!("{TRANSITION}.RelativePosition"), position, &["BEFORE_PROGRAM", "AFTER_PROGRAM"])?;
    let start = transition.scheduled_start_time_millis;
    match (kind, start) {
        ("ABSOLUTE", _) if record.channel.playback_mode != "LINEAR" => Err(ApiError::bad_request(format!(
            "{TRANSITION}.Type: ABSOLUTE transitions need a LINEAR channel; {} is {}",
            record.channel.channel_name, record.channel.playback_mode
        ))),
        ("ABSOLUTE", None) => Err(ApiError::bad_request(format!(
            "{TRANSITION}.ScheduledStartTimeMillis is required with an ABSOLUTE transition"
        ))),
        ("ABSOLUTE", Some(at)) => {
            check_range(&format!("{TRANSITION}.ScheduledStartTimeMillis"), at, 0, i64::MAX)?;
            Ok(transition)
        }
        (_, Some(_)) => Err(ApiError::bad_request(format!(
            "{TRANSITION}.ScheduledStartTimeMillis applies only to ABSOLUTE transitions"
        ))),
        _ => Ok(transition),
    }
}

/// A live program plays for its `DurationMillis` (required, at least 1); a VOD program's length
/// comes from its source, so it takes none.
fn check_duration(transition: &Transition, live: bool) -> Result<(), ApiError> {
    let member = format!("{TRANSITION}.DurationMillis");
    match (transition.duration_millis, live) {
        (Some(ms), true) => Ok(check_range(&member, ms, 1, i64::MAX)?),
        (None, true) => Err(ApiError::bad_request(format!("{member} is required for a live program"))),
        (Some(_), false) => Err(ApiError::bad_request(format!("{member} applies only to live programs"))),
        (None, false) => Ok(()),
    }
}

/// `ScheduleConfiguration.ClipRange` of a VOD program: EndOffsetMillis required, offsets at
/// least 0, the end after the start.
fn validate_clip_range(range: Option<&ClipRange>, live: bool) -> Result<(), ApiError> {
    let Some(range) = range else { return Ok(()) };
    check_clip_range("ScheduleConfiguration.ClipRange", range)?;
    if live {
        return Err(ApiError::bad_request("ScheduleConfiguration.ClipRange applies only to VOD programs"));
    }
    Ok(())
}

fn check_clip_range(at: &str, range: &ClipRange) -> Result<(), ApiError> {
    let end =
        range.end_offset_millis.ok_or_else(|| ApiError::bad_request(format!("{at}.EndOffsetMillis is required")))?;
    check_range(&format!("{at}.EndOffsetMillis"), end, 0, i64::MAX)?;
    let start = range.start_offset_millis.unwrap_or(0);
    check_range(&format!("{at}.StartOffsetMillis"), start, 0, i64::MAX)?;
    if end <= start {
        return Err(ApiError::bad_request(format!(
            "{at}.EndOffsetMillis ({end}) must be after StartOffsetMillis ({start})"
        )));
    }
    Ok(())
}

/// The program's source location and its VOD or live source (exactly one), which must exist;
/// live sources play only on STANDARD channels.
fn validate_source(
    store: &Store,
    record: &ChannelRecord,
    body: &CreateProgramBody,
) -> Result<(String, Source), ApiError> {
    let location =
        body.source_location_name.as_deref().ok_or_else(|| ApiError::bad_request("SourceLocationName is required"))?;
    if !store.source_locations.contains_key(location) {
        return Err(ApiError::bad_request(format!("SourceLocationName: source location {location} does not exist")));
    }
    let source = match (body.vod_source_name.as_deref(), body.live_source_name.as_deref()) {
        (Some(_), Some(_)) => {
            return Err(ApiError::bad_request("VodSourceName and LiveSourceName: give one, not both"));
        }
        (None, None) => return Err(ApiError::bad_request("VodSourceName or LiveSourceName is required")),
        (Some(vod), None) => {
            check_vod(store, "VodSourceName", location, vod)?;
            Source::Vod(vod.to_owned())
        }
        (None, Some(live)) => {
            check_live(store, "LiveSourceName", location, live)?;
            if record.channel.tier != "STANDARD" {
                return Err(ApiError::bad_request(format!(
                    "LiveSourceName: live sources play only on STANDARD channels; {} is {}",
                    record.channel.channel_name, record.channel.tier
                )));
            }
            Source::Live(live.to_owned())
        }
    };
    Ok((location.to_owned(), source))
}

fn check_vod(store: &Store, member: &str, location: &str, vod: &str) -> Result<(), ApiError> {
    if store.vod_sources.get(location).is_some_and(|m| m.contains_key(vod)) {
        Ok(())
    } else {
        Err(ApiError::bad_request(format!("{member}: VOD source {vod} does not exist in source location {location}")))
    }
}

fn check_live(store: &Store, member: &str, location: &str, live: &str) -> Result<(), ApiError> {
    if store.live_sources.get(location).is_some_and(|m| m.contains_key(live)) {
        Ok(())
    } else {
        Err(ApiError::bad_request(format!("{member}: live source {live} does not exist in source location {location}")))
    }
}

/// Where the transition puts the new program in the channel's play order.
fn play_order_index(record: &ChannelRecord, transition: &Transition) -> Result<usize, ApiError> {
    let order = &record.play_order;
    let after = transition.relative_position.as_deref() == Some("AFTER_PROGRAM");
    Ok(match transition.relative_program.as_deref().filter(|p| !p.is_empty()) {
        Some(relative) => {
            let at = order.iter().position(|p| p == relative).ok_or_else(|| {
                ApiError::bad_request(format!(
                    "{TRANSITION}.RelativeProgram: program {relative} does not exist on channel {}",
                    record.channel.channel_name
                ))
            })?;
            if after { at + 1 } else { at }
        }
        None if after => order.len(),
        None => 0,
    })
}

/// Audience media: each names one of the channel's audiences and lists alternate media that
/// exist. Stored and echoed; playback plays the program's own media.
fn validate_audience_media(store: &Store, record: &ChannelRecord, media: &[AudienceMedia]) -> Result<(), ApiError> {
    for (i, item) in media.iter().enumerate() {
        let at = format!("AudienceMedia[{i}]");
        let audience =
            item.audience.as_deref().ok_or_else(|| ApiError::bad_request(format!("{at}.Audience is required")))?;
        if !record.channel.audiences.iter().any(|a| a == audience) {
            return Err(ApiError::bad_request(format!(
                "{at}.Audience: {audience:?} is not an audience of channel {}",
                record.channel.channel_name
            )));
        }
        for (j, alternate) in item.alternate_media.iter().flatten().enumerate() {
            validate_alternate(store, &format!("{at}.AlternateMedia[{j}]"), alternate)?;
        }
    }
    Ok(())
}

fn validate_alternate(store: &Store, at: &str, media: &AlternateMedia) -> Result<(), ApiError> {
    let location = media
        .source_location_name
        .as_deref()
        .ok_or_else(|| ApiError::bad_request(format!("{at}.SourceLocationName is required")))?;
    match (media.vod_source_name.as_deref(), media.live_source_name.as_deref()) {
        (Some(vod), None) => check_vod(store, &format!("{at}.VodSourceName"), location, vod)?,
        (None, Some(live)) => check_live(store, &format!("{at}.LiveSourceName"), location, live)?,
        _ => return Err(ApiError::bad_request(format!("{at}: give exactly one of VodSourceName and LiveSourceName"))),
    }
    for (member, value) in
        [("ScheduledStartTimeMillis", media.scheduled_start_time_millis), ("DurationMillis", media.duration_millis)]
    {
        if let Some(value) = value {
            check_range(&format!("{at}.{member}"), value, 0, i64::MAX)?;
        }
    }
    if let Some(range) = &media.clip_range {
        check_clip_range(&format!("{at}.ClipRange"), range)?;
    }
    validate_ad_breaks(store, &format!("{at}.AdBreaks"), media.ad_breaks.as_deref().unwrap_or_default())
}

fn validate_ad_breaks(store: &Store, at: &str, ad_breaks: &[AdBreak]) -> Result<(), ApiError> {
    for (i, ad_break) in ad_breaks.iter().enumerate() {
        validate_ad_break(store, &format!("{at}[{i}]"), ad_break)?;
    }
    Ok(())
}

fn validate_ad_break(store: &Store, at: &str, ad_break: &AdBreak) -> Result<(), ApiError> {
    let at = |member: &str| format!("{at}.{member}");
    let offset =
        ad_break.offset_millis.ok_or_else(|| ApiError::bad_request(format!("{} is required", at("OffsetMillis"))))?;
    check_range(&at("OffsetMillis"), offset, 0, i64::MAX)?;
    if let Some(kind) = &ad_break.message_type {
        check_enum(&at("MessageType"), kind, &["SPLICE_INSERT", "TIME_SIGNAL"])?;
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
    for (j, pair) in ad_break.ad_break_metadata.iter().flatten().enumerate() {
        validate_pair(&at(&format!("AdBreakMetadata[{j}]")), pair)?;
    }
    if let Some(message) = &ad_break.time_signal_message {
        validate_time_signal(&at("TimeSignalMessage"), message)?;
    }
    match &ad_break.splice_insert_message {
        Some(message) => validate_splice_insert(&at("SpliceInsertMessage"), message),
        None => Ok(()),
    }
}

fn validate_pair(at: &str, pair: &KeyValuePair) -> Result<(), ApiError> {
    for (member, value) in [("Key", &pair.key), ("Value", &pair.value)] {
        if value.is_none() {
            return Err(ApiError::bad_request(format!("{at}.{member} is required")));
        }
    }
    Ok(())
}

/// SCTE-35 segmentation descriptors: the 8-bit fields 0 to 255, the event id 0 to 2^32-1, the
/// UPID as hex.
fn validate_time_signal(at: &str, message: &TimeSignalMessage) -> Result<(), ApiError> {
    for (i, d) in message.segmentation_descriptors.iter().flatten().enumerate() {
        let at = format!("{at}.SegmentationDescriptors[{i}]");
        for (member, value) in [
            ("SegmentationUpidType", d.segmentation_upid_type),
            ("SegmentationTypeId", d.segmentation_type_id),
            ("SegmentNum", d.segment_num),
            ("SegmentsExpected", d.segments_expected),
            ("SubSegmentNum", d.sub_segment_num),
            ("SubSegmentsExpected", d.sub_segments_expected),
        ] {
            if let Some(value) = value {
                check_range(&format!("{at}.{member}"), value, 0, 255)?;
            }
        }
        if let Some(id) = d.segmentation_event_id {
            check_range(&format!("{at}.SegmentationEventId"), id, 0, i64::from(u32::MAX))?;
        }
        if d.segmentation_upid.as_deref().is_some_and(|u| u.len() % 2 != 0 || !u.bytes().all(|b| b.is_ascii_hexdigit()))
        {
            return Err(ApiError::bad_request(format!("{at}.SegmentationUpid must be hexadecimal, two digits a byte")));
        }
    }
    Ok(())
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
