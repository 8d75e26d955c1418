//! What a channel plays when: its timeline, computed from its programs (play order from their
//! transitions, durations from their sources' manifests, ad breaks as their slates' durations).
//! GetChannelSchedule answers from it, and playback serves it ([`timeline`] is pure: the store,
//! the media folder and a clock in, slots out).
//!
//! - `LOOP`: the programs play back to back, endlessly; times start at the current loop's start
//!   while the channel runs, and at `now` while it is stopped.
//! - `LINEAR`: each program plays once, in play order, from the channel's start while it runs
//!   (else from `now`). An `ABSOLUTE` program starts at its `ScheduledStartTimeMillis`: a gap
//!   before it plays the filler slate; a preceding program that would run past it is cut at the
//!   last segment boundary its renditions share at or before that time, and the program starts
//!   there; programs that would start after it never play. After the last program the filler
//!   slate plays until the end of the window asked for.

use super::media;
use super::model::{Program, ScheduleAdBreak, ScheduleEntry};
use super::store::{ChannelRecord, ProgramRecord, Store};
use crate::s3::MediaStore;

/// What a slot plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlotKind {
    /// A program (VOD or live).
    Program,
    /// The channel's filler slate, repeated for as long as the slot lasts.
    FillerSlate,
}

impl SlotKind {
    /// The `ScheduleEntryType` of the slot.
    pub fn entry_type(self) -> &'static str {
        match self {
            Self::Program => "PROGRAM",
            Self::FillerSlate => "FILLER_SLATE",
        }
    }
}

/// An ad break inside a program slot: its slate plays, then the content resumes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BreakSlot {
    /// When the break starts, epoch milliseconds.
    pub start_ms: i64,
    /// Where in the played content it falls (from the slot's `clip_start_ms`).
    pub offset_ms: u64,
    /// How long its slate plays (0 without a slate).
    pub duration_ms: u64,
    /// The slate's source location.
    pub source_location_name: Option<String>,
    /// The slate's VOD source.
    pub vod_source_name: Option<String>,
}

/// One stretch of a channel's timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slot {
    /// Program or filler slate.
    pub kind: SlotKind,
    /// When it starts, epoch milliseconds.
    pub start_ms: i64,
    /// How long it plays: content plus ad break slates.
    pub duration_ms: u64,
    /// The program; for filler, the program the gap waits for (or the last one played).
    pub program_name: String,
    /// The program's ARN; the channel's for filler.
    pub arn: String,
    /// The source location of what plays.
    pub source_location_name: String,
    /// The VOD source that plays (the filler slate's for filler).
    pub vod_source_name: Option<String>,
    /// The live source that plays, for a live program.
    pub live_source_name: Option<String>,
    /// Where in the source playback begins (a ClipRange's start).
    pub clip_start_ms: u64,
    /// How much of the source plays (after clipping and truncation).
    pub content_ms: u64,
    /// Common segment boundaries of the source, from its start (empty when unknown).
    pub boundaries_ms: Vec<u64>,
    /// Ad breaks, in order.
    pub breaks: Vec<BreakSlot>,
    /// Audiences of the program's audience media.
    pub audiences: Vec<String>,
}

impl Slot {
    /// When it ends, epoch milliseconds.
    pub fn end_ms(&self) -> i64 {
        self.start_ms.saturating_add(self.duration_ms as i64)
    }
}

/// The timeline of `channel_name` from the clock `now_ms`, up to `until_ms` when given (else
/// one loop, or every LINEAR program). LINEAR slots that ended before `now_ms` are left out;
/// `None` when the channel does not exist.
pub fn timeline(
    store: &Store,
    media: &MediaStore,
    channel_name: &str,
    now_ms: i64,
    until_ms: Option<i64>,
) -> Option<Vec<Slot>> {
    let record = store.channels.get(channel_name)?;
    let planned = plan(store, media, record);
    Some(if record.channel.playback_mode == "LINEAR" {
        linear(record, planned, now_ms, until_ms)
    } else {
        looped(record, planned, now_ms, until_ms)
    })
}

/// LOOP: one pass through the programs from the current loop's start.
fn looped(record: &ChannelRecord, planned: Vec<Slot>, now_ms: i64, until_ms: Option<i64>) -> Vec<Slot> {
    let loop_ms: u64 = planned.iter().map(|p| p.duration_ms).sum();
    let mut start_ms = match started_ms(record) {
        Some(started) if loop_ms > 0 => started + (now_ms - started).max(0) / loop_ms as i64 * loop_ms as i64,
        _ => now_ms,
    };
    let mut slots = Vec::with_capacity(planned.len());
    for slot in planned {
        if until_ms.is_some_and(|until| start_ms >= until) {
            break;
        }
        let next = start_ms + slot.duration_ms as i64;
        slots.push(placed(slot, start_ms));
        start_ms = next;
    }
    slots
}

/// LINEAR: each program once, ABSOLUTE ones at their time, gaps and the tail as filler.
fn linear(record: &ChannelRecord, planned: Vec<Slot>, now_ms: i64, until_ms: Option<i64>) -> Vec<Slot> {
    let mut cursor = started_ms(record).unwrap_or(now_ms);
    let mut slots: Vec<Slot> = Vec::with_capacity(planned.len() + 2);
    let absolute = |slot: &Slot| program_record(record, &slot.program_name).and_then(absolute_start_ms);
    for slot in planned {
        if let Some(at) = absolute(&slot) {
            if at > cursor {
                slots.push(filler(record, &slot.program_name, cursor, (at - cursor) as u64));
            } else if at < cursor {
                truncate(&mut slots, at);
            }
            // The program starts where the filler ends, or where the cut program now ends.
            cursor = slots.last().map_or(at, Slot::end_ms);
        }
        let next = cursor + slot.duration_ms as i64;
        slots.push(placed(slot, cursor));
        cursor = next;
    }
    if let Some(until) = until_ms.filter(|until| *until > cursor) {
        let last = slots.iter().rev().find(|s| s.kind == SlotKind::Program).map(|s| s.program_name.clone());
        slots.push(filler(record, &last.unwrap_or_default(), cursor, (until - cursor) as u64));
    }
    slots.retain(|s| s.end_ms() > now_ms && s.duration_ms > 0 && until_ms.is_none_or(|until| s.start_ms < until));
    slots
}

fn started_ms(record: &ChannelRecord) -> Option<i64> {
    let started = record.started_at.filter(|_| record.channel.channel_state == "RUNNING")?;
    Some((started * 1000.0).round() as i64)
}

fn program_record<'r>(record: &'r ChannelRecord, name: &str) -> Option<&'r ProgramRecord> {
    record.programs.get(name)
}

/// An ABSOLUTE program's start, epoch milliseconds.
pub(crate) fn absolute_start_ms(program: &ProgramRecord) -> Option<i64> {
    let transition = &program.transition;
    (transition.kind.as_deref() == Some("ABSOLUTE")).then_some(transition.scheduled_start_time_millis).flatten()
}

/// Drops what would start at or after `at_ms`, and cuts the slot playing then.
fn truncate(slots: &mut Vec<Slot>, at_ms: i64) {
    slots.retain(|s| s.start_ms < at_ms);
    if let Some(last) = slots.last_mut()
        && last.end_ms() > at_ms
    {
        cut(last, (at_ms - last.start_ms) as u64);
    }
    if slots.last().is_some_and(|s| s.duration_ms == 0) {
        slots.pop();
    }
}

/// Cuts `slot` after `elapsed_ms` of it: a program on the last common segment boundary at or
/// before that point (exactly there when its segments are unknown), dropping an ad break it
/// falls in; filler exactly there.
fn cut(slot: &mut Slot, elapsed_ms: u64) {
    if slot.kind == SlotKind::FillerSlate {
        slot.duration_ms = elapsed_ms;
        slot.content_ms = elapsed_ms;
        return;
    }
    // Content played before `elapsed_ms`: time minus the slates of breaks started by then.
    let mut content = elapsed_ms;
    let mut kept = 0;
    for b in &slot.breaks {
        let break_at = (b.start_ms - slot.start_ms) as u64;
        if break_at >= elapsed_ms {
            break;
        }
        if break_at + b.duration_ms > elapsed_ms {
            // Inside this break's slate: the cut falls where the break starts.
            content = b.offset_ms;
            break;
        }
        content -= b.duration_ms;
        kept += 1;
    }
    let content = snap(slot, content.min(slot.content_ms));
    slot.breaks.truncate(kept);
    slot.breaks.retain(|b| b.offset_ms < content || (content == slot.content_ms && b.offset_ms <= content));
    slot.content_ms = content;
    slot.duration_ms = content + slot.breaks.iter().map(|b| b.duration_ms).sum::<u64>();
}

/// The last common segment boundary at or before `content_ms` of played content.
fn snap(slot: &Slot, content_ms: u64) -> u64 {
    if slot.boundaries_ms.is_empty() {
        return content_ms;
    }
    let limit = slot.clip_start_ms + content_ms;
    let boundary = slot.boundaries_ms.iter().copied().filter(|b| *b <= limit).max().unwrap_or(0);
    boundary.saturating_sub(slot.clip_start_ms)
}

/// A filler slot waiting for `program_name`.
fn filler(record: &ChannelRecord, program_name: &str, start_ms: i64, duration_ms: u64) -> Slot {
    let slate = record.channel.filler_slate.clone().unwrap_or_default();
    Slot {
        kind: SlotKind::FillerSlate,
        start_ms,
        duration_ms,
        program_name: program_name.to_owned(),
        arn: record.channel.arn.clone(),
        source_location_name: slate.source_location_name.unwrap_or_default(),
        vod_source_name: slate.vod_source_name,
        live_source_name: None,
        clip_start_ms: 0,
        content_ms: duration_ms,
        boundaries_ms: Vec::new(),
        breaks: Vec::new(),
        audiences: Vec::new(),
    }
}

/// `slot` (planned from 0) moved to start at `start_ms`.
fn placed(mut slot: Slot, start_ms: i64) -> Slot {
    for b in &mut slot.breaks {
        b.start_ms += start_ms;
    }
    slot.start_ms = start_ms;
    slot
}

/// Every program in play order as a slot starting at 0, with its ad breaks placed.
fn plan(store: &Store, media: &MediaStore, record: &ChannelRecord) -> Vec<Slot> {
    let groups: Vec<&str> = record.channel.outputs.iter().map(|o| o.source_group.as_str()).collect();
    let content_of = |location_name: &str, vod_name: &str| -> (u64, Vec<u64>) {
        let location = store.source_locations.get(location_name);
        let source = store.vod_sources.get(location_name).and_then(|m| m.get(vod_name));
        match (location, source) {
            (Some(location), Some(source)) => media::content(media, location, source, &groups),
            _ => (media::DEFAULT_DURATION_MS, Vec::new()),
        }
    };
    let mut planned = Vec::with_capacity(record.play_order.len());
    for name in &record.play_order {
        let Some(program) = record.programs.get(name).map(|p| &p.program) else { continue };
        let (clip_start_ms, content_ms, boundaries_ms) = match &program.live_source_name {
            Some(_) => (0, u64::try_from(program.duration_millis.unwrap_or_default()).unwrap_or_default(), Vec::new()),
            None => {
                let (duration, boundaries) = content_of(&program.source_location_name, &program.vod_source_name);
                let (start, end) = clip(program, duration);
                (start, end - start, boundaries)
            }
        };
        let breaks = plan_breaks(program, content_ms, (clip_start_ms, &boundaries_ms), &|l, v| content_of(l, v).0);
        let duration_ms = content_ms + breaks.iter().map(|b| b.duration_ms).sum::<u64>();
        planned.push(Slot {
            kind: SlotKind::Program,
            start_ms: 0,
            duration_ms,
            program_name: program.program_name.clone(),
            arn: program.arn.clone(),
            source_location_name: program.source_location_name.clone(),
            vod_source_name: Some(program.vod_source_name.clone()).filter(|v| !v.is_empty()),
            live_source_name: program.live_source_name.clone(),
            clip_start_ms,
            content_ms,
            boundaries_ms,
            breaks,
            audiences: program.audience_media.iter().filter_map(|a| a.audience.clone()).collect(),
        });
    }
    planned
}

/// The part of a VOD source of `duration` ms a program plays: its ClipRange, within the source.
fn clip(program: &Program, duration: u64) -> (u64, u64) {
    let range = program.clip_range.as_ref();
    let offset = |v: Option<i64>| v.and_then(|v| u64::try_from(v).ok()).map(|v| v.min(duration));
    let start = offset(range.and_then(|r| r.start_offset_millis)).unwrap_or(0);
    let end = offset(range.and_then(|r| r.end_offset_millis)).unwrap_or(duration).max(start);
    (start, end)
}

/// A break more than this from every segment boundary of its program's source is skipped, as
/// MediaTailor skips it (without an error).
pub(crate) const BREAK_TOLERANCE_MS: u64 = 100;

/// Whether a break at `at_ms` of the source can play: at its start, within
/// [`BREAK_TOLERANCE_MS`] of a segment end in `boundaries_ms`, or anywhere when they are unknown.
fn on_boundary(boundaries_ms: &[u64], at_ms: u64) -> bool {
    at_ms == 0 || boundaries_ms.is_empty() || boundaries_ms.iter().any(|b| b.abs_diff(at_ms) <= BREAK_TOLERANCE_MS)
}

/// A program's ad breaks in offset order, each slate pushing the later ones back; breaks off
/// the source's segment boundaries (`clip`: the clip's start and the boundaries) are skipped.
fn plan_breaks(
    program: &Program,
    content_ms: u64,
    clip: (u64, &[u64]),
    slate_ms: &dyn Fn(&str, &str) -> u64,
) -> Vec<BreakSlot> {
    let mut breaks: Vec<BreakSlot> = program
        .ad_breaks
        .iter()
        .map(|ad_break| {
            let offset = u64::try_from(ad_break.offset_millis.unwrap_or_default()).unwrap_or_default();
            let slate = ad_break.slate.as_ref();
            let location = slate.and_then(|s| s.source_location_name.clone());
            let vod = slate.and_then(|s| s.vod_source_name.clone());
            let duration_ms = match slate {
                Some(_) => slate_ms(location.as_deref().unwrap_or_default(), vod.as_deref().unwrap_or_default()),
                None => 0,
            };
            BreakSlot {
                start_ms: 0,
                offset_ms: offset.min(content_ms),
                duration_ms,
                source_location_name: location,
                vod_source_name: vod,
            }
        })
        .collect();
    breaks.retain(|b| on_boundary(clip.1, clip.0 + b.offset_ms));
    breaks.sort_by_key(|b| b.offset_ms);
    let mut inserted = 0;
    for b in &mut breaks {
        b.start_ms = (b.offset_ms + inserted) as i64;
        inserted += b.duration_ms;
    }
    breaks
}

/// GetChannelSchedule's entries for `record`, at most `duration_minutes` from now.
pub(crate) fn entries(
    store: &Store,
    media: &MediaStore,
    record: &ChannelRecord,
    now: f64,
    duration_minutes: Option<u64>,
) -> Vec<ScheduleEntry> {
    let now_ms = (now * 1000.0).round() as i64;
    let until_ms = duration_minutes.map(|m| now_ms.saturating_add((m as i64).saturating_mul(60_000)));
    let slots = timeline(store, media, &record.channel.channel_name, now_ms, until_ms).unwrap_or_default();
    slots.into_iter().map(|slot| entry(&record.channel.channel_name, slot)).collect()
}

fn entry(channel_name: &str, slot: Slot) -> ScheduleEntry {
    let schedule_ad_breaks = slot
        .breaks
        .iter()
        .map(|b| ScheduleAdBreak {
            approximate_duration_seconds: (b.duration_ms / 1000) as i64,
            approximate_start_time: b.start_ms as f64 / 1000.0,
            source_location_name: b.source_location_name.clone(),
            vod_source_name: b.vod_source_name.clone(),
        })
        .collect();
    ScheduleEntry {
        approximate_duration_seconds: slot.duration_ms.div_ceil(1000) as i64,
        approximate_start_time: slot.start_ms as f64 / 1000.0,
        arn: slot.arn,
        audiences: slot.audiences,
        channel_name: channel_name.to_owned(),
        live_source_name: slot.live_source_name,
        program_name: slot.program_name,
        schedule_ad_breaks,
        schedule_entry_type: slot.kind.entry_type().to_owned(),
        source_location_name: slot.source_location_name,
        vod_source_name: slot.vod_source_name.unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn program_slot(content_ms: u64, boundaries_ms: Vec<u64>, breaks: Vec<BreakSlot>) -> Slot {
        let slates: u64 = breaks.iter().map(|b| b.duration_ms).sum();
        Slot {
            kind: SlotKind::Program,
            start_ms: 0,
            duration_ms: content_ms + slates,
            program_name: "p".into(),
            arn: "arn".into(),
            source_location_name: "l".into(),
            vod_source_name: Some("v".into()),
            live_source_name: None,
            clip_start_ms: 0,
            content_ms,
            boundaries_ms,
            breaks,
            audiences: Vec::new(),
        }
    }

    fn ad_break(offset_ms: u64, start_ms: i64, duration_ms: u64) -> BreakSlot {
        BreakSlot { start_ms, offset_ms, duration_ms, source_location_name: None, vod_source_name: None }
    }

    #[test]
    fn cuts_snap_to_the_last_boundary_at_or_before_the_time() {
        let mut slot = program_slot(40_000, vec![4_000, 8_000, 12_000, 40_000], Vec::new());
        cut(&mut slot, 11_999);
        assert_eq!((slot.content_ms, slot.duration_ms), (8_000, 8_000));
        let mut exact = program_slot(40_000, vec![4_000, 8_000, 40_000], Vec::new());
        cut(&mut exact, 8_000);
        assert_eq!(exact.duration_ms, 8_000);
        let mut unknown = program_slot(40_000, Vec::new(), Vec::new());
        cut(&mut unknown, 12_345);
        assert_eq!(unknown.duration_ms, 12_345, "without segments, exactly at the time");
    }

    #[test]
    fn a_cut_inside_a_break_drops_the_break_and_later_content() {
        // Content 0-10 s, a 30 s slate, then content 10-40 s.
        let breaks = vec![ad_break(10_000, 10_000, 30_000)];
        let mut slot = program_slot(40_000, (1..=10).map(|i| i * 4_000).collect(), breaks.clone());
        cut(&mut slot, 20_000);
        assert!(slot.breaks.is_empty());
        assert_eq!(slot.duration_ms, 8_000, "the boundary before the break's offset");
        let mut after = program_slot(40_000, (1..=10).map(|i| i * 4_000).collect(), breaks);
        cut(&mut after, 50_000);
        assert_eq!(after.breaks.len(), 1);
        assert_eq!(after.content_ms, 20_000, "50 s of time is 20 s of content after a 30 s slate");
        assert_eq!(after.duration_ms, 50_000);
    }

    #[test]
    fn truncation_drops_what_would_start_later() {
        let mut first = program_slot(40_000, Vec::new(), Vec::new());
        first.start_ms = 0;
        let mut second = program_slot(40_000, Vec::new(), Vec::new());
        second.start_ms = 40_000;
        let mut slots = vec![first, second];
        truncate(&mut slots, 30_000);
        assert_eq!(slots.len(), 1);
        assert_eq!(slots[0].end_ms(), 30_000);
    }
}
