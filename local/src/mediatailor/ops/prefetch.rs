//! Prefetch schedules of playback configurations: create, get, list (a POST with its filters in
//! the body) and delete. Their members are checked against the model's shapes and kept as sent.

use axum::http::StatusCode;
use serde_json::{Value, json};

use super::super::names;
use super::super::shape::{self, Member, Shape, opt, req};
use super::super::validate::check_tags;
use super::{Call, page, to_value};
use crate::mediatailor::{Answer, ApiError};
use crate::wire;

const TRAFFIC_SHAPING: Shape = Shape::Enum(&["RETRIEVAL_WINDOW", "TPS"]);
const RETRIEVAL_WINDOW: Shape = Shape::Obj(&[opt!("RetrievalWindowDurationSeconds", Shape::Int)]);
const TPS: Shape = Shape::Obj(&[opt!("PeakTps", Shape::Int), opt!("PeakConcurrentUsers", Shape::Int)]);
const AVAIL_MATCHING: Shape =
    Shape::List(&Shape::Obj(&[req!("DynamicVariable", Shape::Str), req!("Operator", Shape::Enum(&["EQUALS"]))]));
const CONSUMPTION: Shape = Shape::Obj(&[
    opt!("AvailMatchingCriteria", AVAIL_MATCHING),
    req!("EndTime", Shape::Time),
    opt!("StartTime", Shape::Time),
]);
const RETRIEVAL: Shape = Shape::Obj(&[
    opt!("DynamicVariables", Shape::Map(&Shape::Str)),
    req!("EndTime", Shape::Time),
    opt!("StartTime", Shape::Time),
    opt!("TrafficShapingType", TRAFFIC_SHAPING),
    opt!("TrafficShapingRetrievalWindow", RETRIEVAL_WINDOW),
    opt!("TrafficShapingTpsConfiguration", TPS),
]);
const RECURRING: Shape = Shape::Obj(&[
    req!("StartTime", Shape::Time),
    req!("EndTime", Shape::Time),
    req!(
        "RecurringConsumption",
        Shape::Obj(&[opt!("RetrievedAdExpirationSeconds", Shape::Int), opt!("AvailMatchingCriteria", AVAIL_MATCHING)])
    ),
    req!(
        "RecurringRetrieval",
        Shape::Obj(&[
            opt!("DynamicVariables", Shape::Map(&Shape::Str)),
            opt!("DelayAfterAvailEndSeconds", Shape::Int),
            opt!("TrafficShapingType", TRAFFIC_SHAPING),
            opt!("TrafficShapingRetrievalWindow", RETRIEVAL_WINDOW),
            opt!("TrafficShapingTpsConfiguration", TPS),
        ])
    ),
]);
/// `CreatePrefetchSchedule`'s body.
const CREATE: &[Member] = &[
    opt!("Consumption", CONSUMPTION),
    opt!("RecurringPrefetchConfiguration", RECURRING),
    opt!("Retrieval", RETRIEVAL),
    opt!("ScheduleType", Shape::Enum(&["SINGLE", "RECURRING"])),
    opt!("StreamId", Shape::Str),
    opt!("tags", Shape::Map(&Shape::Str)),
];
/// `ListPrefetchSchedules`' body.
const LIST: &[Member] = &[
    opt!("MaxResults", Shape::Int),
    opt!("NextToken", Shape::Str),
    opt!("ScheduleType", Shape::Enum(&["SINGLE", "RECURRING", "ALL"])),
    opt!("StreamId", Shape::Str),
];

fn not_found(config: &str, name: &str) -> ApiError {
    ApiError::not_found(format!("prefetch schedule {name} does not exist for playback configuration {config}"))
}

fn config_exists(call: &Call<'_, '_>, config: &str) -> Result<(), ApiError> {
    if call.store.playback_configurations.contains_key(config) {
        Ok(())
    } else {
        Err(ApiError::not_found(format!("playback configuration {config} does not exist")))
    }
}

/// The body as a JSON object checked against `members` (an empty body is `{}`).
pub(super) fn object_body(body: &[u8], members: &[Member]) -> Result<serde_json::Map<String, Value>, ApiError> {
    let value: Value = if body.iter().all(u8::is_ascii_whitespace) { json!({}) } else { wire::parse_json(body)? };
    let Value::Object(map) = value else {
        return Err(ApiError::bad_request("(body): must be a JSON object"));
    };
    shape::check_members("", &map, members)?;
    Ok(map)
}

pub(super) fn create(call: Call<'_, '_>, config: &str, name: &str) -> Result<Answer, ApiError> {
    config_exists(&call, config)?;
    names::check("Name", name)?;
    let mut map = object_body(call.body, CREATE)?;
    let kind = map.get("ScheduleType").and_then(Value::as_str).unwrap_or("SINGLE").to_owned();
    let needs: &[&str] =
        if kind == "RECURRING" { &["RecurringPrefetchConfiguration"] } else { &["Consumption", "Retrieval"] };
    if let Some(missing) = needs.iter().find(|m| !map.contains_key(**m)) {
        return Err(ApiError::bad_request(format!("{missing} is required for a {kind} prefetch schedule")));
    }
    for window in ["Consumption", "Retrieval", "RecurringPrefetchConfiguration"] {
        check_window(&map, window)?;
    }
    if let Some(tags) = map.get("tags") {
        let tags = serde_json::from_value(tags.clone()).map_err(|e| ApiError::bad_request(format!("Tags: {e}")))?;
        check_tags("Tags", &tags)?;
    }
    if call.store.prefetch_schedules.get(config).is_some_and(|m| m.contains_key(name)) {
        return Err(ApiError::bad_request(format!("prefetch schedule {name} already exists for {config}")));
    }
    map.insert("ScheduleType".into(), json!(kind));
    map.insert("Arn".into(), json!(call.ctx.arn(&format!("prefetchSchedule/{config}/{name}"))));
    map.insert("Name".into(), json!(name));
    map.insert("PlaybackConfigurationName".into(), json!(config));
    let schedule = Value::Object(map);
    call.store.prefetch_schedules.entry(config.to_owned()).or_default().insert(name.to_owned(), schedule.clone());
    Ok(Answer::ok(schedule))
}

/// A window's StartTime, when given, comes before its EndTime.
fn check_window(map: &serde_json::Map<String, Value>, member: &str) -> Result<(), ApiError> {
    let Some(window) = map.get(member) else { return Ok(()) };
    let time = |key: &str| window.get(key).and_then(Value::as_f64);
    match (time("StartTime"), time("EndTime")) {
        (Some(start), Some(end)) if start >= end => {
            Err(ApiError::bad_request(format!("{member}.EndTime must be after {member}.StartTime")))
        }
        _ => Ok(()),
    }
}

pub(super) fn get(call: Call<'_, '_>, config: &str, name: &str) -> Result<Answer, ApiError> {
    config_exists(&call, config)?;
    let schedule = call.store.prefetch_schedules.get(config).and_then(|m| m.get(name));
    Ok(Answer::ok(schedule.cloned().ok_or_else(|| not_found(config, name))?))
}

pub(super) fn delete(call: Call<'_, '_>, config: &str, name: &str) -> Result<Answer, ApiError> {
    config_exists(&call, config)?;
    let schedules = call.store.prefetch_schedules.get_mut(config);
    schedules.and_then(|m| m.remove(name)).ok_or_else(|| not_found(config, name))?;
    Ok(Answer::empty(StatusCode::NO_CONTENT))
}

pub(super) fn list(call: Call<'_, '_>, config: &str) -> Result<Answer, ApiError> {
    config_exists(&call, config)?;
    let filters = object_body(call.body, LIST)?;
    let kind = filters.get("ScheduleType").and_then(Value::as_str).unwrap_or("ALL");
    let stream = filters.get("StreamId").and_then(Value::as_str);
    // Paging reads maxResults/nextToken; ListPrefetchSchedules sends them in its body.
    let mut query = Vec::new();
    if let Some(max) = filters.get("MaxResults") {
        query.push(("maxResults".to_owned(), max.to_string()));
    }
    if let Some(token) = filters.get("NextToken").and_then(Value::as_str) {
        query.push(("nextToken".to_owned(), token.to_owned()));
    }
    let items: Vec<(String, Value)> = call
        .store
        .prefetch_schedules
        .get(config)
        .into_iter()
        .flatten()
        .filter(|(_, s)| kind == "ALL" || s.get("ScheduleType").and_then(Value::as_str) == Some(kind))
        .filter(|(_, s)| stream.is_none_or(|id| s.get("StreamId").and_then(Value::as_str) == Some(id)))
        .map(|(k, v)| Ok((k.clone(), to_value(v)?)))
        .collect::<Result<_, ApiError>>()?;
    page(items.into_iter(), &query, 100)
}
