//! The core of tailorflow, shared by every function and by mediatailor-local.
//!
//! Pure domain logic (names, manifests, planning, alert windows, validation) sits beside the
//! edges that talk to AWS ([`clients`], [`error`]). Functions build [`clients::AwsClients`] once in
//! `main` and borrow them in their handlers.

pub mod alerts;
pub mod clients;
pub mod config;
pub mod error;
pub mod ingest;
pub mod manifest;
pub mod names;
pub mod origin;
pub mod pages;
pub mod planning;
pub mod playback_configuration;
pub mod rate;
pub mod telemetry;

pub use clients::{AwsClients, ClientSettings};
pub use config::{ConfigError, EnvReader};
pub use error::{AwsCallError, ErrorClass};
pub use names::{ChannelName, NameError, PlaybackConfigurationName, ProgramName, SourceLocationName, VodSourceName};
