//! `AwsClients` reaches mediatailor-local through the SDK's own endpoint variables, with the
//! retries it was given.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use aws_config::BehaviorVersion;
use aws_types::os_shim_internal::Env;
use tailorflow_integration_tests::emulator;
use tailorflow_shared::{AwsCallError, AwsClients, ClientSettings, EnvReader, ErrorClass};

fn loader(vars: &[(&str, &str)]) -> aws_config::ConfigLoader {
    let mut all = vec![("AWS_REGION", "us-east-1"), ("AWS_ACCESS_KEY_ID", "test"), ("AWS_SECRET_ACCESS_KEY", "test")];
    all.extend_from_slice(vars);
    aws_config::defaults(BehaviorVersion::latest()).env(Env::from_slice(&all))
}

#[tokio::test]
async fn service_specific_endpoint_variables_are_honoured() {
    let emulator = emulator().await;
    let url = emulator.base_url().to_owned();
    let vars = [
        ("AWS_ENDPOINT_URL_MEDIATAILOR", url.as_str()),
        ("AWS_ENDPOINT_URL_EVENTBRIDGE", url.as_str()),
        ("AWS_ENDPOINT_URL_S3", url.as_str()),
    ];
    let mut env = EnvReader::from_pairs(vars);
    let settings = ClientSettings::read(&mut env).unwrap();
    assert!(settings.s3_force_path_style, "an S3 endpoint override implies path-style");
    let clients = AwsClients::load_with(&settings, loader(&vars)).await;

    clients.mediatailor.list_channels().send().await.unwrap();
    let object = clients.s3.get_object().bucket("tailorflow-media").key("packages/sintel/hls/index.m3u8").send().await;
    assert!(object.is_ok(), "{object:?}");
    let put = clients
        .eventbridge
        .put_events()
        .entries(
            aws_sdk_eventbridge::types::PutEventsRequestEntry::builder()
                .source("s")
                .detail_type("d")
                .detail("{}")
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(put.failed_entry_count(), 0);
    let calls = emulator.call_counts();
    assert_eq!((calls["ListChannels"], calls["GetObject"], calls["PutEvents"]), (1, 1, 1));
    emulator.stop().await;
}

#[tokio::test]
async fn the_general_endpoint_variable_and_max_attempts_are_honoured() {
    let emulator = emulator().await;
    let url = emulator.base_url().to_owned();
    emulator
        .set_faults(mediatailor_local::FaultConfig {
            throttle_rate: 1.0,
            operations: vec!["ListChannels".into()],
            ..Default::default()
        })
        .unwrap();
    let settings = ClientSettings { max_attempts: 2, ..ClientSettings::default() };
    let clients = AwsClients::load_with(&settings, loader(&[("AWS_ENDPOINT_URL", url.as_str())])).await;
    let err = clients.mediatailor.list_channels().send().await.unwrap_err();
    assert_eq!(AwsCallError::from_sdk("ListChannels", &err).class, ErrorClass::Throttled);
    assert_eq!(emulator.call_counts()["ListChannels"], 2, "exactly the configured attempts");
    emulator.stop().await;
}
