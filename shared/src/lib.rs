//! The core of tailorflow: only what two or more of its crates use. Each function's own logic
//! lives in its own crate; mediatailor-local uses none of this (it follows the service, not us).
//!
//! # Layout
//! - [`clients`]: [`AwsClients`], built once in `main` with explicit retries and timeouts, and
//!   borrowed by every handler; [`https`]: their HTTPS client, which reads no certificate
//!   before the first connection.
//! - [`aws`]: one module per service edge (`aws::mediatailor`, `aws::s3`, `aws::eventbridge`),
//!   the calls several functions make, returning plain data.
//!
//! # Features
//! One per AWS service, none by default: `mediatailor`, `eventbridge`, `s3` each add that
//! service's client to [`AwsClients`] and its module to [`aws`]. A function enables the services
//! it calls and is built on its own, so its binary links no other client.
//! - [`error`]: one classification of SDK errors: throttled, retryable, not found, conflict,
//!   invalid, other.
//! - [`config`]: environment variables into typed settings, every problem in one error.
//! - [`names`]: the newtypes of names sent to MediaTailor.
//! - [`manifest`], [`origin`]: HLS and DASH readers; a source location's BaseUrl as S3 or HTTP.
//! - [`pages`], [`rate`]: every page of a list call; a client-side rate limit.
//! - [`telemetry`]: tracing set-up (JSON lines under Lambda, text locally).

pub mod aws;
pub mod clients;
pub mod config;
pub mod error;
pub mod https;
pub mod manifest;
pub mod names;
pub mod origin;
pub mod pages;
pub mod rate;
pub mod telemetry;

pub use clients::{AwsClients, ClientSettings};
pub use config::{ConfigError, EnvReader};
pub use error::{AwsCallError, ErrorClass};
pub use names::{ChannelName, NameError, PlaybackConfigurationName, ProgramName, SourceLocationName, VodSourceName};
