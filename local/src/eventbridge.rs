//! EventBridge `PutEvents` (awsJson1.1, `X-Amz-Target: AWSEvents.PutEvents`), with the
//! service's limits and per-entry results. Accepted events are kept in the shape EventBridge
//! delivers to targets, and optionally appended to a JSON-lines file.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Mutex;

use axum::body::to_bytes;
use axum::extract::Request;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::{App, lock, wire};

/// The most entries one PutEvents call may carry.
pub const MAX_ENTRIES: usize = 10;
/// The most bytes the entries of one call may total, counted as AWS counts them.
pub const MAX_TOTAL_SIZE: usize = 256 * 1024;

/// One request entry as sent.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PutEventsEntry {
    /// `source`.
    pub source: Option<String>,
    /// `detail-type`.
    pub detail_type: Option<String>,
    /// The event's detail: a JSON object, as a string.
    pub detail: Option<String>,
    /// The bus; `default` when absent.
    pub event_bus_name: Option<String>,
    /// Related ARNs.
    #[serde(default)]
    pub resources: Vec<String>,
    /// Epoch seconds.
    pub time: Option<f64>,
    /// X-Ray trace header (kept, not used).
    pub trace_header: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PutEventsRequest {
    entries: Option<Vec<PutEventsEntry>>,
}

impl PutEventsEntry {
    /// The entry's size as AWS counts it toward the 256 KB limit.
    pub fn size(&self) -> usize {
        let text = |s: &Option<String>| s.as_deref().map_or(0, str::len);
        let time = if self.time.is_some() { 14 } else { 0 };
        time + text(&self.source)
            + text(&self.detail_type)
            + text(&self.detail)
            + self.resources.iter().map(String::len).sum::<usize>()
    }

    /// Why the entry cannot be accepted, as EventBridge's per-entry error code and message.
    pub fn problem(&self) -> Option<(&'static str, String)> {
        for (member, value) in [("Source", &self.source), ("DetailType", &self.detail_type), ("Detail", &self.detail)] {
            if value.as_deref().is_none_or(str::is_empty) {
                return Some((
                    "InvalidArgument",
                    format!("Parameter {member} is not valid. Reason: {member} is a required argument."),
                ));
            }
        }
        let detail = self.detail.as_deref().unwrap_or_default();
        if !serde_json::from_str::<Value>(detail).is_ok_and(|v| v.is_object()) {
            return Some(("MalformedDetail", "Detail is malformed: it must be a JSON object.".into()));
        }
        None
    }
}

/// The events accepted so far.
pub struct EventBus {
    log: Option<PathBuf>,
    region: String,
    account: String,
    events: Mutex<Vec<Value>>,
}

impl EventBus {
    /// A bus that also appends accepted events to `events_log` as JSON lines.
    pub fn new(events_log: Option<PathBuf>, region: String, account: String) -> Self {
        Self { log: events_log, region, account, events: Mutex::new(Vec::new()) }
    }

    /// Every accepted event, oldest first.
    pub fn events(&self) -> Vec<Value> {
        lock(&self.events).clone()
    }

    /// Forgets every accepted event.
    pub fn clear(&self) {
        lock(&self.events).clear();
    }

    fn accept(&self, entry: &PutEventsEntry, id: &str) {
        let time = entry
            .time
            .and_then(|t| chrono::DateTime::from_timestamp_millis((t * 1000.0).round() as i64))
            .unwrap_or_else(chrono::Utc::now);
        let detail: Value = entry.detail.as_deref().and_then(|d| serde_json::from_str(d).ok()).unwrap_or(json!({}));
        let event = json!({
            "version": "0",
            "id": id,
            "detail-type": entry.detail_type,
            "source": entry.source,
            "account": self.account,
            "time": time.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            "region": self.region,
            "resources": entry.resources,
            "detail": detail,
            "event-bus-name": entry.event_bus_name.as_deref().unwrap_or("default"),
        });
        // Write the log under the lock so its lines keep the order of `events()`.
        let mut events = lock(&self.events);
        if let Some(path) = &self.log {
            let line = format!("{event}\n");
            let written = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .and_then(|mut file| file.write_all(line.as_bytes()));
            if let Err(err) = written {
                tracing::warn!(error = %err, path = %path.display(), "cannot append to the events log");
            }
        }
        events.push(event);
    }
}

/// The operation named by `X-Amz-Target`.
pub fn operation_name(headers: &HeaderMap) -> Option<&'static str> {
    let target = headers.get("x-amz-target")?.to_str().ok()?;
    (target == "AWSEvents.PutEvents").then_some("PutEvents")
}

/// Why the `Entries` member breaks the 1 to 10 rule, in the words of AWS's validation errors.
fn entries_problem(entries: Option<&[PutEventsEntry]>) -> Result<(), String> {
    let constraint = match entries.map(<[_]>::len) {
        None => "Member must not be null",
        Some(0) => "Member must have length greater than or equal to 1",
        Some(n) if n > MAX_ENTRIES => "Member must have length less than or equal to 10",
        Some(_) => return Ok(()),
    };
    let count = entries.map_or_else(|| "null".to_owned(), |e| e.len().to_string());
    Err(format!(
        "1 validation error detected: Value at 'entries' failed to satisfy constraint: {constraint} (Entries holds {count})"
    ))
}

/// Answers a signed EventBridge request.
pub(crate) async fn handle(app: &App, req: Request) -> Response {
    // Room for a 256 KB entry total even when every character of Detail is JSON-escaped.
    let body = match to_bytes(req.into_body(), 8 * MAX_TOTAL_SIZE).await {
        Ok(body) => body,
        Err(_) => {
            return wire::aws_json_error(
                StatusCode::PAYLOAD_TOO_LARGE,
                "ValidationException",
                "Total size of the entries in the request is over the limit.",
            );
        }
    };
    let request: PutEventsRequest = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(err) => return wire::aws_json_error(StatusCode::BAD_REQUEST, "SerializationException", &err.to_string()),
    };
    let entries = match entries_problem(request.entries.as_deref()) {
        Err(message) => return wire::aws_json_error(StatusCode::BAD_REQUEST, "ValidationException", &message),
        Ok(()) => request.entries.unwrap_or_default(),
    };
    let total: usize = entries.iter().map(PutEventsEntry::size).sum();
    if total > MAX_TOTAL_SIZE {
        return wire::aws_json_error(
            StatusCode::BAD_REQUEST,
            "ValidationException",
            &format!("Total size of the entries in the request is over the limit ({total} > {MAX_TOTAL_SIZE} bytes)."),
        );
    }
    let mut results = Vec::with_capacity(entries.len());
    let mut failed = 0;
    for entry in &entries {
        let outcome = match entry.problem() {
            Some(problem) => Err(problem),
            None if lock(&app.faults).entry_fails() => {
                Err(("InternalFailure", "The entry failed because of an internal error (injected).".to_owned()))
            }
            None => Ok(uuid::Uuid::new_v4().to_string()),
        };
        match outcome {
            Ok(id) => {
                app.events.accept(entry, &id);
                results.push(json!({ "EventId": id }));
            }
            Err((code, message)) => {
                failed += 1;
                results.push(json!({ "ErrorCode": code, "ErrorMessage": message }));
            }
        }
    }
    let mut response = wire::json(StatusCode::OK, &json!({ "FailedEntryCount": failed, "Entries": results }));
    response
        .headers_mut()
        .insert(axum::http::header::CONTENT_TYPE, axum::http::HeaderValue::from_static("application/x-amz-json-1.1"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(detail: &str) -> PutEventsEntry {
        PutEventsEntry {
            source: Some("tailorflow.mediatailor".into()),
            detail_type: Some("MediaTailor Alert".into()),
            detail: Some(detail.into()),
            ..Default::default()
        }
    }

    #[test]
    fn size_counts_as_aws_does() {
        let mut e = entry("{}");
        assert_eq!(e.size(), "tailorflow.mediatailor".len() + "MediaTailor Alert".len() + 2);
        e.time = Some(1.0);
        e.resources = vec!["arn:x".into(), "arn:yy".into()];
        assert_eq!(e.size(), "tailorflow.mediatailor".len() + "MediaTailor Alert".len() + 2 + 14 + 5 + 6);
        // UTF-8 bytes, not characters; the bus name and trace header do not count.
        let e = PutEventsEntry {
            detail: Some(r#"{"é":"€"}"#.into()),
            event_bus_name: Some("alerts".into()),
            trace_header: Some("Root=1".into()),
            ..entry("{}")
        };
        assert_eq!(e.size(), "tailorflow.mediatailor".len() + "MediaTailor Alert".len() + 12);
    }

    #[test]
    fn entries_must_number_one_to_ten() {
        let ten = vec![entry("{}"); 10];
        assert_eq!(entries_problem(Some(&ten)), Ok(()));
        assert_eq!(entries_problem(Some(&ten[..1])), Ok(()));
        let eleven = vec![entry("{}"); 11];
        for (entries, constraint) in [
            (None, "must not be null"),
            (Some(&ten[..0]), "greater than or equal to 1"),
            (Some(&eleven[..]), "less than or equal to 10"),
        ] {
            let message = entries_problem(entries).unwrap_err();
            assert!(message.contains("'entries'") && message.contains(constraint), "{message}");
        }
    }

    #[test]
    fn parses_the_wire_entry() {
        let body = r#"{"Entries":[{"Source":"s","DetailType":"t","Detail":"{}","Time":1764048573.5,
            "Resources":["arn:a"],"EventBusName":"alerts"}]}"#;
        let request: PutEventsRequest = serde_json::from_str(body).unwrap();
        let entries = request.entries.unwrap();
        assert_eq!(entries[0].time, Some(1_764_048_573.5));
        assert_eq!(entries[0].resources, ["arn:a"]);
        assert_eq!(entries[0].problem(), None);
    }

    #[test]
    fn keeps_events_in_the_delivered_shape_and_logs_them() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("events.jsonl");
        let bus = EventBus::new(Some(log.clone()), "eu-west-1".into(), "111122223333".into());
        let timed =
            PutEventsEntry { time: Some(1_764_048_573.0), resources: vec!["arn:a".into()], ..entry(r#"{"a":1}"#) };
        bus.accept(&timed, "id-1");
        bus.accept(&PutEventsEntry { event_bus_name: Some("alerts".into()), ..entry("{}") }, "id-2");
        let events = bus.events();
        assert_eq!(events.len(), 2);
        assert_eq!(
            events[0],
            json!({
                "version": "0",
                "id": "id-1",
                "detail-type": "MediaTailor Alert",
                "source": "tailorflow.mediatailor",
                "account": "111122223333",
                "time": "2025-11-25T05:29:33Z",
                "region": "eu-west-1",
                "resources": ["arn:a"],
                "detail": {"a": 1},
                "event-bus-name": "default",
            })
        );
        assert_eq!(events[1]["event-bus-name"], "alerts");
        assert!(chrono::DateTime::parse_from_rfc3339(events[1]["time"].as_str().unwrap()).is_ok());
        let lines: Vec<Value> =
            std::fs::read_to_string(&log).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(lines, events);
        bus.clear();
        assert!(bus.events().is_empty());
    }

    #[test]
    fn an_unwritable_log_does_not_lose_events() {
        let dir = tempfile::tempdir().unwrap();
        let bus = EventBus::new(Some(dir.path().join("no/such/dir/events.jsonl")), "r".into(), "a".into());
        bus.accept(&entry("{}"), "id");
        assert_eq!(bus.events().len(), 1);
    }

    #[test]
    fn entries_need_source_detail_type_and_an_object_detail() {
        assert_eq!(entry("{\"a\":1}").problem(), None);
        assert_eq!(entry("[1]").problem().unwrap().0, "MalformedDetail");
        assert_eq!(entry("not json").problem().unwrap().0, "MalformedDetail");
        let missing = PutEventsEntry { detail: None, ..entry("{}") };
        let (code, message) = missing.problem().unwrap();
        assert_eq!(code, "InvalidArgument");
        assert!(message.contains("Detail"));
        let missing = PutEventsEntry { source: Some(String::new()), ..entry("{}") };
        assert!(missing.problem().unwrap().1.contains("Source"));
    }
}
