//! The AWS edge, one module per service: the calls more than one function makes, each returning
//! plain data and classifying its errors once ([`crate::error`]): a missing resource is `None`,
//! never an error the caller has to recognise. Each module is behind its service's cargo feature.

#[cfg(feature = "eventbridge")]
pub mod eventbridge;
#[cfg(feature = "mediatailor")]
pub mod mediatailor;
#[cfg(feature = "s3")]
pub mod s3;

use crate::error::{AwsCallError, ErrorClass};

/// A request the SDK refused to build: a missing required member, so a bug or bad input on our
/// side; never retried.
pub fn build_error(operation: &'static str, err: impl std::fmt::Display) -> AwsCallError {
    AwsCallError { operation, class: ErrorClass::Invalid, status: None, code: None, message: err.to_string() }
}

/// A body that could not be read to its end: the connection broke, so worth a retry.
pub fn body_error(operation: &'static str, err: impl std::fmt::Display) -> AwsCallError {
    AwsCallError {
        operation,
        class: ErrorClass::Retryable,
        status: None,
        code: None,
        message: format!("reading the answer failed: {err}"),
    }
}
