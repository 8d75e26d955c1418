//! A client-side rate limit: a token bucket, so a run's first calls go at once and a long run
//! stays under MediaTailor's control-plane quota instead of leaning on throttling and retries.
//!
//! `RateLimiter::per_second(n)` is a bucket of `n` tokens, full at the start, that earns one token
//! every `1/n` s (rounded up to the nanosecond, so never faster) and never holds more than `n`:
//! up to `n` calls go at once, later ones are spaced `1/n` s apart, and however long the limiter
//! sits idle it never saves up more than `n`. A caller that finds the bucket empty takes a token
//! on credit (the count goes negative) and is told the instant that token will have been earned,
//! so waiters are served in arrival order without waking each other.
//!
//! # What it guarantees, and why
//!
//! **At most `n + ⌈n·T⌉` calls start in any window of `T` seconds** (the half-open `[t, t+T)`):
//! `n` at once at most, never more than `2n` within one second, and `n` per second in the long
//! run. So a stream the limiter lets through also conforms to any server-side token bucket (the
//! shape of AWS's API quotas) whose burst and rate are both at least `n`.
//!
//! The argument: a call starts only with a token of its own, taken from the bucket under one
//! mutex ([`Bucket::take`] refills and takes in a single step), so concurrent acquirers are
//! ordered like sequential ones and no token is handed out twice. The calls starting in
//! `[t, t+T)` therefore use at most the tokens held at `t` (never more than `n`; a token taken
//! on credit is counted at the instant it is earned, which is when its call starts) plus the
//! tokens earned in `[t, t+T)`. Tokens are earned at instants at least `1/n` s apart: while the
//! bucket is not full they follow `last + k/n`, and when it fills, `last` moves to that moment
//! and the next token comes `1/n` later still. A half-open window of `T` seconds holds at most
//! `⌈n·T⌉` such instants. `window_bound_holds_under_concurrent_acquirers` checks the bound on
//! the start instants of many concurrent acquirers.
//!
//! A burst of `n` followed by calls spaced `1/n` puts up to `2n − 1` calls in one second; a
//! limiter that never allows more than `n` in any second could not also let the first `n` go at
//! once and then pace the rest evenly.
//!
//! An `acquire` dropped while it waits (its caller cancelled) keeps its token: the limiter then
//! lets fewer calls through, never more.

use std::time::Duration;

use tokio::sync::Mutex;
use tokio::time::Instant;

/// The bucket at its last refill: the pure core of [`RateLimiter`].
#[derive(Debug, Clone, PartialEq, Eq)]
struct Bucket {
    /// The most tokens it holds (`n`).
    capacity: i64,
    /// The time to earn one token (`1/n` s, rounded up).
    period: Duration,
    /// Tokens held at `last`; below zero, tokens already promised to waiting callers.
    tokens: i64,
    /// When `tokens` was last brought up to date; the time since counts toward the next token.
    last: Instant,
}

impl Bucket {
    /// A full bucket of `per_second` tokens (at least one), earning as many each second.
    fn full(per_second: u32, now: Instant) -> Self {
        let per_second = per_second.max(1);
        let period = Duration::from_nanos(1_000_000_000_u64.div_ceil(u64::from(per_second)));
        Self { capacity: i64::from(per_second), period, tokens: i64::from(per_second), last: now }
    }

    /// Adds the tokens earned between `last` and `now`, never holding more than `capacity`.
    fn refill(&mut self, now: Instant) {
        let period = self.period.as_nanos();
        let elapsed = now.saturating_duration_since(self.last).as_nanos();
        let earned = i64::try_from(elapsed / period).unwrap_or(i64::MAX);
        if earned == 0 {
            return;
        }
        let tokens = self.tokens.saturating_add(earned);
        if tokens >= self.capacity {
            // Full: time spent full earns nothing, so the next token is one period from now.
            self.tokens = self.capacity;
            self.last = now;
        } else {
            self.tokens = tokens;
            // `earned < capacity` here, so the product is at most one second.
            self.last += self.period * u32::try_from(earned).unwrap_or(u32::MAX);
        }
    }

    /// Takes one token at `now` and returns the instant its call may start: `now` when the
    /// bucket held one, else the instant the token it takes on credit will have been earned.
    fn take(&mut self, now: Instant) -> Instant {
        self.refill(now);
        self.tokens -= 1;
        if self.tokens >= 0 {
            return now;
        }
        // `-tokens` tokens are promised; this caller's is the last of them.
        let owed = u32::try_from(-self.tokens).unwrap_or(u32::MAX);
        self.last + self.period * owed
    }
}

/// At most `per_second` calls at once, then one every `1 / per_second` seconds, in arrival order
/// (the module doc gives the exact bound).
#[derive(Debug)]
pub struct RateLimiter {
    bucket: Mutex<Bucket>,
}

impl RateLimiter {
    /// A bucket of `per_second` tokens (at least one), refilled at `per_second` a second: the
    /// first `per_second` calls go at once.
    pub fn per_second(per_second: u32) -> Self {
        Self { bucket: Mutex::new(Bucket::full(per_second, Instant::now())) }
    }

    /// Waits for this caller's turn.
    pub async fn acquire(&self) {
        let turn = self.bucket.lock().await.take(Instant::now());
        tokio::time::sleep_until(turn).await;
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    const MS: Duration = Duration::from_millis(1);

    /// Start instants of `callers` concurrent acquirers of one limiter, as offsets from the start.
    async fn concurrent_starts(per_second: u32, callers: usize) -> Vec<Duration> {
        let limiter = Arc::new(RateLimiter::per_second(per_second));
        let start = Instant::now();
        let tasks: Vec<_> = (0..callers)
            .map(|_| {
                let limiter = Arc::clone(&limiter);
                tokio::spawn(async move {
                    limiter.acquire().await;
                    start.elapsed()
                })
            })
            .collect();
        let mut starts = Vec::with_capacity(callers);
        for task in tasks {
            starts.push(task.await.unwrap());
        }
        starts.sort();
        starts
    }

    #[test]
    fn the_core_bursts_then_spaces_by_the_period() {
        let t0 = Instant::now();
        let mut bucket = Bucket::full(4, t0);
        let turns: Vec<Duration> = (0..7).map(|_| bucket.take(t0) - t0).collect();
        assert_eq!(turns, [0, 0, 0, 0, 250, 500, 750].map(|ms| ms * MS));
        // 600 ms on, two promised tokens have been earned and one is still owed.
        bucket.refill(t0 + 600 * MS);
        assert_eq!((bucket.tokens, bucket.last - t0), (-1, 500 * MS));
    }

    #[test]
    fn the_core_never_holds_more_than_its_capacity() {
        let t0 = Instant::now();
        let mut bucket = Bucket::full(3, t0);
        bucket.take(t0);
        bucket.refill(t0 + Duration::from_secs(3600));
        assert_eq!(bucket.tokens, 3);
        let later = t0 + Duration::from_secs(3600);
        let turns: Vec<Duration> = (0..5).map(|_| bucket.take(later) - later).collect();
        // The period is 1/3 s rounded up to the nanosecond.
        let period = Duration::from_nanos(333_333_334);
        assert_eq!(turns, [Duration::ZERO, Duration::ZERO, Duration::ZERO, period, 2 * period]);
    }

    #[tokio::test(start_paused = true)]
    async fn first_calls_go_at_once_then_spaced() {
        let limiter = RateLimiter::per_second(4);
        let start = Instant::now();
        let mut starts = Vec::new();
        for _ in 0..7 {
            limiter.acquire().await;
            starts.push(start.elapsed());
        }
        assert_eq!(starts, [0, 0, 0, 0, 250, 500, 750].map(|ms| ms * MS));
    }

    #[tokio::test(start_paused = true)]
    async fn a_long_idle_accrues_at_most_the_burst() {
        let limiter = RateLimiter::per_second(5);
        for _ in 0..5 {
            limiter.acquire().await;
        }
        tokio::time::sleep(Duration::from_secs(3600)).await;
        let start = Instant::now();
        let mut starts = Vec::new();
        for _ in 0..7 {
            limiter.acquire().await;
            starts.push(start.elapsed());
        }
        assert_eq!(starts, [0, 0, 0, 0, 0, 200, 400].map(|ms| ms * MS));
    }

    #[tokio::test(start_paused = true)]
    async fn concurrent_acquirers_are_served_once_each_in_turn() {
        let starts = concurrent_starts(4, 12).await;
        let expected: Vec<Duration> =
            [0, 0, 0, 0, 250, 500, 750, 1000, 1250, 1500, 1750, 2000].map(|ms| ms * MS).to_vec();
        assert_eq!(starts, expected);
    }

    #[tokio::test(start_paused = true)]
    async fn window_bound_holds_under_concurrent_acquirers() {
        let per_second = 8_u32;
        let starts = concurrent_starts(per_second, 100).await;
        let n = u128::from(per_second);
        for window in [250 * MS, Duration::from_secs(1), Duration::from_secs(3)] {
            // n + ceil(n * T), T in seconds.
            let bound = n + (n * window.as_nanos()).div_ceil(1_000_000_000);
            for (i, from) in starts.iter().enumerate() {
                let inside = starts[i..].iter().take_while(|s| **s < *from + window).count();
                assert!(inside as u128 <= bound, "{inside} calls in {window:?} from {from:?}, bound {bound}");
            }
        }
        // And the bucket is not stricter than it says: the last of 100 calls starts at (100 - n) / n s.
        assert_eq!(starts.last().copied(), Some(Duration::from_nanos(125_000_000 * 92)));
    }
}
