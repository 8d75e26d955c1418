//! The test-only API under `/_local/`: health, recorded events, alert injection, faults, call
//! counts and a snapshot of the state. Unsigned, loopback-only like the rest of the emulator.

use axum::body::to_bytes;
use axum::extract::Request;
use axum::http::{Method, StatusCode};
use axum::response::Response;
use serde_json::json;

use crate::faults::{FaultConfig, Faults};
use crate::mediatailor::InjectAlert;
use crate::{App, lock, wire};

const MAX_BODY: usize = 1024 * 1024;

fn error(status: StatusCode, message: &str) -> Response {
    wire::json(status, &json!({ "error": message }))
}

pub(crate) async fn handle(app: App, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let path = parts.uri.path().trim_end_matches('/').to_owned();
    let query = wire::query_pairs(parts.uri.query());
    let body = match to_bytes(body, MAX_BODY).await {
        Ok(body) => body,
        Err(_) => return error(StatusCode::PAYLOAD_TOO_LARGE, "body over 1 MiB"),
    };
    match (parts.method, path.as_str()) {
        (Method::GET, "/_local/health") => wire::json(StatusCode::OK, &json!({ "status": "ok" })),
        (Method::GET, "/_local/events") => wire::json(StatusCode::OK, &app.events.events()),
        (Method::DELETE, "/_local/events") => {
            app.events.clear();
            axum::response::IntoResponse::into_response(StatusCode::NO_CONTENT)
        }
        (Method::POST, "/_local/alerts") => {
            // One alert object, or a list of them.
            let alerts = match serde_json::from_slice::<Vec<InjectAlert>>(&body) {
                Ok(list) => list,
                Err(_) => match serde_json::from_slice::<InjectAlert>(&body) {
                    Ok(one) => vec![one],
                    Err(err) => {
                        return error(
                            StatusCode::BAD_REQUEST,
                            &format!("expected an alert or a list of alerts: {err}"),
                        );
                    }
                },
            };
            match app.mediatailor.inject_alerts(alerts) {
                Ok(added) => wire::json(StatusCode::OK, &json!({ "added": added })),
                Err(err) => error(err.status, &err.message),
            }
        }
        (Method::DELETE, "/_local/alerts") => {
            let arn = query.iter().find(|(k, _)| k == "resourceArn").map(|(_, v)| v.as_str());
            let removed = app.mediatailor.clear_alerts(arn);
            wire::json(StatusCode::OK, &json!({ "removed": removed }))
        }
        (Method::GET, "/_local/faults") => wire::json(StatusCode::OK, lock(&app.faults).config()),
        (Method::PUT, "/_local/faults") => match serde_json::from_slice::<FaultConfig>(&body) {
            Ok(config) => match config.validate() {
                Ok(()) => {
                    *lock(&app.faults) = Faults::new(config.clone());
                    wire::json(StatusCode::OK, &config)
                }
                Err(message) => error(StatusCode::BAD_REQUEST, &message),
            },
            Err(err) => error(StatusCode::BAD_REQUEST, &format!("invalid fault configuration: {err}")),
        },
        (Method::GET, "/_local/calls") => wire::json(StatusCode::OK, &*lock(&app.calls)),
        (Method::DELETE, "/_local/calls") => {
            lock(&app.calls).clear();
            axum::response::IntoResponse::into_response(StatusCode::NO_CONTENT)
        }
        (Method::GET, "/_local/state") => wire::json(StatusCode::OK, &app.mediatailor.snapshot()),
        (method, _) => error(StatusCode::NOT_FOUND, &format!("no test endpoint at {method} {path}")),
    }
}
