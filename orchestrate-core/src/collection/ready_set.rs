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

use super::raw::Node;
use crate::sync::{AtomicU64, AtomicUsize, AtomicWaker, Ordering};

pub(super) const BITS: usize = 64;
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
        for level in 1..self.lower {
            let word = &self.words[self.starts[level] + index / BITS];
            if !newly_set(word, 1 << (index % BITS)) {
                return;
            }
            index /= BITS;
        }
        // The top is a single word: `index < BITS` here.
        if newly_set(&self.top, 1 << index) {
            self.signal();
        }
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

    /// Registers the task's waker, leaving the state as it is: for a task
    /// that stayed active since its last poll (it returned an output, and
    /// is owed no wake for what came since), before it tries
    /// [`ReadySet::idle`].
    pub(crate) fn register(&self, waker: &Waker) {
        self.task.register(waker);
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
    ///
    /// Top-down and depth-first, as [`ReadySet::next`]. Up to two levels
    /// below the top (262 144 slots) in nested loops: with one mark at a time
    /// (a branch that wakes the next), a call per level costs more than the
    /// swaps.
    #[inline]
    pub(crate) fn drain(&self, mut each: impl FnMut(usize)) {
        let top = self.top.swap(0, Ordering::AcqRel);
        match self.lower {
            0 => for_bits(0, top, each),
            1 => for_bits(0, top, |word| {
                let bits = self.words[word].swap(0, Ordering::AcqRel);
                for_bits(word, bits, &mut each);
            }),
            2 => for_bits(0, top, |upper| {
                let bits = self.words[self.starts[1] + upper].swap(0, Ordering::AcqRel);
                for_bits(upper, bits, |word| {
                    let bits = self.words[word].swap(0, Ordering::AcqRel);
                    for_bits(word, bits, &mut each);
                });
            }),
            lower => self.drain_bits(lower, 0, top, &mut each),
        }
    }

    /// The next marked slot, its mark cleared, or `None` if no mark is left:
    /// [`ReadySet::drain`] one slot at a time, with what it has taken from
    /// the set and not yet handed out kept in `taken` between calls. The
    /// same swaps in the same order as a drain, only spread over calls, so
    /// marks that land in between are seen now or later, never lost.
    #[inline]
    pub(crate) fn next(&self, taken: &mut Taken) -> Option<usize> {
        self.next_of(taken, true)
    }

    /// As [`ReadySet::next`], but only the marks already taken: `None` when
    /// going on would take the top word again.
    #[inline]
    pub(crate) fn next_taken(&self, taken: &mut Taken) -> Option<usize> {
        self.next_of(taken, false)
    }

    /// `bits` is the word `word` of `level` (the top is level `self.lower`).
    fn drain_bits(&self, level: usize, word: usize, bits: u64, each: &mut impl FnMut(usize)) {
        for_bits(word, bits, |index| {
            if level == 0 {
                each(index);
            } else {
                let below = self.words[self.starts[level - 1] + index].swap(0, Ordering::AcqRel);
                self.drain_bits(level - 1, index, below, each);
            }
        });
    }

    #[inline]
    fn next_of(&self, taken: &mut Taken, again: bool) -> Option<usize> {
        let mut level = 0;
        loop {
            let (word, bits) = taken.held[level];
            if bits != 0 {
                taken.held[level].1 = bits & (bits - 1);
                let index = word * BITS + bits.trailing_zeros() as usize;
                if level == 0 {
                    return Some(index);
                }
                level -= 1;
                let below = self.words[self.starts[level] + index].swap(0, Ordering::AcqRel);
                taken.held[level] = (index, below);
            } else if level < self.lower {
                level += 1;
            } else {
                let top = if again {
                    self.top.swap(0, Ordering::AcqRel)
                } else {
                    0
                };
                if top == 0 {
                    return None;
                }
                taken.held[level] = (0, top);
            }
        }
    }
}

/// Sets `bit` in `word` above level 0; `false` if it was already set (see
/// [`ReadySet::mark`] for why a plain load may skip the `fetch_or`).
#[inline]
fn newly_set(word: &AtomicU64, bit: u64) -> bool {
    word.load(Ordering::Acquire) & bit == 0 && word.fetch_or(bit, Ordering::AcqRel) & bit == 0
}

/// Calls `each` with the index of every set bit of `bits`, the word `word`
/// of its level (`word * BITS + bit`), lowest first.
#[inline]
fn for_bits(word: usize, mut bits: u64, mut each: impl FnMut(usize)) {
    while bits != 0 {
        each(word * BITS + bits.trailing_zeros() as usize);
        bits &= bits - 1;
    }
}

/// What [`ReadySet::next`] has taken from a set and not yet handed out: per
/// level, bottom first, a word's index and the bits of it left (a drain's
/// stack, kept between calls).
#[derive(Debug, Default)]
pub(crate) struct Taken {
    held: [(usize, u64); MAX_LOWER + 1],
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::{ReadySet, Taken};

    fn drained(set: &ReadySet) -> Vec<usize> {
        let mut out = Vec::new();
        set.drain(|i| out.push(i));
        out
    }

    /// One, two and three levels, each at and around a level's edge.
    const SIZES: [usize; 7] = [1, 63, 64, 65, 4096, 4097, 300_000];

    /// A set of `slots` with its last, first, middle and third slots marked
    /// (the last twice), and those slots in order, once each.
    fn marked(slots: usize) -> (ReadySet, Vec<usize>) {
        let set = ReadySet::new(slots);
        let picks = [slots - 1, 0, slots / 2, slots / 3, slots - 1];
        for &i in &picks {
            set.mark(i);
        }
        let mut expected = picks.to_vec();
        expected.sort_unstable();
        expected.dedup();
        (set, expected)
    }

    #[test]
    fn marks_come_back_once_in_slot_order() {
        for slots in SIZES {
            let (set, expected) = marked(slots);
            assert_eq!(drained(&set), expected, "slots = {slots}");
            assert!(drained(&set).is_empty());
            assert!(!set.any());
        }
    }

    #[test]
    fn next_hands_out_what_drain_would_and_keeps_later_marks() {
        for slots in SIZES {
            let (set, expected) = marked(slots);
            let mut taken = Taken::default();
            let first = set.next(&mut taken).unwrap();
            assert_eq!(first, expected[0], "slots = {slots}");
            // A mark between two calls, of a slot already handed out.
            set.mark(first);
            let mut rest = Vec::new();
            while let Some(i) = set.next(&mut taken) {
                rest.push(i);
            }
            let mut again = expected[1..].to_vec();
            again.push(first);
            again.sort_unstable();
            rest.sort_unstable();
            assert_eq!(rest, again, "slots = {slots}");
            assert!(set.next(&mut taken).is_none());
            assert!(drained(&set).is_empty());
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
