//! JSON Merge Patch (RFC 7396): what PATCH applies to the current configuration.

use serde_json::{Map, Value};

/// Applies `patch` to `target` as RFC 7396 states: an object patch merges member by member
/// (recursively), a `null` member removes that member, and anything else (arrays included)
/// replaces the target whole.
pub fn merge(target: &mut Value, patch: &Value) {
    let Value::Object(members) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    if let Value::Object(current) = target {
        for (key, value) in members {
            if value.is_null() {
                current.remove(key);
            } else {
                merge(current.entry(key.clone()).or_insert(Value::Null), value);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn merged(target: Value, patch: Value) -> Value {
        let mut target = target;
        merge(&mut target, &patch);
        target
    }

    /// The examples of RFC 7396, appendix A.
    #[test]
    fn the_rfc_examples() {
        let cases = [
            (json!({"a": "b"}), json!({"a": "c"}), json!({"a": "c"})),
            (json!({"a": "b"}), json!({"b": "c"}), json!({"a": "b", "b": "c"})),
            (json!({"a": "b"}), json!({"a": null}), json!({})),
            (json!({"a": "b", "b": "c"}), json!({"a": null}), json!({"b": "c"})),
            (json!({"a": ["b"]}), json!({"a": "c"}), json!({"a": "c"})),
            (json!({"a": "c"}), json!({"a": ["b"]}), json!({"a": ["b"]})),
            (json!({"a": {"b": "c"}}), json!({"a": {"b": "d", "c": null}}), json!({"a": {"b": "d"}})),
            (json!({"a": [{"b": "c"}]}), json!({"a": [1]}), json!({"a": [1]})),
            (json!(["a", "b"]), json!(["c", "d"]), json!(["c", "d"])),
            (json!({"a": "b"}), json!(["c"]), json!(["c"])),
            (json!({"a": "foo"}), json!(null), json!(null)),
            (json!({"a": "foo"}), json!("bar"), json!("bar")),
            (json!({"e": null}), json!({"a": 1}), json!({"e": null, "a": 1})),
            (json!([1, 2]), json!({"a": "b", "c": null}), json!({"a": "b"})),
            (json!({}), json!({"a": {"bb": {"ccc": null}}}), json!({"a": {"bb": {}}})),
        ];
        for (target, patch, expected) in cases {
            assert_eq!(merged(target.clone(), patch.clone()), expected, "{target} + {patch}");
        }
    }

    #[test]
    fn nested_members_merge_and_arrays_are_replaced_whole() {
        let current = json!({
            "AvailSuppression": {"Mode": "BEHIND_LIVE_EDGE", "Value": "00:00:30"},
            "Tags": {"team": "video", "env": "prod"},
            "List": [1, 2, 3]
        });
        let patch = json!({"AvailSuppression": {"Value": null, "Mode": "OFF"}, "Tags": {"env": "dev"}, "List": [4]});
        assert_eq!(
            merged(current, patch),
            json!({"AvailSuppression": {"Mode": "OFF"}, "Tags": {"team": "video", "env": "dev"}, "List": [4]})
        );
    }

    #[test]
    fn an_empty_patch_changes_nothing() {
        let current = json!({"a": {"b": [1]}});
        assert_eq!(merged(current.clone(), json!({})), current);
    }
}
