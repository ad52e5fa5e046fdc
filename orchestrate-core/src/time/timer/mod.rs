//! Timer backends: where the core's timers come from.
//!
//! Everything in orchestrate that waits for time ([`timeout`](crate::timeout()),
//! [`Deadline`](crate::Deadline), [`sleep`](crate::sleep()), retries and the
//! `#[timeout]` and `#[retry]` attributes) asks the *current backend* for a
//! [`TimerFuture`] and reads the time through it. The backend is chosen where
//! the work is driven, never at the call sites:
//!
//! 1. the backend installed by the innermost [`with_timer`] around the future
//!    being polled (a scope that travels with the future, in any executor);
//! 2. otherwise the process-wide default set once by [`set_default_timer`];
//! 3. otherwise [`FuturesTimer`], which needs no runtime at all.
//!
//! | backend | feature | needs | a pending timeout costs |
//! | --- | --- | --- | --- |
//! | [`FuturesTimer`] | always | nothing: one global helper thread | a place in the slot of its millisecond (one futures-timer `Delay` per millisecond and thread); fires at the end of that millisecond |
//! | `TokioTimer` | `tokio` | a tokio runtime with the time driver (`enable_time`) | a tokio `Sleep`, inline (no allocation) |
//! | `AsyncIoTimer` | `async-io` | nothing: async-io's reactor (smol, async-std) | a reactor registration |
//! | `testing::VirtualClock` | `test-util` | nothing | an entry in the clock's heap |
//!
//! `benches/timers.rs` measures the last column; run `cargo bench --bench timers
//! --all-features`.
//!
//! # Trade-offs of the scope
//!
//! [`with_timer`] installs its backend in a thread-local only while the future
//! inside it is being polled, so it works under every executor, nests (the
//! innermost wins) and costs two thread-local writes per poll. But it follows
//! the *future*, not the task: a future spawned from inside the scope (with
//! `tokio::spawn`, `smol::spawn`, …) runs outside it, on the default backend,
//! unless it is wrapped in `with_timer` too. A timer keeps the backend it was
//! armed with: moving an armed [`Timeout`](crate::Timeout) out of the scope
//! does not re-arm it.
//!
//! [`set_default_timer`] reaches every task, spawned or not, but only once per
//! process: set it at the top of `main`, before anything arms a timer.

mod backend;
mod builtin;
mod coalesced;
mod scope;

pub use backend::{TimerBackend, TimerFuture};
#[cfg(feature = "async-io")]
pub use builtin::AsyncIoTimer;
pub use builtin::FuturesTimer;
#[cfg(feature = "tokio")]
pub use builtin::TokioTimer;
pub(crate) use scope::{NEVER_AFTER, arm_after, arm_at, backend_now};
#[cfg(feature = "test-util")]
pub(crate) use scope::{Scope, shared};
pub use scope::{WithTimer, now, set_default_timer, with_timer};

// The timers are `!Unpin` whatever the features (so enabling `tokio`, which
// stores its `Sleep` inline, changes no auto trait for anyone), and so are
// `Sleep` and `Timeout`, which hold one.
#[cfg(test)]
mod tests {
    use super::TimerFuture;
    use crate::{Sleep, Timeout};

    /// Compiles only if `T: !Unpin`: with `T: Unpin` both impls apply and the
    /// call is ambiguous.
    trait AmbiguousIfUnpin<A> {
        fn check() {}
    }
    impl<T: ?Sized> AmbiguousIfUnpin<()> for T {}
    impl<T: ?Sized + Unpin> AmbiguousIfUnpin<u8> for T {}

    #[test]
    fn timers_are_never_unpin() {
        <TimerFuture as AmbiguousIfUnpin<_>>::check();
        <Sleep as AmbiguousIfUnpin<_>>::check();
        <Timeout<std::future::Ready<()>> as AmbiguousIfUnpin<_>>::check();
    }
}
