//! CloudWatch embedded metric format (EMF): one JSON line on stdout per data point, which
//! CloudWatch Logs turns into a metric. No client, no extra call, nothing that can fail a write.

use std::io::Write;

use serde_json::json;

/// The metrics' namespace.
pub const NAMESPACE: &str = "tailorflow";
/// Change events that could not be published (the write itself stood).
pub const CHANGE_EVENTS_FAILED: &str = "ChangeEventsFailed";

/// One EMF line: `metric` = `count` (Count), dimension `FunctionName`, at `timestamp_ms`.
pub fn emf_line(function_name: &str, metric: &str, count: u64, timestamp_ms: i64) -> String {
    json!({
        "_aws": {
            "Timestamp": timestamp_ms,
            "CloudWatchMetrics": [{
                "Namespace": NAMESPACE,
                "Dimensions": [["FunctionName"]],
                "Metrics": [{"Name": metric, "Unit": "Count"}]
            }]
        },
        "FunctionName": function_name,
        metric: count
    })
    .to_string()
}

/// Writes one data point of `metric` to stdout, where Lambda's log capture picks it up.
pub fn emit(function_name: &str, metric: &str, count: u64) {
    let line = emf_line(function_name, metric, count, chrono::Utc::now().timestamp_millis());
    let mut out = std::io::stdout().lock();
    if let Err(err) = writeln!(out, "{line}").and_then(|()| out.flush()) {
        tracing::warn!(error = %err, metric, "cannot write the metric to stdout");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_is_valid_emf() {
        let line = emf_line("fn-1", CHANGE_EVENTS_FAILED, 1, 1_700_000_000_000);
        let value: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert!(!line.contains('\n'));
        let directive = &value["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(directive["Namespace"], "tailorflow");
        assert_eq!(directive["Dimensions"], json!([["FunctionName"]]));
        assert_eq!(directive["Metrics"][0], json!({"Name": "ChangeEventsFailed", "Unit": "Count"}));
        assert_eq!(value["_aws"]["Timestamp"], 1_700_000_000_000_i64);
        assert_eq!((value["FunctionName"].as_str(), value["ChangeEventsFailed"].as_u64()), (Some("fn-1"), Some(1)));
    }
}
