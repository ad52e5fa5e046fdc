//! Which branches of a collection were woken since the last poll.
//!
//! A hierarchy of atomic bitsets: level 0 has a bit per slot, each level above
//! a bit per word of the level below, up to a single word (the top). Marking a
//! slot costs at most one `fetch_or` per level (two levels cover 4096 slots,
//! three cover 262 144), and draining visits only words with set bits, so one
//! wake costs O(1) work instead of a re-poll of every branch. The levels below
//! the top share one allocation; a set of at most 64 slots allocates none.
//!
//! Lost-wake freedom: a marker sets bits bottom-up and the drainer clears them
//! top-down, so a bit set after its parent was cleared re-sets the parent, and
//! whoever newly sets a top bit *signals*: it sets `MARKED` in `state`, and
//! wakes the task unless the task is polling the set right now (`ACTIVE`).
//! Every signal and the drainer's final `ACTIVE → idle` step are read-modify-
//! writes of `state`, so either the drainer sees `MARKED` (and drains again),
//! or the marker sees the drainer idle (and wakes the task). Wakes that
//! branches make while the task polls them (a branch that yields, a branch
//! that wakes another) thus cost no wake of the task, and the task picks them
//! up in the same poll.
//!
//! The set also holds one [`Node`] per slot, the data of that slot's waker
//! (see `raw.rs`): the set is shared by those wakers through one `Arc`, so a
//! branch's waker costs no allocation of its own.

use std::task::Waker;

#[cfg(not(loom))]
use atomic_waker::AtomicWaker;
#[cfg(not(loom))]
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

// Under `--cfg loom`, loom's atomics and waker slot stand in for these, so
// that the model-checks at the end of this file explore every interleaving.
#[cfg(loom)]
use loom::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
#[cfg(loom)]
use loom_shim::AtomicWaker;

use super::raw::Node;

/// `atomic_waker::AtomicWaker`'s API, over loom's.
#[cfg(loom)]
mod loom_shim {
    use std::task::Waker;

    #[derive(Debug)]
    pub(super) struct AtomicWaker(loom::future::AtomicWaker);

    impl AtomicWaker {
        pub(super) fn new() -> Self {
            AtomicWaker(loom::future::AtomicWaker::new())
        }

        pub(super) fn register(&self, waker: &Waker) {
            self.0.register_by_ref(waker);
        }

        pub(super) fn wake(&self) {
            self.0.wake();
        }
    }
}

const BITS: usize = 64;
/// Levels below the top: 64^6 slots are more than any memory holds.
const MAX_LOWER: usize = 5;

/// The task is polling the set: a signal need not wake it.
const ACTIVE: usize = 1;
/// A top bit was newly set since the task last cleared this.
const MARKED: usize = 2;

#[derive(Debug)]
pub(crate) struct ReadySet {
    /// The top level: a single word.
    top: AtomicU64,
    /// The levels below the top, bottom-first, one after the other.
    words: Box<[AtomicU64]>,
    /// Where each level below the top starts in `words`.
    starts: [usize; MAX_LOWER],
    /// How many levels lie below the top.
    lower: usize,
    /// `ACTIVE` and `MARKED`.
    state: AtomicUsize,
    task: AtomicWaker,
    /// One per slot, opaque here (see `raw.rs`).
    nodes: Box<[Node]>,
}

impl ReadySet {
    /// A set of `slots` slots whose nodes point nowhere yet (see `raw.rs`).
    pub(crate) fn new(slots: usize) -> Self {
        let mut starts = [0; MAX_LOWER];
        let mut lower = 0;
        let mut total = 0;
        let mut words = slots.div_ceil(BITS).max(1);
        while words > 1 {
            assert!(
                lower < MAX_LOWER,
                "a join tracks at most 64^6 branches at once"
            );
            starts[lower] = total;
            total += words;
            lower += 1;
            words = words.div_ceil(BITS);
        }
        ReadySet {
            top: AtomicU64::new(0),
            words: (0..total).map(|_| AtomicU64::new(0)).collect(),
            starts,
            lower,
            state: AtomicUsize::new(0),
            task: AtomicWaker::new(),
            nodes: (0..slots).map(|_| Node::unset()).collect(),
        }
    }

    /// The waker nodes, one per slot.
    #[inline]
    pub(crate) fn nodes(&self) -> &[Node] {
        &self.nodes
    }

    /// The slot whose node is `node` (a node of this set).
    #[inline]
    pub(crate) fn slot_of(&self, node: &Node) -> usize {
        let base = self.nodes.as_ptr() as usize;
        (std::ptr::from_ref(node) as usize - base) / size_of::<Node>()
    }

    /// Marks `slot` ready; signals if this newly set a top bit.
    ///
    /// Above level 0, a plain load first skips the `fetch_or` when the bit is
    /// already set: this marker's `fetch_or` on the level below newly set a
    /// bit there, so if a drainer had cleared this word before, its clear
    /// happened before that `fetch_or` (the drainer clears top-down, and the
    /// `AcqRel` read-modify-write read the drainer's later clear of the word
    /// below, or a value after it), and the load cannot see a bit from before
    /// the clear. A set bit it sees is one a drainer will still clear, and
    /// then it drains the word below, with this mark.
    #[inline]
    pub(crate) fn mark(&self, slot: usize) {
        let bit = 1 << (slot % BITS);
        if self.lower == 0 {
            if self.top.fetch_or(bit, Ordering::AcqRel) & bit == 0 {
                self.signal();
            }
            return;
        }
        let word = &self.words[slot / BITS];
        if word.fetch_or(bit, Ordering::AcqRel) & bit != 0 {
            // Already marked; whoever set it signals.
            return;
        }
        let mut index = slot / BITS;
        for level in 1..=self.lower {
            let bit = 1 << (index % BITS);
            let word = if level == self.lower {
                &self.top
            } else {
                &self.words[self.starts[level] + index / BITS]
            };
            if word.load(Ordering::Acquire) & bit != 0
                || word.fetch_or(bit, Ordering::AcqRel) & bit != 0
            {
                return;
            }
            index /= BITS;
        }
        self.signal();
    }

    #[inline]
    fn signal(&self) {
        if self.state.fetch_or(MARKED, Ordering::AcqRel) == 0 {
            self.task.wake();
        }
    }

    /// The task starts polling: registers its waker; signals from now on
    /// need not wake it until [`ReadySet::idle`] succeeds.
    pub(crate) fn begin(&self, waker: &Waker) {
        self.task.register(waker);
        self.state.swap(ACTIVE, Ordering::AcqRel);
    }

    /// Whether some slot is marked (a hint: marks may land any time, and a
    /// top bit may be left set over nothing after a race with a drain, which
    /// costs one empty drain).
    #[inline]
    pub(crate) fn any(&self) -> bool {
        self.top.load(Ordering::Acquire) != 0
    }

    /// The task is about to return `Pending`: `true` if no mark arrived since
    /// [`ReadySet::begin`] (later marks wake the task); `false` if one did,
    /// and the task must drain again (it stays `ACTIVE`).
    pub(crate) fn idle(&self) -> bool {
        if self
            .state
            .compare_exchange(ACTIVE, 0, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
        {
            return true;
        }
        self.state.swap(ACTIVE, Ordering::AcqRel);
        false
    }

    /// The task gives up the rest of this poll with marks left: later marks
    /// wake it (the caller wakes it for the marks left).
    pub(crate) fn pause(&self) {
        self.state.swap(0, Ordering::AcqRel);
    }

    /// Calls `each` with every marked slot, clearing the marks. Slots marked
    /// while this runs are seen now or by the next drain, never lost.
    #[inline]
    pub(crate) fn drain(&self, mut each: impl FnMut(usize)) {
        let bits = self.top.swap(0, Ordering::AcqRel);
        if bits != 0 {
            self.drain_bits(self.lower, 0, bits, &mut each);
        }
    }

    /// `bits` is the word `word` of `level` (the top is level `self.lower`).
    fn drain_bits(&self, level: usize, word: usize, mut bits: u64, each: &mut impl FnMut(usize)) {
        while bits != 0 {
            let bit = bits.trailing_zeros() as usize;
            bits &= bits - 1;
            let index = word * BITS + bit;
            if level == 0 {
                each(index);
            } else {
                let below = self.words[self.starts[level - 1] + index].swap(0, Ordering::AcqRel);
                self.drain_bits(level - 1, index, below, each);
            }
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::ReadySet;

    fn drained(set: &ReadySet) -> Vec<usize> {
        let mut out = Vec::new();
        set.drain(|i| out.push(i));
        out
    }

    #[test]
    fn marks_come_back_once_in_slot_order() {
        for slots in [1, 63, 64, 65, 4096, 4097, 300_000] {
            let set = ReadySet::new(slots);
            let picks = [slots - 1, 0, slots / 2, slots / 3, slots - 1];
            for &i in &picks {
                set.mark(i);
            }
            let mut expected: Vec<usize> = picks.to_vec();
            expected.sort_unstable();
            expected.dedup();
            assert_eq!(drained(&set), expected, "slots = {slots}");
            assert!(drained(&set).is_empty());
            assert!(!set.any());
        }
    }

    #[test]
    fn slot_of_finds_each_node() {
        let set = ReadySet::new(100);
        for (slot, node) in set.nodes().iter().enumerate() {
            assert_eq!(set.slot_of(node), slot);
        }
    }

    #[test]
    fn marks_while_active_ask_for_another_drain() {
        let set = ReadySet::new(10);
        set.begin(std::task::Waker::noop());
        assert!(set.idle(), "nothing marked");
        set.begin(std::task::Waker::noop());
        set.mark(3);
        assert!(!set.idle(), "a mark arrived while active");
        assert_eq!(drained(&set), [3]);
        assert!(set.idle());
    }

    #[test]
    fn concurrent_marks_are_never_lost() {
        use std::sync::Arc;
        let slots = 10_000;
        let set = Arc::new(ReadySet::new(slots));
        let mut seen = vec![0u32; slots];
        let markers: Vec<_> = (0..2)
            .map(|t| {
                let set = Arc::clone(&set);
                std::thread::spawn(move || {
                    for i in (t..slots).step_by(2) {
                        set.mark(i);
                    }
                })
            })
            .collect();
        let mut finished = false;
        while !finished {
            finished = markers.iter().all(std::thread::JoinHandle::is_finished);
            set.begin(std::task::Waker::noop());
            set.drain(|i| seen[i] += 1);
            while !set.idle() {
                set.drain(|i| seen[i] += 1);
            }
        }
        for marker in markers {
            marker.join().unwrap();
        }
        set.drain(|i| seen[i] += 1);
        assert!(seen.iter().all(|&n| n == 1));
    }
}

/// Model-checks of the protocol with loom, which runs each model under every
/// interleaving (and every outcome the memory model allows) up to a bound on
/// preemptions: 3 for one-word sets, 2 for more levels (3 takes minutes
/// there), or `LOOM_MAX_PREEMPTIONS` for all. Run them with
/// `RUSTFLAGS="--cfg loom" cargo test -p orchestrate-core --release --lib loom`.
///
/// The task is loom's `block_on`, polling the set as `driver.rs` does, and
/// done once every slot marked was drained: a mark neither drained nor
/// followed by a wake leaves it waiting forever, which loom reports as a
/// deadlock. A slot drained twice fails, and so does a drained slot whose
/// marker's earlier write the task cannot see (the wake must happen before
/// the drain it causes). loom's `AtomicWaker` is a mock behind a lock: this
/// checks the set's protocol, taking the `atomic_waker` crate as correct.
#[cfg(all(test, loom))]
mod loom_models {
    use std::future::poll_fn;
    use std::task::{Context, Poll};
    use std::time::Instant;

    use loom::sync::Arc;
    use loom::sync::atomic::{AtomicBool, Ordering};
    use loom::thread;

    use super::{BITS, ReadySet};

    /// How the task polls the set.
    #[derive(Clone, Copy, Debug)]
    enum Shape {
        /// `begin`, `drain`, then `drain` again until `idle` holds.
        Plain,
        /// As `driver.rs`: `any` before each `drain` and before `idle`; once
        /// `budget` slots were drained in a poll, `pause` and wake itself.
        Driver { budget: usize },
        /// The first poll pauses (and wakes itself) right after its first
        /// drain, as if that spent its budget, so that marks race `pause`;
        /// later polls as `Driver` with no budget to speak of.
        PauseFirst,
    }

    /// The task's side: what it drained so far.
    struct Task {
        /// Every slot that will be marked, in the order of `written`.
        marked: Vec<usize>,
        /// Set by whoever marks the slot at the same index of `marked`, just
        /// before it marks it, with no ordering of its own.
        written: Arc<Vec<AtomicBool>>,
        seen: Vec<usize>,
    }

    impl Task {
        fn take(&mut self, slot: usize) {
            assert!(!self.seen.contains(&slot), "slot {slot} drained twice");
            let index = self.marked.iter().position(|&s| s == slot);
            let index = index.unwrap_or_else(|| panic!("slot {slot} never marked"));
            assert!(
                self.written[index].load(Ordering::Relaxed),
                "slot {slot} drained, but its marker's write is not visible"
            );
            self.seen.push(slot);
        }

        fn done(&self) -> bool {
            self.seen.len() == self.marked.len()
        }

        /// One poll of the task.
        fn poll(
            &mut self,
            set: &ReadySet,
            cx: &Context<'_>,
            shape: Shape,
            first: bool,
        ) -> Poll<()> {
            set.begin(cx.waker());
            match shape {
                Shape::Plain => {
                    set.drain(|slot| self.take(slot));
                    while !set.idle() {
                        set.drain(|slot| self.take(slot));
                    }
                }
                Shape::PauseFirst if first => {
                    set.drain(|slot| self.take(slot));
                    set.pause();
                    cx.waker().wake_by_ref();
                }
                Shape::Driver { .. } | Shape::PauseFirst => {
                    let mut budget = match shape {
                        Shape::Driver { budget } => budget,
                        _ => usize::MAX,
                    };
                    loop {
                        if set.any() {
                            set.drain(|slot| {
                                self.take(slot);
                                budget = budget.saturating_sub(1);
                            });
                        }
                        if self.done() {
                            break;
                        }
                        if !set.any() && set.idle() {
                            break;
                        }
                        if budget == 0 {
                            set.pause();
                            cx.waker().wake_by_ref();
                            break;
                        }
                    }
                }
            }
            if self.done() {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        }
    }

    /// Checks a set of `slots` slots: the task marks `early` before the
    /// markers start, then each marker marks its slots in order while the task
    /// polls. Every slot must be distinct.
    fn check(
        slots: usize,
        early: &'static [usize],
        markers: &'static [&'static [usize]],
        shape: Shape,
    ) {
        let runs = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let mut builder = loom::model::Builder::new();
        if builder.preemption_bound.is_none() {
            builder.preemption_bound = Some(if slots <= BITS { 3 } else { 2 });
        }
        let started = Instant::now();
        let counter = std::sync::Arc::clone(&runs);
        builder.check(move || {
            counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let marked: Vec<usize> = early
                .iter()
                .chain(markers.iter().copied().flatten())
                .copied()
                .collect();
            let written: Arc<Vec<AtomicBool>> =
                Arc::new(marked.iter().map(|_| AtomicBool::new(false)).collect());
            let set = Arc::new(ReadySet::new(slots));
            let mark = |set: &ReadySet, written: &[AtomicBool], index: usize, slot: usize| {
                written[index].store(true, Ordering::Relaxed);
                set.mark(slot);
            };
            for (index, &slot) in early.iter().enumerate() {
                mark(&set, &written, index, slot);
            }
            let mut index = early.len();
            let handles: Vec<_> = markers
                .iter()
                .map(|&marks| {
                    let set = Arc::clone(&set);
                    let written = Arc::clone(&written);
                    let first = index;
                    index += marks.len();
                    thread::spawn(move || {
                        for (i, &slot) in marks.iter().enumerate() {
                            mark(&set, &written, first + i, slot);
                        }
                    })
                })
                .collect();
            let mut task = Task {
                marked,
                written,
                seen: Vec::new(),
            };
            let mut first = true;
            loom::future::block_on(poll_fn(|cx| {
                let ready = task.poll(&set, cx, shape, first);
                first = false;
                ready
            }));
            for handle in handles {
                handle.join().unwrap();
            }
            // Upper bits may be left set (a marker that found its parent bit
            // cleared by a drain that already took its mark sets it again),
            // but no slot is left to drain.
            set.drain(|slot| panic!("slot {slot} marked again"));
        });
        println!(
            "slots {slots}, early {early:?}, markers {markers:?}, {shape:?}: {} executions in {:.2?}",
            runs.load(std::sync::atomic::Ordering::Relaxed),
            started.elapsed()
        );
    }

    /// (a) Two markers on a one-word set, racing a task that drains until
    /// `idle` holds, or polls as `driver.rs` does.
    #[test]
    fn loom_two_markers_one_word() {
        check(2, &[], &[&[0], &[1]], Shape::Plain);
        check(2, &[], &[&[0], &[1]], Shape::Driver { budget: usize::MAX });
    }

    /// (a) A marker that marks twice (the second mark may land after the
    /// task cleared the first), racing another.
    #[test]
    fn loom_marker_marks_twice_one_word() {
        check(3, &[], &[&[0, 1], &[2]], Shape::Plain);
    }

    /// (b) Two levels (65 slots): marks sharing the level-0 word, so the
    /// second marker may take the load shortcut on the top word, and marks in
    /// different level-0 words under one top word.
    #[test]
    fn loom_two_levels() {
        check(65, &[], &[&[0], &[1]], Shape::Plain);
        check(65, &[], &[&[0], &[64]], Shape::Plain);
        check(65, &[], &[&[0], &[1]], Shape::Driver { budget: usize::MAX });
    }

    /// (b) Three levels (4097 slots): marks that share every word above level
    /// 0, only the top word (one bit of it, or two), and a marker that marks
    /// twice under one parent, so its second mark may find the parent bit
    /// cleared by the drainer, or still set.
    #[test]
    fn loom_three_levels() {
        check(4097, &[], &[&[0], &[1]], Shape::Plain);
        check(4097, &[], &[&[0], &[64]], Shape::Plain);
        check(4097, &[], &[&[0], &[4096]], Shape::Plain);
        check(4097, &[], &[&[0, 1], &[64]], Shape::Plain);
    }

    /// (c) Marks racing `pause`: the task drains a mark made before it
    /// starts, then pauses (and wakes itself) while markers mark.
    #[test]
    fn loom_marks_race_pause() {
        check(2, &[0], &[&[1]], Shape::PauseFirst);
        check(65, &[0], &[&[1], &[64]], Shape::PauseFirst);
        check(65, &[0], &[&[1], &[64]], Shape::Driver { budget: 1 });
    }
}
