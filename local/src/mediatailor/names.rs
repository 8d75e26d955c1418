//! The rule for resource names (channels, programs, source locations, VOD sources, playback
//! configurations), as the service states it, not as any client of it chooses.
//!
//! Sources: the service model (the `aws-sdk-mediatailor` 1.138 crate generated from it) puts no
//! `@length` or `@pattern` constraint on `ChannelName`, `ProgramName`, `SourceLocationName`,
//! `VodSourceName` or the playback configuration's `Name`: they are required strings, sent as URI
//! labels (the SDK refuses an empty label and percent-encodes every other character). The API
//! reference gives them as "Required: Yes" with no length or pattern, and the seed API
//! (`shared/seed/mediatailor-client-api.txt`) states none either.
//!
//! So the emulator accepts any non-empty name except one with a `/`: MediaTailor's ARNs join
//! names with `/` (`program/CHANNEL/PROGRAM`, `vodSource/LOCATION/SOURCE`), so such a name would
//! make an ARN ambiguous. No maximum length is enforced because no source gives one.

use super::validate::FieldError;

/// Checks `value` as the name member `field` (e.g. `ChannelName`).
pub(crate) fn check(field: &str, value: &str) -> Result<(), FieldError> {
    if value.is_empty() {
        return Err(FieldError::new(field, "must not be empty"));
    }
    if value.contains('/') {
        return Err(FieldError::new(
            field,
            format!("{value:?} contains '/', which separates the names in MediaTailor ARNs; choose a name without it"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_empty_names_and_slashes_are_refused() {
        for good in ["a", "a b", "a.b", "a~b", "caf\u{e9}", "A-z_0", &"n".repeat(300)] {
            assert!(check("ChannelName", good).is_ok(), "{good}");
        }
        assert_eq!(check("ChannelName", "").unwrap_err().to_string(), "ChannelName: must not be empty");
        assert_eq!(check("ProgramName", "a/b").unwrap_err().field, "ProgramName");
    }
}
