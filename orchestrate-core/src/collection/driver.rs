//! The engine shared by the collection combinators: starts branches (at most
//! `limit` at once), polls only the branches that were woken, and hands each
//! output to the combinator, which decides whether to go on.
//!
//! Memory: the running branches live in one pinned slice, and their wakers in
//! one `Arc`'d `ReadySet` (8 bytes and a bit per slot): two allocations per
//! join, whatever its size. When every branch has a slot of its own (no limit,
//! or a limit above the count), what the combinator keeps of a branch's output
//! takes the branch's place in its slot, and the slots become the output `Vec`
//! in place; under a limit, a slot is reused for the next branch when its
//! branch finishes, and the kept values go to a `Vec` of their own. A join
//! of at most [`SMALL`] branches and no limit has no wakers of its own: each
//! poll polls its running branches with the task's waker (one allocation).
//!
//! Completion streams (`stream.rs`) use the same driver through [`HandOut`]
//! (`driver/hand.rs`), which returns each output the moment it arrives and
//! keeps none. The branches come from a [`Source`]: an iterator, or a stream
//! whose pending `next` leaves slots empty (on the list of free slots) until
//! it wakes the task.
//!
//! Time: a wake marks a bit (O(1)); a poll drains the marked slots and polls
//! those only. Wakes that arrive while the driver polls (a branch that yields,
//! a branch that wakes another) are drained in the same poll, up to a budget,
//! instead of waking the task and going through the executor.

use std::fmt;
use std::future::{Future, IntoFuture};
use std::num::NonZeroUsize;
use std::ops::ControlFlow;
use std::task::{Context, Poll, Waker};

use super::outputs::Outputs;
use super::raw::{Slots, Wakers};
use super::source::Source;
use crate::branch::Branch;

mod hand;

pub(crate) use hand::HandOut;

pub(crate) type Output<I> = <<I as Iterator>::Item as IntoFuture>::Output;

/// Joins of at most this many branches, with no limit, run without wakers
/// of their own: every poll polls every running branch with the task's
/// waker, as `futures::future::join_all` does below 30. For so few, a wake
/// set costs more (an allocation, a waker per branch) than it saves.
const SMALL: usize = 16;

/// Polls that return `Pending` in one poll of the driver before it yields to
/// the executor with marks left (at least; more for larger joins, so every
/// branch can be polled once per poll).
const PENDING_BUDGET: usize = 64;

/// What the combinator makes of one output.
pub(crate) enum Flow<K> {
    /// Keep this for the output `Vec`, at the branch's index, and go on.
    Keep(K),
    /// Stop: the join is decided (fail-fast, a race won).
    Stop,
}

/// What a poll of the driver came to.
pub(crate) enum Progress {
    /// Some branches are still running.
    Pending,
    /// Every branch has finished.
    Finished,
    /// The combinator stopped early (fail-fast, a race won).
    Stopped,
}

/// The end of the list of free slots.
const NO_SLOT: usize = usize::MAX;

/// Generic over the branch future `F` as well as the iterator `I` (which yields
/// `F`s through `IntoFuture`), so that no field's type is a projection through
/// `I`. An auto-trait check (`Send`) of a type like `Driver<Map<slice::Iter<'a, T>,
/// C>>` inside a spawned `async` block would otherwise have to normalize
/// `<Map<..> as Iterator>::Item` for every lifetime, which the closure `C`
/// cannot satisfy ("implementation of `FnOnce` is not general enough").
///
/// `K` is what the combinator keeps of each output (see [`Flow`]).
pub(crate) struct Driver<I, F, K> {
    wakes: Wakes,
    branches: Branches<I, F, K>,
}

/// How the branches are woken: not known before the first poll.
enum Wakes {
    Unstarted,
    /// A small join: every branch is polled with the task's waker.
    Task,
    /// A waker per slot, marking it in one set.
    Set(Wakers),
}

/// Everything but the wakers, so a drain of the wakers' set can poll branches.
struct Branches<I, F, K> {
    /// Branches not started yet; `None` once exhausted.
    source: Option<I>,
    limit: Option<NonZeroUsize>,
    slots: Slots<F, K>,
    /// Where kept values go while slots are reused (`None`: in their slots).
    outputs: Option<Outputs<K>>,
    /// The input index of the branch in each slot, once slots are reused
    /// (empty while slot `i` holds branch `i`); in a free slot, the next
    /// free slot.
    indices: Vec<usize>,
    /// Branches taken from `source` so far: the index of the next one.
    started: usize,
    running: usize,
    /// The first of the empty slots waiting for the source (`NO_SLOT` if
    /// none), linked through `indices`: the source was pending (a stream),
    /// or their outputs were handed out. Only a hand-out driver has any.
    free: usize,
    /// Outputs are handed out, never kept (a completion stream).
    hands: bool,
}

impl<I, F, K> Driver<I, F, K> {
    /// A join's `Debug`: its progress, which needs nothing of the branches
    /// (`driver` is `None` once the join has finished).
    pub(crate) fn debug(
        driver: Option<&Self>,
        join: &str,
        f: &mut fmt::Formatter<'_>,
    ) -> fmt::Result {
        let mut out = f.debug_struct(join);
        match driver {
            Some(Driver { branches, .. }) => out
                .field("started", &branches.started)
                .field("running", &branches.running)
                .field("limit", &branches.limit)
                .field("exhausted", &branches.source.is_none()),
            None => out.field("finished", &true),
        };
        out.finish()
    }
}

impl<I, F, K> Driver<I, F, K>
where
    I: Source<F>,
    F: Future,
{
    pub(crate) fn new(source: I) -> Self {
        Driver {
            wakes: Wakes::Unstarted,
            branches: Branches::unstarted(Some(source), None, false),
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
            matches!(self.wakes, Wakes::Unstarted),
            "`{call}(..).limit({limit})` called after the first poll; set the limit before awaiting"
        );
        self.branches.limit = Some(limit);
    }

    /// The same branches, each output handed out as it arrives and none
    /// kept: the driver of a completion stream. Panics with a message naming
    /// `call` after the first poll.
    pub(crate) fn hand_out(self, call: &str) -> HandOut<I, F> {
        assert!(
            matches!(self.wakes, Wakes::Unstarted),
            "`{call}` called after the first poll; call it before polling"
        );
        HandOut::new(Driver {
            wakes: Wakes::Unstarted,
            branches: Branches::unstarted(self.branches.source, self.branches.limit, true),
        })
    }
}

impl<I, F, K> Driver<I, F, K>
where
    I: Iterator,
    I::Item: IntoFuture<IntoFuture = F>,
    F: Future,
{
    /// The same driver over `map(source)`, before the first poll; panics
    /// with a message naming `call` after it.
    pub(crate) fn map_source<J, G>(self, call: &str, map: impl FnOnce(I) -> J) -> Driver<J, G, K>
    where
        J: Iterator,
        J::Item: IntoFuture<IntoFuture = G>,
        G: Future,
    {
        assert!(
            matches!(self.wakes, Wakes::Unstarted),
            "`{call}` called after the first poll; set it before awaiting"
        );
        Driver {
            wakes: Wakes::Unstarted,
            branches: Branches::unstarted(
                self.branches.source.map(map),
                self.branches.limit,
                self.branches.hands,
            ),
        }
    }

    /// Every kept value, in input order; call once the driver has finished.
    pub(crate) fn into_kept(self) -> Vec<K> {
        match self.branches.outputs {
            Some(outputs) => outputs.into_vec(),
            None => self.branches.slots.into_kept(),
        }
    }

    /// Drives the woken branches, handing each output to `on_output(index, output)`.
    /// (The source is an iterator, so a freed slot takes its next branch at
    /// once: a join has no free slots to refill.)
    pub(crate) fn poll(
        &mut self,
        cx: &mut Context<'_>,
        on_output: &mut impl FnMut(usize, F::Output) -> Flow<K>,
    ) -> Progress {
        let first = matches!(self.wakes, Wakes::Unstarted);
        let branches = &mut self.branches;
        if first {
            let slots = branches.fill(cx);
            let small = slots <= SMALL && branches.limit.is_none() && branches.source.is_none();
            self.wakes = if small {
                Wakes::Task
            } else {
                Wakes::Set(Wakers::new(slots))
            };
        }
        let wakers = match &self.wakes {
            Wakes::Set(wakers) => wakers,
            Wakes::Task => return branches.poll_all(cx, on_output),
            Wakes::Unstarted => unreachable!("the wakes are chosen at the first poll"),
        };
        let set = wakers.set();
        set.begin(cx.waker());
        let task = cx.waker();
        let mut budget = PENDING_BUDGET;
        if first {
            // Poll every branch once, in input order.
            budget = budget.max(branches.slots.len());
            for slot in 0..branches.slots.len() {
                if branches
                    .run(wakers, slot, &mut budget, task, on_output)
                    .is_break()
                {
                    return Progress::Stopped;
                }
            }
        }
        loop {
            if set.any() {
                let mut stopped = false;
                set.drain(|slot| {
                    if !stopped {
                        stopped = branches
                            .run(wakers, slot, &mut budget, task, on_output)
                            .is_break();
                    }
                });
                if stopped {
                    return Progress::Stopped;
                }
            }
            if branches.running == 0 && branches.source.is_none() {
                return Progress::Finished;
            }
            if !set.any() && set.idle() {
                return Progress::Pending;
            }
            if budget == 0 {
                // Leave the marks for the next poll, through the executor.
                set.pause();
                cx.waker().wake_by_ref();
                return Progress::Pending;
            }
        }
    }
}

impl<I, F, K> Branches<I, F, K> {
    /// Branches not started yet: what every driver is before its first poll.
    fn unstarted(source: Option<I>, limit: Option<NonZeroUsize>, hands: bool) -> Self {
        Branches {
            source,
            limit,
            slots: Slots::new(Vec::new()),
            outputs: None,
            indices: Vec::new(),
            started: 0,
            running: 0,
            free: NO_SLOT,
            hands,
        }
    }
}

impl<I, F, K> Branches<I, F, K>
where
    I: Source<F>,
    F: Future,
{
    /// Starts the first branches (at most `limit`) in one slot each; returns
    /// how many slots there are. A source that is pending before the limit
    /// leaves the rest of the `limit` slots empty, for later branches.
    fn fill(&mut self, cx: &mut Context<'_>) -> usize {
        let limit = self.limit.map_or(usize::MAX, NonZeroUsize::get);
        // `with_capacity`, not `reserve`: a direct allocation, not the
        // growth path.
        let left = self.source.as_ref().map_or(0, Source::left);
        let mut slots = Vec::with_capacity(left.min(limit));
        let mut pending = false;
        if let Some(source) = &mut self.source {
            while slots.len() < limit {
                match source.poll_branch(cx) {
                    Poll::Ready(Some(future)) => slots.push(Branch::Running { future }),
                    Poll::Ready(None) => {
                        self.source = None;
                        break;
                    }
                    Poll::Pending => {
                        pending = true;
                        break;
                    }
                }
            }
        }
        self.started = slots.len();
        self.running = slots.len();
        let empty = slots.len();
        if pending && limit != usize::MAX {
            slots.resize_with(limit, || Branch::Gone);
        }
        if let Some(source) = self.source.as_ref().filter(|_| !self.hands) {
            // Slots will be reused: the kept values need a place of their own.
            let mut outputs = Outputs::new();
            outputs.reserve(slots.len() + source.left());
            self.outputs = Some(outputs);
        }
        self.slots = Slots::new(slots);
        for slot in (empty..self.slots.len()).rev() {
            self.push_free(slot);
        }
        self.slots.len()
    }

    /// Puts the empty `slot` on the list of free slots.
    #[inline]
    fn push_free(&mut self, slot: usize) {
        let next = self.free;
        self.indices()[slot] = next;
        self.free = slot;
    }

    /// The input index of the branch in each slot (the next free slot, in a
    /// free one), made when the first slot is reused or freed.
    #[inline]
    fn indices(&mut self) -> &mut [usize] {
        if self.indices.is_empty() {
            self.indices = (0..self.slots.len()).collect();
        }
        &mut self.indices
    }

    /// Starts the source's next branch in the empty `slot`; `false` if the
    /// source has none now (an empty slot waits on the list of free slots if
    /// it may have one later).
    #[inline]
    fn start(&mut self, slot: usize, task: &Waker) -> bool {
        let Some(source) = &mut self.source else {
            return false;
        };
        let future = match source.poll_branch(&mut Context::from_waker(task)) {
            Poll::Ready(Some(future)) => future,
            Poll::Ready(None) => {
                self.source = None;
                return false;
            }
            Poll::Pending => {
                self.push_free(slot);
                return false;
            }
        };
        self.slots.get(slot).set(Branch::Running { future });
        let index = self.started;
        self.indices()[slot] = index;
        self.started += 1;
        self.running += 1;
        true
    }

    /// A small join's poll: every running branch, in input order, with the
    /// task's waker; a finished branch keeps its value in its own slot (no
    /// slot is reused: the source is exhausted, and there is no limit).
    #[inline]
    fn poll_all(
        &mut self,
        cx: &mut Context<'_>,
        on_output: &mut impl FnMut(usize, F::Output) -> Flow<K>,
    ) -> Progress {
        let mut running = 0;
        for (index, mut slot) in self.slots.iter_mut().enumerate() {
            let Some(future) = slot.as_mut().running() else {
                continue;
            };
            let Poll::Ready(output) = future.poll(cx) else {
                running += 1;
                continue;
            };
            // The branch is dropped before its output is handed over.
            slot.set(Branch::Gone);
            match on_output(index, output) {
                Flow::Keep(kept) => slot.keep(kept),
                Flow::Stop => return Progress::Stopped,
            }
        }
        self.running = running;
        if running == 0 {
            Progress::Finished
        } else {
            Progress::Pending
        }
    }

    /// Polls the branch in `slot` with its own waker.
    #[inline]
    fn run(
        &mut self,
        wakers: &Wakers,
        slot: usize,
        budget: &mut usize,
        task: &Waker,
        on_output: &mut impl FnMut(usize, F::Output) -> Flow<K>,
    ) -> ControlFlow<()> {
        let waker = wakers.waker(slot);
        self.run_in(
            &mut Context::from_waker(&waker),
            slot,
            budget,
            task,
            on_output,
        )
    }

    /// Polls the branch in `slot` with `cx`; when it finishes, hands over its
    /// output and starts the next branch in the same slot.
    #[inline]
    fn run_in(
        &mut self,
        cx: &mut Context<'_>,
        slot: usize,
        budget: &mut usize,
        task: &Waker,
        on_output: &mut impl FnMut(usize, F::Output) -> Flow<K>,
    ) -> ControlFlow<()> {
        loop {
            let mut current = self.slots.get(slot);
            // A stale wake of a finished slot polls nothing.
            let Some(running) = current.as_mut().running() else {
                return ControlFlow::Continue(());
            };
            let output = match running.poll(cx) {
                Poll::Pending => {
                    *budget = budget.saturating_sub(1);
                    return ControlFlow::Continue(());
                }
                Poll::Ready(output) => output,
            };
            // The branch is dropped before its output is handed over.
            current.set(Branch::Gone);
            self.running -= 1;
            let index = self.indices.get(slot).copied().unwrap_or(slot);
            let kept = match on_output(index, output) {
                Flow::Keep(kept) => kept,
                Flow::Stop => return ControlFlow::Break(()),
            };
            let Some(outputs) = &mut self.outputs else {
                // The slot is this branch's alone: keep the value in its place.
                self.slots.get(slot).keep(kept);
                return ControlFlow::Continue(());
            };
            outputs.put(index, kept);
            if !self.start(slot, task) {
                return ControlFlow::Continue(());
            }
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use std::future::Future;
    use std::pin::pin;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::{Context, Poll, Wake, Waker};

    use super::SMALL;
    use crate::collection::settled;

    struct Count(AtomicUsize);

    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
    }

    #[test]
    fn small_joins_poll_every_branch_with_the_task_waker_and_keep_input_order() {
        for n in [1, 2, SMALL, SMALL + 1] {
            let count = Arc::new(Count(AtomicUsize::new(0)));
            let task = Waker::from(Arc::clone(&count));
            let mut cx = Context::from_waker(&task);
            // Branch i finishes at poll n - i: the last branch first.
            let mut join = pin!(settled((0..n).map(|i| branch_at(n, i, &task))));
            let mut polls = 0;
            let out = loop {
                polls += 1;
                if let Poll::Ready(out) = join.as_mut().poll(&mut cx) {
                    break out;
                }
                assert!(polls < 2 * n, "n = {n}: the join never finished");
            };
            let expected: Vec<usize> = (0..n).map(|i| n - i).collect();
            assert_eq!(out, expected, "n = {n}");
        }
    }

    /// Branch `i` of `n`: ready at its `n - i`th poll (its waker is checked
    /// against the task's for the join's size, `n`).
    fn branch_at(n: usize, i: usize, task: &Waker) -> impl Future<Output = usize> + '_ {
        let mut seen = 0;
        std::future::poll_fn(move |cx: &mut Context<'_>| {
            assert_eq!(
                cx.waker().will_wake(task),
                n <= SMALL,
                "n = {n}: a small join polls with the task's waker, a larger one with its own"
            );
            seen += 1;
            if seen == n - i {
                Poll::Ready(seen)
            } else {
                cx.waker().wake_by_ref();
                Poll::Pending
            }
        })
    }
}
