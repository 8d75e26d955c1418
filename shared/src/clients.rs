//! The AWS SDK clients, built once per process and reused across invocations.
//!
//! The SDK on its own has no operation timeout and makes 3 attempts; both are set here on
//! purpose, from [`ClientSettings`]. Endpoints follow the SDK's own rules, so `AWS_ENDPOINT_URL`
//! and the per-service `AWS_ENDPOINT_URL_MEDIATAILOR`, `AWS_ENDPOINT_URL_EVENTBRIDGE` and
//! `AWS_ENDPOINT_URL_S3` point the clients at mediatailor-local.
//!
//! Each client is behind the cargo feature of its service (`mediatailor`, `eventbridge`, `s3`),
//! so a function links only the clients it calls; [`AwsClients`] has a field per enabled feature.
//! Building them does no I/O: the HTTPS client reads its root certificates on the first
//! connection ([`crate::https`]), so nothing here waits before a function's first `next`.

use std::path::Path;
use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, SdkConfig};

use crate::config::EnvReader;
use crate::https::{self, CaBundle};

/// How the SDK retries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryMode {
    /// Exponential backoff with jitter and a retry quota.
    Standard,
    /// Standard plus client-side rate limiting that slows down when throttled.
    Adaptive,
}

impl std::str::FromStr for RetryMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "standard" => Ok(Self::Standard),
            "adaptive" => Ok(Self::Adaptive),
            other => Err(format!("unknown retry mode {other:?}; use standard or adaptive")),
        }
    }
}

/// Timeouts and retries for every SDK client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientSettings {
    /// Attempts per operation, the first included (`AWS_MAX_ATTEMPTS`, default 3).
    pub max_attempts: u32,
    /// Retry mode (`AWS_RETRY_MODE`, default `standard`).
    pub retry_mode: RetryMode,
    /// First retry delay; later ones grow exponentially, with jitter (`SDK_INITIAL_BACKOFF_MS`,
    /// default 1000, the SDK's own).
    pub initial_backoff: Duration,
    /// Time to open a connection (`SDK_CONNECT_TIMEOUT_MS`, default 3000).
    pub connect_timeout: Duration,
    /// Time for one attempt (`SDK_ATTEMPT_TIMEOUT_MS`, default 5000).
    pub attempt_timeout: Duration,
    /// Time for a whole operation, retries included (`SDK_OPERATION_TIMEOUT_MS`, default 20000).
    pub operation_timeout: Duration,
    /// Address S3 buckets in the path rather than the host name. Defaults to true when an S3
    /// endpoint override is set (an emulator), false otherwise (`S3_FORCE_PATH_STYLE`).
    pub s3_force_path_style: bool,
    /// The CA certificates to trust instead of the host's (`AWS_CA_BUNDLE`, a PEM file read and
    /// checked at start-up); unset, the host's roots, read on the first connection.
    pub ca_bundle: Option<CaBundle>,
    /// `AWS_REGION`, when the environment also holds the access keys (`AWS_ACCESS_KEY_ID` and
    /// `AWS_SECRET_ACCESS_KEY`), as Lambda's always does. [`AwsClients::load`] then takes the
    /// region and the credentials from the environment without building the SDK's default
    /// provider chains (profile files, web identity, ECS, IMDS): each chain looks at the
    /// environment first, so it would find these same values, and building the chains was about
    /// 0.2 ms of a cold start's init in the bench. `None` elsewhere: the full chains run.
    pub environment_region: Option<String>,
}

impl Default for ClientSettings {
    fn default() -> Self {
        Self {
            max_attempts: 3,
            retry_mode: RetryMode::Standard,
            initial_backoff: Duration::from_millis(1_000),
            connect_timeout: Duration::from_millis(3_000),
            attempt_timeout: Duration::from_millis(5_000),
            operation_timeout: Duration::from_millis(20_000),
            s3_force_path_style: false,
            ca_bundle: None,
            environment_region: None,
        }
    }
}

impl ClientSettings {
    /// Reads the settings, recording problems in `env`.
    pub fn read(env: &mut EnvReader) -> Option<Self> {
        let defaults = Self::default();
        let max_attempts = env.number_in("AWS_MAX_ATTEMPTS", u64::from(defaults.max_attempts), 1, 10);
        let retry_mode = env.optional_or("AWS_RETRY_MODE", defaults.retry_mode);
        let initial_backoff = env.millis_in("SDK_INITIAL_BACKOFF_MS", 1_000, 1, 60_000);
        let connect_timeout = env.millis_in("SDK_CONNECT_TIMEOUT_MS", 3_000, 100, 60_000);
        let attempt_timeout = env.millis_in("SDK_ATTEMPT_TIMEOUT_MS", 5_000, 100, 300_000);
        let operation_timeout = env.millis_in("SDK_OPERATION_TIMEOUT_MS", 20_000, 100, 900_000);
        let endpoint_overridden = env.raw("AWS_ENDPOINT_URL_S3").is_some() || env.raw("AWS_ENDPOINT_URL").is_some();
        let s3_force_path_style = env.flag("S3_FORCE_PATH_STYLE", endpoint_overridden);
        let ca_bundle = Self::read_ca_bundle(env);
        let keys_in_environment = env.raw("AWS_ACCESS_KEY_ID").is_some() && env.raw("AWS_SECRET_ACCESS_KEY").is_some();
        let environment_region = env.raw("AWS_REGION").filter(|_| keys_in_environment);
        Some(Self {
            max_attempts: u32::try_from(max_attempts?).ok()?,
            retry_mode: retry_mode?,
            initial_backoff: initial_backoff?,
            connect_timeout: connect_timeout?,
            attempt_timeout: attempt_timeout?,
            operation_timeout: operation_timeout?,
            s3_force_path_style: s3_force_path_style?,
            ca_bundle: ca_bundle?,
            environment_region,
        })
    }

    /// `AWS_CA_BUNDLE`: `Some(None)` when unset, `None` when it names an unusable file.
    fn read_ca_bundle(env: &mut EnvReader) -> Option<Option<CaBundle>> {
        let Some(path) = env.raw("AWS_CA_BUNDLE") else {
            return Some(None);
        };
        match CaBundle::read(Path::new(&path)) {
            Ok(bundle) => Some(Some(bundle)),
            Err(err) => {
                env.report("AWS_CA_BUNDLE", err.to_string());
                None
            }
        }
    }

    fn retry_config(&self) -> RetryConfig {
        let base = match self.retry_mode {
            RetryMode::Standard => RetryConfig::standard(),
            RetryMode::Adaptive => RetryConfig::adaptive(),
        };
        base.with_max_attempts(self.max_attempts).with_initial_backoff(self.initial_backoff)
    }

    fn timeout_config(&self) -> TimeoutConfig {
        TimeoutConfig::builder()
            .connect_timeout(self.connect_timeout)
            .operation_attempt_timeout(self.attempt_timeout)
            .operation_timeout(self.operation_timeout)
            .build()
    }
}

/// The SDK clients of the enabled services. Cheap to clone: each client is an `Arc` inside.
#[derive(Clone, Debug)]
pub struct AwsClients {
    /// MediaTailor control plane.
    #[cfg(feature = "mediatailor")]
    pub mediatailor: aws_sdk_mediatailor::Client,
    /// EventBridge, for PutEvents.
    #[cfg(feature = "eventbridge")]
    pub eventbridge: aws_sdk_eventbridge::Client,
    /// S3, for reading manifests.
    #[cfg(feature = "s3")]
    pub s3: aws_sdk_s3::Client,
}

impl AwsClients {
    /// Loads the shared AWS configuration from the environment (region, credentials, endpoint
    /// overrides) and builds every client with `settings`. Call once, in `main`.
    ///
    /// With [`ClientSettings::environment_region`] (Lambda), the region and the environment's
    /// credentials are given to the loader instead of its default chains.
    pub async fn load(settings: &ClientSettings) -> Self {
        let mut loader = aws_config::defaults(BehaviorVersion::latest());
        if let Some(region) = &settings.environment_region {
            loader = loader
                .region(aws_config::Region::new(region.clone()))
                .credentials_provider(aws_config::environment::EnvironmentVariableCredentialsProvider::new());
        }
        Self::load_with(settings, loader).await
    }

    /// Like [`AwsClients::load`], from a given loader (tests give one with its own environment).
    /// The HTTPS client is [`https::client`]: no certificate is read before the first call.
    pub async fn load_with(settings: &ClientSettings, loader: aws_config::ConfigLoader) -> Self {
        let sdk_config = loader
            .http_client(https::client(settings.ca_bundle.as_ref()))
            .retry_config(settings.retry_config())
            .timeout_config(settings.timeout_config())
            .load()
            .await;
        Self::from_sdk_config(&sdk_config, settings)
    }

    /// Every client pointed at an emulator whose `sdk_config` names its endpoint (mediatailor-local's
    /// `Emulator::sdk_config`), S3 addressed path-style as emulators need.
    pub fn for_emulator(sdk_config: &SdkConfig, settings: &ClientSettings) -> Self {
        Self::from_sdk_config(sdk_config, &ClientSettings { s3_force_path_style: true, ..settings.clone() })
    }

    /// Builds every client from an already loaded configuration (tests pass one that points at
    /// mediatailor-local). Retries and timeouts from `settings` override those in `sdk_config`.
    pub fn from_sdk_config(sdk_config: &SdkConfig, settings: &ClientSettings) -> Self {
        #[cfg(not(any(feature = "mediatailor", feature = "eventbridge", feature = "s3")))]
        let _ = (sdk_config, settings);
        Self {
            #[cfg(feature = "mediatailor")]
            mediatailor: aws_sdk_mediatailor::Client::from_conf(
                aws_sdk_mediatailor::config::Builder::from(sdk_config)
                    .retry_config(settings.retry_config())
                    .timeout_config(settings.timeout_config())
                    .build(),
            ),
            #[cfg(feature = "eventbridge")]
            eventbridge: aws_sdk_eventbridge::Client::from_conf(
                aws_sdk_eventbridge::config::Builder::from(sdk_config)
                    .retry_config(settings.retry_config())
                    .timeout_config(settings.timeout_config())
                    .build(),
            ),
            #[cfg(feature = "s3")]
            s3: aws_sdk_s3::Client::from_conf(
                aws_sdk_s3::config::Builder::from(sdk_config)
                    .retry_config(settings.retry_config())
                    .timeout_config(settings.timeout_config())
                    .force_path_style(settings.s3_force_path_style)
                    .build(),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(pairs: &[(&str, &str)]) -> Result<ClientSettings, crate::config::ConfigError> {
        let mut env = EnvReader::from_pairs(pairs.iter().copied());
        let settings = ClientSettings::read(&mut env);
        env.finish(move || settings)
    }

    #[test]
    fn defaults_are_explicit() {
        let settings = read(&[]).unwrap();
        assert_eq!(settings, ClientSettings::default());
        assert_eq!(settings.retry_config().max_attempts(), 3);
        assert_eq!(settings.timeout_config().operation_timeout(), Some(Duration::from_secs(20)));
    }

    #[test]
    fn reads_overrides() {
        let settings = read(&[
            ("AWS_MAX_ATTEMPTS", "5"),
            ("AWS_RETRY_MODE", "Adaptive"),
            ("SDK_OPERATION_TIMEOUT_MS", "1500"),
            ("AWS_ENDPOINT_URL_S3", "http://127.0.0.1:4599"),
        ])
        .unwrap();
        assert_eq!(settings.max_attempts, 5);
        assert_eq!(settings.retry_mode, RetryMode::Adaptive);
        assert_eq!(settings.operation_timeout, Duration::from_millis(1500));
        assert!(settings.s3_force_path_style, "an S3 endpoint override implies path-style addressing");
    }

    #[test]
    fn the_region_is_taken_from_the_environment_only_beside_its_keys() {
        let lambda = [
            ("AWS_REGION", "eu-west-3"),
            ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"),
            ("AWS_SECRET_ACCESS_KEY", "secret"),
            ("AWS_SESSION_TOKEN", "token"),
        ];
        assert_eq!(read(&lambda).unwrap().environment_region.as_deref(), Some("eu-west-3"));
        // Without either key the SDK's chains must run (a profile, a role, IMDS).
        assert_eq!(read(&lambda[..2]).unwrap().environment_region, None);
        assert_eq!(read(&[lambda[0], lambda[2]]).unwrap().environment_region, None);
        assert_eq!(read(&lambda[1..]).unwrap().environment_region, None);
        assert_eq!(read(&[("AWS_REGION", ""), lambda[1], lambda[2]]).unwrap().environment_region, None);
    }

    #[test]
    fn reports_every_bad_setting() {
        let err = read(&[("AWS_MAX_ATTEMPTS", "0"), ("AWS_RETRY_MODE", "legacy"), ("SDK_CONNECT_TIMEOUT_MS", "-1")])
            .unwrap_err();
        let variables: Vec<_> = err.issues.iter().map(|i| i.variable.as_str()).collect();
        assert_eq!(variables, ["AWS_MAX_ATTEMPTS", "AWS_RETRY_MODE", "SDK_CONNECT_TIMEOUT_MS"]);
    }
}
