//! Helpers for the cross-crate integration tests: an emulator per test, and Lambda contexts.

use lambda_runtime::{Context, LambdaEvent};
use mediatailor_local::{Emulator, EmulatorOptions};
use tailorflow_shared::{AwsClients, ClientSettings};

/// Starts an emulator on an ephemeral loopback port with the sample media folder.
pub async fn emulator() -> Emulator {
    match Emulator::start(EmulatorOptions::default()).await {
        Ok(emulator) => emulator,
        Err(err) => panic!("cannot start mediatailor-local: {err}"),
    }
}

/// The SDK clients, pointed at `emulator`, with the production retry and timeout settings.
pub async fn clients(emulator: &Emulator) -> AwsClients {
    emulator.clients(&ClientSettings::default()).await
}

/// Wraps `payload` as a Lambda invocation with a fixed request id.
pub fn invocation<T>(payload: T) -> LambdaEvent<T> {
    let mut context = Context::default();
    context.request_id = "00000000-0000-4000-8000-000000000000".into();
    LambdaEvent::new(payload, context)
}
