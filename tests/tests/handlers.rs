//! The handlers whose issues have not landed yet are reachable with their own event types and
//! refuse events openly. (alert-publisher has its own tests in alert_publisher.rs.)

use aws_lambda_events::event::eventbridge::EventBridgeEvent;
use aws_lambda_events::event::sqs::SqsEvent;
use lambda_http::RequestExt;
use tailorflow_integration_tests::{clients, emulator, invocation};

#[tokio::test]
async fn event_handlers_are_reachable_and_refuse_openly_until_implemented() {
    let emulator = emulator().await;
    let clients = clients(&emulator).await;

    let state = vod_source_ingest::State { clients: clients.clone() };
    let err = vod_source_ingest::handler(&state, invocation(SqsEvent::default())).await.unwrap_err();
    assert!(err.to_string().contains("not implemented yet (issue 4)"), "{err}");

    let state = program_scheduler::State { clients: clients.clone() };
    let event: EventBridgeEvent<serde_json::Value> = serde_json::from_value(serde_json::json!({
        "version": "0", "id": "1", "detail-type": "Scheduled Event", "source": "aws.events",
        "account": "123456789012", "time": "2026-11-25T06:00:00Z", "region": "us-east-1",
        "resources": [], "detail": {}
    }))
    .unwrap();
    let err = program_scheduler::handler(&state, invocation(event)).await.unwrap_err();
    assert!(err.to_string().contains("issue 5"), "{err}");

    assert!(emulator.call_counts().is_empty(), "a refused event must not reach AWS");
    emulator.stop().await;
}

#[tokio::test]
async fn api_handler_is_reachable_and_answers_in_its_error_shape() {
    let emulator = emulator().await;
    let state = playback_config_api::State { clients: clients(&emulator).await };
    let request = lambda_http::http::Request::builder()
        .uri("/playback-configurations")
        .body(lambda_http::Body::Empty)
        .unwrap()
        .with_lambda_context(invocation(()).context);
    let response = playback_config_api::handler(&state, request).await.unwrap();
    assert_eq!(response.status(), 501);
    let body: serde_json::Value = serde_json::from_slice(response.body().as_ref()).unwrap();
    assert_eq!(body["error"]["code"], "NotImplemented");
    assert_eq!(body["error"]["requestId"], "00000000-0000-4000-8000-000000000000");
    emulator.stop().await;
}
