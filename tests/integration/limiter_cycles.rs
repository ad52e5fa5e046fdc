//! A property test of `Limiter`'s accounting over many random acquire,
//! cancel, release, panic and run cycles, polled by hand (no runtime, no
//! time): after every step no more than `n` permits are out, the waiters and
//! permits the limiter reports match what the test holds, a free permit never
//! sits next to a queued waiter, grants go in arrival order, and at the end
//! every permit is back (the count returns to `n`).
//!
//! A second test races threads through the lock-free fast path and the
//! queue at once, with the same checks at the end.
//!
//! `LIMITER_CYCLES` sets the number of steps in all, spread over proptest's
//! cases of 1,000 steps: 100,000 by default (about 5 s in a debug build);
//! `LIMITER_CYCLES=1000000` runs the full million (about 45 s in debug on a
//! shared 2-core machine, 4.4 s with `--release`).

use std::collections::VecDeque;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll, Waker};
use std::thread;

use orchestrate::Limiter;
use orchestrate::limit::{Acquire, Permit};
use proptest::prelude::*;

/// Steps per proptest case.
const STEPS: usize = 1_000;

#[derive(Debug, Clone, Copy)]
enum Step {
    /// Poll a new `acquire` once: a permit, or a queued waiter.
    Acquire,
    /// Poll every queued waiter, oldest first.
    PollWaiters,
    /// Drop the queued waiter at this index (mod the queue's length).
    Cancel(usize),
    /// Drop the permit at this index.
    Release(usize),
    /// `try_acquire`.
    TryAcquire,
    /// A `run` whose future panics while holding its permit (or, with no
    /// permit free, is dropped while queued).
    Panic,
    /// A `run` of a ready future, dropped if it has to wait.
    Run,
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        4 => Just(Step::Acquire),
        3 => Just(Step::PollWaiters),
        2 => any::<usize>().prop_map(Step::Cancel),
        4 => any::<usize>().prop_map(Step::Release),
        1 => Just(Step::TryAcquire),
        1 => Just(Step::Panic),
        1 => Just(Step::Run),
    ]
}

fn poll<F: Future + ?Sized>(future: Pin<&mut F>) -> Poll<F::Output> {
    future.poll(&mut Context::from_waker(Waker::noop()))
}

/// What the test holds of the limiter.
struct Model<'a> {
    limiter: &'a Limiter,
    n: usize,
    held: Vec<Permit<'a>>,
    /// In arrival order.
    waiters: VecDeque<Pin<Box<Acquire<'a>>>>,
}

impl Model<'_> {
    fn apply(&mut self, step: Step) {
        match step {
            Step::Acquire => {
                let mut waiter = Box::pin(self.limiter.acquire());
                match poll(waiter.as_mut()) {
                    Poll::Ready(permit) => self.held.push(permit),
                    Poll::Pending => self.waiters.push_back(waiter),
                }
            }
            Step::PollWaiters => {
                let mut pending_seen = false;
                let mut still = VecDeque::new();
                for mut waiter in self.waiters.drain(..) {
                    match poll(waiter.as_mut()) {
                        Poll::Ready(permit) => {
                            assert!(!pending_seen, "a later waiter got its permit first");
                            self.held.push(permit);
                        }
                        Poll::Pending => {
                            pending_seen = true;
                            still.push_back(waiter);
                        }
                    }
                }
                self.waiters = still;
            }
            Step::Cancel(i) if !self.waiters.is_empty() => {
                let i = i % self.waiters.len();
                drop(self.waiters.remove(i));
            }
            Step::Release(i) if !self.held.is_empty() => {
                let i = i % self.held.len();
                drop(self.held.swap_remove(i));
            }
            Step::TryAcquire => {
                let free = self.limiter.in_flight() < self.n;
                match self.limiter.try_acquire() {
                    Some(permit) => {
                        assert!(free);
                        self.held.push(permit);
                    }
                    None => assert!(!free || !self.waiters.is_empty()),
                }
            }
            Step::Panic => {
                let mut run = Box::pin(self.limiter.run(async { panic!("holder panics") }));
                let outcome = catch_unwind(AssertUnwindSafe(|| poll(run.as_mut())));
                assert!(matches!(outcome, Err(_) | Ok(Poll::Pending)));
                drop(run);
            }
            Step::Run => {
                let mut run = Box::pin(self.limiter.run(async { 7 }));
                if let Poll::Ready(out) = poll(run.as_mut()) {
                    assert_eq!(out, 7);
                }
            }
            Step::Cancel(_) | Step::Release(_) => {}
        }
        self.check();
    }

    fn check(&self) {
        let (in_flight, waiting) = (self.limiter.in_flight(), self.limiter.waiting());
        assert!(
            in_flight <= self.n,
            "{in_flight} in flight, limit {}",
            self.n
        );
        // Permits held here, plus those granted to queued waiters that have
        // not taken them yet.
        let granted = in_flight - self.held.len();
        assert_eq!(granted + waiting, self.waiters.len());
        // Work-conserving: a free permit goes to a waiter.
        assert!(in_flight == self.n || waiting == 0);
    }

    fn finish(mut self) {
        self.held.clear();
        self.waiters.clear();
        assert_eq!((self.limiter.in_flight(), self.limiter.waiting()), (0, 0));
        // Every permit is back, and no more.
        let all: Vec<_> = (0..self.n).map(|_| self.limiter.try_acquire()).collect();
        assert!(all.iter().all(Option::is_some));
        assert!(self.limiter.try_acquire().is_none());
    }
}

fn cycles() -> usize {
    std::env::var("LIMITER_CYCLES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(100_000)
}

#[test]
fn acquire_cancel_panic_cycles_lose_no_permit() {
    // The holders' panics are expected: keep them off the output.
    let report = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if info.payload().downcast_ref::<&str>() != Some(&"holder panics") {
            report(info);
        }
    }));
    let cases = u32::try_from(cycles().div_ceil(STEPS)).unwrap_or(u32::MAX);
    let config = ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    proptest!(config, |(n in 1usize..6, steps in proptest::collection::vec(step(), STEPS))| {
        let limiter = Limiter::new(n);
        let mut model = Model { limiter: &limiter, n, held: Vec::new(), waiters: VecDeque::new() };
        for step in steps {
            model.apply(step);
        }
        model.finish();
    });
}

#[test]
fn threads_racing_the_fast_path_and_the_queue_never_exceed_n_and_lose_no_permit() {
    const THREADS: usize = 4;
    const ROUNDS: usize = 5_000;
    let limiter = Limiter::new(2);
    let in_flight = &AtomicUsize::new(0);
    let hold = |permit: Permit<'_>| {
        let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        assert!(now <= 2, "{now} in flight through a limiter of 2");
        thread::yield_now();
        in_flight.fetch_sub(1, Ordering::SeqCst);
        drop(permit);
    };
    thread::scope(|scope| {
        for thread in 0..THREADS {
            let (limiter, hold) = (&limiter, &hold);
            scope.spawn(move || {
                for round in 0..ROUNDS {
                    match (thread + round) % 4 {
                        0 => {
                            if let Some(permit) = limiter.try_acquire() {
                                hold(permit);
                            }
                        }
                        1 => hold(futures::executor::block_on(limiter.acquire())),
                        // Polled once, then cancelled if it had to queue:
                        // a permit granted meanwhile must pass on.
                        2 => {
                            let mut waiter = Box::pin(limiter.acquire());
                            if let Poll::Ready(permit) = poll(waiter.as_mut()) {
                                hold(permit);
                            }
                        }
                        _ => futures::executor::block_on(limiter.run(async {
                            let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                            assert!(now <= 2, "{now} in flight through a limiter of 2");
                            in_flight.fetch_sub(1, Ordering::SeqCst);
                        })),
                    }
                }
            });
        }
    });
    assert_eq!((limiter.in_flight(), limiter.waiting()), (0, 0));
    let all = [limiter.try_acquire(), limiter.try_acquire()];
    assert!(all.iter().all(Option::is_some));
    assert!(limiter.try_acquire().is_none());
}
