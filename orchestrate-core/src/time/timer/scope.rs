//! Which backend is current: the innermost `with_timer` scope being polled,
//! else the process default, else futures-timer; and the crate's way in to
//! it (`now`, `arm_at`, `arm_after`).

use std::cell::RefCell;
use std::fmt;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use pin_project_lite::pin_project;

use super::{FuturesTimer, TimerBackend, TimerFuture};

type Shared = Arc<dyn TimerBackend>;

thread_local! {
    /// The backend of the innermost `with_timer` being polled on this thread.
    static CURRENT: RefCell<Option<Shared>> = const { RefCell::new(None) };
}

static DEFAULT: OnceLock<Shared> = OnceLock::new();

/// Whether this process ever entered a scope or set a default: until then
/// there is no backend to look up (a thread-local holds one only after its
/// own thread stored `true` here).
static ANY_BACKEND: AtomicBool = AtomicBool::new(false);

/// Calls `f` with the current backend: the scope's, the process default, or
/// `None` for futures-timer.
#[inline]
fn with_current<R>(f: impl FnOnce(Option<&dyn TimerBackend>) -> R) -> R {
    // Acquire: a default set before `true` was stored is seen.
    if !ANY_BACKEND.load(Ordering::Acquire) {
        return f(None);
    }
    with_backend(f)
}

/// [`with_current`] once a backend may exist: the scope's, else the process
/// default, else `None`.
#[inline]
fn with_backend<R>(f: impl FnOnce(Option<&dyn TimerBackend>) -> R) -> R {
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

/// The current instant of the backend in scope or of the process default;
/// `None` when there is neither, so the caller may read the real clock its
/// own, faster way.
#[inline]
pub(crate) fn backend_now() -> Option<Instant> {
    if !ANY_BACKEND.load(Ordering::Acquire) {
        return None;
    }
    scoped_now()
}

/// [`backend_now`] once a backend may exist: out of line, so that the
/// callers' fast path stays small enough to inline.
#[inline(never)]
fn scoped_now() -> Option<Instant> {
    with_backend(|backend| backend.map(TimerBackend::now))
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
        None => Some(put(TimerFuture::futures_timer(
            Instant::now().checked_add(after)?,
        ))),
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
    ANY_BACKEND.store(true, Ordering::Release);
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
        if !ANY_BACKEND.load(Ordering::Relaxed) {
            ANY_BACKEND.store(true, Ordering::Release);
        }
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
        if let Ok(mine) = CURRENT.try_with(|current| current.replace(outer))
            && mine.is_some()
        {
            *self.slot = mine;
        }
    }
}

/// A shared handle to a backend, for scopes made by the crate (the virtual
/// clock's).
#[cfg(feature = "test-util")]
pub(crate) fn shared<B: TimerBackend>(backend: B) -> Shared {
    Arc::new(backend)
}
