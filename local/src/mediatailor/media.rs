//! Reads a VOD source's manifests from the media folder, when its source location points there,
//! to learn its duration and the problems MediaTailor would raise as alerts.

use tailorflow_shared::manifest::{self, MAX_SEGMENT_MS, SegmentTimeline};
use tailorflow_shared::origin::{self, Origin};

use super::model::{HttpPackageConfiguration, SourceLocation, VodSource};
use crate::s3::MediaStore;

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
    /// Segment boundaries of the first rendition, when readable.
    pub(crate) timeline: Option<SegmentTimeline>,
    /// Problems as MediaTailor alert codes and messages.
    pub(crate) problems: Vec<(&'static str, String)>,
    /// The renditions (HLS variants, DASH representations), when readable.
    pub(crate) renditions: Vec<Rendition>,
}

/// What a player switches between: compared across consecutive programs.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Rendition {
    /// `CODECS` / `@codecs`.
    pub(crate) codecs: Option<String>,
    /// Width and height.
    pub(crate) resolution: Option<(u64, u64)>,
    /// Bits per second.
    pub(crate) bandwidth: Option<u64>,
}

enum Fetched {
    Missing(String),
    Bytes(Vec<u8>),
}

/// Where `path` under a source location lives in the media folder, if it does.
fn locate(media: &MediaStore, base_url: &str, path: &str) -> Option<(String, String)> {
    let Ok(Origin::S3 { bucket, prefix }) = origin::parse_base_url(base_url) else { return None };
    if !media.root().join(&bucket).is_dir() {
        return None;
    }
    let key = format!("{prefix}{}", path.trim_start_matches('/'));
    Some((bucket, key))
}

fn fetch(media: &MediaStore, bucket: &str, key: &str) -> Fetched {
    match media.read_object(bucket, key) {
        Ok(bytes) => Fetched::Bytes(bytes),
        Err(err) => Fetched::Missing(format!("s3://{bucket}/{key}: {err}")),
    }
}

/// The folder part of a key, with its trailing slash.
fn dir_of(key: &str) -> &str {
    key.rfind('/').map_or("", |i| &key[..=i])
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
    let bytes = match fetch(media, &bucket, &key) {
        Fetched::Bytes(bytes) => bytes,
        Fetched::Missing(why) => {
            report.problems.push(("UNREACHABLE", format!("The manifest at {path} cannot be reached ({why}).")));
            return report;
        }
    };
    match package.kind.as_deref() {
        Some("DASH") => analyse_dash(&mut report, path, &bytes),
        _ => analyse_hls(media, &mut report, &bucket, &key, path, &bytes),
    }
    report
}

fn analyse_dash(report: &mut PackageReport, path: &str, bytes: &[u8]) {
    match manifest::parse_dash(bytes) {
        Ok(mpd) => {
            report.renditions = mpd
                .representations
                .iter()
                .map(|r| Rendition {
                    codecs: r.codecs.clone(),
                    resolution: r.width.zip(r.height),
                    bandwidth: r.bandwidth,
                })
                .collect();
            report.duration_ms = mpd.duration_ms.or_else(|| mpd.timeline.as_ref().map(SegmentTimeline::total_ms));
            if let Some(longest) = mpd.timeline.as_ref().and_then(SegmentTimeline::max_segment_ms)
                && longest > MAX_SEGMENT_MS
            {
                report.problems.push((
                    "SEGMENT_DURATION_TOO_LONG",
                    format!(
                        "The DASH manifest at {path} has a segment of {longest} ms; segments must be at most 30 s."
                    ),
                ));
            }
            report.timeline = mpd.timeline;
        }
        Err(err) => report
            .problems
            .push(("UNPARSABLE_MANIFEST", format!("The DASH manifest at {path} cannot be parsed: {err}."))),
    }
}

fn analyse_hls(media: &MediaStore, report: &mut PackageReport, bucket: &str, key: &str, path: &str, bytes: &[u8]) {
    // An entry path may name a media playlist directly; then it is the only rendition.
    let renditions: Vec<(String, Vec<u8>)> = match manifest::sniff_hls(bytes) {
        Some(manifest::ManifestKind::HlsMedia) => vec![(key.to_owned(), bytes.to_vec())],
        Some(_) => match manifest::parse_hls_multivariant(bytes) {
            Ok(variants) => {
                report.renditions = variants
                    .iter()
                    .map(|v| Rendition {
                        codecs: v.codecs.clone(),
                        resolution: v.resolution,
                        bandwidth: Some(v.bandwidth),
                    })
                    .collect();
                let mut renditions = Vec::new();
                for variant in variants {
                    if variant.uri.contains("://") {
                        continue;
                    }
                    let variant_key = origin::join(dir_of(key), &variant.uri);
                    match fetch(media, bucket, &variant_key) {
                        Fetched::Bytes(bytes) => renditions.push((variant_key, bytes)),
                        Fetched::Missing(why) => report.problems.push((
                            "UNREACHABLE",
                            format!("The variant playlist {} of {path} cannot be reached ({why}).", variant.uri),
                        )),
                    }
                }
                renditions
            }
            Err(err) => {
                report
                    .problems
                    .push(("UNPARSABLE_MANIFEST", format!("The HLS manifest at {path} cannot be parsed: {err}.")));
                return;
            }
        },
        None => {
            report.problems.push((
                "UNPARSABLE_MANIFEST",
                format!("The HLS manifest at {path} cannot be parsed: it does not start with #EXTM3U."),
            ));
            return;
        }
    };
    let mut timelines = Vec::new();
    for (rendition_key, bytes) in &renditions {
        match manifest::parse_hls_media(bytes) {
            Ok(timeline) => timelines.push(timeline),
            Err(err) => report.problems.push((
                "UNPARSABLE_MANIFEST",
                format!("The media playlist {rendition_key} of {path} cannot be parsed: {err}."),
            )),
        }
    }
    if let Some(longest) = timelines.iter().filter_map(SegmentTimeline::max_segment_ms).max()
        && longest > MAX_SEGMENT_MS
    {
        report.problems.push((
            "SEGMENT_DURATION_TOO_LONG",
            format!("A media playlist of {path} has a segment of {longest} ms; segments must be at most 30 s."),
        ));
    }
    if !manifest::check_variant_durations(&timelines, VARIANT_TOLERANCE_MS) {
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
    report.timeline = timelines.into_iter().next();
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

/// The content duration of a VOD source for a channel, or [`DEFAULT_DURATION_MS`].
pub(crate) fn duration_ms(
    media: &MediaStore,
    location: &SourceLocation,
    source: &VodSource,
    source_groups: &[&str],
) -> u64 {
    channel_package(media, location, source, source_groups).and_then(|r| r.duration_ms).unwrap_or(DEFAULT_DURATION_MS)
}
