//! Reads a VOD source's manifests from the media folder, when its source location points there,
//! to learn its duration and the problems MediaTailor would raise as alerts.

use super::manifest::{self, Hls, MAX_SEGMENT_MS, SegmentTimeline};
use super::model::{HttpPackageConfiguration, SourceLocation, VodSource};
use super::origin::{self, S3Origin};
use crate::s3::MediaStore;

pub(crate) use super::manifest::Rendition;

/// The duration assumed for a VOD source whose manifests are not in the media folder: the
/// emulator cannot read a remote origin, so it plans with this and says so in the README.
pub(crate) const DEFAULT_DURATION_MS: u64 = 300_000;

/// Variants whose totals differ by more than this raise VARIANT_DURATION_MISMATCH.
const VARIANT_TOLERANCE_MS: u64 = 1_000;

/// What was learnt of one package configuration.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct PackageReport {
    /// Whether its manifests live in the media folder (so the rest is meaningful).
    pub(crate) local: bool,
    /// The content duration, when readable.
    pub(crate) duration_ms: Option<u64>,
    /// Problems as MediaTailor alert codes and messages.
    pub(crate) problems: Vec<(&'static str, String)>,
    /// The renditions (HLS variants, DASH representations), when readable.
    pub(crate) renditions: Vec<Rendition>,
    /// Segment boundaries every rendition shares, in milliseconds from the start (each
    /// segment's end), when the segments are readable: where a program can be cut.
    pub(crate) boundaries_ms: Vec<u64>,
}

/// The bucket and key of a package's manifest, when its source location's BaseUrl is a bucket
/// of the media folder.
fn locate(media: &MediaStore, base_url: &str, path: &str) -> Option<(String, String)> {
    let origin: S3Origin = origin::s3_origin(base_url)?;
    if !media.root().join(&origin.bucket).is_dir() {
        return None;
    }
    let key = origin::package_key(&origin, path);
    Some((origin.bucket, key))
}

fn fetch(media: &MediaStore, bucket: &str, key: &str) -> Result<Vec<u8>, String> {
    media.read_object(bucket, key).map_err(|err| format!("s3://{bucket}/{key}: {err}"))
}

/// Reads and checks one package configuration.
pub(crate) fn analyse(
    media: &MediaStore,
    location: &SourceLocation,
    package: &HttpPackageConfiguration,
) -> PackageReport {
    let base_url = location.http_configuration.base_url.as_deref().unwrap_or_default();
    let path = package.path.as_deref().unwrap_or_default();
    let Some((bucket, key)) = locate(media, base_url, path) else { return PackageReport::default() };
    let mut report = PackageReport { local: true, ..Default::default() };
    match fetch(media, &bucket, &key) {
        Ok(bytes) if package.kind.as_deref() == Some("DASH") => analyse_dash(&mut report, path, &bytes),
        Ok(bytes) => analyse_hls(media, &mut report, &bucket, &key, path, &bytes),
        Err(why) => report.problems.push(("UNREACHABLE", format!("The manifest at {path} cannot be reached ({why})."))),
    }
    report
}

fn analyse_dash(report: &mut PackageReport, path: &str, bytes: &[u8]) {
    let mpd = match manifest::parse_dash(bytes) {
        Ok(mpd) => mpd,
        Err(err) => {
            let message = format!("The DASH manifest at {path} cannot be parsed: {err}.");
            report.problems.push(("UNPARSABLE_MANIFEST", message));
            return;
        }
    };
    report.renditions = mpd.renditions;
    report.duration_ms = mpd.duration_ms.or_else(|| mpd.timeline.as_ref().map(SegmentTimeline::total_ms));
    report.boundaries_ms = common_boundaries(mpd.timeline.as_slice());
    if let Some(longest) = mpd.timeline.as_ref().and_then(SegmentTimeline::max_segment_ms)
        && longest > MAX_SEGMENT_MS
    {
        let message =
            format!("The DASH manifest at {path} has a segment of {longest} ms; segments must be at most 30 s.");
        report.problems.push(("SEGMENT_DURATION_TOO_LONG", message));
    }
}

fn analyse_hls(media: &MediaStore, report: &mut PackageReport, bucket: &str, key: &str, path: &str, bytes: &[u8]) {
    let variants = match manifest::parse_hls(bytes) {
        // An entry path may name a media playlist directly; then it is the only rendition.
        Ok(Hls::Media(timeline)) => return check_timelines(report, path, vec![timeline]),
        Ok(Hls::Multivariant(variants)) => variants,
        Err(err) => {
            let message = format!("The HLS manifest at {path} cannot be parsed: {err}.");
            report.problems.push(("UNPARSABLE_MANIFEST", message));
            return;
        }
    };
    report.renditions = variants.iter().map(|v| v.rendition.clone()).collect();
    let mut timelines = Vec::new();
    // Variants on other origins (absolute URLs) cannot be read here.
    for (uri, variant_key) in variants.iter().filter_map(|v| Some((&v.uri, origin::resolve(key, &v.uri)?))) {
        let bytes = match fetch(media, bucket, &variant_key) {
            Ok(bytes) => bytes,
            Err(why) => {
                let message = format!("The variant playlist {uri} of {path} cannot be reached ({why}).");
                report.problems.push(("UNREACHABLE", message));
                continue;
            }
        };
        match manifest::parse_hls(&bytes) {
            Ok(Hls::Media(timeline)) => timelines.push(timeline),
            Ok(Hls::Multivariant(_)) => report.problems.push((
                "UNPARSABLE_MANIFEST",
                format!("The media playlist {variant_key} of {path} cannot be parsed: it is a multivariant playlist."),
            )),
            Err(err) => report.problems.push((
                "UNPARSABLE_MANIFEST",
                format!("The media playlist {variant_key} of {path} cannot be parsed: {err}."),
            )),
        }
    }
    check_timelines(report, path, timelines);
}

/// Segment lengths, variant totals and target durations across an HLS package's renditions;
/// the first rendition gives the duration.
fn check_timelines(report: &mut PackageReport, path: &str, timelines: Vec<SegmentTimeline>) {
    if let Some(longest) = timelines.iter().filter_map(SegmentTimeline::max_segment_ms).max()
        && longest > MAX_SEGMENT_MS
    {
        report.problems.push((
            "SEGMENT_DURATION_TOO_LONG",
            format!("A media playlist of {path} has a segment of {longest} ms; segments must be at most 30 s."),
        ));
    }
    if !manifest::same_durations(&timelines, VARIANT_TOLERANCE_MS) {
        let totals: Vec<String> = timelines.iter().map(|t| format!("{} ms", t.total_ms())).collect();
        report.problems.push((
            "VARIANT_DURATION_MISMATCH",
            format!("The variants of {path} have different durations ({}).", totals.join(", ")),
        ));
    }
    let targets: Vec<u64> = timelines.iter().filter_map(|t| t.target_duration_s).collect();
    if targets.windows(2).any(|w| w[0] != w[1]) {
        report.problems.push((
            "TARGET_DURATION_MISMATCH",
            format!("The media playlists of {path} have different EXT-X-TARGETDURATION values ({targets:?})."),
        ));
    }
    report.duration_ms = timelines.first().map(SegmentTimeline::total_ms);
    report.boundaries_ms = common_boundaries(&timelines);
}

/// The segment ends of the first timeline that every other timeline shares (within a
/// millisecond's rounding): a cut there is clean in every rendition.
fn common_boundaries(timelines: &[SegmentTimeline]) -> Vec<u64> {
    let ends = |t: &SegmentTimeline| -> Vec<u64> {
        t.durations_ms
            .iter()
            .scan(0u64, |at, d| {
                *at = at.saturating_add(*d);
                Some(*at)
            })
            .collect()
    };
    let Some((first, others)) = timelines.split_first() else { return Vec::new() };
    let others: Vec<Vec<u64>> = others.iter().map(ends).collect();
    ends(first).into_iter().filter(|b| others.iter().all(|o| o.iter().any(|x| x.abs_diff(*b) <= 1))).collect()
}

/// What a channel plays of a VOD source: its content duration ([`DEFAULT_DURATION_MS`] when
/// unreadable) and its common segment boundaries (none when unreadable).
pub(crate) fn content(
    media: &MediaStore,
    location: &SourceLocation,
    source: &VodSource,
    source_groups: &[&str],
) -> (u64, Vec<u64>) {
    match channel_package(media, location, source, source_groups) {
        Some(report) => (report.duration_ms.unwrap_or(DEFAULT_DURATION_MS), report.boundaries_ms),
        None => (DEFAULT_DURATION_MS, Vec::new()),
    }
}

/// The report of the package a channel plays: the one that matches one of the channel's source
/// groups, else the first.
pub(crate) fn channel_package(
    media: &MediaStore,
    location: &SourceLocation,
    source: &VodSource,
    source_groups: &[&str],
) -> Option<PackageReport> {
    let packages = &source.http_package_configurations;
    let chosen = packages
        .iter()
        .find(|p| p.source_group.as_deref().is_some_and(|g| source_groups.contains(&g)))
        .or_else(|| packages.first());
    chosen.map(|p| analyse(media, location, p))
}
