//! A VOD source's media as a channel output plays it: the package for the output's source group,
//! read from the media folder, with every segment URI made absolute on the origin (or on the
//! source location's default segment delivery server), since channel assembly never serves
//! segments itself.

use dash_mpd_core::{AdaptationSet, SegmentTemplate};
use m3u8_rs::Playlist;

use super::super::model::{HttpPackageConfiguration, SourceLocation};
use super::super::origin;
use super::super::store::Store;
use crate::s3::MediaStore;

/// A VOD source, by source location and name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct SourceKey {
    /// Its source location.
    pub(super) location: String,
    /// Its name.
    pub(super) vod: String,
}

/// One HLS segment.
#[derive(Debug, Clone)]
pub(super) struct HlsSegment {
    /// Absolute URL on the origin.
    pub(super) uri: String,
    /// `#EXTINF`, in milliseconds.
    pub(super) duration_ms: u64,
}

/// One variant of an HLS package: its `#EXT-X-STREAM-INF` attributes and its segments.
#[derive(Debug, Clone)]
pub(super) struct HlsVariant {
    /// The attribute list, rebuilt from the source's multivariant playlist.
    pub(super) attributes: String,
    /// The segments, in order.
    pub(super) segments: Vec<HlsSegment>,
}

/// One AdaptationSet of a DASH package's first Period.
#[derive(Debug, Clone)]
pub(super) struct DashSet {
    /// Its attributes, as `name="value"` pairs, to copy.
    pub(super) attributes: Vec<(&'static str, String)>,
    /// Whether it is the video set (the one segment boundaries are read from).
    pub(super) video: bool,
    /// `SegmentTemplate@timescale`.
    pub(super) timescale: u64,
    /// `SegmentTemplate@initialization`.
    pub(super) initialization: Option<String>,
    /// `SegmentTemplate@media`.
    pub(super) media: Option<String>,
    /// Segment start times and durations in `timescale` units.
    pub(super) times: Vec<(u64, u64)>,
    /// Each Representation's attributes.
    pub(super) representations: Vec<Vec<(&'static str, String)>>,
}

/// A DASH package: where its segments are, and its AdaptationSets.
#[derive(Debug, Clone)]
pub(super) struct DashSource {
    /// The MPD's directory on the origin, ending with `/`: the Period's BaseURL.
    pub(super) base_url: String,
    /// The AdaptationSets that address segments by SegmentTemplate.
    pub(super) sets: Vec<DashSet>,
}

impl DashSource {
    /// Segment durations of the video set (else the first), in milliseconds.
    pub(super) fn reference_ms(&self) -> Vec<u64> {
        let Some(set) = self.sets.iter().find(|s| s.video).or_else(|| self.sets.first()) else { return Vec::new() };
        set.times.iter().map(|(_, d)| d * 1000 / set.timescale.max(1)).collect()
    }
}

/// The package of `key` a channel output with `group` plays: the one of that source group and
/// `kind`, else the first of that kind.
fn package<'s>(
    store: &'s Store,
    key: &SourceKey,
    group: &str,
    kind: &str,
) -> Option<(&'s SourceLocation, &'s HttpPackageConfiguration)> {
    let location = store.source_locations.get(&key.location)?;
    let packages = &store.vod_sources.get(&key.location)?.get(&key.vod)?.http_package_configurations;
    let of_kind = |p: &&HttpPackageConfiguration| p.kind.as_deref() == Some(kind);
    let chosen = packages
        .iter()
        .filter(of_kind)
        .find(|p| p.source_group.as_deref() == Some(group))
        .or_else(|| packages.iter().find(of_kind))?;
    Some((location, chosen))
}

/// A manifest of the media folder: its URL, key, bucket and bytes.
struct Fetched {
    url: String,
    bucket: String,
    key: String,
    bytes: Vec<u8>,
}

fn fetch(media: &MediaStore, location: &SourceLocation, path: &str) -> Option<Fetched> {
    let base = location.http_configuration.base_url.as_deref()?;
    let s3 = origin::s3_origin(base)?;
    let key = origin::package_key(&s3, path);
    let bytes = media.read_object(&s3.bucket, &key).ok()?;
    let url = format!("{}/{}", base.trim_end_matches('/'), path.trim_start_matches('/'));
    Some(Fetched { url, bucket: s3.bucket, key, bytes })
}

/// `uri` made absolute against the document at `base`.
pub(super) fn join(base: &str, uri: &str) -> String {
    if uri.contains("://") {
        return uri.to_owned();
    }
    if let Some(rooted) = uri.strip_prefix('/') {
        let after_scheme = base.find("://").map_or(0, |i| i + 3);
        let authority_end = base[after_scheme..].find('/').map_or(base.len(), |i| after_scheme + i);
        return format!("{}/{rooted}", &base[..authority_end]);
    }
    let dir = base.rfind('/').map_or(base, |i| &base[..=i]);
    format!("{dir}{uri}")
}

/// A segment URL moved to the source location's default segment delivery server, if it has one.
fn delivered(location: &SourceLocation, url: String) -> String {
    let origin = location.http_configuration.base_url.as_deref().unwrap_or_default().trim_end_matches('/');
    let server = location.default_segment_delivery_configuration.as_ref().and_then(|c| c.base_url.as_deref());
    match (server.filter(|s| !s.is_empty()), url.strip_prefix(origin)) {
        (Some(server), Some(rest)) if !origin.is_empty() => format!("{}{rest}", server.trim_end_matches('/')),
        _ => url,
    }
}

/// The HLS variants of `key` for an output of `group`, or `None` when they cannot be read.
pub(super) fn hls(media: &MediaStore, store: &Store, key: &SourceKey, group: &str) -> Option<Vec<HlsVariant>> {
    let (location, package) = package(store, key, group, "HLS")?;
    let top = fetch(media, location, package.path.as_deref()?)?;
    match m3u8_rs::parse_playlist_res(&top.bytes).ok()? {
        Playlist::MediaPlaylist(playlist) => Some(vec![HlsVariant {
            attributes: "BANDWIDTH=1000000".into(),
            segments: segments(location, &top.url, &playlist),
        }]),
        Playlist::MasterPlaylist(playlist) => {
            let variants: Vec<HlsVariant> = playlist
                .variants
                .iter()
                .filter(|v| !v.is_i_frame)
                .filter_map(|v| {
                    let variant_key = origin::resolve(&top.key, &v.uri)?;
                    let bytes = media.read_object(&top.bucket, &variant_key).ok()?;
                    let Playlist::MediaPlaylist(child) = m3u8_rs::parse_playlist_res(&bytes).ok()? else { return None };
                    let url = join(&top.url, &v.uri);
                    Some(HlsVariant { attributes: stream_inf(v), segments: segments(location, &url, &child) })
                })
                .collect();
            (!variants.is_empty()).then_some(variants)
        }
    }
}

fn segments(location: &SourceLocation, url: &str, playlist: &m3u8_rs::MediaPlaylist) -> Vec<HlsSegment> {
    playlist
        .segments
        .iter()
        .map(|s| HlsSegment {
            uri: delivered(location, join(url, &s.uri)),
            duration_ms: (f64::from(s.duration) * 1000.0).round().max(0.0) as u64,
        })
        .collect()
}

fn stream_inf(v: &m3u8_rs::VariantStream) -> String {
    let mut attributes = vec![format!("BANDWIDTH={}", v.bandwidth)];
    if let Some(average) = v.average_bandwidth {
        attributes.push(format!("AVERAGE-BANDWIDTH={average}"));
    }
    if let Some(r) = &v.resolution {
        attributes.push(format!("RESOLUTION={}x{}", r.width, r.height));
    }
    if let Some(rate) = v.frame_rate {
        attributes.push(format!("FRAME-RATE={rate:.3}"));
    }
    if let Some(codecs) = &v.codecs {
        attributes.push(format!("CODECS=\"{codecs}\""));
    }
    attributes.join(",")
}

/// The DASH package of `key` for an output of `group`, or `None` when it cannot be read.
pub(super) fn dash(media: &MediaStore, store: &Store, key: &SourceKey, group: &str) -> Option<DashSource> {
    let (location, package) = package(store, key, group, "DASH")?;
    let fetched = fetch(media, location, package.path.as_deref()?)?;
    let text = std::str::from_utf8(&fetched.bytes).ok()?;
    let mpd = dash_mpd_core::parse(text.strip_prefix('\u{feff}').unwrap_or(text)).ok()?;
    let period = mpd.periods.first()?;
    let sets: Vec<DashSet> = period.adaptations.iter().filter_map(dash_set).collect();
    let base_url = delivered(location, join(&fetched.url, ""));
    (!sets.is_empty()).then_some(DashSource { base_url, sets })
}

fn dash_set(set: &AdaptationSet) -> Option<DashSet> {
    let template: &SegmentTemplate = set
        .SegmentTemplate
        .as_ref()
        .or_else(|| set.representations.first().and_then(|r| r.SegmentTemplate.as_ref()))?;
    let timescale = template.timescale.unwrap_or(1).max(1);
    let mut times = Vec::new();
    let mut now = 0u64;
    for s in &template.SegmentTimeline.as_ref()?.segments {
        now = s.t.unwrap_or(now);
        for _ in 0..=s.r.unwrap_or(0).clamp(0, 100_000) {
            times.push((now, s.d));
            now += s.d;
        }
    }
    let mime = set.mimeType.clone().or_else(|| set.representations.first().and_then(|r| r.mimeType.clone()));
    let video = set.contentType.as_deref() == Some("video") || mime.as_deref().is_some_and(|m| m.starts_with("video/"));
    let mut attributes = Vec::new();
    push(&mut attributes, "id", set.id.clone());
    push(&mut attributes, "contentType", set.contentType.clone());
    push(&mut attributes, "mimeType", mime);
    push(&mut attributes, "lang", set.lang.clone());
    push(&mut attributes, "codecs", set.codecs.clone());
    push(&mut attributes, "frameRate", set.frameRate.clone());
    push(&mut attributes, "segmentAlignment", set.segmentAlignment.map(|b| b.to_string()));
    push(&mut attributes, "startWithSAP", set.startWithSAP.map(|n| n.to_string()));
    let representations = set
        .representations
        .iter()
        .map(|r| {
            let mut a = Vec::new();
            push(&mut a, "id", r.id.clone());
            push(&mut a, "bandwidth", r.bandwidth.map(|n| n.to_string()));
            push(&mut a, "width", r.width.map(|n| n.to_string()));
            push(&mut a, "height", r.height.map(|n| n.to_string()));
            push(&mut a, "codecs", r.codecs.clone());
            push(&mut a, "audioSamplingRate", r.audioSamplingRate.clone());
            a
        })
        .collect();
    Some(DashSet {
        attributes,
        video,
        timescale,
        initialization: template.initialization.clone(),
        media: template.media.clone(),
        times,
        representations,
    })
}

fn push(attributes: &mut Vec<(&'static str, String)>, name: &'static str, value: Option<String>) {
    if let Some(value) = value {
        attributes.push((name, value));
    }
}

#[cfg(test)]
mod tests {
    use super::join;

    #[test]
    fn joins_relative_rooted_and_absolute_uris() {
        let base = "http://127.0.0.1:1/origin/b/packages/x/hls/index.m3u8";
        assert_eq!(join(base, "720p/index.m3u8"), "http://127.0.0.1:1/origin/b/packages/x/hls/720p/index.m3u8");
        assert_eq!(join(base, "/other/a.ts"), "http://127.0.0.1:1/other/a.ts");
        assert_eq!(join(base, "https://cdn.example/a.ts"), "https://cdn.example/a.ts");
    }
}
