//! Hedged calls and circuit breakers on the timeline, under every runtime and
//! on the virtual clock: each hedged attempt is a bar of its own (the loser
//! cancelled at the winner's instant), and a call an open breaker refused
//! ends as *refused*, in `entries()` and in the chart.

use support::runtime_tests;

use std::time::Duration;

use orchestrate::timeline::{Outcome, Timeline};
use orchestrate::{CircuitBreaker, CircuitOpen, circuit_breaker, hedge, retry, sleep};
use support::{ms, on_virtual_time};

#[derive(Debug, Clone, PartialEq)]
enum ApiError {
    Down,
    Open,
}

impl From<CircuitOpen> for ApiError {
    fn from(_: CircuitOpen) -> Self {
        ApiError::Open
    }
}

async fn after<T>(millis: u64, value: T) -> T {
    sleep(ms(millis)).await;
    value
}

#[hedge(after_ms = 10)]
async fn replica(delays: &[u64], calls: &std::sync::atomic::AtomicUsize) -> Result<u64, ApiError> {
    let n = calls.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    after(delays[n], Ok(delays[n])).await
}

/// `(start, end, outcome)` of each attempt of the first entry.
fn attempts(timeline: &Timeline) -> Vec<(Duration, Option<Duration>, Outcome)> {
    timeline.entries()[0]
        .attempts
        .iter()
        .map(|a| (a.start, a.end, a.outcome))
        .collect()
}

runtime_tests! {
    async fn each_hedged_attempt_is_a_bar_and_the_loser_is_cancelled_at_the_winners_instant() {
        on_virtual_time(async {
            let timeline = Timeline::new();
            let mut calls = 0;
            let out = timeline
                .step("GET /search", hedge(ms(10), || {
                    calls += 1;
                    after(if calls == 1 { 100 } else { 5 }, Ok::<_, ApiError>(calls))
                }))
                .await;
            assert_eq!(out, Ok(2));
            let entry = &timeline.entries()[0];
            assert_eq!((entry.start, entry.end, entry.outcome), (ms(0), Some(ms(15)), Outcome::Ok));
            assert_eq!(
                attempts(&timeline),
                [(ms(0), Some(ms(15)), Outcome::Cancelled), (ms(10), Some(ms(15)), Outcome::Ok)]
            );
            // 1 ms a column: the call, then a row per attempt.
            let chart = timeline.chart().width(15).ascii(true).to_string();
            assert!(chart.contains("GET /search  ###############   15 ms  ok\n"), "{chart}");
            assert!(chart.contains("  attempt 1  ---------------   15 ms  cancelled\n"), "{chart}");
            assert!(chart.contains("  attempt 2            #####    5 ms  ok\n"), "{chart}");
            assert!(!chart.contains("after 2 attempts"), "{chart}");
        })
        .await;
    }

    async fn a_hedge_attribute_records_its_attempts_too() {
        on_virtual_time(async {
            let timeline = Timeline::new();
            let calls = std::sync::atomic::AtomicUsize::new(0);
            let out = timeline.step("GET /replica", replica(&[30, 4], &calls)).await;
            assert_eq!(out, Ok(4));
            assert_eq!(
                attempts(&timeline),
                [(ms(0), Some(ms(14)), Outcome::Cancelled), (ms(10), Some(ms(14)), Outcome::Ok)]
            );
        })
        .await;
    }

    async fn a_call_refused_by_an_open_breaker_is_marked_refused() {
        on_virtual_time(async {
            let breaker = CircuitBreaker::consecutive_failures(1);
            let timeline = Timeline::new();
            let down = timeline.step("GET /posts", breaker.run(after(20, Err::<(), _>(ApiError::Down))));
            assert_eq!(down.await, Err(ApiError::Down));
            let refused = timeline.step("GET /posts", breaker.run(after(20, Ok::<(), ApiError>(()))));
            assert_eq!(refused.await, Err(ApiError::Open));
            let entries = timeline.entries();
            let outcomes: Vec<_> = entries.iter().map(|e| (e.start, e.end, e.outcome)).collect();
            assert_eq!(
                outcomes,
                [(ms(0), Some(ms(20)), Outcome::Error), (ms(20), Some(ms(20)), Outcome::Refused)]
            );
            assert!(Outcome::Refused.is_failure());
            assert_eq!(Outcome::Refused.to_string(), "refused");
            let chart = timeline.chart().width(20).ascii(true).to_string();
            assert!(chart.contains("0 ms  refused\n"), "{chart}");
            assert!(chart.contains("! refused"), "{chart}");
            let unicode = timeline.chart().width(20).to_string();
            assert!(unicode.contains("╳ refused"), "{unicode}");
        })
        .await;
    }
}

mod each_runtime {
    use super::*;

    support::runtime_tests_each! {
        async fn retried_attempts_refused_by_the_breaker_are_marked_refused() {
            #[retry(times = 3, backoff = constant(ms = 10))]
            #[circuit_breaker(consecutive_failures = 2, open_for_secs = 1)]
            async fn posts() -> Result<(), ApiError> {
                after(5, Err(ApiError::Down)).await
            }
            on_virtual_time(async {
                let timeline = Timeline::new();
                assert_eq!(timeline.step("GET /posts", posts()).await, Err(ApiError::Open));
                assert_eq!(
                    attempts(&timeline),
                    [
                        (ms(0), Some(ms(5)), Outcome::Error),
                        (ms(15), Some(ms(20)), Outcome::Error),
                        (ms(30), Some(ms(30)), Outcome::Refused),
                    ]
                );
                assert_eq!(timeline.entries()[0].outcome, Outcome::Refused);
                let chart = timeline.chart().width(30).ascii(true).to_string();
                assert!(chart.contains("refused after 3 attempts"), "{chart}");
            })
            .await;
        }
    }
}
