//! EventBridge `PutEvents`, shared by the functions that publish events.

use aws_sdk_eventbridge::Client;
use aws_sdk_eventbridge::types::PutEventsRequestEntry;
use chrono::{DateTime, Utc};

use crate::error::AwsCallError;

/// The most entries one `PutEvents` call takes.
pub const MAX_ENTRIES_PER_CALL: usize = 10;
/// The most bytes of entries one `PutEvents` call takes, as AWS counts them ([`Event::size`]).
pub const MAX_BYTES_PER_CALL: usize = 256 * 1024;

/// One event to publish.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// `source`.
    pub source: String,
    /// `detail-type`.
    pub detail_type: String,
    /// The detail, as JSON text.
    pub detail: String,
    /// `resources` (ARNs).
    pub resources: Vec<String>,
    /// The event's time; EventBridge uses the call's when absent.
    pub time: Option<DateTime<Utc>>,
}

impl Event {
    /// The entry's size as AWS counts it toward a call's 256 KB limit.
    pub fn size(&self) -> usize {
        let time = if self.time.is_some() { 14 } else { 0 };
        time + self.source.len()
            + self.detail_type.len()
            + self.detail.len()
            + self.resources.iter().map(String::len).sum::<usize>()
    }
}

/// What became of one entry of a call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryResult {
    /// Accepted, with the event id EventBridge gave it.
    Accepted(String),
    /// Refused: the entry's error code and message. Worth sending again (EventBridge refuses
    /// entries for transient reasons inside a successful call).
    Failed(String),
}

/// One `PutEvents` call of at most [`MAX_ENTRIES_PER_CALL`] events to `bus`; one result per
/// event, in order. An error is the whole call's.
pub async fn put_events(client: &Client, bus: &str, events: &[Event]) -> Result<Vec<EntryResult>, AwsCallError> {
    let entries: Vec<PutEventsRequestEntry> = events
        .iter()
        .map(|e| {
            PutEventsRequestEntry::builder()
                .event_bus_name(bus)
                .source(&e.source)
                .detail_type(&e.detail_type)
                .detail(&e.detail)
                .set_resources(Some(e.resources.clone()))
                .set_time(e.time.map(|t| aws_sdk_eventbridge::primitives::DateTime::from_millis(t.timestamp_millis())))
                .build()
        })
        .collect();
    let output = client
        .put_events()
        .set_entries(Some(entries))
        .send()
        .await
        .map_err(|e| AwsCallError::from_sdk("PutEvents", &e))?;
    let results = output.entries();
    Ok((0..events.len())
        .map(|i| match results.get(i) {
            Some(result) => match result.event_id() {
                Some(id) => EntryResult::Accepted(id.to_owned()),
                None => EntryResult::Failed(format!(
                    "{}: {}",
                    result.error_code().unwrap_or("UnknownError"),
                    result.error_message().unwrap_or_default()
                )),
            },
            None => EntryResult::Failed("PutEvents answered fewer entries than sent".into()),
        })
        .collect())
}
