//! Which MediaTailor alerts a poll publishes, and how they travel to EventBridge: pure.
//!
//! A run publishes the alerts whose LastModifiedTime falls in its window
//! `[event time - interval - lag - lookback, event time - lag)`, computed from the scheduled
//! event's own time, so a retried or replayed event publishes the same set, and consecutive runs
//! neither overlap nor leave gaps. Each alert gets a stable `AlertId` so consumers can
//! deduplicate, and entries are batched under PutEvents' limits.

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};

use tailorflow_shared::aws::eventbridge::Event;
pub use tailorflow_shared::aws::eventbridge::{MAX_BYTES_PER_CALL, MAX_ENTRIES_PER_CALL};

/// The span of LastModifiedTime one run publishes: start inclusive, end exclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct AlertWindow {
    /// First instant included.
    pub start: DateTime<Utc>,
    /// First instant excluded.
    pub end: DateTime<Utc>,
}

impl AlertWindow {
    /// The window of the run scheduled at `event_time`.
    pub fn for_run(event_time: DateTime<Utc>, interval: Duration, lag: Duration, lookback: Duration) -> Self {
        let end = event_time - lag;
        Self { start: end - interval - lookback, end }
    }

    /// Whether `time` falls in the window.
    pub fn contains(&self, time: DateTime<Utc>) -> bool {
        self.start <= time && time < self.end
    }
}

/// The kind of MediaTailor resource an ARN names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ResourceKind {
    /// `channel/NAME`.
    Channel,
    /// `program/CHANNEL/NAME`.
    Program,
    /// `sourceLocation/NAME`.
    SourceLocation,
    /// `vodSource/SOURCE_LOCATION/NAME`.
    VodSource,
    /// `playbackConfiguration/NAME`.
    PlaybackConfiguration,
    /// Anything else.
    Other,
}

/// The kind and name of the resource `arn` names (the name is its last path segment).
pub fn resource_of(arn: &str) -> (ResourceKind, String) {
    let resource = arn.splitn(6, ':').nth(5).unwrap_or_default();
    let mut parts = resource.split('/');
    let kind = match parts.next() {
        Some("channel") => ResourceKind::Channel,
        Some("program") => ResourceKind::Program,
        Some("sourceLocation") => ResourceKind::SourceLocation,
        Some("vodSource") => ResourceKind::VodSource,
        Some("playbackConfiguration") => ResourceKind::PlaybackConfiguration,
        _ => ResourceKind::Other,
    };
    let name = resource.rsplit('/').next().unwrap_or_default().to_owned();
    (kind, name)
}

/// An alert as `ListAlerts` answers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alert {
    /// e.g. `UNPARSABLE_MANIFEST`.
    pub alert_code: String,
    /// Why.
    pub alert_message: String,
    /// When it was raised or last changed.
    pub last_modified_time: DateTime<Utc>,
    /// The resource it is about.
    pub resource_arn: String,
    /// Related resources.
    pub related_resource_arns: Vec<String>,
}

impl Alert {
    /// A stable fingerprint: the same alert always has the same id, and a change of its
    /// resource, code, message or time gives another. 32 hex characters of SHA-256.
    pub fn alert_id(&self) -> String {
        let mut hash = Sha256::new();
        for part in [
            self.resource_arn.as_str(),
            self.alert_code.as_str(),
            self.alert_message.as_str(),
            &self.last_modified_time.timestamp_millis().to_string(),
        ] {
            hash.update(part.as_bytes());
            // A separator that cannot occur in the parts keeps ("ab","c") apart from ("a","bc").
            hash.update([0u8]);
        }
        hex::encode(hash.finalize())[..32].to_owned()
    }

    /// The event detail: the alert with MediaTailor's member names, plus the resource's kind
    /// and name and the `AlertId`.
    pub fn detail(&self) -> AlertDetail {
        let (kind, name) = resource_of(&self.resource_arn);
        AlertDetail {
            alert_id: self.alert_id(),
            alert_code: self.alert_code.clone(),
            alert_message: self.alert_message.clone(),
            last_modified_time: self.last_modified_time.to_rfc3339_opts(SecondsFormat::Millis, true),
            resource_arn: self.resource_arn.clone(),
            related_resource_arns: self.related_resource_arns.clone(),
            resource_kind: kind,
            resource_name: name,
        }
    }
}

/// The `detail` of a published event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AlertDetail {
    /// Stable fingerprint, for matching and deduplicating.
    pub alert_id: String,
    /// MediaTailor's alert code.
    pub alert_code: String,
    /// MediaTailor's message.
    pub alert_message: String,
    /// RFC 3339, milliseconds, UTC.
    pub last_modified_time: String,
    /// The resource the alert is about.
    pub resource_arn: String,
    /// Related resources.
    pub related_resource_arns: Vec<String>,
    /// The resource's kind.
    pub resource_kind: ResourceKind,
    /// The resource's name.
    pub resource_name: String,
}

/// One PutEvents entry, before it is sent: the event and the alert it tells of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventEntry {
    /// The event.
    pub event: Event,
    /// The alert's id, to report what was not delivered.
    pub alert_id: String,
}

impl EventEntry {
    /// The entry's size as AWS counts it toward the 256 KB limit of a call.
    pub fn size(&self) -> usize {
        self.event.size()
    }
}

/// Why an entry cannot be sent at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the event for alert {alert_id} is {size} bytes, over PutEvents' {MAX_BYTES_PER_CALL}-byte limit")]
pub struct EntryTooLarge {
    /// The alert.
    pub alert_id: String,
    /// Its size.
    pub size: usize,
}

/// Splits entries, in order, into calls of at most 10 entries and 256 KB.
pub fn batches(entries: Vec<EventEntry>) -> Result<Vec<Vec<EventEntry>>, EntryTooLarge> {
    let mut calls: Vec<Vec<EventEntry>> = Vec::new();
    let mut current: Vec<EventEntry> = Vec::new();
    let mut bytes = 0;
    for entry in entries {
        let size = entry.size();
        if size > MAX_BYTES_PER_CALL {
            return Err(EntryTooLarge { alert_id: entry.alert_id, size });
        }
        if current.len() == MAX_ENTRIES_PER_CALL || bytes + size > MAX_BYTES_PER_CALL {
            calls.push(std::mem::take(&mut current));
            bytes = 0;
        }
        bytes += size;
        current.push(entry);
    }
    if !current.is_empty() {
        calls.push(current);
    }
    Ok(calls)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn alert(time: &str) -> Alert {
        Alert {
            alert_code: "UNPARSABLE_MANIFEST".into(),
            alert_message: "cannot parse".into(),
            last_modified_time: at(time),
            resource_arn: "arn:aws:mediatailor:us-east-1:123456789012:vodSource/media/movie".into(),
            related_resource_arns: vec!["arn:aws:mediatailor:us-east-1:123456789012:sourceLocation/media".into()],
        }
    }

    #[test]
    fn the_window_ends_lag_before_the_event_and_spans_the_interval() {
        let window = AlertWindow::for_run(
            at("2026-11-25T06:00:00Z"),
            Duration::minutes(5),
            Duration::seconds(60),
            Duration::zero(),
        );
        assert_eq!(window.start, at("2026-11-25T05:54:00Z"));
        assert_eq!(window.end, at("2026-11-25T05:59:00Z"));
        assert!(window.contains(at("2026-11-25T05:54:00Z")), "start is inclusive");
        assert!(window.contains(at("2026-11-25T05:58:59.999Z")));
        assert!(!window.contains(at("2026-11-25T05:59:00Z")), "end is exclusive");
        assert!(!window.contains(at("2026-11-25T05:53:59.999Z")));
    }

    #[test]
    fn consecutive_runs_tile_time_without_gaps_or_overlap() {
        let interval = Duration::minutes(5);
        let lag = Duration::seconds(60);
        let first = AlertWindow::for_run(at("2026-11-25T06:00:00Z"), interval, lag, Duration::zero());
        let second = AlertWindow::for_run(at("2026-11-25T06:05:00Z"), interval, lag, Duration::zero());
        assert_eq!(first.end, second.start);
    }

    #[test]
    fn lookback_widens_only_the_start() {
        let window = AlertWindow::for_run(
            at("2026-11-25T06:00:00Z"),
            Duration::minutes(5),
            Duration::zero(),
            Duration::hours(24),
        );
        assert_eq!(window.start, at("2026-11-24T05:55:00Z"));
        assert_eq!(window.end, at("2026-11-25T06:00:00Z"));
        assert!(window.contains(at("2026-11-24T12:00:00Z")));
    }

    #[test]
    fn the_alert_id_is_stable_and_sensitive_to_every_part() {
        let base = alert("2026-11-25T05:55:00Z");
        assert_eq!(base.alert_id(), alert("2026-11-25T05:55:00Z").alert_id());
        assert_eq!(base.alert_id().len(), 32);
        let changes = [
            Alert { alert_code: "UNREACHABLE".into(), ..base.clone() },
            Alert { alert_message: "other".into(), ..base.clone() },
            Alert { resource_arn: format!("{}2", base.resource_arn), ..base.clone() },
            alert("2026-11-25T05:55:00.001Z"),
        ];
        for changed in changes {
            assert_ne!(changed.alert_id(), base.alert_id(), "{changed:?}");
        }
        // Related resources do not identify the alert.
        assert_eq!(Alert { related_resource_arns: vec![], ..base.clone() }.alert_id(), base.alert_id());
    }

    #[test]
    fn detail_names_the_resource() {
        let detail = alert("2026-11-25T05:55:00Z").detail();
        assert_eq!(detail.resource_kind, ResourceKind::VodSource);
        assert_eq!(detail.resource_name, "movie");
        assert_eq!(detail.last_modified_time, "2026-11-25T05:55:00.000Z");
        let json = serde_json::to_value(&detail).unwrap();
        assert_eq!(json["ResourceKind"], "vodSource");
        assert_eq!(json["AlertCode"], "UNPARSABLE_MANIFEST");
        assert_eq!(resource_of("arn:aws:mediatailor:us-east-1:1:program/ch/p1"), (ResourceKind::Program, "p1".into()));
        assert_eq!(resource_of("not an arn").0, ResourceKind::Other);
    }

    fn entry(detail_len: usize) -> EventEntry {
        EventEntry {
            event: Event {
                source: "s".into(),
                detail_type: "d".into(),
                detail: "x".repeat(detail_len),
                resources: vec![],
                time: None,
            },
            alert_id: format!("id-{detail_len}"),
        }
    }

    #[test]
    fn batches_hold_at_most_ten_entries() {
        let calls = batches((0..21).map(|_| entry(10)).collect()).unwrap();
        assert_eq!(calls.iter().map(Vec::len).collect::<Vec<_>>(), [10, 10, 1]);
        assert_eq!(batches((0..10).map(|_| entry(10)).collect()).unwrap().len(), 1);
    }

    #[test]
    fn batches_hold_at_most_256_kb_counted_as_aws_does() {
        // Two entries that fill a call exactly (2 bytes of source and detail-type each).
        let half = MAX_BYTES_PER_CALL / 2 - 2;
        let calls = batches(vec![entry(half), entry(half)]).unwrap();
        assert_eq!(calls.len(), 1);
        let calls = batches(vec![entry(half), entry(half + 1)]).unwrap();
        assert_eq!(calls.len(), 2, "one byte over moves the entry to the next call");
        let err = batches(vec![entry(MAX_BYTES_PER_CALL)]).unwrap_err();
        assert_eq!(err.size, MAX_BYTES_PER_CALL + 2);
        let mut timed = entry(1);
        timed.event.time = Some(Utc::now());
        timed.event.resources = vec!["abc".into()];
        assert_eq!(timed.size(), 14 + 1 + 1 + 1 + 3);
    }
}
