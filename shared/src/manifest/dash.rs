//! DASH MPDs: their duration, segment boundaries and Representations, read with dash-mpd-core.
//! Behind the `dash` feature: only program-scheduler reads MPDs; vod-source-ingest only sniffs
//! them ([`super::sniff`]), and dash-mpd-core's duration parsing brings a regex engine.

use std::time::Duration;

use dash_mpd_core::{AdaptationSet, MPD, Period, S};

use super::{ManifestError, SegmentTimeline, root_is_mpd};

/// Cap on the segments expanded from one MPD: a broken `S@r` or `@duration` must give an error,
/// not exhaust a Lambda's memory. A day of 1 s segments is 86,400.
const MAX_DASH_SEGMENTS: u128 = 1_000_000;

/// A parsed DASH MPD, reduced to what scheduling and validation need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DashManifest {
    /// `MPD@mediaPresentationDuration`, else the sum of the Period durations when all are known.
    pub duration_ms: Option<u64>,
    /// Segment boundaries of the first video AdaptationSet's first Representation (the first
    /// AdaptationSet when none is video), Periods concatenated in order. `None` when a Period
    /// has no usable segment addressing (e.g. SegmentBase only).
    pub timeline: Option<SegmentTimeline>,
    /// The Representations of the first Period, every AdaptationSet, in document order.
    pub representations: Vec<DashRepresentation>,
}

/// One DASH Representation. Attributes missing on it are taken from its AdaptationSet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DashRepresentation {
    /// `@id`.
    pub id: Option<String>,
    /// `@bandwidth`, in bits per second.
    pub bandwidth: Option<u64>,
    /// `@width`, in pixels.
    pub width: Option<u64>,
    /// `@height`, in pixels.
    pub height: Option<u64>,
    /// `@codecs`.
    pub codecs: Option<String>,
}

/// Parses a DASH MPD: its duration, the segment boundaries of its main video rendition and its
/// Representations.
///
/// Segment addressing understood: SegmentTemplate or SegmentList with a SegmentTimeline (`S@t`,
/// `@d`, `@r`, where a negative `@r` repeats until the next `S@t` or the Period end), with
/// `@duration` (the last segment is cut at the Period end), or a SegmentList of one segment.
/// Attributes inherit Period → AdaptationSet → Representation, the innermost winning. A gap
/// before an explicit `S@t` is added to the previous segment, so the next one starts where the
/// MPD says.
pub fn parse_dash(bytes: &[u8]) -> Result<DashManifest, ManifestError> {
    let text = std::str::from_utf8(bytes).map_err(|_| ManifestError::NotUtf8)?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if !root_is_mpd(text.as_bytes()) {
        return Err(ManifestError::NotDash);
    }
    check_xs_durations(text)?;
    let mpd = dash_mpd_core::parse(text).map_err(|e| match e {
        dash_mpd_core::DashMpdError::Parsing(msg) => ManifestError::Dash(msg),
        other => ManifestError::Dash(other.to_string()),
    })?;
    if mpd.periods.is_empty() {
        return Err(ManifestError::Dash("the MPD has no Period".into()));
    }
    let spans = period_spans(&mpd);
    let duration_ms = match mpd.mediaPresentationDuration {
        Some(d) => Some(duration_to_ms(d)),
        None => spans.iter().try_fold(0u64, |total, s| Some(total.saturating_add(duration_to_ms(s.duration?)))),
    };

    let mut durations_ms = Vec::new();
    let mut complete = true;
    for (period, span) in mpd.periods.iter().zip(&spans) {
        match period_durations_ms(period, span)? {
            Some(mut period_ms) => durations_ms.append(&mut period_ms),
            None => complete = false,
        }
    }
    let timeline = (complete && !durations_ms.is_empty()).then(|| SegmentTimeline {
        durations_ms,
        target_duration_s: mpd.maxSegmentDuration.map(|d| d.as_secs().saturating_add(u64::from(d.subsec_nanos() > 0))),
    });

    let representations = mpd.periods[0]
        .adaptations
        .iter()
        .flat_map(|set| {
            set.representations.iter().map(move |r| DashRepresentation {
                id: r.id.clone(),
                bandwidth: r.bandwidth,
                width: r.width.or(set.width),
                height: r.height.or(set.height),
                codecs: r.codecs.clone().or_else(|| set.codecs.clone()),
            })
        })
        .collect();

    Ok(DashManifest { duration_ms, timeline, representations })
}

/// The attributes dash-mpd-core reads as `xs:duration` (by local name, on any element).
const XS_DURATION_ATTRIBUTES: [&str; 11] = [
    "mediaPresentationDuration",
    "minimumUpdatePeriod",
    "minBufferTime",
    "timeShiftBufferDepth",
    "suggestedPresentationDelay",
    "maxSegmentDuration",
    "maxSubsegmentDuration",
    "start",
    "duration",
    "starttime",
    "skipAfter",
];

/// Refuses an `xs:duration` attribute whose seconds do not fit in a `u64`.
///
/// dash-mpd-core 0.1 adds the fields of an `xs:duration` with unchecked arithmetic, so
/// `PT9999999999999999H` overflows: a panic where overflow checks are on, a wrapped, wrong
/// duration where they are off. This pass reads the attributes as the parser will (unescaped)
/// and applies the same prefix grammar with checked arithmetic, before the parser sees them.
fn check_xs_durations(text: &str) -> Result<(), ManifestError> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(text);
    loop {
        let element = match reader.read_event() {
            Ok(Event::Start(e) | Event::Empty(e)) => e,
            Ok(Event::Eof) => return Ok(()),
            Ok(_) => continue,
            // Malformed XML is the parser's to report, with its own message.
            Err(_) => return Ok(()),
        };
        for attribute in element.attributes().flatten() {
            if !XS_DURATION_ATTRIBUTES.contains(&attribute.key.local_name().as_ref()) {
                continue;
            }
            let Ok(value) = attribute.normalized_value(quick_xml::XmlVersion::Implicit1_0) else { continue };
            if xs_duration_overflows(&value) {
                return Err(ManifestError::Dash(format!("duration {value:?} is too long")));
            }
        }
    }
}

/// Whether `value`, read with dash-mpd-core's `xs:duration` grammar (`^[+-]?P(nY)?(nM)?(nW)?(nD)?`
/// `(T(nH)?(nM)?(n[.n]S)?)?`, a prefix match), adds up to more seconds than a `u64` holds.
fn xs_duration_overflows(value: &str) -> bool {
    let rest = value.strip_prefix(['+', '-']).unwrap_or(value);
    let Some(mut rest) = rest.strip_prefix('P') else { return false };
    // One `digits` + `unit` group: its number when present, and the rest after it.
    let group = |rest: &str, unit: char| -> Option<(Option<u64>, usize)> {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 || !rest[digits..].starts_with(unit) {
            return Some((None, 0));
        }
        // More digits than a u64 holds is an overflow too.
        rest[..digits].parse::<u64>().ok().map(|n| (Some(n), digits + 1))
    };
    let mut seconds: Option<u64> = Some(0);
    let mut add = |n: Option<u64>, unit_seconds: u64| {
        if let Some(n) = n {
            seconds = seconds.and_then(|s| s.checked_add(n.checked_mul(unit_seconds)?));
        }
    };
    for (unit, unit_seconds) in [('Y', 365 * 86_400), ('M', 30 * 86_400), ('W', 7 * 86_400), ('D', 86_400)] {
        let Some((n, used)) = group(rest, unit) else { return true };
        add(n, unit_seconds);
        rest = &rest[used..];
    }
    if let Some(mut time) = rest.strip_prefix('T') {
        for (unit, unit_seconds) in [('H', 3_600), ('M', 60)] {
            let Some((n, used)) = group(time, unit) else { return true };
            add(n, unit_seconds);
            time = &time[used..];
        }
        let digits = time.bytes().take_while(u8::is_ascii_digit).count();
        let after = &time[digits..];
        let fraction =
            after.strip_prefix(['.', ',']).map_or(0, |f| 1 + f.bytes().take_while(u8::is_ascii_digit).count());
        let has_fraction_digits = fraction != 1;
        if digits > 0 && has_fraction_digits && after[fraction.min(after.len())..].starts_with('S') {
            match time[..digits].parse::<u64>() {
                Ok(n) => add(Some(n), 1),
                Err(_) => return true,
            }
        }
    }
    seconds.is_none()
}

/// Rounds to the nearest millisecond.
fn duration_to_ms(d: Duration) -> u64 {
    u64::try_from((d.as_nanos() + 500_000) / 1_000_000).unwrap_or(u64::MAX)
}

/// How long a Period lasts, when the MPD says.
struct PeriodSpan {
    duration: Option<Duration>,
}

/// Period durations: `@duration`, else the gap to the next Period's start, else (last Period) up
/// to `MPD@mediaPresentationDuration`. Starts default to the previous Period's end.
fn period_spans(mpd: &MPD) -> Vec<PeriodSpan> {
    let mut starts: Vec<Option<Duration>> = Vec::with_capacity(mpd.periods.len());
    for (i, p) in mpd.periods.iter().enumerate() {
        let start = match (p.start, i) {
            (Some(s), _) => Some(s),
            (None, 0) => Some(Duration::ZERO),
            (None, _) => {
                let previous = &mpd.periods[i - 1];
                starts[i - 1].zip(previous.duration).and_then(|(s, d)| s.checked_add(d))
            }
        };
        starts.push(start);
    }
    mpd.periods
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let end = match starts.get(i + 1) {
                Some(next_start) => *next_start,
                None => mpd.mediaPresentationDuration,
            };
            let duration = p.duration.or_else(|| end?.checked_sub(starts[i]?));
            PeriodSpan { duration }
        })
        .collect()
}

/// The AdaptationSet whose segments define the timeline: the first video one, else the first.
fn main_adaptation(period: &Period) -> Option<&AdaptationSet> {
    let is_video = |set: &&AdaptationSet| {
        set.contentType.as_deref() == Some("video")
            || set.mimeType.as_deref().is_some_and(|m| m.starts_with("video/"))
            || set.representations.first().is_some_and(|r| {
                r.contentType.as_deref() == Some("video")
                    || r.mimeType.as_deref().is_some_and(|m| m.starts_with("video/"))
            })
    };
    period.adaptations.iter().find(is_video).or_else(|| period.adaptations.first())
}

/// The first `Some` among the innermost-first levels.
fn inherited<'a, L, T>(levels: &[&'a L], field: impl Fn(&'a L) -> Option<T>) -> Option<T> {
    levels.iter().find_map(|l| field(l))
}

/// Segment durations of one Period, relative to its start; `None` when its addressing gives no
/// durations (SegmentBase, or a SegmentTemplate/SegmentList without `@duration` or timeline).
fn period_durations_ms(period: &Period, span: &PeriodSpan) -> Result<Option<Vec<u64>>, ManifestError> {
    let Some(set) = main_adaptation(period) else {
        return Ok(None);
    };
    let rep = set.representations.first();
    let templates: Vec<_> =
        [rep.and_then(|r| r.SegmentTemplate.as_ref()), set.SegmentTemplate.as_ref(), period.SegmentTemplate.as_ref()]
            .into_iter()
            .flatten()
            .collect();
    let lists: Vec<_> =
        [rep.and_then(|r| r.SegmentList.as_ref()), set.SegmentList.as_ref(), period.SegmentList.as_ref()]
            .into_iter()
            .flatten()
            .collect();

    let (timescale, pto, duration, timeline, list_len) = if !templates.is_empty() {
        (
            inherited(&templates, |t| t.timescale),
            inherited(&templates, |t| t.presentationTimeOffset),
            inherited(&templates, |t| t.duration),
            inherited(&templates, |t| t.SegmentTimeline.as_ref()),
            None,
        )
    } else if !lists.is_empty() {
        (
            inherited(&lists, |l| l.timescale),
            None,
            inherited(&lists, |l| l.duration.map(|d| d as f64)),
            inherited(&lists, |l| l.SegmentTimeline.as_ref()),
            inherited(&lists, |l| (!l.segment_urls.is_empty()).then_some(l.segment_urls.len())),
        )
    } else {
        return Ok(None);
    };

    let timescale = u128::from(timescale.unwrap_or(1));
    if timescale == 0 {
        return Err(ManifestError::Dash("a timescale is 0".into()));
    }
    // Saturating: an absurd duration must end as a "too many segments" error, not an overflow.
    let period_ticks =
        span.duration.map(|d| d.as_nanos().saturating_mul(timescale).saturating_add(500_000_000) / 1_000_000_000);

    if let Some(timeline) = timeline.filter(|t| !t.segments.is_empty()) {
        let pto = u128::from(pto.unwrap_or(0));
        let boundaries = timeline_boundaries(&timeline.segments, period_ticks.map(|p| p.saturating_add(pto)))?;
        return Ok(Some(ticks_to_durations_ms(&boundaries, timescale)));
    }

    let Some(duration) = duration else {
        // A SegmentList of a single segment spans the whole Period.
        return Ok(match (list_len, span.duration) {
            (Some(1), Some(d)) => Some(vec![duration_to_ms(d)]),
            _ => None,
        });
    };
    if !duration.is_finite() || duration <= 0.0 {
        return Err(ManifestError::Dash(format!("segment @duration {duration} is not a positive number")));
    }
    // A fractional @duration (seen in the wild) is kept to 1/1000 of a tick by scaling up.
    let (seg_ticks, timescale, period_ticks) = if duration.fract() == 0.0 {
        (duration as u128, timescale, period_ticks)
    } else {
        ((duration * 1000.0).round() as u128, timescale * 1000, period_ticks.map(|p| p.saturating_mul(1000)))
    };
    if seg_ticks == 0 {
        return Err(ManifestError::Dash(format!("segment @duration {duration} is too small")));
    }
    let count = match (list_len, period_ticks) {
        (Some(n), _) => n as u128,
        (None, Some(p)) => p.div_ceil(seg_ticks),
        (None, None) => {
            return Err(ManifestError::Dash(
                "SegmentTemplate@duration needs a Period@duration or MPD@mediaPresentationDuration to count segments"
                    .into(),
            ));
        }
    };
    if count > MAX_DASH_SEGMENTS {
        return Err(ManifestError::Dash(format!("more than {MAX_DASH_SEGMENTS} segments in one Period")));
    }
    let full = count.saturating_mul(seg_ticks);
    let end = period_ticks.map_or(full, |p| p.min(full));
    let boundaries: Vec<u128> = (0..count).map(|i| i.saturating_mul(seg_ticks)).chain(std::iter::once(end)).collect();
    Ok(Some(ticks_to_durations_ms(&boundaries, timescale)))
}

/// Expands `S` elements into segment boundaries, in ticks: each segment start, then the end.
/// `period_end` (in the same media time as `S@t`) bounds negative repeats and cuts the last
/// segment when the final `S` repeats to the end.
fn timeline_boundaries(segments: &[S], period_end: Option<u128>) -> Result<Vec<u128>, ManifestError> {
    let mut starts: Vec<u128> = Vec::new();
    let mut at: u128 = 0;
    let mut cut_at_period_end = false;
    for (i, s) in segments.iter().enumerate() {
        if let Some(t) = s.t {
            let t = u128::from(t);
            if starts.last().is_some_and(|last| t <= *last) {
                return Err(ManifestError::Dash(format!("SegmentTimeline S[{i}]@t={t} goes back in time")));
            }
            at = t;
        }
        if s.d == 0 {
            return Err(ManifestError::Dash(format!("SegmentTimeline S[{i}] has @d=0")));
        }
        let d = u128::from(s.d);
        let repeats = match s.r {
            None => 1,
            Some(r) if r >= 0 => r.unsigned_abs() as u128 + 1,
            Some(_) => {
                let next_t = segments.get(i + 1).and_then(|next| next.t).map(u128::from);
                let end = next_t.or(period_end).ok_or_else(|| {
                    ManifestError::Dash(
                        "SegmentTimeline repeats to the Period end (@r=-1) but the Period has no known duration".into(),
                    )
                })?;
                cut_at_period_end = next_t.is_none() && i + 1 == segments.len();
                end.saturating_sub(at).div_ceil(d)
            }
        };
        if starts.len() as u128 + repeats > MAX_DASH_SEGMENTS {
            return Err(ManifestError::Dash(format!(
                "SegmentTimeline describes more than {MAX_DASH_SEGMENTS} segments"
            )));
        }
        for _ in 0..repeats {
            starts.push(at);
            at += d;
        }
    }
    let end = match period_end {
        // Never before the last start, so no duration goes negative.
        Some(p) if cut_at_period_end => at.min(p).max(starts.last().copied().unwrap_or(0)),
        _ => at,
    };
    starts.push(end);
    Ok(starts)
}

/// Turns tick boundaries into millisecond durations, rounding each boundary (relative to the
/// first) rather than each duration, so rounding never accumulates.
fn ticks_to_durations_ms(boundaries: &[u128], timescale: u128) -> Vec<u64> {
    let origin = boundaries.first().copied().unwrap_or(0);
    let ms: Vec<u128> = boundaries
        .iter()
        .map(|b| b.saturating_sub(origin).saturating_mul(1000).saturating_add(timescale / 2) / timescale)
        .collect();
    ms.windows(2).map(|w| u64::try_from(w[1].saturating_sub(w[0])).unwrap_or(u64::MAX)).collect()
}
