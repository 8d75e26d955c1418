//! playback-config-api: an HTTP API (API Gateway REST v1, HTTP API v2, function URLs) for
//! MediaTailor playback configurations.
//!
//! The routes are tracked in issue 7; until they land, every request is answered
//! `501 Not Implemented` in the API's error shape rather than pretending to succeed.

use lambda_http::{Body, Error, Request, RequestExt, Response};
use tailorflow_shared::{AwsClients, ClientSettings, ConfigError, EnvReader};

/// What every request borrows: built once per execution environment.
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

/// Handles one request.
pub async fn handler(_state: &State, request: Request) -> Result<Response<Body>, Error> {
    let request_id = request.lambda_context_ref().map(|c| c.request_id.clone()).unwrap_or_default();
    let body = serde_json::json!({
        "error": {
            "code": "NotImplemented",
            "message": "playback-config-api is not implemented yet (issue 7)",
            "requestId": request_id,
        }
    });
    Ok(Response::builder().status(501).header("content-type", "application/json").body(Body::from(body.to_string()))?)
}
