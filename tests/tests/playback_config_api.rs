//! playback-config-api through its handler, with API Gateway REST (v1), HTTP API (v2) and
//! function URL events from `events/playback-config-api/`, against mediatailor-local. Every
//! response, success or error, is checked against the API's OpenAPI document.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use lambda_http::http::header::{ALLOW, CONTENT_TYPE, ETAG, IF_MATCH, RETRY_AFTER};
use lambda_http::request::RequestContext;
use lambda_http::{Body, Request, RequestExt};
use mediatailor_local::{Emulator, FaultConfig};
use playback_config_api::{ChangeEvents, OPENAPI, Route, State};
use serde_json::{Value, json};
use tailorflow_integration_tests::{CapturedLogs, captured_logs, clients, emulator, invocation};
use tailorflow_shared::ClientSettings;

const REQUEST_ID: &str = "00000000-0000-4000-8000-000000000000";
const BUS: &str = "config-changes";

fn events_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../events/playback-config-api")
}

/// The event file `name` as lambda_http hands it to the handler, with a Lambda context.
fn event(name: &str) -> Request {
    logs();
    let path = events_dir().join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    lambda_http::request::from_str(&text)
        .unwrap_or_else(|e| panic!("{name}: {e}"))
        .with_lambda_context(invocation(()).context)
}

/// A request built by hand (the shape lambda_http gives a function URL without a stage).
fn request(method: &str, uri: &str, content_type: Option<&str>, body: &str) -> Request {
    let mut builder = lambda_http::http::Request::builder().method(method).uri(uri);
    if let Some(content_type) = content_type {
        builder = builder.header(CONTENT_TYPE, content_type);
    }
    let body = if body.is_empty() { Body::Empty } else { Body::from(body.to_owned()) };
    builder.body(body).unwrap().with_lambda_context(invocation(()).context)
}

fn put(name: &str, body: &Value) -> Request {
    request("PUT", &format!("/playback-configurations/{name}"), Some("application/json"), &body.to_string())
}

fn get(uri: &str) -> Request {
    request("GET", uri, None, "")
}

/// A PATCH of `name` with `body` as `application/merge-patch+json`.
fn patch(name: &str, body: &Value, if_match: Option<&str>) -> Request {
    let uri = format!("/playback-configurations/{name}");
    with_if_match(request("PATCH", &uri, Some("application/merge-patch+json"), &body.to_string()), if_match)
}

fn delete(name: &str, if_match: Option<&str>) -> Request {
    with_if_match(request("DELETE", &format!("/playback-configurations/{name}"), None, ""), if_match)
}

fn with_if_match(mut request: Request, etag: Option<&str>) -> Request {
    if let Some(etag) = etag {
        request.headers_mut().insert(IF_MATCH, etag.parse().unwrap());
    }
    request
}

/// One answer, already checked against the OpenAPI document.
#[derive(Debug)]
struct Answer {
    status: u16,
    headers: lambda_http::http::HeaderMap,
    body: Value,
}

impl Answer {
    fn etag(&self) -> String {
        self.headers.get(ETAG).unwrap_or_else(|| panic!("no ETag: {self:?}")).to_str().unwrap().to_owned()
    }
    fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or_default()
    }
    fn field(&self) -> Option<&str> {
        self.body["error"]["field"].as_str()
    }
}

struct Api {
    emulator: Emulator,
    state: State,
    document: Value,
}

impl Api {
    async fn start() -> Self {
        logs();
        let emulator = emulator().await;
        let state = State::new(clients(&emulator).await);
        Self::with(emulator, state)
    }

    /// An API whose clients make one attempt, for fault tests; `backoff` sets Retry-After.
    async fn impatient(backoff: Duration) -> Self {
        logs();
        let emulator = emulator().await;
        let settings = ClientSettings {
            max_attempts: 1,
            initial_backoff: backoff,
            attempt_timeout: Duration::from_millis(500),
            operation_timeout: Duration::from_secs(2),
            ..ClientSettings::default()
        };
        let state = State::new(tailorflow_shared::AwsClients::for_emulator(&emulator.sdk_config().await, &settings));
        Self::with(emulator, state)
    }

    /// The same API, publishing change events to the bus [`BUS`].
    fn publishing(self) -> Self {
        let state = self.state.clone().with_change_events(ChangeEvents::new(BUS, "playback-config-api"));
        Self { state, ..self }
    }

    /// Change events that could not be published so far.
    fn failed_events(&self) -> u64 {
        self.state.change_events.as_ref().map_or(0, ChangeEvents::failed)
    }

    fn with(emulator: Emulator, state: State) -> Self {
        let document = serde_json::from_str(OPENAPI).unwrap();
        Self { emulator, state, document }
    }

    async fn call(&self, request: Request) -> Answer {
        let route = playback_config_api::route_of(&request);
        let method = request.method().as_str().to_ascii_lowercase();
        let response = playback_config_api::handler(&self.state, request).await.unwrap();
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = response.body().as_ref().to_vec();
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            assert_eq!(headers[CONTENT_TYPE], "application/json");
            serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("answer is not JSON: {e}"))
        };
        let answer = Answer { status, headers, body };
        check_against_openapi(&self.document, route.as_ref(), &method, &answer);
        if status >= 400 {
            assert_eq!(answer.body["error"]["requestId"], REQUEST_ID, "{answer:?}");
        }
        answer
    }

    async fn stop(self) {
        self.emulator.stop().await;
    }
}

/// Follows `#/components/...` references inside the document.
fn resolve<'d>(document: &'d Value, node: &'d Value) -> &'d Value {
    match node.get("$ref").and_then(Value::as_str) {
        Some(pointer) => {
            let target = document
                .pointer(pointer.trim_start_matches('#'))
                .unwrap_or_else(|| panic!("unresolvable $ref {pointer}"));
            resolve(document, target)
        }
        None => node,
    }
}

/// A validator for `schema`, with the document's components for its `$ref`s.
fn validator(document: &Value, schema: &Value) -> jsonschema::Validator {
    let root = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "components": document["components"],
        "allOf": [schema],
    });
    jsonschema::draft202012::new(&root).unwrap_or_else(|e| panic!("schema does not compile: {e}"))
}

/// The response object for `status` of `method` on `route`: the operation's own, or for a
/// method or path the document does not list, its MethodNotAllowed or NotFound response.
fn documented_response<'d>(document: &'d Value, route: Option<&Route>, method: &str, status: u16) -> &'d Value {
    let operation = route.and_then(|r| document["paths"][r.template()].get(method));
    match operation {
        Some(operation) => {
            let response = operation["responses"]
                .get(status.to_string())
                .unwrap_or_else(|| panic!("{method} {:?} answered {status}, which the document does not list", route));
            resolve(document, response)
        }
        None => {
            let name = match (route, status) {
                (Some(_), 405) => "MethodNotAllowed",
                (None, 404) => "NotFound",
                _ => panic!("{method} {route:?} is not in the document, and answered {status}"),
            };
            &document["components"]["responses"][name]
        }
    }
}

fn check_against_openapi(document: &Value, route: Option<&Route>, method: &str, answer: &Answer) {
    let response = documented_response(document, route, method, answer.status);
    for header in response.get("headers").and_then(Value::as_object).into_iter().flat_map(|h| h.keys()) {
        let required = response["headers"][header]["required"] == json!(true);
        let Some(value) = answer.headers.get(header.as_str()) else {
            assert!(!required, "{header} missing: {answer:?}");
            continue;
        };
        let schema = &response["headers"][header]["schema"];
        let value = value.to_str().unwrap();
        let value = if schema["type"] == "integer" { json!(value.parse::<i64>().unwrap()) } else { json!(value) };
        let errors: Vec<String> = validator(document, schema).iter_errors(&value).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "header {header}: {errors:?}");
    }
    match response.get("content") {
        None => assert_eq!(answer.body, Value::Null, "{} has no content in the document", answer.status),
        Some(content) => {
            let schema = &content["application/json"]["schema"];
            let errors: Vec<String> = validator(document, schema)
                .iter_errors(&answer.body)
                .map(|e| format!("{} at {}", e, e.instance_path()))
                .collect();
            assert!(errors.is_empty(), "{method} {route:?} {}: {errors:?}\n{:#}", answer.status, answer.body);
        }
    }
}

fn put_body(name: &str) -> Value {
    let request = event(name);
    serde_json::from_slice(request.body().as_ref()).unwrap()
}

#[test]
fn every_event_parses_as_its_api_gateway_version() {
    let mut seen = 0;
    for entry in std::fs::read_dir(events_dir()).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_str().unwrap().to_owned();
        let request = event(&name);
        let context = request.request_context_ref().unwrap_or_else(|| panic!("{name} has no request context"));
        match (&name[..3], context) {
            ("v1-", RequestContext::ApiGatewayV1(ctx)) => assert_eq!(ctx.stage.as_deref(), Some("prod"), "{name}"),
            ("v2-", RequestContext::ApiGatewayV2(ctx)) => assert_eq!(ctx.stage.as_deref(), Some("prod"), "{name}"),
            ("url", RequestContext::ApiGatewayV2(ctx)) => assert_eq!(ctx.stage.as_deref(), Some("$default"), "{name}"),
            (_, other) => panic!("{name} parsed as {other:?}"),
        }
        // lambda_http puts the stage into the URI of both versions; the routes must not see it.
        if name.starts_with("v") {
            assert!(request.uri().path().starts_with("/prod/"), "{name}: {}", request.uri());
        }
        seen += 1;
    }
    assert_eq!(seen, 39, "one event per route and version, the malformed ones, and a function URL");
}

#[test]
fn the_request_schema_agrees_with_the_events() {
    let document: Value = serde_json::from_str(OPENAPI).unwrap();
    let schema = &document["components"]["schemas"]["PutPlaybackConfigurationRequest"];
    let validator = validator(&document, schema);
    for good in ["v1-put", "v2-put"] {
        let errors: Vec<String> = validator.iter_errors(&put_body(good)).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{good}: {errors:?}");
    }
    for bad in ["v1-put-unknown-member", "v2-put-bad-url", "v1-put-huge-body"] {
        assert!(!validator.is_valid(&put_body(bad)), "{bad} should not match the request schema");
    }
    assert!(!validator.is_valid(&json!({"Tags": {}, "tags": {}})));
    assert!(!validator.is_valid(&json!({"AvailSuppression": {"Value": "00:60:00"}})));
    assert!(!validator.is_valid(&json!({"PersonalizationThresholdSeconds": 0})));
}

#[tokio::test]
async fn every_route_answers_in_both_api_gateway_versions() {
    let api = Api::start().await;

    // PUT creates (v2, tags as Tags), then replaces (v1, tags as the wire's tags).
    for name in ["v2-put", "v1-put"] {
        let answer = api.call(event(name)).await;
        assert_eq!(answer.status, 200, "{name}: {answer:?}");
        let sent = put_body(name);
        let body = &answer.body;
        assert_eq!(body["Name"], "conf-1");
        for member in [
            "AdDecisionServerUrl",
            "AvailSuppression",
            "Bumper",
            "CdnConfiguration",
            "ConfigurationAliases",
            "LivePreRollConfiguration",
            "ManifestProcessingRules",
            "PersonalizationThresholdSeconds",
            "SlateAdUrl",
            "TranscodeProfileName",
            "VideoContentSourceUrl",
        ] {
            assert_eq!(body[member], sent[member], "{name}: {member}");
        }
        assert_eq!(body["Tags"], json!({"team": "video", "env": "prod"}), "{name}");
        assert_eq!(body["DashConfiguration"]["MpdLocation"], "DISABLED");
        assert_eq!(body["DashConfiguration"]["OriginManifestType"], "SINGLE_PERIOD");
        assert!(body["DashConfiguration"]["ManifestEndpointPrefix"].is_string());
        assert!(body["HlsConfiguration"]["ManifestEndpointPrefix"].is_string());
        assert!(body["PlaybackConfigurationArn"].as_str().unwrap().ends_with(":playbackConfiguration/conf-1"));
    }
    assert_eq!(api.emulator.call_counts()["PutPlaybackConfiguration"], 2);

    // What MediaTailor holds is what was put.
    let stored = api.state.clients.mediatailor.get_playback_configuration().name("conf-1").send().await.unwrap();
    assert_eq!(stored.personalization_threshold_seconds, Some(2));
    assert_eq!(stored.tags.unwrap()["team"], "video");

    for name in ["v1-get", "v2-get", "url-get"] {
        let answer = api.call(event(name)).await;
        assert_eq!(answer.status, 200, "{name}: {answer:?}");
        assert_eq!(answer.body["Name"], "conf-1", "{name}");
    }
    for name in ["v1-list", "v2-list"] {
        let answer = api.call(event(name)).await;
        assert_eq!(answer.status, 200, "{name}: {answer:?}");
        assert_eq!(answer.body["Items"].as_array().unwrap().len(), 1, "{name}");
        assert_eq!(answer.body["Items"][0]["Name"], "conf-1", "{name}");
        assert!(answer.body.get("NextToken").is_none(), "{name}");
    }
    for name in ["v1-openapi", "v2-openapi"] {
        let answer = api.call(event(name)).await;
        assert_eq!(answer.status, 200, "{name}");
        assert_eq!(answer.body, api.document, "{name}: the served document is the checked-in one");
    }

    let answer = api.call(event("v1-delete")).await;
    assert_eq!(answer.status, 204, "{answer:?}");
    assert_eq!(answer.body, Value::Null);
    let answer = api.call(event("v2-delete")).await;
    assert_eq!((answer.status, answer.code()), (404, "PlaybackConfigurationNotFound"), "{answer:?}");
    let answer = api.call(event("v1-get")).await;
    assert_eq!((answer.status, answer.code()), (404, "PlaybackConfigurationNotFound"));
    assert!(answer.body["error"]["message"].as_str().unwrap().contains("conf-1"));
    assert!(api.emulator.accepted_events().is_empty(), "without EVENT_BUS_NAME nothing is published");
    api.stop().await;
}

#[tokio::test]
async fn malformed_requests_are_refused_before_mediatailor() {
    let api = Api::start().await;
    let cases: [(&str, u16, &str, Option<&str>); 11] = [
        ("put-unknown-member", 400, "ValidationError", Some("AdDecisionServerURL")),
        ("put-duplicate-member", 400, "ValidationError", Some("AdDecisionServerUrl")),
        ("patch-duplicate-member", 400, "ValidationError", Some("AvailSuppression.Mode")),
        ("patch-wrong-content-type", 415, "UnsupportedMediaType", None),
        ("put-bad-url", 400, "ValidationError", Some("AdDecisionServerUrl")),
        ("put-non-json", 400, "MalformedJson", None),
        ("put-wrong-content-type", 415, "UnsupportedMediaType", None),
        ("put-huge-body", 413, "PayloadTooLarge", None),
        ("put-deep-json", 400, "MalformedJson", None),
        ("wrong-method", 405, "MethodNotAllowed", None),
        ("unknown-route", 404, "RouteNotFound", None),
    ];
    for version in ["v1", "v2"] {
        for (case, status, code, field) in cases {
            let name = format!("{version}-{case}");
            let answer = api.call(event(&name)).await;
            assert_eq!((answer.status, answer.code(), answer.field()), (status, code, field), "{name}: {answer:?}");
        }
    }
    let answer = api.call(event("v2-wrong-method")).await;
    assert_eq!(answer.headers[ALLOW], "GET");
    let answer = api.call(event("v1-put-deep-json")).await;
    assert!(answer.body["error"]["message"].as_str().unwrap().contains("recursion limit"), "{answer:?}");
    let answer = api.call(event("v1-put-unknown-member")).await;
    assert!(answer.body["error"]["message"].as_str().unwrap().contains("AdDecisionServerURL"), "{answer:?}");
    assert!(
        api.emulator.call_counts().is_empty(),
        "nothing refused may reach MediaTailor: {:?}",
        api.emulator.call_counts()
    );
    api.stop().await;
}

#[tokio::test]
async fn every_refusal_names_its_field_and_reaches_no_one() {
    let api = Api::start().await;
    let long = "a".repeat(65);
    let cases: Vec<(Request, u16, &str, Option<&str>)> = vec![
        (get("/playback-configurations/a%20b"), 400, "ValidationError", Some("Name")),
        (get(&format!("/playback-configurations/{long}")), 400, "ValidationError", Some("Name")),
        (request("DELETE", "/playback-configurations/a.b", None, ""), 400, "ValidationError", Some("Name")),
        (put("conf-1", &json!({"Name": "conf-2"})), 400, "ValidationError", Some("Name")),
        (put("conf-1", &json!({"Tags": {"a": "b"}, "tags": {"a": "b"}})), 400, "ValidationError", Some("Tags")),
        (put("conf-1", &json!({"tags": {"aws:team": "x"}})), 400, "ValidationError", Some("Tags")),
        (
            put("conf-1", &json!({"AvailSuppression": {"Value": "00:60:00"}})),
            400,
            "ValidationError",
            Some("AvailSuppression.Value"),
        ),
        (
            put("conf-1", &json!({"AvailSuppression": {"Mode": "ON"}})),
            400,
            "ValidationError",
            Some("AvailSuppression.Mode"),
        ),
        (
            put("conf-1", &json!({"DashConfiguration": {"MpdLocation": "x"}})),
            400,
            "ValidationError",
            Some("DashConfiguration.MpdLocation"),
        ),
        (
            put("conf-1", &json!({"DashConfiguration": {"OriginManifestType": "x"}})),
            400,
            "ValidationError",
            Some("DashConfiguration.OriginManifestType"),
        ),
        (
            put("conf-1", &json!({"VideoContentSourceUrl": format!("https://o.example.com/{}", "a".repeat(500))})),
            400,
            "ValidationError",
            Some("VideoContentSourceUrl"),
        ),
        (
            put("conf-1", &json!({"AdDecisionServerUrl": format!("https://a.example.com/{}", "a".repeat(25_000))})),
            400,
            "ValidationError",
            Some("AdDecisionServerUrl"),
        ),
        (
            put("conf-1", &json!({"PersonalizationThresholdSeconds": 0})),
            400,
            "ValidationError",
            Some("PersonalizationThresholdSeconds"),
        ),
        (
            put("conf-1", &json!({"LivePreRollConfiguration": {"MaxDurationSeconds": -1}})),
            400,
            "ValidationError",
            Some("LivePreRollConfiguration.MaxDurationSeconds"),
        ),
        (
            put("conf-1", &json!({"ManifestProcessingRules": {"AdMarkerPassthrough": {"Enabled": "yes"}}})),
            400,
            "ValidationError",
            Some("ManifestProcessingRules.AdMarkerPassthrough.Enabled"),
        ),
        (put("conf-1", &json!({"Bumper": ["https://a.example.com"]})), 400, "ValidationError", Some("Bumper")),
        (
            put("conf-1", &json!({"ConfigurationAliases": {"x": {"a": "b"}}})),
            400,
            "ValidationError",
            Some("ConfigurationAliases.x"),
        ),
        (put("conf-1", &json!(["https://ads.example.com"])), 400, "MalformedJson", None),
        (request("PUT", "/playback-configurations/conf-1", Some("application/json"), ""), 400, "MalformedJson", None),
        (request("PUT", "/playback-configurations/conf-1", None, "{}"), 415, "UnsupportedMediaType", None),
        (
            request("PUT", "/playback-configurations/conf-1", Some("application/json; charset=latin1"), "{}"),
            415,
            "UnsupportedMediaType",
            None,
        ),
        (get("/playback-configurations?maxResults=0"), 400, "ValidationError", Some("maxResults")),
        (get("/playback-configurations?maxResults=101"), 400, "ValidationError", Some("maxResults")),
        (get("/playback-configurations?maxResults=ten"), 400, "ValidationError", Some("maxResults")),
        (get("/playback-configurations?MaxResults=5"), 400, "ValidationError", Some("MaxResults")),
        (get("/playback-configurations/conf-1?verbose=1"), 400, "ValidationError", Some("verbose")),
        (request("POST", "/playback-configurations/conf-1", None, ""), 405, "MethodNotAllowed", None),
        (request("PATCH", "/openapi.json", None, ""), 405, "MethodNotAllowed", None),
        (get("/playback-configurations/"), 404, "RouteNotFound", None),
        (get("/playback-configurations/a/b"), 404, "RouteNotFound", None),
    ];
    for (request, status, code, field) in cases {
        let what = format!("{} {}", request.method(), request.uri());
        let answer = api.call(request).await;
        assert_eq!((answer.status, answer.code(), answer.field()), (status, code, field), "{what}: {answer:?}");
    }
    assert!(api.emulator.call_counts().is_empty(), "{:?}", api.emulator.call_counts());
    let answer = api.call(request("DELETE", "/openapi.json", None, "")).await;
    assert_eq!(answer.headers[ALLOW], "GET");
    let answer = api.call(request("POST", "/playback-configurations/x", None, "")).await;
    assert_eq!(answer.headers[ALLOW], "DELETE, GET, PATCH, PUT");
    api.stop().await;
}

#[tokio::test]
async fn pages_follow_next_token_to_the_end() {
    let api = Api::start().await;
    let names: Vec<String> = (0..7).map(|i| format!("conf-{i:02}")).collect();
    for name in &names {
        let answer = api.call(put(name, &json!({"VideoContentSourceUrl": "https://origin.example.com/"}))).await;
        assert_eq!(answer.status, 200, "{answer:?}");
    }
    let mut seen = Vec::new();
    let mut uri = "/playback-configurations?maxResults=3".to_owned();
    for _ in 0..10 {
        let answer = api.call(get(&uri)).await;
        assert_eq!(answer.status, 200, "{answer:?}");
        let items = answer.body["Items"].as_array().unwrap();
        assert!(items.len() <= 3);
        seen.extend(items.iter().map(|i| i["Name"].as_str().unwrap().to_owned()));
        match answer.body.get("NextToken").and_then(Value::as_str) {
            Some(token) => uri = format!("/playback-configurations?maxResults=3&nextToken={token}"),
            None => break,
        }
    }
    assert_eq!(seen, names, "every configuration once, in order");

    // A token MediaTailor does not know is the caller's to fix.
    let answer = api.call(get("/playback-configurations?nextToken=not-a-token")).await;
    assert_eq!(
        (answer.status, answer.code(), answer.field()),
        (400, "ValidationError", Some("nextToken")),
        "{answer:?}"
    );
    api.stop().await;
}

#[tokio::test]
async fn the_default_page_is_fifty() {
    let api = Api::start().await;
    let client = &api.state.clients.mediatailor;
    for i in 0..51 {
        client.put_playback_configuration().name(format!("c{i:02}")).send().await.unwrap();
    }
    let answer = api.call(get("/playback-configurations")).await;
    assert_eq!(answer.body["Items"].as_array().unwrap().len(), 50);
    assert!(answer.body["NextToken"].is_string());
    let answer = api.call(get("/playback-configurations?maxResults=100")).await;
    assert_eq!(answer.body["Items"].as_array().unwrap().len(), 51);
    assert!(answer.body.get("NextToken").is_none());
    api.stop().await;
}

#[tokio::test]
async fn throttling_is_429_with_retry_after() {
    let api = Api::impatient(Duration::from_millis(2_500)).await;
    api.emulator
        .set_faults(FaultConfig {
            throttle_rate: 1.0,
            operations: vec!["GetPlaybackConfiguration".into()],
            ..Default::default()
        })
        .unwrap();
    let answer = api.call(event("v1-get")).await;
    assert_eq!((answer.status, answer.code()), (429, "Throttled"), "{answer:?}");
    assert_eq!(answer.headers[RETRY_AFTER], "3", "the SDK's first backoff, rounded up");
    let answer = api.call(event("v2-get")).await;
    assert_eq!(answer.status, 429);
    // Other operations are not throttled.
    let answer = api.call(event("v2-list")).await;
    assert_eq!(answer.status, 200, "{answer:?}");
    api.stop().await;
}

#[tokio::test]
async fn mediatailor_failures_are_502() {
    let api = Api::impatient(Duration::from_millis(10)).await;
    api.emulator.set_faults(FaultConfig { error_rate: 1.0, ..Default::default() }).unwrap();
    for name in ["v1-get", "v2-list", "v1-put", "v2-delete"] {
        let answer = api.call(event(name)).await;
        assert_eq!((answer.status, answer.code()), (502, "UpstreamFailure"), "{name}: {answer:?}");
        assert!(answer.body["error"]["message"].as_str().unwrap().contains("HTTP 500"), "{answer:?}");
    }
    api.stop().await;
}

#[tokio::test]
async fn mediatailor_timeouts_are_502() {
    let api = Api::impatient(Duration::from_millis(10)).await;
    // Longer than the clients' 500 ms attempt timeout.
    api.emulator.set_faults(FaultConfig { latency_ms: 1_500, ..Default::default() }).unwrap();
    let answer = api.call(event("v2-get")).await;
    assert_eq!((answer.status, answer.code()), (502, "UpstreamFailure"), "{answer:?}");
    api.stop().await;
}

/// Collects what the subscriber writes.
/// Every log line of this test binary, up to DEBUG.
fn logs() -> &'static CapturedLogs {
    captured_logs(tracing::Level::DEBUG)
}

#[tokio::test]
async fn logs_name_the_ad_server_host_never_its_query() {
    let api = Api::start().await;
    for name in ["v1-put", "v2-put", "v1-put-bad-url", "v2-get", "v2-list"] {
        api.call(event(name)).await;
    }
    api.emulator.set_faults(FaultConfig { error_rate: 1.0, ..Default::default() }).unwrap();
    api.call(event("v1-put")).await;
    let logs = logs().text();
    let ours: Vec<&str> = logs.lines().filter(|l| l.contains("playback_config_api:")).collect();
    assert!(
        ours.iter().any(|l| l.contains("playback configuration put") && l.contains("ads_host=\"ads.example.com\"")),
        "{logs}"
    );
    assert!(ours.iter().any(|l| l.contains("request refused") && l.contains("AdDecisionServerUrl")), "{logs}");
    assert!(ours.iter().any(|l| l.contains("request failed") && l.contains("502")), "{logs}");
    for line in &ours {
        assert!(!line.contains("/vast") && !line.contains("/preroll"), "{line}");
    }
    // Up to DEBUG nothing logs the key, in this test or any other of this binary: not this
    // function, not the SDK, not the emulator. (The SDK logs whole responses at TRACE.)
    assert!(!logs.contains("SECRET-ADS-KEY"), "{logs}");
    api.stop().await;
}

#[tokio::test]
async fn the_openapi_document_is_served_and_every_schema_compiles() {
    let api = Api::start().await;
    let answer = api.call(get("/openapi.json")).await;
    assert_eq!(answer.status, 200);
    let document = &api.document;
    assert_eq!(document["openapi"], "3.1.0");
    for (name, schema) in document["components"]["schemas"].as_object().unwrap() {
        let _ = validator(document, schema);
        assert!(!name.is_empty());
    }
    // Every $ref in the document resolves.
    fn refs<'v>(node: &'v Value, out: &mut Vec<&'v str>) {
        match node {
            Value::Object(map) => {
                if let Some(Value::String(r)) = map.get("$ref") {
                    out.push(r);
                }
                map.values().for_each(|v| refs(v, out));
            }
            Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }
    let mut all = Vec::new();
    refs(document, &mut all);
    assert!(all.len() > 20);
    for r in all {
        assert!(document.pointer(r.trim_start_matches('#')).is_some(), "{r}");
    }
    // Every operation documents the failures every route can answer.
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap().iter().filter(|(m, _)| *m != "parameters") {
            for status in ["200", "400", "500"].iter().filter(|s| !(**s == "200" && method == "delete")) {
                assert!(operation["responses"].get(*status).is_some(), "{method} {path} {status}");
            }
        }
    }
    api.stop().await;
}

#[test]
fn the_openapi_check_refuses_answers_the_document_does_not_allow() {
    let document: Value = serde_json::from_str(OPENAPI).unwrap();
    let error = |code: &str| json!({"error": {"code": code, "message": "m", "requestId": REQUEST_ID}});
    let item = Route::Item("x".into());
    let mut json_headers = lambda_http::http::HeaderMap::new();
    json_headers.insert(CONTENT_TYPE, "application/json".parse().unwrap());
    let cases: Vec<(Option<&Route>, &str, u16, Value)> = vec![
        (Some(&Route::List), "get", 200, json!({"Items": [{"Name": "x", "Unknown": 1}]})),
        (Some(&Route::List), "get", 200, json!({"NextToken": "t"})),
        (Some(&item), "get", 404, error("NotFound")),
        (Some(&item), "get", 413, error("PayloadTooLarge")),
        (Some(&item), "put", 200, error("ValidationError")),
        (Some(&item), "delete", 204, json!({})),
        (Some(&Route::List), "get", 400, json!({"error": {"code": "ValidationError", "message": "m"}})),
        (
            Some(&Route::List),
            "get",
            400,
            json!({"error": {"code": "ValidationError", "message": "m", "requestId": "r", "extra": 1}}),
        ),
        (Some(&Route::List), "post", 405, error("MethodNotAllowed")),
        (Some(&item), "get", 429, error("Throttled")),
        (None, "get", 400, error("ValidationError")),
    ];
    for (route, method, status, body) in cases {
        let answer = Answer { status, headers: json_headers.clone(), body: body.clone() };
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            check_against_openapi(&document, route, method, &answer);
        }));
        assert!(outcome.is_err(), "{method} {route:?} {status} {body} should not pass the document");
    }
    // And the same shapes done right pass.
    let mut allow = json_headers.clone();
    allow.insert(ALLOW, "GET".parse().unwrap());
    check_against_openapi(
        &document,
        Some(&Route::List),
        "post",
        &Answer { status: 405, headers: allow, body: error("MethodNotAllowed") },
    );
    let mut retry = json_headers.clone();
    retry.insert(RETRY_AFTER, "1".parse().unwrap());
    check_against_openapi(
        &document,
        Some(&item),
        "get",
        &Answer { status: 429, headers: retry, body: error("Throttled") },
    );
}

#[tokio::test]
async fn patch_merges_nested_members_removes_nulls_and_keeps_the_rest() {
    let api = Api::start().await;
    assert_eq!(api.call(event("v2-put")).await.status, 200);
    let before = api.call(get("/playback-configurations/conf-1")).await.body;
    let answer = api.call(event("v2-patch")).await;
    assert_eq!(answer.status, 200, "{answer:?}");
    let after = api.call(get("/playback-configurations/conf-1")).await.body;
    assert_eq!(answer.body, after, "the answer is what MediaTailor now holds");
    assert_eq!(after["AdDecisionServerUrl"], "https://ads-new.example.com/vast?key=SECRET-ADS-KEY&sid=[session.id]");
    // A nested member merges: Value changes, Mode stays.
    assert_eq!(after["AvailSuppression"], json!({"Mode": "BEHIND_LIVE_EDGE", "Value": "00:01:00"}));
    assert!(after.get("Bumper").is_none(), "null removes a member: {after:#}");
    assert_eq!(after["Tags"], json!({"team": "video", "owner": "video-ops"}), "a null tag is untagged");
    for (member, value) in before.as_object().unwrap() {
        if !["AdDecisionServerUrl", "AvailSuppression", "Bumper", "Tags"].contains(&member.as_str()) {
            assert_eq!(&after[member], value, "{member} was left out of the patch and must not change");
        }
    }
    let stored = api.state.clients.mediatailor.get_playback_configuration().name("conf-1").send().await.unwrap();
    assert!(stored.bumper.is_none() && !stored.tags.unwrap().contains_key("env"));

    // Maps merge key by key, at depth.
    let body = json!({
        "ConfigurationAliases": {"player_params.origin_domain": {"pdx": null, "sfo": "origin-sfo.example.com"}},
        "ManifestProcessingRules": {"AdMarkerPassthrough": {"Enabled": false}}
    });
    let answer = api.call(patch("conf-1", &body, None)).await;
    assert_eq!(answer.status, 200, "{answer:?}");
    assert_eq!(
        answer.body["ConfigurationAliases"],
        json!({"player_params.origin_domain": {"iad": "origin-iad.example.com", "sfo": "origin-sfo.example.com"}})
    );
    assert_eq!(answer.body["ManifestProcessingRules"], json!({"AdMarkerPassthrough": {"Enabled": false}}));
    // A null Tags removes every tag.
    let answer = api.call(patch("conf-1", &json!({"Tags": null}), None)).await;
    assert_eq!(answer.status, 200, "{answer:?}");
    assert!(answer.body.get("Tags").is_none(), "{answer:?}");
    let stored = api.state.clients.mediatailor.get_playback_configuration().name("conf-1").send().await.unwrap();
    assert!(stored.tags.unwrap_or_default().is_empty());

    // Arrays and scalars replace a member whole; the result is validated as a PUT body is, and
    // nothing refused is put.
    let puts = api.emulator.call_counts()["PutPlaybackConfiguration"];
    let refused: [(Value, &str); 10] = [
        (json!({"Bumper": ["https://cdn.example.com/start.mp4"]}), "Bumper"),
        (json!({"AvailSuppression": "OFF"}), "AvailSuppression"),
        (json!({"AvailSuppression": {"Value": "00:60:00"}}), "AvailSuppression.Value"),
        (json!({"AdDecisionServerUrl": "not a url"}), "AdDecisionServerUrl"),
        (json!({"Tags": {"aws:x": "y"}}), "Tags"),
        (
            json!({"ConfigurationAliases": {"player_params.origin_domain": {"iad": null, "sfo": null}}}),
            "ConfigurationAliases.player_params.origin_domain",
        ),
        (json!({"Name": "other"}), "Name"),
        (json!({"Name": null}), "Name"),
        (json!({"Unknown": 1}), "Unknown"),
        (json!({"PersonalizationThresholdSeconds": "2"}), "PersonalizationThresholdSeconds"),
    ];
    for (body, field) in refused {
        let answer = api.call(patch("conf-1", &body, None)).await;
        assert_eq!((answer.status, answer.field()), (400, Some(field)), "{body}: {answer:?}");
    }
    assert_eq!(api.emulator.call_counts()["PutPlaybackConfiguration"], puts, "nothing refused was put");

    let answer = api.call(patch("missing", &json!({"SlateAdUrl": "https://cdn.example.com/s.mp4"}), None)).await;
    assert_eq!((answer.status, answer.code()), (404, "PlaybackConfigurationNotFound"), "{answer:?}");
    assert!(api.state.clients.mediatailor.get_playback_configuration().name("missing").send().await.is_err());
    api.stop().await;
}

#[tokio::test]
async fn etags_round_trip_and_stale_writes_are_412() {
    let api = Api::start().await;
    let origin = json!({"VideoContentSourceUrl": "https://origin.example.com/"});
    let created = api.call(put("conf-1", &origin)).await;
    assert_eq!(created.status, 200, "{created:?}");
    let first = created.etag();
    assert_eq!(api.call(get("/playback-configurations/conf-1")).await.etag(), first, "GET answers PUT's ETag");
    assert_eq!(api.call(put("conf-1", &origin)).await.etag(), first, "the same content, the same ETag");
    let noop = api.call(patch("conf-1", &json!({}), Some(&first))).await;
    assert_eq!((noop.status, noop.etag()), (200, first.clone()));

    let patched =
        api.call(patch("conf-1", &json!({"SlateAdUrl": "https://cdn.example.com/s.mp4"}), Some(&first))).await;
    assert_eq!(patched.status, 200, "{patched:?}");
    let second = patched.etag();
    assert_ne!(second, first);
    assert_eq!(api.call(get("/playback-configurations/conf-1")).await.etag(), second);

    // Whoever still holds the first ETag is refused, told the current one, and writes nothing.
    let writes = |api: &Api| {
        let counts = api.emulator.call_counts();
        (counts.get("PutPlaybackConfiguration").copied(), counts.get("DeletePlaybackConfiguration").copied())
    };
    let before = writes(&api);
    let stale = [
        with_if_match(put("conf-1", &json!({"VideoContentSourceUrl": "https://other.example.com/"})), Some(&first)),
        patch("conf-1", &json!({"SlateAdUrl": null}), Some(&first)),
        delete("conf-1", Some(&first)),
        patch("conf-1", &json!({}), Some(&format!("W/{second}"))),
        patch("conf-1", &json!({}), Some("\"0000\", \"1111\"")),
        event("v1-delete-stale-if-match"),
        event("v2-delete-stale-if-match"),
        event("v1-patch-stale-if-match"),
        event("v2-patch-stale-if-match"),
    ];
    for request in stale {
        let what = format!("{} {:?}", request.method(), request.headers().get(IF_MATCH));
        let answer = api.call(request).await;
        assert_eq!((answer.status, answer.code()), (412, "PreconditionFailed"), "{what}: {answer:?}");
        assert_eq!(answer.etag(), second, "{what}");
        assert!(answer.body["error"]["message"].as_str().unwrap().contains(&second), "{answer:?}");
    }
    assert_eq!(writes(&api), before, "a failed precondition writes nothing");

    // One of a list, or *, matches.
    let answer = api.call(with_if_match(put("conf-1", &origin), Some(&format!("\"0000\", {second}")))).await;
    assert_eq!((answer.status, answer.etag()), (200, first.clone()), "back to the first content, the first ETag");
    let answer = api.call(patch("conf-1", &json!({"PersonalizationThresholdSeconds": 3}), Some("*"))).await;
    assert_eq!(answer.status, 200, "{answer:?}");
    let answer = api.call(patch("conf-1", &json!({}), Some("not-quoted"))).await;
    assert_eq!((answer.status, answer.field()), (400, Some("If-Match")), "{answer:?}");

    // No such configuration: a PUT with If-Match is 412 without an ETag and creates nothing;
    // DELETE and PATCH are 404 as without If-Match.
    let answer = api.call(with_if_match(put("conf-2", &json!({})), Some("*"))).await;
    assert_eq!((answer.status, answer.headers.get(ETAG)), (412, None), "{answer:?}");
    assert!(api.state.clients.mediatailor.get_playback_configuration().name("conf-2").send().await.is_err());
    assert_eq!(api.call(delete("conf-2", Some("*"))).await.status, 404);
    assert_eq!(api.call(patch("conf-2", &json!({}), Some("*"))).await.status, 404);

    let current = api.call(get("/playback-configurations/conf-1")).await.etag();
    assert_eq!(api.call(delete("conf-1", Some(&current))).await.status, 204);
    api.stop().await;
}

#[tokio::test]
async fn duplicate_members_are_refused_at_any_depth() {
    let api = Api::start().await;
    let cases = [
        (
            r#"{"AdDecisionServerUrl":"not a url","AdDecisionServerUrl":"https://ok.example.com/v"}"#,
            "AdDecisionServerUrl",
        ),
        (r#"{"Name":"a","Name":"b"}"#, "Name"),
        (r#"{"Name":"conf-1","Name":"conf-1"}"#, "Name"),
        (r#"{"AvailSuppression":{"Mode":"OFF","Value":"00:00:01","Mode":"OFF"}}"#, "AvailSuppression.Mode"),
        (
            r#"{"ManifestProcessingRules":{"AdMarkerPassthrough":{"Enabled":true,"Enabled":false}}}"#,
            "ManifestProcessingRules.AdMarkerPassthrough.Enabled",
        ),
        (r#"{"ConfigurationAliases":{"player_params.x":{"a":"1","a":"2"}}}"#, "ConfigurationAliases.player_params.x.a"),
        (r#"{"Tags":{"team":"a","team":"b"}}"#, "Tags.team"),
        (r#"{"tags":{},"tags":{}}"#, "tags"),
    ];
    for (body, field) in cases {
        for (method, content_type) in [("PUT", "application/json"), ("PATCH", "application/merge-patch+json")] {
            let answer = api.call(request(method, "/playback-configurations/conf-1", Some(content_type), body)).await;
            assert_eq!(
                (answer.status, answer.code(), answer.field()),
                (400, "ValidationError", Some(field)),
                "{method} {body}: {answer:?}"
            );
        }
    }
    assert!(api.emulator.call_counts().is_empty(), "{:?}", api.emulator.call_counts());
    api.stop().await;
}

#[tokio::test]
async fn every_write_publishes_what_changed_who_changed_it_and_the_request() {
    let api = Api::start().await.publishing();
    let mut answers = Vec::new();
    for name in ["v2-put", "v1-patch", "v1-delete"] {
        let answer = api.call(event(name)).await;
        assert!(matches!(answer.status, 200 | 204), "{name}: {answer:?}");
        answers.push(answer);
    }
    let events = api.emulator.accepted_events();
    assert_eq!(events.len(), 3, "{events:#?}");
    for event in &events {
        assert_eq!(event["source"], "tailorflow.playback-config-api");
        assert_eq!(event["detail-type"], "Playback Configuration Changed");
        assert_eq!(event["event-bus-name"], BUS);
        assert_eq!(event["detail"]["Name"], "conf-1");
        assert_eq!(event["detail"]["RequestId"], REQUEST_ID);
        assert_eq!(event["detail"]["Caller"]["UserArn"], "arn:aws:iam::123456789012:user/video-ops");
        assert_eq!(event["detail"]["Caller"]["AccountId"], "123456789012");
        assert!(event["resources"][0].as_str().unwrap().ends_with(":playbackConfiguration/conf-1"), "{event}");
    }
    let text = serde_json::to_string(&events).unwrap();
    assert!(!text.contains("SECRET-ADS-KEY") && !text.contains("AKIA") && !text.contains("sid="), "{text}");

    let created = &events[0]["detail"];
    assert_eq!((created["Operation"].as_str(), created["Change"].as_str()), (Some("PUT"), Some("Created")));
    assert_eq!(created["ApiRequestId"], "JKJaXmPLvHcESHA=");
    assert_eq!(created["ETag"], answers[0].etag());
    assert!(created.get("PreviousETag").is_none());
    assert_eq!(created["ChangedMembers"].as_array().unwrap().len(), 14, "{created:#}");
    assert_eq!(created["Changes"]["AdDecisionServerUrl"], json!({"After": "https://ads.example.com/vast"}));

    let updated = &events[1]["detail"];
    assert_eq!((updated["Operation"].as_str(), updated["Change"].as_str()), (Some("PATCH"), Some("Updated")));
    assert_eq!(updated["ChangedMembers"], json!(["AdDecisionServerUrl", "AvailSuppression", "Bumper", "Tags"]));
    assert_eq!(
        updated["Changes"]["AdDecisionServerUrl"],
        json!({"Before": "https://ads.example.com/vast", "After": "https://ads-new.example.com/vast"})
    );
    assert_eq!(
        updated["Changes"]["Bumper"],
        json!({"Before": {"StartUrl": "https://cdn.example.com/bumpers/start.mp4", "EndUrl": "https://cdn.example.com/bumpers/end.mp4"}})
    );
    assert_eq!(updated["Changes"]["Tags"]["After"], json!({"team": "video", "owner": "video-ops"}));
    assert_eq!((&updated["PreviousETag"], &updated["ETag"]), (&created["ETag"], &json!(answers[1].etag())));
    assert_eq!(updated["ApiRequestId"], "c6af9ac6-7b61-11e6-9a41-93e8deadbeef");

    let deleted = &events[2]["detail"];
    assert_eq!((deleted["Operation"].as_str(), deleted["Change"].as_str()), (Some("DELETE"), Some("Deleted")));
    assert_eq!(deleted["PreviousETag"], updated["ETag"]);
    assert!(deleted.get("ETag").is_none());

    // Refusals and failed writes publish nothing.
    for name in ["v2-put-bad-url", "v2-delete", "v2-patch", "v1-delete-stale-if-match"] {
        let answer = api.call(event(name)).await;
        assert!(answer.status >= 400, "{name}: {answer:?}");
    }
    assert_eq!(api.emulator.accepted_events().len(), 3);
    assert_eq!(api.failed_events(), 0);
    api.stop().await;
}

#[tokio::test]
async fn a_failing_bus_never_fails_the_write_and_is_counted() {
    let api = Api::impatient(Duration::from_millis(10)).await.publishing();
    api.emulator
        .set_faults(FaultConfig { error_rate: 1.0, operations: vec!["PutEvents".into()], ..Default::default() })
        .unwrap();
    let answer = api.call(event("v2-put")).await;
    assert_eq!(answer.status, 200, "the write stands: {answer:?}");
    assert!(api.state.clients.mediatailor.get_playback_configuration().name("conf-1").send().await.is_ok());
    assert_eq!(api.failed_events(), 1);

    // Entries refused inside a successful call count too.
    api.emulator.set_faults(FaultConfig { entry_failure_rate: 1.0, ..Default::default() }).unwrap();
    assert_eq!(api.call(event("v1-patch")).await.status, 200);
    assert_eq!(api.call(event("v1-delete")).await.status, 204);
    assert_eq!(api.failed_events(), 3);
    assert!(api.emulator.accepted_events().is_empty());
    let logs = logs().text();
    assert!(
        logs.lines().any(|l| l.contains("change event not published") && l.contains("ChangeEventsFailed")),
        "{logs}"
    );

    api.emulator.set_faults(FaultConfig::default()).unwrap();
    assert_eq!(api.call(event("v2-put")).await.status, 200);
    assert_eq!(api.emulator.accepted_events().len(), 1, "publishing resumes with the bus");
    assert_eq!(api.failed_events(), 3);
    api.stop().await;
}
