//! A hand-written executor ([`Exec`]) that polls only when it was woken, can
//! hand a fresh waker to every poll, and reports a lost wake instead of
//! hanging.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::task::{Context, Poll, Wake, Waker};
use std::time::{Duration, Instant};

use crate::remote::lock;

/// How long the executor waits for a wake before it calls the wake lost.
/// Only a failing test ever waits this long.
pub const LOST_WAKE: Duration = Duration::from_secs(5);

/// A waker that records its wakes and lets a thread wait for one.
#[derive(Debug, Default)]
pub struct Flag {
    woken: Mutex<bool>,
    ready: Condvar,
    wakes: AtomicUsize,
}

impl Flag {
    /// A flag not woken yet.
    pub fn new() -> Arc<Self> {
        Arc::default()
    }

    /// Whether woken since the last [`take`](Flag::take).
    pub fn is_woken(&self) -> bool {
        *lock(&self.woken)
    }

    /// Clears the flag, telling whether it was set.
    pub fn take(&self) -> bool {
        std::mem::take(&mut *lock(&self.woken))
    }

    /// Every wake so far.
    pub fn wakes(&self) -> usize {
        self.wakes.load(Ordering::SeqCst)
    }

    /// Waits until woken (and clears the flag); `false` after `timeout`.
    pub fn wait(&self, timeout: Duration) -> bool {
        let end = Instant::now() + timeout;
        let mut woken = lock(&self.woken);
        while !*woken {
            let left = end.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            woken = self
                .ready
                .wait_timeout(woken, left)
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .0;
        }
        *woken = false;
        true
    }
}

impl Wake for Flag {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.wakes.fetch_add(1, Ordering::SeqCst);
        *lock(&self.woken) = true;
        self.ready.notify_all();
    }
}

/// How the [`Exec`] treats the future it drives.
#[derive(Debug, Clone, Copy, Default)]
pub struct Policy {
    /// A new waker for every poll; the executor then waits on the newest
    /// only, so a combinator that wakes a stale waker is caught.
    pub fresh_waker_each_poll: bool,
    /// Polls this many more times after each poll, unwoken.
    pub spurious_polls: usize,
}

/// A hand-written executor for one future, polled by the test.
pub struct Exec<F: Future> {
    future: Pin<Box<F>>,
    policy: Policy,
    /// The waker of the latest poll.
    flag: Arc<Flag>,
    /// Every waker handed out so far (the latest last).
    pub flags: Vec<Arc<Flag>>,
    polls: usize,
    finished: bool,
}

impl<F: Future> fmt::Debug for Exec<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Exec")
            .field("polls", &self.polls)
            .field("finished", &self.finished)
            .finish_non_exhaustive()
    }
}

impl<F: Future> Exec<F> {
    /// An executor for `future`, not polled yet.
    pub fn new(future: F, policy: Policy) -> Self {
        let flag = Flag::new();
        Exec {
            future: Box::pin(future),
            policy,
            flags: vec![Arc::clone(&flag)],
            flag,
            polls: 0,
            finished: false,
        }
    }

    /// The flag of the waker the executor now waits on.
    pub fn flag(&self) -> &Arc<Flag> {
        &self.flag
    }

    /// How many times the future was polled.
    pub fn polls(&self) -> usize {
        self.polls
    }

    /// Whether the future returned its output.
    pub fn is_finished(&self) -> bool {
        self.finished
    }

    /// Polls once (plus the policy's spurious polls, while pending).
    pub fn poll(&mut self) -> Poll<F::Output> {
        assert!(!self.finished, "the test polled a finished future");
        for round in 0..=self.policy.spurious_polls {
            if self.policy.fresh_waker_each_poll && self.polls > 0 {
                self.flag = Flag::new();
                self.flags.push(Arc::clone(&self.flag));
            }
            self.flag.take();
            let waker = Waker::from(Arc::clone(&self.flag));
            self.polls += 1;
            if let Poll::Ready(output) = self.future.as_mut().poll(&mut Context::from_waker(&waker))
            {
                self.finished = true;
                return Poll::Ready(output);
            }
            let _ = round;
        }
        Poll::Pending
    }

    /// Polls if woken since the last poll; `None` if not woken.
    pub fn poll_if_woken(&mut self) -> Option<Poll<F::Output>> {
        self.flag.is_woken().then(|| self.poll())
    }

    /// Polls until ready, waiting for a wake between polls; panics naming
    /// a lost wake if none comes within [`LOST_WAKE`].
    pub fn run(&mut self) -> F::Output {
        loop {
            if let Poll::Ready(output) = self.poll() {
                return output;
            }
            assert!(
                self.flag.wait(LOST_WAKE),
                "lost wake: pending, and the latest waker was not woken within {LOST_WAKE:?} \
                 (after {} polls; stale wakers woken {} times)",
                self.polls,
                self.stale_wakes(),
            );
        }
    }

    /// Wakes of wakers older than the latest one.
    pub fn stale_wakes(&self) -> usize {
        self.flags[..self.flags.len() - 1]
            .iter()
            .map(|flag| flag.wakes())
            .sum()
    }

    /// Gives the future back, to drop it mid-flight.
    pub fn into_future(self) -> Pin<Box<F>> {
        self.future
    }
}
