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
//! | [`FuturesTimer`] | always | nothing: one global helper thread | a shared node in the helper's heap |
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

use std::cell::RefCell;
use std::fmt;
use std::future::{Future, IntoFuture};
use std::marker::PhantomPinned;
use std::pin::Pin;
use std::sync::{Arc, Mutex, OnceLock};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use futures_timer::Delay;
use pin_project_lite::pin_project;

/// A source of time: the current instant, and futures that complete at an
/// instant. Implement it to run orchestrate's timers on a timer of your own;
/// install it with [`with_timer`] or [`set_default_timer`].
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
type VirtualTimer = super::virtual_clock::VirtualTimer;
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
        FuturesTimer { #[pin] delay: Delay },
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

    #[cfg(feature = "test-util")]
    pub(crate) fn from_virtual(timer: VirtualTimer) -> Self {
        TimerFuture {
            inner: Inner::Virtual { timer },
            pinned: PhantomPinned,
        }
    }

    /// A futures-timer `Delay` firing `after` from now.
    #[inline]
    fn futures_timer(after: Duration) -> Self {
        TimerFuture {
            inner: Inner::FuturesTimer {
                delay: Delay::new(after),
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
            InnerProj::FuturesTimer { delay } => delay.poll(cx),
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

/// The default backend: [futures-timer](https://docs.rs/futures-timer), one
/// global helper thread that works under every executor (and none).
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
        TimerFuture::futures_timer(at.saturating_duration_since(Instant::now()))
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
        TimerFuture {
            inner: Inner::Tokio {
                sleep: tokio::task::unconstrained(sleep),
            },
            pinned: PhantomPinned,
        }
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
        TimerFuture {
            inner: Inner::AsyncIo {
                timer: async_io::Timer::at(at),
            },
            pinned: PhantomPinned,
        }
    }
}

type Shared = Arc<dyn TimerBackend>;

thread_local! {
    /// The backend of the innermost `with_timer` being polled on this thread.
    static CURRENT: RefCell<Option<Shared>> = const { RefCell::new(None) };
}

static DEFAULT: OnceLock<Shared> = OnceLock::new();

/// Calls `f` with the current backend: the scope's, the process default, or
/// `None` for futures-timer.
#[inline]
fn with_current<R>(f: impl FnOnce(Option<&dyn TimerBackend>) -> R) -> R {
    let mut f = Some(f);
    let scoped = CURRENT.try_with(|current| {
        let current = current.borrow();
        current
            .as_deref()
            .map(|backend| (f.take().expect("called once"))(Some(backend)))
    });
    if let Ok(Some(out)) = scoped {
        return out;
    }
    let f = f.take().expect("called once");
    f(DEFAULT.get().map(|backend| &**backend))
}

/// The current instant on the current backend's clock: [`Instant::now`]
/// unless a virtual clock (or a backend of your own) is in scope. Use it
/// instead of `Instant::now()` for instants you hand to
/// [`Deadline::at`](crate::Deadline::at) or
/// [`sleep_until`](crate::sleep_until()) in code that may run on a virtual
/// clock.
///
/// ```
/// use std::time::Duration;
/// use orchestrate::{sleep_until, timer};
/// # futures::executor::block_on(async {
/// let at = timer::now() + Duration::from_millis(5);
/// sleep_until(at).await;
/// assert!(timer::now() >= at);
/// # });
/// ```
#[inline]
pub fn now() -> Instant {
    with_current(|backend| backend.map_or_else(Instant::now, TimerBackend::now))
}

/// Arms a timer at `at` on the current backend and hands it to `put`, which
/// runs right where the timer is made: a large timer (tokio's `Sleep`, held
/// inline) then moves once, straight into its pinned place.
#[inline]
pub(crate) fn arm_at<R>(at: Instant, put: impl FnOnce(TimerFuture) -> R) -> R {
    // `put` in each arm, not around the `match`: no copy to merge them.
    with_current(|backend| match backend {
        Some(backend) => put(backend.timer_at(at)),
        None => put(FuturesTimer.timer_at(at)),
    })
}

/// Limits longer than this (about a century) never fire: no timer is armed
/// for them, and the default backend needs no clock read of ours to tell.
pub(crate) const NEVER_AFTER: Duration = Duration::from_secs(100 * 365 * 24 * 60 * 60);

/// Arms a timer `after` from now on the current backend and hands it to
/// `put`, as [`arm_at`] does; `None`, without calling `put`, if `after` is
/// beyond [`NEVER_AFTER`] or the clock's range (it would never fire).
#[inline]
pub(crate) fn arm_after<R>(after: Duration, put: impl FnOnce(TimerFuture) -> R) -> Option<R> {
    if after > NEVER_AFTER {
        return None;
    }
    with_current(|backend| match backend {
        Some(backend) => {
            let at = backend.now().checked_add(after)?;
            Some(put(backend.timer_at(at)))
        }
        // futures-timer takes a duration and reads the clock itself.
        None => Some(put(TimerFuture::futures_timer(after))),
    })
}

/// Sets the backend of every timer armed outside a [`with_timer`] scope, for
/// the rest of the process. It can be set once: a second call returns its
/// backend back in `Err`. Set it before anything arms a timer; timers armed
/// earlier stay on futures-timer.
///
/// # Errors
///
/// `Err(backend)` if a default was set before: the first one stays.
///
/// ```
/// use orchestrate::timer::{set_default_timer, FuturesTimer};
///
/// // In `main`, before any timer is armed:
/// let _ = set_default_timer(FuturesTimer);
/// assert!(set_default_timer(FuturesTimer).is_err(), "only once");
/// ```
pub fn set_default_timer<B: TimerBackend>(backend: B) -> Result<(), B> {
    let mut backend = Some(backend);
    DEFAULT.get_or_init(|| match backend.take() {
        Some(backend) => Arc::new(backend),
        None => unreachable!("`get_or_init` runs its closure at most once"),
    });
    match backend {
        None => Ok(()),
        Some(backend) => Err(backend),
    }
}

/// Runs `future` with `backend` as the timer of everything it awaits:
/// timeouts, deadlines, sleeps and retries inside it, however deeply nested,
/// arm their timers on `backend`. Nothing at the call sites changes.
///
/// The backend is installed in a thread-local for the duration of each poll
/// of `future`, so this works under any executor and nests (the innermost
/// scope wins). Futures spawned from inside do not inherit it: wrap them too.
///
/// ```
/// use std::time::Duration;
/// use orchestrate::timer::{with_timer, FuturesTimer};
/// use orchestrate::{timeout, sleep};
///
/// async fn fetch() -> Result<u32, orchestrate::Elapsed> {
///     // Written against the default backend, unchanged.
///     timeout(Duration::from_millis(50), async { sleep(Duration::from_millis(1)).await; 7 }).await
/// }
///
/// # futures::executor::block_on(async {
/// assert_eq!(with_timer(FuturesTimer, fetch()).await, Ok(7));
/// # });
/// ```
pub fn with_timer<B: TimerBackend, F: IntoFuture>(
    backend: B,
    future: F,
) -> WithTimer<F::IntoFuture> {
    WithTimer {
        future: future.into_future(),
        backend: Some(Arc::new(backend)),
    }
}

pin_project! {
    /// The future of [`with_timer`]: `future`, with a timer backend installed
    /// while it is polled. Output: `F::Output`.
    ///
    /// ```
    /// # use orchestrate::timer::{with_timer, FuturesTimer, WithTimer};
    /// # futures::executor::block_on(async {
    /// let scoped: WithTimer<_> = with_timer(FuturesTimer, async { 1 });
    /// assert_eq!(scoped.await, 1);
    /// # });
    /// ```
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct WithTimer<F> {
        #[pin]
        future: F,
        // Moved into the thread-local for each poll and back after it.
        backend: Option<Shared>,
    }
}

impl<F: fmt::Debug> fmt::Debug for WithTimer<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WithTimer")
            .field("future", &self.future)
            .finish_non_exhaustive()
    }
}

impl<F: Future> Future for WithTimer<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let _scope = Scope::enter(this.backend);
        this.future.poll(cx)
    }
}

/// Installs a backend for one poll; puts everything back when dropped, even
/// if the poll panics.
pub(crate) struct Scope<'a> {
    slot: &'a mut Option<Shared>,
    outer: Option<Shared>,
}

impl<'a> Scope<'a> {
    pub(crate) fn enter(slot: &'a mut Option<Shared>) -> Self {
        // Moves, not clones: entering a scope touches no reference count.
        let mut mine = slot.take();
        let outer = if let Ok(outer) = CURRENT.try_with(|current| current.replace(mine.take())) {
            outer
        } else {
            // The thread-local is gone (thread exit): keep ours.
            *slot = mine;
            None
        };
        Scope { slot, outer }
    }
}

impl Drop for Scope<'_> {
    fn drop(&mut self) {
        let outer = self.outer.take();
        if let Ok(mine) = CURRENT.try_with(|current| current.replace(outer)) {
            if mine.is_some() {
                *self.slot = mine;
            }
        }
    }
}

/// A shared handle to a backend, for scopes made by the crate (the virtual
/// clock's).
#[cfg(feature = "test-util")]
pub(crate) fn shared<B: TimerBackend>(backend: B) -> Shared {
    Arc::new(backend)
}

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
