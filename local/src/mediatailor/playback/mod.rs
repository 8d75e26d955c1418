//! Channel playback: what a player reads at an output's PlaybackUrl, unsigned as on the real
//! playback endpoint. MediaTailor's channel assembly URL is
//! `https://ID.channel-assembly.mediatailor.REGION.amazonaws.com/v1/channel/CHANNEL/MANIFEST.m3u8`
//! (`.mpd` for DASH); the emulator serves the same path on its own port:
//!
//! - `GET /v1/channel/CHANNEL/MANIFEST.m3u8`: the HLS multivariant playlist;
//! - `GET /v1/channel/CHANNEL/MANIFEST/N.m3u8`: the live media playlist of variant `N`;
//! - `GET /v1/channel/CHANNEL/MANIFEST.mpd`: the dynamic, multi-period DASH MPD.
//!
//! What plays when comes from the channel's schedule (`schedule::compute`, as it stood when the
//! channel started), cut into pieces by `timeline`; manifests are read from the media folder
//! by `source`. Segments are never served here: their URIs point at the origin.

mod dash;
mod hls;
mod scte35;
mod source;
mod timeline;

use std::collections::BTreeMap;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use percent_encoding::percent_decode_str;

use super::model::{AdBreak, ResponseOutputItem};
use super::ops::Context;
use super::store::{ChannelRecord, Store};
use super::{MediaTailor, schedule};
use crate::s3::MediaStore;
use crate::{lock, wire};
use schedule::{Slot, SlotKind};
use source::{DashSource, HlsVariant, SourceKey};
use timeline::{Piece, PieceKind, Track};

/// The window when an output sets no ManifestWindowSeconds.
const DEFAULT_WINDOW_S: u64 = 60;

/// What a playback path asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Target {
    channel: String,
    manifest: String,
    kind: Kind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Multivariant,
    Variant(usize),
    Dash,
}

/// Why a playback request gets no manifest.
#[derive(Debug, thiserror::Error)]
enum PlaybackError {
    /// No such channel, output or variant.
    #[error("{0}")]
    NotFound(String),
    /// The channel is stopped.
    #[error("channel {0} is not running; start it with StartChannel")]
    NotRunning(String),
}

impl IntoResponse for PlaybackError {
    fn into_response(self) -> Response {
        // MediaTailor's playback endpoint answers 404 for what it does not play.
        let kind = match &self {
            Self::NotFound(_) => "NotFoundException",
            Self::NotRunning(_) => "ChannelNotRunningException",
        };
        wire::rest_json_error(StatusCode::NOT_FOUND, kind, &self.to_string())
    }
}

/// Whether an unsigned request is for channel playback.
pub(crate) fn is_playback_path(path: &str) -> bool {
    path.starts_with("/v1/channel/")
}

fn parse_path(path: &str) -> Option<Target> {
    let rest = path.strip_prefix("/v1/channel/")?;
    let parts: Vec<String> = rest.split('/').map(|p| percent_decode_str(p).decode_utf8_lossy().into_owned()).collect();
    match parts.as_slice() {
        [channel, file] => {
            let (manifest, kind) = match (file.strip_suffix(".m3u8"), file.strip_suffix(".mpd")) {
                (Some(m), _) => (m, Kind::Multivariant),
                (_, Some(m)) => (m, Kind::Dash),
                _ => return None,
            };
            Some(Target { channel: channel.clone(), manifest: manifest.to_owned(), kind })
        }
        [channel, manifest, file] => {
            let index = file.strip_suffix(".m3u8")?.parse().ok()?;
            Some(Target { channel: channel.clone(), manifest: manifest.clone(), kind: Kind::Variant(index) })
        }
        _ => None,
    }
}

impl MediaTailor {
    /// Answers an unsigned `GET` of a channel's playback path.
    pub(crate) fn playback(&self, path: &str, media: &MediaStore) -> Response {
        let Some(target) = parse_path(path) else {
            return PlaybackError::NotFound(format!("no channel manifest at {path}")).into_response();
        };
        let now = wire::now_epoch();
        let store = lock(&self.store);
        let ctx = Context { settings: &self.settings, media, now };
        match render(&ctx, &store, &target) {
            Ok((content_type, body)) => {
                let mut response = (StatusCode::OK, body).into_response();
                let headers = response.headers_mut();
                headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
                headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("max-age=1"));
                headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
                response
            }
            Err(err) => err.into_response(),
        }
    }
}

fn render(ctx: &Context<'_>, store: &Store, target: &Target) -> Result<(&'static str, String), PlaybackError> {
    let record = store
        .channels
        .get(&target.channel)
        .ok_or_else(|| PlaybackError::NotFound(format!("channel {} not found", target.channel)))?;
    let output = record.channel.outputs.iter().find(|o| o.manifest_name == target.manifest).ok_or_else(|| {
        PlaybackError::NotFound(format!("channel {} has no output {}", target.channel, target.manifest))
    })?;
    let started_at = record.started_at.filter(|_| record.channel.channel_state == "RUNNING");
    let started_at = started_at.ok_or_else(|| PlaybackError::NotRunning(target.channel.clone()))?;
    let wrong = || PlaybackError::NotFound(format!("output {} is not {}", target.manifest, kind_name(target.kind)));
    let plan = Plan { ctx, store, record, output, start_ms: (started_at * 1000.0).round() as i64 };
    match target.kind {
        Kind::Multivariant if output.hls_playlist_settings.is_some() => Ok((HLS_TYPE, plan.multivariant())),
        Kind::Variant(n) if output.hls_playlist_settings.is_some() => Ok((HLS_TYPE, plan.variant(n)?)),
        Kind::Dash if output.dash_playlist_settings.is_some() => Ok(("application/dash+xml", plan.dash())),
        _ => Err(wrong()),
    }
}

const HLS_TYPE: &str = "application/vnd.apple.mpegurl";

fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Dash => "a DASH output",
        _ => "an HLS output",
    }
}

/// One output of one running channel, at the time of the request.
struct Plan<'a> {
    ctx: &'a Context<'a>,
    store: &'a Store,
    record: &'a ChannelRecord,
    output: &'a ResponseOutputItem,
    start_ms: i64,
}

impl Plan<'_> {
    fn now_ms(&self) -> i64 {
        (self.ctx.now * 1000.0).round() as i64
    }

    /// The timeline as computed when the channel started: from its first program, so the same
    /// pieces (and numbers) on every request.
    fn slots(&self) -> Vec<Slot> {
        let name = &self.record.channel.channel_name;
        schedule::timeline(self.store, self.ctx.media, name, self.start_ms, None).unwrap_or_default()
    }

    fn hls_source(&self, key: &SourceKey) -> Option<Vec<HlsVariant>> {
        source::hls(self.ctx.media, self.store, key, &self.output.source_group)
    }

    fn dash_source(&self, key: &SourceKey) -> Option<DashSource> {
        source::dash(self.ctx.media, self.store, key, &self.output.source_group)
    }

    /// The variants every source plays by: the first program's source's, or, on a channel with
    /// no program to play, the filler slate's (which is what plays).
    fn lead_variants(&self, slots: &[Slot]) -> Option<Vec<HlsVariant>> {
        let first = slots.iter().filter_map(program_key).find_map(|key| self.hls_source(&key));
        let slate = self.record.channel.filler_slate.as_ref();
        let filler = slate.and_then(|s| {
            Some(SourceKey { location: s.source_location_name.clone()?, vod: s.vod_source_name.clone()? })
        });
        first.or_else(|| filler.and_then(|key| self.hls_source(&key)))
    }

    /// The multivariant playlist: the variants of [`Self::lead_variants`].
    fn multivariant(&self) -> String {
        let first = self.lead_variants(&self.slots());
        let variants: Vec<String> = first.unwrap_or_default().into_iter().map(|v| v.attributes).collect();
        hls::multivariant(&self.output.manifest_name, &variants)
    }

    /// The media playlist of variant `n` (each source plays its `n`th variant, else its last).
    fn variant(&self, n: usize) -> Result<String, PlaybackError> {
        let mut cache: BTreeMap<SourceKey, Option<Vec<HlsVariant>>> = BTreeMap::new();
        let mut rendition = |key: &SourceKey| -> Option<HlsVariant> {
            let variants = cache.entry(key.clone()).or_insert_with(|| self.hls_source(key)).as_ref()?;
            variants.get(n.min(variants.len().saturating_sub(1))).cloned()
        };
        let slots = self.slots();
        let first = self.lead_variants(&slots);
        if first.is_some_and(|v| n >= v.len()) {
            return Err(PlaybackError::NotFound(format!("output {} has no variant {n}", self.output.manifest_name)));
        }
        let track =
            self.track(&slots, &mut |key| rendition(key).map(|v| v.segments.iter().map(|s| s.duration_ms).collect()));
        let window_s = self.output.hls_playlist_settings.as_ref().and_then(|s| s.manifest_window_seconds);
        let now_ms = self.now_ms();
        let segments = track.segments(now_ms - window_ms(window_s), now_ms);
        let renditions: BTreeMap<SourceKey, HlsVariant> =
            track.pieces().filter_map(|p| Some((p.source.clone(), rendition(&p.source)?))).collect();
        let sources = segments
            .iter()
            .map(|s| renditions.get(&s.piece.source).and_then(|v| v.segments.get(s.piece.first + s.in_piece)))
            .collect();
        let longest = track.pieces().flat_map(|p| p.durations_ms.iter()).copied().max().unwrap_or(1000);
        let markup =
            hls::Markup::of(self.output.hls_playlist_settings.as_ref().and_then(|s| s.ad_markup_type.as_ref()));
        let ended = track.end_ms().is_some_and(|end| now_ms >= end);
        let target_duration_s = (longest + 500) / 1000;
        Ok(hls::media(&hls::MediaPlaylist { segments: &segments, sources, target_duration_s, markup, ended }))
    }

    fn dash(&self) -> String {
        let mut cache: BTreeMap<SourceKey, Option<DashSource>> = BTreeMap::new();
        let slots = self.slots();
        let track = self.track(&slots, &mut |key| {
            cache.entry(key.clone()).or_insert_with(|| self.dash_source(key)).as_ref().map(DashSource::reference_ms)
        });
        let settings = self.output.dash_playlist_settings.clone().unwrap_or_default();
        let seconds = |v: Option<i64>, default: u64| v.and_then(|v| u64::try_from(v).ok()).unwrap_or(default);
        let settings = dash::Settings {
            window_s: seconds(settings.manifest_window_seconds, DEFAULT_WINDOW_S),
            min_buffer_s: seconds(settings.min_buffer_time_seconds, 2),
            min_update_s: seconds(settings.min_update_period_seconds, 2),
            delay_s: seconds(settings.suggested_presentation_delay_seconds, 10),
        };
        let now_ms = self.now_ms();
        let segments = track.segments(now_ms - settings.window_s as i64 * 1000, now_ms);
        let sources: BTreeMap<SourceKey, DashSource> =
            cache.into_iter().filter_map(|(key, source)| Some((key, source?))).collect();
        dash::mpd(&segments, &sources, settings, self.start_ms, now_ms)
    }

    /// The channel's play-out, reading each source's segment durations with `durations`.
    fn track(&self, slots: &[Slot], durations: &mut dyn FnMut(&SourceKey) -> Option<Vec<u64>>) -> Track {
        let mut programs = Vec::new();
        for slot in slots {
            let Some(key) = program_key(slot) else { continue };
            let Some(all) = durations(&key) else { continue };
            let (first, content) = played(&all, slot.clip_start_ms, slot.content_ms);
            let breaks = self.breaks_of(slot);
            let slates: Vec<Option<(SourceKey, Vec<u64>)>> =
                breaks.iter().map(|b| slate_key(b).and_then(|k| Some((k.clone(), durations(&k)?)))).collect();
            let slate = |b: &AdBreak| breaks.iter().position(|x| std::ptr::eq(x, b)).and_then(|i| slates[i].clone());
            let mut pieces: Vec<Piece> = timeline::program_pieces(&key, content, &breaks, &slate);
            for piece in pieces.iter_mut().filter(|p| p.kind == PieceKind::Program) {
                piece.first += first;
                piece.from_ms += slot.clip_start_ms;
            }
            programs.push((u64::try_from(slot.start_ms - self.start_ms).unwrap_or(0), pieces));
        }
        if self.record.channel.playback_mode != "LINEAR" {
            return timeline::looped(self.start_ms, programs.into_iter().map(|(_, p)| p).collect());
        }
        let filler = self.record.channel.filler_slate.as_ref().and_then(|s| {
            let key = SourceKey { location: s.source_location_name.clone()?, vod: s.vod_source_name.clone()? };
            Some((key.clone(), durations(&key)?))
        });
        timeline::linear(self.start_ms, programs, filler)
    }

    /// The program's ad breaks that the schedule kept in `slot` (a cut program loses the later
    /// ones), with their SCTE-35 values.
    fn breaks_of(&self, slot: &Slot) -> Vec<AdBreak> {
        let Some(program) = self.record.programs.get(&slot.program_name) else { return Vec::new() };
        let kept = |b: &&AdBreak| {
            let offset = b.offset_millis.and_then(|o| u64::try_from(o).ok()).unwrap_or(0).min(slot.content_ms);
            slot.breaks.iter().any(|s| s.offset_ms == offset)
        };
        program.program.ad_breaks.iter().filter(kept).cloned().collect()
    }
}

/// The segments of a source (`durations`) that a program playing `content_ms` from `clip_ms`
/// plays: the index of the first, and their durations.
fn played(durations: &[u64], clip_ms: u64, content_ms: u64) -> (usize, &[u64]) {
    let tolerance = timeline::BREAK_TOLERANCE_MS;
    let (mut at, mut first, mut last) = (0u64, None, 0);
    for (i, d) in durations.iter().enumerate() {
        if first.is_none() && at + tolerance >= clip_ms {
            first = Some(i);
        }
        if first.is_some() && at + d <= clip_ms + content_ms + tolerance {
            last = i + 1;
        }
        at += d;
    }
    let first = first.unwrap_or(durations.len());
    (first, &durations[first..last.max(first)])
}

/// The VOD source a program slot plays (none for filler and live programs).
fn program_key(slot: &Slot) -> Option<SourceKey> {
    let vod = slot.vod_source_name.clone().filter(|_| slot.kind == SlotKind::Program)?;
    Some(SourceKey { location: slot.source_location_name.clone(), vod })
}

fn slate_key(ad_break: &AdBreak) -> Option<SourceKey> {
    let slate = ad_break.slate.as_ref()?;
    Some(SourceKey { location: slate.source_location_name.clone()?, vod: slate.vod_source_name.clone()? })
}

fn window_ms(window_s: Option<i64>) -> i64 {
    window_s.filter(|s| *s > 0).map_or(DEFAULT_WINDOW_S as i64, |s| s) * 1000
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clipped_or_cut_program_plays_the_segments_of_its_range() {
        let durations = [6006, 6006, 6006, 4004];
        assert_eq!(played(&durations, 0, 22_022), (0, &durations[..]));
        assert_eq!(played(&durations, 6006, 12_012), (1, &durations[1..3]));
        assert_eq!(played(&durations, 0, 12_000), (0, &durations[..2]), "within 100 ms of a boundary");
    }

    #[test]
    fn parses_the_channel_assembly_paths() {
        let target = |channel: &str, manifest: &str, kind| {
            Some(Target { channel: channel.into(), manifest: manifest.into(), kind })
        };
        assert_eq!(parse_path("/v1/channel/ch/index.m3u8"), target("ch", "index", Kind::Multivariant));
        assert_eq!(parse_path("/v1/channel/ch/index/1.m3u8"), target("ch", "index", Kind::Variant(1)));
        assert_eq!(parse_path("/v1/channel/my%20ch/dash.mpd"), target("my ch", "dash", Kind::Dash));
        assert_eq!(parse_path("/v1/channel/ch/index.txt"), None);
        assert_eq!(parse_path("/v1/channel/ch/index/x.m3u8"), None);
        assert!(is_playback_path("/v1/channel/ch/index.m3u8"));
        assert!(!is_playback_path("/channel/ch"));
    }
}
