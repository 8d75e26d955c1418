//! Lambda entry point: reads the configuration and builds the SDK clients once, then serves
//! every API Gateway or function URL request with the same borrowed state.

use lambda_http::{Error, run, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    tailorflow_shared::telemetry::init();
    let state = playback_config_api::State::from_env().await?;
    run(service_fn(|request| playback_config_api::handler(&state, request))).await
}
