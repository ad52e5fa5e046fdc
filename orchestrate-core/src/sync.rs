//! The atomics of the lock-free wake set (`collection/ready_set.rs`), of
//! the time-stamp counter's measure (`time/clock.rs`) and of the limiter's
//! count, and the limiter's lock (`limit/limiter.rs`), in one place: std's
//! and atomic-waker's, or loom's under `--cfg loom`, so that the
//! model-checks (`collection/ready_set_loom.rs`, `time/clock_loom.rs`,
//! `limit/limiter_loom.rs`) explore every interleaving of the very code that
//! ships.

#[cfg(not(loom))]
pub(crate) use atomic_waker::AtomicWaker;
#[cfg(not(loom))]
pub(crate) use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
#[cfg(not(loom))]
pub(crate) use std::sync::{Mutex, MutexGuard};

#[cfg(loom)]
pub(crate) use loom::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
#[cfg(loom)]
pub(crate) use loom::sync::{Mutex, MutexGuard};
#[cfg(loom)]
pub(crate) use loom_waker::AtomicWaker;

/// `atomic_waker::AtomicWaker`'s API, over loom's.
#[cfg(loom)]
mod loom_waker {
    use std::task::Waker;

    #[derive(Debug)]
    pub(crate) struct AtomicWaker(loom::future::AtomicWaker);

    impl AtomicWaker {
        pub(crate) fn new() -> Self {
            AtomicWaker(loom::future::AtomicWaker::new())
        }

        pub(crate) fn register(&self, waker: &Waker) {
            self.0.register_by_ref(waker);
        }

        pub(crate) fn wake(&self) {
            self.0.wake();
        }
    }
}
