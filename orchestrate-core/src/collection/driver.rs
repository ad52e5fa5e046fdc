//! The engine shared by the collection combinators: starts branches (at most
//! `limit` at once), polls only the branches that were woken, and hands each
//! output to the combinator, which decides whether to go on.

use std::future::{Future, IntoFuture};
use std::num::NonZeroUsize;
use std::ops::ControlFlow;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use super::ready_set::ReadySet;

pub(crate) type Output<I> = <<I as Iterator>::Item as IntoFuture>::Output;

/// What a poll of the driver came to.
pub(crate) enum Progress {
    /// Some branches are still running.
    Pending,
    /// Every branch has finished.
    Finished,
    /// The combinator stopped early (fail-fast, a race won).
    Stopped,
}

/// A running branch and the position of its output. A slot is reused for the
/// next branch when its branch finishes, so its box is allocated once.
struct Slot<F> {
    future: Pin<Box<Option<F>>>,
    index: usize,
}

/// Wakes one slot: marks it in the ready set and wakes the task.
struct SlotWaker {
    slot: usize,
    ready: Arc<ReadySet>,
}

impl Wake for SlotWaker {
    fn wake(self: Arc<Self>) {
        self.ready.mark(self.slot);
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.ready.mark(self.slot);
    }
}

/// Generic over the branch future `F` as well as the iterator `I` (which yields
/// `F`s through `IntoFuture`), so that no field's type is a projection through
/// `I`. An auto-trait check (`Send`) of a type like `Driver<Map<slice::Iter<'a, T>,
/// C>>` inside a spawned `async` block would otherwise have to normalize
/// `<Map<..> as Iterator>::Item` for every lifetime, which the closure `C`
/// cannot satisfy ("implementation of `FnOnce` is not general enough").
pub(crate) struct Driver<I, F> {
    /// Branches not started yet; `None` once exhausted.
    source: Option<I>,
    limit: Option<NonZeroUsize>,
    slots: Vec<Slot<F>>,
    /// One waker per slot, created with the ready set at the first poll.
    wakers: Vec<Waker>,
    ready: Option<Arc<ReadySet>>,
    /// Branches taken from `source` so far: the index of the next one.
    started: usize,
    running: usize,
}

impl<I, F> Driver<I, F>
where
    I: Iterator,
    I::Item: IntoFuture<IntoFuture = F>,
    F: Future,
{
    pub(crate) fn new(source: I) -> Self {
        Driver {
            source: Some(source),
            limit: None,
            slots: Vec::new(),
            wakers: Vec::new(),
            ready: None,
            started: 0,
            running: 0,
        }
    }

    /// Panics with a message naming `call` if `limit` is zero or the driver
    /// has already started.
    pub(crate) fn set_limit(&mut self, limit: usize, call: &str) {
        let Some(limit) = NonZeroUsize::new(limit) else {
            panic!(
                "`{call}(..).limit(0)`: the limit is how many branches may run at once, so it must be at least 1"
            );
        };
        assert!(
            self.ready.is_none(),
            "`{call}(..).limit({limit})` called after the first poll; set the limit before awaiting"
        );
        self.limit = Some(limit);
    }

    fn next_branch(&mut self) -> Option<F> {
        let next = self.source.as_mut()?.next();
        if next.is_none() {
            self.source = None;
        }
        next.map(IntoFuture::into_future)
    }

    /// Drives the woken branches, handing each output to `on_output(index, output)`.
    pub(crate) fn poll(
        &mut self,
        cx: &mut Context<'_>,
        on_output: &mut impl FnMut(usize, F::Output) -> ControlFlow<()>,
    ) -> Progress {
        let ready = match &self.ready {
            Some(ready) => Arc::clone(ready),
            None => return self.start(cx, on_output),
        };
        ready.register(cx.waker());
        let mut stopped = false;
        ready.drain(|slot| {
            if !stopped {
                stopped = self.run_slot(slot, on_output).is_break();
            }
        });
        self.progress(stopped)
    }

    /// The first poll: fills the slots, then polls each in input order.
    fn start(
        &mut self,
        cx: &mut Context<'_>,
        on_output: &mut impl FnMut(usize, F::Output) -> ControlFlow<()>,
    ) -> Progress {
        let limit = self.limit.map_or(usize::MAX, NonZeroUsize::get);
        while self.slots.len() < limit {
            let Some(future) = self.next_branch() else {
                break;
            };
            let index = self.started;
            self.slots.push(Slot {
                future: Box::pin(Some(future)),
                index,
            });
            self.started += 1;
            self.running += 1;
        }
        let ready = Arc::new(ReadySet::new(self.slots.len()));
        ready.register(cx.waker());
        self.wakers = (0..self.slots.len())
            .map(|slot| {
                Waker::from(Arc::new(SlotWaker {
                    slot,
                    ready: Arc::clone(&ready),
                }))
            })
            .collect();
        self.ready = Some(ready);
        let mut stopped = false;
        for slot in 0..self.slots.len() {
            if self.run_slot(slot, on_output).is_break() {
                stopped = true;
                break;
            }
        }
        self.progress(stopped)
    }

    fn progress(&self, stopped: bool) -> Progress {
        if stopped {
            Progress::Stopped
        } else if self.running == 0 && self.source.is_none() {
            Progress::Finished
        } else {
            Progress::Pending
        }
    }

    /// Polls the branch in `slot`; when it finishes, hands over its output and
    /// starts the next branch in the same slot.
    fn run_slot(
        &mut self,
        slot: usize,
        on_output: &mut impl FnMut(usize, F::Output) -> ControlFlow<()>,
    ) -> ControlFlow<()> {
        loop {
            let Slot { future, index } = &mut self.slots[slot];
            // A stale wake of a finished slot polls nothing.
            let Some(running) = future.as_mut().as_pin_mut() else {
                return ControlFlow::Continue(());
            };
            let output = match running.poll(&mut Context::from_waker(&self.wakers[slot])) {
                Poll::Pending => return ControlFlow::Continue(()),
                Poll::Ready(output) => output,
            };
            let index = *index;
            future.set(None);
            self.running -= 1;
            on_output(index, output)?;
            let Some(next) = self.next_branch() else {
                return ControlFlow::Continue(());
            };
            let Slot { future, index } = &mut self.slots[slot];
            future.set(Some(next));
            *index = self.started;
            self.started += 1;
            self.running += 1;
        }
    }
}
