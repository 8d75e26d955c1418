//! Alerts: computed from the media folder with MediaTailor's own codes, plus any added through
//! the test-only `POST /_local/alerts`.
//!
//! `ListAlerts` on a channel also answers its programs' alerts, and on a source location its VOD
//! sources' alerts, as MediaTailor's console groups them. A computed alert keeps the time it was
//! first seen as its LastModifiedTime until it clears.

use serde::Deserialize;

use super::model::{Alert, SourceLocation, VodSource};
use super::ops::Context;
use super::store::Store;
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
                if let Some(program) = record.programs.get(program_name) {
                    alerts.extend(program_alerts(ctx, store, &program.program));
                }
            }
            alerts
        }
        ["program", channel_name, name] => {
            let program = store
                .channels
                .get(*channel_name)
                .and_then(|r| r.programs.get(*name))
                .map(|p| p.program.clone())
                .ok_or_else(missing)?;
            program_alerts(ctx, store, &program)
        }
        ["playbackConfiguration", name] => {
            store.playback_configurations.get(*name).ok_or_else(missing)?;
            injected(store, arn)
        }
        _ => return Err(missing()),
    };
    alerts.sort_by(|a, b| {
        (a.resource_arn.as_str(), a.alert_code.as_str(), a.alert_message.as_str()).cmp(&(
            b.resource_arn.as_str(),
            b.alert_code.as_str(),
            b.alert_message.as_str(),
        ))
    });
    Ok(alerts)
}

/// A program carries VOD_SOURCE_ALERT and SOURCE_LOCATION_ALERT for its source's alerts.
fn program_alerts(ctx: &Context<'_>, store: &mut Store, program: &super::model::Program) -> Vec<Alert> {
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
    let mut alerts = stamp(ctx, store, &program.arn, raised, related);
    alerts.extend(injected(store, &program.arn));
    alerts
}
