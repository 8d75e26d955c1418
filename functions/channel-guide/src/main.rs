//! Lambda entry point: reads the configuration and builds the SDK clients once, then serves
//! every invocation with the same borrowed state.

use lambda_runtime::{Error, run, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    tailorflow_shared::telemetry::init();
    let state = channel_guide::State::from_env().await?;
    run(service_fn(|event| channel_guide::handler(&state, event))).await
}
