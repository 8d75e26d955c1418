//! What the emulator must hold: generated media, source locations, VOD sources and channels,
//! so that each function's run does its real work instead of finding nothing to do.

use std::path::Path;

use aws_sdk_mediatailor::Client;
use aws_sdk_mediatailor::types::{
    HlsPlaylistSettings, HttpConfiguration, HttpPackageConfiguration, PlaybackMode, RelativePosition,
    RequestOutputItem, ScheduleConfiguration, Transition, Type,
};
use futures::StreamExt;

use crate::error::{BenchError, Result};

/// The generated bucket.
pub const BUCKET: &str = "bench-media";
/// Segments per generated media playlist.
pub const SEGMENTS: usize = 1_800;
/// Each generated segment's duration, milliseconds.
pub const SEGMENT_MS: u64 = 2_000;
/// Calls in flight while setting up.
const SETUP_CONCURRENCY: usize = 16;

/// The name of generated asset `i`.
pub fn asset(i: usize) -> String {
    format!("asset-{i:04}")
}

/// The key of generated asset `i`'s multivariant playlist.
pub fn asset_key(i: usize) -> String {
    format!("packages/{}/hls/index.m3u8", asset(i))
}

/// Writes `count` HLS packages into `media/BUCKET`: a multivariant playlist and one media
/// playlist of [`SEGMENTS`] segments each.
pub fn generate_media(media: &Path, count: usize) -> Result<()> {
    let multivariant = "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-INDEPENDENT-SEGMENTS\n\
        #EXT-X-STREAM-INF:BANDWIDTH=2500000,AVERAGE-BANDWIDTH=2300000,RESOLUTION=1280x720,FRAME-RATE=29.970,CODECS=\"avc1.4d401f,mp4a.40.2\"\n\
        720p/index.m3u8\n";
    let seconds = SEGMENT_MS as f64 / 1000.0;
    let mut playlist = format!(
        "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:{}\n#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-PLAYLIST-TYPE:VOD\n",
        seconds.ceil() as u64
    );
    for segment in 0..SEGMENTS {
        playlist.push_str(&format!("#EXTINF:{seconds:.3},\nsegment_{segment:05}.ts\n"));
    }
    playlist.push_str("#EXT-X-ENDLIST\n");
    for i in 0..count {
        let dir = media.join(BUCKET).join("packages").join(asset(i)).join("hls");
        let variant = dir.join("720p");
        std::fs::create_dir_all(&variant).map_err(BenchError::io(format!("creating {}", variant.display())))?;
        std::fs::write(dir.join("index.m3u8"), multivariant).map_err(BenchError::io("writing a manifest"))?;
        std::fs::write(variant.join("index.m3u8"), &playlist).map_err(BenchError::io("writing a manifest"))?;
    }
    Ok(())
}

fn failed(what: &str) -> impl Fn(String) -> BenchError + '_ {
    move |reason| BenchError::step(format!("setting up {what}: {reason}"))
}

/// A source location over `bucket`, read through the emulator's S3.
pub async fn source_location(mt: &Client, name: &str, bucket: &str) -> Result<()> {
    let http = HttpConfiguration::builder()
        .base_url(format!("https://{bucket}.s3.us-east-1.amazonaws.com/"))
        .build()
        .map_err(|e| failed("a source location")(e.to_string()))?;
    mt.create_source_location()
        .source_location_name(name)
        .http_configuration(http)
        .send()
        .await
        .map_err(|e| failed("a source location")(format!("{e:?}")))?;
    Ok(())
}

/// `count` source locations `sl-N` on a remote origin.
pub async fn remote_source_locations(mt: &Client, count: usize) -> Result<()> {
    run_all(count, |i| async move {
        let http =
            HttpConfiguration::builder().base_url("https://origin.example.com/").build().map_err(|e| e.to_string())?;
        mt.create_source_location()
            .source_location_name(format!("sl-{i:05}"))
            .http_configuration(http)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| format!("{e:?}"))
    })
    .await
    .map_err(failed("source locations"))
}

/// An HLS package in source group `hls`.
pub fn hls_package(path: &str) -> Result<HttpPackageConfiguration> {
    HttpPackageConfiguration::builder()
        .path(path)
        .source_group("hls")
        .r#type(Type::Hls)
        .build()
        .map_err(|e| failed("a package")(e.to_string()))
}

/// VOD sources `name(i)` for `i` in `0..count`, in `location`, at `path(i)`.
pub async fn vod_sources(
    mt: &Client,
    location: &str,
    count: usize,
    name: impl Fn(usize) -> String,
    path: impl Fn(usize) -> String,
) -> Result<()> {
    let name = &name;
    let path = &path;
    run_all(count, |i| async move {
        let package = hls_package(&path(i)).map_err(|e| e.to_string())?;
        mt.create_vod_source()
            .source_location_name(location)
            .vod_source_name(name(i))
            .http_package_configurations(package)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| format!("{e:?}"))
    })
    .await
    .map_err(failed("VOD sources"))
}

/// `count` stopped channels `prefix-N` looping one HLS output of source group `hls`.
pub async fn channels(mt: &Client, prefix: &str, count: usize) -> Result<()> {
    let output = RequestOutputItem::builder()
        .manifest_name("index")
        .source_group("hls")
        .hls_playlist_settings(HlsPlaylistSettings::builder().manifest_window_seconds(60).build())
        .build()
        .map_err(|e| failed("a channel")(e.to_string()))?;
    let output = &output;
    run_all(count, |i| async move {
        let name = if count == 1 { prefix.to_owned() } else { format!("{prefix}-{i:05}") };
        mt.create_channel()
            .channel_name(name)
            .playback_mode(PlaybackMode::Loop)
            .outputs(output.clone())
            .send()
            .await
            .map(|_| ())
            .map_err(|e| format!("{e:?}"))
    })
    .await
    .map_err(failed("channels"))
}

/// Runs `call(i)` for `i` in `0..count`, [`SETUP_CONCURRENCY`] at a time; the first error.
async fn run_all<F, Fut>(count: usize, call: F) -> Result<(), String>
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = Result<(), String>>,
{
    let results: Vec<Result<(), String>> =
        futures::stream::iter(0..count).map(&call).buffer_unordered(SETUP_CONCURRENCY).collect().await;
    results.into_iter().collect()
}

/// Copies the folder `from` into `to`, recursively: a private media folder the emulator may
/// write into (channel-guide's guides) without touching the sample media.
pub fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to).map_err(BenchError::io(format!("creating {}", to.display())))?;
    let entries = std::fs::read_dir(from).map_err(BenchError::io(format!("reading {}", from.display())))?;
    for entry in entries {
        let entry = entry.map_err(BenchError::io(format!("reading {}", from.display())))?;
        let target = to.join(entry.file_name());
        let kind = entry.file_type().map_err(BenchError::io(format!("reading {}", entry.path().display())))?;
        if kind.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target)
                .map_err(BenchError::io(format!("copying {}", entry.path().display())))?;
        }
    }
    Ok(())
}

/// A LOOP channel `name` tagged `tailorflow:managed=true` (so channel-guide guides it), playing
/// the VOD source `vod` of `location` as its one program, started.
pub async fn guided_channel(mt: &Client, name: &str, location: &str, vod: &str) -> Result<()> {
    let output = RequestOutputItem::builder()
        .manifest_name("index")
        .source_group("hls")
        .hls_playlist_settings(HlsPlaylistSettings::builder().manifest_window_seconds(60).build())
        .build()
        .map_err(|e| failed("a guided channel")(e.to_string()))?;
    mt.create_channel()
        .channel_name(name)
        .playback_mode(PlaybackMode::Loop)
        .outputs(output)
        .tags("tailorflow:managed", "true")
        .send()
        .await
        .map_err(|e| failed("a guided channel")(format!("{e:?}")))?;
    let transition = Transition::builder()
        .r#type("RELATIVE")
        .relative_position(RelativePosition::AfterProgram)
        .build()
        .map_err(|e| failed("a program")(e.to_string()))?;
    mt.create_program()
        .channel_name(name)
        .program_name(format!("{name}-{vod}"))
        .source_location_name(location)
        .vod_source_name(vod)
        .schedule_configuration(ScheduleConfiguration::builder().transition(transition).build())
        .send()
        .await
        .map_err(|e| failed("a program")(format!("{e:?}")))?;
    mt.start_channel().channel_name(name).send().await.map_err(|e| failed("starting a channel")(format!("{e:?}")))?;
    Ok(())
}
