//! The four join macros under every runtime: outputs in branch order,
//! fail-fast by arrival (siblings dropped before the future completes), race
//! winners and dropped losers, `first_ok!` winners and `AllFailed` in branch
//! order, `error = T;` conversion, 1, 2, 12 and 40 branches, borrowed locals
//! and `.timeout()` on a join. (`#[timeout]` is in `timeout_attribute.rs`, a
//! poll after completion in `polled_after_completion.rs`.)
//!
//! Every test that waits on a timer (the branches' sleeps, `.timeout()`,
//! `#[timeout]`) runs on a `VirtualClock` that jumps to the next timer when
//! all is idle: fail-fast, race winners and expiries are checked to the exact
//! instant, and a 10 s sibling that is never dropped would show as 10 s. The
//! tests left on the default timer use no timer (branches polled by hand,
//! `async` blocks ready at once). None is about real time, so none stays on
//! it.

// Branches are often `async fn`s that await nothing: a branch must be a future.
#![allow(clippy::unused_async)]

use support::runtime_tests;

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::Poll;
use std::time::Duration;

use orchestrate::prelude::*;
use orchestrate::{sleep, timer};
use support::{
    DropCounter, FOREVER, GENEROUS, finish_after, ms, on_virtual_time, poll_once, shuffled_delays,
};
use support::{Log, remotes};

/// `$mac!` over the 40 branches `$branch(0)`, …, `$branch(39)`.
macro_rules! forty {
    ($mac:ident!($branch:expr)) => {
        $mac!(
            $branch(0),
            $branch(1),
            $branch(2),
            $branch(3),
            $branch(4),
            $branch(5),
            $branch(6),
            $branch(7),
            $branch(8),
            $branch(9),
            $branch(10),
            $branch(11),
            $branch(12),
            $branch(13),
            $branch(14),
            $branch(15),
            $branch(16),
            $branch(17),
            $branch(18),
            $branch(19),
            $branch(20),
            $branch(21),
            $branch(22),
            $branch(23),
            $branch(24),
            $branch(25),
            $branch(26),
            $branch(27),
            $branch(28),
            $branch(29),
            $branch(30),
            $branch(31),
            $branch(32),
            $branch(33),
            $branch(34),
            $branch(35),
            $branch(36),
            $branch(37),
            $branch(38),
            $branch(39)
        )
    };
}

/// The 40 fields of a tuple, in a `Vec`.
macro_rules! forty_fields {
    ($tuple:expr) => {{
        let t = $tuple;
        vec![
            t.0, t.1, t.2, t.3, t.4, t.5, t.6, t.7, t.8, t.9, t.10, t.11, t.12, t.13, t.14, t.15,
            t.16, t.17, t.18, t.19, t.20, t.21, t.22, t.23, t.24, t.25, t.26, t.27, t.28, t.29,
            t.30, t.31, t.32, t.33, t.34, t.35, t.36, t.37, t.38, t.39,
        ]
    }};
}

#[derive(Debug, Clone, PartialEq)]
enum AppError {
    Text(String),
    Code(u16),
    TimedOut(Elapsed),
}

impl From<String> for AppError {
    fn from(e: String) -> Self {
        AppError::Text(e)
    }
}

impl From<u16> for AppError {
    fn from(e: u16) -> Self {
        AppError::Code(e)
    }
}

impl From<Elapsed> for AppError {
    fn from(e: Elapsed) -> Self {
        AppError::TimedOut(e)
    }
}

/// Sleeps `delay`, then outputs `out`; counts as cancelled if dropped first.
async fn after<T>(drops: &DropCounter, delay: Duration, out: T) -> T {
    finish_after(drops.guard(), delay, out).await
}

runtime_tests! {
    // -------------------------------------------------------------- parallel!

    async fn parallel_outputs_in_branch_order_whatever_the_completion_order() {
        on_virtual_time(async {
            let delays = shuffled_delays(12, ms(3));
            let arrived = Mutex::new(Vec::new());
            let branch = |i: usize| {
                let (delay, arrived) = (delays[i], &arrived);
                async move {
                    sleep(delay).await;
                    arrived.lock().unwrap().push(i);
                    Ok::<_, String>(i * 10)
                }
            };
            let out = parallel!(
                branch(0), branch(1), branch(2), branch(3), branch(4), branch(5),
                branch(6), branch(7), branch(8), branch(9), branch(10), branch(11),
            )
            .await;
            assert_eq!(out, Ok((0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110)));
            let arrived = arrived.into_inner().unwrap();
            assert_eq!(arrived.len(), 12);
            assert_ne!(arrived, (0..12).collect::<Vec<_>>(), "completion order was branch order");
            // Different `Ok` types, one error type.
            let mixed = parallel!(async { Ok::<_, String>("ada") }, async { Ok::<_, String>(7_u8) }, async { Ok::<_, String>(vec![1]) }).await;
            assert_eq!(mixed, Ok(("ada", 7, vec![1])));
        })
        .await;
    }

    async fn parallel_fails_fast_with_the_first_error_to_arrive() {
        on_virtual_time(async {
            let drops = DropCounter::new();
            let start = timer::now();
            let out = parallel!(
                after(&drops, ms(2000), Err::<u32, _>("index 0, late")),
                after(&drops, ms(5), Ok::<_, &str>(1)),
                after(&drops, ms(30), Err::<u32, _>("index 2, early")),
                after(&drops, FOREVER, Ok::<_, &str>(3)),
            )
            .await;
            // Right after `.await`: the late failure and the sleeper are gone.
            assert_eq!(drops.dropped(), 2);
            assert_eq!(out, Err("index 2, early"));
            assert_eq!(timer::now() - start, ms(30), "failed at the early error, not later");
        })
        .await;
    }

    async fn parallel_drops_its_siblings_before_it_completes() {
        // Polled by hand: the join is still alive when its siblings are checked.
        let log = Log::new();
        let (branches, switches) = remotes::<Result<u32, String>>(4, &log);
        let [a, b, c, d] = <[_; 4]>::try_from(branches).unwrap();
        let drops = DropCounter::new();
        let guarded = |branch: support::Remote<Result<u32, String>>| {
            let guard = drops.guard();
            async move {
                let out = branch.await;
                guard.defuse();
                out
            }
        };
        let mut all = Box::pin(parallel!(guarded(a), guarded(b), guarded(c), guarded(d)));
        assert!(poll_once(all.as_mut()).await.is_pending());
        switches[0].complete(Ok(0));
        assert!(poll_once(all.as_mut()).await.is_pending());
        assert_eq!(drops.dropped(), 0);
        switches[3].complete(Err("three".into()));
        assert_eq!(poll_once(all.as_mut()).await, Poll::Ready(Err("three".to_string())));
        assert_eq!(drops.dropped(), 2, "branches 1 and 2 dropped before Ready");
        assert!(switches.iter().all(support::Switch::is_over));
        drop(all);
        assert_eq!(drops.dropped(), 2);
        log.assert_no_poll_after_the_end();
    }

    async fn parallel_converts_different_errors_with_error_target() {
        on_virtual_time(async {
            async fn user() -> Result<&'static str, String> { Ok("ada") }
            async fn avatar(fail: bool) -> Result<Vec<u8>, u16> { if fail { Err(503) } else { Ok(vec![1]) } }
            async fn late_text() -> Result<u8, String> { sleep(ms(200)).await; Err("late".into()) }
            assert_eq!(parallel!(error = AppError; user(), avatar(false)).await, Ok(("ada", vec![1])));
            assert_eq!(parallel!(error = AppError; user(), avatar(true)).await, Err(AppError::Code(503)));
            // The first error to arrive wins, whatever its type.
            assert_eq!(
                parallel!(error = AppError; late_text(), avatar(true)).await,
                Err(AppError::Code(503))
            );
            // Elapsed converts too: a timed-out branch fails the join.
            let out = parallel!(error = AppError; user(), sleep(FOREVER).timeout(ms(10))).await;
            assert_eq!(out, Err(AppError::TimedOut(Elapsed::new(ms(10)))));
        })
        .await;
    }

    // --------------------------------------------------------------- settled!

    async fn settled_keeps_every_output_and_drops_nothing() {
        on_virtual_time(async {
            let drops = DropCounter::new();
            let start = timer::now();
            let out = settled!(
                after(&drops, ms(60), Ok::<u32, String>(1)),
                after(&drops, Duration::ZERO, Err::<u32, _>("at once".to_string())),
                after(&drops, ms(20), Ok::<_, String>(3)),
                async { 4_u8 },
            )
            .await;
            assert_eq!(out, (Ok(1), Err("at once".to_string()), Ok(3), 4));
            assert_eq!(drops.dropped(), 0, "nothing short-circuits");
            assert_eq!(timer::now() - start, ms(60), "returned when the slowest branch finished");
        })
        .await;
    }

    // ------------------------------------------------------------------ race!

    async fn race_the_first_to_complete_wins_and_the_losers_are_dropped() {
        on_virtual_time(async {
            let drops = DropCounter::new();
            let start = timer::now();
            let winner = race!(
                after(&drops, FOREVER, "slow"),
                after(&drops, ms(20), "fast"),
                after(&drops, ms(3000), "slower"),
            )
            .await;
            assert_eq!(drops.dropped(), 2);
            assert_eq!(winner, "fast");
            assert_eq!(timer::now() - start, ms(20), "won when the fast branch finished");
            // A failed winner still wins.
            let drops = DropCounter::new();
            let winner = race!(after(&drops, FOREVER, Ok(1)), after(&drops, ms(5), Err("down"))).await;
            assert_eq!((winner, drops.dropped()), (Err("down"), 1));
            // Ready in the same poll: the first written wins.
            assert_eq!(race!(async { 'a' }, async { 'b' }).await, 'a');
        })
        .await;
    }

    // -------------------------------------------------------------- first_ok!

    async fn first_ok_the_first_ok_to_arrive_wins() {
        on_virtual_time(async {
            let drops = DropCounter::new();
            let out = first_ok!(
                after(&drops, ms(2000), Ok::<_, String>("index 0, late")),
                after(&drops, ms(5), Err::<&str, _>("index 1 failed".to_string())),
                after(&drops, ms(30), Ok::<_, String>("index 2")),
                after(&drops, FOREVER, Err::<&str, _>("index 3".to_string())),
            )
            .await;
            assert_eq!(out, Ok("index 2"));
            assert_eq!(drops.dropped(), 2);
        })
        .await;
    }

    async fn first_ok_all_failed_holds_every_error_in_branch_order() {
        on_virtual_time(async {
            let delays = shuffled_delays(5, ms(4));
            let fail = |i: usize| {
                let delay = delays[i];
                async move {
                    sleep(delay).await;
                    Err::<(), _>(format!("branch {i} failed"))
                }
            };
            let all = first_ok!(fail(0), fail(1), fail(2), fail(3), fail(4)).await.unwrap_err();
            let expected: Vec<String> = (0..5).map(|i| format!("branch {i} failed")).collect();
            assert_eq!(all.errors(), expected.as_slice());
            assert_eq!(all.to_string(), "all 5 branches failed");
        })
        .await;
    }

    async fn first_ok_converts_different_errors_with_error_target() {
        on_virtual_time(async {
            async fn text() -> Result<u32, String> { Err("no text".into()) }
            async fn code() -> Result<u32, u16> { sleep(ms(5)).await; Err(404) }
            async fn good() -> Result<u32, u16> { sleep(ms(10)).await; Ok(9) }
            let all = first_ok!(error = AppError; code(), text()).await.unwrap_err();
            // Branch order, not arrival order.
            assert_eq!(all.errors(), [AppError::Code(404), AppError::Text("no text".into())]);
            assert_eq!(first_ok!(error = AppError; text(), code(), good()).await, Ok(9));
        })
        .await;
    }

    // ---------------------------------------------------------------- arities

    async fn every_macro_takes_one_branch() {
        assert_eq!(parallel!(async { Ok::<_, ()>(1) }).await, Ok((1,)));
        assert_eq!(parallel!(async { Err::<u8, _>("no") }).await, Err("no"));
        assert_eq!(settled!(async { 1 }).await, (1,));
        assert_eq!(race!(async { 1 }).await, 1);
        assert_eq!(first_ok!(async { Ok::<_, ()>(1) }).await, Ok(1));
        assert_eq!(first_ok!(async { Err::<(), _>(2) }).await.unwrap_err().into_errors(), [2]);
    }

    async fn every_macro_takes_two_branches() {
        on_virtual_time(async {
            let drops = DropCounter::new();
            assert_eq!(parallel!(after(&drops, ms(5), Ok::<_, ()>(1)), async { Ok::<_, ()>(2) }).await, Ok((1, 2)));
            assert_eq!(settled!(after(&drops, ms(5), 1), async { 2 }).await, (1, 2));
            assert_eq!(race!(after(&drops, FOREVER, 1), after(&drops, ms(5), 2)).await, 2);
            assert_eq!(first_ok!(async { Err(1) }, after(&drops, ms(5), Ok::<_, u8>(2))).await, Ok(2));
            assert_eq!(drops.dropped(), 1);
        })
        .await;
    }

    async fn every_macro_takes_twelve_branches() {
        on_virtual_time(async {
            let b = |i: u32| async move { sleep(ms(u64::from(12 - i) % 4)).await; Ok::<_, u32>(i) };
            let all = parallel!(b(0), b(1), b(2), b(3), b(4), b(5), b(6), b(7), b(8), b(9), b(10), b(11)).await;
            assert_eq!(all, Ok((0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)));
            let every = settled!(b(0), b(1), b(2), b(3), b(4), b(5), b(6), b(7), b(8), b(9), b(10), b(11)).await;
            assert_eq!(every.11, Ok(11));
            assert_eq!(every.0, Ok(0));
            let s = |i: u32| async move { sleep(if i == 8 { ms(1) } else { FOREVER }).await; i };
            assert_eq!(race!(s(0), s(1), s(2), s(3), s(4), s(5), s(6), s(7), s(8), s(9), s(10), s(11)).await, 8);
            let f = |i: u32| async move { sleep(ms(u64::from(i % 3))).await; if i == 10 { Ok(i) } else { Err(i) } };
            assert_eq!(first_ok!(f(0), f(1), f(2), f(3), f(4), f(5), f(6), f(7), f(8), f(9), f(10), f(11)).await, Ok(10));
        })
        .await;
    }

    async fn every_macro_takes_forty_branches() {
        // Boxed: the 40-branch joins make a future too large to pass by value
        // (clippy::large_futures).
        on_virtual_time(Box::pin(async {
            let delays = shuffled_delays(40, Duration::from_micros(300));
            let ok = |i: usize| {
                let delay = delays[i];
                async move { sleep(delay).await; Ok::<_, String>(i) }
            };
            let all = forty!(parallel!(ok)).await.unwrap();
            assert_eq!(forty_fields!(all), (0..40).collect::<Vec<_>>());
            let every = forty!(settled!(ok)).await;
            assert_eq!(forty_fields!(every), (0..40).map(Ok).collect::<Vec<_>>());
            // The last branch has no delay: it wins.
            assert_eq!(forty!(race!(ok)).await, Ok(39));
            let fail_but_7 = |i: usize| {
                let delay = delays[i];
                async move { sleep(delay).await; if i == 7 { Ok(i) } else { Err(i) } }
            };
            assert_eq!(forty!(first_ok!(fail_but_7)).await, Ok(7));
            let fail = |i: usize| async move { Err::<(), _>(i) };
            let all = forty!(first_ok!(fail)).await.unwrap_err();
            assert_eq!(all.into_errors(), (0..40).collect::<Vec<_>>());
            // One late error among 40 still fails the join at once.
            let drops = DropCounter::new();
            let one_fails = |i: usize| {
                let guard = drops.guard();
                async move {
                    finish_after(guard, if i == 20 { ms(5) } else { FOREVER }, if i == 20 { Err(i) } else { Ok(i) }).await
                }
            };
            assert_eq!(forty!(parallel!(one_fails)).await.err(), Some(20));
            assert_eq!(drops.dropped(), 39);
        }))
        .await;
    }

    // ---------------------------------------------------------------- borrows

    async fn branches_borrow_locals() {
        on_virtual_time(async {
            let names = ["ada".to_string(), "grace".to_string()];
            let mut log = Vec::new();
            let counter = AtomicUsize::new(0);
            let out = parallel!(
                async { sleep(ms(2)).await; Ok::<_, ()>(names[0].len()) },
                async { counter.fetch_add(1, Ordering::SeqCst); Ok::<_, ()>(names[1].as_str()) },
                async { log.push("mutably borrowed"); Ok::<_, ()>(log.len()) },
            )
            .await;
            assert_eq!(out, Ok((3, "grace", 1)));
            let (a, b) = settled!(async { names.len() }, async { counter.load(Ordering::SeqCst) }).await;
            assert_eq!((a, b), (2, 1));
            assert_eq!(race!(async { &names[0] }, async { &names[1] }).await, "ada");
            assert_eq!(first_ok!(async { Err::<&String, _>(&names[0]) }, async { Ok::<_, &String>(&names[1]) }).await, Ok(&names[1]));
            // Still ours.
            assert_eq!((names.len(), log), (2, vec!["mutably borrowed"]));
        })
        .await;
    }

    // --------------------------------------------------------------- .timeout

    async fn a_join_macro_takes_a_timeout() {
        on_virtual_time(async {
            let fast = parallel!(async { Ok::<_, String>(1) }, async { sleep(ms(5)).await; Ok::<_, String>(2) })
                .timeout(GENEROUS)
                .await;
            assert_eq!(fast, Ok(Ok((1, 2))));
            let drops = DropCounter::new();
            let start = timer::now();
            let slow = parallel!(after(&drops, ms(1), Ok::<_, String>(1)), after(&drops, FOREVER, Ok::<_, String>(2)))
                .timeout(ms(30))
                .await;
            assert_eq!(slow, Err(Elapsed::new(ms(30))));
            assert_eq!(drops.dropped(), 1, "the sleeper is dropped on expiry");
            assert_eq!(timer::now() - start, ms(30), "expired at the exact limit");
            let drops = DropCounter::new();
            let every = settled!(after(&drops, FOREVER, 1), after(&drops, FOREVER, 2)).timeout(ms(10)).await;
            assert_eq!((every, drops.dropped()), (Err(Elapsed::new(ms(10))), 2));
            assert_eq!(race!(sleep(FOREVER), sleep(FOREVER)).timeout(ms(10)).await, Err(Elapsed::new(ms(10))));
            assert_eq!(first_ok!(async { Ok::<_, ()>(1) }).timeout(Duration::ZERO).await, Ok(Ok(1)));
        })
        .await;
    }
}
