//! The second cold-start baseline: the hello-world function plus what every tailorflow function
//! does before its first `next`, and nothing else: the tracing subscriber, the client settings
//! and the AWS SDK configuration with the MediaTailor, EventBridge and S3 clients (tailorflow-shared's
//! HTTPS client, which reads the root certificates on its first connection, not here).

use lambda_runtime::{Error, LambdaEvent, run, service_fn};
use serde_json::Value;
use tailorflow_shared::{AwsClients, ClientSettings, EnvReader};

#[tokio::main]
async fn main() -> Result<(), Error> {
    tailorflow_shared::telemetry::init();
    let mut env = EnvReader::from_process();
    let settings = ClientSettings::read(&mut env);
    let settings = env.finish(move || settings)?;
    let clients = AwsClients::load(&settings).await;
    let clients = &clients;
    run(service_fn(|event: LambdaEvent<Value>| async move {
        let _ = clients;
        Ok::<Value, Error>(event.payload)
    }))
    .await
}
