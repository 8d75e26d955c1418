//! The one HTTP front door: routes each request to MediaTailor, EventBridge, S3, the plain HTTP
//! origin, the console (`GET /`) or the test-only `/_local/` API, and injects faults on the way.

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::Response;

use crate::faults::Injected;
use crate::{App, console, eventbridge, local_api, lock, mediatailor, s3, wire};

/// The services the emulator answers for, by SigV4 signing name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Service {
    MediaTailor,
    EventBridge,
    S3,
}

pub(crate) fn router(app: App) -> Router {
    Router::new().fallback(move |req: Request| {
        let app = app.clone();
        async move { dispatch(app, req).await }
    })
}

/// The signing name in the credential scope of a SigV4 (or SigV4a) `Authorization` header.
fn signing_name(headers: &HeaderMap) -> Option<String> {
    let auth = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let credential = auth.split([' ', ',']).find_map(|part| part.trim().strip_prefix("Credential="))?;
    // AKID/DATE/REGION/SERVICE/aws4_request (SigV4a omits the region): the service is second to last.
    let parts: Vec<&str> = credential.split('/').collect();
    (parts.len() >= 4).then(|| parts[parts.len() - 2].to_owned())
}

/// The request-id header each service answers with: S3 spells it `x-amz-request-id`, MediaTailor
/// and EventBridge `x-amzn-RequestId`.
fn request_id_header(service: Service) -> &'static str {
    match service {
        Service::S3 => "x-amz-request-id",
        Service::MediaTailor | Service::EventBridge => "x-amzn-RequestId",
    }
}

/// Answers a request, stamping the service's request id on whatever answered it (faults and
/// refusals included), as AWS does on every response.
async fn dispatch(app: App, req: Request) -> Response {
    let service = service_of(req.headers());
    let request_id = uuid::Uuid::new_v4().to_string();
    let mut response = route(app, req).await;
    let Some(service) = service else { return response };
    if service == Service::S3 && response.status().as_u16() >= 400 {
        response = s3_error_with_request_id(response, &request_id).await;
    }
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert(request_id_header(service), value.clone());
        if service == Service::S3 {
            // S3 pairs the request id with an extended id; clients log both.
            response.headers_mut().insert("x-amz-id-2", value);
        }
    }
    response
}

/// The service a request is signed for, when it is one the emulator serves.
fn service_of(headers: &HeaderMap) -> Option<Service> {
    match signing_name(headers).as_deref() {
        Some("mediatailor") => Some(Service::MediaTailor),
        Some("events") => Some(Service::EventBridge),
        Some("s3") => Some(Service::S3),
        _ => None,
    }
}

/// S3 puts the request id in its XML error body too (`<RequestId>`, `<HostId>`); s3s and the
/// emulator's own S3 errors leave it out, so it is added before `</Error>`.
async fn s3_error_with_request_id(response: Response, request_id: &str) -> Response {
    let is_xml =
        response.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("xml"));
    if !is_xml {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    // Error bodies are small; anything unreadable is answered as it came.
    let Ok(bytes) = axum::body::to_bytes(body, 1024 * 1024).await else {
        return Response::from_parts(parts, axum::body::Body::empty());
    };
    let text = String::from_utf8_lossy(&bytes);
    let body = match text.rfind("</Error>") {
        Some(end) if !text.contains("<RequestId>") => {
            format!("{}<RequestId>{request_id}</RequestId><HostId>{request_id}</HostId>{}", &text[..end], &text[end..])
        }
        _ => text.into_owned(),
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, axum::body::Body::from(body))
}

async fn route(app: App, req: Request) -> Response {
    let path = req.uri().path().to_owned();
    if path == "/_local" || path.starts_with("/_local/") {
        return local_api::handle(app, req).await;
    }
    let service = match signing_name(req.headers()).as_deref() {
        Some("mediatailor") => Service::MediaTailor,
        Some("events") => Service::EventBridge,
        Some("s3") => Service::S3,
        Some(other) => {
            return wire::rest_json_error(
                StatusCode::BAD_REQUEST,
                "UnknownServiceException",
                &format!("mediatailor-local serves mediatailor, events and s3; this request is signed for {other:?}"),
            );
        }
        // The console page and its assets (console.rs), unsigned like `/_local/`.
        None if console::is_console_path(req.method(), &path) => {
            return console::serve(req.method(), &path);
        }
        None if matches!(*req.method(), Method::GET | Method::HEAD) && path.starts_with("/origin/") => {
            return app.s3.serve_origin(req).await;
        }
        // Channel playback (mediatailor/playback), unsigned like the service's playback endpoint.
        None if matches!(*req.method(), Method::GET | Method::HEAD) && mediatailor::is_playback_path(&path) => {
            return app.mediatailor.playback(&path, &app.s3);
        }
        None => {
            return wire::rest_json_error(
                StatusCode::FORBIDDEN,
                "MissingAuthenticationTokenException",
                "Missing Authentication Token: sign the request with SigV4 (any key is accepted)",
            );
        }
    };
    let operation = match service {
        Service::MediaTailor => mediatailor::operation_name(req.method(), &path),
        Service::EventBridge => eventbridge::operation_name(req.headers()),
        Service::S3 => Some(s3::operation_name(req.method(), &path, req.uri().query())),
    };
    let Some(operation) = operation else { return unknown_operation(service, req.method(), &path) };
    *lock(&app.calls).entry(operation.to_owned()).or_default() += 1;
    let (latency, injected) = lock(&app.faults).decide(operation);
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    if injected != Injected::Nothing {
        tracing::debug!(operation, ?injected, "fault injected");
        return fault_response(service, injected);
    }
    match service {
        Service::MediaTailor => app.mediatailor.handle(req, &app.s3).await,
        Service::EventBridge => eventbridge::handle(&app, req).await,
        Service::S3 => app.s3.handle(req).await,
    }
}

/// A signed request that names no operation of its service.
fn unknown_operation(service: Service, method: &Method, path: &str) -> Response {
    match service {
        Service::EventBridge => wire::aws_json_error(
            StatusCode::BAD_REQUEST,
            "UnknownOperationException",
            "mediatailor-local implements only AWSEvents.PutEvents",
        ),
        _ => wire::rest_json_error(
            StatusCode::NOT_FOUND,
            "UnknownOperationException",
            &format!("no MediaTailor operation at {method} {path}"),
        ),
    }
}

fn fault_response(service: Service, injected: Injected) -> Response {
    let throttled = injected == Injected::Throttle;
    match (service, throttled) {
        (Service::MediaTailor, true) => wire::rest_json_error(
            StatusCode::TOO_MANY_REQUESTS,
            "TooManyRequestsException",
            "Too many requests (injected)",
        ),
        (Service::MediaTailor, false) => wire::rest_json_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalServerErrorException",
            "Internal server error (injected)",
        ),
        (Service::EventBridge, true) => {
            wire::aws_json_error(StatusCode::BAD_REQUEST, "ThrottlingException", "Rate exceeded (injected)")
        }
        (Service::EventBridge, false) => {
            wire::aws_json_error(StatusCode::INTERNAL_SERVER_ERROR, "InternalException", "Internal error (injected)")
        }
        (Service::S3, true) => wire::s3_xml_error(
            StatusCode::SERVICE_UNAVAILABLE,
            "SlowDown",
            "Please reduce your request rate (injected)",
        ),
        (Service::S3, false) => wire::s3_xml_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalError",
            "We encountered an internal error (injected)",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(auth: &str) -> HeaderMap {
        let mut map = HeaderMap::new();
        map.insert(header::AUTHORIZATION, auth.parse().unwrap());
        map
    }

    #[test]
    fn reads_the_signing_name() {
        let v4 = "AWS4-HMAC-SHA256 Credential=AKID/20261125/us-east-1/mediatailor/aws4_request, SignedHeaders=host, Signature=abc";
        assert_eq!(signing_name(&headers(v4)).as_deref(), Some("mediatailor"));
        let v4a = "AWS4-ECDSA-P256-SHA256 Credential=AKID/20261125/s3/aws4_request, SignedHeaders=host, Signature=abc";
        assert_eq!(signing_name(&headers(v4a)).as_deref(), Some("s3"));
        assert_eq!(signing_name(&headers("Bearer x")), None);
        assert_eq!(signing_name(&HeaderMap::new()), None);
    }
}
