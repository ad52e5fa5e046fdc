//! Timers under pressure, and the run-time limits of every input.
//!
//! Pressure: a timeout still fires when the future under it wakes itself
//! forever (under every runtime), when nothing wakes the task at all but it is
//! polled (the limit is checked at every poll, not only when the timer wakes),
//! and inside a tokio task whose cooperative budget is spent (tokio #4291:
//! there, a timer that honours the budget never fires), on every timer
//! backend (futures-timer, tokio's, async-io's).
//!
//! Limits, with the documented outcome of each:
//! - `Duration::MAX` (and any limit past the clock's range) saturates: it
//!   never fires and never panics, in `timeout`, `Deadline::after`, `sleep`,
//!   `sleep_until` and `Deadline::at` far ahead;
//! - a `Deadline` in the past times out at once, but a ready future still
//!   wins, in joins too;
//! - `limit(0)` panics naming the call even on an empty input (programmer
//!   error), `limit(usize::MAX)` is no limit;
//! - `race` over an empty collection panics at its first poll naming `race`
//!   (never hangs), also under a timeout; building and dropping it is fine.

use support::runtime_tests;

use std::future::{Future, pending, ready};
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use orchestrate::prelude::*;
use orchestrate::timer::{AsyncIoTimer, FuturesTimer, TimerBackend, TokioTimer, with_timer};
use orchestrate::{sleep, sleep_until};
use support::{FOREVER, GENEROUS, ms, poll_once, yield_now};

/// One nanosecond short of `Duration::MAX`.
const NEAR_MAX: Duration = Duration::new(u64::MAX, 999_999_998);

/// A future that wakes itself at every poll and never finishes, counting its
/// polls.
struct Busy {
    polls: Arc<AtomicUsize>,
}

impl Future for Busy {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.polls.fetch_add(1, Ordering::Relaxed);
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

fn busy() -> (Busy, Arc<AtomicUsize>) {
    let polls = Arc::new(AtomicUsize::new(0));
    (
        Busy {
            polls: Arc::clone(&polls),
        },
        polls,
    )
}

runtime_tests! {
    // ---------------------------------------------------------------- pressure

    async fn a_timeout_fires_over_a_future_that_wakes_itself_forever() {
        let (spinner, polls) = busy();
        let start = Instant::now();
        assert_eq!(spinner.timeout(ms(50)).await, Err(Elapsed::new(ms(50))));
        let waited = start.elapsed();
        assert!(waited >= ms(50), "fired early, after {waited:?}");
        assert!(waited < GENEROUS, "fired late, after {waited:?}");
        assert!(polls.load(Ordering::Relaxed) > 1, "the future was busy");

        let deadline = Deadline::after(ms(30));
        assert_eq!(deadline.run(yield_now(usize::MAX)).await, Err(Elapsed::new(ms(30))));
    }

    async fn a_timeout_over_a_join_of_busy_branches_fires() {
        let start = Instant::now();
        let out = parallel((0..50).map(|_| async {
            busy().0.await;
            Ok::<_, ()>(())
        }))
        .timeout(ms(40))
        .await;
        assert_eq!(out, Err(Elapsed::new(ms(40))));
        let out = settled!(busy().0, yield_now(usize::MAX)).timeout(ms(40)).await;
        assert_eq!(out, Err(Elapsed::new(ms(40))));
        assert!(start.elapsed() < GENEROUS * 2);
    }

    // ------------------------------------------------------ Duration::MAX etc.

    async fn limits_past_the_clock_never_fire_and_never_panic() {
        let far = Instant::now().checked_add(Duration::from_secs(1 << 40));
        let mut limited = pin!(timeout(Duration::MAX, pending::<()>()));
        let mut budget = pin!(Deadline::after(Duration::MAX).run(pending::<()>()));
        let mut nap = pin!(sleep(Duration::MAX));
        let mut near_max = pin!(timeout(NEAR_MAX, pending::<()>()));
        for _ in 0..3 {
            assert!(poll_once(limited.as_mut()).await.is_pending());
            assert!(poll_once(budget.as_mut()).await.is_pending());
            assert!(poll_once(nap.as_mut()).await.is_pending());
            assert!(poll_once(near_max.as_mut()).await.is_pending());
        }
        if let Some(far) = far {
            let mut until = pin!(sleep_until(far));
            let mut at = pin!(Deadline::at(far).run(pending::<()>()));
            assert!(poll_once(until.as_mut()).await.is_pending());
            assert!(poll_once(at.as_mut()).await.is_pending());
            assert!(!Deadline::at(far).is_expired());
        }
        // And a future under such a limit still finishes.
        assert_eq!(timeout(Duration::MAX, sleep(ms(5))).await, Ok(()));
        assert_eq!(sleep(ms(5)).timeout(NEAR_MAX).await, Ok(()));
    }

    // ---------------------------------------------------- a deadline gone by

    async fn a_past_deadline_in_joins_fails_pending_branches_and_keeps_ready_ones() {
        let past = Deadline::at(Instant::now());
        sleep(ms(2)).await;
        let start = Instant::now();
        assert_eq!(past.run(ready(1)).await, Ok(1));
        let all = settled([past.run(sleep(Duration::ZERO)), past.run(sleep(FOREVER))]).await;
        assert_eq!(all, [Ok(()), Err(Elapsed::new(Duration::ZERO))]);
        let out = parallel!(past.run(ready(1)), past.run(sleep(FOREVER))).await;
        assert_eq!(out, Err(Elapsed::new(Duration::ZERO)));
        // `first_ok!` takes the ready one, whatever its place.
        let out = first_ok!(past.run(pending::<u8>()), past.run(async { 7 })).await;
        assert_eq!(out, Ok(7));
        assert!(start.elapsed() < GENEROUS, "a past deadline waited {:?}", start.elapsed());
    }

    // ------------------------------------------------------------------ limit

    #[should_panic(expected = "`parallel(..).limit(0)`")]
    async fn limit_zero_panics_even_on_an_empty_input() {
        let none: Vec<std::future::Ready<Result<u8, ()>>> = Vec::new();
        drop(parallel(none).limit(0));
    }

    #[should_panic(expected = "`settled(..).limit(0)`")]
    async fn settled_limit_zero_panics_even_on_an_empty_input() {
        let none: Vec<std::future::Ready<u8>> = Vec::new();
        drop(settled(none).limit(0));
    }

    async fn limit_usize_max_is_no_limit() {
        let all = parallel((0..100).map(|i| async move {
            yield_now(1).await;
            Ok::<_, ()>(i)
        }))
        .limit(usize::MAX)
        .await;
        assert_eq!(all, Ok((0..100).collect::<Vec<_>>()));
        assert_eq!(settled([ready(1), ready(2)]).limit(usize::MAX).await, [1, 2]);
    }

    // ------------------------------------------------------------ empty race

    async fn an_empty_race_can_be_built_and_dropped() {
        let none: Vec<std::future::Ready<u8>> = Vec::new();
        drop(race(none));
    }

    #[should_panic(expected = "`orchestrate::race` was given an empty collection")]
    async fn an_empty_race_under_a_timeout_still_panics_rather_than_time_out() {
        let none: Vec<std::future::Ready<u8>> = Vec::new();
        let _ = race(none).timeout(FOREVER).await;
    }
}

// ------------------------------------------------- every poll checks the limit

/// A future that never finishes and never wakes anything.
struct Silent;

impl Future for Silent {
    type Output = ();

    fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
        Poll::Pending
    }
}

#[test]
fn the_limit_is_checked_at_every_poll_not_only_when_the_timer_wakes() {
    // Polled with a waker that does nothing: only the poll itself can notice
    // that the limit has passed.
    let mut limited = pin!(timeout(ms(20), Silent));
    let mut cx = Context::from_waker(Waker::noop());
    assert!(limited.as_mut().poll(&mut cx).is_pending());
    let start = Instant::now();
    loop {
        std::thread::sleep(ms(2));
        if let Poll::Ready(out) = limited.as_mut().poll(&mut cx) {
            assert_eq!(out, Err(Elapsed::new(ms(20))));
            break;
        }
        assert!(
            start.elapsed() < GENEROUS,
            "the limit passed long ago and no poll noticed"
        );
    }
    assert!(start.elapsed() >= ms(15));

    // The same for a deadline.
    let deadline = Deadline::after(ms(20));
    let mut limited = pin!(deadline.run(Silent));
    assert!(limited.as_mut().poll(&mut cx).is_pending());
    while deadline.remaining() > Duration::ZERO {
        std::thread::sleep(ms(2));
    }
    let start = Instant::now();
    loop {
        if let Poll::Ready(out) = limited.as_mut().poll(&mut cx) {
            assert_eq!(out, Err(Elapsed::new(ms(20))));
            break;
        }
        assert!(
            start.elapsed() < GENEROUS,
            "the deadline passed long ago and no poll noticed"
        );
        std::thread::sleep(ms(1));
    }
}

// ------------------------------------------------------ tokio's coop budget

/// A future that spends the tokio task's cooperative budget forever: each
/// `consume_budget` is ready until the budget runs out, then it is pending
/// (and wakes the task) until the next poll of the task.
async fn spend_budget_forever(spent: Arc<AtomicUsize>) {
    loop {
        tokio::task::coop::consume_budget().await;
        spent.fetch_add(1, Ordering::Relaxed);
    }
}

fn fires_with_the_budget_spent(runtime: &tokio::runtime::Runtime) {
    fires_with_the_budget_spent_on(runtime, FuturesTimer);
}

fn fires_with_the_budget_spent_on<B: TimerBackend + Copy>(
    runtime: &tokio::runtime::Runtime,
    backend: B,
) {
    let spent = Arc::new(AtomicUsize::new(0));
    let task = spend_budget_forever(Arc::clone(&spent));
    let start = Instant::now();
    let out = runtime
        .block_on(runtime.spawn(with_timer(backend, async move {
            let by_timeout = task.timeout(ms(50)).await;
            let by_deadline = Deadline::after(ms(30))
                .run(spend_budget_forever(Arc::new(AtomicUsize::new(0))))
                .await;
            (by_timeout, by_deadline)
        })))
        .expect("the task");
    assert_eq!(out, (Err(Elapsed::new(ms(50))), Err(Elapsed::new(ms(30)))));
    let waited = start.elapsed();
    assert!(
        waited >= ms(50) && waited < GENEROUS * 2,
        "waited {waited:?}"
    );
    // More than one budget's worth: the task really hit its limit again and again.
    assert!(
        spent.load(Ordering::Relaxed) > 128,
        "the budget was never spent"
    );
}

#[test]
fn a_timeout_fires_in_a_tokio_task_whose_budget_is_spent_current_thread() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime");
    fires_with_the_budget_spent(&runtime);
}

#[test]
fn a_timeout_fires_in_a_tokio_task_whose_budget_is_spent_multi_thread() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .expect("a runtime");
    fires_with_the_budget_spent(&runtime);
}

#[test]
fn a_timeout_fires_in_a_tokio_task_with_a_timer_driver_enabled() {
    // With tokio's own time driver on, too (as in most tokio applications).
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("a runtime");
    fires_with_the_budget_spent(&runtime);
}

#[test]
fn a_timeout_fires_in_a_tokio_task_whose_budget_is_spent_on_every_timer_backend() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_time()
        .build()
        .expect("a runtime");
    fires_with_the_budget_spent_on(&runtime, FuturesTimer);
    fires_with_the_budget_spent_on(&runtime, TokioTimer);
    fires_with_the_budget_spent_on(&runtime, AsyncIoTimer);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("a runtime");
    fires_with_the_budget_spent_on(&runtime, TokioTimer);
}

#[test]
fn a_timeout_fires_over_a_busy_future_on_every_timer_backend() {
    fn fires<B: TimerBackend>(backend: B) -> impl Future<Output = ()> {
        with_timer(backend, async {
            let start = Instant::now();
            assert_eq!(busy().0.timeout(ms(40)).await, Err(Elapsed::new(ms(40))));
            assert!(start.elapsed() >= ms(40) && start.elapsed() < GENEROUS);
        })
    }
    futures::executor::block_on(fires(FuturesTimer));
    futures::executor::block_on(fires(AsyncIoTimer));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("a runtime");
    runtime.block_on(fires(TokioTimer));
}
