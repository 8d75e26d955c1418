//! HLS: the output's multivariant playlist, and one live media playlist per variant with the
//! window's segments, discontinuities at piece boundaries and ad markers per AdMarkupType.

use std::fmt::Write;

use super::scte35;
use super::source::HlsSegment;
use super::timeline::{PieceKind, Placed, Splice};

/// Which ad markers an output writes (HlsPlaylistSettings.AdMarkupType).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Markup {
    /// `DATERANGE`: EXT-X-DATERANGE with SCTE35-OUT and SCTE35-IN.
    pub(super) daterange: bool,
    /// `SCTE35_ENHANCED`: EXT-X-CUE-OUT, EXT-X-CUE-OUT-CONT and EXT-X-CUE-IN.
    pub(super) enhanced: bool,
}

impl Markup {
    /// From the setting's values; none given means DATERANGE, the service's default.
    pub(super) fn of(values: Option<&Vec<String>>) -> Self {
        match values.filter(|v| !v.is_empty()) {
            None => Self { daterange: true, enhanced: false },
            Some(values) => Self {
                daterange: values.iter().any(|v| v == "DATERANGE"),
                enhanced: values.iter().any(|v| v == "SCTE35_ENHANCED"),
            },
        }
    }
}

/// The multivariant playlist: each variant's attributes, pointing at `MANIFEST/INDEX.m3u8`.
pub(super) fn multivariant(manifest_name: &str, variants: &[String]) -> String {
    let mut out = String::from("#EXTM3U\n#EXT-X-VERSION:6\n#EXT-X-INDEPENDENT-SEGMENTS\n");
    for (i, attributes) in variants.iter().enumerate() {
        let _ = writeln!(out, "#EXT-X-STREAM-INF:{attributes}\n{}/{i}.m3u8", encode(manifest_name));
    }
    out
}

/// A path segment, percent-encoded where URIs need it.
fn encode(segment: &str) -> String {
    percent_encoding::utf8_percent_encode(segment, percent_encoding::NON_ALPHANUMERIC)
        .to_string()
        .replace("%2D", "-")
        .replace("%5F", "_")
        .replace("%2E", ".")
}

/// What a media playlist is made of.
pub(super) struct MediaPlaylist<'a, 't> {
    /// The window's segments, in order.
    pub(super) segments: &'a [Placed<'t>],
    /// Each segment's source segment (URI and duration), by position in `segments`.
    pub(super) sources: Vec<Option<&'a HlsSegment>>,
    /// EXT-X-TARGETDURATION, the same on every request.
    pub(super) target_duration_s: u64,
    /// The markers to write.
    pub(super) markup: Markup,
    /// Whether the play-out has ended (EXT-X-ENDLIST).
    pub(super) ended: bool,
}

/// The live media playlist of one variant.
pub(super) fn media(playlist: &MediaPlaylist<'_, '_>) -> String {
    let first = playlist.segments.first();
    let mut out = String::from("#EXTM3U\n#EXT-X-VERSION:6\n");
    let _ = writeln!(out, "#EXT-X-TARGETDURATION:{}", playlist.target_duration_s);
    let _ = writeln!(out, "#EXT-X-MEDIA-SEQUENCE:{}", first.map_or(0, |s| s.index));
    let _ = writeln!(out, "#EXT-X-DISCONTINUITY-SEQUENCE:{}", first.map_or(0, Placed::discontinuities_before));
    let mut previous: Option<&Placed<'_>> = None;
    for (segment, source) in playlist.segments.iter().zip(&playlist.sources) {
        let Some(source) = source else { continue };
        if segment.discontinuity() {
            out.push_str("#EXT-X-DISCONTINUITY\n");
        }
        let _ = writeln!(out, "#EXT-X-PROGRAM-DATE-TIME:{}", iso(segment.start_ms));
        if let Some(ended) = previous.filter(|p| segment.in_piece == 0 && p.piece_index + 1 == segment.piece_index) {
            markers_in(&mut out, ended, playlist.markup);
        }
        markers_out(&mut out, segment, playlist.markup);
        let _ =
            writeln!(out, "#EXTINF:{}.{:03},\n{}", source.duration_ms / 1000, source.duration_ms % 1000, source.uri);
        previous = Some(segment);
    }
    if playlist.ended {
        out.push_str("#EXT-X-ENDLIST\n");
    }
    out
}

/// The break's SCTE-35 (out) on its first slate segment, and EXT-X-CUE-OUT-CONT on the others.
fn markers_out(out: &mut String, segment: &Placed<'_>, markup: Markup) {
    let PieceKind::AdBreak(splice) = segment.piece.kind else { return };
    let duration_ms = segment.piece.duration_ms();
    let seconds = seconds(duration_ms);
    let cue = scte35::splice_insert(splice, true, duration_ms);
    if segment.in_piece == 0 {
        if markup.daterange {
            let _ = writeln!(
                out,
                "#EXT-X-DATERANGE:ID=\"{}\",START-DATE=\"{}\",PLANNED-DURATION={seconds},SCTE35-OUT={}",
                id(segment, splice),
                iso(segment.piece_start_ms),
                scte35::hex(&cue)
            );
        }
        if markup.enhanced {
            let _ = writeln!(out, "#EXT-X-OATCLS-SCTE35:{}", scte35::base64(&cue));
            let _ = writeln!(out, "#EXT-X-CUE-OUT:{seconds}");
        }
    } else if markup.enhanced {
        let elapsed = seconds_i64(segment.start_ms - segment.piece_start_ms);
        let _ = writeln!(
            out,
            "#EXT-X-CUE-OUT-CONT:ElapsedTime={elapsed},Duration={seconds},SCTE35={}",
            scte35::base64(&cue)
        );
    }
}

/// The return from a break that `ended` closed, on the first segment after it.
fn markers_in(out: &mut String, ended: &Placed<'_>, markup: Markup) {
    let PieceKind::AdBreak(splice) = ended.piece.kind else { return };
    let duration_ms = ended.piece.duration_ms();
    if markup.daterange {
        let _ = writeln!(
            out,
            "#EXT-X-DATERANGE:ID=\"{}\",START-DATE=\"{}\",DURATION={},SCTE35-IN={}",
            id(ended, splice),
            iso(ended.piece_start_ms),
            seconds(duration_ms),
            scte35::hex(&scte35::splice_insert(splice, false, 0))
        );
    }
    if markup.enhanced {
        out.push_str("#EXT-X-CUE-IN\n");
    }
}

/// The DATERANGE ID of a break: its splice event and where it plays, the same on every request.
fn id(segment: &Placed<'_>, splice: Splice) -> String {
    format!("{}-{}", splice.event_id, segment.piece_index)
}

fn seconds(ms: u64) -> String {
    format!("{}.{:03}", ms / 1000, ms % 1000)
}

fn seconds_i64(ms: i64) -> String {
    seconds(u64::try_from(ms).unwrap_or_default())
}

/// Epoch milliseconds as ISO 8601 with milliseconds, in UTC.
pub(super) fn iso(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms).unwrap_or_default().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}
