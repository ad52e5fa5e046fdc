//! Panics in branches, under every runtime.
//!
//! A branch that panics makes the combinator's `poll` unwind, so the panic
//! reaches the task that awaits the combinator (and, through each runtime's
//! `block_on` or `JoinHandle`, the caller) with its own payload. Every sibling
//! is dropped on the way: during the unwinding itself under the runtimes that
//! poll the future on the caller's stack (tokio current-thread, async-std,
//! smol, `futures::executor`), and by the runtime before it reports the panic
//! under tokio's multi-thread scheduler (which catches the panic on a worker
//! and drops the task). Nothing leaks: every guard made is dropped.
//!
//! `orchestrate::catch_panic` turns one branch's panic into a value instead,
//! so that `settled` keeps every outcome and `parallel` fails fast on a panic
//! as on an error.

use support::runtime_tests;
// Test bodies name helpers as `common::…`.
use support as common;

use std::any::Any;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::Poll;
use std::time::Duration;

use orchestrate::prelude::*;
use orchestrate::sleep;
use orchestrate::{Panicked, catch_panic};
use support::{DropCounter, FOREVER, finish_after, ms, poll_once, yield_now};

/// The panic message of every panicking branch here.
const BOOM: &str = "branch 7 exploded";

/// Counts guards made, dropped, and dropped while the thread was panicking.
#[derive(Debug, Clone, Default)]
struct Probe(Arc<ProbeState>);

#[derive(Debug, Default)]
struct ProbeState {
    made: AtomicUsize,
    dropped: AtomicUsize,
    unwinding: AtomicUsize,
}

/// Held by a branch: it is alive while the guard is.
#[derive(Debug)]
struct Guard(Arc<ProbeState>);

impl Drop for Guard {
    fn drop(&mut self) {
        self.0.dropped.fetch_add(1, Ordering::SeqCst);
        if std::thread::panicking() {
            self.0.unwinding.fetch_add(1, Ordering::SeqCst);
        }
    }
}

impl Probe {
    fn guard(&self) -> Guard {
        self.0.made.fetch_add(1, Ordering::SeqCst);
        Guard(Arc::clone(&self.0))
    }

    fn made(&self) -> usize {
        self.0.made.load(Ordering::SeqCst)
    }

    fn alive(&self) -> usize {
        self.made() - self.0.dropped.load(Ordering::SeqCst)
    }

    fn dropped_unwinding(&self) -> usize {
        self.0.unwinding.load(Ordering::SeqCst)
    }

    /// A branch that never finishes on its own.
    fn sleeper<T>(&self) -> impl Future<Output = T> + Send + 'static {
        let guard = self.guard();
        async move {
            sleep(FOREVER).await;
            drop(guard);
            unreachable!("a sleeper is always dropped first")
        }
    }

    /// A branch that panics with [`BOOM`] after `polls` polls.
    fn panicker<T>(&self, polls: usize) -> impl Future<Output = T> + Send + 'static {
        let guard = self.guard();
        async move {
            yield_now(polls).await;
            let _guard = guard;
            panic!("{BOOM}")
        }
    }
}

/// The text of a panic payload.
fn message(payload: &(dyn Any + Send)) -> Option<&str> {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
}

type Joined = Pin<Box<dyn Future<Output = ()> + Send + 'static>>;

/// Runs the join `scenario` builds under `run`, and checks that the branch's
/// panic reached the caller, that every branch was dropped (while unwinding,
/// if `unwinds`), and that nothing leaked.
fn check_panic(scenario: fn(&Probe) -> Joined, run: impl FnOnce(Joined), unwinds: bool) {
    let probe = Probe::default();
    let body = scenario(&probe);
    let made = probe.made();
    assert!(made >= 2, "a scenario has a panicking branch and siblings");
    let payload = catch_unwind(AssertUnwindSafe(|| run(body)))
        .expect_err("the branch's panic did not reach the caller");
    assert_eq!(
        message(&*payload),
        Some(BOOM),
        "the payload is the branch's own"
    );
    assert_eq!(probe.alive(), 0, "a branch outlived the panic");
    assert_eq!(probe.made(), made, "a branch was made during the panic");
    if unwinds {
        assert_eq!(
            probe.dropped_unwinding(),
            made,
            "every branch is dropped during unwinding"
        );
    }
}

/// One `#[test]` per scenario and runtime.
macro_rules! panic_tests {
    ($($name:ident,)*) => {
        panic_tests!(@runtime tokio_current_thread, run_tokio_current_thread, true; $($name,)*);
        panic_tests!(@runtime tokio_multi_thread, run_tokio_multi_thread, false; $($name,)*);
        panic_tests!(@runtime async_std, run_async_std, true; $($name,)*);
        panic_tests!(@runtime smol, run_smol, true; $($name,)*);
        panic_tests!(@runtime futures_executor, run_futures_executor, true; $($name,)*);
    };
    (@runtime $runtime:ident, $run:ident, $unwinds:expr; $($name:ident,)*) => {
        mod $runtime {
            $(
                #[test]
                fn $name() {
                    crate::check_panic(crate::scenarios::$name, crate::common::$run, $unwinds);
                }
            )*
        }
    };
}

/// Joins with one panicking branch among sleepers.
mod scenarios {
    use super::*;
    use orchestrate::{first_ok, parallel, race, settled};

    pub(super) type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

    pub(super) fn boxed<T>(future: impl Future<Output = T> + Send + 'static) -> BoxFuture<T> {
        Box::pin(future)
    }

    pub(super) fn parallel_fn(p: &Probe) -> Joined {
        let branches: Vec<BoxFuture<Result<(), ()>>> = (0..20)
            .map(|i| {
                if i == 7 {
                    boxed(p.panicker(3))
                } else {
                    boxed(p.sleeper())
                }
            })
            .collect();
        Box::pin(async move {
            let _ = parallel(branches).await;
        })
    }

    pub(super) fn parallel_fn_at_its_first_poll(p: &Probe) -> Joined {
        let branches: Vec<BoxFuture<Result<(), ()>>> = (0..20)
            .map(|i| {
                if i == 7 {
                    boxed(p.panicker(0))
                } else {
                    boxed(p.sleeper())
                }
            })
            .collect();
        Box::pin(async move {
            let _ = parallel(branches).await;
        })
    }

    pub(super) fn parallel_fn_limited(p: &Probe) -> Joined {
        // Branches not started yet are dropped too.
        let branches: Vec<BoxFuture<Result<(), ()>>> = (0..20)
            .map(|i| {
                if i == 2 {
                    boxed(p.panicker(2))
                } else {
                    boxed(p.sleeper())
                }
            })
            .collect();
        Box::pin(async move {
            let _ = parallel(branches).limit(4).await;
        })
    }

    pub(super) fn settled_fn(p: &Probe) -> Joined {
        let branches: Vec<BoxFuture<u8>> = (0..300)
            .map(|i| {
                if i == 150 {
                    boxed(p.panicker(1))
                } else {
                    boxed(p.sleeper())
                }
            })
            .collect();
        Box::pin(async move {
            let _ = settled(branches).await;
        })
    }

    pub(super) fn settled_fn_limited(p: &Probe) -> Joined {
        let branches: Vec<BoxFuture<u8>> = (0..10)
            .map(|i| {
                if i == 0 {
                    boxed(p.panicker(4))
                } else {
                    boxed(p.sleeper())
                }
            })
            .collect();
        Box::pin(async move {
            let _ = settled(branches).limit(2).await;
        })
    }

    pub(super) fn race_fn(p: &Probe) -> Joined {
        let branches: Vec<BoxFuture<u8>> = (0..5)
            .map(|i| {
                if i == 4 {
                    boxed(p.panicker(1))
                } else {
                    boxed(p.sleeper())
                }
            })
            .collect();
        Box::pin(async move {
            let _ = race(branches).await;
        })
    }

    pub(super) fn first_ok_fn(p: &Probe) -> Joined {
        let branches: Vec<BoxFuture<Result<u8, u8>>> = (0..5)
            .map(|i| {
                if i == 1 {
                    boxed(p.panicker(1))
                } else {
                    boxed(p.sleeper())
                }
            })
            .collect();
        Box::pin(async move {
            let _ = first_ok(branches).await;
        })
    }

    pub(super) fn parallel_macro(p: &Probe) -> Joined {
        let (a, b, c) = (
            p.sleeper::<Result<u8, ()>>(),
            p.panicker::<Result<u8, ()>>(2),
            p.sleeper::<Result<u8, ()>>(),
        );
        Box::pin(async move {
            let _ = parallel!(a, b, c).await;
        })
    }

    pub(super) fn settled_macro(p: &Probe) -> Joined {
        let (a, b, c) = (
            p.sleeper::<u8>(),
            p.sleeper::<String>(),
            p.panicker::<()>(2),
        );
        Box::pin(async move {
            let _ = settled!(a, b, c).await;
        })
    }

    pub(super) fn race_macro(p: &Probe) -> Joined {
        let (a, b, c) = (p.panicker::<u8>(0), p.sleeper::<u8>(), p.sleeper::<u8>());
        Box::pin(async move {
            let _ = race!(a, b, c).await;
        })
    }

    pub(super) fn first_ok_macro(p: &Probe) -> Joined {
        let (a, b, c) = (
            p.sleeper::<Result<u8, u8>>(),
            p.sleeper::<Result<u8, u8>>(),
            p.panicker::<Result<u8, u8>>(1),
        );
        Box::pin(async move {
            let _ = first_ok!(a, b, c).await;
        })
    }

    pub(super) fn timeout(p: &Probe) -> Joined {
        let inner = p.panicker::<()>(2);
        let sibling = p.sleeper::<Result<(), Elapsed>>();
        Box::pin(async move {
            let _ = parallel!(inner.timeout(FOREVER), sibling).await;
        })
    }

    pub(super) fn nested_joins(p: &Probe) -> Joined {
        let deep: Vec<_> = (0..30).map(|_| p.sleeper::<Result<u8, ()>>()).collect();
        let (x, y) = (p.sleeper::<u8>(), p.panicker::<u8>(3));
        Box::pin(async move {
            let _ = settled!(parallel(deep), race!(x, y)).await;
        })
    }
}

/// The panic of one branch, per combinator and runtime.
mod propagates {
    panic_tests! {
    parallel_fn,
    parallel_fn_at_its_first_poll,
    parallel_fn_limited,
    settled_fn,
    settled_fn_limited,
    race_fn,
    first_ok_fn,
    parallel_macro,
    settled_macro,
    race_macro,
    first_ok_macro,
    timeout,
    nested_joins,
    }
}

// ------------------------------------------- a branch that panics on drop

/// Panics with "drop exploded" when dropped, unless defused.
struct PanicOnDrop(Option<Guard>);

impl Drop for PanicOnDrop {
    fn drop(&mut self) {
        let armed = self.0.take().is_some();
        assert!(!armed || std::thread::panicking(), "drop exploded");
    }
}

/// A branch that panics when cancelled (dropped before it finished).
fn explodes_when_cancelled<T>(p: &Probe) -> impl Future<Output = T> + Send + 'static {
    let bomb = PanicOnDrop(Some(p.guard()));
    async move {
        sleep(FOREVER).await;
        drop(bomb);
        unreachable!("a sleeper is always dropped first")
    }
}

/// A branch that outputs `out` after a few polls.
fn soon<T: Send + 'static>(p: &Probe, out: T) -> impl Future<Output = T> + Send + 'static {
    let guard = p.guard();
    async move {
        yield_now(2).await;
        drop(guard);
        out
    }
}

#[test]
fn a_branch_that_panics_while_cancelled_still_lets_every_sibling_drop() {
    type Case = (&'static str, fn(&Probe) -> Joined);
    let cases: [Case; 7] = [
        ("parallel", |p| {
            let mut branches: Vec<scenarios::BoxFuture<Result<(), u8>>> =
                (0..10).map(|_| scenarios::boxed(p.sleeper())).collect();
            branches.insert(3, scenarios::boxed(explodes_when_cancelled(p)));
            branches.push(scenarios::boxed(soon(p, Err(1))));
            Box::pin(async move {
                let _ = orchestrate::parallel(branches).await;
            })
        }),
        ("race", |p| {
            let mut branches: Vec<scenarios::BoxFuture<u8>> =
                (0..10).map(|_| scenarios::boxed(p.sleeper())).collect();
            branches.insert(0, scenarios::boxed(explodes_when_cancelled(p)));
            branches.push(scenarios::boxed(soon(p, 1)));
            Box::pin(async move {
                let _ = orchestrate::race(branches).await;
            })
        }),
        ("first_ok", |p| {
            let mut branches: Vec<scenarios::BoxFuture<Result<u8, u8>>> =
                (0..10).map(|_| scenarios::boxed(p.sleeper())).collect();
            branches.insert(9, scenarios::boxed(explodes_when_cancelled(p)));
            branches.push(scenarios::boxed(soon(p, Ok(1))));
            Box::pin(async move {
                let _ = orchestrate::first_ok(branches).await;
            })
        }),
        ("parallel!", |p| {
            let (a, b, c, d) = (
                p.sleeper::<Result<u8, u8>>(),
                explodes_when_cancelled::<Result<u8, u8>>(p),
                p.sleeper::<Result<u8, u8>>(),
                soon(p, Err::<u8, u8>(1)),
            );
            Box::pin(async move {
                let _ = parallel!(a, b, c, d).await;
            })
        }),
        ("race!", |p| {
            let (a, b, c) = (
                explodes_when_cancelled::<u8>(p),
                p.sleeper::<u8>(),
                soon(p, 1_u8),
            );
            Box::pin(async move {
                let _ = race!(a, b, c).await;
            })
        }),
        ("first_ok!", |p| {
            let (a, b, c) = (
                p.sleeper::<Result<u8, u8>>(),
                soon(p, Ok::<u8, u8>(1)),
                explodes_when_cancelled::<Result<u8, u8>>(p),
            );
            Box::pin(async move {
                let _ = first_ok!(a, b, c).await;
            })
        }),
        ("timeout", |p| {
            let (a, b) = (explodes_when_cancelled::<()>(p), p.sleeper::<()>());
            Box::pin(async move {
                let _ = settled!(a, b).timeout(ms(5)).await;
            })
        }),
    ];
    for (name, scenario) in cases {
        let probe = Probe::default();
        let body = scenario(&probe);
        let payload = catch_unwind(AssertUnwindSafe(|| futures::executor::block_on(body)))
            .expect_err("the panic of the cancelled branch did not reach the caller");
        assert_eq!(message(&*payload), Some("drop exploded"), "{name}");
        assert_eq!(
            probe.alive(),
            0,
            "{name}: a sibling outlived the panicking drop"
        );
    }
}

/// An output that `assert_eq!` can compare: the value, or the panic message.
fn shown<T>(out: Result<T, Panicked>) -> Result<T, String> {
    out.map_err(|panicked| panicked.message().unwrap_or("<not text>").to_string())
}

runtime_tests! {
    async fn catch_panic_keeps_every_outcome_of_a_settled_join() {
        let drops = DropCounter::new();
        let branches = (0..6_u32).map(|i| {
            let guard = drops.guard();
            catch_panic(async move {
                yield_now(i as usize).await;
                assert!(i % 3 != 1, "branch {i} exploded");
                guard.defuse();
                i * 10
            })
        });
        let all: Vec<_> = orchestrate::settled(branches).await.into_iter().map(shown).collect();
        assert_eq!(
            all,
            [Ok(0), Err("branch 1 exploded".into()), Ok(20), Ok(30), Err("branch 4 exploded".into()), Ok(50)]
        );
        // Only the two that panicked lost their guard (to the unwinding).
        assert_eq!(drops.dropped(), 2);
    }

    async fn catch_panic_in_a_settled_macro() {
        let (a, b, c) = orchestrate::settled!(
            catch_panic(async { 1 }),
            catch_panic(async {
                sleep(ms(2)).await;
                panic!("{BOOM}");
            }),
            catch_panic(async {
                sleep(ms(5)).await;
                "late but kept"
            }),
        )
        .await;
        assert_eq!(shown(a), Ok(1));
        let b: Result<(), String> = shown(b);
        assert_eq!(b, Err(BOOM.to_string()));
        assert_eq!(shown(c), Ok("late but kept"));
    }

    async fn catch_panic_makes_parallel_fail_fast_on_a_panic() {
        let drops = DropCounter::new();
        let branches = (0..10).map(|i| {
            let guard = drops.guard();
            catch_panic(async move {
                if i == 6 {
                    sleep(ms(3)).await;
                    panic!("{BOOM}");
                }
                finish_after(guard, FOREVER, ()).await;
            })
        });
        let out = orchestrate::parallel(branches).await;
        assert_eq!(out.map_err(|p| p.to_string()), Err(format!("panicked: {BOOM}")));
        // Every branch is gone, the nine sleepers dropped by fail-fast.
        assert_eq!(drops.dropped(), 10);
    }

    async fn catch_panic_passes_outputs_through_and_drops_a_panicked_future_at_once() {
        assert_eq!(shown(catch_panic(async { 5 }).await), Ok(5));
        assert_eq!(shown(catch_panic(std::future::ready("now")).await), Ok("now"));
        let drops = DropCounter::new();
        let guard = drops.guard();
        let mut caught = Box::pin(catch_panic(async move {
            yield_now(1).await;
            let _guard = guard;
            panic!("{BOOM}");
        }));
        assert!(poll_once(caught.as_mut()).await.is_pending());
        let Poll::Ready(Err(panicked)) = poll_once(caught.as_mut()).await else {
            panic!("the panic was not caught");
        };
        // The wrapper is alive; the future that panicked is gone.
        assert_eq!(drops.dropped(), 1);
        let _: &Panicked = &panicked;
        assert_eq!(panicked.message(), Some(BOOM));
        assert_eq!(panicked.to_string(), format!("panicked: {BOOM}"));
        assert!(format!("{panicked:?}").contains(BOOM));
    }

    async fn catch_panic_payloads_of_any_type() {
        let text = catch_panic(async { panic!("static text") }).await.unwrap_err();
        assert_eq!(text.message(), Some("static text"));
        let number = catch_panic(async { std::panic::panic_any(42_u32) }).await.unwrap_err();
        assert_eq!(number.message(), None);
        assert_eq!(number.to_string(), "panicked with a non-text payload");
        assert_eq!(number.into_payload().downcast_ref::<u32>(), Some(&42));
        // `resume` unwinds again with the same payload.
        let again = catch_panic(async { panic!("{BOOM}") }).await.unwrap_err();
        let payload = catch_unwind(AssertUnwindSafe(|| again.resume())).unwrap_err();
        assert_eq!(message(&*payload), Some(BOOM));
        // An error type, so it boxes into `dyn Error`.
        let boxed: Box<dyn std::error::Error + Send> =
            Box::new(catch_panic(async { panic!("{BOOM}") }).await.unwrap_err());
        assert_eq!(boxed.to_string(), format!("panicked: {BOOM}"));
    }

    async fn catch_panic_needs_no_unwind_safety() {
        // Futures holding `&mut` are not `UnwindSafe`; no wrapper needed.
        let mut count = 0;
        let out = catch_panic(async {
            count += 1;
            count
        })
        .await;
        assert_eq!(shown(out), Ok(1));
        let mut names = vec!["ada"];
        let out = catch_panic(async {
            names.push("grace");
            names.len()
        })
        .await;
        assert_eq!(shown(out), Ok(2));
        assert_eq!(names, ["ada", "grace"]);
    }

    async fn catch_panic_under_a_timeout_and_a_timeout_under_catch_panic() {
        let out = catch_panic(sleep(FOREVER).timeout(ms(5))).await;
        assert_eq!(shown(out), Ok(Err(Elapsed::new(ms(5)))));
        let out = catch_panic(async { panic!("{BOOM}") }).timeout(Duration::ZERO).await;
        let inner: Result<(), String> = shown(out.expect("ready at once"));
        assert_eq!(inner, Err(BOOM.to_string()));
    }
}
