//! The service model's wider shapes (prefetch schedules, monetization functions, the newer
//! playback configuration members, log configurations) as data: a member table per structure,
//! checked against the JSON a client sent. Each member is refused by name when unknown, of the
//! wrong type, outside its enum or missing while required; the value is then stored and echoed
//! as sent. Ranges the API reference documents are checked by the handlers.

use serde_json::Value;

use super::validate::FieldError;

/// A shape of the service model.
pub(crate) enum Shape {
    /// A string.
    Str,
    /// An integer.
    Int,
    /// A boolean.
    Bool,
    /// A timestamp (epoch seconds, as REST-JSON sends them).
    Time,
    /// A string from a fixed set.
    Enum(&'static [&'static str]),
    /// A list.
    List(&'static Shape),
    /// A map with string keys.
    Map(&'static Shape),
    /// A map whose keys come from a fixed set.
    EnumMap(&'static [&'static str], &'static Shape),
    /// A structure.
    Obj(&'static [Member]),
}

/// A member of a structure.
pub(crate) struct Member {
    /// Its name on the wire.
    pub(crate) name: &'static str,
    /// Its shape.
    pub(crate) shape: Shape,
    /// Whether the model requires it.
    pub(crate) required: bool,
}

/// An optional member (a struct literal, so nested tables are promoted to statics).
macro_rules! opt {
    ($name:literal, $shape:expr) => {
        $crate::mediatailor::shape::Member { name: $name, shape: $shape, required: false }
    };
}

/// A required member.
macro_rules! req {
    ($name:literal, $shape:expr) => {
        $crate::mediatailor::shape::Member { name: $name, shape: $shape, required: true }
    };
}

pub(crate) use {opt, req};

/// Checks `value` (at member path `at`) against `shape`.
pub(crate) fn check(at: &str, value: &Value, shape: &Shape) -> Result<(), FieldError> {
    let wrong = |what: &str| Err(FieldError::new(at, format!("must be {what}")));
    match (shape, value) {
        (Shape::Str, Value::String(_)) | (Shape::Bool, Value::Bool(_)) => Ok(()),
        (Shape::Int, Value::Number(n)) if n.is_i64() || n.is_u64() => Ok(()),
        (Shape::Time, Value::Number(_)) => Ok(()),
        (Shape::Enum(allowed), Value::String(s)) => super::validate::check_enum(at, s, allowed),
        (Shape::List(item), Value::Array(items)) => {
            items.iter().enumerate().try_for_each(|(i, v)| check(&format!("{at}[{i}]"), v, item))
        }
        (Shape::Map(item), Value::Object(map)) => {
            map.iter().try_for_each(|(k, v)| check(&format!("{at}.{k}"), v, item))
        }
        (Shape::EnumMap(keys, item), Value::Object(map)) => map.iter().try_for_each(|(k, v)| {
            super::validate::check_enum(&format!("{at} key"), k, keys)?;
            check(&format!("{at}.{k}"), v, item)
        }),
        (Shape::Obj(members), Value::Object(map)) => check_members(at, map, members),
        (Shape::Str | Shape::Enum(_), _) => wrong("a string"),
        (Shape::Int, _) => wrong("an integer"),
        (Shape::Bool, _) => wrong("true or false"),
        (Shape::Time, _) => wrong("a timestamp in epoch seconds"),
        (Shape::List(_), _) => wrong("a list"),
        (Shape::Map(_) | Shape::EnumMap(..) | Shape::Obj(_), _) => wrong("an object"),
    }
}

/// Checks the members of an object: none unknown, every required one present.
pub(crate) fn check_members(
    at: &str,
    map: &serde_json::Map<String, Value>,
    members: &[Member],
) -> Result<(), FieldError> {
    let path = |name: &str| if at.is_empty() { name.to_owned() } else { format!("{at}.{name}") };
    for (name, value) in map {
        let member = members
            .iter()
            .find(|m| m.name == name)
            .ok_or_else(|| FieldError::new(path(name), "is not a member of this structure"))?;
        if !value.is_null() {
            check(&path(name), value, &member.shape)?;
        }
    }
    match members.iter().find(|m| m.required && map.get(m.name).is_none_or(Value::is_null)) {
        Some(missing) => Err(FieldError::new(path(missing.name), "is required")),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const INNER: Shape = Shape::Obj(&[req!("Mode", Shape::Enum(&["A", "B"])), opt!("N", Shape::Int)]);
    const OUTER: &[Member] = &[opt!("Inner", INNER), opt!("List", Shape::List(&Shape::Str))];

    fn field(value: Value) -> String {
        let Value::Object(map) = value else { unreachable!() };
        check_members("", &map, OUTER).unwrap_err().field
    }

    #[test]
    fn members_are_named() {
        let Value::Object(ok) = json!({"Inner": {"Mode": "A", "N": 3}, "List": ["x"]}) else { unreachable!() };
        check_members("", &ok, OUTER).unwrap();
        assert_eq!(field(json!({"Nope": 1})), "Nope");
        assert_eq!(field(json!({"Inner": {"Mode": "C"}})), "Inner.Mode");
        assert_eq!(field(json!({"Inner": {}})), "Inner.Mode");
        assert_eq!(field(json!({"Inner": {"Mode": "A", "N": "3"}})), "Inner.N");
        assert_eq!(field(json!({"List": ["x", 2]})), "List[1]");
    }
}
