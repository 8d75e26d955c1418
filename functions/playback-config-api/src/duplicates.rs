//! Duplicate members in a JSON body, at any depth.
//!
//! serde_json keeps the last of two equal keys silently, so `{"AdDecisionServerUrl": "not a
//! url", "AdDecisionServerUrl": "https://ok.example.com/v"}` would pass with the first value
//! never validated. This walks the raw body once, keeping the keys of each object, and names
//! the first key that repeats.

use std::cell::RefCell;
use std::collections::HashSet;
use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, Error as _, MapAccess, SeqAccess, Visitor};

/// The path of the first member that appears twice in one object of `body`, e.g. `Name` or
/// `AvailSuppression.Mode` (array items as `[i]`). `None` when there is none, and also when
/// `body` is not JSON: the parser that runs next reports that with its own message.
pub fn first_duplicate(body: &[u8]) -> Option<String> {
    let found = RefCell::new(None);
    let mut de = serde_json::Deserializer::from_slice(body);
    // An error is either the duplicate (recorded in `found`) or malformed JSON (reported later).
    let _ = Node { path: String::new(), found: &found }.deserialize(&mut de);
    found.into_inner()
}

/// One value of the document, at `path`.
struct Node<'f> {
    path: String,
    found: &'f RefCell<Option<String>>,
}

impl<'f> Node<'f> {
    fn child(&self, path: String) -> Self {
        Self { path, found: self.found }
    }
}

impl<'de> DeserializeSeed<'de> for Node<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        // serde_json's recursion limit bounds the depth of this walk too.
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Node<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut index = 0usize;
        while seq.next_element_seed(self.child(format!("{}[{index}]", self.path)))?.is_some() {
            index += 1;
        }
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut seen = HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            let path = if self.path.is_empty() { key.clone() } else { format!("{}.{key}", self.path) };
            if !seen.insert(key) {
                *self.found.borrow_mut() = Some(path);
                return Err(A::Error::custom("duplicate member"));
            }
            map.next_value_seed(self.child(path))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dup(body: &str) -> Option<String> {
        first_duplicate(body.as_bytes())
    }

    #[test]
    fn top_level_duplicates_are_named() {
        assert_eq!(
            dup(r#"{"AdDecisionServerUrl":"not a url","AdDecisionServerUrl":"https://ok.example.com/v"}"#).as_deref(),
            Some("AdDecisionServerUrl")
        );
        assert_eq!(dup(r#"{"Name":"a","Name":"b"}"#).as_deref(), Some("Name"));
        // Escapes decode first: these are the same key.
        assert_eq!(dup(r#"{"Name":"a","N\u0061me":"a"}"#).as_deref(), Some("Name"));
    }

    #[test]
    fn duplicates_at_depth_are_named_by_path() {
        assert_eq!(dup(r#"{"AvailSuppression":{"Mode":"OFF","Mode":"ON"}}"#).as_deref(), Some("AvailSuppression.Mode"));
        assert_eq!(
            dup(r#"{"ManifestProcessingRules":{"AdMarkerPassthrough":{"Enabled":true,"Enabled":false}}}"#).as_deref(),
            Some("ManifestProcessingRules.AdMarkerPassthrough.Enabled")
        );
        assert_eq!(dup(r#"{"Tags":{"a":"1","a":"2"}}"#).as_deref(), Some("Tags.a"));
        assert_eq!(
            dup(r#"{"ConfigurationAliases":{"player_params.x":{"a":"1","a":"2"}}}"#).as_deref(),
            Some("ConfigurationAliases.player_params.x.a")
        );
        assert_eq!(dup(r#"{"x":[{"a":1},{"b":1,"b":2}]}"#).as_deref(), Some("x[1].b"));
        assert_eq!(dup(r#"[{"a":1,"a":1}]"#).as_deref(), Some("[0].a"));
    }

    #[test]
    fn equal_keys_in_different_objects_are_not_duplicates() {
        assert_eq!(dup(r#"{"Bumper":{"StartUrl":"a"},"CdnConfiguration":{"StartUrl":"a"},"StartUrl":1}"#), None);
        assert_eq!(dup(r#"{"a":[{"k":1},{"k":2}]}"#), None);
        assert_eq!(dup(r#"{}"#), None);
        assert_eq!(dup(r#"{"a":null,"b":[1,2.5,-3,true,"s"]}"#), None);
    }

    #[test]
    fn malformed_or_deep_json_is_left_to_the_parser() {
        for body in ["", "nope", "{\"a\":", "{} {}"] {
            assert_eq!(dup(body), None, "{body:?}");
        }
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert_eq!(dup(&deep), None);
        // A duplicate before the malformed part is still found.
        assert_eq!(dup(r#"{"a":1,"a":2,"#).as_deref(), Some("a"));
    }
}
