//! Reading every page of a MediaTailor list call, paced by a run's rate limit.

use std::future::Future;

use crate::error::AwsCallError;
use crate::rate::RateLimiter;

/// One page of a list call: its items and the next page's token.
pub type Page<T> = (Vec<T>, Option<String>);

/// Reads every page of a list, each call paced by `limiter`.
///
/// Stops when the token is absent or empty, or repeats the one just sent (as the SDK's own
/// paginators do), so a misbehaving service cannot keep it looping.
pub async fn all_pages<T, F, Fut>(limiter: &RateLimiter, mut fetch: F) -> Result<Vec<T>, AwsCallError>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: Future<Output = Result<Page<T>, AwsCallError>>,
{
    let mut items = Vec::new();
    let mut token: Option<String> = None;
    loop {
        limiter.acquire().await;
        let (page, next) = fetch(token.clone()).await?;
        items.extend(page);
        match next {
            Some(next) if !next.is_empty() && token.as_deref() != Some(next.as_str()) => token = Some(next),
            _ => return Ok(items),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::error::ErrorClass;

    /// Pages answered by a fake list call: (items, next token) per call.
    async fn read_pages(pages: Vec<(Vec<u32>, Option<&'static str>)>) -> (Result<Vec<u32>, AwsCallError>, usize) {
        let limiter = RateLimiter::per_second(1000);
        let calls = std::sync::atomic::AtomicUsize::new(0);
        let result = all_pages(&limiter, |_token| {
            let call = calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let page = pages.get(call).cloned();
            async move {
                let (items, next) = page.unwrap_or_default();
                Ok((items, next.map(str::to_owned)))
            }
        })
        .await;
        (result, calls.into_inner())
    }

    #[tokio::test]
    async fn all_pages_follows_tokens_and_stops_on_an_absent_empty_or_repeated_one() {
        let (items, calls) = read_pages(vec![(vec![1, 2], Some("a")), (vec![3], Some("b")), (vec![4], None)]).await;
        assert_eq!((items.unwrap(), calls), (vec![1, 2, 3, 4], 3));
        let (items, calls) = read_pages(vec![(vec![1], Some("a")), (vec![2], Some(""))]).await;
        assert_eq!((items.unwrap(), calls), (vec![1, 2], 2));
        // A service answering the token it was given would otherwise loop for ever.
        let (items, calls) = read_pages(vec![(vec![1], Some("a")), (vec![2], Some("a")), (vec![3], None)]).await;
        assert_eq!((items.unwrap(), calls), (vec![1, 2], 2));
    }

    #[tokio::test]
    async fn all_pages_stops_at_the_first_failed_call() {
        let limiter = RateLimiter::per_second(1000);
        let mut calls = 0;
        let result: Result<Vec<u32>, _> = all_pages(&limiter, |_token| {
            calls += 1;
            async {
                Err(AwsCallError {
                    operation: "ListAlerts",
                    class: ErrorClass::NotFound,
                    status: Some(404),
                    code: Some("NotFoundException".into()),
                    message: "gone".into(),
                })
            }
        })
        .await;
        assert_eq!(result.unwrap_err().class, ErrorClass::NotFound);
        assert_eq!(calls, 1);
    }
}
