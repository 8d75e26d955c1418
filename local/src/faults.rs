//! Injected faults: latency, throttling, server errors, failed PutEvents entries, and a crash
//! point after which every call fails. Seeded, so a run can be repeated exactly.

use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

/// What to inject. Also the body of `PUT /_local/faults`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct FaultConfig {
    /// Delay added to every signed call, in milliseconds.
    pub latency_ms: u64,
    /// Share of calls answered `429 TooManyRequestsException` (0 to 1).
    pub throttle_rate: f64,
    /// Share of calls answered `500 InternalServerErrorException` (0 to 1).
    pub error_rate: f64,
    /// Share of PutEvents entries answered as failed within a successful call (0 to 1).
    pub entry_failure_rate: f64,
    /// After this many signed calls, every further call fails with 500 (a crash mid-run).
    pub fail_after: Option<u64>,
    /// Apply throttling, errors and `fail_after` only to these operations (e.g. `CreateProgram`,
    /// `PutEvents`, `GetObject`); all operations when empty. Latency applies to all.
    pub operations: Vec<String>,
    /// Seed of the random choices.
    pub seed: u64,
}

impl FaultConfig {
    /// Checks the rates, naming the bad one.
    pub fn validate(&self) -> Result<(), String> {
        for (name, rate) in [
            ("throttleRate", self.throttle_rate),
            ("errorRate", self.error_rate),
            ("entryFailureRate", self.entry_failure_rate),
        ] {
            if !(0.0..=1.0).contains(&rate) {
                return Err(format!("{name} must be between 0 and 1, got {rate}"));
            }
        }
        Ok(())
    }

    fn applies_to(&self, operation: &str) -> bool {
        self.operations.is_empty() || self.operations.iter().any(|op| op == operation)
    }
}

/// The decision for one call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Injected {
    /// Serve the call.
    Nothing,
    /// Answer 429.
    Throttle,
    /// Answer 500.
    ServerError,
}

/// Fault state: the configuration, its random stream and the call counter.
#[derive(Debug)]
pub struct Faults {
    config: FaultConfig,
    rng: StdRng,
    calls: u64,
}

impl Faults {
    /// Starts injecting `config`.
    pub fn new(config: FaultConfig) -> Self {
        let rng = StdRng::seed_from_u64(config.seed);
        Self { config, rng, calls: 0 }
    }

    /// The configuration in force.
    pub fn config(&self) -> &FaultConfig {
        &self.config
    }

    /// Decides the fate of one call of `operation`, and the latency to add before answering.
    pub fn decide(&mut self, operation: &str) -> (Duration, Injected) {
        let latency = Duration::from_millis(self.config.latency_ms);
        if !self.config.applies_to(operation) {
            return (latency, Injected::Nothing);
        }
        self.calls += 1;
        if self.config.fail_after.is_some_and(|n| self.calls > n) {
            return (latency, Injected::ServerError);
        }
        // Draw both numbers every time so the stream does not depend on the rates.
        let throttle_draw: f64 = self.rng.random();
        let error_draw: f64 = self.rng.random();
        let injected = if throttle_draw < self.config.throttle_rate {
            Injected::Throttle
        } else if error_draw < self.config.error_rate {
            Injected::ServerError
        } else {
            Injected::Nothing
        };
        (latency, injected)
    }

    /// Whether one PutEvents entry should come back failed.
    pub fn entry_fails(&mut self) -> bool {
        self.config.entry_failure_rate > 0.0 && self.rng.random::<f64>() < self.config.entry_failure_rate
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_faults_by_default() {
        let mut faults = Faults::new(FaultConfig::default());
        for _ in 0..100 {
            assert_eq!(faults.decide("ListChannels"), (Duration::ZERO, Injected::Nothing));
            assert!(!faults.entry_fails());
        }
    }

    #[test]
    fn rates_are_roughly_honoured_and_repeatable() {
        let config = FaultConfig { throttle_rate: 0.2, error_rate: 0.05, seed: 7, ..Default::default() };
        let run = |config: &FaultConfig| {
            let mut faults = Faults::new(config.clone());
            (0..2000).map(|_| faults.decide("CreateProgram").1).collect::<Vec<_>>()
        };
        let first = run(&config);
        assert_eq!(first, run(&config), "same seed, same faults");
        let throttled = first.iter().filter(|i| **i == Injected::Throttle).count();
        let errors = first.iter().filter(|i| **i == Injected::ServerError).count();
        assert!((300..500).contains(&throttled), "{throttled}");
        assert!((40..120).contains(&errors), "{errors}");
    }

    #[test]
    fn fail_after_counts_only_matching_operations() {
        let config =
            FaultConfig { fail_after: Some(2), operations: vec!["CreateProgram".into()], ..Default::default() };
        let mut faults = Faults::new(config);
        assert_eq!(faults.decide("GetChannelSchedule").1, Injected::Nothing);
        assert_eq!(faults.decide("CreateProgram").1, Injected::Nothing);
        assert_eq!(faults.decide("CreateProgram").1, Injected::Nothing);
        assert_eq!(faults.decide("CreateProgram").1, Injected::ServerError);
        assert_eq!(faults.decide("GetChannelSchedule").1, Injected::Nothing);
    }

    #[test]
    fn validate_names_the_bad_rate() {
        let err = FaultConfig { error_rate: 1.5, ..Default::default() }.validate().unwrap_err();
        assert!(err.contains("errorRate"));
    }
}
