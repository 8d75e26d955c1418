//! Monetization functions: PutFunction (create or replace), GetFunction, ListFunctions and
//! DeleteFunction. Their configurations are checked against the model's shapes and stored and
//! echoed; the emulator runs none of them.

use axum::http::StatusCode;
use serde_json::{Value, json};

use super::super::names;
use super::super::shape::{Member, Shape, opt, req};
use super::super::validate::check_tags;
use super::prefetch::object_body;
use super::{Call, page, to_value};
use crate::mediatailor::{Answer, ApiError};

const RUNTIME: Shape = Shape::Enum(&["JSONATA"]);
const METHOD: Shape = Shape::Enum(&["GET", "POST"]);
const STRINGS: Shape = Shape::Map(&Shape::Str);
const CACHE: Shape = Shape::Obj(&[
    opt!("Key", Shape::Str),
    req!("TtlMinimumSeconds", Shape::Int),
    req!("TtlMaximumSeconds", Shape::Int),
]);
const FUNCTION_LIST: Shape = Shape::List(&Shape::Obj(&[
    opt!("Alias", Shape::Str),
    opt!("FunctionId", Shape::Str),
    opt!("RunCondition", Shape::Str),
]));
/// HTTP and VAST requests share one shape.
const REQUEST: Shape = Shape::Obj(&[
    req!("Runtime", RUNTIME),
    req!("MethodType", METHOD),
    req!("RequestTimeoutMilliseconds", Shape::Int),
    req!("Url", Shape::Str),
    opt!("Body", Shape::Str),
    opt!("Cache", CACHE),
    opt!("Headers", STRINGS),
    opt!("Output", STRINGS),
]);
const AWS_SERVICE_REQUEST: Shape = Shape::Obj(&[
    req!("Runtime", RUNTIME),
    req!("MethodType", METHOD),
    req!("RequestTimeoutMilliseconds", Shape::Int),
    req!("Url", Shape::Str),
    req!("TargetService", Shape::Str),
    req!("TargetRegion", Shape::Str),
    opt!("Body", Shape::Str),
    opt!("Cache", CACHE),
    opt!("Headers", STRINGS),
    opt!("Output", STRINGS),
]);
/// `PutFunction`'s body.
const PUT: &[Member] = &[
    req!(
        "FunctionType",
        Shape::Enum(&[
            "AWS_SERVICE_REQUEST",
            "CONCURRENT_EXECUTOR",
            "CUSTOM_OUTPUT",
            "HTTP_REQUEST",
            "SEQUENTIAL_EXECUTOR",
            "VAST_REQUEST",
        ])
    ),
    opt!("Description", Shape::Str),
    opt!("HttpRequestConfiguration", REQUEST),
    opt!("VastRequestConfiguration", REQUEST),
    opt!("AwsServiceRequestConfiguration", AWS_SERVICE_REQUEST),
    opt!("CustomOutputConfiguration", Shape::Obj(&[req!("Runtime", RUNTIME), opt!("Output", STRINGS)])),
    opt!(
        "ConcurrentExecutorConfiguration",
        Shape::Obj(&[
            req!("Runtime", RUNTIME),
            req!("Output", STRINGS),
            req!("FunctionList", FUNCTION_LIST),
            req!("TimeoutMilliseconds", Shape::Int),
            req!("MaxConcurrency", Shape::Int),
        ])
    ),
    opt!(
        "SequentialExecutorConfiguration",
        Shape::Obj(&[
            req!("Runtime", RUNTIME),
            opt!("Output", STRINGS),
            req!("FunctionList", FUNCTION_LIST),
            req!("TimeoutMilliseconds", Shape::Int),
        ])
    ),
    opt!("tags", STRINGS),
];

/// The configuration member each function type needs.
fn configuration_member(kind: &str) -> &'static str {
    match kind {
        "AWS_SERVICE_REQUEST" => "AwsServiceRequestConfiguration",
        "CONCURRENT_EXECUTOR" => "ConcurrentExecutorConfiguration",
        "CUSTOM_OUTPUT" => "CustomOutputConfiguration",
        "SEQUENTIAL_EXECUTOR" => "SequentialExecutorConfiguration",
        "VAST_REQUEST" => "VastRequestConfiguration",
        _ => "HttpRequestConfiguration",
    }
}

fn not_found(id: &str) -> ApiError {
    ApiError::not_found(format!("function {id} does not exist"))
}

pub(super) fn put(call: Call<'_, '_>, id: &str) -> Result<Answer, ApiError> {
    names::check("FunctionId", id)?;
    let mut map = object_body(call.body, PUT)?;
    let kind = map.get("FunctionType").and_then(Value::as_str).unwrap_or_default().to_owned();
    let needed = configuration_member(&kind);
    if !map.contains_key(needed) {
        return Err(ApiError::bad_request(format!("{needed} is required for a {kind} function")));
    }
    let other = PUT.iter().map(|m| m.name).filter(|m| m.ends_with("Configuration") && *m != needed);
    if let Some(extra) = other.into_iter().find(|m| map.contains_key(*m)) {
        return Err(ApiError::bad_request(format!("{extra} does not apply to a {kind} function")));
    }
    match map.get("tags") {
        Some(tags) => {
            let tags = serde_json::from_value(tags.clone()).map_err(|e| ApiError::bad_request(format!("Tags: {e}")))?;
            check_tags("Tags", &tags)?;
        }
        // A put without tags keeps the ones the function had.
        None => {
            if let Some(tags) = call.store.functions.get(id).and_then(|f| f.get("tags")) {
                map.insert("tags".into(), tags.clone());
            }
        }
    }
    map.insert("FunctionId".into(), json!(id));
    map.insert("Arn".into(), json!(call.ctx.arn(&format!("function/{id}"))));
    let function = Value::Object(map);
    call.store.functions.insert(id.to_owned(), function.clone());
    Ok(Answer::ok(function))
}

pub(super) fn get(call: Call<'_, '_>, id: &str) -> Result<Answer, ApiError> {
    Ok(Answer::ok(call.store.functions.get(id).cloned().ok_or_else(|| not_found(id))?))
}

pub(super) fn delete(call: Call<'_, '_>, id: &str) -> Result<Answer, ApiError> {
    call.store.functions.remove(id).ok_or_else(|| not_found(id))?;
    Ok(Answer::empty(StatusCode::NO_CONTENT))
}

pub(super) fn list(call: Call<'_, '_>) -> Result<Answer, ApiError> {
    let items: Vec<(String, Value)> =
        call.store.functions.iter().map(|(k, v)| Ok((k.clone(), to_value(v)?))).collect::<Result<_, ApiError>>()?;
    page(items.into_iter(), call.query, 100)
}
