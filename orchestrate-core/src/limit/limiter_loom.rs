//! Model-checks of the limiter's count with loom: permits are taken and
//! returned by a compare-and-swap while no one waits, and handed to waiters
//! under the lock once someone does, so every race between the two must
//! leave each permit with exactly one owner, wake every waiter it is granted
//! to, and never let a caller in ahead of a queued waiter. A waiter that is
//! never woken leaves its thread blocked, which loom reports as a deadlock,
//! and a write its holder made before returning a permit must be seen by
//! whoever takes it next.
//! Run with `RUSTFLAGS="--cfg loom" cargo test -p orchestrate-core --release
//! --lib loom`.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use loom::future::block_on;
use loom::sync::Arc;
use loom::sync::atomic::{AtomicUsize, Ordering};
use loom::thread;

use super::{Limiter, ONE};

/// A limiter of 1 whose permit the caller holds (taken as a `Permit` would
/// be, and returned with `release`).
fn limiter_of_one_held() -> Arc<Limiter> {
    let limiter = Arc::new(Limiter::new(1));
    assert!(limiter.try_take());
    limiter
}

/// All permits back, no one queued, and the queued bit clear.
fn assert_idle(limiter: &Limiter) {
    assert_eq!(limiter.in_flight(), 0);
    assert_eq!(limiter.waiting(), 0);
    assert_eq!(limiter.count.load(Ordering::Relaxed), limiter.limit() * ONE);
}

/// Polls `future` once with a waker that does nothing: it must be pending.
fn poll_pending<F: Future + ?Sized>(future: Pin<&mut F>) {
    let mut cx = Context::from_waker(Waker::noop());
    assert!(future.poll(&mut cx).is_pending());
}

#[test]
fn loom_a_release_racing_a_waiter_that_queues_wakes_it_with_the_permit() {
    loom::model(|| {
        let limiter = limiter_of_one_held();
        // Written by the holder with no ordering of its own: the permit
        // must carry it to the next holder.
        let written = Arc::new(AtomicUsize::new(0));
        let waiter = {
            let (limiter, written) = (Arc::clone(&limiter), Arc::clone(&written));
            thread::spawn(move || {
                let permit = block_on(limiter.acquire());
                assert_eq!(written.load(Ordering::Relaxed), 1);
                assert_eq!(limiter.in_flight(), 1);
                drop(permit);
            })
        };
        written.store(1, Ordering::Relaxed);
        limiter.release();
        waiter.join().unwrap();
        assert_idle(&limiter);
    });
}

#[test]
fn loom_two_takers_racing_for_one_permit_one_wins() {
    loom::model(|| {
        let limiter = Arc::new(Limiter::new(1));
        let other = {
            let limiter = Arc::clone(&limiter);
            thread::spawn(move || limiter.try_acquire().map(std::mem::forget).is_some())
        };
        let won = block_on(async {
            let mut acquire = Box::pin(limiter.acquire());
            std::future::poll_fn(|cx| match acquire.as_mut().poll(cx) {
                Poll::Ready(permit) => {
                    std::mem::forget(permit);
                    Poll::Ready(true)
                }
                // Queued behind the other's permit: leaves the queue.
                Poll::Pending => Poll::Ready(false),
            })
            .await
        });
        let other_won = other.join().unwrap();
        assert!(won != other_won, "both took it: {won}");
        assert_eq!(limiter.in_flight(), 1);
        limiter.release();
        assert_idle(&limiter);
    });
}

#[test]
fn loom_a_cancelled_granted_waiter_passes_its_permit_on() {
    loom::model(|| {
        let limiter = limiter_of_one_held();
        let written = Arc::new(AtomicUsize::new(0));
        let mut first = Box::pin(limiter.acquire());
        poll_pending(first.as_mut());
        let second = {
            let (limiter, written) = (Arc::clone(&limiter), Arc::clone(&written));
            thread::spawn(move || {
                let permit = block_on(limiter.acquire());
                // Through the first waiter's hands or not, the permit
                // carries what its holder wrote.
                assert_eq!(written.load(Ordering::Relaxed), 1);
                drop(permit);
            })
        };
        let releaser = {
            let (limiter, written) = (Arc::clone(&limiter), Arc::clone(&written));
            thread::spawn(move || {
                written.store(1, Ordering::Relaxed);
                limiter.release();
            })
        };
        // Before or after its grant: either way the second gets the permit.
        drop(first);
        releaser.join().unwrap();
        second.join().unwrap();
        assert_idle(&limiter);
    });
}

#[test]
fn loom_try_acquire_racing_a_release_never_goes_ahead_of_a_queued_waiter() {
    loom::model(|| {
        let limiter = limiter_of_one_held();
        let mut queued = Box::pin(limiter.acquire());
        poll_pending(queued.as_mut());
        let taker = {
            let limiter = Arc::clone(&limiter);
            thread::spawn(move || limiter.try_acquire().map(std::mem::forget).is_some())
        };
        limiter.release();
        assert!(!taker.join().unwrap(), "went ahead of the queued waiter");
        let mut cx = Context::from_waker(Waker::noop());
        let Poll::Ready(permit) = queued.as_mut().poll(&mut cx) else {
            panic!("the released permit went to the queued waiter");
        };
        drop(permit);
        drop(queued);
        assert_idle(&limiter);
    });
}

#[test]
fn loom_a_granted_waiter_polled_without_a_wake_up_takes_its_permit_and_its_holders_writes() {
    loom::model(|| {
        let limiter = limiter_of_one_held();
        let written = Arc::new(AtomicUsize::new(0));
        let mut waiter = Box::pin(limiter.acquire());
        poll_pending(waiter.as_mut());
        let holder = {
            let (limiter, written) = (Arc::clone(&limiter), Arc::clone(&written));
            thread::spawn(move || {
                written.store(1, Ordering::Relaxed);
                limiter.release();
            })
        };
        // Polled again and again, never woken: once granted, it takes the
        // permit without the lock.
        let permit = loop {
            let mut cx = Context::from_waker(Waker::noop());
            if let Poll::Ready(permit) = waiter.as_mut().poll(&mut cx) {
                break permit;
            }
            thread::yield_now();
        };
        assert_eq!(written.load(Ordering::Relaxed), 1);
        drop(permit);
        drop(waiter);
        holder.join().unwrap();
        assert_idle(&limiter);
    });
}
