//! One classification of AWS SDK errors.
//!
//! Every function decides what to do with a failed call from its [`ErrorClass`] alone: retry it,
//! treat it as done, skip the resource, or report the input. MediaTailor's service model declares
//! only `BadRequestException`; on the wire it also answers `NotFoundException` (404) and
//! `TooManyRequestsException` (429), and reports a duplicate name as a 400 whose message says the
//! resource already exists. All of those are recognised here.

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

/// What a failed call means for the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorClass {
    /// The service refused the rate of calls: back off and retry.
    Throttled,
    /// A transient fault (5xx, timeout, connection): retry.
    Retryable,
    /// The resource does not exist.
    NotFound,
    /// The resource already exists or is in a state that forbids the call.
    Conflict,
    /// The request itself is wrong: fix the input, do not retry.
    Invalid,
    /// Anything else, e.g. access denied: not retried.
    Other,
}

impl ErrorClass {
    /// Whether retrying the same call may succeed.
    pub fn is_retryable(self) -> bool {
        matches!(self, Self::Throttled | Self::Retryable)
    }
}

/// How a call failed before or without an HTTP answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// The service answered with an error status.
    Answered,
    /// No connection, or the connection broke.
    Dispatch,
    /// A timeout elapsed.
    Timeout,
    /// The answer could not be read or parsed.
    Response,
    /// The request could not be built (a bug or invalid input on our side).
    Construction,
}

const THROTTLE_CODES: &[&str] = &[
    "TooManyRequestsException",
    "ThrottlingException",
    "Throttling",
    "ThrottledException",
    "RequestLimitExceeded",
    "RequestThrottled",
    "RequestThrottledException",
    "SlowDown",
    "ProvisionedThroughputExceededException",
    "LimitExceededException",
];
const TRANSIENT_CODES: &[&str] = &[
    "InternalServerErrorException",
    "InternalServerError",
    "InternalFailure",
    "InternalError",
    "ServiceUnavailable",
    "ServiceUnavailableException",
    "RequestTimeout",
    "RequestTimeoutException",
];
const NOT_FOUND_CODES: &[&str] =
    &["NotFoundException", "ResourceNotFoundException", "NotFound", "NoSuchKey", "NoSuchBucket"];
const CONFLICT_CODES: &[&str] = &["ConflictException", "ResourceInUseException", "ResourceAlreadyExistsException"];
const INVALID_CODES: &[&str] =
    &["BadRequestException", "ValidationException", "InvalidParameterException", "InvalidArgument"];

/// Classifies a failure from its parts: pure, so every rule is unit-tested.
pub fn classify(transport: Transport, status: Option<u16>, code: Option<&str>, message: Option<&str>) -> ErrorClass {
    match transport {
        Transport::Dispatch | Transport::Timeout | Transport::Response => return ErrorClass::Retryable,
        Transport::Construction => return ErrorClass::Invalid,
        Transport::Answered => {}
    }
    let code = code.unwrap_or_default();
    let message = message.unwrap_or_default().to_ascii_lowercase();
    if THROTTLE_CODES.contains(&code) || status == Some(429) {
        return ErrorClass::Throttled;
    }
    if TRANSIENT_CODES.contains(&code) || status.is_some_and(|s| s >= 500) {
        return ErrorClass::Retryable;
    }
    if NOT_FOUND_CODES.contains(&code) || status == Some(404) {
        return ErrorClass::NotFound;
    }
    if CONFLICT_CODES.contains(&code) || status == Some(409) || message.contains("already exist") {
        return ErrorClass::Conflict;
    }
    if INVALID_CODES.contains(&code) || matches!(status, Some(400 | 413 | 415 | 422)) {
        return ErrorClass::Invalid;
    }
    ErrorClass::Other
}

/// A failed SDK call, classified once, with what a user needs to act on it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{operation} failed ({class:?}{}): {message}", code.as_deref().map(|c| format!(", {c}")).unwrap_or_default())]
pub struct AwsCallError {
    /// The operation, e.g. `CreateVodSource`.
    pub operation: &'static str,
    /// The classification.
    pub class: ErrorClass,
    /// The HTTP status, when there was an answer.
    pub status: Option<u16>,
    /// The service's error code, e.g. `BadRequestException`.
    pub code: Option<String>,
    /// The service's message, or a description of the transport failure.
    pub message: String,
}

impl AwsCallError {
    /// Classifies an SDK error of any AWS service.
    pub fn from_sdk<E>(operation: &'static str, err: &SdkError<E, HttpResponse>) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        let (transport, status) = match err {
            SdkError::ServiceError(ctx) => (Transport::Answered, Some(ctx.raw().status().as_u16())),
            SdkError::DispatchFailure(_) => (Transport::Dispatch, None),
            SdkError::TimeoutError(_) => (Transport::Timeout, None),
            SdkError::ResponseError(ctx) => (Transport::Response, Some(ctx.raw().status().as_u16())),
            SdkError::ConstructionFailure(_) => (Transport::Construction, None),
            _ => (Transport::Answered, None),
        };
        let code = err.code().map(str::to_owned);
        let message = err
            .message()
            .map(str::to_owned)
            .unwrap_or_else(|| aws_smithy_types::error::display::DisplayErrorContext(err).to_string());
        let class = classify(transport, status, code.as_deref(), Some(&message));
        Self { operation, class, status, code, message }
    }

    /// Whether retrying may succeed.
    pub fn is_retryable(&self) -> bool {
        self.class.is_retryable()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ErrorClass::*;
    use Transport::*;

    #[test]
    fn throttling_by_code_or_status() {
        assert_eq!(classify(Answered, Some(429), Some("TooManyRequestsException"), None), Throttled);
        assert_eq!(classify(Answered, Some(400), Some("ThrottlingException"), None), Throttled);
        assert_eq!(classify(Answered, Some(503), Some("SlowDown"), None), Throttled);
        assert_eq!(classify(Answered, Some(429), None, None), Throttled);
    }

    #[test]
    fn server_and_transport_faults_are_retryable() {
        assert_eq!(classify(Answered, Some(500), Some("InternalServerErrorException"), None), Retryable);
        assert_eq!(classify(Answered, Some(502), None, None), Retryable);
        assert_eq!(classify(Answered, Some(400), Some("InternalFailure"), None), Retryable);
        assert_eq!(classify(Dispatch, None, None, None), Retryable);
        assert_eq!(classify(Timeout, None, None, None), Retryable);
        assert_eq!(classify(Response, Some(200), None, None), Retryable);
    }

    #[test]
    fn not_found() {
        assert_eq!(classify(Answered, Some(404), Some("NotFoundException"), None), NotFound);
        assert_eq!(classify(Answered, Some(404), None, None), NotFound);
        assert_eq!(classify(Answered, Some(404), Some("NoSuchKey"), None), NotFound);
        assert_eq!(classify(Answered, Some(400), Some("ResourceNotFoundException"), None), NotFound);
    }

    #[test]
    fn conflicts_including_mediatailors_already_exists_bad_request() {
        assert_eq!(
            classify(
                Answered,
                Some(400),
                Some("BadRequestException"),
                Some("VodSource movie already exists in source location sl")
            ),
            Conflict
        );
        assert_eq!(classify(Answered, Some(409), Some("ConflictException"), None), Conflict);
        assert_eq!(classify(Answered, Some(400), Some("ResourceInUseException"), None), Conflict);
    }

    #[test]
    fn invalid_input() {
        assert_eq!(
            classify(
                Answered,
                Some(400),
                Some("BadRequestException"),
                Some("ManifestWindowSeconds must be 30 to 3600")
            ),
            Invalid
        );
        assert_eq!(classify(Answered, Some(400), Some("ValidationException"), None), Invalid);
        assert_eq!(classify(Answered, Some(413), None, None), Invalid);
        assert_eq!(classify(Construction, None, None, None), Invalid);
    }

    #[test]
    fn everything_else_is_other() {
        assert_eq!(classify(Answered, Some(403), Some("AccessDeniedException"), None), Other);
        assert_eq!(classify(Answered, Some(401), None, None), Other);
        assert!(!Other.is_retryable());
        assert!(Throttled.is_retryable() && Retryable.is_retryable());
        assert!(!NotFound.is_retryable() && !Conflict.is_retryable() && !Invalid.is_retryable());
    }
}
