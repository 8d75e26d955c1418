//! MediaTailor resource names as validated newtypes.
//!
//! MediaTailor puts every name in a URL path (`/channel/{ChannelName}`), and its service model
//! states no pattern. tailorflow holds every name it sends to one rule that is safe in a path and
//! accepted by MediaTailor: 1 to [`MAX_NAME_LEN`] characters, each an ASCII letter, a digit,
//! `-` or `_`. A name that breaks the rule cannot be constructed, so it never reaches a request.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The longest name tailorflow sends for any MediaTailor resource.
pub const MAX_NAME_LEN: usize = 64;

/// Why a string is not a valid MediaTailor name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    /// The name is empty.
    #[error("{kind} must not be empty")]
    Empty {
        /// Which kind of name, e.g. `ChannelName`.
        kind: &'static str,
    },
    /// The name is longer than [`MAX_NAME_LEN`].
    #[error("{kind} is {len} characters long; shorten it to at most {max}")]
    TooLong {
        /// Which kind of name.
        kind: &'static str,
        /// Its length in characters.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The name holds a character outside `A-Z a-z 0-9 - _`.
    #[error("{kind} contains {found:?} at position {position}; use only letters A-Z a-z, digits, '-' and '_'")]
    InvalidCharacter {
        /// Which kind of name.
        kind: &'static str,
        /// The first offending character.
        found: char,
        /// Its position, counted in characters from 0.
        position: usize,
    },
}

impl NameError {
    /// The kind of name this error is about, e.g. `ChannelName`: the field to name to a user.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Empty { kind } | Self::TooLong { kind, .. } | Self::InvalidCharacter { kind, .. } => kind,
        }
    }
}

/// Whether `c` may appear in a MediaTailor name.
pub fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_'
}

/// Checks `value` against the name rule, naming `kind` in the error.
pub fn validate_name(kind: &'static str, value: &str) -> Result<(), NameError> {
    if value.is_empty() {
        return Err(NameError::Empty { kind });
    }
    if let Some((position, found)) = value.chars().enumerate().find(|(_, c)| !is_name_char(*c)) {
        return Err(NameError::InvalidCharacter { kind, found, position });
    }
    // All characters are ASCII here, so bytes and characters agree.
    if value.len() > MAX_NAME_LEN {
        return Err(NameError::TooLong { kind, len: value.len(), max: MAX_NAME_LEN });
    }
    Ok(())
}

macro_rules! resource_name {
    ($(#[$doc:meta])* $ty:ident, $kind:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $ty(String);

        impl $ty {
            /// The member name MediaTailor uses for this kind of name.
            pub const KIND: &'static str = $kind;

            /// Validates `value` and wraps it.
            pub fn new(value: impl Into<String>) -> Result<Self, NameError> {
                let value = value.into();
                validate_name(Self::KIND, &value)?;
                Ok(Self(value))
            }

            /// The name as sent to MediaTailor.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The name as an owned string.
            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $ty {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl FromStr for $ty {
            type Err = NameError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::new(s)
            }
        }

        impl TryFrom<String> for $ty {
            type Error = NameError;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                Self::new(s)
            }
        }

        impl From<$ty> for String {
            fn from(name: $ty) -> String {
                name.0
            }
        }

        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let raw = String::deserialize(deserializer)?;
                Self::new(raw).map_err(serde::de::Error::custom)
            }
        }
    };
}

resource_name!(
    /// The name of a channel-assembly channel.
    ChannelName,
    "ChannelName"
);
resource_name!(
    /// The name of a program on a channel.
    ProgramName,
    "ProgramName"
);
resource_name!(
    /// The name of a source location.
    SourceLocationName,
    "SourceLocationName"
);
resource_name!(
    /// The name of a VOD source within a source location.
    VodSourceName,
    "VodSourceName"
);
resource_name!(
    /// The name of a playback configuration (ad insertion).
    PlaybackConfigurationName,
    "Name"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_letters_digits_dash_underscore() {
        let name = ChannelName::new("News_24-7").unwrap();
        assert_eq!(name.as_str(), "News_24-7");
        assert_eq!(name.to_string(), "News_24-7");
    }

    #[test]
    fn accepts_a_name_at_the_length_limit() {
        let at_limit = "a".repeat(MAX_NAME_LEN);
        assert!(VodSourceName::new(at_limit).is_ok());
        assert!(ProgramName::new("x").is_ok());
    }

    #[test]
    fn rejects_a_name_just_past_the_length_limit() {
        let err = SourceLocationName::new("a".repeat(MAX_NAME_LEN + 1)).unwrap_err();
        assert_eq!(err, NameError::TooLong { kind: "SourceLocationName", len: MAX_NAME_LEN + 1, max: MAX_NAME_LEN });
        assert!(err.to_string().contains("SourceLocationName"));
    }

    #[test]
    fn rejects_empty() {
        assert_eq!(ProgramName::new("").unwrap_err(), NameError::Empty { kind: "ProgramName" });
    }

    #[test]
    fn rejects_each_kind_of_disallowed_character() {
        // Path and query syntax, whitespace, punctuation, control and non-ASCII characters.
        for bad in [
            '/', '?', '#', '%', '&', '=', '+', ' ', '\t', '\n', '.', ':', '@', '*', '~', '\'', '"', '\\', '\0', 'é',
            '日', '😀',
        ] {
            let value = format!("ok{bad}ok");
            let err = ChannelName::new(&value).unwrap_err();
            assert_eq!(err, NameError::InvalidCharacter { kind: "ChannelName", found: bad, position: 2 }, "{value:?}");
        }
    }

    #[test]
    fn reports_the_first_bad_character_before_length() {
        let value = format!("{}!", "a".repeat(MAX_NAME_LEN + 5));
        assert!(matches!(VodSourceName::new(value), Err(NameError::InvalidCharacter { found: '!', .. })));
    }

    #[test]
    fn deserialising_validates() {
        let ok: PlaybackConfigurationName = serde_json::from_str("\"conf-1\"").unwrap();
        assert_eq!(ok.as_str(), "conf-1");
        let err = serde_json::from_str::<PlaybackConfigurationName>("\"conf 1\"").unwrap_err();
        assert!(err.to_string().contains("Name contains ' '"), "{err}");
    }

    #[test]
    fn kind_names_the_field() {
        assert_eq!(ChannelName::new("").unwrap_err().kind(), "ChannelName");
        assert_eq!(PlaybackConfigurationName::new("a b").unwrap_err().kind(), "Name");
    }
}
