//! The backend trait and the timer future every backend hands out.

use std::fmt;
use std::future::{Future, IntoFuture};
use std::marker::PhantomPinned;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Instant;

use super::coalesced::Coalesced;
use pin_project_lite::pin_project;

/// A source of time: the current instant, and futures that complete at an
/// instant. Implement it to run orchestrate's timers on a timer of your own;
/// install it with [`with_timer`](super::with_timer) or
/// [`set_default_timer`](super::set_default_timer).
///
/// Both methods are required and must read the *same* clock: every deadline
/// is computed from [`now`](TimerBackend::now) and handed to
/// [`timer_at`](TimerBackend::timer_at). A backend whose timers run on a clock
/// that can be paused or advanced (tokio's under `start_paused`, a virtual
/// clock) returns that clock's time from `now`; one that wraps another backend
/// forwards both methods to it, as below.
///
/// ```
/// use std::time::{Duration, Instant};
/// use std::sync::Arc;
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use orchestrate::timer::{with_timer, FuturesTimer, TimerBackend, TimerFuture};
/// use orchestrate::timeout;
///
/// /// Counts the timers it arms, and leaves the waiting to futures-timer.
/// struct Counting(Arc<AtomicUsize>);
///
/// impl TimerBackend for Counting {
///     fn now(&self) -> Instant {
///         FuturesTimer.now() // the clock of the timers it hands out
///     }
///
///     fn timer_at(&self, at: Instant) -> TimerFuture {
///         self.0.fetch_add(1, Ordering::Relaxed);
///         FuturesTimer.timer_at(at)
///     }
/// }
///
/// # futures::executor::block_on(async {
/// let armed = Arc::new(AtomicUsize::new(0));
/// let work = async {
///     // A ready future arms nothing; a pending one arms one timer.
///     assert_eq!(timeout(Duration::from_secs(1), async { 1 }).await, Ok(1));
///     let never = std::future::pending::<()>();
///     assert!(timeout(Duration::from_millis(5), never).await.is_err());
/// };
/// with_timer(Counting(armed.clone()), work).await;
/// assert_eq!(armed.load(Ordering::Relaxed), 1);
/// # });
/// ```
pub trait TimerBackend: Send + Sync + 'static {
    /// The current instant on this backend's clock, the one its timers
    /// fire by: every deadline is an instant on it. Required, with no
    /// default, so that a backend cannot silently mix its timers' clock with
    /// the system's: [`Instant::now`] for a timer on real time, the paused or
    /// advanced time for tokio's, the virtual time for a virtual clock.
    ///
    /// ```
    /// # use orchestrate::timer::{FuturesTimer, TimerBackend};
    /// let before = std::time::Instant::now();
    /// assert!(FuturesTimer.now() >= before);
    /// ```
    ///
    /// A backend that leaves it out does not compile (E0046, "missing `now`
    /// in implementation"):
    ///
    /// ```compile_fail,E0046
    /// use std::time::Instant;
    /// use orchestrate::timer::{FuturesTimer, TimerBackend, TimerFuture};
    ///
    /// struct Forgetful;
    ///
    /// impl TimerBackend for Forgetful {
    ///     fn timer_at(&self, at: Instant) -> TimerFuture {
    ///         FuturesTimer.timer_at(at)
    ///     }
    /// }
    /// ```
    fn now(&self) -> Instant;

    /// A future that completes at `at` (at once if `at` has passed). It is
    /// polled again at every poll of the future waiting on it, so it must
    /// check its own state each time rather than rely on one wake-up alone.
    ///
    /// ```
    /// # use std::time::{Duration, Instant};
    /// # use orchestrate::timer::{FuturesTimer, TimerBackend};
    /// # futures::executor::block_on(async {
    /// let at = Instant::now() + Duration::from_millis(5);
    /// FuturesTimer.timer_at(at).await;
    /// assert!(Instant::now() >= at);
    /// # });
    /// ```
    fn timer_at(&self, at: Instant) -> TimerFuture;
}

impl<B: TimerBackend + ?Sized> TimerBackend for Arc<B> {
    fn now(&self) -> Instant {
        (**self).now()
    }

    fn timer_at(&self, at: Instant) -> TimerFuture {
        (**self).timer_at(at)
    }
}

pin_project! {
    /// A future that completes at an instant, made by a [`TimerBackend`].
    /// Output: `()`. The built-in backends fill it without an extra
    /// allocation (tokio's `Sleep` is stored inline); [`TimerFuture::new`]
    /// boxes any other future. It is `!Unpin` whatever the features, like
    /// tokio's `Sleep`: pin it to poll it by hand, as `.await` does.
    ///
    /// ```
    /// # use std::time::{Duration, Instant};
    /// use orchestrate::timer::TimerFuture;
    /// # futures::executor::block_on(async {
    /// let start = Instant::now();
    /// TimerFuture::new(orchestrate::sleep(Duration::from_millis(5))).await;
    /// assert!(start.elapsed() >= Duration::from_millis(5));
    /// # });
    /// ```
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct TimerFuture {
        #[pin]
        inner: Inner,
        // `!Unpin` with or without the `tokio` feature: enabling a feature
        // anywhere in a build must not take `Unpin` away from anyone's types.
        #[pin]
        pinned: PhantomPinned,
    }
}

// A variant per built-in backend, whatever the features: pin-project-lite
// does not carry `#[cfg]` over to the projection, so a backend whose feature
// is off keeps its variant with an uninhabited payload (`Off`).
#[cfg(feature = "tokio")]
type TokioSleep = tokio::task::Unconstrained<tokio::time::Sleep>;
#[cfg(not(feature = "tokio"))]
type TokioSleep = Off;
#[cfg(feature = "async-io")]
type IoTimer = async_io::Timer;
#[cfg(not(feature = "async-io"))]
type IoTimer = Off;
#[cfg(feature = "test-util")]
type VirtualTimer = crate::time::virtual_clock::VirtualTimer;
#[cfg(not(feature = "test-util"))]
type VirtualTimer = Off;
/// `Mutex` only to make it `Sync`: it is reached through `&mut`, never locked.
type CustomFuture = Mutex<Pin<Box<dyn Future<Output = ()> + Send>>>;

/// The payload of a backend whose feature is off: no value of it exists.
#[cfg_attr(
    all(feature = "tokio", feature = "async-io", feature = "test-util"),
    allow(dead_code)
)]
enum Off {}

impl Future for Off {
    type Output = ();

    fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
        match *self {}
    }
}

pin_project! {
    #[project = InnerProj]
    enum Inner {
        FuturesTimer { timer: Coalesced },
        // Inline, not boxed: the reason `TimerFuture` is pinned.
        Tokio { #[pin] sleep: TokioSleep },
        AsyncIo { #[pin] timer: IoTimer },
        Virtual { #[pin] timer: VirtualTimer },
        Custom { future: CustomFuture },
    }
}

impl TimerFuture {
    /// Wraps (and boxes) any future as a timer; for backends of your own.
    ///
    /// ```
    /// # use orchestrate::timer::TimerFuture;
    /// # futures::executor::block_on(async {
    /// TimerFuture::new(async {}).await;
    /// # });
    /// ```
    pub fn new<F>(future: F) -> Self
    where
        F: IntoFuture<Output = ()>,
        F::IntoFuture: Send + 'static,
    {
        TimerFuture {
            inner: Inner::Custom {
                future: Mutex::new(Box::pin(future.into_future())),
            },
            pinned: PhantomPinned,
        }
    }

    #[cfg(feature = "tokio")]
    #[inline]
    pub(super) fn tokio(sleep: TokioSleep) -> Self {
        TimerFuture {
            inner: Inner::Tokio { sleep },
            pinned: PhantomPinned,
        }
    }

    #[cfg(feature = "async-io")]
    #[inline]
    pub(super) fn async_io(timer: IoTimer) -> Self {
        TimerFuture {
            inner: Inner::AsyncIo { timer },
            pinned: PhantomPinned,
        }
    }

    #[cfg(feature = "test-util")]
    pub(crate) fn from_virtual(timer: VirtualTimer) -> Self {
        TimerFuture {
            inner: Inner::Virtual { timer },
            pinned: PhantomPinned,
        }
    }

    /// A futures-timer `Delay` firing `after` from now.
    #[inline]
    pub(super) fn futures_timer(at: Instant) -> Self {
        TimerFuture {
            inner: Inner::FuturesTimer {
                timer: Coalesced::at(at),
            },
            pinned: PhantomPinned,
        }
    }
}

impl fmt::Debug for TimerFuture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let backend = match &self.inner {
            Inner::FuturesTimer { .. } => "futures-timer",
            Inner::Tokio { .. } => "tokio",
            Inner::AsyncIo { .. } => "async-io",
            Inner::Virtual { .. } => "virtual",
            Inner::Custom { .. } => "custom",
        };
        f.debug_struct("TimerFuture")
            .field("backend", &backend)
            .finish_non_exhaustive()
    }
}

impl Future for TimerFuture {
    type Output = ();

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        match self.project().inner.project() {
            InnerProj::FuturesTimer { timer } => Pin::new(timer).poll(cx),
            InnerProj::Tokio { sleep } => sleep.poll(cx),
            InnerProj::AsyncIo { timer } => timer.poll(cx).map(drop),
            InnerProj::Virtual { timer } => timer.poll(cx),
            InnerProj::Custom { future } => match future.get_mut() {
                Ok(future) => future.as_mut().poll(cx),
                Err(poisoned) => poisoned.into_inner().as_mut().poll(cx),
            },
        }
    }
}
