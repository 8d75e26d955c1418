//! Reading HLS and DASH manifests: bytes in, plain data out, no I/O.
//!
//! Callers fetch the objects (from S3 or HTTP) themselves, so the same code serves the Lambda
//! functions, mediatailor-local and the tests. Times are whole milliseconds because MediaTailor's
//! own offsets (ad break offsets, program durations) are milliseconds.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

#[cfg(feature = "dash")]
mod dash;
#[cfg(feature = "dash")]
pub use dash::{DashManifest, DashRepresentation, parse_dash};

/// MediaTailor raises `SEGMENT_DURATION_TOO_LONG` for segments longer than this.
pub const MAX_SEGMENT_MS: u64 = 30_000;

/// How much of an .m3u8 object [`sniff_hls`] reads, so callers can fetch only this byte range.
pub const SNIFF_BYTES: usize = 64 * 1024;

/// What kind of manifest an object is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ManifestKind {
    /// An HLS multivariant ("master") playlist listing variant streams.
    HlsMultivariant,
    /// An HLS media playlist listing segments.
    HlsMedia,
    /// A DASH MPD.
    Dash,
}

/// Why a manifest could not be read. Messages are written for the person who packaged the asset.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ManifestError {
    /// No `#EXTM3U` at the start.
    #[error("not an HLS playlist: it does not start with #EXTM3U")]
    NotHls,
    /// The root element is not `<MPD>`.
    #[error("not a DASH manifest: its root XML element is not <MPD>")]
    NotDash,
    /// Manifests are text; this is not UTF-8.
    #[error("the manifest is not UTF-8 text")]
    NotUtf8,
    /// A media playlist was given where a multivariant playlist was expected.
    #[error("expected a multivariant playlist, but this is a media playlist (it has #EXTINF and no #EXT-X-STREAM-INF)")]
    NotMultivariant,
    /// A multivariant playlist was given where a media playlist was expected.
    #[error("expected a media playlist, but this is a multivariant playlist (it has #EXT-X-STREAM-INF)")]
    NotMedia,
    /// The playlist is malformed; the message names the line where it can.
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

/// One `#EXT-X-STREAM-INF` variant of a multivariant playlist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variant {
    /// The media playlist URI, as written (usually relative to the multivariant playlist).
    pub uri: String,
    /// `BANDWIDTH`, in bits per second.
    pub bandwidth: u64,
    /// `RESOLUTION` as (width, height).
    pub resolution: Option<(u64, u64)>,
    /// `CODECS`, e.g. "avc1.4d401f,mp4a.40.2".
    pub codecs: Option<String>,
}

/// Segment durations of one rendition, in presentation order.
///
/// Durations are whole milliseconds: HLS `#EXTINF` seconds are converted per segment with
/// `(seconds * 1000).round()` and then summed as integers, so totals and boundaries are exact sums
/// of those milliseconds and do not drift with the number of segments (300 × 6.006 s is exactly
/// 1,801,800 ms). DASH boundaries are computed in timescale ticks and rounded to milliseconds
/// once per boundary, for the same reason.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SegmentTimeline {
    /// Duration of each segment, in milliseconds.
    pub durations_ms: Vec<u64>,
    /// HLS `#EXT-X-TARGETDURATION` (DASH: `MPD@maxSegmentDuration` rounded up), in seconds.
    pub target_duration_s: Option<u64>,
}

impl SegmentTimeline {
    /// The total duration, in milliseconds.
    pub fn total_ms(&self) -> u64 {
        self.durations_ms.iter().fold(0, |total, d| total.saturating_add(*d))
    }

    /// Segment start times followed by the end: `[0, d0, d0+d1, ..., total]`, one more than the
    /// number of segments.
    pub fn boundaries_ms(&self) -> Vec<u64> {
        let mut boundaries = Vec::with_capacity(self.durations_ms.len() + 1);
        let mut at = 0u64;
        boundaries.push(at);
        for d in &self.durations_ms {
            at = at.saturating_add(*d);
            boundaries.push(at);
        }
        boundaries
    }

    /// The segment boundary closest to `offset_ms` (ties go to the earlier one), where an ad break
    /// can actually be inserted. Offsets past the end give the end. `None` without segments.
    pub fn nearest_boundary_ms(&self, offset_ms: u64) -> Option<u64> {
        if self.durations_ms.is_empty() {
            return None;
        }
        let boundaries = self.boundaries_ms();
        let after = boundaries.partition_point(|b| *b < offset_ms);
        let next = boundaries.get(after).copied();
        let previous = after.checked_sub(1).and_then(|i| boundaries.get(i)).copied();
        match (previous, next) {
            (Some(p), Some(n)) if offset_ms - p <= n - offset_ms => Some(p),
            (_, Some(n)) => Some(n),
            (p, None) => p,
        }
    }

    /// The longest segment, in milliseconds; `None` without segments.
    pub fn max_segment_ms(&self) -> Option<u64> {
        self.durations_ms.iter().copied().max()
    }
}

/// Whether all renditions have the same total duration, within `tolerance_ms`.
///
/// MediaTailor needs renditions of a source to line up; a difference usually means a truncated
/// packaging job. True for zero or one timeline.
pub fn check_variant_durations(timelines: &[SegmentTimeline], tolerance_ms: u64) -> bool {
    let totals = timelines.iter().map(SegmentTimeline::total_ms);
    match (totals.clone().min(), totals.max()) {
        (Some(min), Some(max)) => max - min <= tolerance_ms,
        _ => true,
    }
}

/// Says whether an .m3u8 object is a multivariant or a media playlist, from at most its first
/// [`SNIFF_BYTES`] (a truncated prefix is fine: no full parse).
///
/// `None` when it does not start with `#EXTM3U` (after an optional UTF-8 BOM and whitespace), or
/// when the prefix has neither `#EXT-X-STREAM-INF` (multivariant) nor `#EXTINF` /
/// `#EXT-X-TARGETDURATION` (media).
pub fn sniff_hls(bytes: &[u8]) -> Option<ManifestKind> {
    let head = &bytes[..bytes.len().min(SNIFF_BYTES)];
    let body = skip_bom_and_space(head);
    if !body.starts_with(b"#EXTM3U") {
        return None;
    }
    classify_hls(body)
}

/// Like [`sniff_hls`], but also recognises a DASH MPD (root element `<MPD>`).
pub fn sniff(bytes: &[u8]) -> Option<ManifestKind> {
    let head = &bytes[..bytes.len().min(SNIFF_BYTES)];
    sniff_hls(head).or_else(|| root_is_mpd(head).then_some(ManifestKind::Dash))
}

/// Parses a multivariant playlist into its stream variants (`#EXT-X-I-FRAME-STREAM-INF` skipped).
///
/// m3u8-rs silently drops a variant whose attributes it cannot read, so every
/// `#EXT-X-STREAM-INF` line is checked to have come back as a variant.
pub fn parse_hls_multivariant(bytes: &[u8]) -> Result<Vec<Variant>, ManifestError> {
    let body = hls_body(bytes)?;
    match classify_hls(body.text.as_bytes()) {
        Some(ManifestKind::HlsMultivariant) => {}
        Some(_) => return Err(ManifestError::NotMultivariant),
        None => return Err(ManifestError::NoVariants),
    }
    // m3u8-rs errors carry only a byte dump, and after the #EXTM3U check they are rare.
    let playlist = m3u8_rs::parse_master_playlist_res(body.text.as_bytes())
        .map_err(|_| ManifestError::Hls("the playlist could not be parsed".into()))?;
    let variants: Vec<Variant> = playlist
        .variants
        .into_iter()
        .filter(|v| !v.is_i_frame)
        .map(|v| Variant {
            uri: v.uri,
            bandwidth: v.bandwidth,
            resolution: v.resolution.map(|r| (r.width, r.height)),
            codecs: v.codecs,
        })
        .collect();
    let scan = scan_tag(&body, "#EXT-X-STREAM-INF:");
    if let Some(tag) = scan.tags.iter().find(|t| t.uri.is_none()) {
        return Err(ManifestError::Hls(format!("line {}: #EXT-X-STREAM-INF is not followed by a URI line", tag.line)));
    }
    let consistent = variants.len() == scan.tags.len()
        && variants.iter().zip(&scan.tags).all(|(v, tag)| Some(v.uri.trim()) == tag.uri);
    if !consistent {
        // m3u8-rs may also shift URIs onto the wrong variant after a bad one, so find the culprit
        // by reading each variant on its own.
        let culprit = scan.tags.iter().find(|tag| {
            let uri = tag.uri.unwrap_or_default();
            let alone = format!("#EXTM3U\n#EXT-X-STREAM-INF:{}\n{uri}\n", tag.value);
            !m3u8_rs::parse_master_playlist_res(alone.as_bytes())
                .is_ok_and(|p| p.variants.len() == 1 && p.variants[0].uri.trim() == uri)
        });
        return Err(ManifestError::Hls(match culprit {
            Some(tag) => format!(
                "line {}: the #EXT-X-STREAM-INF attributes could not be read (BANDWIDTH is required and must be an integer; RESOLUTION is WIDTHxHEIGHT; quoted values must be closed)",
                tag.line
            ),
            None => "the #EXT-X-STREAM-INF variants could not be read consistently".into(),
        }));
    }
    if variants.is_empty() {
        return Err(ManifestError::NoVariants);
    }
    Ok(variants)
}

/// Parses a media playlist into its segment durations and target duration.
///
/// Read line by line rather than with m3u8-rs, whose 6.0 parser stores durations as f32, reads
/// malformed ones as 0 and turns a title containing a comma into an extra segment.
pub fn parse_hls_media(bytes: &[u8]) -> Result<SegmentTimeline, ManifestError> {
    let body = hls_body(bytes)?;
    match classify_hls(body.text.as_bytes()) {
        Some(ManifestKind::HlsMultivariant) => return Err(ManifestError::NotMedia),
        Some(_) => {}
        None => return Err(ManifestError::NoSegments),
    }
    let scan = scan_tag(&body, "#EXTINF:");
    if let Some(line) = scan.stray_uri_line {
        return Err(ManifestError::Hls(format!("line {line}: a segment URI without an #EXTINF before it")));
    }
    let mut durations_ms = Vec::with_capacity(scan.tags.len());
    for tag in &scan.tags {
        if tag.uri.is_none() {
            return Err(ManifestError::Hls(format!("line {}: #EXTINF is not followed by a segment URI", tag.line)));
        }
        let ms = extinf_ms(tag.value).ok_or_else(|| {
            ManifestError::Hls(format!("line {}: invalid #EXTINF duration {:?}", tag.line, tag.value))
        })?;
        durations_ms.push(ms);
    }
    if durations_ms.is_empty() {
        return Err(ManifestError::NoSegments);
    }
    let target_duration_s = match scan_tag(&body, "#EXT-X-TARGETDURATION:").tags.first() {
        Some(tag) => Some(tag.value.trim().parse::<u64>().map_err(|_| {
            ManifestError::Hls(format!(
                "line {}: #EXT-X-TARGETDURATION must be a whole number of seconds, not {:?}",
                tag.line, tag.value
            ))
        })?),
        None => None,
    };
    Ok(SegmentTimeline { durations_ms, target_duration_s })
}

fn skip_bom_and_space(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes).trim_ascii_start()
}

/// A playlist from its `#EXTM3U` on, as text.
struct HlsBody<'a> {
    text: &'a str,
    /// Line number of `text`'s first line in the object, for error messages.
    first_line: usize,
}

/// The playlist from `#EXTM3U` on, checked to be UTF-8 (m3u8-rs wants it to start exactly there).
fn hls_body(bytes: &[u8]) -> Result<HlsBody<'_>, ManifestError> {
    let body = skip_bom_and_space(bytes);
    if !body.starts_with(b"#EXTM3U") {
        return Err(ManifestError::NotHls);
    }
    let text = std::str::from_utf8(body).map_err(|_| ManifestError::NotUtf8)?;
    let skipped = &bytes[..bytes.len() - body.len()];
    Ok(HlsBody { text, first_line: 1 + skipped.iter().filter(|b| **b == b'\n').count() })
}

/// One occurrence of a tag, with the URI line that follows it.
struct TagLine<'a> {
    line: usize,
    /// What follows the tag's colon.
    value: &'a str,
    /// The first URI line after the tag, before the tag occurs again.
    uri: Option<&'a str>,
}

struct TagScan<'a> {
    tags: Vec<TagLine<'a>>,
    /// The first URI line with no occurrence of the tag waiting for it.
    stray_uri_line: Option<usize>,
}

/// Finds each line starting with `tag` (e.g. "#EXTINF:") and the URI line it applies to.
fn scan_tag<'a>(body: &HlsBody<'a>, tag: &str) -> TagScan<'a> {
    let mut scan = TagScan { tags: Vec::new(), stray_uri_line: None };
    for (i, line) in body.text.lines().enumerate() {
        let line = line.trim();
        let line_no = body.first_line + i;
        if let Some(value) = line.strip_prefix(tag) {
            scan.tags.push(TagLine { line: line_no, value, uri: None });
        } else if !line.is_empty() && !line.starts_with('#') {
            match scan.tags.last_mut() {
                Some(last) if last.uri.is_none() => last.uri = Some(line),
                _ => {
                    scan.stray_uri_line.get_or_insert(line_no);
                }
            }
        }
    }
    scan
}

/// `#EXTINF` seconds ("6.006" in "6.006,title") to milliseconds, `(seconds * 1000).round()`.
/// Only plain decimals: f64 parsing alone would accept "inf", "1e40" or "-5".
fn extinf_ms(value: &str) -> Option<u64> {
    let number = value.split(',').next()?.trim();
    if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return None;
    }
    let seconds: f64 = number.parse().ok()?;
    // `as` saturates; anything that large is far over MAX_SEGMENT_MS already.
    Some((seconds * 1000.0).round() as u64)
}

/// Multivariant if any line is `#EXT-X-STREAM-INF`, else media if any line is `#EXTINF` or
/// `#EXT-X-TARGETDURATION`. Line by line, so a partial last line is harmless.
fn classify_hls(body: &[u8]) -> Option<ManifestKind> {
    let mut media = false;
    for line in body.split(|b| *b == b'\n') {
        let line = line.trim_ascii_start();
        if line.starts_with(b"#EXT-X-STREAM-INF") {
            return Some(ManifestKind::HlsMultivariant);
        }
        media |= line.starts_with(b"#EXTINF") || line.starts_with(b"#EXT-X-TARGETDURATION");
    }
    media.then_some(ManifestKind::HlsMedia)
}

/// Whether the first element of an XML document is `MPD` (any namespace prefix), skipping the XML
/// declaration, comments, processing instructions and a DOCTYPE. Checked before parsing because
/// the serde-based parser would happily turn `<html>` into an empty MPD.
fn root_is_mpd(bytes: &[u8]) -> bool {
    fn skip_to<'a>(rest: &'a [u8], end: &[u8]) -> Option<&'a [u8]> {
        rest.windows(end.len()).position(|w| w == end).map(|i| skip_bom_and_space(&rest[i + end.len()..]))
    }
    let mut rest = skip_bom_and_space(bytes);
    loop {
        let next = if rest.starts_with(b"<?") {
            skip_to(rest, b"?>")
        } else if rest.starts_with(b"<!--") {
            skip_to(rest, b"-->")
        } else if rest.starts_with(b"<!") {
            skip_to(rest, b">")
        } else if let Some(tag) = rest.strip_prefix(b"<") {
            let name_len = tag.iter().position(|b| b.is_ascii_whitespace() || *b == b'>' || *b == b'/');
            let name = &tag[..name_len.unwrap_or(tag.len())];
            let local = name.rsplit(|b| *b == b':').next().unwrap_or(name);
            return local == b"MPD";
        } else {
            return false;
        };
        match next {
            Some(after) => rest = after,
            None => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MULTIVARIANT: &str = "#EXTM3U
#EXT-X-VERSION:3
#EXT-X-INDEPENDENT-SEGMENTS
#EXT-X-STREAM-INF:BANDWIDTH=2500000,RESOLUTION=1280x720,CODECS=\"avc1.4d401f,mp4a.40.2\"
720p/index.m3u8
#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=200000,URI=\"720p/iframes.m3u8\"
#EXT-X-STREAM-INF:BANDWIDTH=800000
360p/index.m3u8
";

    fn media_playlist(durations: &[&str], target: u64) -> String {
        let mut s = format!("#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:{target}\n#EXT-X-PLAYLIST-TYPE:VOD\n");
        for (i, d) in durations.iter().enumerate() {
            s.push_str(&format!("#EXTINF:{d},\nsegment_{i:05}.ts\n"));
        }
        s.push_str("#EXT-X-ENDLIST\n");
        s
    }

    fn timeline(durations_ms: &[u64]) -> SegmentTimeline {
        SegmentTimeline { durations_ms: durations_ms.to_vec(), target_duration_s: None }
    }

    #[test]
    fn sniffs_multivariant_and_media() {
        assert_eq!(sniff_hls(MULTIVARIANT.as_bytes()), Some(ManifestKind::HlsMultivariant));
        let media = media_playlist(&["6.006", "6.006"], 7);
        assert_eq!(sniff_hls(media.as_bytes()), Some(ManifestKind::HlsMedia));
        // TARGETDURATION alone is enough, e.g. a prefix cut before the first segment.
        assert_eq!(sniff_hls(b"#EXTM3U\n#EXT-X-TARGETDURATION:6\n#EXT-X-MEDI"), Some(ManifestKind::HlsMedia));
        assert_eq!(sniff(media.as_bytes()), Some(ManifestKind::HlsMedia));
    }

    #[test]
    fn sniff_tolerates_bom_whitespace_and_crlf() {
        let with_bom = [b"\xEF\xBB\xBF".as_slice(), MULTIVARIANT.as_bytes()].concat();
        assert_eq!(sniff_hls(&with_bom), Some(ManifestKind::HlsMultivariant));
        assert_eq!(sniff_hls(b"\r\n  #EXTM3U\r\n#EXTINF:6,\r\na.ts\r\n"), Some(ManifestKind::HlsMedia));
        assert_eq!(sniff_hls(MULTIVARIANT.replace('\n', "\r\n").as_bytes()), Some(ManifestKind::HlsMultivariant));
    }

    #[test]
    fn sniff_works_on_a_truncated_prefix() {
        let durations = vec!["6.006"; 5000];
        let media = media_playlist(&durations, 7);
        assert!(media.len() > SNIFF_BYTES);
        assert_eq!(sniff_hls(&media.as_bytes()[..SNIFF_BYTES]), Some(ManifestKind::HlsMedia));
        // Given more, it still only reads the first SNIFF_BYTES.
        assert_eq!(sniff_hls(media.as_bytes()), Some(ManifestKind::HlsMedia));
        // Cut in the middle of a tag.
        assert_eq!(sniff_hls(&MULTIVARIANT.as_bytes()[..75]), Some(ManifestKind::HlsMultivariant));
        assert_eq!(sniff_hls(&MULTIVARIANT.as_bytes()[..60]), None);
        // A multi-byte character cut in half does not matter.
        assert_eq!(sniff_hls("#EXTM3U\n#EXTINF:6,é".as_bytes().split_last().unwrap().1), Some(ManifestKind::HlsMedia));
    }

    #[test]
    fn sniff_rejects_garbage() {
        assert_eq!(sniff_hls(b""), None);
        assert_eq!(sniff_hls(b"hello #EXTM3U\n#EXTINF:6,\n"), None);
        assert_eq!(sniff_hls(b"<?xml version=\"1.0\"?><MPD/>"), None);
        assert_eq!(sniff_hls(&[0x47, 0x1f, 0xff, 0x10, 0xff]), None);
        assert_eq!(sniff_hls(b"#EXTM3U\n#EXT-X-VERSION:3\n"), None);
        assert_eq!(
            sniff(b"\xEF\xBB\xBF<?xml version=\"1.0\"?>\n<!-- x -->\n<MPD xmlns=\"urn:mpeg:dash:schema:mpd:2011\">"),
            Some(ManifestKind::Dash)
        );
        assert_eq!(sniff(b"<html><body>404</body></html>"), None);
    }

    #[test]
    fn parses_stream_variants_only() {
        let variants = parse_hls_multivariant(MULTIVARIANT.as_bytes()).unwrap();
        assert_eq!(
            variants,
            vec![
                Variant {
                    uri: "720p/index.m3u8".into(),
                    bandwidth: 2_500_000,
                    resolution: Some((1280, 720)),
                    codecs: Some("avc1.4d401f,mp4a.40.2".into()),
                },
                Variant { uri: "360p/index.m3u8".into(), bandwidth: 800_000, resolution: None, codecs: None },
            ]
        );
    }

    #[test]
    fn multivariant_errors() {
        let media = media_playlist(&["6"], 6);
        assert_eq!(parse_hls_multivariant(media.as_bytes()), Err(ManifestError::NotMultivariant));
        assert_eq!(parse_hls_multivariant(b"not a playlist"), Err(ManifestError::NotHls));
        assert_eq!(parse_hls_multivariant(b"#EXTM3U\n#EXT-X-VERSION:3\n"), Err(ManifestError::NoVariants));
        assert_eq!(
            parse_hls_multivariant(b"#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\n\xff\xfe\n"),
            Err(ManifestError::NotUtf8)
        );
        // m3u8-rs drops these variants silently; they must be reported, with the line.
        for (playlist, line) in [
            ("#EXTM3U\n#EXT-X-STREAM-INF:RESOLUTION=1x1\na.m3u8\n", "line 2:"),
            ("#EXTM3U\n\n#EXT-X-STREAM-INF:BANDWIDTH=1\na.m3u8\n#EXT-X-STREAM-INF:BANDWIDTH=x\nb.m3u8\n", "line 5:"),
            ("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1,CODECS=\"avc1\na.m3u8\n", "line 2:"),
            ("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\n", "line 2:"),
            ("\n\n#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\n#EXT-X-STREAM-INF:BANDWIDTH=2\nb.m3u8\n", "line 4:"),
        ] {
            let err = parse_hls_multivariant(playlist.as_bytes()).unwrap_err();
            assert!(matches!(err, ManifestError::Hls(_)), "{playlist:?}: {err:?}");
            assert!(err.to_string().contains(line), "{playlist:?}: {err}");
        }
    }

    #[test]
    fn multivariant_with_crlf() {
        let variants = parse_hls_multivariant(MULTIVARIANT.replace('\n', "\r\n").as_bytes()).unwrap();
        assert_eq!(variants.len(), 2);
        assert_eq!(variants[1].uri, "360p/index.m3u8");
    }

    #[test]
    fn parses_media_playlist() {
        let media = media_playlist(&["6.006", "6.006", "3.5"], 7);
        let t = parse_hls_media(media.as_bytes()).unwrap();
        assert_eq!(t.durations_ms, vec![6006, 6006, 3500]);
        assert_eq!(t.target_duration_s, Some(7));
        assert_eq!(t.total_ms(), 15_512);
        assert_eq!(t.max_segment_ms(), Some(6006));
        let no_target = parse_hls_media(b"#EXTM3U\n#EXTINF:4,\na.ts\n").unwrap();
        assert_eq!(no_target.target_duration_s, None);
    }

    #[test]
    fn extinf_sum_is_exact() {
        let durations = vec!["6.006"; 300];
        let t = parse_hls_media(media_playlist(&durations, 7).as_bytes()).unwrap();
        assert_eq!(t.total_ms(), 1_801_800);
        assert_eq!(t.boundaries_ms()[150], 900_900);
        let durations = vec!["0.1"; 10_000];
        let t = parse_hls_media(media_playlist(&durations, 1).as_bytes()).unwrap();
        assert_eq!(t.total_ms(), 1_000_000);
    }

    #[test]
    fn media_errors() {
        assert_eq!(parse_hls_media(MULTIVARIANT.as_bytes()), Err(ManifestError::NotMedia));
        assert_eq!(
            parse_hls_media(b"#EXTM3U\n#EXT-X-TARGETDURATION:6\n#EXT-X-ENDLIST\n"),
            Err(ManifestError::NoSegments)
        );
        assert_eq!(parse_hls_media(b"<html>"), Err(ManifestError::NotHls));
        assert_eq!(parse_hls_media(b""), Err(ManifestError::NotHls));
        assert_eq!(parse_hls_media(b"#EXTM3U\n"), Err(ManifestError::NoSegments));
        // m3u8-rs reads these as 0 s, 1 s or a bogus segment; they must be errors naming the line.
        for (junk, line) in [
            ("#EXTM3U\n#EXTINF:abc,\na.ts\n", "line 2:"),
            ("#EXTM3U\n#EXTINF:-5,\na.ts\n", "line 2:"),
            ("#EXTM3U\n#EXTINF:1e40,\na.ts\n", "line 2:"),
            ("#EXTM3U\n#EXTINF:inf,\na.ts\n", "line 2:"),
            ("#EXTM3U\n#EXTINF:", "line 2:"),
            ("#EXTM3U\n#EXTINF:6,\n", "line 2:"),
            ("#EXTM3U\n#EXTINF:6,\n#EXTINF:6,\nb.ts\n", "line 2:"),
            ("#EXTM3U\n#EXT-X-TARGETDURATION:6\n#EXTINF:6,\na.ts\nb.ts\n", "line 5:"),
            ("#EXTM3U\n#EXT-X-TARGETDURATION:x\n#EXTINF:6,\na.ts\n", "line 2:"),
            ("#EXTM3U\n#EXT-X-TARGETDURATION:6.5\n#EXTINF:6,\na.ts\n", "line 2:"),
        ] {
            let err = parse_hls_media(junk.as_bytes()).unwrap_err();
            assert!(matches!(err, ManifestError::Hls(_)), "{junk:?}: {err:?}");
            assert!(err.to_string().contains(line), "{junk:?}: {err}");
        }
        // Titles and byte ranges are fine.
        let t = parse_hls_media(b"#EXTM3U\n#EXTINF:6.5,Intro, part 1\n#EXT-X-BYTERANGE:100@0\na.ts\n").unwrap();
        assert_eq!(t.durations_ms, vec![6500]);
    }

    #[test]
    fn boundaries_and_nearest_boundary() {
        let t = timeline(&[6000, 6000, 4000]);
        assert_eq!(t.boundaries_ms(), vec![0, 6000, 12_000, 16_000]);
        assert_eq!(t.nearest_boundary_ms(0), Some(0));
        assert_eq!(t.nearest_boundary_ms(2999), Some(0));
        assert_eq!(t.nearest_boundary_ms(3000), Some(0), "ties go to the earlier boundary");
        assert_eq!(t.nearest_boundary_ms(3001), Some(6000));
        assert_eq!(t.nearest_boundary_ms(6000), Some(6000));
        assert_eq!(t.nearest_boundary_ms(14_000), Some(12_000));
        assert_eq!(t.nearest_boundary_ms(14_001), Some(16_000));
        assert_eq!(t.nearest_boundary_ms(99_000), Some(16_000), "past the end gives the end");
        assert_eq!(t.nearest_boundary_ms(u64::MAX), Some(16_000));
        let empty = timeline(&[]);
        assert_eq!(empty.boundaries_ms(), vec![0]);
        assert_eq!(empty.nearest_boundary_ms(5), None);
        assert_eq!(empty.max_segment_ms(), None);
        assert_eq!(empty.total_ms(), 0);
    }

    #[test]
    fn variant_durations_agree_within_tolerance() {
        let a = timeline(&[6000, 6000]);
        let b = timeline(&[6006, 6000]);
        assert!(check_variant_durations(&[a.clone(), b.clone()], 6));
        assert!(!check_variant_durations(&[a.clone(), b], 5));
        assert!(check_variant_durations(&[a], 0));
        assert!(check_variant_durations(&[], 0));
    }

    const MPD_HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static" profiles="urn:mpeg:dash:profile:isoff-live:2011""#;

    #[test]
    fn dash_segment_timeline_with_repeats() {
        let mpd = format!(
            r#"{MPD_HEAD} mediaPresentationDuration="PT1M1.86S" minBufferTime="PT2S" maxSegmentDuration="PT6.006S">
  <Period id="p0">
    <AdaptationSet contentType="audio" mimeType="audio/mp4" codecs="mp4a.40.2">
      <SegmentTemplate timescale="48000" media="a_$Time$.m4s"><SegmentTimeline><S t="0" d="96000" r="29"/></SegmentTimeline></SegmentTemplate>
      <Representation id="audio" bandwidth="128000"/>
    </AdaptationSet>
    <AdaptationSet contentType="video" mimeType="video/mp4" codecs="avc1.4d401f">
      <SegmentTemplate timescale="90000" media="v_$RepresentationID$_$Time$.m4s">
        <SegmentTimeline><S t="0" d="540540" r="9"/><S d="162000"/></SegmentTimeline>
      </SegmentTemplate>
      <Representation id="720p" bandwidth="2500000" width="1280" height="720"/>
      <Representation id="360p" bandwidth="800000" width="640" height="360" codecs="avc1.42c01e"/>
    </AdaptationSet>
  </Period>
</MPD>"#
        );
        let m = parse_dash(mpd.as_bytes()).unwrap();
        assert_eq!(m.duration_ms, Some(61_860));
        let t = m.timeline.unwrap();
        assert_eq!(t.durations_ms.len(), 11);
        assert_eq!(&t.durations_ms[..10], &[6006; 10]);
        assert_eq!(t.durations_ms[10], 1800);
        assert_eq!(t.total_ms(), 61_860);
        assert_eq!(t.target_duration_s, Some(7));
        assert_eq!(m.representations.len(), 3);
        assert_eq!(
            m.representations[0],
            DashRepresentation {
                id: Some("audio".into()),
                bandwidth: Some(128_000),
                width: None,
                height: None,
                codecs: Some("mp4a.40.2".into())
            }
        );
        assert_eq!(m.representations[1].codecs.as_deref(), Some("avc1.4d401f"), "inherited from the AdaptationSet");
        assert_eq!(m.representations[2].codecs.as_deref(), Some("avc1.42c01e"));
        assert_eq!((m.representations[2].width, m.representations[2].height), (Some(640), Some(360)));
    }

    #[test]
    fn dash_repeat_to_period_end() {
        // r=-1 on the last S: 25 s of 4 s segments is 7 segments, the last cut to 1 s.
        let mpd = format!(
            r#"{MPD_HEAD} mediaPresentationDuration="PT25S">
  <Period>
    <AdaptationSet mimeType="video/mp4">
      <SegmentTemplate timescale="1000" presentationTimeOffset="10000">
        <SegmentTimeline><S t="10000" d="4000" r="-1"/></SegmentTimeline>
      </SegmentTemplate>
      <Representation id="v" bandwidth="1"/>
    </AdaptationSet>
  </Period>
</MPD>"#
        );
        let t = parse_dash(mpd.as_bytes()).unwrap().timeline.unwrap();
        assert_eq!(t.durations_ms, vec![4000, 4000, 4000, 4000, 4000, 4000, 1000]);

        // r=-1 in the middle repeats up to the next S@t.
        let mpd = format!(
            r#"{MPD_HEAD} mediaPresentationDuration="PT20S">
  <Period><AdaptationSet mimeType="video/mp4"><Representation id="v" bandwidth="1">
    <SegmentTemplate timescale="1000"><SegmentTimeline><S t="0" d="3000" r="-1"/><S t="12000" d="4000" r="1"/></SegmentTimeline></SegmentTemplate>
  </Representation></AdaptationSet></Period>
</MPD>"#
        );
        let t = parse_dash(mpd.as_bytes()).unwrap().timeline.unwrap();
        assert_eq!(t.durations_ms, vec![3000, 3000, 3000, 3000, 4000, 4000]);

        // Without a known Period end, r=-1 at the end cannot be expanded.
        let mpd = format!(
            r#"{MPD_HEAD}><Period><AdaptationSet mimeType="video/mp4"><Representation id="v" bandwidth="1">
    <SegmentTemplate timescale="1000"><SegmentTimeline><S d="3000" r="-1"/></SegmentTimeline></SegmentTemplate>
  </Representation></AdaptationSet></Period></MPD>"#
        );
        assert!(matches!(parse_dash(mpd.as_bytes()), Err(ManifestError::Dash(_))));
    }

    #[test]
    fn dash_template_duration_with_shorter_last_segment() {
        // Representation's template wins over the AdaptationSet's; timescale is inherited.
        let mpd = format!(
            r#"{MPD_HEAD} mediaPresentationDuration="PT0H0M20.5S">
  <Period>
    <AdaptationSet mimeType="video/mp4">
      <SegmentTemplate timescale="90000" duration="900000" media="$Number$.m4s"/>
      <Representation id="v" bandwidth="1"><SegmentTemplate duration="540000" media="$Number$.m4s"/></Representation>
    </AdaptationSet>
  </Period>
</MPD>"#
        );
        let m = parse_dash(mpd.as_bytes()).unwrap();
        assert_eq!(m.duration_ms, Some(20_500));
        let t = m.timeline.unwrap();
        assert_eq!(t.durations_ms, vec![6000, 6000, 6000, 2500]);
        assert_eq!(t.total_ms(), 20_500);
        assert_eq!(t.target_duration_s, None);
    }

    #[test]
    fn dash_fractional_template_duration() {
        let mpd = format!(
            r#"{MPD_HEAD} mediaPresentationDuration="PT6S"><Period><AdaptationSet mimeType="video/mp4">
  <SegmentTemplate duration="2.5"/><Representation id="v" bandwidth="1"/></AdaptationSet></Period></MPD>"#
        );
        let t = parse_dash(mpd.as_bytes()).unwrap().timeline.unwrap();
        assert_eq!(t.durations_ms, vec![2500, 2500, 1000]);
    }

    #[test]
    fn dash_segment_list() {
        let mpd = format!(
            r#"{MPD_HEAD} mediaPresentationDuration="PT10S">
  <Period><AdaptationSet mimeType="video/mp4"><Representation id="v" bandwidth="1">
    <SegmentList timescale="1000" duration="4000"><SegmentURL media="1.m4s"/><SegmentURL media="2.m4s"/><SegmentURL media="3.m4s"/></SegmentList>
  </Representation></AdaptationSet></Period>
</MPD>"#
        );
        let t = parse_dash(mpd.as_bytes()).unwrap().timeline.unwrap();
        assert_eq!(t.durations_ms, vec![4000, 4000, 2000]);
    }

    #[test]
    fn dash_multi_period_concatenates() {
        // No mediaPresentationDuration: the duration is the sum of the Periods; the second Period's
        // duration comes from the third's start, the third's from its own @duration.
        let mpd = format!(
            r#"{MPD_HEAD}>
  <Period id="main1" duration="PT12S">
    <AdaptationSet mimeType="video/mp4"><SegmentTemplate timescale="1000" duration="6000"/><Representation id="v" bandwidth="1"/></AdaptationSet>
  </Period>
  <Period id="slate" start="PT12S">
    <AdaptationSet mimeType="video/mp4"><SegmentTemplate timescale="90000"><SegmentTimeline><S t="0" d="180000" r="1"/></SegmentTimeline></SegmentTemplate><Representation id="v" bandwidth="1"/></AdaptationSet>
  </Period>
  <Period id="main2" start="PT16S" duration="PT5S">
    <AdaptationSet mimeType="video/mp4"><SegmentTemplate timescale="1000" duration="3000"/><Representation id="v" bandwidth="1"/></AdaptationSet>
  </Period>
</MPD>"#
        );
        let m = parse_dash(mpd.as_bytes()).unwrap();
        assert_eq!(m.duration_ms, Some(21_000));
        let t = m.timeline.unwrap();
        assert_eq!(t.durations_ms, vec![6000, 6000, 2000, 2000, 3000, 2000]);
        assert_eq!(t.boundaries_ms(), vec![0, 6000, 12_000, 14_000, 16_000, 19_000, 21_000]);
    }

    #[test]
    fn dash_duration_forms() {
        for (attr, ms) in [("PT1H", 3_600_000), ("PT1H2M3.5S", 3_723_500), ("PT0.0005S", 1), ("P1DT1S", 86_401_000)] {
            let mpd = format!(r#"{MPD_HEAD} mediaPresentationDuration="{attr}"><Period/></MPD>"#);
            let m = parse_dash(mpd.as_bytes()).unwrap();
            assert_eq!(m.duration_ms, Some(ms), "{attr}");
            assert_eq!(m.timeline, None);
        }
        let mpd = format!(r#"{MPD_HEAD}><Period/></MPD>"#);
        assert_eq!(parse_dash(mpd.as_bytes()).unwrap().duration_ms, None);
    }

    #[test]
    fn dash_without_segment_addressing_has_no_timeline() {
        let mpd = format!(
            r#"{MPD_HEAD} mediaPresentationDuration="PT10S"><Period><AdaptationSet mimeType="video/mp4">
  <Representation id="v" bandwidth="1"><BaseURL>v.mp4</BaseURL><SegmentBase indexRange="0-100"/></Representation>
</AdaptationSet></Period></MPD>"#
        );
        let m = parse_dash(mpd.as_bytes()).unwrap();
        assert_eq!(m.timeline, None);
        assert_eq!(m.duration_ms, Some(10_000));
        assert_eq!(m.representations.len(), 1);
    }

    #[test]
    fn dash_malformed_inputs_are_errors() {
        assert_eq!(parse_dash(b"#EXTM3U\n"), Err(ManifestError::NotDash));
        assert_eq!(parse_dash(b"<html><body/></html>"), Err(ManifestError::NotDash));
        assert_eq!(parse_dash(b""), Err(ManifestError::NotDash));
        assert_eq!(parse_dash(b"<MPD \xff>"), Err(ManifestError::NotUtf8));
        let bad = [
            format!("{MPD_HEAD}>"),
            format!("{MPD_HEAD}></MPD>"),
            format!("{MPD_HEAD} mediaPresentationDuration=\"soon\"><Period/></MPD>"),
            format!(
                "{MPD_HEAD}><Period><AdaptationSet><SegmentTemplate timescale=\"0\" duration=\"1\"/><Representation/></AdaptationSet></Period></MPD>"
            ),
            format!(
                "{MPD_HEAD}><Period duration=\"PT10S\"><AdaptationSet><SegmentTemplate duration=\"-2\"/><Representation/></AdaptationSet></Period></MPD>"
            ),
            format!(
                "{MPD_HEAD}><Period><AdaptationSet><SegmentTemplate><SegmentTimeline><S t=\"10\" d=\"5\"/><S t=\"5\" d=\"5\"/></SegmentTimeline></SegmentTemplate></AdaptationSet></Period></MPD>"
            ),
            format!(
                "{MPD_HEAD}><Period><AdaptationSet><SegmentTemplate><SegmentTimeline><S d=\"0\"/></SegmentTimeline></SegmentTemplate></AdaptationSet></Period></MPD>"
            ),
            format!(
                "{MPD_HEAD}><Period><AdaptationSet><SegmentTemplate><SegmentTimeline><S d=\"1\" r=\"99999999999\"/></SegmentTimeline></SegmentTemplate></AdaptationSet></Period></MPD>"
            ),
            format!(
                "{MPD_HEAD}><Period duration=\"P100000D\"><AdaptationSet><SegmentTemplate duration=\"1\"/></AdaptationSet></Period></MPD>"
            ),
            format!(
                "{MPD_HEAD}><Period><AdaptationSet><SegmentTemplate duration=\"1\"/></AdaptationSet></Period></MPD>"
            ),
            format!(
                r#"{MPD_HEAD}><Period duration="PT1S"><AdaptationSet><SegmentTemplate duration="0.0001"/></AdaptationSet></Period></MPD>"#
            ),
            format!(
                r#"{MPD_HEAD}><Period duration="PT1S"><AdaptationSet><SegmentTemplate duration="NaN"/></AdaptationSet></Period></MPD>"#
            ),
        ];
        for mpd in bad {
            let result = parse_dash(mpd.as_bytes());
            assert!(matches!(result, Err(ManifestError::Dash(_))), "{mpd}: {result:?}");
        }
    }

    #[test]
    fn dash_durations_too_long_for_seconds_are_errors() {
        // dash-mpd-core sums these unchecked: each overflows a u64 of seconds.
        for duration in [
            "PT9999999999999999H",
            "P584942417356Y",
            "P1W99999999999999999999D",
            "PT18446744073709551616S",
            "PT&#57;999999999999999H",
            "P99999999999999999Ygarbage",
        ] {
            let mpd = format!(r#"{MPD_HEAD} mediaPresentationDuration="{duration}"><Period/></MPD>"#);
            assert_eq!(
                parse_dash(mpd.as_bytes()),
                Err(ManifestError::Dash(format!("duration {:?} is too long", duration.replace("&#57;", "9")))),
                "{duration}"
            );
            let on_a_period = format!(r#"{MPD_HEAD}><Period start="PT0S" duration="{duration}"/></MPD>"#);
            assert!(matches!(parse_dash(on_a_period.as_bytes()), Err(ManifestError::Dash(_))), "{duration}");
        }
        // The largest that fits, and others the guard must leave to the parser.
        for (duration, ms) in [("PT18446744073709551615S", u64::MAX), ("P1Y2M3W4DT5H6M7.5S", 38_898_367_500)] {
            let mpd = format!(r#"{MPD_HEAD} mediaPresentationDuration="{duration}"><Period/></MPD>"#);
            assert_eq!(parse_dash(mpd.as_bytes()).unwrap().duration_ms, Some(ms), "{duration}");
        }
    }

    /// The sample media folder (local/media), whose durations local/media/README.md states.
    mod sample_media {
        use super::super::*;

        macro_rules! sample {
            ($path:literal) => {
                include_bytes!(concat!("../../local/media/tailorflow-media/", $path)).as_slice()
            };
        }

        fn uris(variants: &[Variant]) -> Vec<&str> {
            variants.iter().map(|v| v.uri.as_str()).collect()
        }

        #[test]
        fn big_buck_bunny_hls_is_118_118_ms_in_both_renditions() {
            let variants = parse_hls_multivariant(sample!("packages/big-buck-bunny/hls/index.m3u8")).unwrap();
            assert_eq!(uris(&variants), ["720p/index.m3u8", "360p/index.m3u8"]);
            assert_eq!(variants[0].resolution, Some((1280, 720)));
            assert_eq!(variants[1].bandwidth, 800_000);
            assert_eq!(variants[0].codecs.as_deref(), Some("avc1.4d401f,mp4a.40.2"));
            let renditions = [
                parse_hls_media(sample!("packages/big-buck-bunny/hls/720p/index.m3u8")).unwrap(),
                parse_hls_media(sample!("packages/big-buck-bunny/hls/360p/index.m3u8")).unwrap(),
            ];
            for t in &renditions {
                assert_eq!(t.durations_ms.len(), 20);
                assert_eq!(t.total_ms(), 118_118);
                assert_eq!(t.max_segment_ms(), Some(6006));
                assert_eq!(t.durations_ms[19], 4004);
                assert_eq!(t.target_duration_s, Some(6));
            }
            assert!(check_variant_durations(&renditions, 0));
        }

        #[test]
        fn big_buck_bunny_dash_matches_hls() {
            let m = parse_dash(sample!("packages/big-buck-bunny/dash/manifest.mpd")).unwrap();
            assert_eq!(m.duration_ms, Some(118_118));
            let hls = parse_hls_media(sample!("packages/big-buck-bunny/hls/720p/index.m3u8")).unwrap();
            assert_eq!(m.timeline.unwrap().durations_ms, hls.durations_ms);
            let ids: Vec<_> = m.representations.iter().map(|r| r.id.as_deref().unwrap_or("")).collect();
            assert_eq!(ids, ["720p", "360p", "audio"]);
        }

        #[test]
        fn sintel_is_40_000_ms() {
            let variants = parse_hls_multivariant(sample!("packages/sintel/hls/index.m3u8")).unwrap();
            assert_eq!(uris(&variants), ["720p/index.m3u8"]);
            let t = parse_hls_media(sample!("packages/sintel/hls/720p/index.m3u8")).unwrap();
            assert_eq!(t.durations_ms, vec![4000; 10]);
            assert_eq!(t.target_duration_s, Some(4));
        }

        #[test]
        fn slate_is_30_000_ms() {
            let variants = parse_hls_multivariant(sample!("slates/slate-30s/hls/index.m3u8")).unwrap();
            assert_eq!(uris(&variants), ["720p/index.m3u8"]);
            let t = parse_hls_media(sample!("slates/slate-30s/hls/720p/index.m3u8")).unwrap();
            assert_eq!(t.durations_ms, vec![6000; 5]);
            assert_eq!(t.total_ms(), 30_000);
        }

        #[test]
        fn broken_asset_breaks_the_rules_it_is_meant_to() {
            let variants = parse_hls_multivariant(sample!("packages/broken/hls/index.m3u8")).unwrap();
            assert_eq!(uris(&variants), ["720p/index.m3u8", "360p/index.m3u8"]);
            let hd = parse_hls_media(sample!("packages/broken/hls/720p/index.m3u8")).unwrap();
            let sd = parse_hls_media(sample!("packages/broken/hls/360p/index.m3u8")).unwrap();
            assert_eq!(hd.max_segment_ms(), Some(45_000));
            assert!(hd.max_segment_ms().unwrap() > MAX_SEGMENT_MS);
            assert_eq!((hd.total_ms(), hd.target_duration_s), (69_000, Some(45)));
            assert_eq!((sd.total_ms(), sd.target_duration_s), (60_000, Some(6)));
            assert!(sd.max_segment_ms().unwrap() <= MAX_SEGMENT_MS);
            assert!(!check_variant_durations(&[hd, sd], 1000));
        }

        #[test]
        fn unparsable_asset_is_not_hls() {
            let bytes = sample!("packages/unparsable/hls/index.m3u8");
            assert_eq!(sniff(bytes), None);
            assert_eq!(parse_hls_multivariant(bytes), Err(ManifestError::NotHls));
            assert_eq!(parse_hls_media(bytes), Err(ManifestError::NotHls));
        }

        /// Every playlist's segments exist as MPEG-TS (whole 188-byte packets, sync byte first),
        /// so the emulator's origin serves whatever a player asks for: real media, and null
        /// packets in the broken package (see local/media/README.md).
        #[test]
        fn hls_segment_files_exist() {
            let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../local/media/tailorflow-media");
            for dir in [
                "packages/big-buck-bunny/hls/720p",
                "packages/big-buck-bunny/hls/360p",
                "packages/sintel/hls/720p",
                "slates/slate-30s/hls/720p",
                "packages/broken/hls/720p",
                "packages/broken/hls/360p",
            ] {
                let dir = root.join(dir);
                let playlist = std::fs::read_to_string(dir.join("index.m3u8")).unwrap();
                for uri in playlist.lines().filter(|l| !l.is_empty() && !l.starts_with('#')) {
                    let segment =
                        std::fs::read(dir.join(uri)).unwrap_or_else(|e| panic!("{}/{uri}: {e}", dir.display()));
                    assert!(!segment.is_empty() && segment.len().is_multiple_of(188), "{uri}: {} bytes", segment.len());
                    assert_eq!(segment[0], 0x47, "{uri}");
                }
            }
        }
    }
}
