//! The MediaTailor API (REST-JSON, signing name `mediatailor`), as the current service model
//! (`aws-sdk-mediatailor` 1.138) defines it: its 48 operations' paths, methods, status codes and
//! members, with the seed API's ranges and rules where the model does not widen them.

mod alerts;
mod manifest;
mod media;
pub mod model;
mod names;
mod ops;
mod origin;
mod playback;
mod playback_configuration;
pub mod schedule;
mod shape;
mod shapes_playback;
mod store;
mod validate;

use std::path::PathBuf;
use std::sync::Mutex;

use axum::body::to_bytes;
use axum::extract::Request;
use axum::http::{Method, StatusCode};
use axum::response::Response;

use crate::s3::MediaStore;
use crate::{EmulatorError, lock, wire};

pub use alerts::InjectAlert;
pub use store::Store;

pub(crate) use playback::is_playback_path;

/// The largest request body accepted (MediaTailor's ad decision server URLs alone may be 25 KB).
const MAX_BODY: usize = 2 * 1024 * 1024;

/// Where and how the MediaTailor side runs.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Region in ARNs.
    pub region: String,
    /// Account in ARNs.
    pub account: String,
    /// The emulator's base URL, for generated playback URLs.
    pub base_url: String,
    /// The media folder.
    pub media_dir: PathBuf,
    /// Persist state here.
    pub state_file: Option<PathBuf>,
}

/// A MediaTailor error: status, `x-amzn-ErrorType` and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Error type, e.g. `BadRequestException`.
    pub kind: &'static str,
    /// The message, naming the member at fault.
    pub message: String,
}

impl ApiError {
    /// 400 `BadRequestException`.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self { status: StatusCode::BAD_REQUEST, kind: "BadRequestException", message: message.into() }
    }

    /// 404 `NotFoundException`.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self { status: StatusCode::NOT_FOUND, kind: "NotFoundException", message: message.into() }
    }

    fn into_response(self) -> Response {
        wire::rest_json_error(self.status, self.kind, &self.message)
    }
}

impl From<wire::FieldError> for ApiError {
    fn from(err: wire::FieldError) -> Self {
        Self::bad_request(err.to_string())
    }
}

/// One MediaTailor operation with its path parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Op {
    CreateChannel(String),
    DescribeChannel(String),
    UpdateChannel(String),
    DeleteChannel(String),
    ListChannels,
    StartChannel(String),
    StopChannel(String),
    GetChannelSchedule(String),
    PutChannelPolicy(String),
    GetChannelPolicy(String),
    DeleteChannelPolicy(String),
    CreateProgram(String, String),
    DescribeProgram(String, String),
    DeleteProgram(String, String),
    UpdateProgram(String, String),
    ConfigureLogsForChannel,
    CreateSourceLocation(String),
    DescribeSourceLocation(String),
    UpdateSourceLocation(String),
    DeleteSourceLocation(String),
    ListSourceLocations,
    CreateVodSource(String, String),
    DescribeVodSource(String, String),
    UpdateVodSource(String, String),
    DeleteVodSource(String, String),
    ListVodSources(String),
    CreateLiveSource(String, String),
    DescribeLiveSource(String, String),
    UpdateLiveSource(String, String),
    DeleteLiveSource(String, String),
    ListLiveSources(String),
    PutPlaybackConfiguration,
    GetPlaybackConfiguration(String),
    DeletePlaybackConfiguration(String),
    ListPlaybackConfigurations,
    ConfigureLogsForPlaybackConfiguration,
    CreatePrefetchSchedule(String, String),
    GetPrefetchSchedule(String, String),
    DeletePrefetchSchedule(String, String),
    ListPrefetchSchedules(String),
    ListAlerts,
    TagResource(String),
    UntagResource(String),
    ListTagsForResource(String),
    PutFunction(String),
    GetFunction(String),
    DeleteFunction(String),
    ListFunctions,
}

impl Op {
    /// Parses `method path` (path segments percent-decoded one by one).
    pub(crate) fn parse(method: &Method, path: &str) -> Option<Self> {
        let segments: Vec<String> = path.trim_start_matches('/').split('/').map(|s| wire::decode(s, false)).collect();
        let s: Vec<&str> = segments.iter().map(String::as_str).collect();
        let m = method.clone();
        let own = |x: &str| x.to_owned();
        Some(match (m, s.as_slice()) {
            (Method::GET, ["channels"]) => Self::ListChannels,
            (Method::POST, ["channel", c]) => Self::CreateChannel(own(c)),
            (Method::GET, ["channel", c]) => Self::DescribeChannel(own(c)),
            (Method::PUT, ["channel", c]) => Self::UpdateChannel(own(c)),
            (Method::DELETE, ["channel", c]) => Self::DeleteChannel(own(c)),
            (Method::PUT, ["channel", c, "start"]) => Self::StartChannel(own(c)),
            (Method::PUT, ["channel", c, "stop"]) => Self::StopChannel(own(c)),
            (Method::GET, ["channel", c, "schedule"]) => Self::GetChannelSchedule(own(c)),
            (Method::PUT, ["channel", c, "policy"]) => Self::PutChannelPolicy(own(c)),
            (Method::GET, ["channel", c, "policy"]) => Self::GetChannelPolicy(own(c)),
            (Method::DELETE, ["channel", c, "policy"]) => Self::DeleteChannelPolicy(own(c)),
            (Method::POST, ["channel", c, "program", p]) => Self::CreateProgram(own(c), own(p)),
            (Method::GET, ["channel", c, "program", p]) => Self::DescribeProgram(own(c), own(p)),
            (Method::DELETE, ["channel", c, "program", p]) => Self::DeleteProgram(own(c), own(p)),
            (Method::PUT, ["channel", c, "program", p]) => Self::UpdateProgram(own(c), own(p)),
            (Method::PUT, ["configureLogs", "channel"]) => Self::ConfigureLogsForChannel,
            (Method::PUT, ["configureLogs", "playbackConfiguration"]) => Self::ConfigureLogsForPlaybackConfiguration,
            (Method::GET, ["sourceLocations"]) => Self::ListSourceLocations,
            (Method::POST, ["sourceLocation", l]) => Self::CreateSourceLocation(own(l)),
            (Method::GET, ["sourceLocation", l]) => Self::DescribeSourceLocation(own(l)),
            (Method::PUT, ["sourceLocation", l]) => Self::UpdateSourceLocation(own(l)),
            (Method::DELETE, ["sourceLocation", l]) => Self::DeleteSourceLocation(own(l)),
            (Method::GET, ["sourceLocation", l, "vodSources"]) => Self::ListVodSources(own(l)),
            (Method::POST, ["sourceLocation", l, "vodSource", v]) => Self::CreateVodSource(own(l), own(v)),
            (Method::GET, ["sourceLocation", l, "vodSource", v]) => Self::DescribeVodSource(own(l), own(v)),
            (Method::PUT, ["sourceLocation", l, "vodSource", v]) => Self::UpdateVodSource(own(l), own(v)),
            (Method::DELETE, ["sourceLocation", l, "vodSource", v]) => Self::DeleteVodSource(own(l), own(v)),
            (Method::GET, ["sourceLocation", l, "liveSources"]) => Self::ListLiveSources(own(l)),
            (Method::POST, ["sourceLocation", l, "liveSource", v]) => Self::CreateLiveSource(own(l), own(v)),
            (Method::GET, ["sourceLocation", l, "liveSource", v]) => Self::DescribeLiveSource(own(l), own(v)),
            (Method::PUT, ["sourceLocation", l, "liveSource", v]) => Self::UpdateLiveSource(own(l), own(v)),
            (Method::DELETE, ["sourceLocation", l, "liveSource", v]) => Self::DeleteLiveSource(own(l), own(v)),
            (Method::POST, ["prefetchSchedule", c]) => Self::ListPrefetchSchedules(own(c)),
            (Method::POST, ["prefetchSchedule", c, n]) => Self::CreatePrefetchSchedule(own(c), own(n)),
            (Method::GET, ["prefetchSchedule", c, n]) => Self::GetPrefetchSchedule(own(c), own(n)),
            (Method::DELETE, ["prefetchSchedule", c, n]) => Self::DeletePrefetchSchedule(own(c), own(n)),
            (Method::GET, ["functions"]) => Self::ListFunctions,
            (Method::PUT, ["function", f]) => Self::PutFunction(own(f)),
            (Method::GET, ["function", f]) => Self::GetFunction(own(f)),
            (Method::DELETE, ["function", f]) => Self::DeleteFunction(own(f)),
            (Method::PUT, ["playbackConfiguration"]) => Self::PutPlaybackConfiguration,
            (Method::GET, ["playbackConfiguration", n]) => Self::GetPlaybackConfiguration(own(n)),
            (Method::DELETE, ["playbackConfiguration", n]) => Self::DeletePlaybackConfiguration(own(n)),
            (Method::GET, ["playbackConfigurations"]) => Self::ListPlaybackConfigurations,
            (Method::GET, ["alerts"]) => Self::ListAlerts,
            (Method::POST, ["tags", arn]) => Self::TagResource(own(arn)),
            (Method::DELETE, ["tags", arn]) => Self::UntagResource(own(arn)),
            (Method::GET, ["tags", arn]) => Self::ListTagsForResource(own(arn)),
            _ => return None,
        })
    }

    /// The operation's name in the service model.
    pub(crate) fn name(&self) -> &'static str {
        match self {
            Self::CreateChannel(_) => "CreateChannel",
            Self::DescribeChannel(_) => "DescribeChannel",
            Self::UpdateChannel(_) => "UpdateChannel",
            Self::DeleteChannel(_) => "DeleteChannel",
            Self::ListChannels => "ListChannels",
            Self::StartChannel(_) => "StartChannel",
            Self::StopChannel(_) => "StopChannel",
            Self::GetChannelSchedule(_) => "GetChannelSchedule",
            Self::PutChannelPolicy(_) => "PutChannelPolicy",
            Self::GetChannelPolicy(_) => "GetChannelPolicy",
            Self::DeleteChannelPolicy(_) => "DeleteChannelPolicy",
            Self::CreateProgram(..) => "CreateProgram",
            Self::DescribeProgram(..) => "DescribeProgram",
            Self::DeleteProgram(..) => "DeleteProgram",
            Self::UpdateProgram(..) => "UpdateProgram",
            Self::ConfigureLogsForChannel => "ConfigureLogsForChannel",
            Self::CreateLiveSource(..) => "CreateLiveSource",
            Self::DescribeLiveSource(..) => "DescribeLiveSource",
            Self::UpdateLiveSource(..) => "UpdateLiveSource",
            Self::DeleteLiveSource(..) => "DeleteLiveSource",
            Self::ListLiveSources(_) => "ListLiveSources",
            Self::ConfigureLogsForPlaybackConfiguration => "ConfigureLogsForPlaybackConfiguration",
            Self::CreatePrefetchSchedule(..) => "CreatePrefetchSchedule",
            Self::GetPrefetchSchedule(..) => "GetPrefetchSchedule",
            Self::DeletePrefetchSchedule(..) => "DeletePrefetchSchedule",
            Self::ListPrefetchSchedules(_) => "ListPrefetchSchedules",
            Self::PutFunction(_) => "PutFunction",
            Self::GetFunction(_) => "GetFunction",
            Self::DeleteFunction(_) => "DeleteFunction",
            Self::ListFunctions => "ListFunctions",
            Self::CreateSourceLocation(_) => "CreateSourceLocation",
            Self::DescribeSourceLocation(_) => "DescribeSourceLocation",
            Self::UpdateSourceLocation(_) => "UpdateSourceLocation",
            Self::DeleteSourceLocation(_) => "DeleteSourceLocation",
            Self::ListSourceLocations => "ListSourceLocations",
            Self::CreateVodSource(..) => "CreateVodSource",
            Self::DescribeVodSource(..) => "DescribeVodSource",
            Self::UpdateVodSource(..) => "UpdateVodSource",
            Self::DeleteVodSource(..) => "DeleteVodSource",
            Self::ListVodSources(_) => "ListVodSources",
            Self::PutPlaybackConfiguration => "PutPlaybackConfiguration",
            Self::GetPlaybackConfiguration(_) => "GetPlaybackConfiguration",
            Self::DeletePlaybackConfiguration(_) => "DeletePlaybackConfiguration",
            Self::ListPlaybackConfigurations => "ListPlaybackConfigurations",
            Self::ListAlerts => "ListAlerts",
            Self::TagResource(_) => "TagResource",
            Self::UntagResource(_) => "UntagResource",
            Self::ListTagsForResource(_) => "ListTagsForResource",
        }
    }

    /// Whether the operation changes resources (and so is persisted, or rolled back when that
    /// fails). ListAlerts is handled apart: it only records when computed alerts were first seen.
    fn mutates(&self) -> bool {
        !matches!(
            self,
            Self::DescribeChannel(_)
                | Self::ListChannels
                | Self::GetChannelSchedule(_)
                | Self::GetChannelPolicy(_)
                | Self::DescribeProgram(..)
                | Self::DescribeSourceLocation(_)
                | Self::ListSourceLocations
                | Self::DescribeVodSource(..)
                | Self::ListVodSources(_)
                | Self::GetPlaybackConfiguration(_)
                | Self::ListPlaybackConfigurations
                | Self::ListTagsForResource(_)
                | Self::ListAlerts
                | Self::DescribeLiveSource(..)
                | Self::ListLiveSources(_)
                | Self::GetPrefetchSchedule(..)
                | Self::ListPrefetchSchedules(_)
                | Self::GetFunction(_)
                | Self::ListFunctions
        )
    }
}

/// The operation at `method path`, for call counts and per-operation faults.
pub fn operation_name(method: &Method, path: &str) -> Option<&'static str> {
    Op::parse(method, path).map(|op| op.name())
}

/// The MediaTailor service: settings and the store behind one lock.
pub struct MediaTailor {
    settings: Settings,
    store: Mutex<Store>,
}

/// What one operation produced: a status and a JSON body (or none for 204).
pub(crate) struct Answer {
    pub(crate) status: StatusCode,
    pub(crate) body: Option<serde_json::Value>,
}

impl Answer {
    pub(crate) fn ok(body: serde_json::Value) -> Self {
        Self { status: StatusCode::OK, body: Some(body) }
    }
    pub(crate) fn empty(status: StatusCode) -> Self {
        Self { status, body: if status == StatusCode::NO_CONTENT { None } else { Some(serde_json::json!({})) } }
    }
}

impl MediaTailor {
    /// Loads the state file, if any.
    pub fn new(settings: Settings) -> Result<Self, EmulatorError> {
        let store = match &settings.state_file {
            Some(path) => Store::load(path).map_err(|reason| EmulatorError::State { path: path.clone(), reason })?,
            None => Store::default(),
        };
        let mut store = store;
        // Playback URLs point at this emulator, which may listen elsewhere than the one that saved.
        for record in store.channels.values_mut() {
            let name = record.channel.channel_name.clone();
            for output in &mut record.channel.outputs {
                output.playback_url = ops::playback_url(&settings.base_url, &name, output);
            }
        }
        Ok(Self { settings, store: Mutex::new(store) })
    }

    /// Answers a signed MediaTailor request.
    pub async fn handle(&self, req: Request, media: &MediaStore) -> Response {
        let (parts, body) = req.into_parts();
        let Some(op) = Op::parse(&parts.method, parts.uri.path()) else {
            return ApiError::not_found(format!("no operation at {} {}", parts.method, parts.uri.path()))
                .into_response();
        };
        let Ok(body) = to_bytes(body, MAX_BODY).await else {
            return ApiError {
                status: StatusCode::PAYLOAD_TOO_LARGE,
                kind: "BadRequestException",
                message: format!("the request body is larger than {MAX_BODY} bytes"),
            }
            .into_response();
        };
        let query = wire::query_pairs(parts.uri.query());
        let ctx = ops::Context { settings: &self.settings, media, now: wire::now_epoch() };
        match self.run(&ctx, &op, &query, &body) {
            Ok(Answer { status, body: Some(body) }) => wire::json(status, &body),
            Ok(Answer { status, body: None }) => axum::response::IntoResponse::into_response(status),
            Err(err) => {
                tracing::debug!(operation = op.name(), status = %err.status, message = %err.message, "request refused");
                err.into_response()
            }
        }
    }

    /// Runs `op` under the store's lock, persisting what it changed.
    fn run(&self, ctx: &ops::Context<'_>, op: &Op, query: &wire::Query, body: &[u8]) -> Result<Answer, ApiError> {
        let mut store = lock(&self.store);
        // Kept only to roll back a change that cannot be persisted.
        let before = (op.mutates() && self.settings.state_file.is_some()).then(|| store.clone());
        let first_seen_before = (*op == Op::ListAlerts).then(|| store.alert_first_seen.clone());
        let result = ops::execute(ops::Call { ctx, store: &mut store, query, body }, op);
        // ListAlerts records when computed alerts were first seen; persist only when that changed.
        if first_seen_before.is_some_and(|before| before != store.alert_first_seen)
            && let Some(path) = &self.settings.state_file
            && let Err(err) = store.save(path)
        {
            tracing::error!(error = %err, path = %path.display(), "cannot persist alert times");
        }
        let (Ok(_), Some(before), Some(path)) = (&result, before, &self.settings.state_file) else { return result };
        // Nothing is half-applied: a change that cannot be persisted is rolled back.
        if let Err(err) = store.save(path) {
            *store = before;
            tracing::error!(error = %err, path = %path.display(), "cannot persist state");
            return Err(ApiError {
                status: StatusCode::INTERNAL_SERVER_ERROR,
                kind: "InternalServerErrorException",
                message: format!("cannot persist state: {err}"),
            });
        }
        result
    }

    /// Adds alerts (the test-only `POST /_local/alerts`).
    pub fn inject_alerts(&self, alerts: Vec<InjectAlert>) -> Result<usize, ApiError> {
        let now = wire::now_epoch();
        let mut store = lock(&self.store);
        let count = alerts.len();
        for alert in alerts {
            store.injected_alerts.push(alert.into_alert(now)?);
        }
        self.persist(&store);
        Ok(count)
    }

    /// Removes injected alerts, all or those of one resource; returns how many.
    pub fn clear_alerts(&self, resource_arn: Option<&str>) -> usize {
        let mut store = lock(&self.store);
        let before = store.injected_alerts.len();
        store.injected_alerts.retain(|a| resource_arn.is_some_and(|arn| a.resource_arn != arn));
        let removed = before - store.injected_alerts.len();
        self.persist(&store);
        removed
    }

    /// A copy of the whole store, for `GET /_local/state`.
    pub fn snapshot(&self) -> Store {
        lock(&self.store).clone()
    }

    fn persist(&self, store: &Store) {
        if let Some(path) = &self.settings.state_file
            && let Err(err) = store.save(path)
        {
            tracing::error!(error = %err, path = %path.display(), "cannot persist state");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_path_of_the_model() {
        let cases = [
            (Method::POST, "/channel/c1", "CreateChannel"),
            (Method::PUT, "/channel/c1/start", "StartChannel"),
            (Method::GET, "/channel/c1/schedule", "GetChannelSchedule"),
            (Method::POST, "/channel/c1/program/p1", "CreateProgram"),
            (Method::GET, "/sourceLocation/s/vodSources", "ListVodSources"),
            (Method::DELETE, "/sourceLocation/s/vodSource/v", "DeleteVodSource"),
            (Method::PUT, "/playbackConfiguration", "PutPlaybackConfiguration"),
            (Method::DELETE, "/playbackConfiguration/x", "DeletePlaybackConfiguration"),
            (Method::GET, "/playbackConfigurations", "ListPlaybackConfigurations"),
            (Method::GET, "/alerts", "ListAlerts"),
            (Method::PUT, "/channel/c1/program/p1", "UpdateProgram"),
            (Method::PUT, "/configureLogs/channel", "ConfigureLogsForChannel"),
            (Method::PUT, "/configureLogs/playbackConfiguration", "ConfigureLogsForPlaybackConfiguration"),
            (Method::POST, "/sourceLocation/s/liveSource/l", "CreateLiveSource"),
            (Method::GET, "/sourceLocation/s/liveSources", "ListLiveSources"),
            (Method::POST, "/prefetchSchedule/pc/p", "CreatePrefetchSchedule"),
            (Method::POST, "/prefetchSchedule/pc", "ListPrefetchSchedules"),
            (Method::DELETE, "/prefetchSchedule/pc/p", "DeletePrefetchSchedule"),
            (Method::PUT, "/function/f", "PutFunction"),
            (Method::GET, "/functions", "ListFunctions"),
            (Method::GET, "/tags/arn%3Aaws%3Amediatailor%3Aus-east-1%3A1%3AvodSource%2Fs%2Fv", "ListTagsForResource"),
        ];
        for (method, path, name) in cases {
            assert_eq!(operation_name(&method, path), Some(name), "{method} {path}");
        }
        assert_eq!(operation_name(&Method::PATCH, "/channel/c1"), None);
        assert_eq!(operation_name(&Method::GET, "/nothing"), None);
    }

    #[test]
    fn decodes_the_arn_in_the_tags_path() {
        let op = Op::parse(&Method::GET, "/tags/arn%3Aaws%3Amediatailor%3Aus-east-1%3A1%3AvodSource%2Fs%2Fv").unwrap();
        assert_eq!(op, Op::ListTagsForResource("arn:aws:mediatailor:us-east-1:1:vodSource/s/v".into()));
    }
}
