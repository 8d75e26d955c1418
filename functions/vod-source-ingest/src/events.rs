//! The three shapes S3 changes reach the function in, typed with `aws_lambda_events`, and the
//! object changes they carry: pure.
//!
//! [`IngestEvent`] deserializes from any JSON value: a payload that is none of the shapes, or
//! lacks a member the function reads, becomes [`IngestEvent::Unrecognised`] with a reason that
//! names the member (`Records[1]/s3/bucket/name is missing`), so the handler answers it with an
//! `UnrecognisedEvent` error rather than the runtime with a bare serde message.

use aws_lambda_events::event::eventbridge::EventBridgeEvent;
use aws_lambda_events::event::s3::S3Event;
use aws_lambda_events::event::sqs::SqsEvent;
use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// An invocation's payload.
#[derive(Debug, Clone, PartialEq)]
pub enum IngestEvent {
    /// An SQS batch whose message bodies are S3 notifications.
    Sqs(SqsEvent),
    /// An S3 event notification.
    S3(S3Event),
    /// An S3 event delivered through EventBridge ("Object Created", "Object Deleted").
    EventBridge(Box<EventBridgeEvent<S3ObjectDetail>>),
    /// S3's `s3:TestEvent`, sent when notifications are configured: nothing to do.
    Test,
    /// `{"Backfill": {...}}`: reconcile every asset under a prefix (see [`Backfill`]).
    Backfill(Backfill),
    /// None of the above; why.
    Unrecognised(String),
}

/// A backfill request: every asset under `Prefix` (after `StartAfter`) is reconciled, until the
/// invocation's deadline is near; the answer's `NextStartAfter` continues it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
pub struct Backfill {
    /// The bucket; `MEDIA_BUCKET` when absent.
    #[serde(default)]
    pub bucket: Option<String>,
    /// Only keys under this prefix (within `KEY_PREFIX`); all of `KEY_PREFIX` when absent.
    #[serde(default)]
    pub prefix: Option<String>,
    /// Resume after this key (a previous answer's `NextStartAfter`).
    #[serde(default)]
    pub start_after: Option<String>,
    /// Report the changes, make none (also `DRY_RUN=true`).
    #[serde(default)]
    pub dry_run: Option<bool>,
}

/// The `detail` of an EventBridge S3 event, as far as the function reads it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
pub struct S3ObjectDetail {
    /// `detail.bucket`.
    pub bucket: S3BucketDetail,
    /// `detail.object`.
    pub object: S3ObjectRef,
}

/// `detail.bucket` of an EventBridge S3 event.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
pub struct S3BucketDetail {
    /// The bucket's name.
    pub name: String,
}

/// `detail.object` of an EventBridge S3 event.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
pub struct S3ObjectRef {
    /// The key, URL-encoded as in S3 notifications.
    pub key: String,
    /// The ETag, for created objects.
    #[serde(default)]
    pub etag: Option<String>,
}

/// One object change from any of the shapes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectChange {
    /// The bucket.
    pub bucket: String,
    /// The key as received (URL-encoded).
    pub raw_key: String,
    /// The object's ETag, when created.
    pub etag: Option<String>,
    /// Whether the object was removed rather than created.
    pub removed: bool,
}

impl<'de> Deserialize<'de> for IngestEvent {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(Self::from(Value::deserialize(deserializer)?))
    }
}

impl From<Value> for IngestEvent {
    fn from(payload: Value) -> Self {
        Self::parse(payload).unwrap_or_else(Self::Unrecognised)
    }
}

impl IngestEvent {
    fn parse(payload: Value) -> Result<Self, String> {
        if payload.get("Event").and_then(Value::as_str) == Some("s3:TestEvent") {
            return Ok(Self::Test);
        }
        if let Some(request) = payload.get("Backfill") {
            if let Some(other) = payload.as_object().and_then(|o| o.keys().find(|k| *k != "Backfill")) {
                return Err(format!("unknown member {other:?} beside Backfill"));
            }
            return serde_path_to_error::deserialize(request.clone())
                .map(Self::Backfill)
                .map_err(|e| format!("Backfill.{}: {}", e.path(), e.inner()));
        }
        if payload.get("source").and_then(Value::as_str) == Some("aws.s3") {
            check_eventbridge(&payload)?;
            return typed(payload).map(|event| Self::EventBridge(Box::new(event)));
        }
        let is_sqs = payload.pointer("/Records/0/eventSource").and_then(Value::as_str) == Some("aws:sqs");
        if is_sqs {
            return typed(payload).map(Self::Sqs);
        }
        let mut payload = payload;
        check_notification(&payload)?;
        fill_unread_members(&mut payload);
        typed(payload).map(Self::S3)
    }

    /// The object changes the event carries (none for a test event); `Err` when it is
    /// unrecognised, or an SQS batch (whose messages' bodies carry the changes, each an event of
    /// its own; a batch inside a body is no S3 event).
    pub fn object_changes(&self) -> Result<Vec<ObjectChange>, String> {
        match self {
            Self::Test => Ok(Vec::new()),
            Self::Backfill(_) => Err("a Backfill request carries no S3 event".into()),
            Self::Sqs(_) => Err("Records[0].eventSource is not aws:s3".into()),
            Self::Unrecognised(reason) => Err(reason.clone()),
            Self::EventBridge(event) => Ok(vec![ObjectChange {
                bucket: event.detail.bucket.name.clone(),
                raw_key: event.detail.object.key.clone(),
                etag: event.detail.object.etag.clone(),
                removed: event.detail_type == "Object Deleted",
            }]),
            Self::S3(event) => Ok(event
                .records
                .iter()
                .map(|record| ObjectChange {
                    bucket: record.s3.bucket.name.clone().unwrap_or_default(),
                    raw_key: record.s3.object.key.clone().unwrap_or_default(),
                    etag: record.s3.object.e_tag.clone(),
                    removed: record.event_name.as_deref().unwrap_or_default().starts_with("ObjectRemoved"),
                })
                .collect()),
        }
    }
}

/// The object changes of a JSON payload (see [`IngestEvent`]).
pub fn object_changes(payload: &Value) -> Result<Vec<ObjectChange>, String> {
    IngestEvent::from(payload.clone()).object_changes()
}

fn typed<T: serde::de::DeserializeOwned>(payload: Value) -> Result<T, String> {
    serde_path_to_error::deserialize(payload).map_err(|e| format!("{}: {}", e.path(), e.inner()))
}

/// The members of an EventBridge S3 event the function reads.
fn check_eventbridge(payload: &Value) -> Result<(), String> {
    let detail = payload.get("detail").ok_or("an EventBridge S3 event without detail")?;
    if payload.get("detail-type").and_then(Value::as_str).is_none() {
        return Err("detail-type is missing".into());
    }
    for (pointer, name) in [("/bucket/name", "detail.bucket.name"), ("/object/key", "detail.object.key")] {
        detail.pointer(pointer).and_then(Value::as_str).ok_or_else(|| format!("{name} is missing"))?;
    }
    Ok(())
}

/// The members of every record of an S3 notification the function reads. S3 never sends a
/// notification without a record: an empty list is a forged or broken event.
fn check_notification(payload: &Value) -> Result<(), String> {
    let records = payload.get("Records").and_then(Value::as_array).ok_or("no Records and no EventBridge source")?;
    if records.is_empty() {
        return Err("Records is empty; an S3 notification carries at least one record".into());
    }
    for (i, record) in records.iter().enumerate() {
        let field = |pointer: &str| {
            record.pointer(pointer).and_then(Value::as_str).ok_or_else(|| format!("Records[{i}]{pointer} is missing"))
        };
        if field("/eventSource")? != "aws:s3" {
            return Err(format!("Records[{i}].eventSource is not aws:s3"));
        }
        field("/s3/bucket/name")?;
        field("/s3/object/key")?;
        field("/eventName")?;
    }
    Ok(())
}

/// S3 always sends `eventTime`, `userIdentity` and `requestParameters`, but hand-written and
/// test events often leave them out; the function reads none of them, so their absence is no
/// reason to refuse the event.
fn fill_unread_members(payload: &mut Value) {
    let Some(records) = payload.get_mut("Records").and_then(Value::as_array_mut) else { return };
    for record in records.iter_mut().filter_map(Value::as_object_mut) {
        record.entry("eventTime").or_insert_with(|| Value::from("1970-01-01T00:00:00Z"));
        record.entry("userIdentity").or_insert_with(|| Value::Object(Default::default()));
        record.entry("requestParameters").or_insert_with(|| Value::Object(Default::default()));
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn reads_all_three_shapes() {
        let s3 = json!({"Records": [{"eventSource": "aws:s3", "eventName": "ObjectRemoved:Delete",
            "s3": {"bucket": {"name": "b"}, "object": {"key": "a%20b.m3u8"}}}]});
        let changes = object_changes(&s3).unwrap();
        assert_eq!(
            changes,
            vec![ObjectChange { bucket: "b".into(), raw_key: "a%20b.m3u8".into(), etag: None, removed: true }]
        );
        let eb = json!({"source": "aws.s3", "detail-type": "Object Created",
            "detail": {"bucket": {"name": "b"}, "object": {"key": "m.mpd", "etag": "e"}}});
        let changes = object_changes(&eb).unwrap();
        assert_eq!(changes[0].etag.as_deref(), Some("e"));
        assert!(!changes[0].removed);
        assert_eq!(object_changes(&json!({"Event": "s3:TestEvent"})).unwrap(), vec![]);
        let sqs = json!({"Records": [{"eventSource": "aws:sqs", "messageId": "1", "body": "{}"}]});
        assert!(matches!(IngestEvent::from(sqs), IngestEvent::Sqs(batch) if batch.records.len() == 1));
    }

    #[test]
    fn reads_a_backfill_and_refuses_unknown_members_by_name() {
        let event = IngestEvent::from(json!({"Backfill": {"Prefix": "packages/", "StartAfter": "a", "DryRun": true}}));
        let IngestEvent::Backfill(backfill) = event else { panic!("{event:?}") };
        assert_eq!(backfill.prefix.as_deref(), Some("packages/"));
        assert_eq!((backfill.start_after.as_deref(), backfill.dry_run), (Some("a"), Some(true)));
        assert_eq!(IngestEvent::from(json!({"Backfill": {}})), IngestEvent::Backfill(Backfill::default()));
        for (payload, expected) in [
            (json!({"Backfill": {"Prefx": "a"}}), "unknown field `Prefx`"),
            (json!({"Backfill": {"DryRun": "yes"}}), "Backfill.DryRun"),
            (json!({"Backfill": {}, "Extra": 1}), "\"Extra\""),
            (json!({"Backfill": 3}), "Backfill"),
        ] {
            let IngestEvent::Unrecognised(reason) = IngestEvent::from(payload.clone()) else { panic!("{payload}") };
            assert!(reason.contains(expected), "{payload}: {reason}");
        }
    }

    #[test]
    fn names_the_member_that_is_missing_or_mistyped() {
        let cases = [
            (json!({"Records": []}), "Records is empty"),
            (json!({"Records": [{}]}), "Records[0]/eventSource is missing"),
            (
                json!({"Records": [{"eventSource": "aws:s3", "eventName": "x", "s3": {"bucket": {"name": "b"}}}]}),
                "Records[0]/s3/object/key is missing",
            ),
            (
                json!({"source": "aws.s3", "detail-type": "Object Created", "detail": {"bucket": {"name": 7}}}),
                "detail.bucket.name is missing",
            ),
            (json!({"Records": [{"eventSource": "aws:sqs", "body": 5}]}), "Records[0].body"),
            (json!({"hello": 1}), "no Records and no EventBridge source"),
        ];
        for (payload, expected) in cases {
            let err = object_changes(&payload).unwrap_err();
            assert!(err.contains(expected), "{payload}: {err}");
        }
    }
}
