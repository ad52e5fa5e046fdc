//! The backends that come with the crate: futures-timer's (the default),
//! tokio's and async-io's.

use std::time::Instant;

use super::{TimerBackend, TimerFuture};

/// The default backend: [futures-timer](https://docs.rs/futures-timer), one
/// global helper thread that works under every executor (and none).
///
/// The timers a thread arms for the same millisecond share one futures-timer
/// `Delay`: arming and cancelling a timeout (the common case: the work
/// finishes first) costs a place in that millisecond's slot, not a node in
/// the helper's heap and two wake-ups of its thread. A timer fires at the
/// end of its millisecond: never early, at most 1 ms late, as tokio's.
///
/// ```
/// use std::time::Duration;
/// use orchestrate::timer::{with_timer, FuturesTimer};
/// # futures::executor::block_on(async {
/// with_timer(FuturesTimer, orchestrate::sleep(Duration::from_millis(1))).await;
/// # });
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct FuturesTimer;

impl TimerBackend for FuturesTimer {
    #[inline]
    fn now(&self) -> Instant {
        Instant::now()
    }

    #[inline]
    fn timer_at(&self, at: Instant) -> TimerFuture {
        TimerFuture::futures_timer(at)
    }
}

/// tokio's timer (feature `tokio`): the time driver of the tokio runtime the
/// timer is armed on. Arming one outside a tokio runtime panics with a message
/// naming `TokioTimer`; on a runtime built without `enable_time()` (or
/// `enable_all()`), tokio panics with its own message.
///
/// Its clock is tokio's (`tokio::time::Instant::now()`): in a runtime whose
/// time is paused (tokio's `test-util`, `start_paused`), deadlines, timeouts
/// and `remaining()` follow the paused clock as it auto-advances.
///
/// The timer is polled with tokio's cooperative budget lifted, so a timeout
/// still fires when the future it limits has used up the task's budget
/// (tokio issue #4291).
///
/// ```
/// use std::time::Duration;
/// use orchestrate::timer::{with_timer, TokioTimer};
///
/// let rt = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
/// rt.block_on(with_timer(TokioTimer, async {
///     let never = std::future::pending::<()>();
///     assert!(orchestrate::timeout(Duration::from_millis(5), never).await.is_err());
/// }));
/// ```
#[cfg(feature = "tokio")]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct TokioTimer;

#[cfg(feature = "tokio")]
impl TimerBackend for TokioTimer {
    /// tokio's clock: paused or advanced time under tokio's `test-util`
    /// (`start_paused`, `tokio::time::advance`), real time otherwise.
    #[inline]
    fn now(&self) -> Instant {
        tokio::time::Instant::now().into_std()
    }

    #[inline]
    fn timer_at(&self, at: Instant) -> TimerFuture {
        assert!(
            tokio::runtime::Handle::try_current().is_ok(),
            "`TokioTimer` armed a timer outside a tokio runtime: run this future on a tokio runtime \
             built with `enable_time()`, or pick a backend that needs none (`FuturesTimer`, `AsyncIoTimer`)"
        );
        let sleep = tokio::time::sleep_until(tokio::time::Instant::from_std(at));
        TimerFuture::tokio(tokio::task::unconstrained(sleep))
    }
}

/// async-io's timer (feature `async-io`): the reactor that smol and
/// async-std run on. Works under any executor: async-io drives its reactor
/// from a thread of its own when nothing else does.
///
/// ```
/// use std::time::Duration;
/// use orchestrate::timer::{with_timer, AsyncIoTimer};
/// # futures::executor::block_on(async {
/// let never = std::future::pending::<()>();
/// let out = with_timer(AsyncIoTimer, orchestrate::timeout(Duration::from_millis(5), never)).await;
/// assert!(out.is_err());
/// # });
/// ```
#[cfg(feature = "async-io")]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct AsyncIoTimer;

#[cfg(feature = "async-io")]
impl TimerBackend for AsyncIoTimer {
    /// async-io's timers run on real time.
    #[inline]
    fn now(&self) -> Instant {
        Instant::now()
    }

    #[inline]
    fn timer_at(&self, at: Instant) -> TimerFuture {
        TimerFuture::async_io(async_io::Timer::at(at))
    }
}
