//! Tracing set-up: JSON lines under Lambda, readable text locally.
//!
//! Under Lambda (`AWS_LAMBDA_FUNCTION_NAME` set) every event is one JSON object per line, which
//! CloudWatch Logs Insights parses; `AWS_LAMBDA_LOG_FORMAT=Text` opts back into text. The level
//! comes from `RUST_LOG`, else Lambda's `AWS_LAMBDA_LOG_LEVEL`, else `info`.

use tracing_subscriber::EnvFilter;

/// Which output format to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// One JSON object per line.
    Json,
    /// Human-readable text.
    Text,
}

/// Chooses the format and filter from the environment, `default_level` when none is set: pure,
/// for tests.
pub fn choose(lookup: impl Fn(&str) -> Option<String>, default_level: &str) -> (LogFormat, String) {
    let in_lambda = lookup("AWS_LAMBDA_FUNCTION_NAME").is_some_and(|v| !v.is_empty());
    let wants_text = lookup("AWS_LAMBDA_LOG_FORMAT").is_some_and(|v| v.eq_ignore_ascii_case("text"));
    let format = if in_lambda && !wants_text { LogFormat::Json } else { LogFormat::Text };
    let filter = lookup("RUST_LOG")
        .filter(|v| !v.is_empty())
        .or_else(|| lookup("AWS_LAMBDA_LOG_LEVEL").filter(|v| !v.is_empty()).map(|v| v.to_ascii_lowercase()))
        .unwrap_or_else(|| default_level.to_owned());
    (format, filter)
}

/// Installs the global subscriber once, at `info` unless the environment says otherwise; later
/// calls do nothing (tests call it freely).
pub fn init() {
    init_with_default("info");
}

/// Like [`init`], with another level when neither `RUST_LOG` nor `AWS_LAMBDA_LOG_LEVEL` is set
/// (the local demo prints a report and keeps its logs to warnings).
pub fn init_with_default(default_level: &str) {
    let (format, filter) = choose(|k| std::env::var(k).ok(), default_level);
    let filter = EnvFilter::try_new(&filter).unwrap_or_else(|_| EnvFilter::new(default_level));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Json => builder
            .json()
            .with_current_span(false)
            .with_span_list(false)
            .flatten_event(true)
            .with_target(false)
            .without_time()
            .try_init(),
        LogFormat::Text => builder.with_target(false).try_init(),
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn json_under_lambda_text_locally() {
        assert_eq!(choose(env(&[("AWS_LAMBDA_FUNCTION_NAME", "f")]), "info").0, LogFormat::Json);
        assert_eq!(choose(env(&[]), "info").0, LogFormat::Text);
        assert_eq!(
            choose(env(&[("AWS_LAMBDA_FUNCTION_NAME", "f"), ("AWS_LAMBDA_LOG_FORMAT", "Text")]), "info").0,
            LogFormat::Text
        );
    }

    #[test]
    fn level_from_rust_log_then_lambda_then_info() {
        assert_eq!(choose(env(&[("RUST_LOG", "debug"), ("AWS_LAMBDA_LOG_LEVEL", "WARN")]), "info").1, "debug");
        assert_eq!(choose(env(&[("AWS_LAMBDA_LOG_LEVEL", "WARN")]), "info").1, "warn");
        assert_eq!(choose(env(&[]), "info").1, "info");
        assert_eq!(choose(env(&[]), "warn").1, "warn");
    }
}
