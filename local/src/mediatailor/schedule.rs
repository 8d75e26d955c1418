//! A channel's schedule, computed from its programs: play order from their RELATIVE transitions,
//! durations from their VOD sources' manifests, ad breaks as the slate's duration.
//!
//! Times start at the channel's start while it runs (the current loop, since the seed's only
//! playback mode is LOOP), and at the moment of the request while it is stopped.

use super::media;
use super::model::{ScheduleAdBreak, ScheduleEntry};
use super::ops::Context;
use super::store::{ChannelRecord, Store};

/// The schedule of `record`, at most `duration_minutes` of it when given.
pub(crate) fn compute(
    ctx: &Context<'_>,
    store: &Store,
    record: &ChannelRecord,
    duration_minutes: Option<u64>,
) -> Vec<ScheduleEntry> {
    let groups: Vec<&str> = record.channel.outputs.iter().map(|o| o.source_group.as_str()).collect();
    let duration_of = |location_name: &str, vod_name: &str| -> u64 {
        let location = store.source_locations.get(location_name);
        let source = store.vod_sources.get(location_name).and_then(|m| m.get(vod_name));
        match (location, source) {
            (Some(location), Some(source)) => media::duration_ms(ctx.media, location, source, &groups),
            _ => media::DEFAULT_DURATION_MS,
        }
    };

    // Program durations first (content plus slates), to know the loop's length.
    let mut planned = Vec::with_capacity(record.play_order.len());
    for name in &record.play_order {
        let Some(program) = record.programs.get(name).map(|p| &p.program) else { continue };
        let content_ms = duration_of(&program.source_location_name, &program.vod_source_name);
        let mut breaks = Vec::new();
        for ad_break in &program.ad_breaks {
            let offset = u64::try_from(ad_break.offset_millis.unwrap_or_default()).unwrap_or_default().min(content_ms);
            let (slate_location, slate_vod, slate_ms) = match &ad_break.slate {
                Some(slate) => {
                    let location = slate.source_location_name.clone();
                    let vod = slate.vod_source_name.clone();
                    let ms = duration_of(location.as_deref().unwrap_or_default(), vod.as_deref().unwrap_or_default());
                    (location, vod, ms)
                }
                None => (None, None, 0),
            };
            breaks.push((offset, slate_location, slate_vod, slate_ms));
        }
        breaks.sort_by_key(|b| b.0);
        let total_ms = content_ms + breaks.iter().map(|b| b.3).sum::<u64>();
        planned.push((program, breaks, total_ms));
    }
    let loop_ms: u64 = planned.iter().map(|p| p.2).sum();

    let now_ms = (ctx.now * 1000.0).round() as i64;
    let anchor_ms = match record.started_at {
        Some(started) if record.channel.channel_state == "RUNNING" && loop_ms > 0 => {
            let started_ms = (started * 1000.0).round() as i64;
            let loops = (now_ms - started_ms).max(0) / loop_ms as i64;
            started_ms + loops * loop_ms as i64
        }
        _ => now_ms,
    };
    let limit_ms = duration_minutes.map(|m| now_ms + m as i64 * 60_000);

    let mut entries = Vec::with_capacity(planned.len());
    let mut start_ms = anchor_ms;
    for (program, breaks, total_ms) in planned {
        if limit_ms.is_some_and(|limit| start_ms >= limit) {
            break;
        }
        let mut inserted_ms = 0;
        let schedule_ad_breaks = breaks
            .into_iter()
            .map(|(offset, location, vod, slate_ms)| {
                let at = start_ms + (offset + inserted_ms) as i64;
                inserted_ms += slate_ms;
                ScheduleAdBreak {
                    approximate_duration_seconds: (slate_ms / 1000) as i64,
                    approximate_start_time: at as f64 / 1000.0,
                    source_location_name: location,
                    vod_source_name: vod,
                }
            })
            .collect();
        entries.push(ScheduleEntry {
            approximate_duration_seconds: total_ms.div_ceil(1000) as i64,
            approximate_start_time: start_ms as f64 / 1000.0,
            arn: program.arn.clone(),
            channel_name: program.channel_name.clone(),
            program_name: program.program_name.clone(),
            schedule_ad_breaks,
            source_location_name: program.source_location_name.clone(),
            vod_source_name: program.vod_source_name.clone(),
        });
        start_ms += total_ms as i64;
    }
    entries
}
