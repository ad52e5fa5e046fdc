//! Timer backends: every call site stays as written while `with_timer` (or
//! the process default) picks the timer; the tokio backend fires under an
//! exhausted coop budget; the async-io one works under every runtime.

use support::runtime_tests;
// Test bodies name helpers as `common::…`.
use support as common;

use std::future::pending;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use orchestrate::prelude::*;
use orchestrate::sleep;
use orchestrate::timer::{
    AsyncIoTimer, FuturesTimer, TimerBackend, TimerFuture, TokioTimer, set_default_timer,
    with_timer,
};
use support::{GENEROUS, ms};

/// Counts the timers it arms and hands the waiting to futures-timer.
#[derive(Clone, Default)]
struct Counting(Arc<AtomicUsize>);

impl Counting {
    fn armed(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

impl TimerBackend for Counting {
    fn now(&self) -> Instant {
        FuturesTimer.now()
    }

    fn timer_at(&self, at: Instant) -> TimerFuture {
        self.0.fetch_add(1, Ordering::SeqCst);
        FuturesTimer.timer_at(at)
    }
}

#[derive(Debug, PartialEq)]
struct Failed(Option<Elapsed>);

impl From<Elapsed> for Failed {
    fn from(elapsed: Elapsed) -> Self {
        Failed(Some(elapsed))
    }
}

#[timeout(ms = 20)]
async fn stuck() -> Result<(), Failed> {
    pending::<()>().await;
    Ok(())
}

/// Every kind of call site, unchanged: timeout, method, deadline, sleep,
/// `#[timeout]` and retry.
async fn every_call_site() {
    assert_eq!(
        timeout(ms(10), pending::<()>()).await,
        Err(Elapsed::new(ms(10)))
    );
    assert_eq!(timeout(GENEROUS, async { 1 }).await, Ok(1));
    assert!(
        sleep(Duration::from_secs(60))
            .timeout(ms(10))
            .await
            .is_err()
    );
    assert!(Deadline::after(ms(10)).run(pending::<()>()).await.is_err());
    sleep(ms(5)).await;
    assert_eq!(stuck().await, Err(Failed(Some(Elapsed::new(ms(20))))));
    let mut calls = 0;
    let out = retry(Backoff::constant(ms(2)).attempts(3), || {
        calls += 1;
        async { Err::<(), _>(Failed(None)) }
    })
    .await;
    assert_eq!((out, calls), (Err(Failed(None)), 3));
}

runtime_tests! {
    async fn a_scope_picks_the_backend_for_every_call_site() {
        let counting = Counting::default();
        with_timer(counting.clone(), every_call_site()).await;
        // timeout, .timeout (its sleep too), deadline, sleep, #[timeout], 2 retry waits
        assert_eq!(counting.armed(), 8);
    }

    async fn a_ready_future_arms_no_timer() {
        let counting = Counting::default();
        with_timer(counting.clone(), async {
            assert_eq!(timeout(ms(10), async { 1 }).await, Ok(1));
            assert_eq!(Deadline::after(ms(10)).run(async { 2 }).await, Ok(2));
            assert_eq!(timeout(Duration::ZERO, async { 3 }).await, Ok(3));
        })
        .await;
        assert_eq!(counting.armed(), 0);
    }

    async fn the_innermost_scope_wins_and_scopes_end_with_their_poll() {
        let outer = Counting::default();
        let inner = Counting::default();
        with_timer(outer.clone(), async {
            sleep(ms(1)).await;
            with_timer(inner.clone(), sleep(ms(1))).await;
            sleep(ms(1)).await;
        })
        .await;
        assert_eq!((outer.armed(), inner.armed()), (2, 1));
        sleep(ms(1)).await; // outside: neither
        assert_eq!((outer.armed(), inner.armed()), (2, 1));
    }

    async fn the_async_io_backend_works_in_every_runtime() {
        with_timer(AsyncIoTimer, every_call_site()).await;
    }

    async fn an_armed_timer_keeps_its_backend() {
        let counting = Counting::default();
        // Armed inside the scope, then awaited outside it.
        let mut limited = Box::pin(timeout(ms(20), pending::<()>()));
        let armed = with_timer(counting.clone(), async {
            common::poll_once(limited.as_mut()).await.is_pending()
        })
        .await;
        assert!(armed);
        assert_eq!(limited.await, Err(Elapsed::new(ms(20))));
        assert_eq!(counting.armed(), 1);
    }

    async fn a_retry_future_is_send_under_a_scope() {
        fn assert_send<T: Send>(t: T) -> T {
            t
        }
        let scoped = assert_send(with_timer(
            FuturesTimer,
            retry(Backoff::immediate(), || async { Ok::<_, ()>(1) }),
        ));
        assert_eq!(scoped.await, Ok(1));
    }
}

fn tokio_runtime(multi: bool) -> tokio::runtime::Runtime {
    let mut builder = if multi {
        tokio::runtime::Builder::new_multi_thread()
    } else {
        tokio::runtime::Builder::new_current_thread()
    };
    builder
        .worker_threads(2)
        .enable_time()
        .build()
        .expect("a tokio runtime")
}

#[test]
fn the_tokio_backend_serves_every_call_site() {
    for multi in [false, true] {
        let runtime = tokio_runtime(multi);
        runtime.block_on(async {
            tokio::spawn(with_timer(TokioTimer, every_call_site()))
                .await
                .expect("no panic");
        });
    }
}

/// A future that never stops using tokio's coop budget: without the fix for
/// tokio #4291, a tokio sleep polled after it sees an exhausted budget and
/// never reports the deadline.
async fn budget_hog() {
    loop {
        tokio::task::consume_budget().await;
    }
}

#[test]
fn the_tokio_backend_fires_under_an_exhausted_coop_budget() {
    for multi in [false, true] {
        let runtime = tokio_runtime(multi);
        let start = Instant::now();
        let out = runtime.block_on(async {
            tokio::spawn(with_timer(TokioTimer, timeout(ms(30), budget_hog())))
                .await
                .expect("no panic")
        });
        assert_eq!(out, Err(Elapsed::new(ms(30))));
        assert!(start.elapsed() < GENEROUS);
    }
}

#[test]
#[should_panic(expected = "`TokioTimer` armed a timer outside a tokio runtime")]
fn the_tokio_backend_outside_tokio_panics_naming_it() {
    futures::executor::block_on(with_timer(TokioTimer, sleep(ms(5))));
}

#[test]
fn the_process_default_reaches_unscoped_and_spawned_work() {
    static DEFAULT: std::sync::OnceLock<Counting> = std::sync::OnceLock::new();
    let counting = DEFAULT.get_or_init(Counting::default).clone();
    // Only this test sets it; other tests here use scopes, which win over it.
    assert!(set_default_timer(counting.clone()).is_ok());
    assert!(
        set_default_timer(FuturesTimer).is_err(),
        "set once per process"
    );
    let before = counting.armed();
    futures::executor::block_on(async {
        assert!(timeout(ms(5), pending::<()>()).await.is_err());
    });
    assert_eq!(counting.armed(), before + 1);

    // A future spawned from inside a scope does not inherit the scope: it
    // runs on the default.
    let scoped = Counting::default();
    let runtime = tokio_runtime(true);
    runtime.block_on(with_timer(scoped.clone(), async {
        tokio::spawn(sleep(ms(5))).await.expect("no panic");
        sleep(ms(5)).await;
    }));
    assert_eq!(scoped.armed(), 1, "only the sleep awaited in the scope");
    assert!(counting.armed() >= before + 2);
}
