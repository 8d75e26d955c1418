//! The function's settings (environment) and the event's `detail`, which overrides them per run.

use crate::planning::{AdBreakPolicy, MAX_AD_BREAKS_PER_PROGRAM, OffsetList, TagFilter, VodSourceList};
use serde::Deserialize;
use tailorflow_shared::{ChannelName, ClientSettings, ConfigError, EnvReader, SourceLocationName, VodSourceName};

/// The longest horizon: `GetChannelSchedule` answers at most 4320 minutes (three days) ahead, and
/// the schedule must be read past the horizon to find its true end.
pub const MAX_HORIZON_MINUTES: u64 = 4_320;
/// The most programs one run may append.
pub const MAX_PROGRAMS_LIMIT: u64 = 100;
/// The longest ad break interval and tail exclusion: a day.
pub const MAX_SECONDS: u64 = 86_400;
/// The longest retention of played programs: a year.
pub const MAX_RETAIN_PLAYED_HOURS: u64 = 8_760;

/// Which VOD sources of the source location take turns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PoolFilter {
    /// Every VOD source of the source location.
    All,
    /// These, by name.
    Names(Vec<VodSourceName>),
    /// Those with this tag.
    Tag(TagFilter),
}

/// The slate that fills every ad break.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlateSetting {
    /// Its source location; `None` means the run's source location.
    pub source_location_name: Option<SourceLocationName>,
    /// The slate VOD source.
    pub vod_source_name: VodSourceName,
}

/// The function's settings, from the environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// `CHANNEL_NAME`: the channel to keep filled, unless the event names one.
    pub channel_name: Option<ChannelName>,
    /// `SOURCE_LOCATION_NAME`: where the VOD sources are, unless the event names one.
    pub source_location_name: Option<SourceLocationName>,
    /// `VOD_SOURCE_NAMES` or `VOD_SOURCE_TAG` (default: every VOD source).
    pub pool: PoolFilter,
    /// `HORIZON_MINUTES` (default 120): how far past the event's time the schedule must reach.
    pub horizon_minutes: u64,
    /// `MAX_PROGRAMS_PER_RUN` (default 10).
    pub max_programs_per_run: usize,
    /// `AD_BREAK_EVERY_SECONDS` or `AD_BREAK_OFFSETS_MS`, `PRE_ROLL`, `NO_AD_BREAK_IN_LAST_SECONDS`.
    pub ad_breaks: AdBreakPolicy,
    /// `SLATE_SOURCE_LOCATION_NAME` and `SLATE_VOD_SOURCE_NAME`.
    pub slate: Option<SlateSetting>,
    /// `SOURCE_GROUP`: the package to read; default the source groups of the channel's outputs.
    pub source_group: Option<String>,
    /// `MAX_REQUESTS_PER_SECOND` (default 8): paces the run's MediaTailor calls.
    pub max_requests_per_second: u32,
    /// `RETAIN_PLAYED_HOURS` (default 24): on LINEAR channels, programs that ended longer ago
    /// are deleted; 0 keeps them all.
    pub retain_played_hours: u64,
    /// `DRY_RUN` (default false): plan and report, write nothing.
    pub dry_run: bool,
    /// SDK retries and timeouts.
    pub clients: ClientSettings,
}

impl Settings {
    /// Reads the settings, listing every problem at once.
    pub fn read(mut env: EnvReader) -> Result<Self, ConfigError> {
        let channel_name = env.optional::<ChannelName>("CHANNEL_NAME");
        let source_location_name = env.optional::<SourceLocationName>("SOURCE_LOCATION_NAME");
        let names = env.optional::<VodSourceList>("VOD_SOURCE_NAMES");
        let tag = env.optional::<TagFilter>("VOD_SOURCE_TAG");
        if env.raw("VOD_SOURCE_NAMES").is_some() && env.raw("VOD_SOURCE_TAG").is_some() {
            env.report("VOD_SOURCE_TAG", "cannot be combined with VOD_SOURCE_NAMES; set one of them");
        }
        let horizon = env.number_in("HORIZON_MINUTES", 120, 1, MAX_HORIZON_MINUTES);
        let max_programs = env.number_in("MAX_PROGRAMS_PER_RUN", 10, 1, MAX_PROGRAMS_LIMIT);
        let every = env.number_in("AD_BREAK_EVERY_SECONDS", 0, 0, MAX_SECONDS);
        let offsets = env.optional::<OffsetList>("AD_BREAK_OFFSETS_MS");
        if every.is_some_and(|e| e > 0) && env.raw("AD_BREAK_OFFSETS_MS").is_some() {
            env.report("AD_BREAK_OFFSETS_MS", "cannot be combined with AD_BREAK_EVERY_SECONDS; set one of them");
        }
        let pre_roll = env.flag("PRE_ROLL", false);
        let tail = env.number_in("NO_AD_BREAK_IN_LAST_SECONDS", 0, 0, MAX_SECONDS);
        let slate_location = env.optional::<SourceLocationName>("SLATE_SOURCE_LOCATION_NAME");
        let slate_vod = env.optional::<VodSourceName>("SLATE_VOD_SOURCE_NAME");
        if env.raw("SLATE_SOURCE_LOCATION_NAME").is_some() && env.raw("SLATE_VOD_SOURCE_NAME").is_none() {
            env.report("SLATE_VOD_SOURCE_NAME", "is required when SLATE_SOURCE_LOCATION_NAME is set");
        }
        let source_group = env.optional::<String>("SOURCE_GROUP");
        let rate = env.number_in("MAX_REQUESTS_PER_SECOND", 8, 1, 100);
        let retain = env.number_in("RETAIN_PLAYED_HOURS", 24, 0, MAX_RETAIN_PLAYED_HOURS);
        let dry_run = env.flag("DRY_RUN", false);
        let clients = ClientSettings::read(&mut env);
        env.finish(move || {
            let pool = match (names, tag) {
                (Some(names), _) => PoolFilter::Names(names.0),
                (None, Some(tag)) => PoolFilter::Tag(tag),
                (None, None) => PoolFilter::All,
            };
            Some(Self {
                channel_name,
                source_location_name,
                pool,
                horizon_minutes: horizon?,
                max_programs_per_run: usize::try_from(max_programs?).ok()?,
                ad_breaks: AdBreakPolicy {
                    every_ms: every.filter(|e| *e > 0).map(|e| e * 1000),
                    offsets_ms: offsets.map(|o| o.0).unwrap_or_default(),
                    pre_roll: pre_roll?,
                    no_break_in_last_ms: tail? * 1000,
                },
                slate: slate_vod
                    .map(|vod_source_name| SlateSetting { source_location_name: slate_location, vod_source_name }),
                source_group: source_group.map(|g| g.trim().to_owned()),
                max_requests_per_second: u32::try_from(rate?).ok()?,
                retain_played_hours: retain?,
                dry_run: dry_run?,
                clients: clients?,
            })
        })
    }
}

/// The event's `detail` (or a scheduler's constant input): every member optional, each one
/// overriding its setting for this run. Unknown members are refused by name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
pub struct Detail {
    /// Overrides `CHANNEL_NAME`.
    pub channel_name: Option<ChannelName>,
    /// Overrides `SOURCE_LOCATION_NAME`.
    pub source_location_name: Option<SourceLocationName>,
    /// Overrides the pool: these VOD sources.
    pub vod_source_names: Option<Vec<VodSourceName>>,
    /// Overrides the pool: VOD sources with this tag, `key=value` or `key`.
    pub vod_source_tag: Option<String>,
    /// Replaces the whole ad break policy.
    pub ad_break_policy: Option<AdBreakPolicyDetail>,
    /// Overrides the slate.
    pub slate: Option<SlateDetail>,
    /// Overrides `SOURCE_GROUP`.
    pub source_group: Option<String>,
    /// Overrides `HORIZON_MINUTES`.
    pub horizon_minutes: Option<u64>,
    /// Overrides `MAX_PROGRAMS_PER_RUN`.
    pub max_programs_per_run: Option<u64>,
    /// Overrides `DRY_RUN`: plan and report, write nothing.
    pub dry_run: Option<bool>,
}

/// An ad break policy in an event; members left out mean none / false / 0.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
pub struct AdBreakPolicyDetail {
    /// A break every this many seconds.
    pub every_seconds: Option<u64>,
    /// Breaks at these offsets, in milliseconds.
    pub offsets_millis: Option<Vec<u64>>,
    /// A break at 0.
    pub pre_roll: Option<bool>,
    /// No break in the last this many seconds.
    pub no_ad_break_in_last_seconds: Option<u64>,
}

/// A slate in an event.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
pub struct SlateDetail {
    /// Its source location; default the run's source location.
    pub source_location_name: Option<SourceLocationName>,
    /// The slate VOD source.
    pub vod_source_name: VodSourceName,
}

impl Detail {
    /// Reads a detail: `null` and `{}` are empty; errors name the member at fault.
    pub fn parse(value: &serde_json::Value) -> Result<Self, String> {
        if value.is_null() {
            return Ok(Self::default());
        }
        serde_path_to_error::deserialize(value).map_err(|err| {
            let path = err.path().to_string();
            let inner = err.into_inner();
            if path == "." { format!("detail: {inner}") } else { format!("detail.{path}: {inner}") }
        })
    }
}

/// One channel's run: the settings with the event's detail (and, in managed mode, the
/// channel's tags) applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunConfig {
    /// The channel.
    pub channel: ChannelName,
    /// The source location of the pool.
    pub source_location: SourceLocationName,
    /// Which VOD sources take turns.
    pub pool: PoolFilter,
    /// The horizon, in minutes.
    pub horizon_minutes: u64,
    /// At most this many programs.
    pub max_programs: usize,
    /// Where ad breaks go.
    pub policy: AdBreakPolicy,
    /// The slate: its source location and VOD source.
    pub slate: Option<(SourceLocationName, VodSourceName)>,
    /// The source group to read, else the channel's.
    pub source_group: Option<String>,
    /// Programs of a LINEAR channel that ended longer ago than this are deleted; 0 keeps all.
    pub retain_played_hours: u64,
    /// Plan and report, write nothing.
    pub dry_run: bool,
}

/// Everything of a run but the channel: what every managed channel starts from before its tags
/// are applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunBase {
    /// The source location of the pool, unless a channel's tag names one.
    pub source_location: Option<SourceLocationName>,
    /// Which VOD sources take turns.
    pub pool: PoolFilter,
    /// The horizon, in minutes.
    pub horizon_minutes: u64,
    /// At most this many programs per channel.
    pub max_programs: usize,
    /// Where ad breaks go.
    pub policy: AdBreakPolicy,
    /// The slate; its source location defaults to the run's.
    pub slate: Option<SlateSetting>,
    /// The source group to read, else the channel's.
    pub source_group: Option<String>,
    /// See [`RunConfig::retain_played_hours`].
    pub retain_played_hours: u64,
    /// Plan and report, write nothing.
    pub dry_run: bool,
}

impl RunBase {
    /// The run of `channel`: `Err` names what is missing.
    pub fn for_channel(&self, channel: ChannelName) -> Result<RunConfig, String> {
        let source_location = self.source_location.clone().ok_or(
            "no source location: set SOURCE_LOCATION_NAME on the function, SourceLocationName in the event's detail or the channel's tailorflow:source-location tag",
        )?;
        let slate = self.slate.as_ref().map(|slate| {
            let location = slate.source_location_name.clone().unwrap_or_else(|| source_location.clone());
            (location, slate.vod_source_name.clone())
        });
        Ok(RunConfig {
            channel,
            source_location,
            pool: self.pool.clone(),
            horizon_minutes: self.horizon_minutes,
            max_programs: self.max_programs,
            policy: self.policy.clone(),
            slate,
            source_group: self.source_group.clone(),
            retain_played_hours: self.retain_played_hours,
            dry_run: self.dry_run,
        })
    }
}

/// What one invocation acts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// One channel, named by `CHANNEL_NAME` or the event's `ChannelName`.
    Channel(RunConfig),
    /// Managed mode: every channel tagged `tailorflow:managed=true`, each from this base and
    /// its own tags.
    Managed(RunBase),
}

impl Target {
    /// The single channel's run, `None` in managed mode.
    pub fn channel(self) -> Option<RunConfig> {
        match self {
            Self::Channel(run) => Some(run),
            Self::Managed(_) => None,
        }
    }
}

fn in_range(member: &str, value: u64, min: u64, max: u64) -> Result<u64, String> {
    if (min..=max).contains(&value) {
        Ok(value)
    } else {
        Err(format!("detail.{member}: {value} is out of range; use a value from {min} to {max}"))
    }
}

impl Settings {
    /// Applies `detail` to the settings: what the invocation acts on, or what the event gets
    /// wrong. Without a channel (neither `CHANNEL_NAME` nor `ChannelName`) it is managed mode.
    pub fn resolve(&self, detail: Detail) -> Result<Target, String> {
        let channel = detail.channel_name.clone().or_else(|| self.channel_name.clone());
        let base = self.resolve_base(detail)?;
        match channel {
            Some(channel) => base.for_channel(channel).map(Target::Channel),
            None => Ok(Target::Managed(base)),
        }
    }

    fn resolve_base(&self, detail: Detail) -> Result<RunBase, String> {
        let source_location = detail.source_location_name.or_else(|| self.source_location_name.clone());
        let pool = match (detail.vod_source_names, detail.vod_source_tag) {
            (Some(_), Some(_)) => {
                return Err("detail: VodSourceNames and VodSourceTag cannot be combined; give one of them".into());
            }
            (Some(names), None) if names.is_empty() => {
                return Err("detail.VodSourceNames: lists no VOD source; leave it out to use them all".into());
            }
            (Some(names), None) => PoolFilter::Names(names),
            (None, Some(tag)) => PoolFilter::Tag(tag.parse().map_err(|e| format!("detail.VodSourceTag: {e}"))?),
            (None, None) => self.pool.clone(),
        };
        let horizon_minutes = match detail.horizon_minutes {
            Some(minutes) => in_range("HorizonMinutes", minutes, 1, MAX_HORIZON_MINUTES)?,
            None => self.horizon_minutes,
        };
        let max_programs = match detail.max_programs_per_run {
            Some(n) => usize::try_from(in_range("MaxProgramsPerRun", n, 1, MAX_PROGRAMS_LIMIT)?).unwrap_or(1),
            None => self.max_programs_per_run,
        };
        let policy = match detail.ad_break_policy {
            Some(policy) => {
                if policy.every_seconds.is_some_and(|e| e > 0) && policy.offsets_millis.is_some() {
                    return Err(
                        "detail.AdBreakPolicy: EverySeconds and OffsetsMillis cannot be combined; give one of them"
                            .into(),
                    );
                }
                let offsets = policy.offsets_millis.unwrap_or_default();
                if offsets.len() > MAX_AD_BREAKS_PER_PROGRAM {
                    return Err(format!(
                        "detail.AdBreakPolicy.OffsetsMillis: lists {} offsets; a program takes at most {MAX_AD_BREAKS_PER_PROGRAM}",
                        offsets.len()
                    ));
                }
                let every = match policy.every_seconds {
                    Some(e) => in_range("AdBreakPolicy.EverySeconds", e, 0, MAX_SECONDS)?,
                    None => 0,
                };
                let tail = match policy.no_ad_break_in_last_seconds {
                    Some(s) => in_range("AdBreakPolicy.NoAdBreakInLastSeconds", s, 0, MAX_SECONDS)?,
                    None => 0,
                };
                AdBreakPolicy {
                    every_ms: (every > 0).then_some(every * 1000),
                    offsets_ms: offsets,
                    pre_roll: policy.pre_roll.unwrap_or(false),
                    no_break_in_last_ms: tail * 1000,
                }
            }
            None => self.ad_breaks.clone(),
        };
        let slate = match detail.slate {
            Some(slate) => Some(SlateSetting {
                source_location_name: slate.source_location_name,
                vod_source_name: slate.vod_source_name,
            }),
            None => self.slate.clone(),
        };
        let source_group = match detail.source_group {
            Some(group) if group.trim().is_empty() => {
                return Err("detail.SourceGroup: must not be empty; leave it out to use the channel's".into());
            }
            Some(group) => Some(group.trim().to_owned()),
            None => self.source_group.clone(),
        };
        Ok(RunBase {
            source_location,
            pool,
            horizon_minutes,
            max_programs,
            policy,
            slate,
            source_group,
            retain_played_hours: self.retain_played_hours,
            dry_run: detail.dry_run.unwrap_or(self.dry_run),
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn read(pairs: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        Settings::read(EnvReader::from_pairs(pairs.iter().copied()))
    }

    fn variables(err: &ConfigError) -> Vec<&str> {
        err.issues.iter().map(|i| i.variable.as_str()).collect()
    }

    #[test]
    fn defaults() {
        let settings = read(&[]).unwrap();
        assert_eq!(settings.channel_name, None);
        assert_eq!(settings.pool, PoolFilter::All);
        assert_eq!(settings.horizon_minutes, 120);
        assert_eq!(settings.max_programs_per_run, 10);
        assert!(settings.ad_breaks.is_empty());
        assert_eq!(settings.slate, None);
        assert_eq!(settings.source_group, None);
        assert_eq!(settings.max_requests_per_second, 8);
    }

    #[test]
    fn reads_every_setting() {
        let settings = read(&[
            ("CHANNEL_NAME", "news"),
            ("SOURCE_LOCATION_NAME", "media"),
            ("VOD_SOURCE_NAMES", "b, a"),
            ("HORIZON_MINUTES", "60"),
            ("MAX_PROGRAMS_PER_RUN", "3"),
            ("AD_BREAK_EVERY_SECONDS", "600"),
            ("PRE_ROLL", "true"),
            ("NO_AD_BREAK_IN_LAST_SECONDS", "30"),
            ("SLATE_SOURCE_LOCATION_NAME", "slates"),
            ("SLATE_VOD_SOURCE_NAME", "slate-30s"),
            ("SOURCE_GROUP", "hls"),
        ])
        .unwrap();
        assert_eq!(settings.channel_name.unwrap().as_str(), "news");
        assert_eq!(
            settings.pool,
            PoolFilter::Names(vec![VodSourceName::new("b").unwrap(), VodSourceName::new("a").unwrap()])
        );
        assert_eq!(settings.horizon_minutes, 60);
        assert_eq!(settings.max_programs_per_run, 3);
        assert_eq!(
            settings.ad_breaks,
            AdBreakPolicy { every_ms: Some(600_000), offsets_ms: vec![], pre_roll: true, no_break_in_last_ms: 30_000 }
        );
        let slate = settings.slate.unwrap();
        assert_eq!(slate.source_location_name.unwrap().as_str(), "slates");
        assert_eq!(slate.vod_source_name.as_str(), "slate-30s");
        assert_eq!(settings.source_group.as_deref(), Some("hls"));

        let tagged = read(&[("VOD_SOURCE_TAG", "genre=news"), ("AD_BREAK_OFFSETS_MS", "0,60000")]).unwrap();
        assert_eq!(tagged.pool, PoolFilter::Tag("genre=news".parse().unwrap()));
        assert_eq!(tagged.ad_breaks.offsets_ms, vec![0, 60_000]);
        assert_eq!(tagged.ad_breaks.every_ms, None);
        // 0 seconds means no periodic breaks (the template's way to switch them off).
        assert!(read(&[("AD_BREAK_EVERY_SECONDS", "0")]).unwrap().ad_breaks.is_empty());
    }

    #[test]
    fn lists_every_problem_at_once() {
        let err = read(&[
            ("CHANNEL_NAME", "my channel"),
            ("VOD_SOURCE_NAMES", "a,b/c"),
            ("VOD_SOURCE_TAG", "genre=news"),
            ("HORIZON_MINUTES", "5000"),
            ("MAX_PROGRAMS_PER_RUN", "0"),
            ("AD_BREAK_EVERY_SECONDS", "600"),
            ("AD_BREAK_OFFSETS_MS", "0,x"),
            ("PRE_ROLL", "sometimes"),
            ("SLATE_SOURCE_LOCATION_NAME", "slates"),
            ("AWS_MAX_ATTEMPTS", "0"),
        ])
        .unwrap_err();
        assert_eq!(
            variables(&err),
            [
                "CHANNEL_NAME",
                "VOD_SOURCE_NAMES",
                "VOD_SOURCE_TAG",
                "HORIZON_MINUTES",
                "MAX_PROGRAMS_PER_RUN",
                "AD_BREAK_OFFSETS_MS",
                "AD_BREAK_OFFSETS_MS",
                "PRE_ROLL",
                "SLATE_VOD_SOURCE_NAME",
                "AWS_MAX_ATTEMPTS",
            ]
        );
        let message = err.to_string();
        assert!(message.contains("HORIZON_MINUTES: 5000 is out of range; use a value from 1 to 4320"), "{message}");
        assert!(message.contains("cannot be combined with VOD_SOURCE_NAMES"), "{message}");
        assert!(message.contains("\"b/c\""), "{message}");
    }

    fn base() -> Settings {
        read(&[
            ("CHANNEL_NAME", "news"),
            ("SOURCE_LOCATION_NAME", "media"),
            ("AD_BREAK_EVERY_SECONDS", "600"),
            ("SLATE_VOD_SOURCE_NAME", "slate-30s"),
        ])
        .unwrap()
    }

    #[test]
    fn an_empty_detail_takes_the_settings() {
        let run = base().resolve(Detail::parse(&serde_json::json!({})).unwrap()).unwrap().channel().unwrap();
        assert_eq!(run.channel.as_str(), "news");
        assert_eq!(run.source_location.as_str(), "media");
        assert_eq!(run.pool, PoolFilter::All);
        assert_eq!(run.policy.every_ms, Some(600_000));
        let (slate_location, slate) = run.slate.unwrap();
        assert_eq!((slate_location.as_str(), slate.as_str()), ("media", "slate-30s"));
        assert_eq!(Detail::parse(&serde_json::Value::Null).unwrap(), Detail::default());
    }

    #[test]
    fn a_full_detail_overrides_everything() {
        let detail = Detail::parse(&serde_json::json!({
            "ChannelName": "sports",
            "SourceLocationName": "archive",
            "VodSourceNames": ["a", "b"],
            "AdBreakPolicy": { "OffsetsMillis": [0, 30000], "NoAdBreakInLastSeconds": 10 },
            "Slate": { "VodSourceName": "black" },
            "SourceGroup": "dash",
            "HorizonMinutes": 30,
            "MaxProgramsPerRun": 2
        }))
        .unwrap();
        let run = base().resolve(detail).unwrap().channel().unwrap();
        assert_eq!(run.channel.as_str(), "sports");
        assert_eq!(run.source_location.as_str(), "archive");
        assert_eq!(run.policy.offsets_ms, vec![0, 30_000]);
        assert_eq!(run.policy.every_ms, None, "a policy in the event replaces the configured one");
        assert_eq!(run.policy.no_break_in_last_ms, 10_000);
        let (slate_location, slate) = run.slate.unwrap();
        assert_eq!((slate_location.as_str(), slate.as_str()), ("archive", "black"));
        assert_eq!(run.source_group.as_deref(), Some("dash"));
        assert_eq!((run.horizon_minutes, run.max_programs), (30, 2));
    }

    #[test]
    fn refuses_unknown_and_malformed_members_by_name() {
        let err = Detail::parse(&serde_json::json!({ "Channel": "x" })).unwrap_err();
        assert!(err.contains("unknown field `Channel`"), "{err}");
        let err = Detail::parse(&serde_json::json!({ "AdBreakPolicy": { "Every": 5 } })).unwrap_err();
        assert!(err.contains("detail.AdBreakPolicy") && err.contains("unknown field `Every`"), "{err}");
        let err = Detail::parse(&serde_json::json!({ "ChannelName": "a b" })).unwrap_err();
        assert!(err.starts_with("detail.ChannelName"), "{err}");
        let err = Detail::parse(&serde_json::json!({ "HorizonMinutes": "soon" })).unwrap_err();
        assert!(err.starts_with("detail.HorizonMinutes"), "{err}");
        assert!(Detail::parse(&serde_json::json!([1])).is_err());
    }

    #[test]
    fn refuses_contradictions_and_missing_names() {
        let resolve = |detail: serde_json::Value| base().resolve(Detail::parse(&detail).unwrap());
        let err = resolve(serde_json::json!({ "VodSourceNames": ["a"], "VodSourceTag": "k=v" })).unwrap_err();
        assert!(err.contains("cannot be combined"), "{err}");
        let err = resolve(serde_json::json!({ "AdBreakPolicy": { "EverySeconds": 60, "OffsetsMillis": [1] } }));
        assert!(err.unwrap_err().contains("EverySeconds and OffsetsMillis"));
        assert!(resolve(serde_json::json!({ "HorizonMinutes": 0 })).unwrap_err().contains("HorizonMinutes"));
        assert!(resolve(serde_json::json!({ "VodSourceNames": [] })).is_err());
        assert!(resolve(serde_json::json!({ "VodSourceTag": "=v" })).unwrap_err().contains("VodSourceTag"));
        let err = read(&[("CHANNEL_NAME", "news")]).unwrap().resolve(Detail::default()).unwrap_err();
        assert!(err.contains("SOURCE_LOCATION_NAME"), "{err}");
    }

    #[test]
    fn no_channel_is_managed_mode_and_dry_run_comes_from_either_side() {
        let settings = read(&[("SOURCE_LOCATION_NAME", "media"), ("RETAIN_PLAYED_HOURS", "0")]).unwrap();
        let Target::Managed(base) = settings.resolve(Detail::default()).unwrap() else { panic!("managed") };
        assert_eq!(base.source_location.unwrap().as_str(), "media");
        assert_eq!((base.retain_played_hours, base.dry_run), (0, false));
        // A managed run without any source location fails per channel, not for the run.
        let Target::Managed(base) = read(&[]).unwrap().resolve(Detail::default()).unwrap() else { panic!() };
        let err = base.for_channel(ChannelName::new("a").unwrap()).unwrap_err();
        assert!(err.contains("tailorflow:source-location"), "{err}");
        let dry = Detail::parse(&serde_json::json!({ "DryRun": true, "ChannelName": "x" })).unwrap();
        assert!(settings.resolve(dry).unwrap().channel().unwrap().dry_run);
        let settings = read(&[("CHANNEL_NAME", "n"), ("SOURCE_LOCATION_NAME", "m"), ("DRY_RUN", "true")]).unwrap();
        assert!(settings.resolve(Detail::default()).unwrap().channel().unwrap().dry_run);
        let off = Detail::parse(&serde_json::json!({ "DryRun": false })).unwrap();
        assert!(!settings.resolve(off).unwrap().channel().unwrap().dry_run, "the event's DryRun wins");
        assert_eq!(read(&[]).unwrap().retain_played_hours, 24);
        assert!(read(&[("RETAIN_PLAYED_HOURS", "9000")]).is_err());
    }
}
