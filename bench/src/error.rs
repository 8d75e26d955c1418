//! The benchmark's one error type.

use std::path::PathBuf;

/// Why a benchmark step failed.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    /// A file or process operation failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The emulator would not start.
    #[error("mediatailor-local: {0}")]
    Emulator(#[from] mediatailor_local::EmulatorError),
    /// A command exited unsuccessfully.
    #[error("`{command}` failed: {status}")]
    Command {
        /// The command line.
        command: String,
        /// Its exit status.
        status: std::process::ExitStatus,
    },
    /// A step took longer than its bound.
    #[error("{0} did not finish within {1:?}")]
    Timeout(String, std::time::Duration),
    /// A binary to measure is missing.
    #[error("{0} does not exist; the build step should have produced it")]
    Missing(PathBuf),
    /// Anything else, described.
    #[error("{0}")]
    Step(String),
}

impl BenchError {
    /// Wraps an I/O error with what was being done.
    pub fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> Self {
        let context = context.into();
        move |source| Self::Io { context, source }
    }

    /// A failure described in words.
    pub fn step(message: impl std::fmt::Display) -> Self {
        Self::Step(message.to_string())
    }
}

/// The benchmark's result type.
pub type Result<T, E = BenchError> = std::result::Result<T, E>;
