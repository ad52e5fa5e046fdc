//! Wakes in adversarial orders, under a hand-written executor ([`Exec`]) that
//! polls only when the waker of its *latest* poll was woken, and fails with
//! "lost wake" instead of hanging.
//!
//! For every combinator (the four macros, the four functions, `.limit(n)`) and
//! for `Timeout` (its own cases: `tests/wakes_timeout.rs`):
//! - wakers called from other threads, each completion handed over while the
//!   executor may be polling;
//! - wakes before `Pending` is returned (inline, and from another thread that
//!   the poll waits for);
//! - spurious wakes of every branch from another thread, and spurious polls;
//! - wakes after a branch completed (a stale slot), after the combinator
//!   completed, and after it was dropped;
//! - the same waker cloned a thousand times and woken through every clone,
//!   with no clone leaked;
//! - a new waker at every poll: the combinator must wake the latest one.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::Instant;

use support::{
    Exec, Flag, LOST_WAKE, Log, Once, Out, Outcome, Policy, Switch, Target, remotes, targets,
};

/// The limit of the `.limit(n)` targets here.
const LIMIT: usize = 5;

/// Branches per collection target.
const BRANCHES: usize = 40;

/// A completion order that is not input order (fixed, so failures repeat).
fn shuffled(n: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    let mut seed: u64 = 0x2545_F491_4F6C_DD1D;
    for i in (1..n).rev() {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        order.swap(i, usize::try_from(seed % (i as u64 + 1)).unwrap());
    }
    order
}

/// Outputs for `target`: the branch three quarters of the way through
/// `order` decides (fails `parallel`, succeeds `first_ok`); every other
/// branch does not.
fn outputs_for(target: Target, order: &[usize]) -> Vec<Out> {
    let deciding_branch = order[order.len() * 3 / 4];
    (0..order.len())
        .map(|i| {
            let v = u32::try_from(i).unwrap();
            let decides = i == deciding_branch;
            match target {
                Target::FirstOkMacro | Target::FirstOk => {
                    if decides {
                        Ok(v)
                    } else {
                        Err(v)
                    }
                }
                Target::SettledMacro | Target::Settled | Target::SettledLimit(_) => {
                    if i % 3 == 0 {
                        Err(v)
                    } else {
                        Ok(v)
                    }
                }
                _ => {
                    if decides {
                        Err(v)
                    } else {
                        Ok(v)
                    }
                }
            }
        })
        .collect()
}

/// Completes the branches in `order` from a new thread, each once the
/// combinator took the previous one (if it had started it), until `done`.
fn complete_from_thread(
    switches: Vec<Switch<Out>>,
    order: Vec<usize>,
    outputs: Vec<Out>,
    done: Once,
) -> thread::JoinHandle<()> {
    thread::spawn(move || {
        for i in order {
            if done.is_set() {
                return;
            }
            switches[i].complete(outputs[i]);
            let start = Instant::now();
            while switches[i].was_polled() && !switches[i].is_over() && !done.is_set() {
                assert!(start.elapsed() < LOST_WAKE, "branch {i} was never taken");
                thread::yield_now();
            }
        }
    })
}

/// Checks what every run must end with: the outcome the arrivals decide,
/// every branch over, nothing polled after its end.
fn check_outcome(
    target: Target,
    out: &Outcome,
    outputs: &[Out],
    log: &Log,
    switches: &[Switch<Out>],
) {
    assert_eq!(
        out,
        &target.expected(outputs, &log.arrivals()),
        "{target:?}"
    );
    assert!(
        support::all_over(switches),
        "{target:?}: a branch outlived the combinator"
    );
    if !target.short_circuits() {
        assert_eq!(
            support::cancelled(switches),
            0,
            "{target:?}: settled dropped a branch"
        );
    }
    log.assert_no_poll_after_the_end();
}

/// Every target, with branches completed from another thread, under `policy`;
/// `prepare` runs on the switches before the first poll.
fn cross_thread(policy: Policy, prepare: impl Fn(&[Switch<Out>])) {
    for target in targets(LIMIT) {
        let n = target.arity(BRANCHES);
        let log = Log::new();
        let (branches, switches) = remotes(n, &log);
        prepare(&switches);
        let order = shuffled(n);
        let outputs = outputs_for(target, &order);
        let mut exec = Exec::new(target.build(branches), policy);
        let done = Once::default();
        let completer =
            complete_from_thread(switches.clone(), order, outputs.clone(), done.clone());
        let out = exec.run();
        done.set();
        completer.join().expect("the completing thread");
        check_outcome(target, &out, &outputs, &log, &switches);
    }
}

// ------------------------------------------------------- from other threads

#[test]
fn wakes_from_other_threads() {
    cross_thread(Policy::default(), |_| {});
}

#[test]
fn wakes_from_other_threads_with_a_new_waker_at_every_poll() {
    cross_thread(
        Policy {
            fresh_waker_each_poll: true,
            spurious_polls: 0,
        },
        |_| {},
    );
}

#[test]
fn wakes_from_other_threads_with_spurious_polls() {
    cross_thread(
        Policy {
            fresh_waker_each_poll: true,
            spurious_polls: 2,
        },
        |_| {},
    );
}

// -------------------------------------------------- before Pending returns

#[test]
fn wakes_before_pending_is_returned_inline() {
    // Every branch wakes its own waker before returning `Pending`, thrice.
    cross_thread(
        Policy {
            fresh_waker_each_poll: true,
            spurious_polls: 0,
        },
        |switches| {
            for switch in switches {
                switch.self_wake(3);
            }
        },
    );
}

#[test]
fn wakes_before_pending_is_returned_from_another_thread_through_many_clones() {
    // At its first poll every branch clones the waker 1000 times and wakes
    // through every clone from another thread, then returns `Pending`.
    cross_thread(Policy::default(), |switches| {
        for switch in switches {
            switch.clone_storm(1000);
        }
    });
}

// ----------------------------------------------------------------- spurious

#[test]
fn spurious_wakes_of_every_branch_from_another_thread() {
    for target in targets(LIMIT) {
        let n = target.arity(BRANCHES);
        let log = Log::new();
        let (branches, switches) = remotes(n, &log);
        let order = shuffled(n);
        let outputs = outputs_for(target, &order);
        let mut exec = Exec::new(
            target.build(branches),
            Policy {
                fresh_waker_each_poll: true,
                spurious_polls: 1,
            },
        );
        // Every branch has a waker once polled; the noise starts before any
        // output is given.
        assert!(exec.poll().is_pending());
        let done = Once::default();
        let woken = Arc::new(AtomicUsize::new(0));
        let noise = {
            let (switches, done, woken) = (switches.clone(), done.clone(), Arc::clone(&woken));
            thread::spawn(move || {
                while !done.is_set() {
                    for switch in &switches {
                        woken.fetch_add(usize::from(switch.wake()), Ordering::SeqCst);
                    }
                    thread::yield_now();
                }
            })
        };
        while woken.load(Ordering::SeqCst) == 0 {
            thread::yield_now();
        }
        let completer =
            complete_from_thread(switches.clone(), order, outputs.clone(), done.clone());
        let out = exec.run();
        done.set();
        completer.join().expect("the completing thread");
        noise.join().expect("the waking thread");
        check_outcome(target, &out, &outputs, &log, &switches);
    }
}

// ------------------------------------------------------------ free-for-all

#[test]
fn completions_racing_from_many_threads_lose_no_wake() {
    // No hand-over: four threads give outputs to disjoint quarters of the
    // branches as fast as they can, each also waking random branches for
    // nothing, while the executor polls; the branches' own wakes (marks in
    // the ready set, budgets running out) race the executor's drains.
    for round in 0..8 {
        for target in targets(LIMIT + round) {
            let n = target.arity(1_000);
            let log = Log::new();
            let (branches, switches) = remotes(n, &log);
            if round % 2 == 1 {
                switches.iter().step_by(7).for_each(|s| s.self_wake(2));
            }
            let order = shuffled(n);
            let outputs = outputs_for(target, &order);
            let mut exec = Exec::new(
                target.build(branches),
                Policy {
                    fresh_waker_each_poll: round % 4 < 2,
                    spurious_polls: 0,
                },
            );
            let done = Once::default();
            let threads: Vec<_> = (0..4)
                .map(|t| {
                    let (switches, outputs, done) =
                        (switches.clone(), outputs.clone(), done.clone());
                    let mine: Vec<usize> = order.iter().copied().skip(t).step_by(4).collect();
                    thread::spawn(move || {
                        for (k, i) in mine.into_iter().enumerate() {
                            if done.is_set() {
                                return;
                            }
                            switches[i].complete(outputs[i]);
                            switches[(i * 31 + k) % switches.len()].wake();
                        }
                    })
                })
                .collect();
            let out = exec.run();
            done.set();
            for thread in threads {
                thread.join().expect("a completing thread");
            }
            check_outcome(target, &out, &outputs, &log, &switches);
        }
    }
}

// ---------------------------------------------------------- after the end

#[test]
fn stale_wakes_of_finished_branches_poll_nothing() {
    for target in targets(LIMIT) {
        let n = target.arity(BRANCHES);
        let log = Log::new();
        let (branches, switches) = remotes(n, &log);
        let mut exec = Exec::new(target.build(branches), Policy::default());
        assert!(exec.poll().is_pending());
        // Branch 0 finishes without deciding anything; then its waker keeps
        // being woken while the combinator runs on.
        if matches!(target, Target::RaceMacro | Target::Race) {
            continue;
        }
        let undeciding = if matches!(target, Target::FirstOkMacro | Target::FirstOk) {
            Err(0)
        } else {
            Ok(0)
        };
        switches[0].complete(undeciding);
        assert!(
            exec.poll_if_woken().expect("woken").is_pending(),
            "{target:?}"
        );
        assert!(switches[0].is_completed());
        for _ in 0..3 {
            assert!(switches[0].wake(), "the waker is kept");
            // Polls whatever is in the slot now; a finished branch panics if polled.
            assert!(
                exec.poll_if_woken().expect("woken").is_pending(),
                "{target:?}"
            );
        }
        drop(exec);
        log.assert_no_poll_after_the_end();
    }
}

#[test]
fn wakes_after_the_combinator_completed_or_was_dropped_are_harmless() {
    for target in targets(LIMIT) {
        for drop_it in [false, true] {
            let n = target.arity(BRANCHES);
            let log = Log::new();
            let (branches, switches) = remotes(n, &log);
            let mut exec = Exec::new(target.build(branches), Policy::default());
            assert!(exec.poll().is_pending());
            let wakers: Vec<_> = switches.iter().filter_map(Switch::waker).collect();
            assert!(!wakers.is_empty());
            if drop_it {
                drop(exec.into_future());
            } else {
                for (i, switch) in switches.iter().enumerate() {
                    switch.complete(
                        if matches!(target, Target::FirstOkMacro | Target::FirstOk) {
                            Ok(u32::try_from(i).unwrap())
                        } else {
                            Err(u32::try_from(i).unwrap())
                        },
                    );
                }
                let out = exec.run();
                assert!(matches!(
                    out,
                    Outcome::All(Err(_))
                        | Outcome::Race(_)
                        | Outcome::FirstOk(Ok(_))
                        | Outcome::Settled(_)
                ));
            }
            // Every branch's waker, from several threads at once, long after.
            let threads: Vec<_> = (0..4)
                .map(|_| {
                    let wakers = wakers.clone();
                    thread::spawn(move || {
                        for waker in &wakers {
                            waker.wake_by_ref();
                        }
                        wakers.into_iter().for_each(std::task::Waker::wake);
                    })
                })
                .collect();
            for thread in threads {
                thread.join().expect("a late waker panicked");
            }
            for switch in &switches {
                switch.wake();
            }
            assert!(support::all_over(&switches), "{target:?}");
            log.assert_no_poll_after_the_end();
        }
    }
}

// ------------------------------------------------------- while cancelling

#[test]
fn branches_that_wake_while_being_dropped() {
    // Every branch wakes its waker (by reference, through a clone, and from
    // another thread) from its destructor: while the combinator cancels it on
    // a deciding output, while the combinator is dropped mid-flight, and as
    // `settled` drops each finished branch.
    for target in targets(LIMIT) {
        for mid_flight in [false, true] {
            let n = target.arity(BRANCHES);
            let log = Log::new();
            let (branches, switches) = remotes(n, &log);
            for switch in &switches {
                switch.wake_on_drop();
            }
            let order = shuffled(n);
            let outputs = outputs_for(target, &order);
            let mut exec = Exec::new(target.build(branches), Policy::default());
            assert!(exec.poll().is_pending());
            if mid_flight {
                switches[order[0]].complete(outputs[order[0]]);
                let _ = exec.poll_if_woken();
                drop(exec);
                assert!(support::all_over(&switches), "{target:?}");
                log.assert_no_poll_after_the_end();
                continue;
            }
            let done = Once::default();
            let completer =
                complete_from_thread(switches.clone(), order, outputs.clone(), done.clone());
            let out = exec.run();
            done.set();
            completer.join().expect("the completing thread");
            check_outcome(target, &out, &outputs, &log, &switches);
        }
    }
}

// ------------------------------------------------------------------- clones

#[test]
fn no_waker_clone_outlives_the_combinator() {
    for target in targets(LIMIT) {
        let n = target.arity(BRANCHES);
        let log = Log::new();
        let (branches, switches) = remotes(n, &log);
        for switch in &switches {
            switch.clone_storm(100);
        }
        let order = shuffled(n);
        let outputs = outputs_for(target, &order);
        let mut exec = Exec::new(
            target.build(branches),
            Policy {
                fresh_waker_each_poll: true,
                spurious_polls: 0,
            },
        );
        let done = Once::default();
        let completer =
            complete_from_thread(switches.clone(), order, outputs.clone(), done.clone());
        let out = exec.run();
        done.set();
        completer.join().expect("the completing thread");
        check_outcome(target, &out, &outputs, &log, &switches);
        let flags: Vec<Arc<Flag>> = exec.flags.clone();
        drop(exec);
        drop(switches);
        for (i, flag) in flags.iter().enumerate() {
            assert_eq!(
                Arc::strong_count(flag),
                1,
                "{target:?}: a clone of waker {i} leaked"
            );
        }
    }
}

// ------------------------------------------------------------ latest waker

#[test]
fn the_latest_waker_is_woken_not_an_earlier_one() {
    for target in targets(LIMIT) {
        let n = target.arity(BRANCHES);
        let log = Log::new();
        let (branches, switches) = remotes(n, &log);
        let mut exec = Exec::new(
            target.build(branches),
            Policy {
                fresh_waker_each_poll: true,
                spurious_polls: 0,
            },
        );
        // Three polls, each with its own waker, nothing completed in between.
        for _ in 0..3 {
            assert!(exec.poll().is_pending());
        }
        let (first, latest) = (Arc::clone(&exec.flags[0]), Arc::clone(exec.flag()));
        // A started branch completes, from another thread.
        let switch = switches[1].clone();
        thread::spawn(move || assert!(switch.complete(Ok(1))))
            .join()
            .expect("the completing thread");
        assert!(
            latest.wakes() >= 1,
            "{target:?}: the latest waker was not woken"
        );
        assert_eq!(first.wakes(), 0, "{target:?}: a stale waker was woken");
        assert_eq!(exec.stale_wakes(), 0, "{target:?}");
        drop(exec);
        log.assert_no_poll_after_the_end();
    }
}
