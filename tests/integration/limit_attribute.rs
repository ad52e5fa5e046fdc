//! `#[limit]` and `#[rate_limit]` on async fns: the bound held through an
//! attributed fn, `max_waiting` rejections, the pace at exact instants, each
//! stacking order with `#[timeout]` and `#[retry]` as documented, and the
//! kinds of fn they go on (methods by `&self`, generic fns, `impl Trait`
//! returns, named limiters through `&'static` and `Arc`).
//!
//! Every case declares its attributed fns (and their hidden statics) in its
//! own body, so each runtime's copy has limiters of its own: they run in
//! `runtime_tests_each!`. Everything runs on an auto-advancing
//! `VirtualClock` and checks exact instants.

use support::runtime_tests_each;

use std::fmt::Display;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use orchestrate::{
    Elapsed, Limiter, RateLimiter, Rejected, limit, rate_limit, retry, settled, sleep, timeout,
    timer,
};
use support::{InFlight, ms, on_virtual_time};

#[derive(Debug, Clone, PartialEq)]
enum AppError {
    TimedOut,
    Busy(Rejected),
    Failed,
}

impl From<Elapsed> for AppError {
    fn from(_: Elapsed) -> Self {
        AppError::TimedOut
    }
}

impl From<Rejected> for AppError {
    fn from(rejected: Rejected) -> Self {
        AppError::Busy(rejected)
    }
}

/// The instants, since `start`, at which things happened.
#[derive(Default)]
struct Instants(Mutex<Vec<Duration>>);

impl Instants {
    fn mark(&self, start: Instant) {
        self.0.lock().unwrap().push(timer::now() - start);
    }

    fn take(&self) -> Vec<Duration> {
        let mut all = std::mem::take(&mut *self.0.lock().unwrap());
        all.sort();
        all
    }
}

/// Three calls at once of a fn limited to 1 at a time with 1 waiter: the
/// first runs, the second waits, the third finds one waiter already and is
/// rejected at 0 ms.
async fn one_runs_one_waits_one_is_rejected<F, Fut>(call: F)
where
    F: Fn(u32) -> Fut,
    Fut: std::future::Future<Output = Result<u32, AppError>>,
{
    on_virtual_time(async {
        let start = timer::now();
        let ends = Instants::default();
        let out = settled((0..3).map(|i| {
            let (ends, call) = (&ends, &call);
            async move {
                let out = call(i).await;
                ends.mark(start);
                out
            }
        }))
        .await;
        assert_eq!(out, [Ok(0), Ok(1), Err(AppError::Busy(Rejected::new(1)))]);
        assert_eq!(ends.take(), millis(&[0, 10, 20]));
    })
    .await;
}

fn millis(list: &[u64]) -> Vec<Duration> {
    list.iter().copied().map(ms).collect()
}

runtime_tests_each! {
    async fn never_more_than_n_in_flight_through_the_attribute() {
        #[limit(concurrency = 3)]
        async fn work(i: u32, in_flight: &InFlight) -> u32 {
            let guard = in_flight.enter();
            sleep(ms(10)).await;
            guard.finish();
            i
        }

        on_virtual_time(async {
            let in_flight = InFlight::new();
            let start = timer::now();
            let out = settled((0..40).map(|i| work(i, &in_flight))).await;
            assert_eq!(out, (0..40).collect::<Vec<_>>());
            assert_eq!(in_flight.max(), 3);
            // 40 calls, 3 at a time, 10 ms each: 14 rounds.
            assert_eq!(timer::now() - start, ms(140));
        })
        .await;
    }

    async fn limiters_built_at_first_use_in_a_lazy_lock() {
        static API: std::sync::LazyLock<Limiter> =
            std::sync::LazyLock::new(|| Limiter::new(std::hint::black_box(1)));
        static RATE: std::sync::LazyLock<RateLimiter> =
            std::sync::LazyLock::new(|| RateLimiter::per(ms(10), 1));

        #[limit(with = API)]
        async fn limited(i: u32) -> u32 {
            sleep(ms(10)).await;
            i
        }

        #[rate_limit(with = RATE)]
        async fn paced(i: u32) -> u32 {
            i
        }

        on_virtual_time(async {
            let start = timer::now();
            assert_eq!(settled((0..3).map(limited)).await, [0, 1, 2]);
            assert_eq!(timer::now() - start, ms(30), "one at a time");
            let start = timer::now();
            assert_eq!(settled((0..3).map(paced)).await, [0, 1, 2]);
            assert_eq!(timer::now() - start, ms(20), "10 ms apart");
        })
        .await;
    }

    async fn a_named_limiter_bounds_every_fn_that_names_it() {
        static API: Limiter = Limiter::new(2);

        #[limit(with = API)]
        async fn comments(in_flight: &InFlight) -> u32 {
            let guard = in_flight.enter();
            sleep(ms(10)).await;
            guard.finish();
            1
        }

        #[limit(with = &API)]
        async fn likes(in_flight: &InFlight) -> u32 {
            let guard = in_flight.enter();
            sleep(ms(10)).await;
            guard.finish();
            2
        }

        on_virtual_time(async {
            let in_flight = InFlight::new();
            let start = timer::now();
            let out = settled((0..8).map(|i| {
                let in_flight = &in_flight;
                async move {
                    if i % 2 == 0 { comments(in_flight).await } else { likes(in_flight).await }
                }
            }))
            .await;
            assert_eq!(out, [1, 2, 1, 2, 1, 2, 1, 2]);
            assert_eq!(in_flight.max(), 2);
            assert_eq!(timer::now() - start, ms(40));
            assert_eq!(API.in_flight(), 0);
        })
        .await;
    }

    async fn max_waiting_rejects_at_once_beyond_the_bound() {
        #[limit(concurrency = 1, max_waiting = 1)]
        async fn call(i: u32) -> Result<u32, AppError> {
            sleep(ms(10)).await;
            Ok(i)
        }

        one_runs_one_waits_one_is_rejected(call).await;
    }

    async fn a_named_limiter_with_max_waiting_rejects_beyond_this_fns_bound() {
        // The limiter itself never rejects; the attribute's bound is 1.
        static API: Limiter = Limiter::new(1);

        #[limit(with = API, max_waiting = 1)]
        async fn call(i: u32) -> Result<u32, AppError> {
            sleep(ms(10)).await;
            Ok(i)
        }

        one_runs_one_waits_one_is_rejected(call).await;
        // Through the limiter directly, nothing is rejected.
        let direct = settled((0..3).map(|i| API.try_run(async move { i }))).await;
        assert_eq!(direct, [Ok(0), Ok(1), Ok(2)]);
    }

    async fn methods_by_ref_self_with_an_arc_field_and_their_own_limit() {
        struct Client {
            api: Arc<Limiter>,
            calls: AtomicU32,
        }

        impl Client {
            #[limit(with = self.api)]
            async fn get(&self, in_flight: &InFlight) -> u32 {
                let guard = in_flight.enter();
                sleep(ms(10)).await;
                guard.finish();
                self.calls.fetch_add(1, Ordering::SeqCst) + 1
            }

            #[limit(concurrency = 1)]
            async fn one_at_a_time(&self, in_flight: &InFlight) -> u32 {
                let guard = in_flight.enter();
                sleep(ms(10)).await;
                guard.finish();
                7
            }
        }

        on_virtual_time(async {
            let client = Client { api: Arc::new(Limiter::new(2)), calls: AtomicU32::new(0) };
            let (in_flight, alone) = (InFlight::new(), InFlight::new());
            let start = timer::now();
            let got = settled((0..6).map(|_| client.get(&in_flight))).await;
            assert_eq!(got.len(), 6);
            assert_eq!((in_flight.max(), timer::now() - start), (2, ms(30)));
            let start = timer::now();
            let got = settled((0..3).map(|_| client.one_at_a_time(&alone))).await;
            assert_eq!(got, [7, 7, 7]);
            assert_eq!((alone.max(), timer::now() - start), (1, ms(30)));
            assert_eq!(client.api.in_flight(), 0);
        })
        .await;
    }

    async fn generic_fns_share_one_limiter_across_their_instances() {
        #[limit(concurrency = 2)]
        async fn echo<T: Clone + Send + Sync>(value: &T, in_flight: &InFlight) -> T {
            let guard = in_flight.enter();
            sleep(ms(10)).await;
            guard.finish();
            value.clone()
        }

        on_virtual_time(async {
            let in_flight = InFlight::new();
            let start = timer::now();
            let (numbers, words) = orchestrate::settled!(
                settled((0..3).map(|i| {
                    let in_flight = &in_flight;
                    async move { echo(&i, in_flight).await }
                })),
                settled(["a", "b", "c"].iter().map(|w| echo(w, &in_flight))),
            )
            .await;
            assert_eq!((numbers, words), (vec![0, 1, 2], vec!["a", "b", "c"]));
            // u32 and &str instances together: 6 calls, 2 at a time.
            assert_eq!((in_flight.max(), timer::now() - start), (2, ms(30)));
        })
        .await;
    }

    async fn impl_trait_returns_and_fns_with_no_return_type() {
        #[limit(concurrency = 1)]
        async fn shown(n: u32) -> impl Display {
            sleep(ms(10)).await;
            n
        }

        #[timeout(ms = 15)]
        #[limit(concurrency = 1, max_waiting = 4)]
        async fn fallible(n: u32) -> Result<impl Display, AppError> {
            sleep(ms(10)).await;
            Ok(n)
        }

        #[rate_limit(calls = 1, period_ms = 10)]
        async fn tick(log: &Instants, start: Instant) {
            log.mark(start);
        }

        on_virtual_time(async {
            let start = timer::now();
            let (a, b) = orchestrate::settled!(shown(1), shown(2)).await;
            assert_eq!((a.to_string(), b.to_string()), ("1".to_string(), "2".to_string()));
            assert_eq!(timer::now() - start, ms(20));
            assert_eq!(fallible(3).await.map(|n| n.to_string()), Ok("3".to_string()));
            let log = Instants::default();
            let start = timer::now();
            orchestrate::settled!(tick(&log, start), tick(&log, start), tick(&log, start)).await;
            assert_eq!(log.take(), millis(&[0, 10, 20]));
        })
        .await;
    }

    async fn rate_limit_starts_exactly_n_per_period() {
        #[rate_limit(per_sec = 10)]
        async fn burst_of_ten(log: &Instants, start: Instant) {
            log.mark(start);
        }

        #[rate_limit(per_sec = 10, burst = 1)]
        async fn evenly(log: &Instants, start: Instant) {
            log.mark(start);
        }

        #[rate_limit(per_min = 2)]
        async fn per_minute(log: &Instants, start: Instant) {
            log.mark(start);
        }

        on_virtual_time(async {
            let log = Instants::default();
            let start = timer::now();
            settled((0..15).map(|_| burst_of_ten(&log, start))).await;
            // The burst of 10 at once, then one every 100 ms.
            let mut expected = vec![0; 10];
            expected.extend([100, 200, 300, 400, 500]);
            assert_eq!(log.take(), millis(&expected));

            let start = timer::now();
            settled((0..5).map(|_| evenly(&log, start))).await;
            assert_eq!(log.take(), millis(&[0, 100, 200, 300, 400]));

            let start = timer::now();
            settled((0..3).map(|_| per_minute(&log, start))).await;
            assert_eq!(log.take(), millis(&[0, 0, 30_000]));
        })
        .await;
    }

    async fn rate_limit_with_a_named_rate_limiter_over_1000_calls() {
        static RATE: RateLimiter = RateLimiter::per(Duration::from_millis(100), 5);

        #[rate_limit(with = RATE)]
        async fn one(log: &Instants, start: Instant) {
            log.mark(start);
        }

        #[rate_limit(with = &RATE)]
        async fn two(log: &Instants, start: Instant) {
            log.mark(start);
        }

        on_virtual_time(async {
            let log = Instants::default();
            let start = timer::now();
            settled((0..1000).map(|i| {
                let log = &log;
                async move { if i % 2 == 0 { one(log, start).await } else { two(log, start).await } }
            }))
            .await;
            // A burst of 5, then one every 20 ms, shared by both fns.
            let expected: Vec<Duration> =
                (0..1000u64).map(|i| ms(i.saturating_sub(4) * 20)).collect();
            assert_eq!(log.take(), expected);
        })
        .await;
    }

    async fn timeout_above_limit_counts_the_wait_below_it_does_not() {
        #[timeout(ms = 15)]
        #[limit(concurrency = 1)]
        async fn wait_counts(i: u32) -> Result<u32, AppError> {
            sleep(ms(10)).await;
            Ok(i)
        }

        #[limit(concurrency = 1)]
        #[timeout(ms = 15)]
        async fn call_only(i: u32) -> Result<u32, AppError> {
            sleep(ms(10)).await;
            Ok(i)
        }

        on_virtual_time(async {
            let ends = Instants::default();
            let start = timer::now();
            let out = settled((0..2).map(|i| {
                let ends = &ends;
                async move {
                    let out = wait_counts(i).await;
                    ends.mark(start);
                    out
                }
            }))
            .await;
            // The second waits 10 ms for the permit, then 5 ms of its call.
            assert_eq!(out, [Ok(0), Err(AppError::TimedOut)]);
            assert_eq!(ends.take(), millis(&[10, 15]));

            let start = timer::now();
            let out = settled((0..2).map(|i| {
                let ends = &ends;
                async move {
                    let out = call_only(i).await;
                    ends.mark(start);
                    out
                }
            }))
            .await;
            assert_eq!(out, [Ok(0), Ok(1)]);
            assert_eq!(ends.take(), millis(&[10, 20]));
        })
        .await;
    }

    async fn retry_above_limit_takes_a_permit_per_attempt_below_holds_one() {
        // `fails` fails its first attempt (10 ms), then succeeds (10 ms),
        // with 5 ms between; `other` takes 10 ms. `fails` starts first.
        #[retry(times = 2, backoff = constant(ms = 5))]
        #[limit(concurrency = 1)]
        async fn per_attempt(first: &AtomicU32) -> Result<(), AppError> {
            sleep(ms(10)).await;
            if first.fetch_add(1, Ordering::SeqCst) == 0 { Err(AppError::Failed) } else { Ok(()) }
        }

        #[limit(concurrency = 1)]
        #[retry(times = 2, backoff = constant(ms = 5))]
        async fn whole_call(first: &AtomicU32) -> Result<(), AppError> {
            sleep(ms(10)).await;
            if first.fetch_add(1, Ordering::SeqCst) == 0 { Err(AppError::Failed) } else { Ok(()) }
        }

        on_virtual_time(async {
            let start = timer::now();
            let (fails, other) = (AtomicU32::new(0), AtomicU32::new(1));
            let at = |done: &Mutex<Duration>| *done.lock().unwrap() = timer::now() - start;
            let (a, b) = (Mutex::new(ms(0)), Mutex::new(ms(0)));
            orchestrate::settled!(
                async { per_attempt(&fails).await.unwrap(); at(&a) },
                async { per_attempt(&other).await.unwrap(); at(&b) },
            )
            .await;
            // The permit is free during the backoff: `other` runs 10..20,
            // the retry waits for it and runs 20..30.
            assert_eq!((*a.lock().unwrap(), *b.lock().unwrap()), (ms(30), ms(20)));

            let start = timer::now();
            let (fails, other) = (AtomicU32::new(0), AtomicU32::new(1));
            let at = |done: &Mutex<Duration>| *done.lock().unwrap() = timer::now() - start;
            orchestrate::settled!(
                async { whole_call(&fails).await.unwrap(); at(&a) },
                async { whole_call(&other).await.unwrap(); at(&b) },
            )
            .await;
            // One permit through 0..10, the wait, and 15..25; then `other`.
            assert_eq!((*a.lock().unwrap(), *b.lock().unwrap()), (ms(25), ms(35)));
        })
        .await;
    }

    async fn retry_above_rate_limit_paces_every_attempt_below_it_one_start() {
        #[retry(times = 3, backoff = none)]
        #[rate_limit(calls = 1, period_ms = 10)]
        async fn each_attempt(tries: &AtomicU32, log: &Instants, start: Instant) -> Result<(), AppError> {
            log.mark(start);
            if tries.fetch_add(1, Ordering::SeqCst) < 2 { Err(AppError::Failed) } else { Ok(()) }
        }

        #[rate_limit(calls = 1, period_ms = 10)]
        #[retry(times = 3, backoff = none)]
        async fn one_start(tries: &AtomicU32, log: &Instants, start: Instant) -> Result<(), AppError> {
            log.mark(start);
            if tries.fetch_add(1, Ordering::SeqCst) < 2 { Err(AppError::Failed) } else { Ok(()) }
        }

        on_virtual_time(async {
            let log = Instants::default();
            let start = timer::now();
            each_attempt(&AtomicU32::new(0), &log, start).await.unwrap();
            assert_eq!(log.take(), millis(&[0, 10, 20]));
            let start = timer::now();
            one_start(&AtomicU32::new(0), &log, start).await.unwrap();
            assert_eq!(log.take(), millis(&[0, 0, 0]));
        })
        .await;
    }

    async fn timeout_above_rate_limit_counts_the_wait_for_the_turn() {
        #[timeout(ms = 5)]
        #[rate_limit(calls = 1, period_ms = 10)]
        async fn paced(i: u32) -> Result<u32, AppError> {
            Ok(i)
        }

        #[rate_limit(calls = 1, period_ms = 10)]
        #[timeout(ms = 5)]
        async fn call_timed(i: u32) -> Result<u32, AppError> {
            Ok(i)
        }

        on_virtual_time(async {
            let start = timer::now();
            let out = settled((0..2).map(paced)).await;
            assert_eq!(out, [Ok(0), Err(AppError::TimedOut)]);
            assert_eq!(timer::now() - start, ms(5));
            let start = timer::now();
            let out = settled((0..2).map(call_timed)).await;
            assert_eq!(out, [Ok(0), Ok(1)]);
            assert_eq!(timer::now() - start, ms(10));
        })
        .await;
    }

    async fn full_paths_stack_as_imported_names_do() {
        #[orchestrate::timeout(ms = 15)]
        #[orchestrate::limit(concurrency = 1)]
        async fn wait_counts(i: u32) -> Result<u32, AppError> {
            sleep(ms(10)).await;
            Ok(i)
        }

        #[orchestrate::prelude::rate_limit(calls = 1, period_ms = 10)]
        #[orchestrate::retry(times = 2, backoff = none)]
        async fn one_start(tries: &AtomicU32) -> Result<u32, AppError> {
            if tries.fetch_add(1, Ordering::SeqCst) == 0 { Err(AppError::Failed) } else { Ok(2) }
        }

        on_virtual_time(async {
            let start = timer::now();
            let out = settled((0..2).map(wait_counts)).await;
            assert_eq!(out, [Ok(0), Err(AppError::TimedOut)]);
            assert_eq!(timer::now() - start, ms(15));
            let start = timer::now();
            assert_eq!(one_start(&AtomicU32::new(0)).await, Ok(2));
            assert_eq!(timer::now() - start, ms(0));
        })
        .await;
    }

}
