//! A channel's schedule health, and its CloudWatch embedded metric format line (pure).
//!
//! One EMF line per channel and run, namespace [`NAMESPACE`], by `ChannelName` and across
//! channels (no dimension, which the template's alarms read):
//! `ScheduledMinutesAhead` (whole minutes from the event's time to the end of the last
//! programme; 0 when nothing is scheduled), `FillerGapSeconds` (the filler slate's time in the
//! scheduled part of the window, see `crate::guide`), `ProgramsInWindow` and
//! `ProgramsWithAlerts` (programmes of the window whose program has a MediaTailor alert).
//! The lines are plain JSON written to stdout: CloudWatch Logs extracts the metrics from the
//! function's log stream, with no agent, SDK call or metrics crate.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;

use crate::guide::{Built, Window};

/// The metrics' namespace (the template's alarms name it).
pub const NAMESPACE: &str = "tailorflow/ChannelGuide";

/// The health of one channel's schedule at the event's time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Health {
    /// `ScheduledMinutesAhead`.
    pub scheduled_minutes_ahead: i64,
    /// `FillerGapSeconds`.
    pub filler_gap_seconds: i64,
    /// `ProgramsInWindow`.
    pub programs_in_window: usize,
    /// `ProgramsWithAlerts`.
    pub programs_with_alerts: usize,
}

impl Health {
    /// The health of `built`, given the ARNs the channel's alerts name.
    pub fn of(built: &Built, window: Window, alerted_arns: &BTreeSet<String>) -> Self {
        let scheduled_minutes_ahead =
            built.scheduled_until.map_or(0, |until| (until - window.start).num_minutes().max(0));
        let filler_gap_seconds = built.gaps.iter().map(|g| g.seconds()).sum();
        let programs_with_alerts =
            built.program_arns.iter().filter(|arn| !arn.is_empty() && alerted_arns.contains(*arn)).count();
        Self {
            scheduled_minutes_ahead,
            filler_gap_seconds,
            programs_in_window: built.guide.programmes.len(),
            programs_with_alerts,
        }
    }

    /// The EMF line of `channel`'s health, timestamped `time` (the event's time, so a retry
    /// reports the same point).
    pub fn emf_line(&self, channel: &str, time: DateTime<Utc>) -> String {
        json!({
            "_aws": {
                "Timestamp": time.timestamp_millis(),
                "CloudWatchMetrics": [{
                    "Namespace": NAMESPACE,
                    // Per channel, and across channels (an empty set) for alarms on the worst one.
                    "Dimensions": [["ChannelName"], []],
                    "Metrics": [
                        {"Name": "ScheduledMinutesAhead", "Unit": "None"},
                        {"Name": "FillerGapSeconds", "Unit": "Seconds"},
                        {"Name": "ProgramsInWindow", "Unit": "Count"},
                        {"Name": "ProgramsWithAlerts", "Unit": "Count"}
                    ]
                }]
            },
            "ChannelName": channel,
            "ScheduledMinutesAhead": self.scheduled_minutes_ahead,
            "FillerGapSeconds": self.filler_gap_seconds,
            "ProgramsInWindow": self.programs_in_window,
            "ProgramsWithAlerts": self.programs_with_alerts,
        })
        .to_string()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use std::collections::BTreeMap;

    use super::*;
    use crate::guide::{PlaybackMode, build};
    use tailorflow_shared::aws::mediatailor::{ScheduleEntry, ScheduleEntryKind};

    fn t(rfc3339: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(rfc3339).unwrap().with_timezone(&Utc)
    }

    fn entry(name: &str, start: &str, seconds: u64) -> ScheduleEntry {
        ScheduleEntry {
            program_name: name.into(),
            arn: format!("arn:program/news/{name}"),
            source_location_name: "media".into(),
            vod_source_name: Some("a".into()),
            start_ms: Some(t(start).timestamp_millis()),
            duration_ms: seconds * 1000,
            kind: ScheduleEntryKind::Program,
        }
    }

    #[test]
    fn minutes_ahead_gaps_programs_and_alerts() {
        let window = Window::new(t("2026-11-25T06:00:00Z"), 24);
        let entries = [
            entry("p1", "2026-11-25T05:50:00Z", 1200),
            entry("p2", "2026-11-25T06:12:00Z", 1800), // 2 minutes of filler before it
        ];
        let built = build("news", PlaybackMode::Linear, window, &entries, &BTreeMap::new());
        let alerted = BTreeSet::from(["arn:program/news/p2".to_owned(), "arn:channel/news".to_owned()]);
        let health = Health::of(&built, window, &alerted);
        assert_eq!(
            health,
            Health {
                scheduled_minutes_ahead: 42,
                filler_gap_seconds: 120,
                programs_in_window: 2,
                programs_with_alerts: 1
            }
        );
    }

    #[test]
    fn nothing_scheduled_is_zero_minutes_ahead() {
        let window = Window::new(t("2026-11-25T06:00:00Z"), 24);
        let built =
            build("news", PlaybackMode::Linear, window, &[entry("old", "2026-11-25T04:00:00Z", 600)], &BTreeMap::new());
        let health = Health::of(&built, window, &BTreeSet::new());
        assert_eq!((health.scheduled_minutes_ahead, health.programs_in_window), (0, 0));
    }

    #[test]
    fn the_emf_line_names_namespace_dimension_and_every_metric() {
        let health = Health {
            scheduled_minutes_ahead: 90,
            filler_gap_seconds: 5,
            programs_in_window: 3,
            programs_with_alerts: 1,
        };
        let line: serde_json::Value =
            serde_json::from_str(&health.emf_line("news", t("2026-11-25T06:00:00Z"))).unwrap();
        assert_eq!(line["_aws"]["Timestamp"], 1_795_586_400_000_i64);
        let directive = &line["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(directive["Namespace"], NAMESPACE);
        assert_eq!(directive["Dimensions"], json!([["ChannelName"], []]));
        for (name, value) in
            [("ScheduledMinutesAhead", 90), ("FillerGapSeconds", 5), ("ProgramsInWindow", 3), ("ProgramsWithAlerts", 1)]
        {
            assert!(directive["Metrics"].as_array().unwrap().iter().any(|m| m["Name"] == name), "{name}");
            assert_eq!(line[name], value, "{name}");
        }
        assert_eq!(line["ChannelName"], "news");
    }
}
