//! The cold-start baseline: a hello-world `lambda_runtime` function that echoes its event, built
//! with the workspace's release profile in the same run as the functions it is compared with.

use lambda_runtime::{Error, LambdaEvent, run, service_fn};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    run(service_fn(|event: LambdaEvent<Value>| async move { Ok::<Value, Error>(event.payload) })).await
}
