//! Limits shared across calls: 4 posts fetched at once, each with its body,
//! comments and likes fetched at once (12 API calls in a nested fan-out), yet
//! never more than 2 calls in flight and at most 20 starting per second
//! (bursts of 5), because every call goes through one `Limiter` and one
//! `RateLimiter`.
//!
//! ```text
//! cargo run --example shared_limits
//! ```

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use orchestrate::{Limiter, RateLimiter, settled, sleep};

/// The API allows 2 requests at once...
static API: Limiter = Limiter::new(2);
/// ...and 20 per second, with bursts of 5.
static RATE: RateLimiter = RateLimiter::per_second(20).burst(5);

static IN_FLIGHT: AtomicUsize = AtomicUsize::new(0);
static MOST: AtomicUsize = AtomicUsize::new(0);

/// One API call: the leaf, where the limits go (the permit first, then the
/// turn, so every start the rate counts is a call actually made).
async fn call(what: &str, post: u32, started: Instant) -> String {
    API.run(RATE.run(async {
        let now = IN_FLIGHT.fetch_add(1, Ordering::SeqCst) + 1;
        MOST.fetch_max(now, Ordering::SeqCst);
        let at = started.elapsed().as_millis();
        println!("{at:>5} ms  start {what:<8} of post {post}  ({now} in flight)");
        sleep(Duration::from_millis(30)).await;
        IN_FLIGHT.fetch_sub(1, Ordering::SeqCst);
        format!("{what} of post {post}")
    }))
    .await
}

async fn post(id: u32, started: Instant) -> Vec<String> {
    settled([
        call("body", id, started),
        call("comments", id, started),
        call("likes", id, started),
    ])
    .await
}

fn main() {
    futures::executor::block_on(async {
        let started = Instant::now();
        let posts = settled((1..=4).map(|id| post(id, started))).await;
        let calls: usize = posts.iter().map(Vec::len).sum();
        let most = MOST.load(Ordering::SeqCst);
        println!(
            "{calls} calls in {} ms, at most {most} in flight (the limit is {})",
            started.elapsed().as_millis(),
            API.limit()
        );
        assert!(most <= API.limit());
    });
}
