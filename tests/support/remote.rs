//! Branches completed by hand ([`remote`]) and the event log of what each
//! branch saw.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};

/// What a branch saw, in the order it happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// Polled (to `Pending` or to `Ready`).
    Polled(usize),
    /// Polled to `Ready`: the combinator now has its output.
    Completed(usize),
    /// Dropped before it completed: cancelled.
    Cancelled(usize),
    /// Dropped after it completed.
    Released(usize),
}

/// A shared, ordered record of [`Event`]s.
#[derive(Debug, Clone, Default)]
pub struct Log {
    events: Arc<Mutex<Vec<Event>>>,
}

impl Log {
    /// An empty log.
    pub fn new() -> Self {
        Self::default()
    }

    fn push(&self, event: Event) {
        lock(&self.events).push(event);
    }

    /// Every event so far.
    pub fn events(&self) -> Vec<Event> {
        lock(&self.events).clone()
    }

    /// The branches in the order the combinator received their outputs.
    pub fn arrivals(&self) -> Vec<usize> {
        self.events()
            .into_iter()
            .filter_map(|event| match event {
                Event::Completed(id) => Some(id),
                _ => None,
            })
            .collect()
    }

    /// Panics if a branch was polled after it completed or was dropped, or
    /// dropped twice.
    pub fn assert_no_poll_after_the_end(&self) {
        let mut ended = std::collections::HashSet::new();
        for event in self.events() {
            match event {
                Event::Polled(id) => {
                    assert!(
                        !ended.contains(&id),
                        "branch {id} polled after its end: {self:?}"
                    );
                }
                Event::Completed(id) => {
                    assert!(!ended.contains(&id), "branch {id} completed twice");
                }
                Event::Cancelled(id) | Event::Released(id) => {
                    assert!(
                        ended.insert(id) || matches!(event, Event::Released(_)),
                        "branch {id} dropped twice"
                    );
                }
            }
        }
    }
}

pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[derive(Debug)]
struct RemoteState<T> {
    value: Option<T>,
    /// The waker of the latest poll.
    waker: Option<Waker>,
    polls: usize,
    completed: bool,
    dropped: bool,
    /// Call `wake_by_ref` on the poll's waker before returning `Pending`,
    /// this many more times.
    self_wakes: usize,
    /// Clone the poll's waker this many times, wake through every clone from
    /// another thread, then drop the clones.
    clone_storm: usize,
    /// Wake the latest waker (by reference, by a clone, and from another
    /// thread) while being dropped.
    wake_on_drop: bool,
}

/// The test's side of a [`Remote`] branch: completes it, wakes it, and tells
/// what happened to it.
#[derive(Debug)]
pub struct Switch<T> {
    id: usize,
    state: Arc<Mutex<RemoteState<T>>>,
}

impl<T> Clone for Switch<T> {
    fn clone(&self) -> Self {
        Switch {
            id: self.id,
            state: Arc::clone(&self.state),
        }
    }
}

/// A branch that completes when its [`Switch`] says so, waking the waker of
/// its latest poll (from whatever thread calls the switch). It logs every
/// poll and its drop, and panics if polled after it completed.
#[derive(Debug)]
pub struct Remote<T> {
    id: usize,
    state: Arc<Mutex<RemoteState<T>>>,
    log: Log,
    done: bool,
}

/// A branch numbered `id` and its switch.
pub fn remote<T>(id: usize, log: &Log) -> (Remote<T>, Switch<T>) {
    let state = Arc::new(Mutex::new(RemoteState {
        value: None,
        waker: None,
        polls: 0,
        completed: false,
        dropped: false,
        self_wakes: 0,
        clone_storm: 0,
        wake_on_drop: false,
    }));
    (
        Remote {
            id,
            state: Arc::clone(&state),
            log: log.clone(),
            done: false,
        },
        Switch { id, state },
    )
}

/// `n` branches numbered `0..n` and their switches.
pub fn remotes<T>(n: usize, log: &Log) -> (Vec<Remote<T>>, Vec<Switch<T>>) {
    remotes_from(0, n, log)
}

/// `n` branches numbered `first..first + n` and their switches.
pub fn remotes_from<T>(first: usize, n: usize, log: &Log) -> (Vec<Remote<T>>, Vec<Switch<T>>) {
    (first..first + n).map(|id| remote(id, log)).unzip()
}

impl<T> Switch<T> {
    /// The number of its branch.
    pub fn id(&self) -> usize {
        self.id
    }

    /// Gives the branch its output and wakes its latest waker. `false` (and
    /// nothing done) if the branch was dropped or already has an output.
    pub fn complete(&self, value: T) -> bool {
        let waker = {
            let mut state = lock(&self.state);
            if state.dropped || state.completed || state.value.is_some() {
                return false;
            }
            state.value = Some(value);
            state.waker.clone()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
        true
    }

    /// Wakes the latest waker without giving an output: a spurious wake.
    /// `false` if the branch was never polled.
    pub fn wake(&self) -> bool {
        let waker = lock(&self.state).waker.clone();
        waker.map(Waker::wake).is_some()
    }

    /// The waker of the branch's latest poll, even after the branch is gone.
    pub fn waker(&self) -> Option<Waker> {
        lock(&self.state).waker.clone()
    }

    /// Makes the next polls wake their own waker before returning `Pending`.
    pub fn self_wake(&self, times: usize) {
        lock(&self.state).self_wakes = times;
    }

    /// Makes the next poll clone its waker `clones` times and wake through
    /// every clone from another thread.
    pub fn clone_storm(&self, clones: usize) {
        lock(&self.state).clone_storm = clones;
    }

    /// Makes the branch wake its latest waker while it is being dropped.
    pub fn wake_on_drop(&self) {
        lock(&self.state).wake_on_drop = true;
    }

    /// How many times the branch was polled.
    pub fn polls(&self) -> usize {
        lock(&self.state).polls
    }

    /// Whether the branch was polled at all.
    pub fn was_polled(&self) -> bool {
        self.polls() > 0
    }

    /// Whether the branch returned its output.
    pub fn is_completed(&self) -> bool {
        lock(&self.state).completed
    }

    /// Whether the branch was dropped (completed or not).
    pub fn is_dropped(&self) -> bool {
        lock(&self.state).dropped
    }

    /// Dropped without having completed.
    pub fn is_cancelled(&self) -> bool {
        let state = lock(&self.state);
        state.dropped && !state.completed
    }

    /// Completed or dropped: the combinator is done with it.
    pub fn is_over(&self) -> bool {
        let state = lock(&self.state);
        state.dropped || state.completed
    }

    /// Whether it has an output the combinator has not taken yet.
    pub fn has_output_waiting(&self) -> bool {
        let state = lock(&self.state);
        state.value.is_some() && !state.dropped
    }
}

impl<T> Future for Remote<T> {
    type Output = T;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        let id = self.id;
        assert!(!self.done, "branch {id} polled after it completed");
        self.log.push(Event::Polled(id));
        let (self_wake, storm) = {
            let mut state = lock(&self.state);
            state.polls += 1;
            if let Some(value) = state.value.take() {
                // The waker is kept, so that a test can wake it after the end.
                state.completed = true;
                drop(state);
                self.done = true;
                self.log.push(Event::Completed(id));
                return Poll::Ready(value);
            }
            // Always the latest waker, as a well-behaved future does.
            state.waker = Some(cx.waker().clone());
            let self_wake = state.self_wakes > 0;
            state.self_wakes = state.self_wakes.saturating_sub(1);
            (self_wake, std::mem::take(&mut state.clone_storm))
        };
        if storm > 0 {
            let clones: Vec<Waker> = (0..storm).map(|_| cx.waker().clone()).collect();
            std::thread::spawn(move || {
                for waker in clones {
                    waker.wake();
                }
            })
            .join()
            .expect("the waking thread");
        }
        if self_wake {
            // A wake before `Pending` is returned.
            cx.waker().wake_by_ref();
        }
        Poll::Pending
    }
}

impl<T> Drop for Remote<T> {
    fn drop(&mut self) {
        let (completed, waker) = {
            let mut state = lock(&self.state);
            state.dropped = true;
            let waker = state.wake_on_drop.then(|| state.waker.clone()).flatten();
            (state.completed, waker)
        };
        if let Some(waker) = waker {
            // Wakes from inside the combinator's cancellation (or its own drop).
            waker.wake_by_ref();
            let clone = waker.clone();
            clone.wake();
            std::thread::spawn(move || waker.wake())
                .join()
                .expect("the waking thread");
        }
        self.log.push(if completed {
            Event::Released(self.id)
        } else {
            Event::Cancelled(self.id)
        });
    }
}

/// Whether every switch says its branch is over (completed or dropped).
pub fn all_over<T>(switches: &[Switch<T>]) -> bool {
    switches.iter().all(Switch::is_over)
}

/// Counts the switches whose branch was cancelled.
pub fn cancelled<T>(switches: &[Switch<T>]) -> usize {
    switches.iter().filter(|s| s.is_cancelled()).count()
}
