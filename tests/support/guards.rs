//! What a test counts: branches dropped before they finished, branches in
//! flight, and flags set once.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// Counts the [`DropGuard`]s dropped before they were defused, that is the
/// branches cancelled (dropped before they finished).
#[derive(Debug, Clone, Default)]
pub struct DropCounter {
    dropped: Arc<AtomicUsize>,
}

impl DropCounter {
    /// A counter at zero.
    pub fn new() -> Self {
        Self::default()
    }

    /// A guard to move into a branch.
    pub fn guard(&self) -> DropGuard {
        DropGuard {
            dropped: Some(Arc::clone(&self.dropped)),
        }
    }

    /// How many guards were dropped without being defused.
    pub fn dropped(&self) -> usize {
        self.dropped.load(Ordering::SeqCst)
    }
}

/// Increments its [`DropCounter`] when dropped, unless defused first.
#[derive(Debug)]
pub struct DropGuard {
    dropped: Option<Arc<AtomicUsize>>,
}

impl DropGuard {
    /// Marks the branch as finished normally: dropping it counts nothing.
    pub fn defuse(mut self) {
        self.dropped = None;
    }
}

impl Drop for DropGuard {
    fn drop(&mut self) {
        if let Some(dropped) = self.dropped.take() {
            dropped.fetch_add(1, Ordering::SeqCst);
        }
    }
}

/// Counts branches in flight and records the most ever in flight at once.
#[derive(Debug, Clone, Default)]
pub struct InFlight {
    state: Arc<InFlightState>,
}

#[derive(Debug, Default)]
struct InFlightState {
    now: AtomicUsize,
    max: AtomicUsize,
    started: AtomicUsize,
    finished: AtomicUsize,
}

impl InFlight {
    /// A counter with nothing in flight.
    pub fn new() -> Self {
        Self::default()
    }

    /// Marks one branch as started; it counts as in flight until the guard
    /// is dropped (finished or cancelled).
    pub fn enter(&self) -> InFlightGuard {
        let state = &self.state;
        state.started.fetch_add(1, Ordering::SeqCst);
        let now = state.now.fetch_add(1, Ordering::SeqCst) + 1;
        state.max.fetch_max(now, Ordering::SeqCst);
        InFlightGuard {
            state: Arc::clone(&self.state),
        }
    }

    /// The most branches ever in flight at once.
    pub fn max(&self) -> usize {
        self.state.max.load(Ordering::SeqCst)
    }

    /// Branches in flight now.
    pub fn now(&self) -> usize {
        self.state.now.load(Ordering::SeqCst)
    }

    /// Branches started so far.
    pub fn started(&self) -> usize {
        self.state.started.load(Ordering::SeqCst)
    }

    /// Branches that ran to their end (called [`InFlightGuard::finish`]).
    pub fn finished(&self) -> usize {
        self.state.finished.load(Ordering::SeqCst)
    }
}

/// One branch in flight; leaves on drop.
#[derive(Debug)]
pub struct InFlightGuard {
    state: Arc<InFlightState>,
}

impl InFlightGuard {
    /// Leaves, counting the branch as finished (not cancelled).
    pub fn finish(self) {
        self.state.finished.fetch_add(1, Ordering::SeqCst);
    }
}

impl Drop for InFlightGuard {
    fn drop(&mut self) {
        self.state.now.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A flag set once, readable from anywhere.
#[derive(Debug, Default, Clone)]
pub struct Once(Arc<AtomicBool>);

impl Once {
    /// Sets the flag.
    pub fn set(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    /// Whether the flag was set.
    pub fn is_set(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}
