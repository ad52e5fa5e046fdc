//! Model-checks of the protocol with loom, which runs each model under every
//! interleaving (and every outcome the memory model allows) up to a bound on
//! preemptions: 3 for one-word sets, 2 for more levels (3 takes minutes
//! there), or `LOOM_MAX_PREEMPTIONS` for all. Run them with
//! `RUSTFLAGS="--cfg loom" cargo test -p orchestrate-core --release --lib loom`.
//!
//! The task is loom's `block_on`, polling the set as `driver.rs` does, and
//! done once every slot marked was drained: a mark neither drained nor
//! followed by a wake leaves it waiting forever, which loom reports as a
//! deadlock. A slot drained twice fails, and so does a drained slot whose
//! marker's earlier write the task cannot see (the wake must happen before
//! the drain it causes). loom's `AtomicWaker` is a mock behind a lock: this
//! checks the set's protocol, taking the `atomic_waker` crate as correct.

use std::future::poll_fn;
use std::task::{Context, Poll};
use std::time::Instant;

use loom::sync::Arc;
use loom::sync::atomic::{AtomicBool, Ordering};
use loom::thread;

use super::ready_set::{BITS, ReadySet, Taken};

/// How the task polls the set.
#[derive(Clone, Copy, Debug)]
enum Polling {
    /// `begin`, `drain`, then `drain` again until `idle` holds.
    Plain,
    /// As `driver.rs`: `any` before each `drain` and before `idle`; once
    /// `budget` slots were drained in a poll, `pause` and wake itself.
    Driver { budget: usize },
    /// The first poll pauses (and wakes itself) right after its first
    /// drain, as if that spent its budget, so that marks race `pause`;
    /// later polls as `Driver` with no budget to speak of.
    PauseFirst,
    /// As `driver/hand.rs` (a completion stream): one slot at a time with
    /// `next`, registering the waker only before `idle`, and staying active
    /// between polls that return an output. The first poll returns after
    /// its first slot, woken by something else, still active.
    Stream,
}

/// The task's side: what it drained so far.
struct Task {
    /// Every slot that will be marked, in the order of `written`.
    marked: Vec<usize>,
    /// Set by whoever marks the slot at the same index of `marked`, just
    /// before it marks it, with no ordering of its own.
    written: Arc<Vec<AtomicBool>>,
    seen: Vec<usize>,
    /// `Stream` only: what `next` took and has not handed out.
    taken: Taken,
    /// `Stream` only: the last poll left the set active.
    active: bool,
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
        polling: Polling,
        first: bool,
    ) -> Poll<()> {
        if !matches!(polling, Polling::Stream) {
            set.begin(cx.waker());
        }
        match polling {
            Polling::Plain => {
                set.drain(|slot| self.take(slot));
                while !set.idle() {
                    set.drain(|slot| self.take(slot));
                }
            }
            Polling::PauseFirst if first => {
                set.drain(|slot| self.take(slot));
                set.pause();
                cx.waker().wake_by_ref();
            }
            Polling::Stream => return self.poll_stream(set, cx, first),
            Polling::Driver { .. } | Polling::PauseFirst => {
                let mut budget = match polling {
                    Polling::Driver { budget } => budget,
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

    /// One poll as a completion stream's consumer makes it: it takes slots
    /// until `idle` holds.
    fn poll_stream(&mut self, set: &ReadySet, cx: &Context<'_>, first: bool) -> Poll<()> {
        let mut registered = !self.active;
        if registered {
            set.begin(cx.waker());
        }
        self.active = true;
        loop {
            if let Some(slot) = set.next(&mut self.taken) {
                self.take(slot);
                if first {
                    // Returns with the set active; another future wakes it.
                    cx.waker().wake_by_ref();
                    return Poll::Pending;
                }
                continue;
            }
            if self.done() {
                return Poll::Ready(());
            }
            if !registered {
                set.register(cx.waker());
                registered = true;
            }
            if set.idle() {
                self.active = false;
                return Poll::Pending;
            }
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
    polling: Polling,
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
            taken: Taken::default(),
            active: false,
        };
        let mut first = true;
        loom::future::block_on(poll_fn(|cx| {
            let ready = task.poll(&set, cx, polling, first);
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
        "slots {slots}, early {early:?}, markers {markers:?}, {polling:?}: {} executions in {:.2?}",
        runs.load(std::sync::atomic::Ordering::Relaxed),
        started.elapsed()
    );
}

/// (a) Two markers on a one-word set, racing a task that drains until
/// `idle` holds, or polls as `driver.rs` does.
#[test]
fn loom_two_markers_one_word() {
    check(2, &[], &[&[0], &[1]], Polling::Plain);
    check(
        2,
        &[],
        &[&[0], &[1]],
        Polling::Driver { budget: usize::MAX },
    );
}

/// (a) A marker that marks twice (the second mark may land after the
/// task cleared the first), racing another.
#[test]
fn loom_marker_marks_twice_one_word() {
    check(3, &[], &[&[0, 1], &[2]], Polling::Plain);
}

/// (b) Two levels (65 slots): marks sharing the level-0 word, so the
/// second marker may take the load shortcut on the top word, and marks in
/// different level-0 words under one top word.
#[test]
fn loom_two_levels() {
    check(65, &[], &[&[0], &[1]], Polling::Plain);
    check(65, &[], &[&[0], &[64]], Polling::Plain);
    check(
        65,
        &[],
        &[&[0], &[1]],
        Polling::Driver { budget: usize::MAX },
    );
}

/// (b) Three levels (4097 slots): marks that share every word above level
/// 0, only the top word (one bit of it, or two), and a marker that marks
/// twice under one parent, so its second mark may find the parent bit
/// cleared by the drainer, or still set.
#[test]
fn loom_three_levels() {
    check(4097, &[], &[&[0], &[1]], Polling::Plain);
    check(4097, &[], &[&[0], &[64]], Polling::Plain);
    check(4097, &[], &[&[0], &[4096]], Polling::Plain);
    check(4097, &[], &[&[0, 1], &[64]], Polling::Plain);
}

/// (c) Marks racing `pause`: the task drains a mark made before it
/// starts, then pauses (and wakes itself) while markers mark.
#[test]
fn loom_marks_race_pause() {
    check(2, &[0], &[&[1]], Polling::PauseFirst);
    check(65, &[0], &[&[1], &[64]], Polling::PauseFirst);
    check(65, &[0], &[&[1], &[64]], Polling::Driver { budget: 1 });
}

/// (d) A completion stream's polling: `next` one slot at a time, marks
/// racing a task that stays active between polls and registers its waker
/// only before `idle`; one word and two levels.
#[test]
fn loom_stream_polling() {
    check(2, &[0], &[&[1]], Polling::Stream);
    check(3, &[0], &[&[1], &[2]], Polling::Stream);
    check(65, &[0], &[&[1], &[64]], Polling::Stream);
}
