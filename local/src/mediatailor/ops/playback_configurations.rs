//! Playback configurations (ad insertion): put, get, delete and list.

use axum::http::StatusCode;
use serde_json::{Value, json};

use super::super::playback_configuration::PutPlaybackConfiguration;
use super::super::shapes_playback;
use super::super::store::PlaybackConfigurationRecord;
use super::super::validate::check_range;
use super::prefetch::object_body;
use super::{Call, Context, page, parse_body, to_value};
use crate::mediatailor::{Answer, ApiError};

fn not_found(name: &str) -> ApiError {
    ApiError::not_found(format!("playback configuration {name} does not exist"))
}

/// Creates or replaces a configuration; tags left out keep the ones it had.
pub(super) fn put(call: Call<'_, '_>) -> Result<Answer, ApiError> {
    let mut config: PutPlaybackConfiguration = parse_body(call.body)?;
    config.validate()?;
    let name = config.name.clone().unwrap_or_default();
    let previous = call.store.playback_configurations.get(&name);
    if config.tags.is_none() {
        config.tags = previous.and_then(|p| p.config.tags.clone());
    }
    // The log configuration has its own operation; a put keeps it.
    let log_configuration = previous.and_then(|p| p.log_configuration.clone());
    let arn = call.ctx.arn(&format!("playbackConfiguration/{name}"));
    let record = PlaybackConfigurationRecord { config, arn, log_configuration };
    let answer = view(call.ctx, &record)?;
    call.store.playback_configurations.insert(name, record);
    Ok(Answer::ok(answer))
}

pub(super) fn get(call: Call<'_, '_>, name: &str) -> Result<Answer, ApiError> {
    let record = call.store.playback_configurations.get(name).ok_or_else(|| not_found(name))?;
    Ok(Answer::ok(view(call.ctx, record)?))
}

pub(super) fn delete(call: Call<'_, '_>, name: &str) -> Result<Answer, ApiError> {
    call.store.playback_configurations.remove(name).ok_or_else(|| not_found(name))?;
    // Its prefetch schedules go with it.
    call.store.prefetch_schedules.remove(name);
    Ok(Answer::empty(StatusCode::NO_CONTENT))
}

pub(super) fn list(call: Call<'_, '_>) -> Result<Answer, ApiError> {
    let mut items = Vec::with_capacity(call.store.playback_configurations.len());
    for (name, record) in &call.store.playback_configurations {
        items.push((name.clone(), view(call.ctx, record)?));
    }
    page(items.into_iter(), call.query, 50)
}

/// The configuration as MediaTailor answers it: what was put, plus the generated endpoints.
fn view(ctx: &Context<'_>, record: &PlaybackConfigurationRecord) -> Result<Value, ApiError> {
    let name = record.config.name.clone().unwrap_or_default();
    let mut view = to_value(&record.config)?;
    let base = &ctx.settings.base_url;
    let account = &ctx.settings.account;
    let mut dash = view.get("DashConfiguration").cloned().unwrap_or_else(|| json!({}));
    dash["ManifestEndpointPrefix"] = json!(format!("{base}/v1/dash/{account}/{name}/"));
    if dash.get("MpdLocation").is_none() {
        dash["MpdLocation"] = json!("EMT_DEFAULT");
    }
    if dash.get("OriginManifestType").is_none() {
        dash["OriginManifestType"] = json!("MULTI_PERIOD");
    }
    view["DashConfiguration"] = dash;
    view["HlsConfiguration"] = json!({ "ManifestEndpointPrefix": format!("{base}/v1/master/{account}/{name}/") });
    view["PlaybackConfigurationArn"] = json!(record.arn);
    if let Some(logs) = &record.log_configuration {
        view["LogConfiguration"] = logs.clone();
    }
    view["PlaybackEndpointPrefix"] = json!(base);
    view["SessionInitializationEndpointPrefix"] = json!(format!("{base}/v1/session/{account}/{name}/"));
    if view.get("tags").is_some_and(|t| t.as_object().is_some_and(serde_json::Map::is_empty))
        && let Some(map) = view.as_object_mut()
    {
        map.remove("tags");
    }
    Ok(view)
}

/// ConfigureLogsForPlaybackConfiguration: PercentEnabled 0 to 100 and the logging strategies
/// and event filters, stored and echoed (in the answer and in GetPlaybackConfiguration's
/// LogConfiguration); the emulator writes no logs.
pub(super) fn configure_logs(call: Call<'_, '_>) -> Result<Answer, ApiError> {
    let map = object_body(call.body, shapes_playback::CONFIGURE_LOGS)?;
    let name = map.get("PlaybackConfigurationName").and_then(Value::as_str).unwrap_or_default().to_owned();
    let percent = map.get("PercentEnabled").and_then(Value::as_i64).unwrap_or_default();
    check_range("PercentEnabled", percent, 0, 100)?;
    let record = call.store.playback_configurations.get_mut(&name).ok_or_else(|| not_found(&name))?;
    let mut logs = map.clone();
    logs.remove("PlaybackConfigurationName");
    record.log_configuration = Some(Value::Object(logs));
    Ok(Answer::ok(Value::Object(map)))
}
