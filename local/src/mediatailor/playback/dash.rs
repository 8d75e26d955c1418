//! DASH: a dynamic, multi-period MPD of the window: one Period per piece (content, ad break
//! slate, filler), each with its source's AdaptationSets and BaseURL on the origin, and an
//! SCTE-35 EventStream (`urn:scte:scte35:2013:xml`, splice_insert) in each ad break's Period.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::hls::iso;
use super::source::{DashSet, DashSource, SourceKey};
use super::timeline::{PieceKind, Placed, Splice};

/// Audio and video segments start within this of each other on a shared boundary.
const ALIGN_TOLERANCE_MS: u64 = 50;

/// The output's DashPlaylistSettings, defaults applied, in seconds.
#[derive(Debug, Clone, Copy)]
pub(super) struct Settings {
    /// ManifestWindowSeconds.
    pub(super) window_s: u64,
    /// MinBufferTimeSeconds.
    pub(super) min_buffer_s: u64,
    /// MinUpdatePeriodSeconds.
    pub(super) min_update_s: u64,
    /// SuggestedPresentationDelaySeconds.
    pub(super) delay_s: u64,
}

/// The MPD of the window's `segments` (placed on each source's video timeline).
pub(super) fn mpd(
    segments: &[Placed<'_>],
    sources: &BTreeMap<SourceKey, DashSource>,
    settings: Settings,
    start_ms: i64,
    now_ms: i64,
) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<MPD xmlns=\"urn:mpeg:dash:schema:mpd:2011\" xmlns:scte35=\"http://www.scte.org/schemas/35/2016\" \
         type=\"dynamic\" profiles=\"urn:mpeg:dash:profile:isoff-live:2011\" availabilityStartTime=\"{}\" \
         publishTime=\"{}\" minimumUpdatePeriod=\"PT{}S\" minBufferTime=\"PT{}S\" \
         suggestedPresentationDelay=\"PT{}S\" timeShiftBufferDepth=\"PT{}S\">",
        iso(start_ms),
        iso(now_ms),
        settings.min_update_s,
        settings.min_buffer_s,
        settings.delay_s,
        settings.window_s
    );
    for group in segments.chunk_by(|a, b| a.piece_index == b.piece_index) {
        if let Some(source) = group.first().and_then(|s| sources.get(&s.piece.source)) {
            period(&mut out, group, source, start_ms);
        }
    }
    out.push_str("</MPD>\n");
    out
}

/// One Period: the piece's segments of `group` in each AdaptationSet.
fn period(out: &mut String, group: &[Placed<'_>], source: &DashSource, start_ms: i64) {
    let (Some(first), Some(last)) = (group.first(), group.last()) else { return };
    let piece = first.piece;
    let offset = |n: usize| piece.from_ms + piece.durations_ms[..n].iter().sum::<u64>();
    let span = (offset(first.in_piece), offset(last.in_piece + 1));
    let _ = writeln!(
        out,
        "  <Period id=\"{}\" start=\"{}\">",
        first.piece_index,
        duration(first.piece_start_ms - start_ms)
    );
    let _ = writeln!(out, "    <BaseURL>{}</BaseURL>", escape(&source.base_url));
    if let PieceKind::AdBreak(splice) = piece.kind {
        event_stream(out, splice, piece.duration_ms());
    }
    for set in &source.sets {
        adaptation_set(out, set, piece.from_ms, span);
    }
    out.push_str("  </Period>\n");
}

fn adaptation_set(out: &mut String, set: &DashSet, from_ms: u64, span: (u64, u64)) {
    let scale = set.timescale;
    let in_span = |t: u64| {
        let ms = t * 1000 / scale;
        ms + ALIGN_TOLERANCE_MS >= span.0 && ms + ALIGN_TOLERANCE_MS < span.1
    };
    let times: Vec<&(u64, u64)> = set.times.iter().filter(|(t, _)| in_span(*t)).collect();
    if times.is_empty() {
        return;
    }
    let _ = writeln!(out, "    <AdaptationSet{}>", attributes(&set.attributes));
    let mut template = format!(" timescale=\"{scale}\" presentationTimeOffset=\"{}\"", from_ms * scale / 1000);
    for (name, value) in [("initialization", &set.initialization), ("media", &set.media)] {
        if let Some(value) = value {
            let _ = write!(template, " {name}=\"{}\"", escape(value));
        }
    }
    let _ = writeln!(out, "      <SegmentTemplate{template}>\n        <SegmentTimeline>");
    for (t, d) in times {
        let _ = writeln!(out, "          <S t=\"{t}\" d=\"{d}\"/>");
    }
    out.push_str("        </SegmentTimeline>\n      </SegmentTemplate>\n");
    for representation in &set.representations {
        let _ = writeln!(out, "      <Representation{}/>", attributes(representation));
    }
    out.push_str("    </AdaptationSet>\n");
}

/// The break's splice_insert, out of network for the slate's duration, at the Period's start.
fn event_stream(out: &mut String, splice: Splice, duration_ms: u64) {
    let ticks = duration_ms * 90;
    let _ = write!(
        out,
        "    <EventStream schemeIdUri=\"urn:scte:scte35:2013:xml\" timescale=\"90000\">\n      \
         <Event presentationTime=\"0\" duration=\"{ticks}\" id=\"{id}\">\n        \
         <scte35:SpliceInfoSection protocolVersion=\"0\" ptsAdjustment=\"0\" tier=\"4095\">\n          \
         <scte35:SpliceInsert spliceEventId=\"{id}\" spliceEventCancelIndicator=\"false\" \
         outOfNetworkIndicator=\"true\" spliceImmediateFlag=\"true\" uniqueProgramId=\"{}\" availNum=\"{}\" \
         availsExpected=\"{}\">\n            <scte35:Program/>\n            \
         <scte35:BreakDuration autoReturn=\"true\" duration=\"{ticks}\"/>\n          </scte35:SpliceInsert>\n        \
         </scte35:SpliceInfoSection>\n      </Event>\n    </EventStream>\n",
        splice.unique_program_id,
        splice.avail_num,
        splice.avails_expected,
        id = splice.event_id,
    );
}

fn attributes(pairs: &[(&'static str, String)]) -> String {
    pairs.iter().map(|(name, value)| format!(" {name}=\"{}\"", escape(value))).collect()
}

/// `PT…S` with milliseconds.
fn duration(ms: i64) -> String {
    let ms = ms.max(0);
    format!("PT{}.{:03}S", ms / 1000, ms % 1000)
}

fn escape(value: &str) -> String {
    value.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}
