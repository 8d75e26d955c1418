//! Managed mode's channel tags: which channels are managed, and each one's overrides (pure).
//!
//! A channel tagged `tailorflow:managed=true` is scheduled by a run without `CHANNEL_NAME`. Its
//! other `tailorflow:` tags override, for that channel only, the function's settings and the
//! event's detail. The set is small on purpose:
//!
//! | tag | value | overrides |
//! |---|---|---|
//! | `tailorflow:source-location` | a source location name | `SOURCE_LOCATION_NAME` |
//! | `tailorflow:pool-tag` | `key=value` or `key` | the pool: VOD sources with that tag |
//! | `tailorflow:horizon-minutes` | 1 to 4320 | `HORIZON_MINUTES` |
//! | `tailorflow:ad-break-every-seconds` | 0 (none) to 86400 | the break interval (explicit offsets are dropped) |
//! | `tailorflow:slate` | `vod-source` or `source-location/vod-source` | the slate |
//!
//! A value that does not parse fails that channel, permanently, with a message naming the tag;
//! the other channels proceed. Other `tailorflow:` tags (another function's) are ignored.

use std::collections::BTreeMap;

use tailorflow_shared::{SourceLocationName, VodSourceName};

use crate::planning::TagFilter;
use crate::settings::{MAX_HORIZON_MINUTES, MAX_SECONDS, PoolFilter, RunBase, SlateSetting};

/// Selects a channel for managed mode; its value must be `true`.
pub const MANAGED: &str = "tailorflow:managed";
/// The channel's source location.
pub const SOURCE_LOCATION: &str = "tailorflow:source-location";
/// The channel's pool: VOD sources with this tag.
pub const POOL_TAG: &str = "tailorflow:pool-tag";
/// The channel's horizon.
pub const HORIZON_MINUTES: &str = "tailorflow:horizon-minutes";
/// The channel's ad break interval.
pub const AD_BREAK_EVERY_SECONDS: &str = "tailorflow:ad-break-every-seconds";
/// The channel's slate.
pub const SLATE: &str = "tailorflow:slate";

/// Whether a channel with `tags` is managed: `tailorflow:managed` is `true` (any case).
pub fn is_managed(tags: &BTreeMap<String, String>) -> bool {
    tags.get(MANAGED).is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
}

fn bad(tag: &str, value: &str, what: &str) -> String {
    format!("tag {tag}={value:?}: {what}; fix or remove the channel's tag")
}

fn number(tag: &str, value: &str, min: u64, max: u64) -> Result<u64, String> {
    match value.trim().parse::<u64>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(bad(tag, value, &format!("must be a whole number from {min} to {max}"))),
    }
}

/// `base` with the channel's `tags` applied, or the first tag at fault (named).
pub fn apply(base: &RunBase, tags: &BTreeMap<String, String>) -> Result<RunBase, String> {
    let mut run = base.clone();
    if let Some(value) = tags.get(SOURCE_LOCATION) {
        let name = SourceLocationName::new(value.trim()).map_err(|e| bad(SOURCE_LOCATION, value, &e.to_string()))?;
        run.source_location = Some(name);
    }
    if let Some(value) = tags.get(POOL_TAG) {
        let filter: TagFilter = value.parse().map_err(|e: String| bad(POOL_TAG, value, &e))?;
        run.pool = PoolFilter::Tag(filter);
    }
    if let Some(value) = tags.get(HORIZON_MINUTES) {
        run.horizon_minutes = number(HORIZON_MINUTES, value, 1, MAX_HORIZON_MINUTES)?;
    }
    if let Some(value) = tags.get(AD_BREAK_EVERY_SECONDS) {
        let every = number(AD_BREAK_EVERY_SECONDS, value, 0, MAX_SECONDS)?;
        run.policy.every_ms = (every > 0).then_some(every * 1000);
        run.policy.offsets_ms.clear();
    }
    if let Some(value) = tags.get(SLATE) {
        let (location, vod) = match value.trim().split_once('/') {
            Some((location, vod)) => (Some(location), vod),
            None => (None, value.trim()),
        };
        let source_location_name = location
            .map(SourceLocationName::new)
            .transpose()
            .map_err(|e| bad(SLATE, value, &format!("{e}; write vod-source or source-location/vod-source")))?;
        let vod_source_name = VodSourceName::new(vod)
            .map_err(|e| bad(SLATE, value, &format!("{e}; write vod-source or source-location/vod-source")))?;
        run.slate = Some(SlateSetting { source_location_name, vod_source_name });
    }
    Ok(run)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::planning::AdBreakPolicy;

    fn tags(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    fn base() -> RunBase {
        RunBase {
            source_location: None,
            pool: PoolFilter::All,
            horizon_minutes: 120,
            max_programs: 10,
            policy: AdBreakPolicy { offsets_ms: vec![1_000], pre_roll: true, ..Default::default() },
            slate: None,
            source_group: None,
            retain_played_hours: 24,
            dry_run: false,
        }
    }

    #[test]
    fn only_true_selects_a_channel() {
        assert!(is_managed(&tags(&[(MANAGED, "true")])));
        assert!(is_managed(&tags(&[(MANAGED, " TRUE ")])));
        assert!(!is_managed(&tags(&[(MANAGED, "false")])));
        assert!(!is_managed(&tags(&[(MANAGED, "yes")])));
        assert!(!is_managed(&tags(&[("managed", "true")])));
        assert!(!is_managed(&BTreeMap::new()));
    }

    #[test]
    fn no_tags_keep_the_base() {
        assert_eq!(apply(&base(), &tags(&[(MANAGED, "true"), ("tailorflow:other", "x")])).unwrap(), base());
    }

    #[test]
    fn every_tag_overrides_its_setting() {
        let run = apply(
            &base(),
            &tags(&[
                (SOURCE_LOCATION, "media"),
                (POOL_TAG, "genre=news"),
                (HORIZON_MINUTES, "30"),
                (AD_BREAK_EVERY_SECONDS, "600"),
                (SLATE, "slates/slate-30s"),
            ]),
        )
        .unwrap();
        assert_eq!(run.source_location.unwrap().as_str(), "media");
        assert_eq!(run.pool, PoolFilter::Tag("genre=news".parse().unwrap()));
        assert_eq!(run.horizon_minutes, 30);
        assert_eq!(run.policy.every_ms, Some(600_000));
        assert!(run.policy.offsets_ms.is_empty(), "an interval replaces explicit offsets");
        assert!(run.policy.pre_roll, "the rest of the policy stays");
        let slate = run.slate.unwrap();
        assert_eq!(slate.source_location_name.unwrap().as_str(), "slates");
        assert_eq!(slate.vod_source_name.as_str(), "slate-30s");
        let run = apply(&base(), &tags(&[(SLATE, "black"), (AD_BREAK_EVERY_SECONDS, "0")])).unwrap();
        assert_eq!(run.slate.unwrap().source_location_name, None);
        assert_eq!(run.policy.every_ms, None);
    }

    #[test]
    fn a_bad_value_names_its_tag() {
        for (tag, value) in [
            (SOURCE_LOCATION, "a b"),
            (POOL_TAG, "=x"),
            (HORIZON_MINUTES, "0"),
            (HORIZON_MINUTES, "soon"),
            (HORIZON_MINUTES, "5000"),
            (AD_BREAK_EVERY_SECONDS, "-1"),
            (AD_BREAK_EVERY_SECONDS, "90000"),
            (SLATE, ""),
            (SLATE, "a/b/c"),
            (SLATE, "/x"),
        ] {
            let err = apply(&base(), &tags(&[(tag, value)])).unwrap_err();
            assert!(err.starts_with(&format!("tag {tag}=")), "{tag}={value}: {err}");
        }
    }
}
