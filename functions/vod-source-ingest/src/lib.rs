//! vod-source-ingest: an S3 upload (direct, through SQS or through EventBridge) becomes a MediaTailor VOD source.
//!
//! The handler's behaviour is tracked in issue 4; until it lands, every invocation fails
//! with [`HandlerError::NotImplemented`] rather than pretending to succeed.

use lambda_runtime::{Diagnostic, LambdaEvent};
use tailorflow_shared::{AwsClients, ClientSettings, ConfigError, EnvReader};

/// What every invocation borrows: built once per execution environment.
#[derive(Debug, Clone)]
pub struct State {
    /// The AWS SDK clients.
    pub clients: AwsClients,
}

impl State {
    /// Reads the configuration from the environment and builds the clients.
    pub async fn from_env() -> Result<Self, ConfigError> {
        let settings = Self::read(EnvReader::from_process())?;
        Ok(Self { clients: AwsClients::load(&settings).await })
    }

    /// Reads the settings from `env`, listing every problem at once.
    pub fn read(mut env: EnvReader) -> Result<ClientSettings, ConfigError> {
        let settings = ClientSettings::read(&mut env);
        env.finish(move || settings)
    }
}

/// Why an invocation failed.
#[derive(Debug, thiserror::Error)]
pub enum HandlerError {
    /// The behaviour has not been built yet.
    #[error("vod-source-ingest is not implemented yet (issue 4); the event was not processed")]
    NotImplemented,
}

impl From<HandlerError> for Diagnostic {
    fn from(err: HandlerError) -> Self {
        let error_type = match err {
            HandlerError::NotImplemented => "NotImplemented",
        };
        Diagnostic { error_type: error_type.into(), error_message: err.to_string() }
    }
}

/// Handles one invocation.
pub async fn handler(
    _state: &State,
    event: LambdaEvent<aws_lambda_events::event::sqs::SqsEvent>,
) -> Result<serde_json::Value, HandlerError> {
    tracing::warn!(request_id = %event.context.request_id, "event not processed: handler not implemented yet");
    Err(HandlerError::NotImplemented)
}
