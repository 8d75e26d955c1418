//! A client-side rate limit: requests are spaced evenly, so a burst of concurrent callers stays
//! under MediaTailor's control-plane quota instead of leaning on throttling and retries.

use std::time::Duration;

use tokio::sync::Mutex;
use tokio::time::Instant;

/// Spaces calls at least `1 / rate` seconds apart, in arrival order.
#[derive(Debug)]
pub struct RateLimiter {
    period: Duration,
    next: Mutex<Option<Instant>>,
}

impl RateLimiter {
    /// At most `per_second` calls each second (at least one).
    pub fn per_second(per_second: u32) -> Self {
        Self { period: Duration::from_secs(1) / per_second.max(1), next: Mutex::new(None) }
    }

    /// Waits for this caller's turn.
    pub async fn acquire(&self) {
        let turn = {
            let mut next = self.next.lock().await;
            let now = Instant::now();
            let turn = next.map_or(now, |n| n.max(now));
            *next = Some(turn + self.period);
            turn
        };
        tokio::time::sleep_until(turn).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn spaces_calls_by_the_period() {
        let limiter = RateLimiter::per_second(4);
        let start = Instant::now();
        for _ in 0..5 {
            limiter.acquire().await;
        }
        // The first call goes at once, the next four each 250 ms later (virtual time).
        assert_eq!(start.elapsed(), Duration::from_millis(1000));
    }
}
