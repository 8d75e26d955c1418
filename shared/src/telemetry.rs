//! Tracing set-up: JSON lines under Lambda, readable text locally.
//!
//! Under Lambda (`AWS_LAMBDA_FUNCTION_NAME` set) every event is one JSON object per line, which
//! CloudWatch Logs Insights parses; `AWS_LAMBDA_LOG_FORMAT=Text` opts back into text. The level
//! comes from `RUST_LOG`, else Lambda's `AWS_LAMBDA_LOG_LEVEL`, else `info`.
//!
//! The filter is tracing-subscriber's `Targets`: comma-separated `level` and `target=level`
//! directives (`info`, `warn,program_scheduler=debug`), which is what these functions' logs
//! need. `EnvFilter` would add span and field filters, at the price of linking its regex engine
//! into every function.

use tracing::Level;
use tracing_subscriber::Layer;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

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

/// The filter of `directives`, else of `default_level`, else `info`: pure, for tests.
pub fn filter(directives: &str, default_level: &str) -> Targets {
    directives.parse().or_else(|_| default_level.parse()).unwrap_or_else(|_| Targets::new().with_default(Level::INFO))
}

/// Like [`init`], with another level when neither `RUST_LOG` nor `AWS_LAMBDA_LOG_LEVEL` is set
/// (the local demo prints a report and keeps its logs to warnings).
pub fn init_with_default(default_level: &str) {
    let (format, directives) = choose(|k| std::env::var(k).ok(), default_level);
    let layer = match format {
        LogFormat::Json => tracing_subscriber::fmt::layer()
            .json()
            .with_current_span(false)
            .with_span_list(false)
            .flatten_event(true)
            .with_target(false)
            .without_time()
            .with_writer(std::io::stderr)
            .boxed(),
        LogFormat::Text => tracing_subscriber::fmt::layer().with_target(false).with_writer(std::io::stderr).boxed(),
    };
    let _ = tracing_subscriber::registry().with(filter(&directives, default_level)).with(layer).try_init();
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

    #[test]
    fn directives_set_levels_per_target() {
        let targets = filter("warn,program_scheduler=debug", "info");
        assert!(targets.would_enable("program_scheduler::media", &Level::DEBUG));
        assert!(!targets.would_enable("aws_smithy_runtime", &Level::INFO));
        assert!(targets.would_enable("aws_smithy_runtime", &Level::WARN));
    }

    #[test]
    fn a_malformed_filter_falls_back_to_the_default_level() {
        let targets = filter("program_scheduler=verbose", "warn");
        assert!(targets.would_enable("any", &Level::WARN));
        assert!(!targets.would_enable("any", &Level::INFO));
        let info = filter("a=loud", "b=louder");
        assert!(info.would_enable("any", &Level::INFO) && !info.would_enable("any", &Level::DEBUG));
    }
}
