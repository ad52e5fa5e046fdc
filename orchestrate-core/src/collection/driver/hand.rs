//! The driver of a completion stream: each output is returned the moment its
//! branch finishes, so nothing is kept for the consumer.
//!
//! Memory per slot: the branch, its waker node and its input index (the link
//! to the next free slot while the slot is free); nothing per output. A poll
//! ends at the first output, so the marks it has not reached wait in
//! [`Taken`] (a drain that stops and goes on) for the next poll, and the freed
//! slot takes the next branch only at the next poll, once the consumer asks
//! for more: a consumer that stops pulling stops the input.

use std::future::Future;
use std::task::{Context, Poll, Waker};

use super::{Branches, Driver, NO_SLOT, PENDING_BUDGET, Source, Wakers, Wakes};
use crate::collection::ready_set::Taken;

/// What a completion stream's poll returns: the next output and its index.
type Next<O> = Poll<Option<(usize, O)>>;

/// A [`Driver`] that hands out `(index, output)` as each branch finishes.
pub(crate) struct HandOut<I, F> {
    driver: Driver<I, F, ()>,
    /// The slots below this were polled once since the first poll filled
    /// them (in input order, as a join's first pass).
    polled: usize,
    /// Marks taken from the wake set and not polled yet.
    taken: Taken,
    /// The last poll returned an output and left the set active: the
    /// consumer polls again when it wants more, with no wake, so marks made
    /// since need none either.
    active: bool,
}

impl<I, F> HandOut<I, F> {
    pub(super) fn new(driver: Driver<I, F, ()>) -> Self {
        HandOut {
            driver,
            polled: 0,
            taken: Taken::default(),
            active: false,
        }
    }

    /// The driver, for `Debug`.
    pub(crate) fn driver(&self) -> &Driver<I, F, ()> {
        &self.driver
    }
}

impl<I, F> HandOut<I, F>
where
    I: Source<F>,
    F: Future,
{
    /// The next output to arrive, with its branch's input index; `None`
    /// once the source has ended and every branch has finished.
    ///
    /// Order within a poll: the first poll's pass over the slots, then the
    /// marks taken and not reached yet (branches woken before the freed
    /// slots take new ones), then the freed slots' next branches, then the
    /// marks made since.
    pub(crate) fn poll_next(&mut self, cx: &mut Context<'_>) -> Next<F::Output> {
        let Driver { wakes, branches } = &mut self.driver;
        if matches!(wakes, Wakes::Unstarted) {
            *wakes = Wakes::Set(Wakers::new(branches.fill(cx)));
        }
        let Wakes::Set(wakers) = wakes else {
            unreachable!("a completion stream's branches have wakers of their own")
        };
        let set = wakers.set();
        // Registering the waker is left for a `Pending` if the set is still
        // active: once per output would cost more than the output's poll.
        let mut registered = !self.active;
        if registered {
            set.begin(cx.waker());
        }
        self.active = true;
        let mut budget = PENDING_BUDGET.max(branches.slots.len() - self.polled);
        // Once the source is pending, it wakes the task when it has more.
        let mut refilling = true;
        loop {
            // One call of `visit` below, so that it is inlined.
            let slot = if self.polled < branches.slots.len() {
                self.polled += 1;
                self.polled - 1
            } else if let Some(slot) = set.next_taken(&mut self.taken) {
                slot
            } else if let Some(slot) = branches.refill(&mut refilling, cx.waker()) {
                slot
            } else if let Some(slot) = set.next(&mut self.taken) {
                slot
            } else if branches.running == 0 && branches.source.is_none() {
                return Poll::Ready(None);
            } else {
                if !registered {
                    // The set is active until `idle`: marks made before it
                    // are seen by it, and those after it wake this waker.
                    set.register(cx.waker());
                    registered = true;
                }
                if set.idle() {
                    self.active = false;
                    return Poll::Pending;
                }
                continue;
            };
            if let Some(poll) = branches.visit(wakers, slot, &mut budget, cx) {
                self.active = poll.is_ready();
                return poll;
            }
        }
    }
}

impl<I, F> Branches<I, F, ()>
where
    I: Source<F>,
    F: Future,
{
    /// Starts the source's next branch in a freed slot, if any, and returns
    /// the slot; once the source has none now, `refilling` turns `false`
    /// (a freed slot waits on the list for the source's wake).
    #[inline]
    fn refill(&mut self, refilling: &mut bool, task: &Waker) -> Option<usize> {
        if !*refilling || self.free == NO_SLOT {
            return None;
        }
        let slot = self.free;
        self.free = self.indices[slot];
        if self.start(slot, task) {
            Some(slot)
        } else {
            *refilling = false;
            None
        }
    }

    /// Polls the branch in `slot` once; what `poll_next` returns, if this
    /// ends its poll: an output, or the budget spent.
    #[inline]
    fn visit(
        &mut self,
        wakers: &Wakers,
        slot: usize,
        budget: &mut usize,
        cx: &Context<'_>,
    ) -> Option<Next<F::Output>> {
        if let Some(item) = self.poll_once(wakers, slot, budget) {
            // Marks left are polled at the next poll, which the consumer
            // makes without a wake when it wants more.
            return Some(Poll::Ready(Some(item)));
        }
        if *budget == 0 {
            // Leave the marks for the next poll, through the executor.
            wakers.set().pause();
            cx.waker().wake_by_ref();
            return Some(Poll::Pending);
        }
        None
    }

    /// Polls the branch in `slot` once with its own waker; when it finishes,
    /// frees the slot for the source's next branch and returns the output.
    #[inline]
    fn poll_once(
        &mut self,
        wakers: &Wakers,
        slot: usize,
        budget: &mut usize,
    ) -> Option<(usize, F::Output)> {
        let mut current = self.slots.get(slot);
        // A stale wake of a finished slot polls nothing.
        let running = current.as_mut().running()?;
        let waker = wakers.waker(slot);
        let Poll::Ready(output) = running.poll(&mut Context::from_waker(&waker)) else {
            *budget = budget.saturating_sub(1);
            return None;
        };
        // The branch is dropped before its output is handed out.
        current.set(crate::branch::Branch::Gone);
        self.running -= 1;
        let index = self.indices.get(slot).copied().unwrap_or(slot);
        if self.source.is_some() {
            self.push_free(slot);
        }
        Some((index, output))
    }
}
