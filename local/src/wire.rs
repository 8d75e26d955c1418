//! The wire, in one place: reading requests (query strings, path segments, JSON bodies) and
//! answering in AWS's formats (REST-JSON, awsJson1.1 and S3 XML errors).

use std::fmt;
use std::marker::PhantomData;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use percent_encoding::percent_decode_str;
use serde::de::{DeserializeOwned, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

/// Decoded query pairs, in order, repeated keys kept.
pub(crate) type Query = [(String, String)];

/// One request member that is missing, malformed or out of bounds: where it is and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct FieldError {
    /// The member's path, e.g. `AvailSuppression.Value` or `Outputs[0].ManifestName`.
    pub field: String,
    /// What is wrong and what is expected.
    pub message: String,
}

impl FieldError {
    /// A new error for `field`.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self { field: field.into(), message: message.into() }
    }
}

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

/// The first value of `key` in `query`.
pub(crate) fn query_value<'q>(query: &'q Query, key: &str) -> Option<&'q str> {
    query.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

/// Every value of `key` in `query`, in order (e.g. UntagResource's repeated `tagKeys`).
pub(crate) fn query_values<'q>(query: &'q Query, key: &'q str) -> impl Iterator<Item = &'q str> {
    query.iter().filter(move |(k, _)| k == key).map(|(_, v)| v.as_str())
}

/// Parses a JSON body, where an empty (or all-whitespace) body is an empty object.
pub(crate) fn parse_body<T: DeserializeOwned + Default>(body: &[u8]) -> Result<T, FieldError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    parse_json(body)
}

/// Parses a JSON body, which must be an object, naming the member at fault for a wrong type or
/// an unknown member (AWS's validation messages name the member too).
pub(crate) fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, FieldError> {
    let mut de = serde_json::Deserializer::from_slice(body);
    let result: Result<ObjectOnly<T>, _> = serde_path_to_error::deserialize(&mut de);
    match result {
        Ok(ObjectOnly(value)) => {
            de.end().map(|()| value).map_err(|e| FieldError::new("(body)", format!("not valid JSON: {e}")))
        }
        Err(err) => Err(member_error(err)),
    }
}

/// The member a deserialisation error is about, with serde's message.
fn member_error(err: serde_path_to_error::Error<serde_json::Error>) -> FieldError {
    let path = err.path().to_string();
    let inner = err.into_inner();
    let message = inner.to_string();
    if inner.is_syntax() || inner.is_eof() {
        return FieldError::new("(body)", format!("not valid JSON: {message}"));
    }
    // At the top level serde reports the path as "." and names the member only in its message.
    let field = if path == "." || path.is_empty() {
        ["unknown field `", "duplicate field `"]
            .iter()
            .find_map(|prefix| message.strip_prefix(prefix))
            .and_then(|rest| rest.split('`').next())
            .unwrap_or("(body)")
            .to_owned()
    } else {
        path
    };
    FieldError::new(field, message)
}

/// `T` read only from a JSON object: serde's derived structs also accept an array, read
/// positionally, which would let `"Bumper": ["https://a", "https://b"]` through.
struct ObjectOnly<T>(T);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for ObjectOnly<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ObjectVisitor<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for ObjectVisitor<T> {
            type Value = T;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
                // The same MapAccess carries on, so member paths in errors stay exact.
                T::deserialize(serde::de::value::MapAccessDeserializer::new(map))
            }
        }
        deserializer.deserialize_map(ObjectVisitor(PhantomData)).map(ObjectOnly)
    }
}

/// An optional member that must be a JSON object when present (for `deserialize_with`).
pub(crate) fn object_only<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<ObjectOnly<T>>::deserialize(deserializer).map(|member| member.map(|ObjectOnly(value)| value))
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

    #[derive(Debug, Default, Deserialize)]
    #[serde(rename_all = "PascalCase", deny_unknown_fields)]
    struct Body {
        #[serde(default)]
        name: Option<String>,
    }

    #[test]
    fn bodies_name_the_member_at_fault() {
        assert_eq!(parse_body::<Body>(b"  ").unwrap().name, None);
        assert_eq!(parse_json::<Body>(br#"{"Nmae": "x"}"#).unwrap_err().field, "Nmae");
        assert_eq!(parse_json::<Body>(br#"{"Name": 7}"#).unwrap_err().field, "Name");
        assert_eq!(parse_json::<Body>(b"[1]").unwrap_err().field, "(body)");
        assert_eq!(parse_json::<Body>(b"{} trailing").unwrap_err().field, "(body)");
        assert_eq!(parse_json::<Body>(b"{\"Name\": ").unwrap_err().field, "(body)");
    }

    #[test]
    fn path_segments_keep_plus() {
        assert_eq!(decode("arn%3Aaws%3Amediatailor%2Fa+b", false), "arn:aws:mediatailor/a+b");
    }
}
