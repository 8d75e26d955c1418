//! Alerts: computed from the media folder with MediaTailor's own codes, plus any added through
//! the test-only `POST /_local/alerts`.
//!
//! `ListAlerts` on a channel also answers its programs' alerts, and on a source location its VOD
//! sources' alerts, as MediaTailor's console groups them. A computed alert keeps the time it was
//! first seen as its LastModifiedTime until it clears.

use serde::Deserialize;

use super::model::{Alert, Program, SourceLocation, VodSource};
use super::ops::Context;
use super::store::{ChannelRecord, Store};
use super::{ApiError, media};

/// The body of `POST /_local/alerts` (one alert or a list of them).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct InjectAlert {
    /// The resource's ARN.
    pub resource_arn: String,
    /// A MediaTailor alert code.
    pub alert_code: String,
    /// The message.
    pub alert_message: String,
    /// Epoch seconds; now when absent.
    #[serde(default)]
    pub last_modified_time: Option<f64>,
    /// Related ARNs.
    #[serde(default)]
    pub related_resource_arns: Vec<String>,
}

impl InjectAlert {
    pub(crate) fn into_alert(self, now: f64) -> Result<Alert, ApiError> {
        if !self.resource_arn.starts_with("arn:aws:mediatailor:") {
            return Err(ApiError::bad_request(format!("ResourceArn {:?} is not a MediaTailor ARN", self.resource_arn)));
        }
        if self.alert_code.is_empty() {
            return Err(ApiError::bad_request("AlertCode must not be empty"));
        }
        Ok(Alert {
            alert_code: self.alert_code,
            alert_message: self.alert_message,
            last_modified_time: self.last_modified_time.unwrap_or(now),
            related_resource_arns: self.related_resource_arns,
            resource_arn: self.resource_arn,
        })
    }
}

/// Computed and injected alerts of one VOD source.
fn vod_source_alerts(
    ctx: &Context<'_>,
    store: &mut Store,
    location: &SourceLocation,
    source: &VodSource,
) -> Vec<Alert> {
    let mut raised = Vec::new();
    for package in &source.http_package_configurations {
        for (code, message) in media::analyse(ctx.media, location, package).problems {
            raised.push((code.to_owned(), message));
        }
    }
    let mut alerts = stamp(ctx, store, &source.arn, raised, vec![location.arn.clone()]);
    alerts.extend(injected(store, &source.arn));
    alerts
}

/// Gives each raised alert the time it was first seen, forgetting alerts that cleared.
fn stamp(
    ctx: &Context<'_>,
    store: &mut Store,
    arn: &str,
    raised: Vec<(String, String)>,
    related: Vec<String>,
) -> Vec<Alert> {
    let prefix = format!("{arn}|");
    let keys: Vec<String> = raised.iter().map(|(code, message)| format!("{arn}|{code}|{message}")).collect();
    store.alert_first_seen.retain(|k, _| !k.starts_with(&prefix) || keys.contains(k));
    raised
        .into_iter()
        .zip(keys)
        .map(|((code, message), key)| {
            let first_seen = *store.alert_first_seen.entry(key).or_insert(ctx.now);
            Alert {
                alert_code: code,
                alert_message: message,
                last_modified_time: first_seen,
                related_resource_arns: related.clone(),
                resource_arn: arn.to_owned(),
            }
        })
        .collect()
}

fn injected(store: &Store, arn: &str) -> Vec<Alert> {
    store.injected_alerts.iter().filter(|a| a.resource_arn == arn).cloned().collect()
}

/// The alerts `ListAlerts` answers for `arn`, or 404 when the resource does not exist.
pub(crate) fn list(ctx: &Context<'_>, store: &mut Store, arn: &str) -> Result<Vec<Alert>, ApiError> {
    let prefix = ctx.arn("");
    let missing = || ApiError::not_found(format!("resource {arn} does not exist"));
    let resource = arn.strip_prefix(&prefix).ok_or_else(missing)?;
    let parts: Vec<&str> = resource.split('/').collect();
    let mut alerts = match parts.as_slice() {
        ["vodSource", location_name, name] => {
            let location = store.source_locations.get(*location_name).cloned().ok_or_else(missing)?;
            let source =
                store.vod_sources.get(*location_name).and_then(|m| m.get(*name)).cloned().ok_or_else(missing)?;
            vod_source_alerts(ctx, store, &location, &source)
        }
        ["sourceLocation", name] => {
            let location = store.source_locations.get(*name).cloned().ok_or_else(missing)?;
            let sources: Vec<VodSource> =
                store.vod_sources.get(*name).into_iter().flatten().map(|(_, v)| v.clone()).collect();
            let mut alerts = injected(store, arn);
            for source in &sources {
                alerts.extend(vod_source_alerts(ctx, store, &location, source));
            }
            alerts
        }
        ["channel", name] => {
            let record = store.channels.get(*name).cloned().ok_or_else(missing)?;
            let mut alerts = injected(store, arn);
            for program_name in &record.play_order {
                alerts.extend(program_alerts(ctx, store, &record, program_name));
            }
            alerts
        }
        ["program", channel_name, name] => {
            let record = store.channels.get(*channel_name).cloned().ok_or_else(missing)?;
            record.programs.get(*name).ok_or_else(missing)?;
            program_alerts(ctx, store, &record, name)
        }
        ["playbackConfiguration", name] => {
            store.playback_configurations.get(*name).ok_or_else(missing)?;
            injected(store, arn)
        }
        _ => return Err(missing()),
    };
    // The order ListAlerts pages in (see ops.rs): resource, code, message, time.
    alerts.sort_by(|a, b| {
        (a.resource_arn.as_str(), a.alert_code.as_str(), a.alert_message.as_str())
            .cmp(&(b.resource_arn.as_str(), b.alert_code.as_str(), b.alert_message.as_str()))
            .then(a.last_modified_time.total_cmp(&b.last_modified_time))
    });
    Ok(alerts)
}

/// A program carries VOD_SOURCE_ALERT and SOURCE_LOCATION_ALERT for its source's alerts, and
/// CODEC_MISMATCH, RESOLUTION_MISMATCH and BANDWIDTH_MISMATCH when the package the channel plays
/// differs from the previous program's in its renditions' codecs, resolutions or bandwidths.
fn program_alerts(ctx: &Context<'_>, store: &mut Store, channel: &ChannelRecord, name: &str) -> Vec<Alert> {
    let Some(program) = channel.programs.get(name).map(|p| p.program.clone()) else { return Vec::new() };
    let mut raised = Vec::new();
    let location = store.source_locations.get(&program.source_location_name).cloned();
    let source =
        store.vod_sources.get(&program.source_location_name).and_then(|m| m.get(&program.vod_source_name)).cloned();
    let mut related = Vec::new();
    if let Some(location) = &location {
        related.push(location.arn.clone());
        for alert in injected(store, &location.arn) {
            raised.push(("SOURCE_LOCATION_ALERT".to_owned(), format!("{}: {}", alert.alert_code, alert.alert_message)));
        }
        if let Some(source) = &source {
            related.push(source.arn.clone());
            for alert in vod_source_alerts(ctx, store, location, source) {
                raised.push(("VOD_SOURCE_ALERT".to_owned(), format!("{}: {}", alert.alert_code, alert.alert_message)));
            }
        }
    }
    let position = channel.play_order.iter().position(|p| p == name);
    let previous = position.and_then(|i| i.checked_sub(1)).and_then(|i| channel.programs.get(&channel.play_order[i]));
    if let Some(previous) = previous {
        let groups: Vec<&str> = channel.channel.outputs.iter().map(|o| o.source_group.as_str()).collect();
        let renditions = |p: &Program| -> Option<Vec<media::Rendition>> {
            let location = store.source_locations.get(&p.source_location_name)?;
            let source = store.vod_sources.get(&p.source_location_name)?.get(&p.vod_source_name)?;
            let report = media::channel_package(ctx.media, location, source, &groups)?;
            (report.local && !report.renditions.is_empty()).then_some(report.renditions)
        };
        if let (Some(before), Some(now)) = (renditions(&previous.program), renditions(&program)) {
            raised.extend(rendition_mismatches(&previous.program.program_name, &before, &now));
        }
    }
    let mut alerts = stamp(ctx, store, &program.arn, raised, related);
    alerts.extend(injected(store, &program.arn));
    alerts
}

/// The sorted, distinct values `f` picks from `renditions`.
fn distinct<T: Ord>(renditions: &[media::Rendition], f: impl Fn(&media::Rendition) -> Option<T>) -> Vec<T> {
    let mut values: Vec<T> = renditions.iter().filter_map(f).collect();
    values.sort();
    values.dedup();
    values
}

/// The mismatches between the previous program's renditions and this one's.
fn rendition_mismatches(
    previous: &str,
    before: &[media::Rendition],
    now: &[media::Rendition],
) -> Vec<(String, String)> {
    let mut raised = Vec::new();
    let codecs = (distinct(before, |r| r.codecs.clone()), distinct(now, |r| r.codecs.clone()));
    if codecs.0 != codecs.1 {
        raised.push((
            "CODEC_MISMATCH".to_owned(),
            format!("The codecs {:?} differ from those of the previous program {previous} ({:?}).", codecs.1, codecs.0),
        ));
    }
    let show = |v: &[(u64, u64)]| v.iter().map(|(w, h)| format!("{w}x{h}")).collect::<Vec<_>>().join(", ");
    let resolutions = (distinct(before, |r| r.resolution), distinct(now, |r| r.resolution));
    if resolutions.0 != resolutions.1 {
        raised.push((
            "RESOLUTION_MISMATCH".to_owned(),
            format!(
                "The resolutions [{}] differ from those of the previous program {previous} ([{}]).",
                show(&resolutions.1),
                show(&resolutions.0)
            ),
        ));
    }
    let bandwidths = (distinct(before, |r| r.bandwidth), distinct(now, |r| r.bandwidth));
    if bandwidths.0 != bandwidths.1 {
        raised.push((
            "BANDWIDTH_MISMATCH".to_owned(),
            format!(
                "The bandwidths {:?} differ from those of the previous program {previous} ({:?}).",
                bandwidths.1, bandwidths.0
            ),
        ));
    }
    raised
}

#[cfg(test)]
mod tests {
    use super::media::Rendition;
    use super::*;

    fn rendition(codecs: &str, width: u64, height: u64, bandwidth: u64) -> Rendition {
        Rendition { codecs: Some(codecs.into()), resolution: Some((width, height)), bandwidth: Some(bandwidth) }
    }

    #[test]
    fn the_same_ladder_in_another_order_matches() {
        let a = [rendition("avc1,mp4a", 1280, 720, 2_500_000), rendition("avc1,mp4a", 640, 360, 800_000)];
        let b = [a[1].clone(), a[0].clone()];
        assert!(rendition_mismatches("p", &a, &b).is_empty());
    }

    #[test]
    fn each_difference_raises_its_own_code() {
        let a = [rendition("avc1,mp4a", 1280, 720, 2_500_000)];
        let codec = [rendition("hvc1,mp4a", 1280, 720, 2_500_000)];
        let resolution = [rendition("avc1,mp4a", 1920, 1080, 2_500_000)];
        let bandwidth = [rendition("avc1,mp4a", 1280, 720, 3_000_000)];
        let codes = |other: &[Rendition]| -> Vec<String> {
            rendition_mismatches("p", &a, other).into_iter().map(|(code, _)| code).collect()
        };
        assert_eq!(codes(&codec), ["CODEC_MISMATCH"]);
        assert_eq!(codes(&resolution), ["RESOLUTION_MISMATCH"]);
        assert_eq!(codes(&bandwidth), ["BANDWIDTH_MISMATCH"]);
    }
}
