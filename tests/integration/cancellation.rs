//! Cancellation, for every combinator (the four macros, the four functions,
//! `.limit(n)`) under every runtime, polled by hand so that the test looks at
//! the branches while the combinator is still alive:
//!
//! - on fail-fast, a race won or a first `Ok`, every sibling is dropped
//!   *before* the combinator's future returns `Ready`;
//! - dropping the combinator mid-flight (or before its first poll) drops every
//!   branch, started or not, and every output it kept;
//! - `settled` never drops a branch before it finished;
//! - nothing is polled after it completed or was dropped (each branch's log);
//! - cancellation reaches every level of nested joins, and a timeout over a
//!   join drops every branch before it reports `Elapsed`.
//!
//! The branches are driven by hand, with no timer (a zero timeout expires at
//! its first poll without one), except in the last test, whose timers run on
//! a `VirtualClock` that jumps to the next timer when all is idle: it waits
//! for no real time. None is about real time, so none stays on it.

use support::runtime_tests;
// Test bodies name helpers as `common::…`.
use support as common;

use std::future::Future;
use std::pin::Pin;
use std::task::Poll;
use std::time::Duration;

use orchestrate::prelude::*;
use orchestrate::{first_ok, parallel, race, settled};
use support::{DropCounter, DropGuard, on_virtual_time, poll_once};
use support::{Log, Out, Outcome, Remote, Switch, Target, remote, remotes, remotes_from, targets};

/// Polls `future` once from the test task.
async fn poll<F: Future + ?Sized>(future: Pin<&mut F>) -> Poll<F::Output> {
    poll_once(future).await
}

/// The output that ends `target` at once when branch `i` gives it, if any.
fn deciding(target: Target, i: u32) -> Option<Out> {
    match target {
        Target::ParallelMacro | Target::Parallel | Target::ParallelLimit(_) => Some(Err(i)),
        Target::RaceMacro | Target::Race | Target::FirstOkMacro | Target::FirstOk => Some(Ok(i)),
        Target::SettledMacro | Target::Settled | Target::SettledLimit(_) => None,
    }
}

/// An output that does not end `target`.
fn undeciding(target: Target, i: u32) -> Out {
    match target {
        Target::FirstOkMacro | Target::FirstOk => Err(i),
        _ => Ok(i),
    }
}

/// Asserts every branch is over, `cancelled` of them by cancellation.
fn assert_all_over(target: Target, switches: &[Switch<Out>], cancelled: usize, log: &Log) {
    for switch in switches {
        assert!(
            switch.is_over(),
            "{target:?}: branch {} still alive",
            switch.id()
        );
    }
    assert_eq!(
        support::cancelled(switches),
        cancelled,
        "{target:?}: cancelled branches"
    );
    log.assert_no_poll_after_the_end();
}

/// A branch whose output is a guard: counts when the output is dropped unused.
fn guarded(
    switch_log: &Log,
    id: usize,
    drops: &DropCounter,
) -> (
    impl Future<Output = Result<DropGuard, u32>> + Send + use<>,
    Switch<Result<(), u32>>,
) {
    let (branch, switch): (Remote<Result<(), u32>>, _) = remote(id, switch_log);
    let guard = drops.guard();
    (async move { branch.await.map(|()| guard) }, switch)
}

runtime_tests! {
    async fn a_deciding_output_drops_every_sibling_before_ready() {
        for target in targets(3).into_iter().filter(|t| t.short_circuits()) {
            let n = target.arity(20);
            let log = Log::new();
            let (branches, switches) = remotes(n, &log);
            let mut joined = target.build(branches);
            assert!(poll(joined.as_mut()).await.is_pending());
            // A branch finishes without deciding anything (in a race, any output decides).
            let is_race = matches!(target, Target::RaceMacro | Target::Race);
            if !is_race {
                switches[0].complete(undeciding(target, 0));
                assert!(poll(joined.as_mut()).await.is_pending(), "{target:?}");
            }
            // A started branch decides.
            assert!(switches[2].was_polled(), "{target:?}");
            switches[2].complete(deciding(target, 2).expect("short-circuits"));
            let Poll::Ready(out) = poll(joined.as_mut()).await else {
                panic!("{target:?} did not finish on the deciding output");
            };
            // The combinator is still alive: its siblings were dropped before Ready.
            let finished = if is_race { 1 } else { 2 };
            assert_all_over(target, &switches, n - finished, &log);
            let expected = match target {
                Target::RaceMacro | Target::Race => Outcome::Race(Ok(2)),
                Target::FirstOkMacro | Target::FirstOk => Outcome::FirstOk(Ok(2)),
                _ => Outcome::All(Err(2)),
            };
            assert_eq!(out, expected, "{target:?}");
            drop(joined);
            log.assert_no_poll_after_the_end();
        }
    }

    async fn branches_not_started_under_a_limit_are_dropped_unpolled_on_fail_fast() {
        let log = Log::new();
        let (branches, switches) = remotes::<Out>(10, &log);
        let mut all = parallel(branches).limit(2);
        assert!(poll(Pin::new(&mut all)).await.is_pending());
        assert!(switches[..2].iter().all(Switch::was_polled));
        assert!(!switches[2..].iter().any(Switch::was_polled));
        switches[1].complete(Err(1));
        assert_eq!(poll(Pin::new(&mut all)).await, Poll::Ready(Err(1)));
        assert!(switches.iter().all(Switch::is_over));
        assert!(!switches[2..].iter().any(Switch::was_polled), "a branch started after the error");
        assert_eq!(support::cancelled(&switches), 9);
    }

    async fn dropping_a_combinator_mid_flight_drops_every_branch() {
        for target in targets(4) {
            let n = target.arity(30);
            let log = Log::new();
            let (branches, switches) = remotes(n, &log);
            let mut joined = target.build(branches);
            assert!(poll(joined.as_mut()).await.is_pending());
            // Two started branches finish without deciding (race: none does).
            let finished = if matches!(target, Target::RaceMacro | Target::Race) { 0 } else { 2 };
            for (i, switch) in switches.iter().enumerate().take(finished) {
                switch.complete(undeciding(target, u32::try_from(i).unwrap()));
            }
            assert!(poll(joined.as_mut()).await.is_pending(), "{target:?}");
            assert_eq!(support::cancelled(&switches), 0, "{target:?}");
            drop(joined);
            assert_all_over(target, &switches, n - finished, &log);
        }
    }

    async fn dropping_a_combinator_before_its_first_poll_drops_every_branch_unpolled() {
        for target in targets(2) {
            let n = target.arity(7);
            let log = Log::new();
            let (branches, switches) = remotes(n, &log);
            drop(target.build(branches));
            assert_all_over(target, &switches, n, &log);
            assert!(!switches.iter().any(Switch::was_polled), "{target:?}: futures are lazy");
        }
    }

    async fn settled_never_drops_a_branch_before_it_finished() {
        for target in targets(3).into_iter().filter(|t| !t.short_circuits()) {
            let n = target.arity(12);
            let log = Log::new();
            let (branches, switches) = remotes(n, &log);
            let mut joined = target.build(branches);
            let outputs: Vec<Out> = (0..n)
                .map(|i| {
                    let i = u32::try_from(i).unwrap();
                    if i % 3 == 0 { Err(i) } else { Ok(i) }
                })
                .collect();
            assert!(poll(joined.as_mut()).await.is_pending());
            // Finish in reverse order, errors included; nothing is ever dropped early.
            for i in (0..n).rev() {
                assert_eq!(support::cancelled(&switches), 0, "{target:?}");
                switches[i].complete(outputs[i]);
                let polled = poll(joined.as_mut()).await;
                // Under a limit, a branch given its output before it started
                // finishes when it starts.
                if i > 0 {
                    assert!(polled.is_pending(), "{target:?} finished early");
                } else {
                    assert_eq!(polled, Poll::Ready(Outcome::Settled(outputs.clone())), "{target:?}");
                }
            }
            assert_all_over(target, &switches, 0, &log);
        }
    }

    async fn outputs_kept_by_a_join_are_dropped_with_it() {
        // settled! and parallel! keep finished branches' outputs in place.
        let drops = DropCounter::new();
        let log = Log::new();
        let (a, sa) = guarded(&log, 0, &drops);
        let (b, sb) = guarded(&log, 1, &drops);
        let (c, _sc) = guarded(&log, 2, &drops);
        let mut both = Box::pin(parallel!(a, b, c));
        assert!(poll(both.as_mut()).await.is_pending());
        sa.complete(Ok(()));
        sb.complete(Ok(()));
        assert!(poll(both.as_mut()).await.is_pending());
        assert_eq!(drops.dropped(), 0);
        drop(both);
        // Two kept outputs and one running branch's guard.
        assert_eq!(drops.dropped(), 3);

        let drops = DropCounter::new();
        let (a, sa) = guarded(&log, 0, &drops);
        let (b, _sb) = guarded(&log, 1, &drops);
        let mut every = Box::pin(settled!(a, b));
        assert!(poll(every.as_mut()).await.is_pending());
        sa.complete(Ok(()));
        assert!(poll(every.as_mut()).await.is_pending());
        drop(every);
        assert_eq!(drops.dropped(), 2);

        // The collections keep them in their output buffer.
        let drops = DropCounter::new();
        let (branches, switches): (Vec<_>, Vec<_>) = (0..6).map(|i| guarded(&log, i, &drops)).unzip();
        let mut all = parallel(branches);
        assert!(poll(Pin::new(&mut all)).await.is_pending());
        for switch in &switches[..3] {
            switch.complete(Ok(()));
        }
        assert!(poll(Pin::new(&mut all)).await.is_pending());
        assert_eq!(drops.dropped(), 0);
        drop(all);
        assert_eq!(drops.dropped(), 6);

        let drops = DropCounter::new();
        let (branches, switches): (Vec<_>, Vec<_>) = (0..6).map(|i| guarded(&log, i, &drops)).unzip();
        let mut every = settled(branches).limit(2);
        assert!(poll(Pin::new(&mut every)).await.is_pending());
        switches[0].complete(Ok(()));
        switches[3].complete(Ok(())); // not started yet
        assert!(poll(Pin::new(&mut every)).await.is_pending());
        drop(every);
        assert_eq!(drops.dropped(), 6);
    }

    async fn a_timeout_over_any_join_drops_every_branch_before_it_reports_elapsed() {
        for target in targets(5) {
            let n = target.arity(25);
            let log = Log::new();
            let (branches, switches) = remotes(n, &log);
            let mut limited = std::pin::pin!(target.build(branches).timeout(Duration::ZERO));
            assert_eq!(
                poll(limited.as_mut()).await,
                Poll::Ready(Err(Elapsed::new(Duration::ZERO))),
                "{target:?}"
            );
            // The `Timeout` is alive; everything under it is gone.
            let started = match target {
                Target::ParallelLimit(n) | Target::SettledLimit(n) => n,
                _ => n,
            };
            assert_eq!(switches.iter().filter(|s| s.was_polled()).count(), started, "{target:?}");
            assert_all_over(target, &switches, n, &log);
        }
    }

    async fn cancellation_reaches_every_level_of_nested_joins() {
        let log = Log::new();
        let (deep, deep_switches) = remotes_from::<Out>(0, 40, &log);
        let (kept, kept_switches) = remotes_from::<Out>(100, 5, &log);
        let (fast, fast_switches) = remotes_from::<Out>(200, 2, &log);
        let (any, any_switches) = remotes_from::<Out>(300, 50, &log);
        let [f0, f1] = <[Remote<Out>; 2]>::try_from(fast).unwrap();
        let mut nested = std::pin::pin!(parallel!(
            parallel(deep).limit(10),
            async { Ok::<_, u32>(settled(kept).await) },
            async { race!(f0, f1).await },
            async { first_ok(any).await.map_err(|all| u32::try_from(all.len()).unwrap()) },
        ));
        assert!(poll(nested.as_mut()).await.is_pending());
        kept_switches[1].complete(Ok(1));
        any_switches[7].complete(Err(7));
        assert!(poll(nested.as_mut()).await.is_pending());
        // The deepest branch fails.
        deep_switches[3].complete(Err(3));
        assert_eq!(poll(nested.as_mut()).await, Poll::Ready(Err(3)));
        let every: Vec<Switch<Out>> = [deep_switches, kept_switches, fast_switches, any_switches].concat();
        assert!(every.iter().all(Switch::is_over), "a nested branch outlived the join");
        // All but the three that finished.
        assert_eq!(support::cancelled(&every), 40 + 5 + 2 + 50 - 3);
        log.assert_no_poll_after_the_end();
    }

    async fn branches_ready_in_the_same_poll_the_first_in_input_order_decides() {
        for target in targets(20).into_iter().filter(|t| t.short_circuits()) {
            let n = target.arity(12);
            let log = Log::new();
            let (branches, switches) = remotes(n, &log);
            let mut joined = target.build(branches);
            assert!(poll(joined.as_mut()).await.is_pending());
            // Branch 9 gets its output first, then branch 4, before the next poll.
            switches[9].complete(deciding(target, 9).unwrap());
            switches[4].complete(deciding(target, 4).unwrap());
            let Poll::Ready(out) = poll(joined.as_mut()).await else { panic!("{target:?}") };
            let winner = match out {
                Outcome::All(Err(i)) | Outcome::Race(Ok(i)) | Outcome::FirstOk(Ok(i)) => i,
                other => panic!("{target:?}: {other:?}"),
            };
            assert_eq!(winner, 4, "{target:?}");
            // Branch 9's output was never taken: it was dropped with the rest.
            assert!(!switches[9].is_completed() && switches[9].is_dropped(), "{target:?}");
            assert_all_over(target, &switches, n - 1, &log);
        }
    }

    async fn a_race_winner_drops_the_losers_before_ready() {
        on_virtual_time(async {
            // With timers (virtual ones), checked right after `.await` too.
            let drops = DropCounter::new();
            let winner = race!(
                common::finish_after(drops.guard(), common::FOREVER, "slow"),
                common::finish_after(drops.guard(), common::ms(5), "fast"),
                common::finish_after(drops.guard(), common::FOREVER, "slower"),
            )
            .await;
            assert_eq!((winner, drops.dropped()), ("fast", 2));
            let drops = DropCounter::new();
            let any = first_ok!(
                common::finish_after(drops.guard(), Duration::ZERO, Err::<&str, &str>("down")),
                common::finish_after(drops.guard(), common::ms(5), Ok::<_, &str>("up")),
                common::finish_after(drops.guard(), common::FOREVER, Ok::<_, &str>("slow")),
            )
            .await;
            assert_eq!((any, drops.dropped()), (Ok("up"), 1));
        })
        .await;
    }
}
