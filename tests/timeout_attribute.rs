//! `#[timeout]` under every runtime, on the virtual clock: building the
//! error of a timed-out call with `on_timeout`, alone and stacked with
//! `#[retry]`, and stacking under a renamed path.

#[macro_use]
mod common;

use std::time::Duration;

use common::ms;
use orchestrate::testing::VirtualClock;
use orchestrate::{Elapsed, retry, sleep, timeout};

/// An error type of "another crate": no `From<Elapsed>` can be written.
type Foreign = std::fmt::Error;

fn foreign_from_elapsed(_: Elapsed) -> Foreign {
    std::fmt::Error
}

#[timeout(ms = 300, on_timeout = |_| std::fmt::Error)]
async fn closure_form(wait: Duration) -> Result<&'static str, Foreign> {
    sleep(wait).await;
    Ok("done")
}

#[timeout(ms = 300, on_timeout = foreign_from_elapsed)]
async fn path_form(wait: Duration) -> Result<&'static str, Foreign> {
    sleep(wait).await;
    Ok("done")
}

#[derive(Debug, PartialEq)]
enum Failure {
    TimedOutAfter(Duration),
    Busy,
}

/// Each attempt gets 100 ms; the closure keeps the limit it was given.
#[retry(times = 3, backoff = constant(ms = 50))]
#[timeout(ms = 100, on_timeout = |e: Elapsed| Failure::TimedOutAfter(e.duration()))]
async fn per_attempt() -> Result<(), Failure> {
    sleep(Duration::from_secs(60)).await;
    Ok(())
}

/// 250 ms for the whole retried call.
#[timeout(ms = 250, on_timeout = |e: Elapsed| Failure::TimedOutAfter(e.duration()))]
#[retry(times = 100, backoff = constant(ms = 100))]
async fn overall() -> Result<(), Failure> {
    Err(Failure::Busy)
}

extern crate orchestrate as orch;

#[derive(Debug, PartialEq)]
struct Slow(Duration);

impl From<Elapsed> for Slow {
    fn from(elapsed: Elapsed) -> Self {
        Slow(elapsed.duration())
    }
}

/// Stacked under a renamed path: `orch::retry` is recognised as ours through
/// `crate = "orch"`, so the limit covers the whole retried call.
#[orch::timeout(ms = 250, crate = "orch")]
#[orch::retry(times = 10, backoff = constant(ms = 100), crate = "orch")]
async fn renamed_stack(wait: Duration) -> Result<(), Slow> {
    sleep(wait).await;
    Err(Slow(Duration::ZERO))
}

runtime_tests! {
    async fn attributes_under_a_renamed_path_stack_as_written() {
        let clock = VirtualClock::auto();
        let start = clock.now();
        // Attempts of 60 ms with 100 ms between them; the 250 ms limit falls
        // in the third attempt: the whole call, not each attempt, is limited.
        assert_eq!(clock.run(renamed_stack(ms(60))).await, Err(Slow(ms(250))));
        assert_eq!(clock.now() - start, ms(250));
    }

    async fn on_timeout_builds_the_error_from_a_closure() {
        let clock = VirtualClock::auto();
        assert_eq!(clock.run(closure_form(ms(299))).await, Ok("done"));
        let start = clock.now();
        assert_eq!(clock.run(closure_form(Duration::from_secs(60))).await, Err(std::fmt::Error));
        assert_eq!(clock.now() - start, ms(300));
    }

    async fn on_timeout_builds_the_error_from_a_path() {
        let clock = VirtualClock::auto();
        assert_eq!(clock.run(path_form(ms(10))).await, Ok("done"));
        let start = clock.now();
        assert_eq!(clock.run(path_form(Duration::from_secs(60))).await, Err(std::fmt::Error));
        assert_eq!(clock.now() - start, ms(300));
    }

    async fn on_timeout_below_retry_fails_each_attempt() {
        let clock = VirtualClock::auto();
        let start = clock.now();
        assert_eq!(clock.run(per_attempt()).await, Err(Failure::TimedOutAfter(ms(100))));
        // Three attempts of 100 ms, 50 ms between them.
        assert_eq!(clock.now() - start, ms(400));
    }

    async fn on_timeout_above_retry_ends_the_whole_call() {
        let clock = VirtualClock::auto();
        let start = clock.now();
        assert_eq!(clock.run(overall()).await, Err(Failure::TimedOutAfter(ms(250))));
        assert_eq!(clock.now() - start, ms(250));
    }
}
