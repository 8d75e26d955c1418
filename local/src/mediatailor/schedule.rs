//! A channel's schedule, computed from its programs: play order from their RELATIVE transitions,
//! durations from their VOD sources' manifests, ad breaks as the slate's duration.
//!
//! Times start at the channel's start while it runs (the current loop, since the seed's only
//! playback mode is LOOP), and at the moment of the request while it is stopped.

use super::media;
use super::model::{Program, ScheduleAdBreak, ScheduleEntry};
use super::ops::Context;
use super::store::{ChannelRecord, Store};

/// A program with its ad breaks placed and its total length (content plus slates).
struct Planned<'r> {
    program: &'r Program,
    breaks: Vec<PlannedBreak>,
    total_ms: u64,
}

/// An ad break: its offset in the content and the slate that fills it.
struct PlannedBreak {
    offset_ms: u64,
    location: Option<String>,
    vod: Option<String>,
    slate_ms: u64,
}

/// The schedule of `record`, at most `duration_minutes` of it when given.
pub(crate) fn compute(
    ctx: &Context<'_>,
    store: &Store,
    record: &ChannelRecord,
    duration_minutes: Option<u64>,
) -> Vec<ScheduleEntry> {
    // Program durations first (content plus slates), to know the loop's length.
    let planned = plan(ctx, store, record);
    let loop_ms: u64 = planned.iter().map(|p| p.total_ms).sum();
    let now_ms = (ctx.now * 1000.0).round() as i64;
    let limit_ms = duration_minutes.map(|m| now_ms + m as i64 * 60_000);
    let mut entries = Vec::with_capacity(planned.len());
    let mut start_ms = anchor_ms(record, now_ms, loop_ms);
    for planned in planned {
        if limit_ms.is_some_and(|limit| start_ms >= limit) {
            break;
        }
        let total_ms = planned.total_ms;
        entries.push(entry(planned, start_ms));
        start_ms += total_ms as i64;
    }
    entries
}

/// Where the schedule starts: the current loop's start while running, else now.
fn anchor_ms(record: &ChannelRecord, now_ms: i64, loop_ms: u64) -> i64 {
    match record.started_at {
        Some(started) if record.channel.channel_state == "RUNNING" && loop_ms > 0 => {
            let started_ms = (started * 1000.0).round() as i64;
            let loops = (now_ms - started_ms).max(0) / loop_ms as i64;
            started_ms + loops * loop_ms as i64
        }
        _ => now_ms,
    }
}

/// The channel's programs in play order, with their lengths from their manifests.
fn plan<'r>(ctx: &Context<'_>, store: &Store, record: &'r ChannelRecord) -> Vec<Planned<'r>> {
    let groups: Vec<&str> = record.channel.outputs.iter().map(|o| o.source_group.as_str()).collect();
    let duration_of = |location_name: &str, vod_name: &str| -> u64 {
        let location = store.source_locations.get(location_name);
        let source = store.vod_sources.get(location_name).and_then(|m| m.get(vod_name));
        match (location, source) {
            (Some(location), Some(source)) => media::duration_ms(ctx.media, location, source, &groups),
            _ => media::DEFAULT_DURATION_MS,
        }
    };
    let mut planned = Vec::with_capacity(record.play_order.len());
    for name in &record.play_order {
        let Some(program) = record.programs.get(name).map(|p| &p.program) else { continue };
        let content_ms = duration_of(&program.source_location_name, &program.vod_source_name);
        let mut breaks: Vec<PlannedBreak> = program
            .ad_breaks
            .iter()
            .map(|ad_break| {
                let offset = u64::try_from(ad_break.offset_millis.unwrap_or_default()).unwrap_or_default();
                let slate = ad_break.slate.as_ref();
                let location = slate.and_then(|s| s.source_location_name.clone());
                let vod = slate.and_then(|s| s.vod_source_name.clone());
                let slate_ms = match slate {
                    Some(_) => duration_of(location.as_deref().unwrap_or_default(), vod.as_deref().unwrap_or_default()),
                    None => 0,
                };
                PlannedBreak { offset_ms: offset.min(content_ms), location, vod, slate_ms }
            })
            .collect();
        breaks.sort_by_key(|b| b.offset_ms);
        let total_ms = content_ms + breaks.iter().map(|b| b.slate_ms).sum::<u64>();
        planned.push(Planned { program, breaks, total_ms });
    }
    planned
}

/// The schedule entry of a program starting at `start_ms`; each slate pushes the later breaks.
fn entry(planned: Planned<'_>, start_ms: i64) -> ScheduleEntry {
    let program = planned.program;
    let mut inserted_ms = 0;
    let schedule_ad_breaks = planned
        .breaks
        .into_iter()
        .map(|b| {
            let at = start_ms + (b.offset_ms + inserted_ms) as i64;
            inserted_ms += b.slate_ms;
            ScheduleAdBreak {
                approximate_duration_seconds: (b.slate_ms / 1000) as i64,
                approximate_start_time: at as f64 / 1000.0,
                source_location_name: b.location,
                vod_source_name: b.vod,
            }
        })
        .collect();
    ScheduleEntry {
        approximate_duration_seconds: planned.total_ms.div_ceil(1000) as i64,
        approximate_start_time: start_ms as f64 / 1000.0,
        arn: program.arn.clone(),
        channel_name: program.channel_name.clone(),
        program_name: program.program_name.clone(),
        schedule_ad_breaks,
        source_location_name: program.source_location_name.clone(),
        vod_source_name: program.vod_source_name.clone(),
    }
}
