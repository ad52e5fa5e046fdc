//! Retries under every runtime, on the virtual clock: `retry(policy, || fut)`
//! with its hooks, `Backoff`'s shapes and limits, and the `#[retry]`
//! attribute alone and composed with `#[timeout]` in either order.

use support::runtime_tests;

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use orchestrate::prelude::*;
use orchestrate::testing::VirtualClock;
use orchestrate::{Retry, sleep, timer};
use support::ms;

#[derive(Debug, Clone, PartialEq)]
enum ApiError {
    Busy,
    NotFound,
    RateLimited(Duration),
    TimedOut(Elapsed),
}

impl From<Elapsed> for ApiError {
    fn from(elapsed: Elapsed) -> Self {
        ApiError::TimedOut(elapsed)
    }
}

fn is_transient(error: &ApiError) -> bool {
    !matches!(error, ApiError::NotFound)
}

/// An operation that fails `failures` times with `error`, then returns the
/// number of its call; records the virtual instant of each call.
#[derive(Clone, Default)]
struct Flaky {
    calls: Arc<AtomicU32>,
    at: Arc<Mutex<Vec<Instant>>>,
}

impl Flaky {
    fn call(
        &self,
        failures: u32,
        error: ApiError,
    ) -> impl Future<Output = Result<u32, ApiError>> + Send + use<> {
        let this = self.clone();
        async move {
            let call = this.calls.fetch_add(1, Ordering::SeqCst) + 1;
            this.at.lock().unwrap().push(timer::now());
            if call <= failures {
                Err(error)
            } else {
                Ok(call)
            }
        }
    }

    fn calls(&self) -> u32 {
        self.calls.load(Ordering::SeqCst)
    }

    /// The virtual times of the calls, relative to the first.
    fn gaps(&self) -> Vec<Duration> {
        let at = self.at.lock().unwrap();
        at.iter().map(|t| *t - at[0]).collect()
    }
}

// ------------------------------------------------------------- the attribute

#[retry(times = 3, backoff = constant(ms = 100))]
async fn three_tries(flaky: &Flaky, failures: u32) -> Result<u32, ApiError> {
    flaky.call(failures, ApiError::Busy).await
}

#[retry(times = 5, backoff = exponential(ms = 100, max_ms = 300), when = is_transient)]
async fn transient_only(flaky: &Flaky, error: ApiError) -> Result<u32, ApiError> {
    flaky.call(10, error.clone()).await
}

const TIMES: u32 = 2;

#[retry(times = TIMES, backoff = none)]
async fn constant_times(flaky: &Flaky) -> std::io::Result<u32> {
    flaky
        .call(5, ApiError::Busy)
        .await
        .map_err(|e| std::io::Error::other(format!("{e:?}")))
}

#[retry(policy = Backoff::fibonacci(Duration::from_secs(1)).attempts(5))]
async fn with_policy(flaky: &Flaky) -> Result<u32, ApiError> {
    flaky.call(10, ApiError::Busy).await
}

#[retry(times = 10, backoff = constant(secs = 1), total_secs = 3)]
async fn with_total(flaky: &Flaky) -> Result<u32, ApiError> {
    flaky.call(100, ApiError::Busy).await
}

/// `#[retry]` above `#[timeout]`: each attempt gets 50 ms.
#[retry(times = 3, backoff = constant(ms = 10))]
#[timeout(ms = 50)]
async fn per_attempt(flaky: &Flaky, slow_calls: u32) -> Result<u32, ApiError> {
    let call = flaky.call(0, ApiError::Busy).await?;
    if call <= slow_calls {
        sleep(Duration::from_secs(60)).await;
    }
    Ok(call)
}

/// `#[timeout]` above `#[retry]`: 250 ms for the whole call.
#[timeout(ms = 250)]
#[retry(times = 100, backoff = constant(ms = 100))]
async fn overall(flaky: &Flaky) -> Result<u32, ApiError> {
    flaky.call(1000, ApiError::Busy).await
}

/// Both: 1 s overall, 50 ms per attempt.
#[timeout(secs = 1)]
#[retry(times = 100, backoff = none)]
#[timeout(ms = 50)]
async fn both(flaky: &Flaky) -> Result<u32, ApiError> {
    flaky.call(0, ApiError::Busy).await?;
    sleep(Duration::from_secs(60)).await;
    Ok(0)
}

struct Client {
    calls: u32,
    log: Vec<String>,
}

impl Client {
    /// `&mut self` is borrowed by each attempt in turn.
    #[retry(times = 4, backoff = constant(ms = 1), notify = |e: &ApiError, d| self.log.push(format!("{e:?} {d:?}")))]
    async fn fetch(&mut self) -> Result<u32, ApiError> {
        self.calls += 1;
        if self.calls < 3 {
            return Err(ApiError::Busy);
        }
        Ok(self.calls)
    }

    #[retry(times = 3, backoff = none)]
    async fn generic<T: Clone + Send>(&self, value: T) -> Result<T, ApiError> {
        Ok(value.clone())
    }
}

/// `on_retry` gets the attempt number; a closure in the attribute may
/// capture the fn's arguments (`log`). `notify` still takes two arguments.
#[retry(
    times = 4,
    backoff = constant(ms = 100),
    on_retry = |e: &ApiError, delay, attempt| log.lock().unwrap().push(format!("{attempt}: {e:?}, {delay:?}")),
    notify = |_: &ApiError, _| *notified.lock().unwrap() += 1,
)]
async fn with_on_retry(
    flaky: &Flaky,
    log: &Mutex<Vec<String>>,
    notified: &Mutex<u32>,
) -> Result<u32, ApiError> {
    flaky.call(2, ApiError::Busy).await
}

/// An overall limit on an always-failing fn: 500 ms for the whole call.
#[timeout(ms = 500)]
#[retry(times = 10, backoff = constant(ms = 200))]
async fn limit_above_retry(flaky: &Flaky) -> Result<u32, ApiError> {
    flaky.call(100, ApiError::Busy).await
}

/// The other order: 500 ms for each attempt, which fails at once.
#[retry(times = 10, backoff = constant(ms = 200))]
#[timeout(ms = 500)]
async fn limit_below_retry(flaky: &Flaky) -> Result<u32, ApiError> {
    flaky.call(100, ApiError::Busy).await
}

/// Runs `work` on `clock` alone, or inside a `Deadline` of `around`; returns
/// its output (`Err(Elapsed)` only if that deadline fired) and when it ended.
async fn under<T>(
    clock: &VirtualClock,
    around: Option<Duration>,
    work: impl Future<Output = T>,
) -> (Result<T, Elapsed>, Duration) {
    let start = clock.now();
    let out = match around {
        None => Ok(clock.run(work).await),
        Some(budget) => {
            clock
                .run(async { Deadline::after(budget).run(work).await })
                .await
        }
    };
    (out, clock.now() - start)
}

const POLICY_200MS: fn() -> Backoff = || Backoff::constant(ms(200)).attempts(10);

runtime_tests! {
    async fn a_looser_deadline_changes_nothing_under_an_overall_limit() {
        let clock = VirtualClock::auto();
        let timed_out = Err(ApiError::TimedOut(Elapsed::new(ms(500))));
        for around in [None, Some(Duration::from_secs(10))] {
            let flaky = Flaky::default();
            let out = under(&clock, around, limit_above_retry(&flaky)).await;
            assert_eq!(out, (Ok(timed_out.clone()), ms(500)), "around {around:?}");
            assert_eq!(flaky.gaps(), [0, 200, 400].map(ms));
        }
        // A tighter deadline stops the retries that would outlast it, as it
        // does without the limit: the last error at 200 ms.
        let flaky = Flaky::default();
        let out = under(&clock, Some(ms(300)), limit_above_retry(&flaky)).await;
        assert_eq!(out, (Ok(Err(ApiError::Busy)), ms(200)));
    }

    async fn a_looser_deadline_changes_nothing_under_a_limit_per_attempt() {
        let clock = VirtualClock::auto();
        for around in [None, Some(Duration::from_secs(10))] {
            let flaky = Flaky::default();
            let out = under(&clock, around, limit_below_retry(&flaky)).await;
            assert_eq!(out, (Ok(Err(ApiError::Busy)), ms(1800)), "around {around:?}");
            assert_eq!(flaky.calls(), 10);
        }
        let flaky = Flaky::default();
        let out = under(&clock, Some(ms(900)), limit_below_retry(&flaky)).await;
        assert_eq!(out, (Ok(Err(ApiError::Busy)), ms(800)));
    }

    async fn the_function_forms_under_looser_and_tighter_deadlines() {
        let clock = VirtualClock::auto();
        // A limit per attempt: `retry` of `timeout`.
        for (around, ended) in [(None, 1800), (Some(Duration::from_secs(10)), 1800), (Some(ms(900)), 800)] {
            let flaky = Flaky::default();
            let per_attempt = retry(POLICY_200MS(), || async {
                timeout(ms(500), flaky.call(100, ApiError::Busy)).await?
            });
            let out = under(&clock, around, per_attempt).await;
            assert_eq!(out, (Ok(Err(ApiError::Busy)), ms(ended)), "around {around:?}");
        }
        // An overall limit alone, and under a tighter deadline.
        let flaky = Flaky::default();
        let overall = timeout(ms(500), retry(POLICY_200MS(), || flaky.call(100, ApiError::Busy)));
        assert_eq!(under(&clock, None, overall).await, (Ok(Err(Elapsed::new(ms(500)))), ms(500)));
        let overall = timeout(ms(500), retry(POLICY_200MS(), || flaky.call(100, ApiError::Busy)));
        assert_eq!(under(&clock, Some(ms(300)), overall).await, (Ok(Ok(Err(ApiError::Busy))), ms(200)));
        // Under a looser deadline: as alone (the timeout's own limit is the
        // call's outcome; only the deadline would stop retries early).
        let overall = timeout(ms(500), retry(POLICY_200MS(), || flaky.call(100, ApiError::Busy)));
        assert_eq!(
            under(&clock, Some(Duration::from_secs(10)), overall).await,
            (Ok(Err(Elapsed::new(ms(500)))), ms(500))
        );
    }

    async fn the_attribute_on_retry_gets_the_attempt_number() {
        let clock = VirtualClock::auto();
        let flaky = Flaky::default();
        let log = Mutex::new(Vec::new());
        let notified = Mutex::new(0);
        assert_eq!(clock.run(with_on_retry(&flaky, &log, &notified)).await, Ok(3));
        assert_eq!(*log.lock().unwrap(), ["1: Busy, 100ms", "2: Busy, 100ms"]);
        assert_eq!(*notified.lock().unwrap(), 2);
        assert_eq!(flaky.gaps(), [0, 100, 200].map(ms));
    }

    async fn retry_on_retry_gets_the_attempt_number_next_to_notify() {
        let clock = VirtualClock::auto();
        let flaky = Flaky::default();
        let mut attempts = Vec::new();
        let mut notified = Vec::new();
        let policy = Backoff::exponential(ms(10)).attempts(4);
        let out = clock
            .run(
                retry(policy, || flaky.call(10, ApiError::Busy))
                    .notify(|_, delay| notified.push(delay))
                    .on_retry(|_, delay, attempt| attempts.push((attempt, delay))),
            )
            .await;
        assert_eq!(out, Err(ApiError::Busy));
        assert_eq!(attempts, [(1, ms(10)), (2, ms(20)), (3, ms(40))]);
        assert_eq!(notified, [ms(10), ms(20), ms(40)]);
    }

    async fn the_attribute_retries_until_ok() {
        let clock = VirtualClock::auto();
        let flaky = Flaky::default();
        assert_eq!(clock.run(three_tries(&flaky, 2)).await, Ok(3));
        assert_eq!(flaky.gaps(), [ms(0), ms(100), ms(200)]);
    }

    async fn the_attribute_returns_the_last_error_when_attempts_run_out() {
        let clock = VirtualClock::auto();
        let flaky = Flaky::default();
        assert_eq!(clock.run(three_tries(&flaky, 5)).await, Err(ApiError::Busy));
        assert_eq!(flaky.calls(), 3);
        let flaky = Flaky::default();
        let err = clock.run(constant_times(&flaky)).await.unwrap_err();
        assert!(err.to_string().contains("Busy"));
        assert_eq!(flaky.calls(), TIMES);
    }

    async fn the_attribute_retries_only_what_when_allows() {
        let clock = VirtualClock::auto();
        let flaky = Flaky::default();
        let out = clock.run(transient_only(&flaky, ApiError::NotFound)).await;
        assert_eq!(out, Err(ApiError::NotFound));
        assert_eq!(flaky.calls(), 1);
        let flaky = Flaky::default();
        let out = clock.run(transient_only(&flaky, ApiError::Busy)).await;
        assert_eq!(out, Err(ApiError::Busy));
        assert_eq!(flaky.gaps(), [0, 100, 300, 600, 900].map(ms), "doubling, capped at 300ms");
    }

    async fn the_attribute_takes_a_policy_and_a_total_time() {
        let clock = VirtualClock::auto();
        let flaky = Flaky::default();
        assert_eq!(clock.run(with_policy(&flaky)).await, Err(ApiError::Busy));
        assert_eq!(flaky.gaps(), [0, 1, 2, 4, 7].map(Duration::from_secs));
        let flaky = Flaky::default();
        assert_eq!(clock.run(with_total(&flaky)).await, Err(ApiError::Busy));
        // Retries at 1 s, 2 s, 3 s; one at 4 s would pass the 3 s total.
        assert_eq!(flaky.gaps(), [0, 1, 2, 3].map(Duration::from_secs));
    }

    async fn a_timeout_below_retry_limits_each_attempt() {
        let clock = VirtualClock::auto();
        let flaky = Flaky::default();
        assert_eq!(clock.run(per_attempt(&flaky, 2)).await, Ok(3));
        // Two attempts ran out at 50 ms each, with 10 ms between attempts.
        assert_eq!(flaky.gaps(), [0, 60, 120].map(ms));
        let flaky = Flaky::default();
        let out = clock.run(per_attempt(&flaky, 10)).await;
        assert_eq!(out, Err(ApiError::TimedOut(Elapsed::new(ms(50)))));
        assert_eq!(flaky.calls(), 3);
    }

    async fn a_timeout_above_retry_limits_the_whole_call() {
        let clock = VirtualClock::auto();
        let flaky = Flaky::default();
        let start = clock.now();
        let out = clock.run(overall(&flaky)).await;
        assert_eq!(out, Err(ApiError::TimedOut(Elapsed::new(ms(250)))));
        assert_eq!(clock.now() - start, ms(250));
        assert_eq!(flaky.calls(), 3, "calls at 0, 100 and 200 ms");
    }

    async fn timeouts_on_both_sides_of_retry() {
        let clock = VirtualClock::auto();
        let flaky = Flaky::default();
        let out = clock.run(both(&flaky)).await;
        assert_eq!(out, Err(ApiError::TimedOut(Elapsed::new(Duration::from_secs(1)))));
        // An attempt every 50 ms: at 0, 50, …, 950 ms, and one more at 1 s,
        // started as the 20th ran out, before the overall limit was checked.
        assert_eq!(flaky.calls(), 21);
    }

    async fn the_attribute_retries_methods_on_mut_self() {
        let clock = VirtualClock::auto();
        let mut client = Client { calls: 0, log: Vec::new() };
        assert_eq!(clock.run(client.fetch()).await, Ok(3));
        assert_eq!(client.log, ["Busy 1ms", "Busy 1ms"]);
        assert_eq!(client.generic("same").await, Ok("same"));
    }

    // ------------------------------------------------------------ the function

    async fn retry_returns_the_first_ok() {
        let clock = VirtualClock::auto();
        let flaky = Flaky::default();
        let policy = Backoff::exponential(ms(100)).attempts(5);
        let out = clock.run(retry(policy, || flaky.call(3, ApiError::Busy))).await;
        assert_eq!(out, Ok(4));
        assert_eq!(flaky.gaps(), [0, 100, 300, 700].map(ms));
    }

    async fn retry_gives_up_with_the_last_error() {
        let clock = VirtualClock::auto();
        let mut n = 0;
        let out = clock
            .run(retry(Backoff::constant(ms(5)).attempts(4), || {
                n += 1;
                let error = format!("failure {n}");
                async move { Err::<(), _>(error) }
            }))
            .await;
        assert_eq!(out, Err("failure 4".to_string()));
    }

    async fn retry_when_notify_and_adjust() {
        let clock = VirtualClock::auto();
        let flaky = Flaky::default();
        let notes = Mutex::new(Vec::new());
        let out = clock
            .run(
                retry(Backoff::exponential(ms(10)).attempts(4), || {
                    flaky.call(10, ApiError::RateLimited(Duration::from_secs(2)))
                })
                .when(is_transient)
                .adjust(|e, planned| match e {
                    ApiError::RateLimited(after) => *after,
                    _ => planned,
                })
                .notify(|e, delay| notes.lock().unwrap().push((e.clone(), delay))),
            )
            .await;
        assert!(matches!(out, Err(ApiError::RateLimited(_))));
        assert_eq!(flaky.gaps(), [0, 2, 4, 6].map(Duration::from_secs), "Retry-After honoured");
        assert_eq!(notes.lock().unwrap().len(), 3, "notified before each retry, not after the last failure");
    }

    async fn retry_max_elapsed_counts_attempts_and_waits() {
        let clock = VirtualClock::auto();
        let calls = AtomicU32::new(0);
        let policy = Backoff::constant(Duration::from_secs(1)).forever().max_elapsed(Duration::from_secs(10));
        let out = clock
            .run(retry(policy, || {
                calls.fetch_add(1, Ordering::SeqCst);
                async {
                    sleep(Duration::from_secs(2)).await; // each attempt takes 2 s
                    Err::<(), _>(ApiError::Busy)
                }
            }))
            .await;
        assert_eq!(out, Err(ApiError::Busy));
        // Attempts start at 0, 3, 6 s; after the one ending at 8 s a retry at 9 s is
        // still inside 10 s; the next would start at 12 s.
        assert_eq!(calls.load(Ordering::SeqCst), 4);
        assert_eq!(clock.elapsed(), Duration::from_secs(11));
    }

    async fn retry_stops_at_a_deadline_in_scope() {
        let clock = VirtualClock::auto();
        let calls = AtomicU32::new(0);
        let out = clock
            .run(async {
                let policy = Backoff::constant(Duration::from_secs(1)).forever();
                let retried = retry(policy, || {
                    calls.fetch_add(1, Ordering::SeqCst);
                    async { Err::<(), _>(ApiError::Busy) }
                });
                Deadline::after(Duration::from_millis(2500)).run(retried).await
            })
            .await;
        // Calls at 0, 1, 2 s; a retry at 3 s would outlast the deadline, so
        // the last error comes back at 2 s instead of an `Elapsed` at 2.5 s.
        assert_eq!(out, Ok(Err(ApiError::Busy)));
        assert_eq!(calls.load(Ordering::SeqCst), 3);
        assert_eq!(clock.elapsed(), Duration::from_secs(2));
    }

    async fn immediate_retries_yield_between_attempts() {
        let clock = VirtualClock::auto();
        let calls = AtomicU32::new(0);
        let out = clock
            .run(retry(Backoff::immediate().attempts(1000), || {
                calls.fetch_add(1, Ordering::SeqCst);
                async { Err::<(), _>(()) }
            }))
            .await;
        assert_eq!(out, Err(()));
        assert_eq!(calls.load(Ordering::SeqCst), 1000);
        assert_eq!(clock.elapsed(), Duration::ZERO);
    }

    async fn jittered_delays_stay_in_their_range() {
        let clock = VirtualClock::auto();
        let flaky = Flaky::default();
        let policy = Backoff::constant(ms(1000)).jitter(0.5).attempts(30);
        let _ = clock.run(retry(policy, || flaky.call(100, ApiError::Busy))).await;
        let gaps = flaky.gaps();
        let waits: Vec<Duration> = gaps.windows(2).map(|pair| pair[1].saturating_sub(pair[0])).collect();
        for wait in &waits {
            assert!(*wait >= ms(500) && *wait <= ms(1000), "{wait:?}");
        }
        assert!(waits.windows(2).any(|w| w[0] != w[1]), "not all equal: {waits:?}");
    }

    async fn retry_is_a_named_send_future() {
        fn assert_send<T: Send>(_: &T) {}
        let flaky = Flaky::default();
        let fut: Retry<_, _, _, _, _, _> = retry(Backoff::immediate(), move || flaky.call(0, ApiError::Busy));
        assert_send(&fut);
        assert_eq!(fut.await, Ok(1));
    }
}

// ----------------------------------------------------------- bad input: panics

#[test]
#[should_panic(expected = "`Backoff::attempts(0)`: the operation would never run")]
fn zero_attempts_panics_naming_the_call() {
    let _ = Backoff::immediate().attempts(0);
}

#[test]
#[should_panic(expected = "`Backoff::max_delay(50ms)`: the cap is below the first delay (100ms)")]
fn a_cap_below_the_base_panics_naming_the_call() {
    let _ = Backoff::exponential(ms(100)).max_delay(ms(50));
}

#[test]
#[should_panic(
    expected = "`Backoff::jitter(1.5)`: jitter is the fraction of each delay left to chance"
)]
fn jitter_above_one_panics_naming_the_call() {
    let _ = Backoff::constant(ms(100)).jitter(1.5);
}

#[test]
#[should_panic(expected = "`Backoff::jitter(-0.1)`")]
fn negative_jitter_panics() {
    let _ = Backoff::constant(ms(100)).jitter(-0.1);
}

#[test]
#[should_panic(expected = "`Backoff::jitter(NaN)`")]
fn nan_jitter_panics() {
    let _ = Backoff::constant(ms(100)).jitter(f64::NAN);
}

#[test]
#[should_panic(expected = "`Backoff::factor(0.5)`: delays would shrink")]
fn a_factor_below_one_panics_naming_the_call() {
    let _ = Backoff::exponential(ms(100)).factor(0.5);
}

#[test]
#[should_panic(expected = "only an exponential backoff has a factor")]
fn a_factor_on_a_constant_backoff_panics() {
    let _ = Backoff::constant(ms(100)).factor(2.0);
}

#[test]
fn backoff_shapes() {
    let waits = |b: Backoff| b.delays().map(|d| d.as_millis()).collect::<Vec<_>>();
    assert_eq!(waits(Backoff::constant(ms(7)).attempts(3)), [7, 7]);
    assert_eq!(
        waits(Backoff::exponential(ms(10)).attempts(5)),
        [10, 20, 40, 80]
    );
    assert_eq!(
        waits(Backoff::exponential(ms(10)).factor(1.5).attempts(4)),
        [10, 15, 22]
    );
    assert_eq!(
        waits(Backoff::fibonacci(ms(10)).attempts(7)),
        [10, 10, 20, 30, 50, 80]
    );
    assert_eq!(
        waits(Backoff::exponential(ms(10)).max_delay(ms(25)).attempts(5)),
        [10, 20, 25, 25]
    );
    assert_eq!(waits(Backoff::immediate().attempts(1)), Vec::<u128>::new());
    // Huge exponents saturate instead of overflowing.
    let far = Backoff::exponential(Duration::from_secs(1))
        .forever()
        .delays()
        .nth(200);
    assert_eq!(far, Some(Duration::MAX));
    // The same seed, the same delays; jitter 1.0 may go down to zero.
    let seeded = Backoff::exponential(ms(100))
        .jitter(1.0)
        .jitter_seed(42)
        .attempts(20);
    assert_eq!(waits(seeded), waits(seeded));
    assert!(
        seeded
            .delays()
            .zip(Backoff::exponential(ms(100)).delays())
            .all(|(j, d)| j <= d)
    );
}

#[test]
fn consecutive_jitter_seeds_give_distinct_delays() {
    // Clients seeded by their id must not retry in lockstep, not even in
    // pairs (2k and 2k + 1 differ in one bit).
    let first = |seed: u64| {
        Backoff::constant(Duration::from_secs(1))
            .jitter(1.0)
            .jitter_seed(seed)
            .delays()
            .next()
            .unwrap()
    };
    let delays: std::collections::HashSet<Duration> = (0..1000).map(first).collect();
    assert_eq!(delays.len(), 1000);
    assert_ne!(first(2), first(3));
}
