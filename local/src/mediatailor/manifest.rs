//! Reading HLS playlists (with `m3u8-rs`) and DASH MPDs (with `dash-mpd-core`) into what the
//! emulator needs: durations, segment timelines and renditions. Bytes in, plain data out.
//!
//! Times are whole milliseconds, as MediaTailor's own offsets are: each HLS `#EXTINF` is rounded
//! to a millisecond on its own and the sums are integers, so totals do not drift.

use std::time::Duration;

use dash_mpd_core::{AdaptationSet, MPD, Period, S};
use m3u8_rs::Playlist;

/// MediaTailor raises `SEGMENT_DURATION_TOO_LONG` for segments longer than this (30 s).
pub(crate) const MAX_SEGMENT_MS: u64 = 30_000;

/// Cap on the segments expanded from one MPD, so a broken `S@r` gives an error, not an
/// exhausted memory. A day of 1 s segments is 86,400.
const MAX_DASH_SEGMENTS: u64 = 1_000_000;

/// Why a manifest could not be read, written for whoever packaged the asset.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum ManifestError {
    /// No `#EXTM3U` at the start.
    #[error("it does not start with #EXTM3U")]
    NotHls,
    /// Manifests are text.
    #[error("it is not UTF-8 text")]
    NotUtf8,
    /// The playlist is malformed.
    #[error("invalid HLS playlist: {0}")]
    Hls(String),
    /// The MPD is malformed, or its segment addressing is inconsistent.
    #[error("invalid DASH manifest: {0}")]
    Dash(String),
    /// A media playlist without segments.
    #[error("the media playlist has no segments (no #EXTINF lines)")]
    NoSegments,
    /// A multivariant playlist without stream variants.
    #[error("the multivariant playlist lists no variant streams (no #EXT-X-STREAM-INF lines)")]
    NoVariants,
}

/// Segment durations of one rendition, in presentation order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct SegmentTimeline {
    /// Duration of each segment, in milliseconds.
    pub(crate) durations_ms: Vec<u64>,
    /// HLS `#EXT-X-TARGETDURATION`, in seconds (DASH: none).
    pub(crate) target_duration_s: Option<u64>,
}

impl SegmentTimeline {
    /// The total duration, in milliseconds.
    pub(crate) fn total_ms(&self) -> u64 {
        self.durations_ms.iter().fold(0, |total, d| total.saturating_add(*d))
    }

    /// The longest segment, in milliseconds; `None` without segments.
    pub(crate) fn max_segment_ms(&self) -> Option<u64> {
        self.durations_ms.iter().copied().max()
    }
}

/// Whether all renditions last the same, within `tolerance_ms` (true for zero or one).
pub(crate) fn same_durations(timelines: &[SegmentTimeline], tolerance_ms: u64) -> bool {
    let totals = timelines.iter().map(SegmentTimeline::total_ms);
    match (totals.clone().min(), totals.max()) {
        (Some(min), Some(max)) => max - min <= tolerance_ms,
        _ => true,
    }
}

/// What a player switches between: an HLS variant or a DASH representation.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Rendition {
    /// `CODECS` / `@codecs`.
    pub(crate) codecs: Option<String>,
    /// Width and height.
    pub(crate) resolution: Option<(u64, u64)>,
    /// Bits per second.
    pub(crate) bandwidth: Option<u64>,
}

/// One `#EXT-X-STREAM-INF` variant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Variant {
    /// The media playlist URI, as written.
    pub(crate) uri: String,
    /// Its codecs, resolution and bandwidth.
    pub(crate) rendition: Rendition,
}

/// An HLS playlist: multivariant (its variants) or media (its segments).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Hls {
    /// The stream variants, I-frame variants left out.
    Multivariant(Vec<Variant>),
    /// The segment timeline.
    Media(SegmentTimeline),
}

/// Parses an HLS playlist of either kind.
pub(crate) fn parse_hls(bytes: &[u8]) -> Result<Hls, ManifestError> {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes).trim_ascii_start();
    if !body.starts_with(b"#EXTM3U") {
        return Err(ManifestError::NotHls);
    }
    std::str::from_utf8(body).map_err(|_| ManifestError::NotUtf8)?;
    // m3u8-rs errors carry only a byte dump, so the message stays general.
    match m3u8_rs::parse_playlist_res(body) {
        Ok(Playlist::MasterPlaylist(playlist)) => {
            let variants: Vec<Variant> = playlist.variants.into_iter().filter(|v| !v.is_i_frame).map(variant).collect();
            if variants.is_empty() { Err(ManifestError::NoVariants) } else { Ok(Hls::Multivariant(variants)) }
        }
        Ok(Playlist::MediaPlaylist(playlist)) => media_timeline(&playlist).map(Hls::Media),
        Err(_) => Err(ManifestError::Hls("the playlist could not be parsed".into())),
    }
}

fn variant(v: m3u8_rs::VariantStream) -> Variant {
    let rendition = Rendition {
        codecs: v.codecs,
        resolution: v.resolution.map(|r| (r.width, r.height)),
        bandwidth: Some(v.bandwidth),
    };
    Variant { uri: v.uri, rendition }
}

fn media_timeline(playlist: &m3u8_rs::MediaPlaylist) -> Result<SegmentTimeline, ManifestError> {
    if playlist.segments.is_empty() {
        return Err(ManifestError::NoSegments);
    }
    let mut durations_ms = Vec::with_capacity(playlist.segments.len());
    for (i, segment) in playlist.segments.iter().enumerate() {
        // m3u8-rs keeps #EXTINF as f32; widened first so 6.006 rounds to 6006 ms.
        let seconds = f64::from(segment.duration);
        if !seconds.is_finite() || seconds < 0.0 {
            return Err(ManifestError::Hls(format!("segment {i} has an invalid #EXTINF duration {seconds}")));
        }
        // `as` saturates; anything that large is far over MAX_SEGMENT_MS already.
        durations_ms.push((seconds * 1000.0).round() as u64);
    }
    Ok(SegmentTimeline { durations_ms, target_duration_s: Some(playlist.target_duration) })
}

/// A DASH MPD, reduced to what the emulator needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Dash {
    /// `MPD@mediaPresentationDuration`, else the sum of the Period durations when all are known.
    pub(crate) duration_ms: Option<u64>,
    /// Segments of the main (first video, else first) AdaptationSet's first Representation,
    /// Periods in order; `None` when a Period's addressing gives no durations.
    pub(crate) timeline: Option<SegmentTimeline>,
    /// The Representations of the first Period, attributes inherited from their AdaptationSet.
    pub(crate) renditions: Vec<Rendition>,
}

/// Parses a DASH MPD.
pub(crate) fn parse_dash(bytes: &[u8]) -> Result<Dash, ManifestError> {
    let text = std::str::from_utf8(bytes).map_err(|_| ManifestError::NotUtf8)?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mpd = dash_mpd_core::parse(text).map_err(|e| ManifestError::Dash(e.to_string()))?;
    let first = mpd.periods.first().ok_or_else(|| ManifestError::Dash("the MPD has no Period".into()))?;
    let renditions = first.adaptations.iter().flat_map(set_renditions).collect();
    let spans = period_spans(&mpd);
    let duration_ms = match mpd.mediaPresentationDuration {
        Some(d) => Some(to_ms(d)),
        None => spans.iter().try_fold(0u64, |total, span| Some(total.saturating_add(to_ms((*span)?)))),
    };
    let mut durations_ms = Vec::new();
    for (period, span) in mpd.periods.iter().zip(&spans) {
        match period_durations_ms(period, *span)? {
            Some(mut period_ms) => durations_ms.append(&mut period_ms),
            None => return Ok(Dash { duration_ms, timeline: None, renditions }),
        }
    }
    let timeline = (!durations_ms.is_empty()).then_some(SegmentTimeline { durations_ms, target_duration_s: None });
    Ok(Dash { duration_ms, timeline, renditions })
}

fn set_renditions(set: &AdaptationSet) -> impl Iterator<Item = Rendition> + '_ {
    set.representations.iter().map(move |r| Rendition {
        codecs: r.codecs.clone().or_else(|| set.codecs.clone()),
        resolution: r.width.or(set.width).zip(r.height.or(set.height)),
        bandwidth: r.bandwidth,
    })
}

/// Rounds to the nearest millisecond.
fn to_ms(d: Duration) -> u64 {
    u64::try_from((d.as_nanos() + 500_000) / 1_000_000).unwrap_or(u64::MAX)
}

/// Each Period's duration: `@duration`, else up to the next Period's `@start`, else (the last)
/// up to `MPD@mediaPresentationDuration`.
fn period_spans(mpd: &MPD) -> Vec<Option<Duration>> {
    let mut starts: Vec<Option<Duration>> = Vec::with_capacity(mpd.periods.len());
    for (i, period) in mpd.periods.iter().enumerate() {
        let previous_end = match i {
            0 => Some(Duration::ZERO),
            _ => starts[i - 1].zip(mpd.periods[i - 1].duration).and_then(|(s, d)| s.checked_add(d)),
        };
        starts.push(period.start.or(previous_end));
    }
    let ends = starts.iter().skip(1).copied().chain(std::iter::once(mpd.mediaPresentationDuration));
    mpd.periods
        .iter()
        .zip(&starts)
        .zip(ends)
        .map(|((p, start), end)| p.duration.or_else(|| end?.checked_sub((*start)?)))
        .collect()
}

/// How one Period addresses its segments, innermost level first.
struct Addressing<'a> {
    timescale: u64,
    duration: Option<f64>,
    timeline: Option<&'a [S]>,
}

/// The main AdaptationSet: the first video one, else the first.
fn main_set(period: &Period) -> Option<&AdaptationSet> {
    let video = |mime: Option<&String>, content: Option<&String>| {
        content.is_some_and(|c| c == "video") || mime.is_some_and(|m| m.starts_with("video/"))
    };
    let is_video = |set: &&AdaptationSet| {
        video(set.mimeType.as_ref(), set.contentType.as_ref())
            || set.representations.first().is_some_and(|r| video(r.mimeType.as_ref(), r.contentType.as_ref()))
    };
    period.adaptations.iter().find(is_video).or_else(|| period.adaptations.first())
}

/// The SegmentTemplate (else SegmentList) attributes of the main rendition, inherited
/// Representation, then AdaptationSet, then Period.
fn addressing(period: &Period) -> Option<Addressing<'_>> {
    let set = main_set(period)?;
    let rep = set.representations.first();
    let templates: Vec<_> =
        [rep.and_then(|r| r.SegmentTemplate.as_ref()), set.SegmentTemplate.as_ref(), period.SegmentTemplate.as_ref()]
            .into_iter()
            .flatten()
            .collect();
    if !templates.is_empty() {
        return Some(Addressing {
            timescale: templates.iter().find_map(|t| t.timescale).unwrap_or(1),
            duration: templates.iter().find_map(|t| t.duration),
            timeline: templates.iter().find_map(|t| t.SegmentTimeline.as_ref()).map(|t| t.segments.as_slice()),
        });
    }
    let lists: Vec<_> =
        [rep.and_then(|r| r.SegmentList.as_ref()), set.SegmentList.as_ref(), period.SegmentList.as_ref()]
            .into_iter()
            .flatten()
            .collect();
    (!lists.is_empty()).then(|| Addressing {
        timescale: lists.iter().find_map(|l| l.timescale).unwrap_or(1),
        duration: lists.iter().find_map(|l| l.duration).map(|d| d as f64),
        timeline: lists.iter().find_map(|l| l.SegmentTimeline.as_ref()).map(|t| t.segments.as_slice()),
    })
}

/// Segment durations of one Period; `None` when its addressing gives none (e.g. SegmentBase).
fn period_durations_ms(period: &Period, span: Option<Duration>) -> Result<Option<Vec<u64>>, ManifestError> {
    let Some(addressing) = addressing(period) else { return Ok(None) };
    if addressing.timescale == 0 {
        return Err(ManifestError::Dash("a timescale is 0".into()));
    }
    let timescale = addressing.timescale as f64;
    let span_ticks = span.map(|d| d.as_secs_f64() * timescale);
    let ticks = match (addressing.timeline.filter(|t| !t.is_empty()), addressing.duration) {
        (Some(segments), _) => timeline_ticks(segments, span_ticks)?,
        (None, Some(duration)) => fixed_ticks(duration, span_ticks)?,
        (None, None) => return Ok(None),
    };
    // Boundaries are rounded, not each duration, so rounding never accumulates.
    let mut at = 0.0;
    let mut previous_ms = 0u64;
    let mut durations = Vec::with_capacity(ticks.len());
    for d in ticks {
        at += d;
        let ms = (at * 1000.0 / timescale).round() as u64;
        durations.push(ms.saturating_sub(previous_ms));
        previous_ms = ms;
    }
    Ok(Some(durations))
}

/// Segment durations, in ticks, of an `S` list: `@r` repeats, a negative one up to the next
/// `S@t` or the Period's end (the last segment then cut there). A gap before an explicit `S@t`
/// is added to the previous segment, so the next one starts where the MPD says.
fn timeline_ticks(segments: &[S], span_ticks: Option<f64>) -> Result<Vec<f64>, ManifestError> {
    let mut ticks: Vec<f64> = Vec::new();
    let origin = segments.first().and_then(|s| s.t).unwrap_or(0);
    let period_end = span_ticks.map(|p| origin.saturating_add(p.round() as u64));
    let (mut at, mut cut) = (origin, None);
    for (i, s) in segments.iter().enumerate() {
        if let Some(t) = s.t.filter(|_| i > 0) {
            let gap = t
                .checked_sub(at)
                .ok_or_else(|| ManifestError::Dash(format!("SegmentTimeline S[{i}]@t={t} goes back in time")))?;
            if let Some(last) = ticks.last_mut() {
                *last += gap as f64;
            }
            at = t;
        }
        if s.d == 0 {
            return Err(ManifestError::Dash(format!("SegmentTimeline S[{i}] has @d=0")));
        }
        let count = match s.r {
            Some(r) if r < 0 => {
                let next = segments.get(i + 1).and_then(|n| n.t);
                cut = if next.is_none() { period_end } else { None };
                let end = next.or(period_end).ok_or_else(|| {
                    ManifestError::Dash("S@r=-1 repeats to the Period end, but the Period has no duration".into())
                })?;
                end.saturating_sub(at).div_ceil(s.d)
            }
            r => r.map_or(1, |r| r.unsigned_abs().saturating_add(1)),
        };
        if ticks.len() as u64 + count > MAX_DASH_SEGMENTS {
            return Err(ManifestError::Dash(format!(
                "SegmentTimeline describes more than {MAX_DASH_SEGMENTS} segments"
            )));
        }
        ticks.extend(std::iter::repeat_n(s.d as f64, count as usize));
        at = at.saturating_add(s.d.saturating_mul(count));
    }
    if let (Some(end), Some(last)) = (cut.filter(|end| at > *end), ticks.last_mut()) {
        *last = (*last - (at - end) as f64).max(0.0);
    }
    Ok(ticks)
}

/// Segment durations, in ticks, of a constant `@duration`, the last one cut at the Period end.
fn fixed_ticks(duration: f64, span_ticks: Option<f64>) -> Result<Vec<f64>, ManifestError> {
    if !duration.is_finite() || duration <= 0.0 {
        return Err(ManifestError::Dash(format!("segment @duration {duration} is not a positive number")));
    }
    let span = span_ticks.ok_or_else(|| {
        ManifestError::Dash("@duration needs a Period@duration or MPD@mediaPresentationDuration".into())
    })?;
    let count = (span / duration).ceil();
    if count > MAX_DASH_SEGMENTS as f64 {
        return Err(ManifestError::Dash(format!("more than {MAX_DASH_SEGMENTS} segments in one Period")));
    }
    let count = count as usize;
    let mut ticks = vec![duration; count];
    if let Some(last) = ticks.last_mut() {
        *last = span - duration * (count - 1) as f64;
    }
    Ok(ticks)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(key: &str) -> Vec<u8> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("media/tailorflow-media");
        std::fs::read(root.join(key)).unwrap()
    }

    fn media(key: &str) -> SegmentTimeline {
        match parse_hls(&sample(key)).unwrap() {
            Hls::Media(timeline) => timeline,
            other => panic!("{key}: {other:?}"),
        }
    }

    /// The durations local/media/README.md gives.
    #[test]
    fn sample_media_durations() {
        let bbb = media("packages/big-buck-bunny/hls/720p/index.m3u8");
        assert_eq!((bbb.total_ms(), bbb.durations_ms.len(), bbb.target_duration_s), (118_118, 20, Some(6)));
        assert_eq!(media("packages/big-buck-bunny/hls/360p/index.m3u8").total_ms(), 118_118);
        assert_eq!(media("packages/sintel/hls/720p/index.m3u8").total_ms(), 40_000);
        assert_eq!(media("slates/slate-30s/hls/720p/index.m3u8").total_ms(), 30_000);
        let broken = media("packages/broken/hls/720p/index.m3u8");
        assert_eq!((broken.total_ms(), broken.max_segment_ms()), (69_000, Some(45_000)));
        assert_eq!(media("packages/broken/hls/360p/index.m3u8").total_ms(), 60_000);
        let dash = parse_dash(&sample("packages/big-buck-bunny/dash/manifest.mpd")).unwrap();
        assert_eq!(dash.duration_ms, Some(118_118));
        let timeline = dash.timeline.unwrap();
        assert_eq!(
            (timeline.total_ms(), timeline.durations_ms.len(), timeline.max_segment_ms()),
            (118_118, 20, Some(6006))
        );
        assert_eq!(dash.renditions.len(), 3);
        assert_eq!(dash.renditions[0].resolution, Some((1280, 720)));
    }

    #[test]
    fn multivariant_playlists_list_their_variants() {
        let Hls::Multivariant(variants) = parse_hls(&sample("packages/big-buck-bunny/hls/index.m3u8")).unwrap() else {
            panic!("not multivariant")
        };
        let uris: Vec<&str> = variants.iter().map(|v| v.uri.as_str()).collect();
        assert_eq!(uris, ["720p/index.m3u8", "360p/index.m3u8"]);
        assert_eq!(variants[0].rendition.bandwidth, Some(2_500_000));
        assert_eq!(variants[1].rendition.resolution, Some((640, 360)));
    }

    #[test]
    fn what_is_not_a_playlist_is_an_error() {
        assert_eq!(parse_hls(&sample("packages/unparsable/hls/index.m3u8")), Err(ManifestError::NotHls));
        assert_eq!(
            parse_hls(b"\xEF\xBB\xBF #EXTM3U\n#EXT-X-TARGETDURATION:6\n#EXT-X-ENDLIST\n"),
            Err(ManifestError::NoSegments)
        );
        assert!(parse_dash(b"<MPD xmlns=\"urn:mpeg:dash:schema:mpd:2011\"></MPD>").is_err());
    }

    #[test]
    fn dash_fixed_durations_and_repeats_to_the_period_end() {
        let fixed = br#"<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" mediaPresentationDuration="PT10S"><Period>
            <AdaptationSet contentType="video"><SegmentTemplate timescale="1000" duration="4000"/>
            <Representation id="v" bandwidth="1"/></AdaptationSet></Period></MPD>"#;
        assert_eq!(parse_dash(fixed).unwrap().timeline.unwrap().durations_ms, [4000, 4000, 2000]);
        let repeat = br#"<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" mediaPresentationDuration="PT9S"><Period>
            <AdaptationSet contentType="video"><SegmentTemplate timescale="10"><SegmentTimeline>
            <S t="0" d="40" r="-1"/></SegmentTimeline></SegmentTemplate>
            <Representation id="v" bandwidth="1"/></AdaptationSet></Period></MPD>"#;
        assert_eq!(parse_dash(repeat).unwrap().timeline.unwrap().durations_ms, [4000, 4000, 1000]);
    }
}
