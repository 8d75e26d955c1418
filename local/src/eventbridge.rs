//! EventBridge `PutEvents` (awsJson1.1). STUB: to be written.

use std::path::PathBuf;

use axum::extract::Request;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

use crate::{App, wire};

/// The events accepted so far.
pub struct EventBus {
    _log: Option<PathBuf>,
}

impl EventBus {
    /// A bus that also appends accepted events to `events_log` as JSON lines.
    pub fn new(events_log: Option<PathBuf>, _region: String, _account: String) -> Self {
        Self { _log: events_log }
    }

    /// Every accepted event.
    pub fn events(&self) -> Vec<serde_json::Value> {
        Vec::new()
    }

    /// Forgets every accepted event.
    pub fn clear(&self) {}
}

/// The operation named by `X-Amz-Target`.
pub fn operation_name(headers: &HeaderMap) -> Option<&'static str> {
    let target = headers.get("x-amz-target")?.to_str().ok()?;
    (target == "AWSEvents.PutEvents").then_some("PutEvents")
}

/// Answers a signed EventBridge request.
pub(crate) async fn handle(_app: &App, _req: Request) -> Response {
    wire::aws_json_error(StatusCode::NOT_IMPLEMENTED, "NotImplemented", "not yet")
}
