//! Event parsing on arbitrary JSON: vod-source-ingest's `object_changes` (directly, and through
//! the SQS body unwrapping its handler does) and program-scheduler's `Detail::parse` followed by
//! `Settings::resolve`. No panic; what parses is consistent.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use program_scheduler::settings::{Detail, Settings};
use serde_json::Value;
use tailorflow_shared::EnvReader;
use vod_source_ingest::object_changes;

/// Settings as the smoke test deploys them: the detail overrides these.
fn settings() -> &'static Settings {
    static SETTINGS: OnceLock<Settings> = OnceLock::new();
    SETTINGS.get_or_init(|| {
        let env = EnvReader::from_pairs([
            ("CHANNEL_NAME", "fuzz"),
            ("SOURCE_LOCATION_NAME", "fuzz-media"),
            ("HORIZON_MINUTES", "10"),
            ("AD_BREAK_EVERY_SECONDS", "60"),
        ]);
        match Settings::read(env) {
            Ok(settings) => settings,
            Err(err) => panic!("the fixed settings must read: {err}"),
        }
    })
}

fn ingest(payload: &Value) {
    let changes = object_changes(payload);
    assert_eq!(changes, object_changes(payload), "object_changes is not deterministic");
    // SQS: each record's body is itself an S3 event (the handler's unwrapping, minus the I/O).
    if let Some(records) = payload.get("Records").and_then(Value::as_array) {
        for record in records {
            if let Some(body) = record.get("body").and_then(Value::as_str)
                && let Ok(inner) = serde_json::from_str::<Value>(body)
            {
                let _ = object_changes(&inner);
            }
        }
    }
}

fn schedule(detail: &Value) {
    let Ok(parsed) = Detail::parse(detail) else { return };
    assert_eq!(Detail::parse(detail).as_ref(), Ok(&parsed));
    // CHANNEL_NAME is set, so a resolved run is always one channel's.
    if let Ok(target) = settings().resolve(parsed) {
        let Some(run) = target.channel() else { panic!("CHANNEL_NAME is set: the run must be one channel's") };
        assert!((1..=program_scheduler::settings::MAX_HORIZON_MINUTES).contains(&run.horizon_minutes));
        assert!(run.max_programs >= 1);
        if let Some(group) = &run.source_group {
            assert!(!group.trim().is_empty());
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(value) = serde_json::from_slice::<Value>(data) else { return };
    ingest(&value);
    schedule(&value);
    // As the scheduler's EventBridge events carry it, and as the SQS body shape.
    if let Some(detail) = value.get("detail") {
        schedule(detail);
    }
});
