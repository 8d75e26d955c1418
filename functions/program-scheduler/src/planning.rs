//! Planning a channel's next programs and their ad breaks: pure, no I/O and no clock.
//!
//! In: what the channel's schedule says (its last program and when it ends), the pool of VOD
//! sources, their segment timelines (read from their manifests by the caller), the ad break
//! policy and the time to plan from. Out: the programs to append, in order, each RELATIVE after
//! the one before, with ad breaks moved onto segment boundaries.
//!
//! Everything is derived from its inputs, so two runs that read the same schedule plan the same
//! programs under the same names; that is what keeps a duplicated or concurrent run from forking
//! the chain (the second `CreateProgram` of a name fails as a duplicate).
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::str::FromStr;

use serde::Serialize;
use sha2::{Digest, Sha256};

use tailorflow_shared::manifest::SegmentTimeline;
use tailorflow_shared::names::{ChannelName, MAX_NAME_LEN, ProgramName, SourceLocationName, VodSourceName};

/// MediaTailor plays an ad break only when its `OffsetMillis` is within this many milliseconds of
/// a segment boundary of the program's source; otherwise it skips the break without an error.
pub const BOUNDARY_TOLERANCE_MS: u64 = 100;

/// `AvailNum` and `AvailsExpected` are at most 256, so a program carries at most 256 breaks.
pub const MAX_AD_BREAKS_PER_PROGRAM: usize = 256;

/// Offsets one program may request before alignment: a tiny "every N seconds" on a long source
/// must not make a run build millions of offsets. Far above [`MAX_AD_BREAKS_PER_PROGRAM`].
const MAX_REQUESTED_OFFSETS: usize = 4 * MAX_AD_BREAKS_PER_PROGRAM;

/// Hex digits of the hash in a program name: 64 bits, so distinct chains never meet by accident.
const NAME_HASH_HEX: usize = 16;

// ---- the schedule as read ------------------------------------------------------------------

/// One entry of `GetChannelSchedule`, reduced to what planning needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduledProgram {
    /// `ProgramName`.
    pub program_name: String,
    /// Whether the entry is a program (`ScheduleEntryType` `PROGRAM`, or absent as on older
    /// APIs); a LINEAR channel's gaps are `FILLER_SLATE` entries, which schedule nothing.
    pub is_program: bool,
    /// `VodSourceName`, absent for live sources.
    pub vod_source_name: Option<String>,
    /// `ApproximateStartTime`, in milliseconds since the Unix epoch.
    pub start_ms: Option<i64>,
    /// `ApproximateDurationSeconds`, in milliseconds.
    pub duration_ms: u64,
}

/// Where the schedule ends: its last program and that program's approximate end.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScheduleTail {
    /// The last program of the chain; `None` on an empty channel.
    pub last_program: Option<String>,
    /// The VOD source of the last program, where the round-robin resumes.
    pub last_vod_source: Option<String>,
    /// When the last program ends, in milliseconds since the Unix epoch; `None` when unknown.
    pub ends_at_ms: Option<i64>,
    /// Programs in one pass of the schedule.
    pub programs: usize,
}

/// The tail of a schedule given in play order.
///
/// A LOOP channel's schedule may list its programs more than once; the first repeated name marks
/// the start of the next pass, so only the first pass is read.
pub fn schedule_tail(entries: &[ScheduledProgram]) -> ScheduleTail {
    let mut seen = BTreeSet::new();
    let mut last = None;
    for entry in entries.iter().filter(|e| e.is_program) {
        if !seen.insert(entry.program_name.as_str()) {
            break;
        }
        last = Some(entry);
    }
    if last.is_none() {
        // A LINEAR channel whose programs have all played shows only filler, which names the
        // last program played: the chain goes on after it, from where the filler began.
        if let Some(filler) = entries.iter().find(|e| !e.is_program && !e.program_name.is_empty()) {
            return ScheduleTail {
                last_program: Some(filler.program_name.clone()),
                last_vod_source: None,
                ends_at_ms: filler.start_ms,
                programs: 0,
            };
        }
    }
    ScheduleTail {
        last_program: last.map(|e| e.program_name.clone()),
        last_vod_source: last.and_then(|e| e.vod_source_name.clone()),
        ends_at_ms: last.and_then(|e| e.start_ms.map(|start| start.saturating_add(ms_i64(e.duration_ms)))),
        programs: seen.len(),
    }
}

fn ms_i64(ms: u64) -> i64 {
    i64::try_from(ms).unwrap_or(i64::MAX)
}

/// The VOD sources of one pass of a LOOP channel's schedule (programs only, the first pass).
pub fn loop_members(entries: &[ScheduledProgram]) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut members = BTreeSet::new();
    for entry in entries.iter().filter(|e| e.is_program) {
        if !seen.insert(entry.program_name.as_str()) {
            break;
        }
        if let Some(vod) = &entry.vod_source_name {
            members.insert(vod.clone());
        }
    }
    members
}

/// A program of a LINEAR channel that has played out and may be deleted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PlayedProgram {
    /// Its name.
    pub program_name: String,
    /// When it ended, approximately, in milliseconds since the Unix epoch.
    #[serde(rename = "endedAtMillis")]
    pub ended_at_ms: i64,
}

/// The programs of `entries` that ended before `before_ms`, in play order, never the last
/// program of the chain (`tail.last_program`: the next program is appended after it) nor one
/// whose times are unknown. Filler entries are not programs.
pub fn played_programs(entries: &[ScheduledProgram], tail: &ScheduleTail, before_ms: i64) -> Vec<PlayedProgram> {
    let mut seen = BTreeSet::new();
    entries
        .iter()
        .filter(|e| e.is_program && tail.last_program.as_deref() != Some(e.program_name.as_str()))
        .filter(|e| seen.insert(e.program_name.as_str()))
        .filter_map(|e| {
            let ended_at_ms = e.start_ms?.saturating_add(ms_i64(e.duration_ms));
            (ended_at_ms < before_ms).then(|| PlayedProgram { program_name: e.program_name.clone(), ended_at_ms })
        })
        .collect()
}

// ---- the ad break policy -------------------------------------------------------------------

/// Where a program's ad breaks go, before they are moved onto segment boundaries.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AdBreakPolicy {
    /// A break every this many milliseconds of content (at N, 2N, ... before the end).
    #[serde(rename = "everyMillis", skip_serializing_if = "Option::is_none")]
    pub every_ms: Option<u64>,
    /// Breaks at these offsets, in milliseconds from the program's start.
    #[serde(rename = "offsetsMillis", skip_serializing_if = "Vec::is_empty")]
    pub offsets_ms: Vec<u64>,
    /// A break at offset 0, before the content.
    pub pre_roll: bool,
    /// No break (other than a pre-roll) in the last this many milliseconds of content.
    #[serde(rename = "noAdBreakInLastMillis")]
    pub no_break_in_last_ms: u64,
}

impl AdBreakPolicy {
    /// Whether the policy asks for no breaks at all.
    pub fn is_empty(&self) -> bool {
        self.every_ms.is_none_or(|every| every == 0) && self.offsets_ms.is_empty() && !self.pre_roll
    }

    /// The offsets the policy asks for on content of `content_ms`, sorted and without repeats.
    pub fn requested_offsets(&self, content_ms: u64) -> Vec<u64> {
        let mut offsets = BTreeSet::new();
        if self.pre_roll {
            offsets.insert(0);
        }
        if let Some(every) = self.every_ms.filter(|every| *every > 0) {
            let mut at = every;
            while at < content_ms && offsets.len() < MAX_REQUESTED_OFFSETS {
                offsets.insert(at);
                at = at.saturating_add(every);
            }
        }
        offsets.extend(self.offsets_ms.iter().copied().take(MAX_REQUESTED_OFFSETS));
        offsets.into_iter().take(MAX_REQUESTED_OFFSETS).collect()
    }
}

/// A comma-separated list of offsets in milliseconds (`AD_BREAK_OFFSETS_MS`): `0,600000,1200000`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OffsetList(pub Vec<u64>);

impl FromStr for OffsetList {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut offsets = Vec::new();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let offset = part
                .parse::<u64>()
                .map_err(|_| format!("{part:?} is not a whole number of milliseconds; write e.g. 0,600000,1200000"))?;
            offsets.push(offset);
        }
        if offsets.is_empty() {
            return Err("lists no offset; write e.g. 0,600000,1200000".into());
        }
        if offsets.len() > MAX_AD_BREAKS_PER_PROGRAM {
            return Err(format!(
                "lists {} offsets; a program takes at most {MAX_AD_BREAKS_PER_PROGRAM}",
                offsets.len()
            ));
        }
        Ok(Self(offsets))
    }
}

/// A comma-separated list of VOD source names (`VOD_SOURCE_NAMES`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VodSourceList(pub Vec<VodSourceName>);

impl FromStr for VodSourceList {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let names = s
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(|p| VodSourceName::new(p).map_err(|e| format!("{p:?}: {e}")))
            .collect::<Result<Vec<_>, _>>()?;
        if names.is_empty() {
            return Err("lists no VOD source; write e.g. movie-1,movie-2".into());
        }
        Ok(Self(names))
    }
}

/// A tag filter on VOD sources (`VOD_SOURCE_TAG`): `key=value`, or `key` for any value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TagFilter {
    /// The tag key.
    pub key: String,
    /// The value it must have; `None` matches any value.
    pub value: Option<String>,
}

impl TagFilter {
    /// Whether `tags` pass the filter.
    pub fn matches<'a>(&self, mut tags: impl Iterator<Item = (&'a str, &'a str)>) -> bool {
        tags.any(|(k, v)| k == self.key && self.value.as_deref().is_none_or(|want| want == v))
    }
}

impl FromStr for TagFilter {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (key, value) = match s.split_once('=') {
            Some((key, value)) => (key.trim(), Some(value.trim().to_owned())),
            None => (s.trim(), None),
        };
        if key.is_empty() {
            return Err(format!("{s:?} has no tag key; write key=value (or key, for any value)"));
        }
        Ok(Self { key: key.to_owned(), value })
    }
}

impl fmt::Display for TagFilter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.value {
            Some(value) => write!(f, "{}={value}", self.key),
            None => f.write_str(&self.key),
        }
    }
}

// ---- VOD sources and their timelines -------------------------------------------------------

/// The segment timeline of one package of a VOD source, for one of the channel's source groups.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageTimeline {
    /// The package's `SourceGroup`.
    pub source_group: String,
    /// Its segment boundaries; `None` when the manifest states none (e.g. DASH SegmentBase).
    pub timeline: Option<SegmentTimeline>,
}

/// What the manifests of a VOD source say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceMedia {
    /// The content's duration, in milliseconds, from the first package.
    pub content_ms: u64,
    /// One timeline per source group the channel plays, the first one the reference: breaks
    /// snap to its boundaries and must be within 100 ms of a boundary in every other.
    pub packages: Vec<PackageTimeline>,
}

/// A VOD source that can be scheduled, or why it cannot.
pub type MediaStatus = Result<SourceMedia, String>;

/// The source groups a channel's programs must fit, the reference first: the configured
/// `SOURCE_GROUP` when set (it chooses the package breaks snap to), then every source group the
/// channel's outputs play, each once. Choosing the reference never drops a group from the check:
/// MediaTailor skips a break that is off a boundary in any group the channel plays.
pub fn source_groups(configured: Option<&str>, channel_groups: &[String]) -> Vec<String> {
    let mut groups: Vec<String> = Vec::new();
    for group in configured.into_iter().chain(channel_groups.iter().map(String::as_str)) {
        if !group.is_empty() && !groups.iter().any(|g| g == group) {
            groups.push(group.to_owned());
        }
    }
    groups
}

/// `pool` in name order without repeats, starting just after `after` and wrapping around: the
/// round-robin resumes after the last scheduled program's VOD source, with no state kept
/// anywhere but in MediaTailor. A name not in the pool resumes at the first name after it.
pub fn rotation(pool: &[VodSourceName], after: Option<&str>) -> Vec<VodSourceName> {
    let sorted: Vec<VodSourceName> = pool.iter().cloned().collect::<BTreeSet<_>>().into_iter().collect();
    let start = after.map_or(0, |after| sorted.partition_point(|name| name.as_str() <= after));
    let start = if start >= sorted.len() { 0 } else { start };
    sorted[start..].iter().chain(sorted[..start].iter()).cloned().collect()
}

// ---- names and identifiers -----------------------------------------------------------------

/// The name of the program that follows `previous` (none on an empty channel) with `vod_source`:
/// the VOD source's name (shortened) and 16 hex digits of SHA-256 over the channel, the previous
/// program and the VOD source. The same place in the same chain always gets the same name.
pub fn program_name(
    channel: &ChannelName,
    previous: Option<&str>,
    location: &SourceLocationName,
    vod_source: &VodSourceName,
) -> ProgramName {
    let digest = Sha256::new()
        .chain_update(channel.as_str())
        .chain_update([0])
        .chain_update(previous.unwrap_or_default())
        .chain_update([0])
        .chain_update(location.as_str())
        .chain_update([0])
        .chain_update(vod_source.as_str())
        .finalize();
    let hash = &hex::encode(digest)[..NAME_HASH_HEX];
    let stem_len = MAX_NAME_LEN - NAME_HASH_HEX - 1;
    let stem: String = vod_source.as_str().chars().take(stem_len).collect();
    // A VOD source name is already a valid name, so stem, '-' and hex digits are too.
    ProgramName::new(format!("{stem}-{hash}"))
        .or_else(|_| ProgramName::new(hash))
        .unwrap_or_else(|e| unreachable!("16 hex digits are a valid name: {e}"))
}

/// The name of `vod_source`'s program in a LOOP channel: one per channel, source location and
/// VOD source (no chain position), so the loop can hold each pool member once and only once: a
/// second `CreateProgram` of a member, by a retry or a concurrent run, is a duplicate.
pub fn loop_program_name(
    channel: &ChannelName,
    location: &SourceLocationName,
    vod_source: &VodSourceName,
) -> ProgramName {
    // '/' never occurs in a program name, so this cannot meet a chain position's hash input.
    program_name(channel, Some("/loop"), location, vod_source)
}

/// The SCTE-35 `splice_event_id` of break `index` of `program`: 31 bits of SHA-256 over the
/// channel, program name and index, so it is stable across retries and, in practice, unique on
/// the channel (MediaTailor accepts 0 to 2^31 - 1; 0 is avoided).
pub fn splice_event_id(channel: &ChannelName, program: &ProgramName, index: usize) -> i32 {
    let digest = Sha256::new()
        .chain_update(channel.as_str())
        .chain_update([0])
        .chain_update(program.as_str())
        .chain_update([0])
        .chain_update(index.to_be_bytes())
        .finalize();
    let id = u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]]) & 0x7FFF_FFFF;
    i32::try_from(id).unwrap_or(i32::MAX).max(1)
}

// ---- ad break alignment --------------------------------------------------------------------

/// Whether `offset_ms` is within [`BOUNDARY_TOLERANCE_MS`] of a segment boundary of `timeline`.
pub fn within_tolerance(timeline: &SegmentTimeline, offset_ms: u64) -> bool {
    timeline.nearest_boundary_ms(offset_ms).is_some_and(|b| b.abs_diff(offset_ms) <= BOUNDARY_TOLERANCE_MS)
}

/// Moves `requested_ms` onto the nearest segment boundary of the first package, then checks it
/// against every other package: the offset, or why no offset would play.
pub fn align_offset(packages: &[PackageTimeline], requested_ms: u64) -> Result<u64, String> {
    let Some(reference) = packages.first() else {
        return Err("the VOD source has no package for the channel's source groups".into());
    };
    let offset = reference.timeline.as_ref().and_then(|t| t.nearest_boundary_ms(requested_ms)).ok_or_else(|| {
        format!("the manifest of source group {:?} states no segment boundaries", reference.source_group)
    })?;
    for package in &packages[1..] {
        let Some(timeline) = &package.timeline else {
            return Err(format!(
                "the manifest of source group {:?} states no segment boundaries",
                package.source_group
            ));
        };
        if !within_tolerance(timeline, offset) {
            let nearest = timeline.nearest_boundary_ms(offset).unwrap_or_default();
            return Err(format!(
                "source group {:?} has no segment boundary within {BOUNDARY_TOLERANCE_MS} ms of {offset} ms (nearest: {nearest} ms)",
                package.source_group
            ));
        }
    }
    Ok(offset)
}

/// An ad break that could not be put on a segment boundary, so it is not created.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UnalignedAdBreak {
    /// The offset the policy asked for.
    #[serde(rename = "requestedOffsetMillis")]
    pub requested_offset_ms: u64,
    /// Why it cannot be aligned.
    pub reason: String,
}

/// Why an aligned ad break is left out on purpose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DropReason {
    /// It lands on the end of the content (or past it): that is the next program's start.
    AtOrPastEnd,
    /// It lands in the last `NO_AD_BREAK_IN_LAST_SECONDS` of the content.
    InLastSeconds,
    /// Another break already lands on the same boundary.
    SameBoundary,
}

/// An ad break left out on purpose.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DroppedAdBreak {
    /// The offset the policy asked for.
    #[serde(rename = "requestedOffsetMillis")]
    pub requested_offset_ms: u64,
    /// Where it would have gone.
    #[serde(rename = "offsetMillis")]
    pub offset_ms: u64,
    /// Why it was left out.
    pub reason: DropReason,
}

/// A program's ad breaks before numbering: `(requested, aligned)` offsets in play order, and the
/// ones left out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AdBreakLayout {
    /// `(requested, aligned)` offsets, ascending by aligned offset.
    pub breaks: Vec<(u64, u64)>,
    /// Breaks that could not be aligned.
    pub unaligned: Vec<UnalignedAdBreak>,
    /// Breaks left out on purpose.
    pub dropped: Vec<DroppedAdBreak>,
    /// Aligned breaks beyond [`MAX_AD_BREAKS_PER_PROGRAM`], not created.
    pub over_limit: usize,
}

/// Applies `policy` to a VOD source: every requested offset moved to a boundary or reported.
pub fn lay_out_ad_breaks(policy: &AdBreakPolicy, media: &SourceMedia) -> AdBreakLayout {
    let content = media.content_ms;
    let last_allowed = content.saturating_sub(policy.no_break_in_last_ms);
    let mut layout = AdBreakLayout::default();
    let mut taken = BTreeSet::new();
    for requested in policy.requested_offsets(content) {
        let offset = match align_offset(&media.packages, requested) {
            Ok(offset) => offset,
            Err(reason) => {
                layout.unaligned.push(UnalignedAdBreak { requested_offset_ms: requested, reason });
                continue;
            }
        };
        let reason = if offset >= content {
            Some(DropReason::AtOrPastEnd)
        } else if offset > 0 && policy.no_break_in_last_ms > 0 && offset > last_allowed {
            // A pre-roll plays before the content, never "near its end".
            Some(DropReason::InLastSeconds)
        } else if !taken.insert(offset) {
            Some(DropReason::SameBoundary)
        } else {
            None
        };
        match reason {
            Some(reason) => {
                layout.dropped.push(DroppedAdBreak { requested_offset_ms: requested, offset_ms: offset, reason })
            }
            None => layout.breaks.push((requested, offset)),
        }
    }
    layout.breaks.sort_by_key(|(_, offset)| *offset);
    if layout.breaks.len() > MAX_AD_BREAKS_PER_PROGRAM {
        layout.over_limit = layout.breaks.len() - MAX_AD_BREAKS_PER_PROGRAM;
        layout.breaks.truncate(MAX_AD_BREAKS_PER_PROGRAM);
    }
    layout
}

// ---- the plan ------------------------------------------------------------------------------

/// One ad break of a planned program, as sent to `CreateProgram`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PlannedAdBreak {
    /// The offset the policy asked for.
    #[serde(rename = "requestedOffsetMillis")]
    pub requested_offset_ms: u64,
    /// `OffsetMillis`: on a segment boundary.
    #[serde(rename = "offsetMillis")]
    pub offset_ms: u64,
    /// `SpliceInsertMessage.AvailNum`: 1 for the program's first break.
    pub avail_num: u16,
    /// `SpliceInsertMessage.AvailsExpected`: the program's number of breaks.
    pub avails_expected: u16,
    /// `SpliceInsertMessage.SpliceEventId`: see [`splice_event_id`].
    pub splice_event_id: i32,
}

/// A program to append.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PlannedProgram {
    /// `ProgramName`, from [`program_name`].
    pub program_name: ProgramName,
    /// `Transition.RelativeProgram` (AFTER_PROGRAM); `None` on an empty channel.
    pub after_program: Option<String>,
    /// LINEAR, after a gap (the chain ended before the time planned from): an ABSOLUTE
    /// transition at this time, ms since the Unix epoch, so the program plays now rather than
    /// "after" a program that is over.
    #[serde(rename = "absoluteStartMillis", skip_serializing_if = "Option::is_none")]
    pub absolute_start_ms: Option<i64>,
    /// `VodSourceName`.
    pub vod_source_name: VodSourceName,
    /// Approximate start, in milliseconds since the Unix epoch.
    #[serde(rename = "approximateStartMillis")]
    pub start_ms: i64,
    /// The content's duration.
    #[serde(rename = "contentDurationMillis")]
    pub content_ms: u64,
    /// Content plus one slate per ad break.
    #[serde(rename = "durationMillis")]
    pub duration_ms: u64,
    /// The ad breaks, in play order.
    pub ad_breaks: Vec<PlannedAdBreak>,
    /// Breaks not created because no segment boundary fits.
    pub unaligned_ad_breaks: Vec<UnalignedAdBreak>,
    /// Breaks left out on purpose.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dropped_ad_breaks: Vec<DroppedAdBreak>,
    /// Breaks beyond the 256 a program can number.
    #[serde(skip_serializing_if = "is_zero")]
    pub ad_breaks_over_limit: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// A VOD source passed over, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SkippedSource {
    /// The VOD source.
    pub vod_source_name: VodSourceName,
    /// Why it cannot be scheduled.
    pub reason: String,
}

/// Why planning stopped where it did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PlanOutcome {
    /// The horizon is covered.
    Covered,
    /// LOOP: the loop holds every usable member of the pool (the skipped ones aside).
    LoopComplete,
    /// `max_programs` programs are planned and the horizon is not yet covered.
    ProgramLimit,
    /// The pool is empty.
    EmptyPool,
    /// No VOD source of the pool can be scheduled (see the skipped sources).
    NoUsableVodSource,
    /// The next VOD source's manifests are needed: read them and plan again.
    NeedsMedia(VodSourceName),
}

/// What to plan from.
#[derive(Debug, Clone)]
pub struct PlanRequest<'a> {
    /// The channel.
    pub channel: &'a ChannelName,
    /// The source location of the pool.
    pub source_location: &'a SourceLocationName,
    /// The time the schedule must be filled from (the event's time), ms since the Unix epoch.
    pub from_ms: i64,
    /// How far past `from_ms` the schedule must reach.
    pub horizon_ms: u64,
    /// At most this many programs.
    pub max_programs: usize,
    /// The schedule as read.
    pub tail: &'a ScheduleTail,
    /// The VOD sources to take turns.
    pub pool: &'a [VodSourceName],
    /// What is known of the pool's manifests; a source missing here stops planning with
    /// [`PlanOutcome::NeedsMedia`], so the caller reads only the manifests it uses.
    pub media: &'a BTreeMap<VodSourceName, MediaStatus>,
    /// Where ad breaks go.
    pub policy: &'a AdBreakPolicy,
    /// The slate's duration, added to a program's duration per ad break.
    pub slate_ms: u64,
    /// Fill to the horizon (LINEAR), or complete the loop (LOOP).
    pub goal: Goal<'a>,
}

/// What a plan is for: the channel's playback mode decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Goal<'a> {
    /// LINEAR: programs play once, so the schedule must reach `from_ms + horizon_ms`.
    Horizon,
    /// LOOP: the loop plays for ever; it must hold each pool member once. These are the VOD
    /// sources it already holds.
    Loop(&'a BTreeSet<String>),
}

/// The programs to append, and where the schedule then ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// `from_ms + horizon_ms`.
    pub target_ms: i64,
    /// Where the schedule ends once the programs are appended.
    pub covered_until_ms: i64,
    /// The programs, in play order, each after the one before.
    pub programs: Vec<PlannedProgram>,
    /// VOD sources passed over in this plan.
    pub skipped: Vec<SkippedSource>,
    /// Why planning stopped.
    pub outcome: PlanOutcome,
}

/// Plans the programs to append: up to `from_ms + horizon_ms` ([`Goal::Horizon`]) or the pool
/// members the loop lacks ([`Goal::Loop`]).
pub fn plan(request: &PlanRequest<'_>) -> Plan {
    match request.goal {
        Goal::Horizon => plan_horizon(request),
        Goal::Loop(members) => plan_loop(request, members),
    }
}

/// One program after `previous`, starting at `start_ms`, with its breaks laid out.
fn build_program(
    request: &PlanRequest<'_>,
    program_name: ProgramName,
    previous: Option<String>,
    vod_source: &VodSourceName,
    media: &SourceMedia,
    start_ms: i64,
) -> PlannedProgram {
    let layout = lay_out_ad_breaks(request.policy, media);
    let count = layout.breaks.len();
    let avails_expected = u16::try_from(count).unwrap_or(u16::MAX);
    let ad_breaks = layout
        .breaks
        .iter()
        .enumerate()
        .map(|(i, (requested, offset))| PlannedAdBreak {
            requested_offset_ms: *requested,
            offset_ms: *offset,
            avail_num: u16::try_from(i + 1).unwrap_or(u16::MAX),
            avails_expected,
            splice_event_id: splice_event_id(request.channel, &program_name, i),
        })
        .collect();
    let slates = request.slate_ms.saturating_mul(count as u64);
    PlannedProgram {
        program_name,
        after_program: previous,
        absolute_start_ms: None,
        vod_source_name: vod_source.clone(),
        start_ms,
        content_ms: media.content_ms,
        duration_ms: media.content_ms.saturating_add(slates),
        ad_breaks,
        unaligned_ad_breaks: layout.unaligned,
        dropped_ad_breaks: layout.dropped,
        ad_breaks_over_limit: layout.over_limit,
    }
}

/// What is known of `name`: usable media, `Err` once recorded as skipped, or `None` when its
/// manifests must be read first.
fn usable<'m>(
    request: &'m PlanRequest<'_>,
    name: &VodSourceName,
    skipped: &mut BTreeSet<VodSourceName>,
    plan: &mut Plan,
) -> Option<Result<&'m SourceMedia, ()>> {
    let reason = match request.media.get(name)? {
        Ok(media) if media.content_ms > 0 => return Some(Ok(media)),
        Ok(_) => "its content has no duration".to_owned(),
        Err(reason) => reason.clone(),
    };
    if skipped.insert(name.clone()) {
        plan.skipped.push(SkippedSource { vod_source_name: name.clone(), reason });
    }
    Some(Err(()))
}

fn plan_horizon(request: &PlanRequest<'_>) -> Plan {
    let target_ms = request.from_ms.saturating_add(ms_i64(request.horizon_ms));
    let mut covered_until_ms = request.tail.ends_at_ms.unwrap_or(request.from_ms);
    // The chain ended before now: the gap plays filler, and the next program starts now.
    let mut gap_start = None;
    if request.tail.last_program.is_some() && covered_until_ms < request.from_ms {
        covered_until_ms = request.from_ms;
        gap_start = Some(request.from_ms);
    }
    let mut plan =
        Plan { target_ms, covered_until_ms, programs: Vec::new(), skipped: Vec::new(), outcome: PlanOutcome::Covered };
    let order = rotation(request.pool, request.tail.last_vod_source.as_deref());
    if covered_until_ms >= target_ms {
        return plan;
    }
    if order.is_empty() {
        plan.outcome = PlanOutcome::EmptyPool;
        return plan;
    }
    let mut previous = request.tail.last_program.clone();
    let mut next = 0usize;
    let mut skipped = BTreeSet::new();
    loop {
        if covered_until_ms >= target_ms {
            plan.outcome = PlanOutcome::Covered;
            break;
        }
        if plan.programs.len() >= request.max_programs {
            plan.outcome = PlanOutcome::ProgramLimit;
            break;
        }
        // The next usable source in turn, at most one full turn away.
        let mut chosen = None;
        for step in 0..order.len() {
            let index = (next + step) % order.len();
            let name = &order[index];
            match usable(request, name, &mut skipped, &mut plan) {
                None => {
                    plan.outcome = PlanOutcome::NeedsMedia(name.clone());
                    plan.covered_until_ms = covered_until_ms;
                    return plan;
                }
                Some(Err(())) => {}
                Some(Ok(media)) => {
                    chosen = Some((index, name, media));
                    break;
                }
            }
        }
        let Some((index, vod_source, media)) = chosen else {
            plan.outcome = PlanOutcome::NoUsableVodSource;
            break;
        };
        next = index + 1;
        let name = program_name(request.channel, previous.as_deref(), request.source_location, vod_source);
        let mut program = build_program(request, name, previous.clone(), vod_source, media, covered_until_ms);
        program.absolute_start_ms = gap_start.take();
        covered_until_ms = covered_until_ms.saturating_add(ms_i64(program.duration_ms));
        previous = Some(program.program_name.as_str().to_owned());
        plan.programs.push(program);
    }
    plan.covered_until_ms = covered_until_ms;
    plan
}

/// LOOP: appends, after the loop's last program, each pool member the loop lacks, once, in
/// name order; never more than the pool, whatever the horizon.
fn plan_loop(request: &PlanRequest<'_>, members: &BTreeSet<String>) -> Plan {
    let mut covered_until_ms = request.tail.ends_at_ms.unwrap_or(request.from_ms);
    let mut plan = Plan {
        target_ms: covered_until_ms,
        covered_until_ms,
        programs: Vec::new(),
        skipped: Vec::new(),
        outcome: PlanOutcome::LoopComplete,
    };
    let order: Vec<VodSourceName> = rotation(request.pool, None);
    if order.is_empty() {
        plan.outcome = if members.is_empty() { PlanOutcome::EmptyPool } else { PlanOutcome::LoopComplete };
        return plan;
    }
    let missing: Vec<&VodSourceName> = order.iter().filter(|name| !members.contains(name.as_str())).collect();
    let mut previous = request.tail.last_program.clone();
    let mut skipped = BTreeSet::new();
    for name in missing {
        let media = match usable(request, name, &mut skipped, &mut plan) {
            None => {
                plan.outcome = PlanOutcome::NeedsMedia(name.clone());
                plan.covered_until_ms = covered_until_ms;
                return plan;
            }
            Some(Err(())) => continue,
            Some(Ok(media)) => media,
        };
        if plan.programs.len() >= request.max_programs {
            plan.outcome = PlanOutcome::ProgramLimit;
            break;
        }
        let program_name = loop_program_name(request.channel, request.source_location, name);
        let program = build_program(request, program_name, previous.clone(), name, media, covered_until_ms);
        covered_until_ms = covered_until_ms.saturating_add(ms_i64(program.duration_ms));
        previous = Some(program.program_name.as_str().to_owned());
        plan.programs.push(program);
    }
    if plan.outcome == PlanOutcome::LoopComplete && members.is_empty() && plan.programs.is_empty() {
        plan.outcome = PlanOutcome::NoUsableVodSource;
    }
    plan.covered_until_ms = covered_until_ms;
    plan.target_ms = covered_until_ms;
    plan
}

#[cfg(test)]
mod tests {
    use super::*;

    const BBB_SEGMENT_MS: u64 = 6_006;

    /// big-buck-bunny's timeline: 19 × 6.006 s then 4.004 s (118,118 ms).
    fn bbb() -> SegmentTimeline {
        let mut durations_ms = vec![BBB_SEGMENT_MS; 19];
        durations_ms.push(4_004);
        SegmentTimeline { durations_ms, target_duration_s: Some(6) }
    }

    fn uniform(segment_ms: u64, count: usize) -> SegmentTimeline {
        SegmentTimeline { durations_ms: vec![segment_ms; count], target_duration_s: None }
    }

    fn media(timeline: SegmentTimeline) -> SourceMedia {
        SourceMedia {
            content_ms: timeline.total_ms(),
            packages: vec![PackageTimeline { source_group: "hls".into(), timeline: Some(timeline) }],
        }
    }

    fn vod(name: &str) -> VodSourceName {
        VodSourceName::new(name).unwrap()
    }

    fn channel() -> ChannelName {
        ChannelName::new("news").unwrap()
    }

    fn location() -> SourceLocationName {
        SourceLocationName::new("media").unwrap()
    }

    fn every(seconds: u64) -> AdBreakPolicy {
        AdBreakPolicy { every_ms: Some(seconds * 1000), ..Default::default() }
    }

    struct Fixture {
        channel: ChannelName,
        location: SourceLocationName,
        tail: ScheduleTail,
        pool: Vec<VodSourceName>,
        media: BTreeMap<VodSourceName, MediaStatus>,
        policy: AdBreakPolicy,
        horizon_ms: u64,
        max_programs: usize,
        slate_ms: u64,
    }

    impl Fixture {
        fn new() -> Self {
            let mut media = BTreeMap::new();
            media.insert(vod("big-buck-bunny"), Ok(self::media(bbb())));
            media.insert(vod("sintel"), Ok(self::media(uniform(4_000, 10))));
            Self {
                channel: channel(),
                location: location(),
                tail: ScheduleTail::default(),
                pool: vec![vod("sintel"), vod("big-buck-bunny")],
                media,
                policy: every(60),
                horizon_ms: 300_000,
                max_programs: 10,
                slate_ms: 30_000,
            }
        }

        fn plan(&self) -> Plan {
            plan(&PlanRequest {
                channel: &self.channel,
                source_location: &self.location,
                from_ms: 1_000_000,
                horizon_ms: self.horizon_ms,
                max_programs: self.max_programs,
                tail: &self.tail,
                pool: &self.pool,
                media: &self.media,
                policy: &self.policy,
                slate_ms: self.slate_ms,
                goal: Goal::Horizon,
            })
        }

        fn plan_loop(&self, members: &[&str]) -> Plan {
            let members: BTreeSet<String> = members.iter().map(|m| (*m).to_owned()).collect();
            plan(&PlanRequest {
                channel: &self.channel,
                source_location: &self.location,
                from_ms: 1_000_000,
                horizon_ms: self.horizon_ms,
                max_programs: self.max_programs,
                tail: &self.tail,
                pool: &self.pool,
                media: &self.media,
                policy: &self.policy,
                slate_ms: self.slate_ms,
                goal: Goal::Loop(&members),
            })
        }
    }

    fn entry(name: &str, vod: &str, start: i64, duration: u64) -> ScheduledProgram {
        ScheduledProgram {
            program_name: name.into(),
            is_program: true,
            vod_source_name: Some(vod.into()),
            start_ms: Some(start),
            duration_ms: duration,
        }
    }

    #[test]
    fn a_loop_gets_each_missing_member_once_whatever_the_horizon() {
        let mut fixture = Fixture::new();
        fixture.horizon_ms = 24 * 3_600_000;
        let plan = fixture.plan_loop(&[]);
        assert_eq!(plan.outcome, PlanOutcome::LoopComplete);
        let sources: Vec<&str> = plan.programs.iter().map(|p| p.vod_source_name.as_str()).collect();
        assert_eq!(sources, ["big-buck-bunny", "sintel"], "the pool once, not a day of it");
        assert_eq!(plan.programs[0].program_name, loop_program_name(&channel(), &location(), &vod("big-buck-bunny")));
        assert_eq!(plan.programs[1].after_program.as_deref(), Some(plan.programs[0].program_name.as_str()));
        // A loop that holds sintel already gets big-buck-bunny after its last program.
        fixture.tail = ScheduleTail {
            last_program: Some("s".into()),
            last_vod_source: Some("sintel".into()),
            ends_at_ms: Some(1_040_000),
            programs: 1,
        };
        let plan = fixture.plan_loop(&["sintel"]);
        assert_eq!(plan.programs.len(), 1);
        assert_eq!(plan.programs[0].vod_source_name.as_str(), "big-buck-bunny");
        assert_eq!(plan.programs[0].after_program.as_deref(), Some("s"));
        // A complete loop plans nothing; members outside the pool are left alone.
        let plan = fixture.plan_loop(&["sintel", "big-buck-bunny", "other"]);
        assert!(plan.programs.is_empty());
        assert_eq!(plan.outcome, PlanOutcome::LoopComplete);
    }

    #[test]
    fn a_loop_skips_unusable_members_and_respects_the_program_limit() {
        let mut fixture = Fixture::new();
        fixture.pool.push(vod("broken"));
        assert_eq!(fixture.plan_loop(&[]).outcome, PlanOutcome::NeedsMedia(vod("broken")));
        fixture.media.insert(vod("broken"), Err("refused".into()));
        let plan = fixture.plan_loop(&[]);
        assert_eq!(plan.programs.len(), 2);
        assert_eq!(plan.skipped.len(), 1);
        fixture.max_programs = 1;
        assert_eq!(fixture.plan_loop(&[]).outcome, PlanOutcome::ProgramLimit);
        fixture.pool = vec![vod("broken")];
        assert_eq!(fixture.plan_loop(&[]).outcome, PlanOutcome::NoUsableVodSource);
        fixture.pool.clear();
        assert_eq!(fixture.plan_loop(&[]).outcome, PlanOutcome::EmptyPool);
        assert_eq!(fixture.plan_loop(&["x"]).outcome, PlanOutcome::LoopComplete);
    }

    #[test]
    fn loop_members_read_one_pass_of_programs() {
        let mut filler = entry("", "filler", 5, 1);
        filler.is_program = false;
        let entries = vec![entry("a", "x", 0, 10), filler, entry("b", "y", 10, 5), entry("a", "x", 15, 10)];
        assert_eq!(loop_members(&entries), BTreeSet::from(["x".to_owned(), "y".to_owned()]));
        assert!(loop_members(&[]).is_empty());
    }

    #[test]
    fn a_configured_source_group_is_the_reference_but_every_group_is_checked() {
        let channel = vec!["hls".to_owned(), "dash".to_owned(), "hls".to_owned()];
        assert_eq!(source_groups(None, &channel), ["hls", "dash"]);
        assert_eq!(source_groups(Some("dash"), &channel), ["dash", "hls"]);
        assert_eq!(source_groups(Some("cmaf"), &channel), ["cmaf", "hls", "dash"]);
        assert_eq!(source_groups(Some("hls"), &[]), ["hls"]);
        assert!(source_groups(None, &[]).is_empty());
    }

    #[test]
    fn after_a_gap_the_next_program_starts_at_the_time_planned_from() {
        let mut fixture = Fixture::new();
        let mut filler = entry("last", "filler", 900_000, 600_000);
        filler.is_program = false;
        fixture.tail = schedule_tail(&[filler]);
        assert_eq!(fixture.tail.last_program.as_deref(), Some("last"), "the filler names the last program played");
        let plan = fixture.plan();
        assert_eq!(plan.programs[0].after_program.as_deref(), Some("last"));
        assert_eq!(plan.programs[0].absolute_start_ms, Some(1_000_000));
        assert_eq!(plan.programs[0].start_ms, 1_000_000);
        assert!(plan.programs[1..].iter().all(|p| p.absolute_start_ms.is_none()));
    }

    #[test]
    fn filler_gaps_are_not_programs() {
        let mut filler = entry("", "filler", 20_000, 60_000);
        filler.is_program = false;
        let tail = schedule_tail(&[entry("a", "x", 0, 20_000), filler]);
        assert_eq!(tail.last_program.as_deref(), Some("a"));
        assert_eq!(tail.ends_at_ms, Some(20_000), "the gap after the last program is not scheduled");
    }

    #[test]
    fn played_programs_ended_before_the_cutoff_but_never_the_last() {
        let mut filler = entry("", "filler", 0, 10);
        filler.is_program = false;
        let entries =
            vec![entry("a", "x", 0, 10_000), filler, entry("b", "y", 10_000, 10_000), entry("c", "x", 20_000, 5_000)];
        let tail = schedule_tail(&entries);
        let names = |before: i64| -> Vec<String> {
            played_programs(&entries, &tail, before).into_iter().map(|p| p.program_name).collect()
        };
        assert!(names(10_000).is_empty(), "a ended exactly at the cutoff: kept");
        assert_eq!(names(10_001), ["a"]);
        assert_eq!(names(i64::MAX), ["a", "b"], "c is the last of the chain");
        let unknown = vec![ScheduledProgram { start_ms: None, ..entry("a", "x", 0, 1) }, entry("b", "y", 0, 1)];
        assert!(played_programs(&unknown, &schedule_tail(&unknown), i64::MAX).is_empty());
    }

    #[test]
    fn snaps_offsets_to_the_nearest_boundary() {
        let timeline = bbb();
        let packages = vec![PackageTimeline { source_group: "hls".into(), timeline: Some(timeline) }];
        assert_eq!(align_offset(&packages, 60_000), Ok(60_060), "an ad every 60 s lands at 60,060 ms");
        assert_eq!(align_offset(&packages, 3_003), Ok(0), "a tie goes to the earlier boundary");
        assert_eq!(align_offset(&packages, 3_004), Ok(6_006));
        assert_eq!(align_offset(&packages, 114_113), Ok(114_114));
        assert_eq!(align_offset(&packages, 500_000), Ok(118_118), "past the end snaps to the end");
    }

    #[test]
    fn the_100_ms_rule_is_inclusive() {
        let timeline = uniform(6_000, 10);
        assert!(within_tolerance(&timeline, 6_000));
        assert!(within_tolerance(&timeline, 6_100), "exactly 100 ms away plays");
        assert!(within_tolerance(&timeline, 5_900), "exactly 100 ms before plays");
        assert!(!within_tolerance(&timeline, 6_101), "101 ms away is skipped by MediaTailor");
        assert!(!within_tolerance(&timeline, 5_899));
        assert!(!within_tolerance(&SegmentTimeline::default(), 0), "no segments, no boundary");
    }

    #[test]
    fn every_package_of_the_channel_must_have_a_boundary_within_100_ms() {
        let reference = PackageTimeline { source_group: "hls".into(), timeline: Some(uniform(6_000, 10)) };
        let at = |first_ms: u64| PackageTimeline {
            source_group: "dash".into(),
            timeline: Some(SegmentTimeline {
                durations_ms: vec![first_ms, 60_000 - first_ms],
                target_duration_s: None,
            }),
        };
        assert_eq!(align_offset(&[reference.clone(), at(6_100)], 6_200), Ok(6_000));
        let err = align_offset(&[reference.clone(), at(6_101)], 6_200).unwrap_err();
        assert!(err.contains("\"dash\" has no segment boundary within 100 ms of 6000 ms"), "{err}");
        let none = PackageTimeline { source_group: "dash".into(), timeline: None };
        assert!(align_offset(&[reference, none], 6_000).unwrap_err().contains("states no segment boundaries"));
        assert!(align_offset(&[], 6_000).is_err());
    }

    #[test]
    fn breaks_without_boundaries_are_reported_not_created() {
        let media = SourceMedia {
            content_ms: 120_000,
            packages: vec![PackageTimeline { source_group: "dash".into(), timeline: None }],
        };
        let layout = lay_out_ad_breaks(&every(60), &media);
        assert!(layout.breaks.is_empty());
        assert_eq!(layout.unaligned.len(), 1);
        assert_eq!(layout.unaligned[0].requested_offset_ms, 60_000);
    }

    #[test]
    fn pre_roll_goes_at_zero() {
        let policy = AdBreakPolicy { pre_roll: true, ..every(60) };
        let layout = lay_out_ad_breaks(&policy, &media(bbb()));
        assert_eq!(layout.breaks, vec![(0, 0), (60_000, 60_060)]);
        let only = AdBreakPolicy { pre_roll: true, ..Default::default() };
        assert_eq!(lay_out_ad_breaks(&only, &media(bbb())).breaks, vec![(0, 0)]);
    }

    #[test]
    fn no_break_in_the_last_seconds_but_pre_roll_stays() {
        // 40 s of 4 s segments, a break every 10 s: 10, 20, 30 s; none in the last 10 s.
        let sintel = media(uniform(4_000, 10));
        let policy = AdBreakPolicy { no_break_in_last_ms: 10_000, pre_roll: true, ..every(10) };
        let layout = lay_out_ad_breaks(&policy, &sintel);
        // 10 s snaps to 8 s (a tie goes to the earlier boundary), 20 s is a boundary, 30 s snaps
        // to 28 s; nothing after 30 s is allowed, so all stay.
        assert_eq!(layout.breaks, vec![(0, 0), (10_000, 8_000), (20_000, 20_000), (30_000, 28_000)]);
        let policy = AdBreakPolicy { no_break_in_last_ms: 12_001, pre_roll: true, ..every(10) };
        let layout = lay_out_ad_breaks(&policy, &sintel);
        assert_eq!(layout.breaks, vec![(0, 0), (10_000, 8_000), (20_000, 20_000)]);
        assert_eq!(
            layout.dropped,
            vec![DroppedAdBreak { requested_offset_ms: 30_000, offset_ms: 28_000, reason: DropReason::InLastSeconds }]
        );
        // Content shorter than the tail keeps its pre-roll only.
        let policy = AdBreakPolicy { no_break_in_last_ms: 60_000, pre_roll: true, ..every(10) };
        assert_eq!(lay_out_ad_breaks(&policy, &sintel).breaks, vec![(0, 0)]);
    }

    #[test]
    fn explicit_offsets_past_the_end_or_on_one_boundary_are_dropped() {
        let policy = AdBreakPolicy { offsets_ms: vec![30_000, 30_050, 118_000, 200_000], ..Default::default() };
        let layout = lay_out_ad_breaks(&policy, &media(bbb()));
        assert_eq!(layout.breaks, vec![(30_000, 30_030)]);
        let reasons: Vec<_> = layout.dropped.iter().map(|d| (d.requested_offset_ms, d.reason)).collect();
        assert_eq!(
            reasons,
            vec![
                (30_050, DropReason::SameBoundary),
                (118_000, DropReason::AtOrPastEnd),
                (200_000, DropReason::AtOrPastEnd)
            ]
        );
    }

    #[test]
    fn more_than_256_breaks_are_capped_and_reported() {
        let long = media(uniform(1_000, 1_000));
        let layout = lay_out_ad_breaks(&every(1), &long);
        assert_eq!(layout.breaks.len(), MAX_AD_BREAKS_PER_PROGRAM);
        assert_eq!(layout.over_limit, 999 - MAX_AD_BREAKS_PER_PROGRAM);
        let mut fixture = Fixture::new();
        fixture.media.insert(vod("long"), Ok(long));
        fixture.pool = vec![vod("long")];
        fixture.policy = every(1);
        let plan = fixture.plan();
        let program = &plan.programs[0];
        assert_eq!(program.ad_breaks.len(), 256);
        assert_eq!(program.ad_breaks_over_limit, 999 - 256);
        assert_eq!(program.ad_breaks.last().unwrap().avail_num, 256);
        assert!(program.ad_breaks.iter().all(|b| b.avails_expected == 256));
    }

    #[test]
    fn rotation_wraps_around_in_name_order() {
        let pool = vec![vod("c"), vod("a"), vod("b"), vod("a")];
        let names = |r: Vec<VodSourceName>| r.into_iter().map(String::from).collect::<Vec<_>>();
        assert_eq!(names(rotation(&pool, None)), ["a", "b", "c"]);
        assert_eq!(names(rotation(&pool, Some("a"))), ["b", "c", "a"]);
        assert_eq!(names(rotation(&pool, Some("c"))), ["a", "b", "c"], "after the last, wrap to the first");
        assert_eq!(names(rotation(&pool, Some("bb"))), ["c", "a", "b"], "an unknown name resumes after its place");
        assert!(rotation(&[], Some("a")).is_empty());
    }

    #[test]
    fn plans_round_robin_until_the_horizon_with_aligned_breaks() {
        let plan = Fixture::new().plan();
        assert_eq!(plan.outcome, PlanOutcome::Covered);
        let sources: Vec<&str> = plan.programs.iter().map(|p| p.vod_source_name.as_str()).collect();
        assert_eq!(sources, ["big-buck-bunny", "sintel", "big-buck-bunny"]);
        let first = &plan.programs[0];
        assert_eq!(first.after_program, None, "an empty channel: AFTER_PROGRAM without RelativeProgram");
        assert_eq!(first.start_ms, 1_000_000);
        assert_eq!(first.content_ms, 118_118);
        assert_eq!(first.duration_ms, 148_118, "one 30 s slate");
        assert_eq!(first.ad_breaks.len(), 1);
        let ad = &first.ad_breaks[0];
        assert_eq!((ad.requested_offset_ms, ad.offset_ms, ad.avail_num, ad.avails_expected), (60_000, 60_060, 1, 1));
        assert!(plan.programs[1].ad_breaks.is_empty(), "sintel is shorter than 60 s");
        assert_eq!(plan.programs[1].after_program.as_deref(), Some(first.program_name.as_str()));
        assert_eq!(plan.programs[1].start_ms, 1_148_118);
        assert_eq!(plan.programs[2].after_program.as_deref(), Some(plan.programs[1].program_name.as_str()));
        assert_eq!(plan.covered_until_ms, 1_000_000 + 148_118 + 40_000 + 148_118);
        assert!(plan.covered_until_ms >= plan.target_ms);
    }

    #[test]
    fn resumes_after_the_last_scheduled_source() {
        let mut fixture = Fixture::new();
        fixture.tail = ScheduleTail {
            last_program: Some("intro".into()),
            last_vod_source: Some("big-buck-bunny".into()),
            ends_at_ms: Some(1_100_000),
            programs: 1,
        };
        let plan = fixture.plan();
        assert_eq!(plan.programs[0].vod_source_name.as_str(), "sintel");
        assert_eq!(plan.programs[0].after_program.as_deref(), Some("intro"));
        assert_eq!(plan.programs[0].start_ms, 1_100_000);
    }

    #[test]
    fn a_covered_horizon_plans_nothing() {
        let mut fixture = Fixture::new();
        fixture.tail = ScheduleTail {
            last_program: Some("p".into()),
            last_vod_source: None,
            ends_at_ms: Some(1_300_000),
            programs: 3,
        };
        let plan = fixture.plan();
        assert_eq!(plan.outcome, PlanOutcome::Covered);
        assert!(plan.programs.is_empty());
        assert_eq!(plan.covered_until_ms, 1_300_000);
        // Even with no media known yet: nothing is read when nothing is needed.
        fixture.media.clear();
        assert_eq!(fixture.plan().outcome, PlanOutcome::Covered);
    }

    #[test]
    fn stops_at_max_programs_per_run() {
        let mut fixture = Fixture::new();
        fixture.horizon_ms = 3_600_000;
        fixture.max_programs = 4;
        let plan = fixture.plan();
        assert_eq!(plan.outcome, PlanOutcome::ProgramLimit);
        assert_eq!(plan.programs.len(), 4);
        assert!(plan.covered_until_ms < plan.target_ms);
        fixture.max_programs = 0;
        assert_eq!(fixture.plan().outcome, PlanOutcome::ProgramLimit);
    }

    #[test]
    fn asks_for_media_it_lacks_and_skips_unusable_sources() {
        let mut fixture = Fixture::new();
        fixture.pool.push(vod("broken"));
        let plan = fixture.plan();
        assert_eq!(plan.outcome, PlanOutcome::NeedsMedia(vod("broken")));
        assert_eq!(plan.programs.len(), 1, "big-buck-bunny comes before broken");
        fixture.media.insert(vod("broken"), Err("UNPARSABLE".into()));
        let plan = fixture.plan();
        assert_eq!(plan.outcome, PlanOutcome::Covered);
        let sources: Vec<&str> = plan.programs.iter().map(|p| p.vod_source_name.as_str()).collect();
        assert_eq!(sources, ["big-buck-bunny", "sintel", "big-buck-bunny"]);
        assert_eq!(plan.skipped, vec![SkippedSource { vod_source_name: vod("broken"), reason: "UNPARSABLE".into() }]);
        fixture.pool = vec![vod("broken")];
        assert_eq!(fixture.plan().outcome, PlanOutcome::NoUsableVodSource);
        fixture.pool.clear();
        assert_eq!(fixture.plan().outcome, PlanOutcome::EmptyPool);
    }

    #[test]
    fn names_are_deterministic_valid_and_chain_dependent() {
        let a = program_name(&channel(), None, &location(), &vod("big-buck-bunny"));
        assert_eq!(a, program_name(&channel(), None, &location(), &vod("big-buck-bunny")));
        assert!(a.as_str().starts_with("big-buck-bunny-"));
        assert_eq!(a.as_str().len(), "big-buck-bunny-".len() + 16);
        let b = program_name(&channel(), Some(a.as_str()), &location(), &vod("big-buck-bunny"));
        assert_ne!(a, b, "the same source later in the chain gets another name");
        let other_channel =
            program_name(&ChannelName::new("sports").unwrap(), None, &location(), &vod("big-buck-bunny"));
        assert_ne!(a, other_channel);
        let long = program_name(&channel(), None, &location(), &vod(&"x".repeat(64)));
        assert_eq!(long.as_str().len(), MAX_NAME_LEN);
        assert!(ProgramName::new(long.as_str()).is_ok());
        // The same fixture plans the same names twice.
        let names = |plan: Plan| plan.programs.into_iter().map(|p| p.program_name).collect::<Vec<_>>();
        assert_eq!(names(Fixture::new().plan()), names(Fixture::new().plan()));
    }

    #[test]
    fn splice_event_ids_are_stable_positive_and_distinct() {
        let program = ProgramName::new("p-1").unwrap();
        let ids: BTreeSet<i32> = (0..256).map(|i| splice_event_id(&channel(), &program, i)).collect();
        assert_eq!(ids.len(), 256);
        assert!(ids.iter().all(|id| *id >= 1));
        assert_eq!(splice_event_id(&channel(), &program, 7), splice_event_id(&channel(), &program, 7));
    }

    #[test]
    fn reads_the_tail_of_a_schedule_and_stops_at_a_loop() {
        let entry = |name: &str, vod: &str, start: i64, duration: u64| ScheduledProgram {
            program_name: name.into(),
            is_program: true,
            vod_source_name: Some(vod.into()),
            start_ms: Some(start),
            duration_ms: duration,
        };
        assert_eq!(schedule_tail(&[]), ScheduleTail::default());
        let entries = vec![entry("a", "x", 0, 10_000), entry("b", "y", 10_000, 5_000), entry("a", "x", 15_000, 10_000)];
        let tail = schedule_tail(&entries);
        assert_eq!(tail.last_program.as_deref(), Some("b"));
        assert_eq!(tail.last_vod_source.as_deref(), Some("y"));
        assert_eq!(tail.ends_at_ms, Some(15_000));
        assert_eq!(tail.programs, 2);
    }

    #[test]
    fn parses_lists_and_tag_filters() {
        assert_eq!("0, 600000,1200000".parse::<OffsetList>().unwrap().0, vec![0, 600_000, 1_200_000]);
        assert!("10,ten".parse::<OffsetList>().unwrap_err().contains("\"ten\""));
        assert!(" , ".parse::<OffsetList>().is_err());
        let names = "a, b-2".parse::<VodSourceList>().unwrap().0;
        assert_eq!(names, vec![vod("a"), vod("b-2")]);
        assert!("a,b c".parse::<VodSourceList>().unwrap_err().contains("\"b c\""));
        let filter: TagFilter = "genre=news".parse().unwrap();
        assert!(filter.matches([("genre", "news")].into_iter()));
        assert!(!filter.matches([("genre", "sport")].into_iter()));
        let any: TagFilter = "featured".parse().unwrap();
        assert!(any.matches([("featured", "")].into_iter()));
        assert_eq!(any.to_string(), "featured");
        assert!("=x".parse::<TagFilter>().is_err());
    }

    #[test]
    fn the_policy_requests_offsets_before_the_end() {
        assert_eq!(every(60).requested_offsets(118_118), vec![60_000]);
        assert_eq!(every(60).requested_offsets(120_000), vec![60_000]);
        assert_eq!(every(60).requested_offsets(120_001), vec![60_000, 120_000]);
        assert!(AdBreakPolicy::default().is_empty());
        assert!(AdBreakPolicy { every_ms: Some(0), ..Default::default() }.is_empty());
        assert!(AdBreakPolicy::default().requested_offsets(1_000_000).is_empty());
    }
}
