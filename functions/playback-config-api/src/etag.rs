//! Entity tags over a configuration's content, and `If-Match` preconditions.
//!
//! The ETag is `"` + the first 32 hex digits of SHA-256 over the canonical JSON of the
//! configuration's content + `"`. The content is the configuration in the shape of a PUT body
//! ([`crate::convert::put_shape`]): every member a writer sets, tags included, and none that
//! MediaTailor generates (the ARN and the endpoint prefixes). Canonical JSON: object members
//! sorted by key, no whitespace, serde_json's escaping and numbers. Two configurations with the
//! same content have the same ETag whatever order MediaTailor answers their members in.

use serde_json::Value;
use sha2::{Digest, Sha256};

/// The strong ETag of `content`, quoted, e.g. `"3f1c0d9a6b2e4f5a8c7d9e0f1a2b3c4d"`.
pub fn etag_of(content: &Value) -> String {
    let mut text = String::new();
    canonical(content, &mut text);
    let digest = Sha256::digest(text.as_bytes());
    format!("\"{}\"", hex::encode(&digest[..16]))
}

/// Writes `value` as canonical JSON: members sorted by key, no insignificant whitespace.
pub fn canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(members) => {
            let mut keys: Vec<&String> = members.keys().collect();
            keys.sort();
            out.push('{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                if let Some(member) = members.get(key) {
                    canonical(member, out);
                }
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                canonical(item, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

/// An `If-Match` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IfMatch {
    /// `*`: any current configuration.
    Any,
    /// A list of entity tags, each as sent (quoted, `W/` kept).
    Tags(Vec<String>),
}

impl IfMatch {
    /// Parses the header's value (several headers joined with `,`). `Err` says what is wrong.
    pub fn parse(raw: &str) -> Result<Self, String> {
        if raw.trim() == "*" {
            return Ok(Self::Any);
        }
        let mut tags = Vec::new();
        let mut rest = raw.trim_start_matches([' ', '\t', ',']);
        while !rest.is_empty() {
            let (weak, quoted) = match rest.strip_prefix("W/") {
                Some(after) => ("W/", after),
                None => ("", rest),
            };
            let inner = quoted
                .strip_prefix('"')
                .ok_or_else(|| format!("{raw:?} is not * or a list of quoted entity tags such as \"abc\""))?;
            let end = inner.find('"').ok_or_else(|| format!("{raw:?} has an entity tag without its closing quote"))?;
            tags.push(format!("{weak}\"{}\"", &inner[..end]));
            let after = inner[end + 1..].trim_start_matches([' ', '\t']);
            if !(after.is_empty() || after.starts_with(',')) {
                return Err(format!("{raw:?}: separate entity tags with commas"));
            }
            rest = after.trim_start_matches([' ', '\t', ',']);
        }
        if tags.is_empty() {
            return Err("is empty; send * or the ETag of a GET".into());
        }
        Ok(Self::Tags(tags))
    }

    /// Whether the precondition holds for the configuration whose ETag is `current` (`None`
    /// when there is none). Strong comparison (RFC 9110 13.1.1): a weak tag never matches.
    pub fn holds(&self, current: Option<&str>) -> bool {
        match (self, current) {
            (_, None) => false,
            (Self::Any, Some(_)) => true,
            (Self::Tags(tags), Some(current)) => tags.iter().any(|tag| tag == current),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_etag_ignores_member_order_and_whitespace() {
        let a: Value = serde_json::from_str(r#"{"b": 1, "a": {"y": [1, "x"], "x": null}}"#).unwrap();
        let b: Value = serde_json::from_str(r#"{"a":{"x":null,"y":[1,"x"]},"b":1}"#).unwrap();
        assert_eq!(etag_of(&a), etag_of(&b));
        let tag = etag_of(&a);
        assert_eq!(tag.len(), 34);
        assert!(tag.starts_with('"') && tag.ends_with('"'));
        assert!(tag[1..33].bytes().all(|c| c.is_ascii_hexdigit()));
    }

    #[test]
    fn the_etag_changes_with_any_content() {
        let base = json!({"Name": "c", "Tags": {"a": "1"}});
        for other in
            [json!({"Name": "c", "Tags": {"a": "2"}}), json!({"Name": "c"}), json!({"Name": "d", "Tags": {"a": "1"}})]
        {
            assert_ne!(etag_of(&base), etag_of(&other), "{other}");
        }
    }

    #[test]
    fn canonical_json_is_sorted_and_compact() {
        let mut out = String::new();
        canonical(&json!({"b": [true, 1.5, "q\""], "a": {"d": 1, "c": null}}), &mut out);
        assert_eq!(out, r#"{"a":{"c":null,"d":1},"b":[true,1.5,"q\""]}"#);
    }

    #[test]
    fn if_match_parses_star_and_lists() {
        assert_eq!(IfMatch::parse("*"), Ok(IfMatch::Any));
        assert_eq!(IfMatch::parse(" * "), Ok(IfMatch::Any));
        assert_eq!(IfMatch::parse("\"a\""), Ok(IfMatch::Tags(vec!["\"a\"".into()])));
        assert_eq!(
            IfMatch::parse("\"a\", W/\"b\" ,\"c\""),
            Ok(IfMatch::Tags(vec!["\"a\"".into(), "W/\"b\"".into(), "\"c\"".into()]))
        );
        for bad in ["", " ", "abc", "\"a", "\"a\" \"b\"", "*, \"a\"", ","] {
            assert!(IfMatch::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn if_match_compares_strongly() {
        let current = Some("\"abc\"");
        assert!(IfMatch::Any.holds(current));
        assert!(!IfMatch::Any.holds(None));
        assert!(IfMatch::parse("\"x\", \"abc\"").unwrap().holds(current));
        assert!(!IfMatch::parse("\"x\"").unwrap().holds(current));
        assert!(!IfMatch::parse("W/\"abc\"").unwrap().holds(current));
        assert!(!IfMatch::parse("\"abc\"").unwrap().holds(None));
    }
}
