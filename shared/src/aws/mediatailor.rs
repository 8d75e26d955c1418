//! MediaTailor calls shared by functions: VOD sources and their package configurations, source
//! locations, a channel's schedule, and the list calls (every page, each paced by the run's rate
//! limit). Each function maps the service's items to what it needs.

use std::collections::BTreeMap;

use aws_sdk_mediatailor::Client;
use aws_sdk_mediatailor::types::{self, HttpPackageConfiguration, Type};

use crate::error::{AwsCallError, ErrorClass};
use crate::pages::all_pages;
use crate::rate::RateLimiter;

/// The streaming format of a package (MediaTailor's `Type` of an `HttpPackageConfiguration`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub enum PackageType {
    /// An HLS multivariant playlist (`.m3u8`).
    Hls,
    /// A DASH MPD (`.mpd`).
    Dash,
}

impl PackageType {
    /// MediaTailor's name: `HLS` or `DASH`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Hls => "HLS",
            Self::Dash => "DASH",
        }
    }

    /// The type a key's extension names, if it is a manifest at all.
    pub fn from_key(key: &str) -> Option<Self> {
        let lower = key.to_ascii_lowercase();
        if lower.ends_with(".m3u8") {
            Some(Self::Hls)
        } else if lower.ends_with(".mpd") {
            Some(Self::Dash)
        } else {
            None
        }
    }
}

/// One `HttpPackageConfiguration` of a VOD source, as plain data.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct Package {
    /// HLS or DASH.
    pub kind: PackageType,
    /// Matches a channel output's source group.
    pub source_group: String,
    /// The entry manifest, relative to the source location's BaseUrl.
    pub path: String,
}

impl Package {
    /// The SDK's form, for CreateVodSource and UpdateVodSource.
    pub fn to_sdk(&self) -> Result<HttpPackageConfiguration, AwsCallError> {
        HttpPackageConfiguration::builder()
            .path(&self.path)
            .source_group(&self.source_group)
            .r#type(Type::from(self.kind.as_str()))
            .build()
            .map_err(|e| super::build_error("HttpPackageConfiguration", e))
    }
}

/// The packages of a described or listed VOD source; types other than HLS and DASH (a newer
/// service's) are left out, as no function can read them.
pub fn packages_of(configs: &[HttpPackageConfiguration]) -> Vec<Package> {
    configs
        .iter()
        .filter_map(|c| {
            let kind = match c.r#type() {
                Type::Hls => PackageType::Hls,
                Type::Dash => PackageType::Dash,
                _ => return None,
            };
            Some(Package { kind, source_group: c.source_group().to_owned(), path: c.path().to_owned() })
        })
        .collect()
}

/// What `DescribeVodSource` says of a VOD source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VodSource {
    /// Its ARN.
    pub arn: String,
    /// Its package configurations.
    pub packages: Vec<Package>,
    /// Its tags.
    pub tags: BTreeMap<String, String>,
}

/// `DescribeVodSource`; `None` when the VOD source (or its source location) does not exist.
pub async fn describe_vod_source(
    client: &Client,
    source_location: &str,
    vod_source: &str,
) -> Result<Option<VodSource>, AwsCallError> {
    let described =
        client.describe_vod_source().source_location_name(source_location).vod_source_name(vod_source).send().await;
    match described {
        Ok(out) => Ok(Some(VodSource {
            arn: out.arn().unwrap_or_default().to_owned(),
            packages: packages_of(out.http_package_configurations()),
            tags: out.tags().cloned().unwrap_or_default().into_iter().collect(),
        })),
        Err(e) => not_found_as_none(AwsCallError::from_sdk("DescribeVodSource", &e)),
    }
}

/// What `DescribeSourceLocation` says of a source location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceLocation {
    /// Its ARN.
    pub arn: String,
    /// Its `HttpConfiguration.BaseUrl`.
    pub base_url: String,
}

/// `DescribeSourceLocation`; `None` when it does not exist.
pub async fn describe_source_location(client: &Client, name: &str) -> Result<Option<SourceLocation>, AwsCallError> {
    match client.describe_source_location().source_location_name(name).send().await {
        Ok(out) => Ok(Some(SourceLocation {
            arn: out.arn().unwrap_or_default().to_owned(),
            base_url: out.http_configuration().map(|h| h.base_url().to_owned()).unwrap_or_default(),
        })),
        Err(e) => not_found_as_none(AwsCallError::from_sdk("DescribeSourceLocation", &e)),
    }
}

/// What an entry of `GetChannelSchedule` is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum ScheduleEntryKind {
    /// A program (or no `ScheduleEntryType` at all, as older answers and LOOP channels give).
    Program,
    /// The channel's filler slate, playing where no program is scheduled (LINEAR channels).
    FillerSlate,
    /// Alternate media, or a type newer than this crate: still airtime of the channel.
    Other,
}

/// One entry of a channel's schedule, as plain data.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ScheduleEntry {
    /// The program's name (empty for a filler slate entry).
    pub program_name: String,
    /// The program's ARN (empty when MediaTailor gives none).
    pub arn: String,
    /// Its source location.
    pub source_location_name: String,
    /// Its VOD source, when it plays one (not a live source).
    pub vod_source_name: Option<String>,
    /// Approximate start, milliseconds since the Unix epoch; `None` when MediaTailor gives none.
    pub start_ms: Option<i64>,
    /// Approximate duration (content and ad breaks), in milliseconds.
    pub duration_ms: u64,
    /// Program or filler slate.
    pub kind: ScheduleEntryKind,
}

/// `GetChannelSchedule`, every page, `duration_minutes` ahead, each call paced by `limiter`;
/// `None` when the channel does not exist.
///
pub async fn channel_schedule(
    client: &Client,
    limiter: &RateLimiter,
    channel: &str,
    duration_minutes: u64,
) -> Result<Option<Vec<ScheduleEntry>>, AwsCallError> {
    let read = all_pages(limiter, |token| async move {
        let page = client
            .get_channel_schedule()
            .channel_name(channel)
            .duration_minutes(duration_minutes.to_string())
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| AwsCallError::from_sdk("GetChannelSchedule", &e))?;
        let entries = page.items().iter().map(schedule_entry).collect();
        Ok((entries, page.next_token().map(str::to_owned)))
    })
    .await;
    match read {
        Ok(entries) => Ok(Some(entries)),
        Err(err) => not_found_as_none(err),
    }
}

fn schedule_entry(entry: &aws_sdk_mediatailor::types::ScheduleEntry) -> ScheduleEntry {
    use aws_sdk_mediatailor::types::ScheduleEntryType;
    let kind = match entry.schedule_entry_type() {
        None | Some(ScheduleEntryType::Program) => ScheduleEntryKind::Program,
        Some(ScheduleEntryType::FillerSlate) => ScheduleEntryKind::FillerSlate,
        Some(_) => ScheduleEntryKind::Other,
    };
    ScheduleEntry {
        program_name: entry.program_name().to_owned(),
        arn: entry.arn().to_owned(),
        source_location_name: entry.source_location_name().to_owned(),
        vod_source_name: entry.vod_source_name().map(str::to_owned),
        start_ms: entry
            .approximate_start_time()
            .map(|t| t.secs().saturating_mul(1000).saturating_add(i64::from(t.subsec_nanos() / 1_000_000))),
        duration_ms: u64::try_from(entry.approximate_duration_seconds().unwrap_or_default())
            .unwrap_or_default()
            .saturating_mul(1000),
        kind,
    }
}

fn not_found_as_none<T>(err: AwsCallError) -> Result<Option<T>, AwsCallError> {
    if err.class == ErrorClass::NotFound { Ok(None) } else { Err(err) }
}

/// `ListChannels`, every page.
pub async fn list_channels(client: &Client, limiter: &RateLimiter) -> Result<Vec<types::Channel>, AwsCallError> {
    all_pages(limiter, |token| async move {
        let page = client
            .list_channels()
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| AwsCallError::from_sdk("ListChannels", &e))?;
        Ok((page.items.unwrap_or_default(), page.next_token))
    })
    .await
}

/// `ListSourceLocations`, every page.
pub async fn list_source_locations(
    client: &Client,
    limiter: &RateLimiter,
) -> Result<Vec<types::SourceLocation>, AwsCallError> {
    all_pages(limiter, |token| async move {
        let page = client
            .list_source_locations()
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| AwsCallError::from_sdk("ListSourceLocations", &e))?;
        Ok((page.items.unwrap_or_default(), page.next_token))
    })
    .await
}

/// `ListVodSources` of one source location, every page (`NotFound` when the location is gone).
pub async fn list_vod_sources(
    client: &Client,
    limiter: &RateLimiter,
    source_location: &str,
) -> Result<Vec<types::VodSource>, AwsCallError> {
    all_pages(limiter, |token| async move {
        let page = client
            .list_vod_sources()
            .source_location_name(source_location)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| AwsCallError::from_sdk("ListVodSources", &e))?;
        Ok((page.items.unwrap_or_default(), page.next_token))
    })
    .await
}

/// `ListAlerts` of one resource, every page (`NotFound` when the resource is gone). A channel's
/// alerts include its programs'.
pub async fn list_alerts(
    client: &Client,
    limiter: &RateLimiter,
    resource_arn: &str,
) -> Result<Vec<types::Alert>, AwsCallError> {
    all_pages(limiter, |token| async move {
        let page = client
            .list_alerts()
            .resource_arn(resource_arn)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| AwsCallError::from_sdk("ListAlerts", &e))?;
        Ok((page.items.unwrap_or_default(), page.next_token))
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packages_round_trip_through_the_sdk_form() {
        let package = Package { kind: PackageType::Dash, source_group: "dash".into(), path: "a/b.mpd".into() };
        let sdk = package.to_sdk().unwrap();
        assert_eq!(sdk.r#type(), &Type::Dash);
        assert_eq!(packages_of(&[sdk]), vec![package]);
    }

    #[test]
    fn a_package_type_the_functions_cannot_read_is_left_out() {
        let other =
            HttpPackageConfiguration::builder().path("x").source_group("g").r#type(Type::from("CMAF")).build().unwrap();
        assert!(packages_of(&[other]).is_empty());
    }

    #[test]
    fn the_extension_names_the_type() {
        assert_eq!(PackageType::from_key("a/INDEX.M3U8"), Some(PackageType::Hls));
        assert_eq!(PackageType::from_key("a/manifest.mpd"), Some(PackageType::Dash));
        assert_eq!(PackageType::from_key("a/segment.ts"), None);
    }
}
