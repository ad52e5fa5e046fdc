//! Helpers shared by the integration tests: one macro that runs every test
//! case under every runtime, drop guards, an in-flight counter and a few tiny
//! executor-neutral futures.
//!
//! Every test binary includes this module and uses a different subset of it.
#![allow(dead_code)]

use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

/// Generates one `#[test]` per case and per runtime.
///
/// ```ignore
/// runtime_tests! {
///     async fn order_is_kept() { /* async body */ }
///     #[should_panic(expected = "...")]
///     async fn misuse_panics() { /* ... */ }
/// }
/// ```
///
/// expands to the modules `tokio_current_thread`, `tokio_multi_thread`,
/// `async_std`, `smol` and `futures_executor`, each with a `#[test] fn` per
/// case that runs the body to completion on that runtime. Under tokio's
/// multi-thread runtime the body is spawned onto a worker, which also proves
/// every future it awaits is `Send`. Attributes on a case (such as
/// `#[should_panic]`) are kept on each generated test.
macro_rules! runtime_tests {
    (@runtime $runtime:ident, $run:path;
        $( $(#[$attr:meta])* async fn $name:ident() $body:block )*
    ) => {
        mod $runtime {
            #[allow(unused_imports)]
            use super::*;
            $(
                #[test]
                $(#[$attr])*
                fn $name() {
                    $run(async move $body);
                }
            )*
        }
    };
    ($($cases:tt)*) => {
        runtime_tests!(@runtime tokio_current_thread, $crate::common::run_tokio_current_thread; $($cases)*);
        runtime_tests!(@runtime tokio_multi_thread, $crate::common::run_tokio_multi_thread; $($cases)*);
        runtime_tests!(@runtime async_std, $crate::common::run_async_std; $($cases)*);
        runtime_tests!(@runtime smol, $crate::common::run_smol; $($cases)*);
        runtime_tests!(@runtime futures_executor, $crate::common::run_futures_executor; $($cases)*);
    };
}

/// Runs `body` on a tokio current-thread runtime. No tokio driver is enabled:
/// nothing under test may need tokio's timer or reactor.
pub(crate) fn run_tokio_current_thread(body: impl Future<Output = ()>) {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a tokio current-thread runtime")
        .block_on(body);
}

/// Spawns `body` onto a worker of a tokio multi-thread runtime (so it must be
/// `Send + 'static`) and waits for it; a panic in the body is re-raised here
/// with its own payload, so `#[should_panic(expected = ...)]` still matches.
pub(crate) fn run_tokio_multi_thread(body: impl Future<Output = ()> + Send + 'static) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .expect("a tokio multi-thread runtime");
    match runtime.block_on(runtime.spawn(body)) {
        Ok(()) => {}
        Err(error) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
        Err(error) => panic!("the test task did not finish: {error}"),
    }
}

/// Runs `body` on async-std's executor.
pub(crate) fn run_async_std(body: impl Future<Output = ()>) {
    async_std::task::block_on(body);
}

/// Runs `body` on smol's executor.
pub(crate) fn run_smol(body: impl Future<Output = ()>) {
    smol::block_on(body);
}

/// Runs `body` on `futures::executor::block_on`.
pub(crate) fn run_futures_executor(body: impl Future<Output = ()>) {
    futures::executor::block_on(body);
}

/// Runs `body` on a fresh auto-advancing virtual clock (feature `test-util`):
/// every timer armed inside it is virtual, and the clock jumps to the next one
/// as soon as everything in it waits. Take instants inside `body` from
/// `orchestrate::timer::now()`, not `Instant::now()`. (`tests/time.rs` keeps a
/// copy of its own.)
#[cfg(feature = "test-util")]
pub(crate) async fn on_virtual_time<T>(body: impl IntoFuture<Output = T>) -> T {
    orchestrate::testing::VirtualClock::auto().run(body).await
}

/// Milliseconds, for short test code.
pub(crate) const fn ms(millis: u64) -> Duration {
    Duration::from_millis(millis)
}

/// A bound far above any real duration in these tests (which are ~100 ms), to
/// prove that nothing waited for a sibling that sleeps 10 s, yet generous
/// enough for a loaded 2-core machine.
pub(crate) const GENEROUS: Duration = Duration::from_secs(5);

/// Long enough that a branch sleeping this long is certainly still pending
/// when the test checks it: it can only have stopped by being dropped.
pub(crate) const FOREVER: Duration = Duration::from_secs(10);

/// Counts the [`DropGuard`]s dropped before they were defused, that is the
/// branches cancelled (dropped before they finished).
#[derive(Debug, Clone, Default)]
pub(crate) struct DropCounter {
    dropped: Arc<AtomicUsize>,
}

impl DropCounter {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// A guard to move into a branch.
    pub(crate) fn guard(&self) -> DropGuard {
        DropGuard {
            dropped: Some(Arc::clone(&self.dropped)),
        }
    }

    /// How many guards were dropped without being defused.
    pub(crate) fn dropped(&self) -> usize {
        self.dropped.load(Ordering::SeqCst)
    }
}

/// Increments its [`DropCounter`] when dropped, unless defused first.
#[derive(Debug)]
pub(crate) struct DropGuard {
    dropped: Option<Arc<AtomicUsize>>,
}

impl DropGuard {
    /// Marks the branch as finished normally: dropping it counts nothing.
    pub(crate) fn defuse(mut self) {
        self.dropped = None;
    }
}

impl Drop for DropGuard {
    fn drop(&mut self) {
        if let Some(dropped) = self.dropped.take() {
            dropped.fetch_add(1, Ordering::SeqCst);
        }
    }
}

/// Counts branches in flight and records the most ever in flight at once.
#[derive(Debug, Clone, Default)]
pub(crate) struct InFlight {
    state: Arc<InFlightState>,
}

#[derive(Debug, Default)]
struct InFlightState {
    now: AtomicUsize,
    max: AtomicUsize,
    started: AtomicUsize,
    finished: AtomicUsize,
}

impl InFlight {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Marks one branch as started; it counts as in flight until the guard
    /// is dropped (finished or cancelled).
    pub(crate) fn enter(&self) -> InFlightGuard {
        let state = &self.state;
        state.started.fetch_add(1, Ordering::SeqCst);
        let now = state.now.fetch_add(1, Ordering::SeqCst) + 1;
        state.max.fetch_max(now, Ordering::SeqCst);
        InFlightGuard {
            state: Arc::clone(&self.state),
        }
    }

    /// The most branches ever in flight at once.
    pub(crate) fn max(&self) -> usize {
        self.state.max.load(Ordering::SeqCst)
    }

    /// Branches in flight now.
    pub(crate) fn now(&self) -> usize {
        self.state.now.load(Ordering::SeqCst)
    }

    /// Branches started so far.
    pub(crate) fn started(&self) -> usize {
        self.state.started.load(Ordering::SeqCst)
    }

    /// Branches that ran to their end (called [`InFlightGuard::finish`]).
    pub(crate) fn finished(&self) -> usize {
        self.state.finished.load(Ordering::SeqCst)
    }
}

/// One branch in flight; leaves on drop.
#[derive(Debug)]
pub(crate) struct InFlightGuard {
    state: Arc<InFlightState>,
}

impl InFlightGuard {
    /// Leaves, counting the branch as finished (not cancelled).
    pub(crate) fn finish(self) {
        self.state.finished.fetch_add(1, Ordering::SeqCst);
    }
}

impl Drop for InFlightGuard {
    fn drop(&mut self) {
        self.state.now.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Yields to the executor `times` times, waking itself each time: a branch
/// that takes several polls without any timer.
pub(crate) fn yield_now(times: usize) -> YieldNow {
    YieldNow { left: times }
}

/// The future of [`yield_now`].
#[derive(Debug)]
pub(crate) struct YieldNow {
    left: usize,
}

impl Future for YieldNow {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.left == 0 {
            Poll::Ready(())
        } else {
            self.left -= 1;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

/// Polls `future` once, from inside the running test, and returns what it
/// returned: to look at a future between polls, or to poll one again after it
/// completed.
pub(crate) async fn poll_once<F: Future + ?Sized>(mut future: Pin<&mut F>) -> Poll<F::Output> {
    std::future::poll_fn(|cx| Poll::Ready(future.as_mut().poll(cx))).await
}

/// Delays for `n` branches (`n >= 2`) that make them finish out of input
/// order: a fixed pseudo-random permutation of `0..n` times `step`, arranged so
/// that the first branch sleeps longest and the last one not at all. The last
/// branch is then ready at the join's first poll while the first is still
/// asleep, so completion order differs from input order whatever the load.
pub(crate) fn shuffled_delays(n: usize, step: Duration) -> Vec<Duration> {
    assert!(n >= 2, "shuffled_delays needs at least two branches");
    let mut order: Vec<u32> = (0..u32::try_from(n).expect("a small n")).collect();
    // Fisher-Yates with a fixed xorshift seed: the same order on every run.
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    for i in (1..n).rev() {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let j = usize::try_from(seed % (i as u64 + 1)).expect("below n");
        order.swap(i, j);
    }
    let slowest = order
        .iter()
        .position(|&d| d as usize == n - 1)
        .expect("in range");
    order.swap(0, slowest);
    let fastest = order.iter().position(|&d| d == 0).expect("in range");
    order.swap(n - 1, fastest);
    order.into_iter().map(|d| step * d).collect()
}

/// A branch that sleeps `delay` on the crate's timer, then returns `out`. If
/// it is dropped before that, `guard` counts it as cancelled.
pub(crate) async fn finish_after<T>(guard: DropGuard, delay: Duration, out: T) -> T {
    orchestrate::sleep(delay).await;
    guard.defuse();
    out
}
