//! Which branches of a collection were woken since the last poll.
//!
//! A hierarchy of atomic bitsets: level 0 has a bit per slot, each level above
//! a bit per word of the level below, up to a single word. Marking a slot costs
//! at most one `fetch_or` per level (two levels cover 4096 slots, three cover
//! 262 144), and draining visits only words with set bits, so one wake costs
//! O(1) work instead of a re-poll of every branch.
//!
//! Lost-wake freedom: a marker sets bits bottom-up and the drainer clears them
//! top-down, so a bit set after its parent was cleared re-sets the parent, and
//! whoever sets the top bit from zero wakes the task.

use std::sync::atomic::{AtomicU64, Ordering};
use std::task::Waker;

use atomic_waker::AtomicWaker;

const BITS: usize = 64;

#[derive(Debug)]
pub(crate) struct ReadySet {
    /// `levels[0]` has a bit per slot; the last level is a single word.
    levels: Box<[Box<[AtomicU64]>]>,
    task: AtomicWaker,
}

impl ReadySet {
    pub(crate) fn new(slots: usize) -> Self {
        let mut levels = Vec::new();
        let mut words = slots.div_ceil(BITS).max(1);
        loop {
            levels.push((0..words).map(|_| AtomicU64::new(0)).collect());
            if words == 1 {
                break;
            }
            words = words.div_ceil(BITS);
        }
        ReadySet {
            levels: levels.into_boxed_slice(),
            task: AtomicWaker::new(),
        }
    }

    /// The waker of the task that drains the set; call before draining.
    pub(crate) fn register(&self, waker: &Waker) {
        self.task.register(waker);
    }

    /// Marks `slot` ready and wakes the task if this changed anything.
    pub(crate) fn mark(&self, slot: usize) {
        let mut index = slot;
        for level in &*self.levels {
            let bit = 1 << (index % BITS);
            let previous = level[index / BITS].fetch_or(bit, Ordering::AcqRel);
            if previous & bit != 0 {
                // Already marked; whoever set it will wake the task.
                return;
            }
            index /= BITS;
        }
        self.task.wake();
    }

    /// Calls `each` with every marked slot, clearing the marks. Slots marked
    /// while this runs are seen now or by the next drain, never lost.
    pub(crate) fn drain(&self, mut each: impl FnMut(usize)) {
        let top = self.levels.len() - 1;
        self.drain_word(top, 0, &mut each);
    }

    fn drain_word(&self, level: usize, word: usize, each: &mut impl FnMut(usize)) {
        let mut bits = self.levels[level][word].swap(0, Ordering::AcqRel);
        while bits != 0 {
            let bit = bits.trailing_zeros() as usize;
            bits &= bits - 1;
            let index = word * BITS + bit;
            if level == 0 {
                each(index);
            } else {
                self.drain_word(level - 1, index, each);
            }
        }
    }
}

#[cfg(test)]
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
        }
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
            set.drain(|i| seen[i] += 1);
        }
        for marker in markers {
            marker.join().unwrap();
        }
        set.drain(|i| seen[i] += 1);
        assert!(seen.iter().all(|&n| n == 1));
    }
}
