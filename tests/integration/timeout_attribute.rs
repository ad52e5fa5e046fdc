//! `#[timeout]` on every kind of fn: free, generic, methods by `&self` and
//! `&mut self`, in trait impls (native `async fn` and `#[async_trait]`),
//! stacked with `#[tracing::instrument]` either way, and at the largest
//! limits. Each runs on a `VirtualClock`, so expiries are checked to the exact
//! instant. Building the error of a timed-out call with `on_timeout`, alone
//! and stacked with `#[retry]`, and stacking under a renamed path. (The
//! composition with `#[retry]` is otherwise in `retry.rs`.)

use support::runtime_tests;

use std::time::Duration;

use orchestrate::testing::VirtualClock;
use orchestrate::{Elapsed, retry, sleep, timeout, timer};
use support::{DropCounter, DropGuard, FOREVER, ms, on_virtual_time};

#[derive(Debug, Clone, PartialEq)]
enum AppError {
    TimedOut(Elapsed),
}

impl From<Elapsed> for AppError {
    fn from(e: Elapsed) -> Self {
        AppError::TimedOut(e)
    }
}

// ------------------------------------------------------------ #[timeout] fns

#[orchestrate::timeout(ms = 40)]
async fn free_fn(delay: Duration, guard: DropGuard) -> Result<u32, AppError> {
    sleep(delay).await;
    guard.defuse();
    Ok(1)
}

#[orchestrate::timeout(ms = 40)]
async fn generic_fn<T: Clone + Send>(value: &T, delay: Duration) -> Result<T, AppError> {
    sleep(delay).await;
    Ok(value.clone())
}

#[orchestrate::timeout(secs = 18_446_744_073_709_551_615)]
async fn limit_of_u64_max_secs(delay: Duration) -> Result<(), AppError> {
    sleep(delay).await;
    Ok(())
}

#[orchestrate::timeout(ms = 18_446_744_073_709_551_615)]
async fn limit_of_u64_max_ms(delay: Duration) -> Result<(), AppError> {
    sleep(delay).await;
    Ok(())
}

#[orchestrate::timeout(ms = 40)]
#[tracing::instrument(skip_all)]
async fn timeout_over_instrument(delay: Duration) -> Result<u32, AppError> {
    tracing::info!("inside");
    sleep(delay).await;
    Ok(2)
}

#[tracing::instrument(skip_all)]
#[orchestrate::timeout(ms = 40)]
async fn instrument_over_timeout(delay: Duration) -> Result<u32, AppError> {
    tracing::info!("inside");
    sleep(delay).await;
    Ok(3)
}

struct Service {
    calls: u32,
}

impl Service {
    #[orchestrate::timeout(ms = 40)]
    async fn by_ref(&self, delay: Duration) -> Result<u32, AppError> {
        sleep(delay).await;
        Ok(self.calls)
    }

    #[orchestrate::timeout(ms = 40)]
    async fn by_mut(&mut self, delay: Duration) -> Result<u32, AppError> {
        self.calls += 1;
        sleep(delay).await;
        self.calls += 10;
        Ok(self.calls)
    }
}

trait Store {
    async fn get(&self, delay: Duration) -> Result<u32, AppError>;
}

impl Store for Service {
    #[orchestrate::timeout(ms = 40)]
    async fn get(&self, delay: Duration) -> Result<u32, AppError> {
        sleep(delay).await;
        Ok(self.calls * 100)
    }
}

#[async_trait::async_trait]
trait DynStore {
    async fn fetch(&self, delay: Duration) -> Result<u32, AppError>;
}

#[async_trait::async_trait]
impl DynStore for Service {
    #[orchestrate::timeout(ms = 40)]
    async fn fetch(&self, delay: Duration) -> Result<u32, AppError> {
        sleep(delay).await;
        Ok(self.calls + 7)
    }
}

/// A timeout error of the 40 ms limit every `#[timeout]` fn here has.
fn timed_out() -> AppError {
    AppError::TimedOut(Elapsed::new(ms(40)))
}

// ---------------------------------------------------------------- on_timeout

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
    async fn timeout_attribute_on_a_free_fn() {
        on_virtual_time(async {
            let drops = DropCounter::new();
            assert_eq!(free_fn(ms(1), drops.guard()).await, Ok(1));
            assert_eq!(drops.dropped(), 0);
            let start = timer::now();
            assert_eq!(free_fn(FOREVER, drops.guard()).await, Err(timed_out()));
            assert_eq!(drops.dropped(), 1, "the body is dropped on expiry");
            assert_eq!(timer::now() - start, ms(40), "expired at the exact limit");
        })
        .await;
    }

    async fn timeout_attribute_on_methods() {
        on_virtual_time(async {
            let mut service = Service { calls: 1 };
            assert_eq!(service.by_ref(ms(1)).await, Ok(1));
            assert_eq!(service.by_ref(FOREVER).await, Err(timed_out()));
            assert_eq!(service.by_mut(ms(1)).await, Ok(12));
            // The body ran up to its `.await` and was dropped there.
            assert_eq!(service.by_mut(FOREVER).await, Err(timed_out()));
            assert_eq!(service.calls, 13);
        })
        .await;
    }

    async fn timeout_attribute_on_a_generic_fn() {
        on_virtual_time(async {
            assert_eq!(generic_fn(&"ada".to_string(), ms(1)).await, Ok("ada".to_string()));
            assert_eq!(generic_fn(&7_u8, FOREVER).await, Err(timed_out()));
        })
        .await;
    }

    async fn timeout_attribute_in_trait_impls() {
        on_virtual_time(async {
            let service = Service { calls: 2 };
            assert_eq!(service.get(ms(1)).await, Ok(200));
            assert_eq!(service.get(FOREVER).await, Err(timed_out()));
            assert_eq!(service.fetch(ms(1)).await, Ok(9));
            assert_eq!(service.fetch(FOREVER).await, Err(timed_out()));
            let dynamic: &(dyn DynStore + Sync) = &service;
            assert_eq!(dynamic.fetch(FOREVER).await, Err(timed_out()));
        })
        .await;
    }

    async fn timeout_attribute_composes_with_tracing_instrument_either_way() {
        on_virtual_time(async {
            assert_eq!(timeout_over_instrument(ms(1)).await, Ok(2));
            assert_eq!(timeout_over_instrument(FOREVER).await, Err(timed_out()));
            assert_eq!(instrument_over_timeout(ms(1)).await, Ok(3));
            assert_eq!(instrument_over_timeout(FOREVER).await, Err(timed_out()));
        })
        .await;
    }

    async fn timeout_attribute_at_u64_max_never_fires_and_never_panics() {
        on_virtual_time(async {
            assert_eq!(limit_of_u64_max_secs(ms(5)).await, Ok(()));
            assert_eq!(limit_of_u64_max_ms(ms(5)).await, Ok(()));
        })
        .await;
    }

    // ------------------------------------------------ on_timeout, renamed path

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
