//! Configuration from environment variables.
//!
//! Each function reads its settings once, at start-up, through an [`EnvReader`]. The reader
//! records every missing or malformed variable instead of stopping at the first, so a
//! misconfigured deployment fails with one message that lists everything to fix.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;
use std::time::Duration;

/// One problem with one environment variable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigIssue {
    /// The variable's name.
    pub variable: String,
    /// What is wrong and what is expected.
    pub problem: String,
}

impl fmt::Display for ConfigIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.variable, self.problem)
    }
}

/// Every problem found in the environment, reported together.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid configuration; set or fix these environment variables: {}", list(.issues))]
pub struct ConfigError {
    /// The problems, in the order they were read.
    pub issues: Vec<ConfigIssue>,
}

fn list(issues: &[ConfigIssue]) -> String {
    issues.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
}

/// How an [`EnvReader`] finds a variable's value.
type Lookup = Box<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// Reads typed values from an environment, collecting every problem.
///
/// ```
/// use tailorflow_shared::config::EnvReader;
/// let mut env = EnvReader::from_pairs([("EVENT_BUS_NAME", "alerts"), ("HORIZON_MINUTES", "ninety")]);
/// let bus: Option<String> = env.required("EVENT_BUS_NAME");
/// let horizon: Option<u32> = env.optional_or("HORIZON_MINUTES", 120);
/// let err = env.finish(move || Some((bus?, horizon?))).unwrap_err();
/// assert!(err.to_string().contains("HORIZON_MINUTES"));
/// ```
pub struct EnvReader {
    lookup: Lookup,
    issues: Vec<ConfigIssue>,
}

impl EnvReader {
    /// Reads the process environment.
    pub fn from_process() -> Self {
        Self::from_lookup(|key| std::env::var(key).ok())
    }

    /// Reads through any lookup function: for tests and for layering.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String> + Send + Sync + 'static) -> Self {
        Self { lookup: Box::new(lookup), issues: Vec::new() }
    }

    /// Reads a fixed set of pairs.
    pub fn from_pairs<K: Into<String>, V: Into<String>>(pairs: impl IntoIterator<Item = (K, V)>) -> Self {
        let map: HashMap<String, String> = pairs.into_iter().map(|(k, v)| (k.into(), v.into())).collect();
        Self::from_lookup(move |key| map.get(key).cloned())
    }

    /// The raw value of `key`, with an empty value treated as unset.
    pub fn raw(&self, key: &str) -> Option<String> {
        (self.lookup)(key).filter(|v| !v.trim().is_empty())
    }

    /// Records a problem with `key`.
    pub fn report(&mut self, key: &str, problem: impl Into<String>) {
        self.issues.push(ConfigIssue { variable: key.to_owned(), problem: problem.into() });
    }

    /// A required value parsed with [`FromStr`]; records a problem when it is unset or malformed.
    pub fn required<T>(&mut self, key: &str) -> Option<T>
    where
        T: FromStr,
        T::Err: fmt::Display,
    {
        match self.raw(key) {
            None => {
                self.report(key, "is required but not set");
                None
            }
            Some(raw) => self.parse(key, &raw),
        }
    }

    /// An optional value parsed with [`FromStr`]; `None` when unset.
    pub fn optional<T>(&mut self, key: &str) -> Option<T>
    where
        T: FromStr,
        T::Err: fmt::Display,
    {
        let raw = self.raw(key)?;
        self.parse(key, &raw)
    }

    /// An optional value with a default; `None` only when it is set but malformed.
    pub fn optional_or<T>(&mut self, key: &str, default: T) -> Option<T>
    where
        T: FromStr,
        T::Err: fmt::Display,
    {
        match self.raw(key) {
            None => Some(default),
            Some(raw) => self.parse(key, &raw),
        }
    }

    /// A boolean (`true`/`false`, `1`/`0`, `yes`/`no`, any case) with a default.
    pub fn flag(&mut self, key: &str, default: bool) -> Option<bool> {
        match self.raw(key) {
            None => Some(default),
            Some(raw) => match raw.trim().to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" => Some(true),
                "false" | "0" | "no" => Some(false),
                _ => {
                    self.report(key, format!("{raw:?} is not a boolean; use true or false"));
                    None
                }
            },
        }
    }

    /// A whole number within `min..=max`, with a default.
    pub fn number_in(&mut self, key: &str, default: u64, min: u64, max: u64) -> Option<u64> {
        let value: u64 = self.optional_or(key, default)?;
        if (min..=max).contains(&value) {
            Some(value)
        } else {
            self.report(key, format!("{value} is out of range; use a value from {min} to {max}"));
            None
        }
    }

    /// A duration given in whole milliseconds within `min_ms..=max_ms`, with a default.
    pub fn millis_in(&mut self, key: &str, default_ms: u64, min_ms: u64, max_ms: u64) -> Option<Duration> {
        self.number_in(key, default_ms, min_ms, max_ms).map(Duration::from_millis)
    }

    fn parse<T>(&mut self, key: &str, raw: &str) -> Option<T>
    where
        T: FromStr,
        T::Err: fmt::Display,
    {
        match raw.trim().parse::<T>() {
            Ok(value) => Some(value),
            Err(err) => {
                self.report(key, format!("{raw:?} is invalid: {err}"));
                None
            }
        }
    }

    /// Whether any problem has been recorded so far.
    pub fn has_issues(&self) -> bool {
        !self.issues.is_empty()
    }

    /// Ends reading: every recorded problem as one error, or the value `build` assembles.
    ///
    /// `build` returns `None` only when a read above failed, which was recorded; the `?` operator
    /// on the read options keeps it short.
    pub fn finish<C>(self, build: impl FnOnce() -> Option<C>) -> Result<C, ConfigError> {
        if !self.issues.is_empty() {
            return Err(ConfigError { issues: self.issues });
        }
        build().ok_or_else(|| ConfigError {
            issues: vec![ConfigIssue {
                variable: "(configuration)".into(),
                problem: "a value was not read; this is a bug in tailorflow".into(),
            }],
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq)]
    struct Sample {
        bus: String,
        horizon: u64,
        auto_create: bool,
        timeout: Duration,
        prefix: Option<String>,
    }

    fn read(env: EnvReader) -> Result<Sample, ConfigError> {
        let mut env = env;
        let bus = env.required::<String>("EVENT_BUS_NAME");
        let horizon = env.number_in("HORIZON_MINUTES", 120, 1, 10_080);
        let auto_create = env.flag("AUTO_CREATE", false);
        let timeout = env.millis_in("TIMEOUT_MS", 3000, 100, 60_000);
        let prefix = env.optional::<String>("PREFIX");
        env.finish(move || {
            Some(Sample { bus: bus?, horizon: horizon?, auto_create: auto_create?, timeout: timeout?, prefix })
        })
    }

    #[test]
    fn reads_values_and_defaults() {
        let sample = read(EnvReader::from_pairs([("EVENT_BUS_NAME", "alerts"), ("AUTO_CREATE", "TRUE")])).unwrap();
        assert_eq!(
            sample,
            Sample {
                bus: "alerts".into(),
                horizon: 120,
                auto_create: true,
                timeout: Duration::from_millis(3000),
                prefix: None
            }
        );
    }

    #[test]
    fn lists_every_missing_and_malformed_variable_in_one_error() {
        let err =
            read(EnvReader::from_pairs([("HORIZON_MINUTES", "0"), ("AUTO_CREATE", "maybe"), ("TIMEOUT_MS", "fast")]))
                .unwrap_err();
        let variables: Vec<_> = err.issues.iter().map(|i| i.variable.as_str()).collect();
        assert_eq!(variables, ["EVENT_BUS_NAME", "HORIZON_MINUTES", "AUTO_CREATE", "TIMEOUT_MS"]);
        let message = err.to_string();
        assert!(message.contains("EVENT_BUS_NAME: is required but not set"), "{message}");
        assert!(message.contains("HORIZON_MINUTES: 0 is out of range; use a value from 1 to 10080"), "{message}");
        assert!(message.contains("AUTO_CREATE: \"maybe\" is not a boolean"), "{message}");
        assert!(message.contains("TIMEOUT_MS: \"fast\" is invalid"), "{message}");
    }

    #[test]
    fn an_empty_value_counts_as_unset() {
        let err = read(EnvReader::from_pairs([("EVENT_BUS_NAME", "  ")])).unwrap_err();
        assert_eq!(err.issues.len(), 1);
        assert_eq!(err.issues[0].variable, "EVENT_BUS_NAME");
    }

    #[test]
    fn range_bounds_are_inclusive() {
        let at_max = read(EnvReader::from_pairs([("EVENT_BUS_NAME", "b"), ("HORIZON_MINUTES", "10080")])).unwrap();
        assert_eq!(at_max.horizon, 10_080);
        let past_max = read(EnvReader::from_pairs([("EVENT_BUS_NAME", "b"), ("HORIZON_MINUTES", "10081")]));
        assert!(past_max.is_err());
    }
}
