//! Small helpers for answering in AWS's wire formats.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use percent_encoding::percent_decode_str;
use serde::Serialize;

/// A JSON answer with `status`.
pub(crate) fn json(status: StatusCode, body: &impl Serialize) -> Response {
    match serde_json::to_vec(body) {
        Ok(bytes) => {
            (status, [(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], bytes).into_response()
        }
        Err(err) => {
            rest_json_error(StatusCode::INTERNAL_SERVER_ERROR, "InternalServerErrorException", &err.to_string())
        }
    }
}

/// A REST-JSON error as AWS sends it: the type in `x-amzn-ErrorType`, the message in the body.
pub(crate) fn rest_json_error(status: StatusCode, error_type: &str, message: &str) -> Response {
    let body = serde_json::json!({ "Message": message });
    let mut response = json(status, &body);
    if let Ok(value) = HeaderValue::from_str(error_type) {
        response.headers_mut().insert("x-amzn-ErrorType", value);
    }
    response
}

/// An awsJson1.1 error (EventBridge): the type in `__type`.
pub(crate) fn aws_json_error(status: StatusCode, error_type: &str, message: &str) -> Response {
    let body = serde_json::json!({ "__type": error_type, "message": message });
    let mut response = json(status, &body);
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/x-amz-json-1.1"));
    response
}

/// An S3 XML error.
pub(crate) fn s3_xml_error(status: StatusCode, code: &str, message: &str) -> Response {
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>{}</Message></Error>",
        message.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
    );
    (status, [(header::CONTENT_TYPE, HeaderValue::from_static("application/xml"))], body).into_response()
}

/// Decodes one percent-encoded path segment or query component (`+` is a space in queries).
pub(crate) fn decode(component: &str, plus_is_space: bool) -> String {
    let replaced;
    let component = if plus_is_space {
        replaced = component.replace('+', " ");
        replaced.as_str()
    } else {
        component
    };
    percent_decode_str(component).decode_utf8_lossy().into_owned()
}

/// The decoded pairs of a query string, in order, repeated keys kept.
pub(crate) fn query_pairs(query: Option<&str>) -> Vec<(String, String)> {
    query
        .unwrap_or_default()
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(key, true), decode(value, true))
        })
        .collect()
}

/// Seconds since the epoch with millisecond precision: MediaTailor's `unixTimestamp`.
pub(crate) fn now_epoch() -> f64 {
    let millis = chrono::Utc::now().timestamp_millis();
    millis as f64 / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_pairs_decode_and_keep_repeats() {
        let pairs = query_pairs(Some("tagKeys=a&tagKeys=b%20c&maxResults=5&x=1+2&flag"));
        assert_eq!(
            pairs,
            vec![
                ("tagKeys".into(), "a".into()),
                ("tagKeys".into(), "b c".into()),
                ("maxResults".into(), "5".into()),
                ("x".into(), "1 2".into()),
                ("flag".into(), String::new()),
            ]
        );
    }

    #[test]
    fn path_segments_keep_plus() {
        assert_eq!(decode("arn%3Aaws%3Amediatailor%2Fa+b", false), "arn:aws:mediatailor/a+b");
    }
}
