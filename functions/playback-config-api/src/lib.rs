//! playback-config-api: an HTTP API (API Gateway REST v1, HTTP API v2, function URLs) for
//! MediaTailor playback configurations.
//!
//! | route | MediaTailor call |
//! |---|---|
//! | `GET /playback-configurations?maxResults=&nextToken=` | `ListPlaybackConfigurations` (one page) |
//! | `GET /playback-configurations/{name}` | `GetPlaybackConfiguration` |
//! | `PUT /playback-configurations/{name}` | `PutPlaybackConfiguration` (create or replace) |
//! | `PATCH /playback-configurations/{name}` | `GetPlaybackConfiguration`, then `PutPlaybackConfiguration` (JSON Merge Patch) |
//! | `DELETE /playback-configurations/{name}` | `DeletePlaybackConfiguration` |
//! | `GET /openapi.json` | none: the [`OPENAPI`] document |
//!
//! Everything the seed API states is checked before MediaTailor is called
//! ([`crate::playback_configuration`]), and every failure is answered in one JSON
//! shape, `{"error": {"code", "message", "field"?, "requestId"}}` ([`ApiError`]).
//!
//! # Layout
//! - this file: routes, the [`handler`], the error shape and one function per route.
//! - [`playback_configuration`]: the `PutPlaybackConfiguration` body, parsed and validated as
//!   the API reference documents it (pure).
//! - [`convert`]: that body into the SDK's request, and the SDK's answers into JSON.
//! - [`duplicates`], [`merge_patch`], [`etag`], [`changes`], [`metrics`]: duplicate members,
//!   RFC 7396, ETags and `If-Match`, change events, the EMF metric (pure).
//!
//! GET, PUT and PATCH answer an `ETag`; PUT, PATCH and DELETE honour `If-Match`. With
//! `EVENT_BUS_NAME` set, every successful write publishes a `Playback Configuration Changed`
//! event; a failed publish is logged and counted, never the write's failure.

pub mod changes;
pub mod convert;
pub mod duplicates;
pub mod etag;
pub mod merge_patch;
pub mod metrics;
pub mod playback_configuration;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::changes::Change;
use crate::etag::{IfMatch, etag_of};
use crate::playback_configuration::{FieldError, PutPlaybackConfiguration, parse_value};
use lambda_http::http::header::{ALLOW, CONTENT_TYPE, ETAG, IF_MATCH, RETRY_AFTER};
use lambda_http::http::{HeaderMap, Method, StatusCode};
use lambda_http::request::RequestContext;
use lambda_http::{Body, Error, Request, RequestExt, Response};
use serde_json::{Map, Value, json};
use tailorflow_shared::aws::eventbridge::{EntryResult, put_events};
use tailorflow_shared::{
    AwsCallError, AwsClients, ClientSettings, ConfigError, EnvReader, ErrorClass, PlaybackConfigurationName,
};

use crate::convert::PlaybackConfigurationView;

/// The OpenAPI 3.1 document of this API, served at `GET /openapi.json`.
pub const OPENAPI: &str = include_str!("../openapi.json");
/// The largest request body accepted, in bytes (1 MiB).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
/// The page size when `maxResults` is not given (MediaTailor's own default).
pub const DEFAULT_MAX_RESULTS: i32 = 50;
/// The largest page a caller may ask for.
pub const MAX_RESULTS: i32 = 100;

/// The longest `EVENT_BUS_NAME`: a bus ARN (a bare name has at most 256 characters).
pub const MAX_EVENT_BUS_NAME_LEN: usize = 1600;
/// The function's name in metrics when Lambda does not give one (`AWS_LAMBDA_FUNCTION_NAME`).
pub const DEFAULT_FUNCTION_NAME: &str = "playback-config-api";

/// What every request borrows: built once per execution environment.
#[derive(Debug, Clone)]
pub struct State {
    /// The AWS SDK clients.
    pub clients: AwsClients,
    /// Where change events go; `None` publishes none.
    pub change_events: Option<ChangeEvents>,
}

/// The change events' bus, and the count of those that could not be published.
#[derive(Debug, Clone)]
pub struct ChangeEvents {
    /// The bus name or ARN.
    pub bus: String,
    /// The `FunctionName` dimension of the `ChangeEventsFailed` metric.
    pub function_name: String,
    failed: Arc<AtomicU64>,
}

impl ChangeEvents {
    /// Publishing to `bus`, counting failures under `function_name`.
    pub fn new(bus: impl Into<String>, function_name: impl Into<String>) -> Self {
        Self { bus: bus.into(), function_name: function_name.into(), failed: Arc::default() }
    }

    /// Change events this execution environment could not publish so far.
    pub fn failed(&self) -> u64 {
        self.failed.load(Ordering::Relaxed)
    }
}

/// The function's settings, read once from the environment.
#[derive(Debug, Clone)]
pub struct Settings {
    /// SDK retries and timeouts.
    pub clients: ClientSettings,
    /// `EVENT_BUS_NAME`: where change events go; unset publishes none.
    pub event_bus_name: Option<String>,
    /// `AWS_LAMBDA_FUNCTION_NAME`, for the metric's dimension.
    pub function_name: String,
}

impl State {
    /// A state over `clients` (tests build them against mediatailor-local), publishing no events.
    pub fn new(clients: AwsClients) -> Self {
        Self { clients, change_events: None }
    }

    /// The same state, publishing change events as `events` says.
    pub fn with_change_events(self, events: ChangeEvents) -> Self {
        Self { change_events: Some(events), ..self }
    }

    /// Reads the configuration from the environment and builds the clients.
    pub async fn from_env() -> Result<Self, ConfigError> {
        let settings = Self::read(EnvReader::from_process())?;
        let state = Self::new(AwsClients::load(&settings.clients).await);
        Ok(match settings.event_bus_name {
            Some(bus) => state.with_change_events(ChangeEvents::new(bus, settings.function_name)),
            None => state,
        })
    }

    /// Reads the settings from `env`, listing every problem at once.
    pub fn read(mut env: EnvReader) -> Result<Settings, ConfigError> {
        let clients = ClientSettings::read(&mut env);
        let event_bus_name = read_event_bus_name(&mut env);
        let function_name = env.raw("AWS_LAMBDA_FUNCTION_NAME").unwrap_or_else(|| DEFAULT_FUNCTION_NAME.into());
        env.finish(move || Some(Settings { clients: clients?, event_bus_name: event_bus_name?, function_name }))
    }

    /// The `Retry-After` of a throttled answer: the SDK's first retry delay, in whole seconds
    /// rounded up, at least 1. The SDK has already retried with backoff by then.
    pub fn retry_after(&self) -> u64 {
        let backoff = self
            .clients
            .mediatailor
            .config()
            .retry_config()
            .map_or(Duration::from_secs(1), |retry| retry.initial_backoff());
        retry_after_seconds(backoff)
    }
}

/// `EVENT_BUS_NAME`: `Some(None)` when unset, `None` when malformed (the problem is recorded).
fn read_event_bus_name(env: &mut EnvReader) -> Option<Option<String>> {
    const KEY: &str = "EVENT_BUS_NAME";
    let Some(raw) = env.raw(KEY) else { return Some(None) };
    let bus = raw.trim();
    let valid = bus.len() <= MAX_EVENT_BUS_NAME_LEN
        && bus.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '.' | '-' | '_' | ':'));
    if valid {
        Some(Some(bus.to_owned()))
    } else {
        env.report(
            KEY,
            format!(
                "{raw:?} is not an event bus name or ARN (A-Z a-z 0-9 / . - _ :, at most {MAX_EVENT_BUS_NAME_LEN})"
            ),
        );
        None
    }
}

fn retry_after_seconds(backoff: Duration) -> u64 {
    let whole = backoff.as_secs() + u64::from(backoff.subsec_nanos() > 0);
    whole.max(1)
}

/// One route of the API, from the request's path (stage removed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// `/playback-configurations`
    List,
    /// `/playback-configurations/{name}`, the name percent-decoded but not yet validated.
    Item(String),
    /// `/openapi.json`
    OpenApi,
}

impl Route {
    /// The route for `path`, or `None` when no route matches.
    pub fn parse(path: &str) -> Option<Self> {
        let path = path.strip_prefix('/')?;
        let segments: Vec<&str> = path.split('/').collect();
        match segments.as_slice() {
            ["playback-configurations"] => Some(Self::List),
            ["playback-configurations", name] if !name.is_empty() => {
                Some(Self::Item(percent_encoding::percent_decode_str(name).decode_utf8_lossy().into_owned()))
            }
            ["openapi.json"] => Some(Self::OpenApi),
            _ => None,
        }
    }

    /// The route as the OpenAPI document names it.
    pub fn template(&self) -> &'static str {
        match self {
            Self::List => "/playback-configurations",
            Self::Item(_) => "/playback-configurations/{name}",
            Self::OpenApi => "/openapi.json",
        }
    }

    /// The methods the route answers: the `Allow` header of a 405.
    pub fn allow(&self) -> &'static str {
        match self {
            Self::List | Self::OpenApi => "GET",
            Self::Item(_) => "DELETE, GET, PATCH, PUT",
        }
    }

    /// The query parameters the route accepts.
    fn parameters(&self) -> &'static [&'static str] {
        match self {
            Self::List => &["maxResults", "nextToken"],
            Self::Item(_) | Self::OpenApi => &[],
        }
    }
}

/// The request's route. API Gateway REST (v1) passes the path without the stage; HTTP APIs
/// (v2) include a named stage in `rawPath` (not `$default`), and lambda_http adds the stage to
/// the URI of both, so the raw path is read and a leading stage removed.
pub fn route_of(request: &Request) -> Option<Route> {
    let raw = request.raw_http_path();
    let path = if raw.is_empty() { request.uri().path() } else { raw };
    let (stage, stage_in_path) = match request.request_context_ref() {
        Some(RequestContext::ApiGatewayV1(ctx)) => (ctx.stage.as_deref(), false),
        Some(RequestContext::ApiGatewayV2(ctx)) => (ctx.stage.as_deref(), true),
        _ => (None, false),
    };
    let without_stage = stage
        .filter(|s| !s.is_empty() && *s != "$default")
        .and_then(|s| path.strip_prefix('/').and_then(|p| p.strip_prefix(s)))
        .filter(|rest| rest.is_empty() || rest.starts_with('/'));
    match without_stage {
        // v2 puts a named stage in front: strip it first. v1 normally does not, but a path that
        // only routes without the stage is taken either way.
        Some(rest) if stage_in_path => Route::parse(rest).or_else(|| Route::parse(path)),
        Some(rest) => Route::parse(path).or_else(|| Route::parse(rest)),
        None => Route::parse(path),
    }
}

/// Every failure, answered as `{"error": {"code", "message", "field"?, "requestId"}}`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// 400: a member, parameter or the name breaks a rule.
    #[error("{}{message}", field.as_deref().map(|f| format!("{f}: ")).unwrap_or_default())]
    Invalid {
        /// The member or parameter, e.g. `AvailSuppression.Value` or `maxResults`.
        field: Option<String>,
        /// What is wrong and what is expected.
        message: String,
    },
    /// 400: the body is not a JSON object.
    #[error("{0}")]
    MalformedJson(String),
    /// 404: no route at this path.
    #[error(
        "no route at {path}; the routes are /playback-configurations, /playback-configurations/{{name}} and /openapi.json"
    )]
    RouteNotFound {
        /// The path asked for.
        path: String,
    },
    /// 404: MediaTailor has no configuration of this name.
    #[error("playback configuration {name} does not exist")]
    ConfigurationNotFound {
        /// The name.
        name: String,
    },
    /// 405: the route exists but not with this method.
    #[error("{method} is not allowed here; use {allow}")]
    MethodNotAllowed {
        /// The method asked for.
        method: String,
        /// The methods the route answers.
        allow: &'static str,
    },
    /// 409: MediaTailor reports a conflict.
    #[error("MediaTailor reports a conflict: {0}")]
    Conflict(String),
    /// 412: `If-Match` does not match the configuration as it is now.
    #[error("{}", precondition_message(name, current.as_deref()))]
    PreconditionFailed {
        /// The configuration's name.
        name: String,
        /// Its current ETag (also sent as `ETag`); `None` when it does not exist.
        current: Option<String>,
    },
    /// 413: the body is larger than [`MAX_BODY_BYTES`].
    #[error("the body is {size} bytes; the maximum is {MAX_BODY_BYTES}")]
    PayloadTooLarge {
        /// The body's size.
        size: usize,
    },
    /// 415: the body is not declared as the route's media type.
    #[error("send the body as Content-Type: {expected} (UTF-8); got {}", found.as_deref().unwrap_or("no Content-Type"))]
    UnsupportedMediaType {
        /// The media type the route reads: `application/json`, or for PATCH
        /// `application/merge-patch+json`.
        expected: &'static str,
        /// The Content-Type sent, if any.
        found: Option<String>,
    },
    /// 429: MediaTailor throttled the call, even after the SDK's retries.
    #[error("MediaTailor is throttling {operation}; retry after {retry_after} s")]
    Throttled {
        /// The MediaTailor operation.
        operation: &'static str,
        /// Seconds to wait, also sent as `Retry-After`.
        retry_after: u64,
    },
    /// 502: MediaTailor failed (5xx, timeouts, refusals that are not the caller's fault).
    #[error("MediaTailor could not complete {operation} ({detail}); try again later")]
    Upstream {
        /// The MediaTailor operation.
        operation: &'static str,
        /// Status and error code, never the request.
        detail: String,
    },
    /// 500: a bug in this function.
    #[error("internal error in playback-config-api: {0}")]
    Internal(String),
}

impl ApiError {
    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Invalid { .. } | Self::MalformedJson(_) => StatusCode::BAD_REQUEST,
            Self::RouteNotFound { .. } | Self::ConfigurationNotFound { .. } => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::PreconditionFailed { .. } => StatusCode::PRECONDITION_FAILED,
            Self::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType { .. } => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Throttled { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Upstream { .. } => StatusCode::BAD_GATEWAY,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The stable `code` of the error body.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Invalid { .. } => "ValidationError",
            Self::MalformedJson(_) => "MalformedJson",
            Self::RouteNotFound { .. } => "RouteNotFound",
            Self::ConfigurationNotFound { .. } => "PlaybackConfigurationNotFound",
            Self::MethodNotAllowed { .. } => "MethodNotAllowed",
            Self::Conflict(_) => "Conflict",
            Self::PreconditionFailed { .. } => "PreconditionFailed",
            Self::PayloadTooLarge { .. } => "PayloadTooLarge",
            Self::UnsupportedMediaType { .. } => "UnsupportedMediaType",
            Self::Throttled { .. } => "Throttled",
            Self::Upstream { .. } => "UpstreamFailure",
            Self::Internal(_) => "InternalError",
        }
    }

    /// The member or parameter at fault, when there is one.
    pub fn field(&self) -> Option<&str> {
        match self {
            Self::Invalid { field, .. } => field.as_deref(),
            _ => None,
        }
    }

    /// The message, without the field (which has its own member in the body).
    fn message(&self) -> String {
        match self {
            Self::Invalid { message, .. } => message.clone(),
            other => other.to_string(),
        }
    }

    /// A 400 naming `field`.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Invalid { field: Some(field.into()), message: message.into() }
    }

    /// Classifies a failed MediaTailor call (already classified once by
    /// [`AwsCallError::from_sdk`]) into the API's answer.
    pub fn from_aws(err: &AwsCallError, name: Option<&PlaybackConfigurationName>, retry_after: u64) -> Self {
        let detail = match (&err.status, &err.code) {
            (Some(status), Some(code)) => format!("HTTP {status}, {code}"),
            (Some(status), None) => format!("HTTP {status}"),
            (None, _) => format!("{:?}", err.class).to_lowercase() + " before an answer",
        };
        match err.class {
            ErrorClass::Throttled => Self::Throttled { operation: err.operation, retry_after },
            ErrorClass::NotFound => match name {
                Some(name) => Self::ConfigurationNotFound { name: name.to_string() },
                None => Self::Upstream { operation: err.operation, detail },
            },
            ErrorClass::Conflict => Self::Conflict(err.message.clone()),
            // No answer at all means the SDK could not build the request: ours to fix.
            ErrorClass::Invalid if err.status.is_none() => {
                Self::Internal(format!("{} could not be sent: {}", err.operation, err.message))
            }
            ErrorClass::Invalid => {
                Self::Invalid { field: None, message: format!("MediaTailor refused the request: {}", err.message) }
            }
            ErrorClass::Retryable | ErrorClass::Other => Self::Upstream { operation: err.operation, detail },
        }
    }

    /// The answer: status, JSON body and, for 405 and 429, the `Allow` or `Retry-After` header.
    pub fn to_response(&self, request_id: &str) -> Result<Response<Body>, Error> {
        let mut error = Map::new();
        error.insert("code".into(), json!(self.code()));
        error.insert("message".into(), json!(self.message()));
        if let Some(field) = self.field() {
            error.insert("field".into(), json!(field));
        }
        error.insert("requestId".into(), json!(request_id));
        let mut response = json_response(self.status(), &json!({ "error": error }))?;
        match self {
            Self::MethodNotAllowed { allow, .. } => {
                response.headers_mut().insert(ALLOW, allow.parse()?);
            }
            Self::Throttled { retry_after, .. } => {
                response.headers_mut().insert(RETRY_AFTER, retry_after.to_string().parse()?);
            }
            Self::PreconditionFailed { current: Some(etag), .. } => {
                response.headers_mut().insert(ETAG, etag.parse()?);
            }
            _ => {}
        }
        Ok(response)
    }
}

fn precondition_message(name: &str, current: Option<&str>) -> String {
    match current {
        Some(etag) => format!(
            "If-Match does not match playback configuration {name}, whose ETag is now {etag}: it changed since you \
             read it; GET it again, reapply your change and send the new ETag"
        ),
        None => format!(
            "playback configuration {name} does not exist, so If-Match cannot match; leave If-Match out to create it"
        ),
    }
}

impl From<FieldError> for ApiError {
    fn from(err: FieldError) -> Self {
        if err.field == "(body)" {
            Self::MalformedJson(format!("the body is {}", err.message))
        } else {
            Self::Invalid { field: Some(err.field), message: err.message }
        }
    }
}

impl From<ApiError> for lambda_runtime::Diagnostic {
    fn from(err: ApiError) -> Self {
        Self { error_type: err.code().into(), error_message: err.to_string() }
    }
}

fn json_response(status: StatusCode, body: &Value) -> Result<Response<Body>, Error> {
    Ok(Response::builder()
        .status(status)
        .header(CONTENT_TYPE, "application/json")
        .body(Body::from(serde_json::to_string(body)?))?)
}

/// What a route produced, before it is written.
enum Answer {
    Json(StatusCode, Value),
    /// 200 with the configuration's `ETag`.
    Tagged(Value, String),
    NoContent,
}

/// Handles one request. Every outcome, refusals included, is an HTTP answer; `Err` only when
/// an answer cannot be built.
pub async fn handler(state: &State, request: Request) -> Result<Response<Body>, Error> {
    let request_id = request.lambda_context_ref().map(|c| c.request_id.clone()).unwrap_or_default();
    let route = route_of(&request);
    let method = request.method().clone();
    let template = route.as_ref().map_or("(none)", Route::template);
    let (status, response) = match serve(state, route, &request, &request_id).await {
        Ok(Answer::Json(status, body)) => (status, json_response(status, &body)?),
        Ok(Answer::Tagged(body, etag)) => {
            let mut response = json_response(StatusCode::OK, &body)?;
            response.headers_mut().insert(ETAG, etag.parse()?);
            (StatusCode::OK, response)
        }
        Ok(Answer::NoContent) => {
            (StatusCode::NO_CONTENT, Response::builder().status(StatusCode::NO_CONTENT).body(Body::Empty)?)
        }
        Err(err) => {
            let status = err.status();
            if status.is_server_error() {
                tracing::error!(%method, route = template, status = status.as_u16(), code = err.code(), error = %err, "request failed");
            } else {
                tracing::info!(%method, route = template, status = status.as_u16(), code = err.code(), field = err.field(), "request refused");
            }
            (status, err.to_response(&request_id)?)
        }
    };
    if status.is_success() {
        tracing::info!(%method, route = template, status = status.as_u16(), "request answered");
    }
    Ok(response)
}

async fn serve(state: &State, route: Option<Route>, request: &Request, request_id: &str) -> Result<Answer, ApiError> {
    let Some(route) = route else {
        let path = request.raw_http_path();
        let path = if path.is_empty() { request.uri().path() } else { path };
        return Err(ApiError::RouteNotFound { path: path.to_owned() });
    };
    let method = request.method();
    let allowed = match &route {
        Route::List | Route::OpenApi => method == Method::GET,
        Route::Item(_) => matches!(*method, Method::GET | Method::PUT | Method::PATCH | Method::DELETE),
    };
    if !allowed {
        return Err(ApiError::MethodNotAllowed { method: method.to_string(), allow: route.allow() });
    }
    let query = query_pairs(request.uri().query(), route.parameters())?;
    match route {
        Route::OpenApi => {
            let document: Value = serde_json::from_str(OPENAPI)
                .map_err(|e| ApiError::Internal(format!("the bundled OpenAPI document is not JSON: {e}")))?;
            Ok(Answer::Json(StatusCode::OK, document))
        }
        Route::List => list(state, &query).await,
        Route::Item(raw) => {
            let name = PlaybackConfigurationName::new(raw).map_err(|e| ApiError::invalid("Name", e.to_string()))?;
            let call = Call { state, name, request, request_id };
            match *method {
                Method::PUT => put(&call).await,
                Method::PATCH => patch(&call).await,
                Method::DELETE => delete(&call).await,
                _ => get(state, call.name).await,
            }
        }
    }
}

/// The decoded query parameters, each at most once and each one the route knows.
pub fn query_pairs(query: Option<&str>, allowed: &[&str]) -> Result<Vec<(String, String)>, ApiError> {
    let decode = |s: &str| percent_encoding::percent_decode_str(&s.replace('+', " ")).decode_utf8_lossy().into_owned();
    let mut pairs: Vec<(String, String)> = Vec::new();
    for pair in query.unwrap_or_default().split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let (key, value) = (decode(key), decode(value));
        if !allowed.contains(&key.as_str()) {
            let known = if allowed.is_empty() { "this route takes none".to_owned() } else { allowed.join(", ") };
            return Err(ApiError::invalid(key, format!("is not a query parameter of this route ({known})")));
        }
        if pairs.iter().any(|(k, _)| *k == key) {
            return Err(ApiError::invalid(key, "is given more than once; give it once"));
        }
        pairs.push((key, value));
    }
    Ok(pairs)
}

fn param<'q>(query: &'q [(String, String)], key: &str) -> Option<&'q str> {
    query.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

async fn list(state: &State, query: &[(String, String)]) -> Result<Answer, ApiError> {
    let max_results = match param(query, "maxResults") {
        None => DEFAULT_MAX_RESULTS,
        Some(raw) => raw.parse::<i32>().ok().filter(|n| (1..=MAX_RESULTS).contains(n)).ok_or_else(|| {
            ApiError::invalid("maxResults", format!("{raw:?} is not a whole number from 1 to {MAX_RESULTS}"))
        })?,
    };
    let next_token = param(query, "nextToken").filter(|t| !t.is_empty()).map(str::to_owned);
    let had_token = next_token.is_some();
    let output = state
        .clients
        .mediatailor
        .list_playback_configurations()
        .max_results(max_results)
        .set_next_token(next_token)
        .send()
        .await
        .map_err(|e| {
            let err = AwsCallError::from_sdk("ListPlaybackConfigurations", &e);
            match ApiError::from_aws(&log_aws(err), None, state.retry_after()) {
                // The page size was checked, so what MediaTailor refuses is the token.
                ApiError::Invalid { message, .. } if had_token => ApiError::invalid("nextToken", message),
                other => other,
            }
        })?;
    let items: Vec<PlaybackConfigurationView> =
        output.items.unwrap_or_default().into_iter().map(PlaybackConfigurationView::from).collect();
    tracing::info!(count = items.len(), more = output.next_token.is_some(), "playback configurations listed");
    let mut body = json!({ "Items": items });
    if let Some(token) = output.next_token {
        body["NextToken"] = Value::String(token);
    }
    Ok(Answer::Json(StatusCode::OK, body))
}

/// One request to `/playback-configurations/{name}`.
struct Call<'a> {
    state: &'a State,
    name: PlaybackConfigurationName,
    request: &'a Request,
    request_id: &'a str,
}

/// The configuration as it is, read just before a write.
struct Current {
    /// Its PUT shape: what is compared, merged into and hashed.
    content: Value,
    etag: String,
    arn: Option<String>,
}

impl Current {
    fn of(view: &PlaybackConfigurationView) -> Self {
        let content = view.put_shape();
        Self { etag: etag_of(&content), content, arn: view.playback_configuration_arn.clone() }
    }
}

async fn get(state: &State, name: PlaybackConfigurationName) -> Result<Answer, ApiError> {
    let view = read(state, &name).await?.ok_or(ApiError::ConfigurationNotFound { name: name.to_string() })?;
    let etag = etag_of(&view.put_shape());
    Ok(Answer::Tagged(view_json(view)?, etag))
}

/// `GetPlaybackConfiguration`; `None` when there is no such configuration.
async fn read(state: &State, name: &PlaybackConfigurationName) -> Result<Option<PlaybackConfigurationView>, ApiError> {
    match state.clients.mediatailor.get_playback_configuration().name(name.as_str()).send().await {
        Ok(output) => Ok(Some(PlaybackConfigurationView::from(output))),
        Err(e) => {
            let err = AwsCallError::from_sdk("GetPlaybackConfiguration", &e);
            if err.class == ErrorClass::NotFound {
                return Ok(None);
            }
            Err(ApiError::from_aws(&log_aws(err), Some(name), state.retry_after()))
        }
    }
}

/// The current configuration when a write needs it: for `If-Match`, or for the change event.
async fn current_if_needed(call: &Call<'_>, condition: Option<&IfMatch>) -> Result<Option<Current>, ApiError> {
    if condition.is_none() && call.state.change_events.is_none() {
        return Ok(None);
    }
    Ok(read(call.state, &call.name).await?.as_ref().map(Current::of))
}

/// 412 unless `condition` holds for `current`.
fn precondition(
    condition: Option<&IfMatch>,
    current: Option<&Current>,
    name: &PlaybackConfigurationName,
) -> Result<(), ApiError> {
    match condition {
        Some(condition) if !condition.holds(current.map(|c| c.etag.as_str())) => {
            let current = current.map(|c| c.etag.clone());
            tracing::info!(name = %name, current = current.as_deref(), "If-Match does not hold");
            Err(ApiError::PreconditionFailed { name: name.to_string(), current })
        }
        _ => Ok(()),
    }
}

/// The request's `If-Match`, every header of that name joined.
pub fn if_match(headers: &HeaderMap) -> Result<Option<IfMatch>, ApiError> {
    let mut values = Vec::new();
    for value in headers.get_all(IF_MATCH) {
        let text = value.to_str().map_err(|_| ApiError::invalid("If-Match", "must be ASCII: * or quoted ETags"))?;
        values.push(text);
    }
    if values.is_empty() {
        return Ok(None);
    }
    IfMatch::parse(&values.join(", ")).map(Some).map_err(|message| ApiError::invalid("If-Match", message))
}

async fn delete(call: &Call<'_>) -> Result<Answer, ApiError> {
    let condition = if_match(call.request.headers())?;
    let before = current_if_needed(call, condition.as_ref()).await?;
    // Without If-Match this would be a 404, so it is one with it too (RFC 9110 13.2.1).
    if condition.is_some() && before.is_none() {
        return Err(ApiError::ConfigurationNotFound { name: call.name.to_string() });
    }
    precondition(condition.as_ref(), before.as_ref(), &call.name)?;
    let state = call.state;
    state
        .clients
        .mediatailor
        .delete_playback_configuration()
        .name(call.name.as_str())
        .send()
        .await
        .map_err(|e| aws_error(state, "DeletePlaybackConfiguration", &e, &call.name))?;
    tracing::info!(name = %call.name, "playback configuration deleted");
    let before_content = before.as_ref().map(|b| &b.content);
    publish(call, "DELETE", before_content, None, before.as_ref().and_then(|b| b.arn.as_deref())).await;
    Ok(Answer::NoContent)
}

async fn put(call: &Call<'_>) -> Result<Answer, ApiError> {
    let config = parse_put_body(checked_body(call.request, JSON)?, &call.name)?;
    let condition = if_match(call.request.headers())?;
    let before = current_if_needed(call, condition.as_ref()).await?;
    precondition(condition.as_ref(), before.as_ref(), &call.name)?;
    let view = send_put(call.state, &call.name, config).await?;
    written(call, "PUT", before.as_ref(), view).await
}

/// PATCH: the merge patch applied to the configuration as it is now, validated as a whole as a
/// PUT body is, then put. Tags the patch removes are untagged (a put never removes tags).
async fn patch(call: &Call<'_>) -> Result<Answer, ApiError> {
    let patch = parse_patch_body(checked_body(call.request, MERGE_PATCH)?, &call.name)?;
    let condition = if_match(call.request.headers())?;
    let before = read(call.state, &call.name).await?.as_ref().map(Current::of);
    let before = before.ok_or_else(|| ApiError::ConfigurationNotFound { name: call.name.to_string() })?;
    precondition(condition.as_ref(), Some(&before), &call.name)?;
    let (config, removed) = merged_config(&before.content, &patch, &call.name)?;
    let mut view = send_put(call.state, &call.name, config).await?;
    if !removed.is_empty() {
        let arn = view.playback_configuration_arn.clone().or_else(|| before.arn.clone()).unwrap_or_default();
        if let Err(err) = untag(call.state, &call.name, &arn, &removed).await {
            // The put stands: tell the team what did change, then the caller what did not.
            publish(call, "PATCH", Some(&before.content), Some(&view.put_shape()), Some(&arn)).await;
            return Err(err);
        }
        let kept = view.tags.take().map(|mut tags| {
            tags.retain(|key, _| !removed.contains(key));
            tags
        });
        view.tags = kept.filter(|tags| !tags.is_empty());
    }
    written(call, "PATCH", Some(&before), view).await
}

/// `patch` applied to `current` (PUT shape) and validated as a PUT body, with the tag keys it
/// removes (a put never removes a tag, so they are untagged after it).
pub fn merged_config(
    current: &Value,
    patch: &Value,
    name: &PlaybackConfigurationName,
) -> Result<(PutPlaybackConfiguration, Vec<String>), ApiError> {
    let mut merged = current.clone();
    merge_patch::merge(&mut merged, patch);
    let removed = removed_tags(current, &merged);
    let Value::Object(members) = merged else {
        return Err(ApiError::Internal("a merge patch of objects made something else".into()));
    };
    Ok((put_from_members(members, name)?, removed))
}

/// The tag keys in `before` that `after` no longer has.
pub fn removed_tags(before: &Value, after: &Value) -> Vec<String> {
    let keys = |v: &Value| v.get("Tags").and_then(Value::as_object).map(|t| t.keys().cloned().collect::<Vec<_>>());
    let after_keys = keys(after).unwrap_or_default();
    keys(before).unwrap_or_default().into_iter().filter(|k| !after_keys.contains(k)).collect()
}

async fn untag(state: &State, name: &PlaybackConfigurationName, arn: &str, keys: &[String]) -> Result<(), ApiError> {
    state
        .clients
        .mediatailor
        .untag_resource()
        .resource_arn(arn)
        .set_tag_keys(Some(keys.to_vec()))
        .send()
        .await
        .map_err(|e| aws_error(state, "UntagResource", &e, name))?;
    tracing::info!(name = %name, removed = keys.len(), "tags removed");
    Ok(())
}

/// `PutPlaybackConfiguration`, logging the ad decision server's host only (its URL carries
/// keys and session parameters in the query).
async fn send_put(
    state: &State,
    name: &PlaybackConfigurationName,
    config: PutPlaybackConfiguration,
) -> Result<PlaybackConfigurationView, ApiError> {
    let ads_host = config.ad_decision_server_url.as_deref().map(|url| host_of(url).to_owned());
    let call = convert::put_request(state.clients.mediatailor.put_playback_configuration(), config)
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let output = call.send().await.map_err(|e| aws_error(state, "PutPlaybackConfiguration", &e, name))?;
    tracing::info!(name = %name, ads_host, "playback configuration put");
    Ok(PlaybackConfigurationView::from(output))
}

/// The answer to a successful PUT or PATCH, after its change event.
async fn written(
    call: &Call<'_>,
    operation: &'static str,
    before: Option<&Current>,
    view: PlaybackConfigurationView,
) -> Result<Answer, ApiError> {
    let after = view.put_shape();
    let arn = view.playback_configuration_arn.clone();
    publish(call, operation, before.map(|b| &b.content), Some(&after), arn.as_deref()).await;
    Ok(Answer::Tagged(view_json(view)?, etag_of(&after)))
}

/// Publishes the change event of a successful write, when events are on. A failure is logged
/// and counted (`ChangeEventsFailed`), never answered: the write has happened.
async fn publish(
    call: &Call<'_>,
    operation: &'static str,
    before: Option<&Value>,
    after: Option<&Value>,
    arn: Option<&str>,
) {
    let Some(events) = &call.state.change_events else { return };
    let context = call.request.request_context_ref();
    let change = Change {
        name: call.name.as_str(),
        operation,
        before,
        after,
        arn,
        caller: changes::caller_of(context),
        request_id: call.request_id,
        api_request_id: changes::api_request_id(context),
    };
    let event = changes::event(&change);
    let changed = changes::changed_members(before, after);
    let outcome = put_events(&call.state.clients.eventbridge, &events.bus, std::slice::from_ref(&event)).await;
    let reason = match outcome {
        Ok(results) => match results.into_iter().next() {
            Some(EntryResult::Accepted(id)) => {
                tracing::info!(name = %call.name, operation, event_id = %id, ?changed, "change event published");
                return;
            }
            Some(EntryResult::Failed(reason)) => reason,
            None => "PutEvents answered no entry".to_owned(),
        },
        Err(err) => format!("{:?}, {}", err.class, err.code.as_deref().unwrap_or("no error code")),
    };
    events.failed.fetch_add(1, Ordering::Relaxed);
    tracing::error!(name = %call.name, operation, reason, metric = metrics::CHANGE_EVENTS_FAILED, "change event not published; the write stands");
    metrics::emit(&events.function_name, metrics::CHANGE_EVENTS_FAILED, 1);
}

fn view_json(view: PlaybackConfigurationView) -> Result<Value, ApiError> {
    serde_json::to_value(view).map_err(|e| ApiError::Internal(format!("cannot write the configuration: {e}")))
}

fn aws_error<E>(
    state: &State,
    operation: &'static str,
    err: &aws_sdk_mediatailor::error::SdkError<E, aws_sdk_mediatailor::config::http::HttpResponse>,
    name: &PlaybackConfigurationName,
) -> ApiError
where
    E: aws_sdk_mediatailor::error::ProvideErrorMetadata + std::error::Error + 'static,
{
    let err = log_aws(AwsCallError::from_sdk(operation, err));
    ApiError::from_aws(&err, Some(name), state.retry_after())
}

/// Logs a failed call: the class, status and code; the service's message only when it cannot
/// echo the caller's input (a refusal may quote a URL).
fn log_aws(err: AwsCallError) -> AwsCallError {
    let echoes_input = matches!(err.class, ErrorClass::Invalid | ErrorClass::Conflict);
    let service_message = if echoes_input { "(not logged)" } else { err.message.as_str() };
    tracing::warn!(
        operation = err.operation,
        class = ?err.class,
        status = err.status,
        code = err.code.as_deref(),
        service_message,
        "MediaTailor call failed"
    );
    err
}

/// The media type of PUT bodies.
pub const JSON: &str = "application/json";
/// The media type of PATCH bodies (RFC 7396).
pub const MERGE_PATCH: &str = "application/merge-patch+json";

/// The body, once its size and media type are right.
fn checked_body<'r>(request: &'r Request, media_type: &'static str) -> Result<&'r [u8], ApiError> {
    let body = request.body().as_ref();
    if body.len() > MAX_BODY_BYTES {
        return Err(ApiError::PayloadTooLarge { size: body.len() });
    }
    check_media_type(request.headers(), media_type)?;
    Ok(body)
}

/// Refuses a body not declared as JSON: `application/json`, with at most a UTF-8 charset.
pub fn check_content_type(headers: &HeaderMap) -> Result<(), ApiError> {
    check_media_type(headers, JSON)
}

/// Refuses a body not declared as `expected`, with at most a UTF-8 charset.
pub fn check_media_type(headers: &HeaderMap, expected: &'static str) -> Result<(), ApiError> {
    let Some(raw) = headers.get(CONTENT_TYPE) else {
        return Err(ApiError::UnsupportedMediaType { expected, found: None });
    };
    let unsupported =
        || ApiError::UnsupportedMediaType { expected, found: Some(String::from_utf8_lossy(raw.as_bytes()).into()) };
    let value = raw.to_str().map_err(|_| unsupported())?;
    let mut parts = value.split(';');
    let essence = parts.next().unwrap_or_default().trim();
    if !essence.eq_ignore_ascii_case(expected) {
        return Err(unsupported());
    }
    for parameter in parts.map(str::trim).filter(|p| !p.is_empty()) {
        let (key, value) = parameter.split_once('=').ok_or_else(unsupported)?;
        if key.trim().eq_ignore_ascii_case("charset") && !value.trim().trim_matches('"').eq_ignore_ascii_case("utf-8") {
            return Err(unsupported());
        }
    }
    Ok(())
}

/// A body that must be a JSON object, with no member given twice in any of its objects.
fn parse_object(body: &[u8]) -> Result<Map<String, Value>, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::MalformedJson(
            "the body is empty; send a JSON object with the configuration's members".into(),
        ));
    }
    // serde_json keeps the last of two equal keys, so the first would never be validated.
    if let Some(field) = duplicates::first_duplicate(body) {
        return Err(ApiError::invalid(field, "is given more than once; give each member once"));
    }
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| ApiError::MalformedJson(format!("the body is not valid JSON: {e}")))?;
    match value {
        Value::Object(members) => Ok(members),
        _ => Err(ApiError::MalformedJson("the body must be a JSON object".into())),
    }
}

/// The PUT body as a validated request for `name`.
///
/// The body is parsed untyped first (serde_json's recursion limit turns a deeply nested body
/// into an error; a member given twice is refused by name), `Tags` is accepted for the wire's
/// `tags`, and `Name` may be left out (it is taken from the path) but must otherwise equal the
/// path's.
pub fn parse_put_body(body: &[u8], name: &PlaybackConfigurationName) -> Result<PutPlaybackConfiguration, ApiError> {
    let members = parse_object(body)?;
    // The document types every member; a null would otherwise pass as "left out".
    if let Some(field) = first_null(&members, "") {
        return Err(ApiError::invalid(field, "must not be null; leave the member out instead"));
    }
    put_from_members(members, name)
}

/// A PATCH body: a JSON Merge Patch object, members named as in a PUT body (`tags` is read
/// as `Tags`). `Name` may be given only as the path's name; it cannot be removed.
pub fn parse_patch_body(body: &[u8], name: &PlaybackConfigurationName) -> Result<Value, ApiError> {
    let mut members = parse_object(body)?;
    if let Some(tags) = members.remove("tags") {
        if members.contains_key("Tags") {
            return Err(ApiError::invalid("Tags", "is given twice, as Tags and as tags; give it once"));
        }
        members.insert("Tags".into(), tags);
    }
    match members.get("Name") {
        None => {}
        Some(Value::String(given)) if given == name.as_str() => {}
        Some(Value::Null) => {
            return Err(ApiError::invalid("Name", "cannot be removed; the path names the configuration"));
        }
        Some(_) => {
            return Err(ApiError::invalid(
                "Name",
                format!("must equal the name in the path ({name}) or be left out; a PATCH cannot rename"),
            ));
        }
    }
    Ok(Value::Object(members))
}

/// A validated request for `name` from a PUT-shaped document (a PUT body, or a merge result).
pub fn put_from_members(
    mut members: Map<String, Value>,
    name: &PlaybackConfigurationName,
) -> Result<PutPlaybackConfiguration, ApiError> {
    if let Some(tags) = members.remove("Tags") {
        if members.contains_key("tags") {
            return Err(ApiError::invalid("Tags", "is given twice, as Tags and as tags; give it once"));
        }
        members.insert("tags".into(), tags);
    }
    match members.get("Name") {
        None => {
            members.insert("Name".into(), Value::String(name.to_string()));
        }
        Some(Value::String(given)) if given == name.as_str() => {}
        Some(_) => {
            return Err(ApiError::invalid(
                "Name",
                format!("must equal the name in the path ({name}) or be left out; the path names the configuration"),
            ));
        }
    }
    // `Tags` was moved to the wire's `tags` above: a type error in it names `Tags`, as every
    // other refusal of the tags does.
    let config: PutPlaybackConfiguration = parse_value(Value::Object(members)).map_err(|mut err| {
        if err.field == "tags" || err.field.starts_with("tags.") {
            err.field.replace_range(..4, "Tags");
        }
        err
    })?;
    config.validate()?;
    Ok(config)
}

/// The path of the first `null` member in `members`, e.g. `AvailSuppression.Mode`.
fn first_null(members: &serde_json::Map<String, Value>, prefix: &str) -> Option<String> {
    members.iter().find_map(|(key, value)| {
        let path = if prefix.is_empty() { key.clone() } else { format!("{prefix}.{key}") };
        match value {
            Value::Null => Some(path),
            Value::Object(inner) => first_null(inner, &path),
            _ => None,
        }
    })
}

/// The host of `url`, for logs: no scheme, credentials, port, path or query.
pub fn host_of(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, host)| host);
    if host_port.starts_with('[') {
        host_port.split_once(']').map_or(host_port, |(host, _)| host).trim_start_matches('[')
    } else {
        host_port.split(':').next().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lambda_http::http::HeaderValue;

    fn name(n: &str) -> PlaybackConfigurationName {
        PlaybackConfigurationName::new(n).unwrap()
    }

    #[test]
    fn routes() {
        assert_eq!(Route::parse("/playback-configurations"), Some(Route::List));
        assert_eq!(Route::parse("/playback-configurations/conf-1"), Some(Route::Item("conf-1".into())));
        assert_eq!(Route::parse("/playback-configurations/a%20b"), Some(Route::Item("a b".into())));
        assert_eq!(Route::parse("/openapi.json"), Some(Route::OpenApi));
        for none in
            ["", "/", "/playback-configurations/", "/playback-configurations/a/b", "/x", "playback-configurations"]
        {
            assert_eq!(Route::parse(none), None, "{none:?}");
        }
        assert_eq!(Route::Item("x".into()).allow(), "DELETE, GET, PATCH, PUT");
        assert_eq!(Route::List.template(), "/playback-configurations");
    }

    fn v2(stage: &str, raw_path: &str) -> Request {
        lambda_http::request::from_str(
            &json!({
                "version": "2.0", "routeKey": "$default", "rawPath": raw_path, "rawQueryString": "",
                "headers": {"host": "api.example.com"},
                "requestContext": {
                    "accountId": "123456789012", "apiId": "api", "domainName": "api.example.com",
                    "http": {"method": "GET", "path": raw_path, "protocol": "HTTP/1.1", "sourceIp": "1.2.3.4", "userAgent": "t"},
                    "requestId": "r", "routeKey": "$default", "stage": stage, "time": "t", "timeEpoch": 0
                },
                "isBase64Encoded": false
            })
            .to_string(),
        )
        .unwrap()
    }

    fn v1(stage: &str, path: &str) -> Request {
        lambda_http::request::from_str(
            &json!({
                "resource": "/{proxy+}", "path": path, "httpMethod": "GET",
                "headers": {"Host": "api.example.com"}, "multiValueHeaders": {},
                "queryStringParameters": null, "multiValueQueryStringParameters": null,
                "pathParameters": null, "stageVariables": null,
                "requestContext": {"accountId": "123456789012", "resourceId": "r", "stage": stage, "requestId": "q",
                    "identity": {"sourceIp": "1.2.3.4"}, "resourcePath": "/{proxy+}", "httpMethod": "GET", "apiId": "api"},
                "body": null, "isBase64Encoded": false
            })
            .to_string(),
        )
        .unwrap()
    }

    #[test]
    fn stages_are_removed_from_either_shape() {
        assert_eq!(route_of(&v2("prod", "/prod/playback-configurations")), Some(Route::List));
        assert_eq!(route_of(&v2("$default", "/playback-configurations/a")), Some(Route::Item("a".into())));
        assert_eq!(route_of(&v2("prod", "/prod")), None);
        assert_eq!(route_of(&v2("prod", "/production/playback-configurations")), None);
        assert_eq!(route_of(&v1("prod", "/playback-configurations/a")), Some(Route::Item("a".into())));
        assert_eq!(route_of(&v1("prod", "/prod/openapi.json")), Some(Route::OpenApi));
        // A stage named like a route segment: v2 strips it first, v1 routes the path as given.
        assert_eq!(
            route_of(&v2("playback-configurations", "/playback-configurations/playback-configurations")),
            Some(Route::List)
        );
        assert_eq!(
            route_of(&v1("playback-configurations", "/playback-configurations/playback-configurations")),
            Some(Route::Item("playback-configurations".into()))
        );
    }

    #[test]
    fn query_parameters() {
        let pairs = query_pairs(Some("maxResults=5&nextToken=a%2Bb+c"), &["maxResults", "nextToken"]).unwrap();
        assert_eq!(pairs, vec![("maxResults".into(), "5".into()), ("nextToken".into(), "a+b c".into())]);
        let err = query_pairs(Some("maxresults=5"), &["maxResults"]).unwrap_err();
        assert_eq!(err.field(), Some("maxresults"));
        let err = query_pairs(Some("maxResults=5&maxResults=6"), &["maxResults"]).unwrap_err();
        assert_eq!(err.field(), Some("maxResults"));
        let err = query_pairs(Some("x"), &[]).unwrap_err();
        assert!(err.to_string().contains("takes none"), "{err}");
        assert!(query_pairs(None, &[]).unwrap().is_empty());
        assert!(query_pairs(Some("&"), &[]).unwrap().is_empty());
    }

    #[test]
    fn content_types() {
        let with = |v: &str| {
            let mut h = HeaderMap::new();
            h.insert(CONTENT_TYPE, HeaderValue::from_str(v).unwrap());
            check_content_type(&h)
        };
        for ok in [
            "application/json",
            "Application/JSON",
            "application/json; charset=utf-8",
            "application/json;charset=\"UTF-8\"",
        ] {
            assert!(with(ok).is_ok(), "{ok}");
        }
        for bad in [
            "text/plain",
            "application/json-patch+json",
            "application/jsonx",
            "application/json; charset=latin1",
            "application/json; x",
            "",
        ] {
            assert_eq!(with(bad).unwrap_err().status(), StatusCode::UNSUPPORTED_MEDIA_TYPE, "{bad}");
        }
        assert_eq!(check_content_type(&HeaderMap::new()).unwrap_err().code(), "UnsupportedMediaType");
    }

    #[test]
    fn put_bodies() {
        let n = name("conf-1");
        let config = parse_put_body(br#"{"SlateAdUrl": "https://cdn.example.com/s.mp4"}"#, &n).unwrap();
        assert_eq!(config.name.as_deref(), Some("conf-1"));
        let config = parse_put_body(br#"{"Name": "conf-1", "Tags": {"a": "b"}}"#, &n).unwrap();
        assert_eq!(config.tags.unwrap()["a"], "b");
        let config = parse_put_body(br#"{"tags": {"a": "b"}}"#, &n).unwrap();
        assert_eq!(config.tags.unwrap()["a"], "b");
        let field = |body: &[u8]| parse_put_body(body, &n).unwrap_err().field().map(str::to_owned);
        assert_eq!(field(br#"{"Tags": {}, "tags": {}}"#).as_deref(), Some("Tags"));
        assert_eq!(field(br#"{"Name": "other"}"#).as_deref(), Some("Name"));
        assert_eq!(field(br#"{"Name": 1}"#).as_deref(), Some("Name"));
        assert_eq!(field(br#"{"Nmae": "conf-1"}"#).as_deref(), Some("Nmae"));
        assert_eq!(field(br#"{"Tags": {"aws:x": "y"}}"#).as_deref(), Some("Tags"));
        assert_eq!(field(br#"{"Tags": ["a"]}"#).as_deref(), Some("Tags"));
        assert_eq!(field(br#"{"VideoContentSourceUrl": null}"#).as_deref(), Some("VideoContentSourceUrl"));
        assert_eq!(field(br#"{"AvailSuppression": {"Mode": null}}"#).as_deref(), Some("AvailSuppression.Mode"));
        assert_eq!(field(br#"{"tags": {"a": 1}}"#).as_deref(), Some("Tags.a"));
        assert_eq!(field(br#"{"AdDecisionServerUrl": "ads.example.com"}"#).as_deref(), Some("AdDecisionServerUrl"));
        for malformed in [&b""[..], b"  ", b"nope", b"[]", b"\"x\"", b"{\"a\":", b"{} {}"] {
            let err = parse_put_body(malformed, &n).unwrap_err();
            assert_eq!(err.code(), "MalformedJson", "{:?}", String::from_utf8_lossy(malformed));
        }
        let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        let err = parse_put_body(deep.as_bytes(), &n).unwrap_err();
        assert_eq!(err.code(), "MalformedJson");
        assert!(err.to_string().contains("recursion limit"), "{err}");
    }

    #[test]
    fn duplicate_members_are_refused_by_name_in_put_and_patch_bodies() {
        let n = name("conf-1");
        let cases: [(&[u8], &str); 4] = [
            (
                br#"{"AdDecisionServerUrl":"not a url","AdDecisionServerUrl":"https://ok.example.com/v"}"#,
                "AdDecisionServerUrl",
            ),
            (br#"{"Name":"a","Name":"b"}"#, "Name"),
            (br#"{"AvailSuppression":{"Mode":"OFF","Mode":"BEHIND_LIVE_EDGE"}}"#, "AvailSuppression.Mode"),
            (br#"{"Tags":{"team":"a","team":"b"}}"#, "Tags.team"),
        ];
        for (body, field) in cases {
            let err = parse_put_body(body, &n).unwrap_err();
            assert_eq!((err.code(), err.field()), ("ValidationError", Some(field)), "{err}");
            let err = parse_patch_body(body, &n).unwrap_err();
            assert_eq!((err.code(), err.field()), ("ValidationError", Some(field)), "{err}");
        }
    }

    #[test]
    fn patch_bodies() {
        let n = name("conf-1");
        assert_eq!(parse_patch_body(br#"{"tags": {"a": null}}"#, &n).unwrap(), json!({"Tags": {"a": null}}));
        assert_eq!(parse_patch_body(br#"{"Name": "conf-1", "Bumper": null}"#, &n).unwrap()["Bumper"], Value::Null);
        let field = |body: &[u8]| parse_patch_body(body, &n).unwrap_err().field().map(str::to_owned);
        assert_eq!(field(br#"{"Name": null}"#).as_deref(), Some("Name"));
        assert_eq!(field(br#"{"Name": "other"}"#).as_deref(), Some("Name"));
        assert_eq!(field(br#"{"Tags": {}, "tags": {}}"#).as_deref(), Some("Tags"));
        for malformed in [&b""[..], b"[]", b"null", b"\"x\"", b"{\"a\":"] {
            assert_eq!(parse_patch_body(malformed, &n).unwrap_err().code(), "MalformedJson");
        }
    }

    #[test]
    fn merged_configs_are_validated_as_put_bodies() {
        let n = name("conf-1");
        let current = json!({"Name": "conf-1", "AvailSuppression": {"Mode": "OFF"}, "Tags": {"a": "1", "b": "2"}});
        let patch = json!({"AvailSuppression": {"Value": "00:00:05"}, "Tags": {"b": null, "c": "3"}});
        let (config, removed) = merged_config(&current, &patch, &n).unwrap();
        let avail = config.avail_suppression.unwrap();
        assert_eq!((avail.mode.as_deref(), avail.value.as_deref()), (Some("OFF"), Some("00:00:05")));
        assert_eq!(config.tags.unwrap().keys().collect::<Vec<_>>(), ["a", "c"]);
        assert_eq!(removed, ["b"]);
        let err = merged_config(&current, &json!({"AvailSuppression": {"Mode": "ON"}}), &n).unwrap_err();
        assert_eq!(err.field(), Some("AvailSuppression.Mode"));
        let err = merged_config(&current, &json!({"Bumper": ["https://a.example.com"]}), &n).unwrap_err();
        assert_eq!(err.field(), Some("Bumper"), "an array replaces the member whole, then fails as in PUT");
    }

    #[test]
    fn removed_tags_are_the_keys_the_merge_dropped() {
        let before = json!({"Tags": {"a": "1", "b": "2"}});
        assert_eq!(removed_tags(&before, &json!({"Tags": {"a": "1"}})), ["b"]);
        assert_eq!(removed_tags(&before, &json!({})).len(), 2);
        assert!(removed_tags(&before, &before).is_empty());
        assert!(removed_tags(&json!({}), &json!({"Tags": {"a": "1"}})).is_empty());
    }

    #[test]
    fn if_match_headers() {
        let mut headers = HeaderMap::new();
        assert_eq!(if_match(&headers).unwrap(), None);
        headers.append(IF_MATCH, HeaderValue::from_static("\"a\""));
        headers.append(IF_MATCH, HeaderValue::from_static("\"b\""));
        assert_eq!(if_match(&headers).unwrap(), Some(IfMatch::Tags(vec!["\"a\"".into(), "\"b\"".into()])));
        let mut bad = HeaderMap::new();
        bad.insert(IF_MATCH, HeaderValue::from_static("abc"));
        assert_eq!(if_match(&bad).unwrap_err().field(), Some("If-Match"));
    }

    #[test]
    fn merge_patch_bodies_need_their_media_type() {
        let with = |v: &str| {
            let mut h = HeaderMap::new();
            h.insert(CONTENT_TYPE, HeaderValue::from_str(v).unwrap());
            check_media_type(&h, MERGE_PATCH)
        };
        assert!(with("application/merge-patch+json").is_ok());
        assert!(with("application/merge-patch+json; charset=utf-8").is_ok());
        let err = with("application/json").unwrap_err();
        assert_eq!(err.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
        assert!(err.to_string().contains("application/merge-patch+json"), "{err}");
    }

    #[test]
    fn settings_read_the_event_bus_and_list_every_problem() {
        let settings = State::read(EnvReader::from_pairs([("EVENT_BUS_NAME", "alerts")])).unwrap();
        assert_eq!(settings.event_bus_name.as_deref(), Some("alerts"));
        assert_eq!(settings.function_name, DEFAULT_FUNCTION_NAME);
        let settings = State::read(EnvReader::from_pairs([
            ("EVENT_BUS_NAME", "arn:aws:events:us-east-1:123456789012:event-bus/a.b-c_d"),
            ("AWS_LAMBDA_FUNCTION_NAME", "stack-PlaybackConfigApi"),
        ]))
        .unwrap();
        assert!(settings.event_bus_name.unwrap().ends_with("a.b-c_d"));
        assert_eq!(settings.function_name, "stack-PlaybackConfigApi");
        assert_eq!(State::read(EnvReader::from_pairs([("X", "y")])).unwrap().event_bus_name, None);
        let err =
            State::read(EnvReader::from_pairs([("EVENT_BUS_NAME", "a bus"), ("AWS_MAX_ATTEMPTS", "0")])).unwrap_err();
        let variables: Vec<&str> = err.issues.iter().map(|i| i.variable.as_str()).collect();
        assert!(variables.contains(&"EVENT_BUS_NAME") && variables.contains(&"AWS_MAX_ATTEMPTS"), "{err}");
    }

    #[test]
    fn precondition_failures_carry_the_current_etag() {
        let err = ApiError::PreconditionFailed { name: "c".into(), current: Some("\"abc\"".into()) };
        let response = err.to_response("r").unwrap();
        assert_eq!(response.status(), 412);
        assert_eq!(response.headers()[ETAG], "\"abc\"");
        let err = ApiError::PreconditionFailed { name: "c".into(), current: None };
        assert!(err.to_response("r").unwrap().headers().get(ETAG).is_none());
        assert!(err.to_string().contains("does not exist"), "{err}");
    }

    #[test]
    fn hosts_for_logs() {
        assert_eq!(host_of("https://ads.example.com/vast?key=secret"), "ads.example.com");
        assert_eq!(host_of("https://user:secret@ads.example.com:8443/v"), "ads.example.com");
        assert_eq!(host_of("http://[2001:db8::1]:80/x"), "2001:db8::1");
        assert_eq!(host_of("https://ads.example.com?x=y"), "ads.example.com");
    }

    #[test]
    fn retry_after_rounds_up_to_whole_seconds() {
        assert_eq!(retry_after_seconds(Duration::from_millis(1)), 1);
        assert_eq!(retry_after_seconds(Duration::from_millis(1000)), 1);
        assert_eq!(retry_after_seconds(Duration::from_millis(1001)), 2);
        assert_eq!(retry_after_seconds(Duration::ZERO), 1);
    }

    fn aws(class: ErrorClass, status: Option<u16>) -> AwsCallError {
        AwsCallError {
            operation: "GetPlaybackConfiguration",
            class,
            status,
            code: status.map(|_| "SomeException".into()),
            message: "m".into(),
        }
    }

    #[test]
    fn mediatailor_failures_map_to_honest_statuses() {
        let n = name("c");
        let status = |e: AwsCallError| ApiError::from_aws(&e, Some(&n), 3).status().as_u16();
        assert_eq!(status(aws(ErrorClass::Throttled, Some(429))), 429);
        assert_eq!(status(aws(ErrorClass::NotFound, Some(404))), 404);
        assert_eq!(status(aws(ErrorClass::Conflict, Some(409))), 409);
        assert_eq!(status(aws(ErrorClass::Invalid, Some(400))), 400);
        assert_eq!(status(aws(ErrorClass::Invalid, None)), 500);
        assert_eq!(status(aws(ErrorClass::Retryable, Some(500))), 502);
        assert_eq!(status(aws(ErrorClass::Retryable, None)), 502);
        assert_eq!(status(aws(ErrorClass::Other, Some(403))), 502);
        let err = ApiError::from_aws(&aws(ErrorClass::NotFound, Some(404)), None, 1);
        assert_eq!(err.status(), StatusCode::BAD_GATEWAY);
    }

    #[test]
    fn error_bodies_have_one_shape() {
        let err = ApiError::invalid("maxResults", "too big");
        let response = err.to_response("req-1").unwrap();
        assert_eq!(response.status(), 400);
        let body: Value = serde_json::from_slice(response.body().as_ref()).unwrap();
        assert_eq!(
            body,
            json!({"error": {"code": "ValidationError", "message": "too big", "field": "maxResults", "requestId": "req-1"}})
        );
        let response = ApiError::Throttled { operation: "X", retry_after: 4 }.to_response("r").unwrap();
        assert_eq!(response.headers()[RETRY_AFTER], "4");
        let response = ApiError::MethodNotAllowed { method: "POST".into(), allow: "GET" }.to_response("r").unwrap();
        assert_eq!(response.headers()[ALLOW], "GET");
        let body: Value = serde_json::from_slice(response.body().as_ref()).unwrap();
        assert!(body["error"].get("field").is_none());
    }

    #[test]
    fn the_openapi_document_is_json_and_names_every_route() {
        let doc: Value = serde_json::from_str(OPENAPI).unwrap();
        assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
        for route in [Route::List, Route::Item("x".into()), Route::OpenApi] {
            assert!(doc["paths"].get(route.template()).is_some(), "{}", route.template());
        }
    }
}
