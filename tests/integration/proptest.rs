//! Property tests: every combinator over 1 to 300 branches (the macros over
//! 12) that complete in a random order, in random batches, with random
//! outcomes, polled by a hand-written executor that sometimes hands a fresh
//! waker to every poll, sometimes polls for no reason, and sometimes drops the
//! combinator half-way.
//!
//! After every poll:
//! - completing a branch that was polled woke the task's *latest* waker;
//! - a `Pending` combinator has not yet received an output that decides it
//!   (fail-fast: the first `Err` to arrive ends `parallel` in the poll that
//!   received it);
//! - at `Ready`, the output is the one the arrivals (as logged by the branches)
//!   decide, in input order; every branch has completed or been dropped, before
//!   the combinator is dropped; `settled` dropped nothing; nothing arrived after
//!   the deciding output;
//! - no branch was ever polled after it completed or was dropped;
//! - dropping the combinator mid-flight drops every branch.
//!
//! `PROPTEST_CASES` sets the cases per property (default below).

use std::task::Poll;

use proptest::prelude::*;
use proptest::test_runner::Config;
use support::{Exec, Log, MACRO_ARITY, Out, Policy, Target, remotes};

/// Cases per property when `PROPTEST_CASES` is not set: 10 properties, so
/// 1280 cases in all, a few seconds in a debug build.
const CASES: u32 = 128;

#[derive(Debug, Clone)]
struct Case {
    outputs: Vec<Out>,
    /// The order the test completes the branches in.
    order: Vec<usize>,
    /// How many branches to complete before each chance to poll.
    batches: Vec<usize>,
    fresh_waker_each_poll: bool,
    spurious_polls: usize,
    /// Drop the combinator after this many batches, if it is still running.
    drop_after: Option<usize>,
    /// `.limit(n)` for the targets that take it.
    limit: usize,
}

/// Cases over `n` branches, `n` in `sizes`.
fn cases(sizes: std::ops::RangeInclusive<usize>) -> impl Strategy<Value = Case> {
    sizes.prop_flat_map(|n| {
        (
            // Error probability: none, rare, half, all.
            prop_oneof![Just(0.0), Just(0.05), Just(0.5), Just(1.0)],
            Just((0..n).collect::<Vec<_>>()).prop_shuffle(),
            prop::collection::vec(1..4_usize, n),
            any::<bool>(),
            0..3_usize,
            prop::option::weighted(0.15, 0..40_usize),
            1..=n,
            prop::collection::vec(0.0..1.0_f64, n),
        )
            .prop_map(
                move |(p, order, batches, fresh, spurious, drop_after, limit, dice)| Case {
                    outputs: dice
                        .iter()
                        .enumerate()
                        .map(|(i, &d)| {
                            let i = u32::try_from(i).expect("small");
                            if d < p { Err(1000 + i) } else { Ok(i) }
                        })
                        .collect(),
                    order,
                    batches,
                    fresh_waker_each_poll: fresh,
                    spurious_polls: spurious,
                    drop_after,
                    limit,
                },
            )
    })
}

/// Runs one case against `target` and checks every property.
#[allow(clippy::too_many_lines)] // one scenario, checked step by step
fn check(target: Target, case: &Case) -> Result<(), TestCaseError> {
    let n = case.outputs.len();
    assert_eq!(
        n,
        target.arity(n),
        "cases are generated at the target's arity"
    );
    let target = match target {
        Target::ParallelLimit(_) => Target::ParallelLimit(case.limit),
        Target::SettledLimit(_) => Target::SettledLimit(case.limit),
        other => other,
    };
    let log = Log::new();
    let (branches, switches) = remotes::<Out>(n, &log);
    let policy = Policy {
        fresh_waker_each_poll: case.fresh_waker_each_poll,
        spurious_polls: case.spurious_polls,
    };
    let mut exec = Exec::new(target.build(branches), policy);

    // Branches given an output whose arrival the combinator has not logged.
    let mut waiting: Vec<usize> = Vec::new();
    let mut arrived: Vec<(usize, Out)> = Vec::new();
    let mut order = case.order.iter().copied();
    let mut outcome = None;
    let mut batches = case.batches.iter().copied().cycle().enumerate();

    let mut polled = exec.poll();
    loop {
        // What the last poll received.
        waiting.retain(|&i| {
            let done = switches[i].is_completed();
            if done {
                arrived.push((i, case.outputs[i]));
            }
            !done
        });
        match polled {
            Poll::Ready(out) => {
                outcome = Some(out);
                break;
            }
            Poll::Pending => prop_assert!(
                !target.is_decided(n, &arrived),
                "{target:?} still pending after receiving a deciding output: {:?}",
                log.arrivals()
            ),
        }
        let (batch_no, batch) = batches.next().expect("cycles");
        if case.drop_after == Some(batch_no) {
            break;
        }
        let mut completed_any = false;
        for i in order.by_ref().take(batch) {
            let had_waker = switches[i].was_polled();
            if switches[i].complete(case.outputs[i]) {
                completed_any = true;
                waiting.push(i);
                if had_waker {
                    prop_assert!(
                        exec.flag().is_woken(),
                        "{target:?}: completing branch {i} did not wake the latest waker"
                    );
                }
            }
        }
        polled = match exec.poll_if_woken() {
            Some(poll) => poll,
            None if completed_any || !waiting.is_empty() => {
                // Only branches not started yet were completed: no wake due.
                prop_assert!(
                    waiting.iter().all(|&i| !switches[i].was_polled()),
                    "{target:?}: a polled branch has an output and the task was not woken"
                );
                prop_assert!(
                    order.len() > 0,
                    "{target:?} stalled: every output given, not woken"
                );
                Poll::Pending
            }
            None => {
                prop_assert!(
                    order.len() > 0,
                    "{target:?} stalled: pending with no branch left"
                );
                Poll::Pending
            }
        };
    }

    log.assert_no_poll_after_the_end();
    let Some(outcome) = outcome else {
        // Dropped mid-flight: every branch goes with it.
        let future = exec.into_future();
        drop(future);
        prop_assert!(
            support::all_over(&switches),
            "a branch outlived the dropped {target:?}"
        );
        if !target.short_circuits() {
            prop_assert_eq!(
                support::cancelled(&switches),
                n - log.arrivals().len(),
                "only unfinished branches are cancelled"
            );
        }
        return Ok(());
    };

    let arrivals = log.arrivals();
    prop_assert_eq!(
        &outcome,
        &target.expected(&case.outputs, &arrivals),
        "{:?}",
        target
    );
    prop_assert!(
        support::all_over(&switches),
        "{target:?} completed while a branch was still alive"
    );
    if target.short_circuits() {
        let (decisive, before) = arrivals.split_last().expect("something arrived");
        let before: Vec<(usize, Out)> = before.iter().map(|&i| (i, case.outputs[i])).collect();
        prop_assert!(
            !target.is_decided(n, &before),
            "{target:?} received outputs after the deciding one ({decisive})"
        );
    } else {
        prop_assert_eq!(
            support::cancelled(&switches),
            0,
            "settled cancelled a branch"
        );
        prop_assert_eq!(arrivals.len(), n);
    }
    // Every non-arrived branch was cancelled, and nothing twice.
    prop_assert_eq!(support::cancelled(&switches), n - arrivals.len());
    drop(exec);
    log.assert_no_poll_after_the_end();
    Ok(())
}

fn config() -> Config {
    Config {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|cases| cases.parse().ok())
            .unwrap_or(CASES),
        failure_persistence: None,
        ..Config::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn parallel_fn(case in cases(1..=300)) {
        check(Target::Parallel, &case)?;
    }

    #[test]
    fn parallel_fn_limited(case in cases(1..=300)) {
        check(Target::ParallelLimit(1), &case)?;
    }

    #[test]
    fn settled_fn(case in cases(1..=300)) {
        check(Target::Settled, &case)?;
    }

    #[test]
    fn settled_fn_limited(case in cases(1..=300)) {
        check(Target::SettledLimit(1), &case)?;
    }

    #[test]
    fn race_fn(case in cases(1..=300)) {
        check(Target::Race, &case)?;
    }

    #[test]
    fn first_ok_fn(case in cases(1..=300)) {
        check(Target::FirstOk, &case)?;
    }

    #[test]
    fn parallel_macro(case in cases(MACRO_ARITY..=MACRO_ARITY)) {
        check(Target::ParallelMacro, &case)?;
    }

    #[test]
    fn settled_macro(case in cases(MACRO_ARITY..=MACRO_ARITY)) {
        check(Target::SettledMacro, &case)?;
    }

    #[test]
    fn race_macro(case in cases(MACRO_ARITY..=MACRO_ARITY)) {
        check(Target::RaceMacro, &case)?;
    }

    #[test]
    fn first_ok_macro(case in cases(MACRO_ARITY..=MACRO_ARITY)) {
        check(Target::FirstOkMacro, &case)?;
    }
}
