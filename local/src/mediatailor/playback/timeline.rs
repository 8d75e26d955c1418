//! What a channel plays, segment by segment, from its start: the schedule's programs cut into
//! pieces (content, ad break slates, filler slate), each piece one run of a source's segments.
//!
//! Every segment has an absolute index since the channel started and every piece an absolute
//! index too, so the media sequence and discontinuity sequence numbers of a window follow from
//! where the window starts: the same on every request. A LOOP channel repeats its pieces; a
//! LINEAR one plays them once, then its filler slate for ever.

use super::super::model::{AdBreak, SpliceInsertMessage};
use super::source::SourceKey;

/// The slate of an ad break: its source and segment durations, when it can be played.
type SlateOf<'a> = dyn Fn(&AdBreak) -> Option<(SourceKey, Vec<u64>)> + 'a;

/// An ad break must start within this of a content segment boundary, or it is skipped.
pub(super) const BREAK_TOLERANCE_MS: u64 = super::super::schedule::BREAK_TOLERANCE_MS;

/// The SCTE-35 splice_insert values of an ad break.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Splice {
    /// splice_event_id.
    pub(super) event_id: u32,
    /// unique_program_id.
    pub(super) unique_program_id: u16,
    /// avail_num.
    pub(super) avail_num: u8,
    /// avails_expected.
    pub(super) avails_expected: u8,
}

impl Splice {
    fn of(message: Option<&SpliceInsertMessage>, fallback_id: u32) -> Self {
        let narrow = |v: Option<i64>, default: i64| v.unwrap_or(default).clamp(0, i64::from(u32::MAX)) as u32;
        Self {
            event_id: message.and_then(|m| m.splice_event_id).map_or(fallback_id, |id| narrow(Some(id), 1)),
            unique_program_id: narrow(message.and_then(|m| m.unique_program_id), 0).min(u32::from(u16::MAX)) as u16,
            avail_num: narrow(message.and_then(|m| m.avail_num), 0).min(255) as u8,
            avails_expected: narrow(message.and_then(|m| m.avails_expected), 0).min(255) as u8,
        }
    }
}

/// What a piece is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum PieceKind {
    /// A program's content.
    Program,
    /// An ad break's slate.
    AdBreak(Splice),
    /// The channel's filler slate.
    Filler,
}

/// A run of consecutive segments of one source.
#[derive(Debug, Clone)]
pub(super) struct Piece {
    /// What it is.
    pub(super) kind: PieceKind,
    /// Its source.
    pub(super) source: SourceKey,
    /// Index of its first segment in the source's rendition.
    pub(super) first: usize,
    /// Its segments' durations, in milliseconds.
    pub(super) durations_ms: Vec<u64>,
    /// Where it starts in the source, in milliseconds.
    pub(super) from_ms: u64,
    /// Where it starts, from its run's start, in milliseconds.
    pub(super) at_ms: u64,
}

impl Piece {
    /// Its length, in milliseconds.
    pub(super) fn duration_ms(&self) -> u64 {
        self.durations_ms.iter().sum()
    }
}

/// Pieces laid out from one start.
#[derive(Debug, Clone, Default)]
pub(super) struct Run {
    /// The pieces, by `at_ms`.
    pub(super) pieces: Vec<Piece>,
    /// From the run's start to the end of its last piece.
    pub(super) length_ms: u64,
}

impl Run {
    fn push(&mut self, mut piece: Piece, at_ms: u64) {
        if piece.durations_ms.is_empty() {
            return;
        }
        piece.at_ms = at_ms;
        self.length_ms = at_ms + piece.duration_ms();
        self.pieces.push(piece);
    }

    fn segment_count(&self) -> u64 {
        self.pieces.iter().map(|p| p.durations_ms.len() as u64).sum()
    }
}

/// A channel's whole play-out: `prefix` once from `start_ms`, then `tail` repeated for ever.
#[derive(Debug, Clone, Default)]
pub(super) struct Track {
    /// When the channel started, epoch milliseconds.
    pub(super) start_ms: i64,
    /// Played once.
    pub(super) prefix: Run,
    /// Repeated after the prefix (a LOOP channel's programs, a LINEAR channel's filler).
    pub(super) tail: Option<Run>,
}

/// One segment placed in time.
#[derive(Debug, Clone)]
pub(super) struct Placed<'t> {
    /// Its piece.
    pub(super) piece: &'t Piece,
    /// The piece's absolute index since the channel started.
    pub(super) piece_index: u64,
    /// When the piece starts, epoch milliseconds.
    pub(super) piece_start_ms: i64,
    /// The segment's index in its piece.
    pub(super) in_piece: usize,
    /// Its absolute index since the channel started: the media sequence number.
    pub(super) index: u64,
    /// When it starts, epoch milliseconds.
    pub(super) start_ms: i64,
}

impl Placed<'_> {
    /// Whether an EXT-X-DISCONTINUITY comes before it: it starts a piece, and is not the first.
    pub(super) fn discontinuity(&self) -> bool {
        self.in_piece == 0 && self.piece_index > 0
    }

    /// Discontinuities before it since the channel started.
    pub(super) fn discontinuities_before(&self) -> u64 {
        match (self.piece_index, self.in_piece) {
            (0, _) => 0,
            (p, 0) => p - 1,
            (p, _) => p,
        }
    }
}

impl Track {
    /// Segments starting in `[from_ms, to_ms]` (epoch milliseconds), in order.
    pub(super) fn segments(&self, from_ms: i64, to_ms: i64) -> Vec<Placed<'_>> {
        let mut out = Vec::new();
        let (mut index, mut piece_index) = (0u64, 0u64);
        place(&self.prefix, self.start_ms, (index, piece_index), (from_ms, to_ms), &mut out);
        index += self.prefix.segment_count();
        piece_index += self.prefix.pieces.len() as u64;
        let Some(tail) = self.tail.as_ref().filter(|t| t.length_ms > 0) else { return out };
        let tail_start = self.start_ms + self.prefix.length_ms as i64;
        let mut cycle = u64::try_from((from_ms - tail_start).max(0)).unwrap_or_default() / tail.length_ms;
        // The cycle before may hold segments that start inside the window.
        cycle = cycle.saturating_sub(1);
        loop {
            let cycle_start = tail_start + (cycle * tail.length_ms) as i64;
            if cycle_start > to_ms {
                return out;
            }
            let bases = (index + cycle * tail.segment_count(), piece_index + cycle * tail.pieces.len() as u64);
            place(tail, cycle_start, bases, (from_ms, to_ms), &mut out);
            cycle += 1;
        }
    }

    /// When the play-out ends (epoch milliseconds), if it does.
    pub(super) fn end_ms(&self) -> Option<i64> {
        self.tail.is_none().then(|| self.start_ms + self.prefix.length_ms as i64)
    }

    /// Every piece of the prefix and of one tail cycle.
    pub(super) fn pieces(&self) -> impl Iterator<Item = &Piece> {
        self.prefix.pieces.iter().chain(self.tail.iter().flat_map(|t| t.pieces.iter()))
    }
}

/// Adds the segments of `run` (starting at `run_start`) that start within `window` to `out`.
fn place<'t>(run: &'t Run, run_start: i64, bases: (u64, u64), window: (i64, i64), out: &mut Vec<Placed<'t>>) {
    let (mut index, piece_base) = bases;
    for (p, piece) in run.pieces.iter().enumerate() {
        let piece_start_ms = run_start + piece.at_ms as i64;
        let mut start_ms = piece_start_ms;
        for (in_piece, duration_ms) in piece.durations_ms.iter().copied().enumerate() {
            if start_ms > window.1 {
                return;
            }
            if start_ms >= window.0 {
                let piece_index = piece_base + p as u64;
                out.push(Placed { piece, piece_index, piece_start_ms, in_piece, index, start_ms });
            }
            start_ms += duration_ms as i64;
            index += 1;
        }
    }
}

/// A program's content cut at its ad breaks, with each break's slate in between. `content` is
/// the program's segment durations; `slate` gives a break slate's source and durations. A break
/// not within [`BREAK_TOLERANCE_MS`] of a segment boundary is skipped, as MediaTailor skips it.
pub(super) fn program_pieces(
    source: &SourceKey,
    content: &[u64],
    breaks: &[AdBreak],
    slate: &SlateOf<'_>,
) -> Vec<Piece> {
    let mut boundaries = vec![0u64];
    for d in content {
        boundaries.push(boundaries.last().copied().unwrap_or_default() + d);
    }
    let mut cuts: Vec<(usize, &AdBreak)> = breaks
        .iter()
        .filter_map(|b| {
            let offset = u64::try_from(b.offset_millis.unwrap_or_default()).ok()?;
            let at = boundaries.iter().position(|edge| edge.abs_diff(offset) <= BREAK_TOLERANCE_MS)?;
            Some((at, b))
        })
        .collect();
    cuts.sort_by_key(|(at, _)| *at);
    let piece = |kind, source: &SourceKey, first: usize, durations: &[u64], from_ms| Piece {
        kind,
        source: source.clone(),
        first,
        durations_ms: durations.to_vec(),
        from_ms,
        at_ms: 0,
    };
    let mut pieces = Vec::new();
    let mut next = 0;
    for (n, (at, ad_break)) in cuts.into_iter().enumerate() {
        pieces.push(piece(PieceKind::Program, source, next, &content[next..at], boundaries[next]));
        next = at;
        if let Some((slate_source, durations)) = slate(ad_break) {
            let splice = Splice::of(ad_break.splice_insert_message.as_ref(), n as u32 + 1);
            pieces.push(piece(PieceKind::AdBreak(splice), &slate_source, 0, &durations, 0));
        }
    }
    pieces.push(piece(PieceKind::Program, source, next, &content[next..], boundaries[next]));
    pieces.retain(|p| !p.durations_ms.is_empty());
    pieces
}

/// A filler slate pass: its segments that fit in `room_ms` (all when `None`).
pub(super) fn filler_piece(source: &SourceKey, durations: &[u64], room_ms: Option<u64>) -> Piece {
    let mut used = 0;
    let fitting: Vec<u64> = durations
        .iter()
        .copied()
        .take_while(|d| {
            used += d;
            room_ms.is_none_or(|room| used <= room)
        })
        .collect();
    Piece { kind: PieceKind::Filler, source: source.clone(), first: 0, durations_ms: fitting, from_ms: 0, at_ms: 0 }
}

/// A LOOP channel: the programs' pieces back to back, repeated.
pub(super) fn looped(start_ms: i64, programs: Vec<Vec<Piece>>) -> Track {
    let mut run = Run::default();
    for piece in programs.into_iter().flatten() {
        let at = run.length_ms;
        run.push(piece, at);
    }
    Track { start_ms, prefix: Run::default(), tail: Some(run) }
}

/// A LINEAR channel: each program from its scheduled start (`at_ms` from the channel's start),
/// cut on a segment boundary when the next one starts, gaps and the end filled with `filler`.
pub(super) fn linear(start_ms: i64, programs: Vec<(u64, Vec<Piece>)>, filler: Option<(SourceKey, Vec<u64>)>) -> Track {
    let mut run = Run::default();
    let starts: Vec<u64> = programs.iter().map(|(at, _)| *at).collect();
    for (i, (at, pieces)) in programs.into_iter().enumerate() {
        fill(&mut run, filler.as_ref(), at);
        let mut cursor = run.length_ms.max(at);
        let limit = starts.get(i + 1).copied();
        for mut piece in pieces {
            if let Some(limit) = limit {
                let mut end = cursor;
                piece.durations_ms.retain(|d| {
                    end += d;
                    end <= limit
                });
            }
            let truncated = piece.durations_ms.is_empty();
            run.push(piece, cursor);
            cursor = run.length_ms.max(cursor);
            if truncated {
                break;
            }
        }
    }
    let tail = filler.as_ref().map(|(source, durations)| {
        let mut tail = Run::default();
        tail.push(filler_piece(source, durations, None), 0);
        tail
    });
    Track { start_ms, prefix: run, tail: tail.filter(|t| t.length_ms > 0) }
}

/// Fills `run` with filler slate passes up to `until_ms`, as far as whole segments fit.
fn fill(run: &mut Run, filler: Option<&(SourceKey, Vec<u64>)>, until_ms: u64) {
    let Some((source, durations)) = filler else { return };
    while run.length_ms < until_ms {
        let piece = filler_piece(source, durations, Some(until_ms - run.length_ms));
        if piece.durations_ms.is_empty() {
            return;
        }
        let at = run.length_ms;
        run.push(piece, at);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(name: &str) -> SourceKey {
        SourceKey { location: "l".into(), vod: name.into() }
    }

    fn ad_break(offset: i64) -> AdBreak {
        AdBreak { offset_millis: Some(offset), ..Default::default() }
    }

    fn slate(_: &AdBreak) -> Option<(SourceKey, Vec<u64>)> {
        Some((key("slate"), vec![6000, 6000]))
    }

    #[test]
    fn breaks_cut_content_on_boundaries_and_misaligned_ones_are_skipped() {
        let content = [6006, 6006, 6006, 4004];
        let pieces = program_pieces(&key("bbb"), &content, &[ad_break(12_050), ad_break(9_000)], &slate);
        let kinds: Vec<_> = pieces.iter().map(|p| (p.source.vod.as_str(), p.first, p.durations_ms.len())).collect();
        assert_eq!(kinds, [("bbb", 0, 2), ("slate", 0, 2), ("bbb", 2, 2)], "9000 ms is 3 s from any boundary");
        assert_eq!(pieces[2].from_ms, 12_012);
        assert!(matches!(pieces[1].kind, PieceKind::AdBreak(Splice { event_id: 1, .. })));
    }

    #[test]
    fn a_loop_numbers_segments_and_discontinuities_the_same_in_every_window() {
        let programs = vec![
            program_pieces(&key("a"), &[4000, 4000], &[], &slate),
            program_pieces(&key("b"), &[5000], &[], &slate),
        ];
        let track = looped(1_000_000, programs);
        // Loop of 13 s: segments at 0, 4, 8 | 13, 17, 21 | 26 ...
        let window = track.segments(1_000_000 + 12_000, 1_000_000 + 22_000);
        let seen: Vec<_> = window.iter().map(|s| (s.index, s.discontinuity(), s.discontinuities_before())).collect();
        assert_eq!(seen, [(3, true, 1), (4, false, 2), (5, true, 2)]);
        let later = track.segments(1_000_000 + 16_000, 1_000_000 + 27_000);
        assert_eq!(later[0].index, 4);
        assert_eq!(later[0].discontinuities_before(), 2);
        assert_eq!(later.last().map(|s| (s.index, s.start_ms)), Some((6, 1_026_000)));
    }

    #[test]
    fn linear_truncates_an_overrunning_program_and_fills_gaps_then_the_end() {
        let a = program_pieces(&key("a"), &[4000, 4000, 4000], &[], &slate);
        let b = program_pieces(&key("b"), &[5000], &[], &slate);
        let track = linear(0, vec![(0, a), (10_000, b)], Some((key("filler"), vec![1000, 1000, 1000])));
        let pieces: Vec<_> =
            track.prefix.pieces.iter().map(|p| (p.source.vod.as_str(), p.at_ms, p.durations_ms.len())).collect();
        assert_eq!(pieces, [("a", 0, 2), ("filler", 8_000, 2), ("b", 10_000, 1)]);
        assert_eq!(track.tail.as_ref().map(|t| t.length_ms), Some(3000));
        assert_eq!(track.end_ms(), None);
    }
}
