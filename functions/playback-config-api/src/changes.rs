//! `Playback Configuration Changed` events: which top-level members a write changed, who made
//! it, and the EventBridge entry that tells the rest of the team (pure; published in `lib.rs`).

use lambda_http::request::RequestContext;
use serde_json::{Map, Value, json};
use tailorflow_shared::aws::eventbridge::{Event, MAX_BYTES_PER_CALL};

use crate::etag::etag_of;

/// The events' `source`.
pub const EVENT_SOURCE: &str = "tailorflow.playback-config-api";
/// The events' `detail-type`.
pub const EVENT_DETAIL_TYPE: &str = "Playback Configuration Changed";

/// One successful write, as the event describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct Change<'a> {
    /// The configuration's name.
    pub name: &'a str,
    /// `PUT`, `PATCH` or `DELETE`.
    pub operation: &'static str,
    /// The content before the write (PUT shape), `None` when it did not exist.
    pub before: Option<&'a Value>,
    /// The content after the write (PUT shape), `None` once deleted.
    pub after: Option<&'a Value>,
    /// The configuration's ARN, when known.
    pub arn: Option<&'a str>,
    /// Who made the change ([`caller_of`]).
    pub caller: Option<Value>,
    /// The Lambda request id (the `requestId` of error bodies, to find the logs).
    pub request_id: &'a str,
    /// API Gateway's own request id, when there is one (its access log's `requestId`).
    pub api_request_id: Option<&'a str>,
}

/// The names of the top-level members that differ between `before` and `after`, sorted.
pub fn changed_members(before: Option<&Value>, after: Option<&Value>) -> Vec<String> {
    let empty = Map::new();
    let before = before.and_then(Value::as_object).unwrap_or(&empty);
    let after = after.and_then(Value::as_object).unwrap_or(&empty);
    let mut names: Vec<String> =
        before.keys().chain(after.keys()).filter(|k| before.get(*k) != after.get(*k)).cloned().collect();
    names.sort();
    names.dedup();
    names
}

/// `value` with every http(s) URL in it (at any depth) cut to scheme, host and path: no query
/// string or fragment (ad decision server URLs carry keys there) and no credentials.
pub fn redact_urls(value: &Value) -> Value {
    match value {
        Value::String(s) => Value::String(redact_url(s)),
        Value::Array(items) => Value::Array(items.iter().map(redact_urls).collect()),
        Value::Object(members) => Value::Object(members.iter().map(|(k, v)| (k.clone(), redact_urls(v))).collect()),
        other => other.clone(),
    }
}

fn redact_url(s: &str) -> String {
    let lower = s.get(..8).unwrap_or(s).to_ascii_lowercase();
    let scheme_len = if lower.starts_with("https://") {
        8
    } else if lower.starts_with("http://") {
        7
    } else {
        return s.to_owned();
    };
    let (scheme, rest) = s.split_at(scheme_len);
    let without_query = rest.split(['?', '#']).next().unwrap_or_default();
    let authority_end = without_query.find('/').unwrap_or(without_query.len());
    let (authority, path) = without_query.split_at(authority_end);
    let host = authority.rsplit_once('@').map_or(authority, |(_, host)| host);
    format!("{scheme}{host}{path}")
}

/// Who made the request, from what API Gateway (or a function URL with IAM auth) passes: the
/// IAM identity (`UserArn`, `AccountId`, `PrincipalId`), a JWT's `Subject`, or a Lambda
/// authorizer's `PrincipalId`. Never access keys or source addresses. `None` when it gives none.
pub fn caller_of(context: Option<&RequestContext>) -> Option<Value> {
    let mut caller = Map::new();
    let mut put = |key: &str, value: Option<&String>| {
        if let Some(value) = value.filter(|v| !v.is_empty()) {
            caller.entry(key.to_owned()).or_insert_with(|| Value::String(value.clone()));
        }
    };
    let authorizer = match context? {
        RequestContext::ApiGatewayV1(ctx) => {
            put("UserArn", ctx.identity.user_arn.as_ref());
            put("AccountId", ctx.identity.account_id.as_ref());
            put("PrincipalId", ctx.identity.caller.as_ref());
            Some(&ctx.authorizer)
        }
        RequestContext::ApiGatewayV2(ctx) => ctx.authorizer.as_ref(),
        _ => None,
    };
    if let Some(authorizer) = authorizer {
        if let Some(iam) = &authorizer.iam {
            put("UserArn", iam.user_arn.as_ref());
            put("AccountId", iam.account_id.as_ref());
            put("PrincipalId", iam.user_id.as_ref().or(iam.caller_id.as_ref()));
        }
        if let Some(jwt) = &authorizer.jwt {
            put("Subject", jwt.claims.get("sub"));
        }
        let principal = authorizer.fields.get("principalId").and_then(Value::as_str).map(str::to_owned);
        put("PrincipalId", principal.as_ref());
    }
    (!caller.is_empty()).then_some(Value::Object(caller))
}

/// API Gateway's request id, from either shape.
pub fn api_request_id(context: Option<&RequestContext>) -> Option<&str> {
    match context? {
        RequestContext::ApiGatewayV1(ctx) => ctx.request_id.as_deref(),
        RequestContext::ApiGatewayV2(ctx) => ctx.request_id.as_deref(),
        _ => None,
    }
}

/// The event's detail.
pub fn detail(change: &Change<'_>) -> Value {
    let members = changed_members(change.before, change.after);
    let value_of = |side: Option<&Value>, member: &str| side.and_then(|s| s.get(member)).map(redact_urls);
    let changes: Map<String, Value> = members
        .iter()
        .map(|member| {
            let mut entry = Map::new();
            if let Some(before) = value_of(change.before, member) {
                entry.insert("Before".into(), before);
            }
            if let Some(after) = value_of(change.after, member) {
                entry.insert("After".into(), after);
            }
            (member.clone(), Value::Object(entry))
        })
        .collect();
    let kind = match (change.before, change.after) {
        (None, Some(_)) => "Created",
        (Some(_), None) => "Deleted",
        _ => "Updated",
    };
    let mut detail = json!({
        "Name": change.name,
        "Operation": change.operation,
        "Change": kind,
        "ChangedMembers": members,
        "Changes": changes,
        "RequestId": change.request_id,
    });
    let extras = [
        ("ETag", change.after.map(etag_of).map(Value::String)),
        ("PreviousETag", change.before.map(etag_of).map(Value::String)),
        ("Caller", change.caller.clone()),
        ("ApiRequestId", change.api_request_id.map(|id| Value::String(id.to_owned()))),
    ];
    for (key, value) in extras {
        if let (Some(value), Some(map)) = (value, detail.as_object_mut()) {
            map.insert(key.into(), value);
        }
    }
    detail
}

/// The EventBridge entry for `change`. When the values would take it past PutEvents' size
/// limit (long ad decision server URLs twice over), `Changes` is left empty and
/// `ChangesOmitted` is `true`; `ChangedMembers` still names every member.
pub fn event(change: &Change<'_>) -> Event {
    let mut detail = detail(change);
    let build = |detail: &Value| Event {
        source: EVENT_SOURCE.into(),
        detail_type: EVENT_DETAIL_TYPE.into(),
        detail: detail.to_string(),
        resources: change.arn.map(str::to_owned).into_iter().collect(),
        time: None,
    };
    let event = build(&detail);
    if event.size() <= MAX_BYTES_PER_CALL {
        return event;
    }
    detail["Changes"] = json!({});
    detail["ChangesOmitted"] = json!(true);
    build(&detail)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_differing_top_level_members_are_named() {
        let before =
            json!({"Name": "c", "AvailSuppression": {"Mode": "OFF"}, "SlateAdUrl": "https://s/x", "Tags": {"a": "1"}});
        let after = json!({"Name": "c", "AvailSuppression": {"Mode": "OFF", "Value": "00:00:01"}, "Bumper": {}, "Tags": {"a": "1"}});
        assert_eq!(changed_members(Some(&before), Some(&after)), ["AvailSuppression", "Bumper", "SlateAdUrl"]);
        assert_eq!(changed_members(None, Some(&json!({"Name": "c", "Tags": {}}))), ["Name", "Tags"]);
        assert_eq!(changed_members(Some(&before), None).len(), 4);
        assert!(changed_members(Some(&before), Some(&before)).is_empty());
    }

    #[test]
    fn urls_lose_their_queries_fragments_and_credentials() {
        let value = json!({
            "AdDecisionServerUrl": "https://ads.example.com/vast?key=SECRET&sid=[session.id]",
            "Deep": {"List": ["HTTP://user:pw@h.example.com:8080/p#frag", "not a url?x=1"]},
            "N": 3
        });
        assert_eq!(
            redact_urls(&value),
            json!({
                "AdDecisionServerUrl": "https://ads.example.com/vast",
                "Deep": {"List": ["HTTP://h.example.com:8080/p", "not a url?x=1"]},
                "N": 3
            })
        );
        assert_eq!(redact_url("https://a.example.com?k=v"), "https://a.example.com");
        assert_eq!(redact_url("https://"), "https://");
    }

    fn change<'a>(before: Option<&'a Value>, after: Option<&'a Value>) -> Change<'a> {
        Change {
            name: "conf-1",
            operation: "PATCH",
            before,
            after,
            arn: Some("arn:aws:mediatailor:us-east-1:123456789012:playbackConfiguration/conf-1"),
            caller: Some(json!({"UserArn": "arn:aws:iam::123456789012:user/ops"})),
            request_id: "req-1",
            api_request_id: Some("api-1"),
        }
    }

    #[test]
    fn the_detail_names_members_values_etags_and_caller() {
        let before = json!({"Name": "conf-1", "AdDecisionServerUrl": "https://a.example.com/v?key=SECRET"});
        let after = json!({"Name": "conf-1", "AdDecisionServerUrl": "https://b.example.com/v?key=SECRET"});
        let detail = detail(&change(Some(&before), Some(&after)));
        assert_eq!(detail["Change"], "Updated");
        assert_eq!(detail["ChangedMembers"], json!(["AdDecisionServerUrl"]));
        assert_eq!(
            detail["Changes"]["AdDecisionServerUrl"],
            json!({"Before": "https://a.example.com/v", "After": "https://b.example.com/v"})
        );
        assert_eq!(detail["ETag"], etag_of(&after));
        assert_eq!(detail["PreviousETag"], etag_of(&before));
        assert_eq!(detail["Caller"]["UserArn"], "arn:aws:iam::123456789012:user/ops");
        assert_eq!((detail["RequestId"].as_str(), detail["ApiRequestId"].as_str()), (Some("req-1"), Some("api-1")));
        assert!(!detail.to_string().contains("SECRET"));
        let created = super::detail(&change(None, Some(&after)));
        assert_eq!(created["Change"], "Created");
        assert!(created.get("PreviousETag").is_none());
        let deleted = super::detail(&change(Some(&before), None));
        assert_eq!(deleted["Change"], "Deleted");
        assert!(deleted.get("ETag").is_none());
        assert_eq!(deleted["Changes"]["Name"], json!({"Before": "conf-1"}));
    }

    #[test]
    fn the_entry_has_source_type_resource_and_stays_under_the_limit() {
        let after = json!({"Name": "conf-1"});
        let event = event(&change(None, Some(&after)));
        assert_eq!((event.source.as_str(), event.detail_type.as_str()), (EVENT_SOURCE, EVENT_DETAIL_TYPE));
        assert_eq!(event.resources.len(), 1);
        let long = |host: &str| json!({ "AdDecisionServerUrl": format!("https://{host}/{}", "p".repeat(140_000)) });
        let (before, after) = (long("a.example.com"), long("b.example.com"));
        let event = super::event(&change(Some(&before), Some(&after)));
        assert!(event.size() <= MAX_BYTES_PER_CALL);
        let detail: Value = serde_json::from_str(&event.detail).unwrap();
        assert_eq!(detail["ChangedMembers"], json!(["AdDecisionServerUrl"]));
        assert_eq!(detail["ChangesOmitted"], true);
    }

    fn context(event: Value) -> RequestContext {
        let request = lambda_http::request::from_str(&event.to_string()).unwrap();
        lambda_http::RequestExt::request_context(&request)
    }

    #[test]
    fn callers_come_from_either_api_gateway_shape() {
        let v2 = context(json!({
            "version": "2.0", "routeKey": "$default", "rawPath": "/x", "rawQueryString": "", "headers": {},
            "requestContext": {"accountId": "1", "apiId": "a", "requestId": "r2", "stage": "$default",
                "authorizer": {"iam": {"accessKey": "AKIA", "accountId": "123", "callerId": "C", "userArn": "arn:u", "userId": "U"}},
                "http": {"method": "GET", "path": "/x", "protocol": "HTTP/1.1", "sourceIp": "1.2.3.4", "userAgent": "t"},
                "time": "t", "timeEpoch": 0},
            "isBase64Encoded": false
        }));
        assert_eq!(caller_of(Some(&v2)), Some(json!({"UserArn": "arn:u", "AccountId": "123", "PrincipalId": "U"})));
        assert_eq!(api_request_id(Some(&v2)), Some("r2"));
        let v1 = context(json!({
            "resource": "/x", "path": "/x", "httpMethod": "GET", "headers": {}, "multiValueHeaders": {},
            "requestContext": {"accountId": "1", "resourceId": "r", "stage": "prod", "requestId": "r1", "httpMethod": "GET",
                "identity": {"sourceIp": "1.2.3.4", "userArn": "arn:v1", "accountId": "456", "caller": "CALLER", "accessKey": "AKIA"},
                "resourcePath": "/x", "apiId": "a"},
            "body": null, "isBase64Encoded": false
        }));
        assert_eq!(
            caller_of(Some(&v1)),
            Some(json!({"UserArn": "arn:v1", "AccountId": "456", "PrincipalId": "CALLER"}))
        );
        assert_eq!(api_request_id(Some(&v1)), Some("r1"));
        assert_eq!(caller_of(None), None);
    }
}
