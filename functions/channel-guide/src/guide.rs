//! The guide of one channel, built from its schedule entries and its VOD sources' tags (pure).
//!
//! - The window is `[event time, event time + GUIDE_HOURS)`: a retried event builds it again.
//! - A programme is every program entry (and alternate media) that overlaps the window, with
//!   its real start and stop, so the programme playing at the window's start is listed whole.
//! - A LOOP channel plays its programs again and again: when its entries end before the
//!   window does, they are repeated (the span from the first entry's start to the last one's
//!   end is the loop) until the window is covered. A LINEAR channel is taken as it is.
//! - Filler gaps (the filler slate plays) are left out of the guide: a `FILLER_SLATE` entry, or
//!   a hole of more than [`GAP_TOLERANCE_MS`] between programmes (or between the window's start
//!   and the first programme). They are measured in [`crate::health`], not listed as programmes.
//!   After the last programme the schedule has run out: that is `ScheduledMinutesAhead`, not a gap.
//! - Titles, descriptions, categories and episodes come from the VOD source's tags
//!   ([`TAG_TITLE`], [`TAG_DESCRIPTION`], [`TAG_CATEGORY`] (comma-separated, one `<category>`
//!   each), [`TAG_EPISODE`]); without a `title` tag the title is the VOD source's name (the
//!   program's name for a live source). Characters XML 1.0 cannot carry are dropped.
//! - MediaTailor's times are approximate, its durations whole seconds rounded up: a programme
//!   that would overlap the next one stops when the next one starts, and a repeated loop may
//!   drift by under a second per loop from what the service will play.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use tailorflow_shared::aws::mediatailor::{ScheduleEntry, ScheduleEntryKind};

/// The VOD source tag with the programme's title.
pub const TAG_TITLE: &str = "title";
/// The VOD source tag with the programme's description.
pub const TAG_DESCRIPTION: &str = "description";
/// The VOD source tag with the programme's categories, comma-separated.
pub const TAG_CATEGORY: &str = "category";
/// The VOD source tag with the programme's episode, as the credits write it (e.g. `S01E03`).
pub const TAG_EPISODE: &str = "episode";
/// A hole between programmes at most this long is rounding (MediaTailor's durations are whole
/// seconds), not a gap.
pub const GAP_TOLERANCE_MS: i64 = 1000;
/// The most programmes one guide lists (a week of one-minute programmes and more); a LOOP
/// channel's repetition stops there too.
pub const MAX_PROGRAMMES: usize = 20_000;

/// How a channel plays its schedule (`PlaybackMode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PlaybackMode {
    /// The programs play in a loop, for ever.
    Loop,
    /// The programs play once; then the filler slate.
    Linear,
}

impl PlaybackMode {
    /// MediaTailor's `LOOP` or `LINEAR`; anything else is taken as LINEAR (no repetition is
    /// assumed that the service does not promise).
    pub fn from_service(mode: &str) -> Self {
        if mode.eq_ignore_ascii_case("LOOP") { Self::Loop } else { Self::Linear }
    }
}

/// The guide's time window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Window {
    /// The event's time.
    pub start: DateTime<Utc>,
    /// `start` + GUIDE_HOURS.
    pub end: DateTime<Utc>,
}

impl Window {
    /// The window of a run at `time`, `hours` long.
    pub fn new(time: DateTime<Utc>, hours: u32) -> Self {
        Self { start: time, end: time + Duration::hours(i64::from(hours)) }
    }
}

/// What a VOD source's tags say of its programmes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Metadata {
    /// `title`.
    pub title: Option<String>,
    /// `description`.
    pub description: Option<String>,
    /// `category`, split on commas.
    pub categories: Vec<String>,
    /// `episode`.
    pub episode: Option<String>,
}

impl Metadata {
    /// Reads the documented tags; blank values count as absent.
    pub fn from_tags(tags: &BTreeMap<String, String>) -> Self {
        let text = |key: &str| tags.get(key).map(|v| xml_safe(v.trim())).filter(|v| !v.is_empty());
        let categories = tags
            .get(TAG_CATEGORY)
            .map(|v| v.split(',').map(|c| xml_safe(c.trim())).filter(|c| !c.is_empty()).collect())
            .unwrap_or_default();
        Self { title: text(TAG_TITLE), description: text(TAG_DESCRIPTION), categories, episode: text(TAG_EPISODE) }
    }
}

/// The guide's channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Channel {
    /// The XMLTV channel id: the MediaTailor channel's name.
    pub id: String,
    /// The name shown to viewers: the channel's name too.
    pub display_name: String,
}

/// One programme of the guide.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Programme {
    /// When it starts.
    #[serde(serialize_with = "rfc3339")]
    pub start: DateTime<Utc>,
    /// When it stops.
    #[serde(serialize_with = "rfc3339")]
    pub stop: DateTime<Utc>,
    /// The title.
    pub title: String,
    /// The description, when tagged.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The categories, when tagged.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub categories: Vec<String>,
    /// The episode, when tagged.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub episode: Option<String>,
}

fn rfc3339<S: serde::Serializer>(time: &DateTime<Utc>, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&time.format("%Y-%m-%dT%H:%M:%SZ").to_string())
}

/// A channel's guide: what `guides/<channel>.xml` and `.json` hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Guide {
    /// The channel.
    pub channel: Channel,
    /// Its programmes, in start order.
    pub programmes: Vec<Programme>,
}

/// A time the filler slate plays inside the scheduled part of the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Gap {
    /// From.
    pub start: DateTime<Utc>,
    /// To.
    pub stop: DateTime<Utc>,
}

impl Gap {
    /// Its length in whole seconds.
    pub fn seconds(&self) -> i64 {
        (self.stop - self.start).num_seconds()
    }
}

/// A guide with what the schedule's health is computed from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Built {
    /// The guide.
    pub guide: Guide,
    /// The ARNs of the programmes' programs, one per programme (an ARN repeats in a loop).
    pub program_arns: Vec<String>,
    /// Filler gaps within the window, before the last programme ends.
    pub gaps: Vec<Gap>,
    /// When the last programme ends (`None` without any programme in or after the window).
    pub scheduled_until: Option<DateTime<Utc>>,
    /// Entries MediaTailor gave without a start time, left out.
    pub undated_entries: usize,
}

/// One entry placed on the timeline.
struct Slot<'e> {
    start_ms: i64,
    end_ms: i64,
    entry: &'e ScheduleEntry,
}

/// Builds the guide of `channel` from its schedule `entries` and the tags of its VOD sources
/// (`metadata`, by source location and VOD source name; a VOD source missing from it gets its
/// name as title).
pub fn build(
    channel: &str,
    mode: PlaybackMode,
    window: Window,
    entries: &[ScheduleEntry],
    metadata: &BTreeMap<(String, String), Metadata>,
) -> Built {
    let window_start = window.start.timestamp_millis();
    let window_end = window.end.timestamp_millis();
    let undated_entries = entries.iter().filter(|e| e.start_ms.is_none()).count();
    let mut slots: Vec<Slot<'_>> = entries
        .iter()
        .filter_map(|entry| {
            let start_ms = entry.start_ms?;
            let duration = i64::try_from(entry.duration_ms).unwrap_or(i64::MAX);
            Some(Slot { start_ms, end_ms: start_ms.saturating_add(duration), entry })
        })
        .collect();
    slots.sort_by_key(|s| (s.start_ms, s.end_ms));
    if mode == PlaybackMode::Loop {
        repeat_loop(&mut slots, window_end);
    }
    let programmes_on_air: Vec<&Slot<'_>> =
        slots.iter().filter(|s| s.entry.kind != ScheduleEntryKind::FillerSlate && s.end_ms > s.start_ms).collect();
    let scheduled_until_ms = programmes_on_air.iter().map(|s| s.end_ms).max();
    let in_window: Vec<&Slot<'_>> = programmes_on_air
        .iter()
        .copied()
        .filter(|s| s.end_ms > window_start && s.start_ms < window_end)
        .take(MAX_PROGRAMMES)
        .collect();

    let mut gaps = Vec::new();
    if let Some(until) = scheduled_until_ms {
        let horizon = until.min(window_end);
        let mut cursor = window_start;
        for slot in &in_window {
            if slot.start_ms - cursor > GAP_TOLERANCE_MS {
                gaps.push((cursor, slot.start_ms.min(horizon)));
            }
            cursor = cursor.max(slot.end_ms);
            if cursor >= horizon {
                break;
            }
        }
    }

    let programmes = in_window
        .iter()
        .enumerate()
        .map(|(i, slot)| {
            let entry = slot.entry;
            // MediaTailor rounds durations up to whole seconds, so a programme may seem to end
            // just after the next one starts: it stops when the next one starts.
            let next_start = in_window.get(i + 1).map(|next| next.start_ms).filter(|&n| n > slot.start_ms);
            let stop_ms = next_start.map_or(slot.end_ms, |n| n.min(slot.end_ms));
            let fallback = entry.vod_source_name.clone().unwrap_or_else(|| entry.program_name.clone());
            let tagged = entry
                .vod_source_name
                .as_ref()
                .and_then(|vod| metadata.get(&(entry.source_location_name.clone(), vod.clone())))
                .cloned()
                .unwrap_or_default();
            Programme {
                start: at(slot.start_ms),
                stop: at(stop_ms),
                title: tagged.title.unwrap_or_else(|| xml_safe(&fallback)),
                description: tagged.description,
                categories: tagged.categories,
                episode: tagged.episode,
            }
        })
        .collect();
    Built {
        guide: Guide { channel: Channel { id: xml_safe(channel), display_name: xml_safe(channel) }, programmes },
        program_arns: in_window.iter().map(|s| s.entry.arn.clone()).collect(),
        gaps: gaps.into_iter().filter(|(a, b)| b > a).map(|(a, b)| Gap { start: at(a), stop: at(b) }).collect(),
        scheduled_until: scheduled_until_ms.map(at),
        undated_entries,
    }
}

/// Repeats a loop's slots after its end until `until`, bounded by [`MAX_PROGRAMMES`].
fn repeat_loop(slots: &mut Vec<Slot<'_>>, until: i64) {
    let (Some(first), Some(last_end)) = (slots.first().map(|s| s.start_ms), slots.iter().map(|s| s.end_ms).max())
    else {
        return;
    };
    let period = last_end - first;
    if period <= 0 {
        return;
    }
    let one_loop: Vec<(i64, i64, &ScheduleEntry)> = slots.iter().map(|s| (s.start_ms, s.end_ms, s.entry)).collect();
    let mut shift = period;
    while last_end.saturating_add(shift - period) < until && slots.len() < MAX_PROGRAMMES {
        for (start, end, entry) in &one_loop {
            slots.push(Slot { start_ms: start + shift, end_ms: end + shift, entry });
        }
        shift = shift.saturating_add(period);
    }
}

fn at(ms: i64) -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp_millis(ms).unwrap_or_default()
}

/// `text` without the characters XML 1.0 cannot carry (C0 controls but tab, newline and
/// carriage return; U+FFFE and U+FFFF).
pub fn xml_safe(text: &str) -> String {
    text.chars()
        .filter(|&c| matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..))
        .collect()
}

/// The guide as `guides/<channel>.json` holds it: the same content as the XMLTV file.
pub fn to_json(guide: &Guide) -> Vec<u8> {
    let mut bytes = serde_json::to_vec_pretty(guide).unwrap_or_default();
    bytes.push(b'\n');
    bytes
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn t(rfc3339: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(rfc3339).unwrap().with_timezone(&Utc)
    }

    fn entry(name: &str, vod: &str, start: &str, seconds: u64) -> ScheduleEntry {
        ScheduleEntry {
            program_name: name.into(),
            arn: format!("arn:aws:mediatailor:us-east-1:123456789012:program/news/{name}"),
            source_location_name: "media".into(),
            vod_source_name: Some(vod.into()),
            start_ms: Some(t(start).timestamp_millis()),
            duration_ms: seconds * 1000,
            kind: ScheduleEntryKind::Program,
        }
    }

    fn filler(start: &str, seconds: u64) -> ScheduleEntry {
        ScheduleEntry {
            program_name: String::new(),
            arn: String::new(),
            source_location_name: "media".into(),
            vod_source_name: Some("slate".into()),
            start_ms: Some(t(start).timestamp_millis()),
            duration_ms: seconds * 1000,
            kind: ScheduleEntryKind::FillerSlate,
        }
    }

    fn window() -> Window {
        Window::new(t("2026-11-25T06:00:00Z"), 1)
    }

    #[test]
    fn programmes_keep_their_times_and_the_one_on_air_is_listed_whole() {
        let entries = [
            entry("early", "a", "2026-11-25T05:00:00Z", 1800), // ended before the window: out
            entry("p1", "a", "2026-11-25T05:50:00Z", 1200),    // on air at the start: in, whole
            entry("p2", "b", "2026-11-25T06:10:00Z", 1800),
            entry("p3", "a", "2026-11-25T06:40:00Z", 1800), // runs past the window's end: in
            entry("late", "b", "2026-11-25T07:10:00Z", 600), // after the window: out
        ];
        let built = build("news", PlaybackMode::Linear, window(), &entries, &BTreeMap::new());
        let times: Vec<(String, String)> =
            built.guide.programmes.iter().map(|p| (p.start.to_rfc3339(), p.stop.to_rfc3339())).collect();
        assert_eq!(
            times,
            [
                ("2026-11-25T05:50:00+00:00".to_owned(), "2026-11-25T06:10:00+00:00".to_owned()),
                ("2026-11-25T06:10:00+00:00".into(), "2026-11-25T06:40:00+00:00".into()),
                ("2026-11-25T06:40:00+00:00".into(), "2026-11-25T07:10:00+00:00".into()),
            ]
        );
        assert!(built.gaps.is_empty());
        assert_eq!(built.scheduled_until, Some(t("2026-11-25T07:20:00Z")));
        assert_eq!(built.program_arns.len(), 3);
    }

    #[test]
    fn titles_come_from_tags_else_the_vod_source_name() {
        let entries =
            [entry("p1", "movie", "2026-11-25T06:00:00Z", 600), entry("p2", "bare", "2026-11-25T06:10:00Z", 600)];
        let tags: BTreeMap<String, String> = [
            ("title", " Big <Buck> & \"Bunny\" "),
            ("description", "Un lapin géant 🐰"),
            ("category", "Animation, Comedy,,"),
            ("episode", "S01E03"),
            ("unrelated", "x"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        let metadata = BTreeMap::from([(("media".to_owned(), "movie".to_owned()), Metadata::from_tags(&tags))]);
        let built = build("news", PlaybackMode::Linear, window(), &entries, &metadata);
        let first = &built.guide.programmes[0];
        assert_eq!(first.title, "Big <Buck> & \"Bunny\"");
        assert_eq!(first.description.as_deref(), Some("Un lapin géant 🐰"));
        assert_eq!(first.categories, ["Animation", "Comedy"]);
        assert_eq!(first.episode.as_deref(), Some("S01E03"));
        let second = &built.guide.programmes[1];
        assert_eq!((second.title.as_str(), second.description.as_ref(), second.categories.len()), ("bare", None, 0));
    }

    #[test]
    fn a_live_source_is_titled_by_its_program() {
        let mut live = entry("morning-show", "x", "2026-11-25T06:00:00Z", 600);
        live.vod_source_name = None;
        let built = build("news", PlaybackMode::Linear, window(), &[live], &BTreeMap::new());
        assert_eq!(built.guide.programmes[0].title, "morning-show");
    }

    #[test]
    fn filler_entries_and_holes_are_gaps_and_left_out_of_the_guide() {
        let entries = [
            entry("p1", "a", "2026-11-25T06:05:00Z", 600), // 5 min of filler before it
            filler("2026-11-25T06:15:00Z", 300),
            entry("p2", "a", "2026-11-25T06:20:00Z", 600),
            entry("p3", "a", "2026-11-25T06:30:00.500Z", 600), // half a second: rounding
            entry("p4", "a", "2026-11-25T06:45:00Z", 600),     // a hole of 4m59.5s
        ];
        let built = build("news", PlaybackMode::Linear, window(), &entries, &BTreeMap::new());
        assert_eq!(built.guide.programmes.len(), 4, "the filler is no programme");
        let gaps: Vec<i64> = built.gaps.iter().map(Gap::seconds).collect();
        assert_eq!(gaps, [300, 300, 299]);
        assert_eq!(built.scheduled_until, Some(t("2026-11-25T06:55:00Z")));
    }

    #[test]
    fn the_end_of_the_schedule_is_no_gap() {
        let entries = [entry("p1", "a", "2026-11-25T06:00:00Z", 600), filler("2026-11-25T06:10:00Z", 3000)];
        let built = build("news", PlaybackMode::Linear, window(), &entries, &BTreeMap::new());
        assert!(built.gaps.is_empty());
        assert_eq!(built.scheduled_until, Some(t("2026-11-25T06:10:00Z")));
    }

    #[test]
    fn a_channel_without_programs_has_an_empty_guide() {
        let built = build("news", PlaybackMode::Loop, window(), &[], &BTreeMap::new());
        assert!(built.guide.programmes.is_empty());
        assert!(built.gaps.is_empty());
        assert_eq!(built.scheduled_until, None);
    }

    #[test]
    fn a_loop_repeats_until_the_window_is_covered() {
        // One loop of 25 minutes that started at 05:55; the window is 06:00 to 07:00.
        let entries = [entry("p1", "a", "2026-11-25T05:55:00Z", 600), entry("p2", "b", "2026-11-25T06:05:00Z", 900)];
        let built = build("news", PlaybackMode::Loop, window(), &entries, &BTreeMap::new());
        let starts: Vec<String> = built.guide.programmes.iter().map(|p| p.start.format("%H:%M").to_string()).collect();
        assert_eq!(starts, ["05:55", "06:05", "06:20", "06:30", "06:45", "06:55"]);
        assert!(built.gaps.is_empty());
        assert!(built.scheduled_until.unwrap() >= window().end);
        // The same entries on a LINEAR channel end at 06:20.
        let linear = build("news", PlaybackMode::Linear, window(), &entries, &BTreeMap::new());
        assert_eq!(linear.guide.programmes.len(), 2);
        assert_eq!(linear.scheduled_until, Some(t("2026-11-25T06:20:00Z")));
    }

    #[test]
    fn a_duration_rounded_up_never_overlaps_the_next_programme() {
        let entries = [
            entry("p1", "a", "2026-11-25T06:00:00Z", 119), // 118.118 s, rounded up
            entry("p2", "b", "2026-11-25T06:01:58.118Z", 40),
        ];
        let built = build("news", PlaybackMode::Linear, window(), &entries, &BTreeMap::new());
        let programmes = &built.guide.programmes;
        assert_eq!(programmes[0].stop, programmes[1].start);
        assert_eq!(programmes[1].stop, t("2026-11-25T06:02:38.118Z"));
        assert!(built.gaps.is_empty());
    }

    #[test]
    fn characters_xml_cannot_carry_are_dropped() {
        assert_eq!(xml_safe("a\u{0}b\u{1b}c\td\u{FFFE}é😀"), "abc\tdé😀");
        let tags = BTreeMap::from([("title".to_owned(), "\u{7}".to_owned())]);
        assert_eq!(Metadata::from_tags(&tags).title, None, "nothing left: no title tag");
    }

    #[test]
    fn the_json_holds_the_guide() {
        let entries = [entry("p1", "a", "2026-11-25T06:00:00Z", 600)];
        let built = build("news", PlaybackMode::Linear, window(), &entries, &BTreeMap::new());
        let json: serde_json::Value = serde_json::from_slice(&to_json(&built.guide)).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "channel": {"id": "news", "displayName": "news"},
                "programmes": [{"start": "2026-11-25T06:00:00Z", "stop": "2026-11-25T06:10:00Z", "title": "a"}]
            })
        );
    }
}
