//! The workloads every contender runs, shared by `compare.rs` and `memory.rs`.
//!
//! Two wake patterns, the same two the peers' own benchmarks use:
//!
//! - [`yield_once`]: every branch wakes itself and returns `Pending` on its first
//!   poll, then is ready on the next: each branch is pending exactly once.
//! - [`countdown`]: branch `n - 1` completes first, and each branch that
//!   completes wakes the one before it, so the branches are woken one at a
//!   time, in reverse input order (futures-concurrency's "countdown" futures,
//!   without the shuffle). A join that re-polls every branch on every wake is
//!   quadratic here; one that polls only the woken branch is linear.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

/// Pending once (waking itself), then ready with its value.
pub struct YieldOnce<T> {
    value: Option<T>,
    yielded: bool,
}

/// A branch pending once, then ready with `value`: see [`YieldOnce`].
pub fn yield_once<T>(value: T) -> YieldOnce<T> {
    YieldOnce {
        value: Some(value),
        yielded: false,
    }
}

impl<T: Unpin> Future for YieldOnce<T> {
    type Output = T;

    #[inline]
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        if !self.yielded {
            self.yielded = true;
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        Poll::Ready(
            self.value
                .take()
                .expect("YieldOnce polled after completion"),
        )
    }
}

/// Shared by the branches of one countdown.
struct CountdownState {
    /// Branch `remaining - 1` is the next to complete.
    remaining: Cell<usize>,
    wakers: RefCell<Vec<Option<Waker>>>,
}

/// One branch of a [`countdown`]: ready with its value when its turn comes.
pub struct Countdown<T> {
    state: Rc<CountdownState>,
    index: usize,
    value: Option<T>,
}

/// `n` branches, in input order, each outputting `value(index)`; they complete
/// in reverse order, each woken by the one after it.
pub fn countdown<T>(n: usize, value: impl Fn(usize) -> T) -> impl Iterator<Item = Countdown<T>> {
    let state = Rc::new(CountdownState {
        remaining: Cell::new(n),
        wakers: RefCell::new((0..n).map(|_| None).collect()),
    });
    (0..n).map(move |index| Countdown {
        state: Rc::clone(&state),
        index,
        value: Some(value(index)),
    })
}

impl<T: Unpin> Future for Countdown<T> {
    type Output = T;

    #[inline]
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        let state = &*self.state;
        if state.remaining.get() == self.index + 1 {
            state.remaining.set(self.index);
            if self.index > 0 {
                let next = state.wakers.borrow_mut()[self.index - 1].take();
                if let Some(waker) = next {
                    waker.wake();
                }
            }
            return Poll::Ready(
                self.value
                    .take()
                    .expect("Countdown polled after completion"),
            );
        }
        let mut wakers = state.wakers.borrow_mut();
        let slot = &mut wakers[self.index];
        match slot {
            Some(waker) if waker.will_wake(cx.waker()) => {}
            _ => *slot = Some(cx.waker().clone()),
        }
        Poll::Pending
    }
}

/// Ready at once with its value (`std::future::Ready`, named for symmetry).
pub fn ready<T>(value: T) -> std::future::Ready<T> {
    std::future::ready(value)
}
