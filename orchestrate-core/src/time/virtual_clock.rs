//! A virtual clock for tests (feature `test-util`): time that moves only when
//! the test moves it, or jumps to the next timer when everything is idle.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Wake, Waker};
use std::time::{Duration, Instant};

use pin_project_lite::pin_project;

use super::timer::{self, Scope, TimerBackend, TimerFuture};

/// A clock for tests: timeouts, deadlines, sleeps and retries run on it
/// without waiting for real time, under any executor.
///
/// Put the code under test in the clock's scope with [`run`](VirtualClock::run)
/// (or [`with_timer`](crate::timer::with_timer)); everything in it, however
/// deeply nested, reads the time from the clock and arms its timers on it.
/// Time then moves in one of two ways:
///
/// - **by hand**, with [`advance`](VirtualClock::advance): a clock from
///   [`VirtualClock::new`] stands still until the test advances it, which
///   fires every timer that has come due;
/// - **when idle**: a clock from [`VirtualClock::auto`] also jumps to the
///   next timer as soon as every future in its scopes is waiting (none is
///   being polled, none has been woken). A test that times out a one-hour
///   operation then finishes in microseconds.
///
/// The clock's instants start at the real [`Instant::now`] of its creation
/// and drift from real time as it advances: take instants from
/// [`VirtualClock::now`] or [`orchestrate::timer::now`](crate::timer::now),
/// not from `Instant::now()`. Likewise a [`Deadline`](crate::Deadline) reads
/// the clock in scope when it is created: make it inside the scope
/// (`clock.run(async { Deadline::after(…).run(…).await })`), not in the
/// argument list of `run`, where it would start on real time.
///
/// # Limits of "idle"
///
/// The clock sees only its own scopes. A scope waiting for something outside
/// them (a thread, real I/O, a task spawned without the clock, another
/// timer such as `tokio::time::sleep`) looks idle, so an auto clock jumps
/// ahead meanwhile: wrap spawned futures in [`run`](VirtualClock::run) too,
/// simulate latency with [`sleep`](crate::sleep()) (on this clock), or use a
/// manual clock for such tests.
///
/// ```
/// use std::time::Duration;
/// use orchestrate::testing::VirtualClock;
/// use orchestrate::{sleep, timeout};
///
/// let clock = VirtualClock::auto();
/// let real = std::time::Instant::now();
/// # futures::executor::block_on(async {
/// let out = clock.run(timeout(Duration::from_secs(3600), sleep(Duration::from_secs(7200)))).await;
/// assert_eq!(out.unwrap_err().to_string(), "timed out after 3600000ms");
/// # });
/// assert_eq!(clock.elapsed(), Duration::from_secs(3600));
/// assert!(real.elapsed() < Duration::from_secs(1));
/// ```
#[derive(Clone)]
pub struct VirtualClock {
    inner: Arc<Inner>,
}

struct Inner {
    origin: Instant,
    auto: bool,
    ids: AtomicU64,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// Virtual time since `origin`.
    elapsed: Duration,
    /// Pending timers by (instant, id): the waker of whoever waits on each.
    timers: BTreeMap<(Instant, u64), Waker>,
    /// The scopes of `run`, by id.
    scopes: HashMap<u64, Activity>,
}

#[derive(Clone, Copy)]
struct Activity {
    /// Woken (or new) and not polled since.
    woken: bool,
    /// Being polled right now.
    polling: bool,
}

impl State {
    fn now(&self, origin: Instant) -> Instant {
        origin + self.elapsed
    }

    /// Moves time to `to` (never backwards) and takes the timers now due.
    fn advance_to(&mut self, origin: Instant, to: Instant) -> Vec<Waker> {
        let to = to.max(self.now(origin));
        self.elapsed = to - origin;
        let later = self.timers.split_off(&(to, u64::MAX));
        std::mem::replace(&mut self.timers, later)
            .into_values()
            .collect()
    }

    fn idle(&self) -> bool {
        self.scopes.values().all(|a| !a.woken && !a.polling)
    }
}

impl Inner {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while the lock was held left consistent data behind: every
        // update is a single assignment or map operation.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn next_id(&self) -> u64 {
        self.ids.fetch_add(1, Ordering::Relaxed)
    }

    /// With an auto clock and every scope idle: jumps to the next timer.
    fn advance_if_idle(&self, state: &mut State) -> Vec<Waker> {
        // No scope left: nothing is waiting for the time to move.
        if !self.auto || state.scopes.is_empty() || !state.idle() {
            return Vec::new();
        }
        match state.timers.keys().next() {
            Some(&(next, _)) => state.advance_to(self.origin, next),
            None => Vec::new(),
        }
    }
}

/// `at + by`, or the latest instant past `at` that [`Instant`] can hold.
fn saturating_add(at: Instant, by: Duration) -> Instant {
    if let Some(to) = at.checked_add(by) {
        return to;
    }
    // The range's end depends on the platform: find the largest step that
    // fits by halving (two tries per halving at most).
    let (mut fits, mut step) = (Duration::ZERO, by);
    while !step.is_zero() {
        match fits
            .checked_add(step)
            .filter(|&d| at.checked_add(d).is_some())
        {
            Some(further) => fits = further,
            None => step /= 2,
        }
    }
    at + fits
}

fn wake_all(wakers: Vec<Waker>) {
    for waker in wakers {
        waker.wake();
    }
}

impl VirtualClock {
    /// A clock that stands still until [`advance`](VirtualClock::advance)d.
    ///
    /// ```
    /// use std::pin::pin;
    /// use std::task::Poll;
    /// use std::time::Duration;
    /// use orchestrate::testing::VirtualClock;
    /// use orchestrate::sleep;
    /// use futures::FutureExt;
    ///
    /// let clock = VirtualClock::new();
    /// let mut nap = pin!(clock.run(sleep(Duration::from_secs(60))));
    /// assert_eq!(nap.as_mut().now_or_never(), None);
    /// clock.advance(Duration::from_secs(59));
    /// assert_eq!(nap.as_mut().now_or_never(), None);
    /// clock.advance(Duration::from_secs(1));
    /// assert_eq!(nap.as_mut().now_or_never(), Some(()));
    /// ```
    pub fn new() -> Self {
        Self::with_auto(false)
    }

    /// A clock that also advances by itself: whenever every future in its
    /// scopes is waiting, it jumps to the next pending timer.
    ///
    /// ```
    /// use std::time::Duration;
    /// use orchestrate::testing::VirtualClock;
    /// use orchestrate::{sleep, timer};
    ///
    /// let clock = VirtualClock::auto();
    /// # futures::executor::block_on(async {
    /// clock.run(async {
    ///     let start = timer::now();
    ///     sleep(Duration::from_secs(86_400)).await;
    ///     assert_eq!(timer::now() - start, Duration::from_secs(86_400));
    /// }).await;
    /// # });
    /// ```
    pub fn auto() -> Self {
        Self::with_auto(true)
    }

    fn with_auto(auto: bool) -> Self {
        VirtualClock {
            inner: Arc::new(Inner {
                origin: Instant::now(),
                auto,
                ids: AtomicU64::new(0),
                state: Mutex::new(State::default()),
            }),
        }
    }

    /// Whether the clock advances by itself when idle ([`VirtualClock::auto`]).
    ///
    /// ```
    /// # use orchestrate::testing::VirtualClock;
    /// assert!(VirtualClock::auto().is_auto());
    /// assert!(!VirtualClock::new().is_auto());
    /// ```
    pub fn is_auto(&self) -> bool {
        self.inner.auto
    }

    /// The clock's current instant.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use orchestrate::testing::VirtualClock;
    /// let clock = VirtualClock::new();
    /// let start = clock.now();
    /// clock.advance(Duration::from_secs(5));
    /// assert_eq!(clock.now() - start, Duration::from_secs(5));
    /// ```
    pub fn now(&self) -> Instant {
        self.inner.lock().now(self.inner.origin)
    }

    /// The virtual time that has passed since the clock was created.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use orchestrate::testing::VirtualClock;
    /// let clock = VirtualClock::new();
    /// clock.advance(Duration::from_millis(1500));
    /// assert_eq!(clock.elapsed(), Duration::from_millis(1500));
    /// ```
    pub fn elapsed(&self) -> Duration {
        self.inner.lock().elapsed
    }

    /// Moves the clock forward by `by` and fires every timer that has come
    /// due (wakes the futures waiting on them; they run at their executor's
    /// next poll).
    ///
    /// A step past the range of [`Instant`] (such as [`Duration::MAX`])
    /// saturates: the clock moves to the latest instant it can represent and
    /// every pending timer fires; later steps leave it there.
    ///
    /// ```
    /// use std::time::Duration;
    /// use orchestrate::testing::VirtualClock;
    /// use orchestrate::{sleep, timeout};
    ///
    /// let clock = VirtualClock::new();
    /// # futures::executor::block_on(async {
    /// let slow = clock.run(timeout(Duration::from_secs(30), sleep(Duration::from_secs(60))));
    /// let test = async {
    ///     // `join!` polls `slow` first, so its timer is armed by now.
    ///     assert_eq!(clock.pending_timers(), 2); // the timeout's and the sleep's
    ///     clock.advance(Duration::from_secs(30));
    /// };
    /// let (out, ()) = futures::join!(slow, test);
    /// assert_eq!(out.unwrap_err().duration(), Duration::from_secs(30));
    /// # });
    /// ```
    pub fn advance(&self, by: Duration) {
        let wakers = {
            let mut state = self.inner.lock();
            let to = saturating_add(state.now(self.inner.origin), by);
            state.advance_to(self.inner.origin, to)
        };
        wake_all(wakers);
    }

    /// Moves the clock forward to `instant` (nothing happens if it has
    /// passed) and fires every timer that has come due.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use orchestrate::testing::VirtualClock;
    /// let clock = VirtualClock::new();
    /// let at = clock.now() + Duration::from_secs(10);
    /// clock.advance_to(at);
    /// assert_eq!(clock.now(), at);
    /// clock.advance_to(at - Duration::from_secs(1));
    /// assert_eq!(clock.now(), at, "never backwards");
    /// ```
    pub fn advance_to(&self, instant: Instant) {
        let wakers = self.inner.lock().advance_to(self.inner.origin, instant);
        wake_all(wakers);
    }

    /// The instant of the earliest pending timer, if any.
    ///
    /// ```
    /// # use std::pin::pin;
    /// # use std::time::Duration;
    /// # use futures::FutureExt;
    /// # use orchestrate::testing::VirtualClock;
    /// let clock = VirtualClock::new();
    /// assert_eq!(clock.next_timer(), None);
    /// let mut nap = pin!(clock.run(orchestrate::sleep(Duration::from_secs(2))));
    /// assert_eq!(nap.as_mut().now_or_never(), None);
    /// assert_eq!(clock.next_timer(), Some(clock.now() + Duration::from_secs(2)));
    /// assert_eq!(clock.pending_timers(), 1);
    /// ```
    pub fn next_timer(&self) -> Option<Instant> {
        self.inner.lock().timers.keys().next().map(|&(at, _)| at)
    }

    /// How many timers are waiting on the clock.
    ///
    /// ```
    /// # use orchestrate::testing::VirtualClock;
    /// assert_eq!(VirtualClock::new().pending_timers(), 0);
    /// ```
    pub fn pending_timers(&self) -> usize {
        self.inner.lock().timers.len()
    }

    /// Runs `future` on this clock: everything it awaits reads the time from
    /// the clock and arms its timers on it, and (with an auto clock) the clock
    /// advances when this and every other scope of the clock are idle.
    ///
    /// ```
    /// use std::time::Duration;
    /// use orchestrate::testing::VirtualClock;
    /// use orchestrate::{Deadline, sleep};
    ///
    /// let clock = VirtualClock::auto();
    /// # futures::executor::block_on(async {
    /// let budget = clock.run(async {
    ///     let deadline = Deadline::after(Duration::from_secs(10));
    ///     deadline.run(sleep(Duration::from_secs(4))).await.unwrap();
    ///     deadline.remaining()
    /// }).await;
    /// assert_eq!(budget, Duration::from_secs(6));
    /// # });
    /// ```
    pub fn run<F: IntoFuture>(&self, future: F) -> VirtualScope<F::IntoFuture> {
        let id = self.inner.next_id();
        self.inner.lock().scopes.insert(
            id,
            Activity {
                woken: true,
                polling: false,
            },
        );
        let shared = Arc::new(ScopeWaker {
            clock: Arc::clone(&self.inner),
            id,
            outer: Mutex::new(None),
        });
        VirtualScope {
            future: future.into_future(),
            backend: Some(timer::shared(self.clone())),
            waker: Waker::from(Arc::clone(&shared)),
            shared,
        }
    }
}

impl Default for VirtualClock {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for VirtualClock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.inner.lock();
        f.debug_struct("VirtualClock")
            .field("auto", &self.inner.auto)
            .field("elapsed", &state.elapsed)
            .field("pending_timers", &state.timers.len())
            .finish_non_exhaustive()
    }
}

impl TimerBackend for VirtualClock {
    fn now(&self) -> Instant {
        VirtualClock::now(self)
    }

    fn timer_at(&self, at: Instant) -> TimerFuture {
        TimerFuture::from_virtual(VirtualTimer {
            clock: Arc::clone(&self.inner),
            at,
            id: self.inner.next_id(),
            registered: false,
        })
    }
}

/// A timer on a virtual clock.
pub(crate) struct VirtualTimer {
    clock: Arc<Inner>,
    at: Instant,
    id: u64,
    registered: bool,
}

impl Future for VirtualTimer {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        let mut state = this.clock.lock();
        if state.now(this.clock.origin) >= this.at {
            state.timers.remove(&(this.at, this.id));
            this.registered = false;
            return Poll::Ready(());
        }
        let waker = state
            .timers
            .entry((this.at, this.id))
            .or_insert_with(|| cx.waker().clone());
        waker.clone_from(cx.waker());
        this.registered = true;
        Poll::Pending
    }
}

impl Drop for VirtualTimer {
    fn drop(&mut self) {
        if self.registered {
            self.clock.lock().timers.remove(&(self.at, self.id));
        }
    }
}

/// Wakes the executor of one scope, and tells the clock that the scope has
/// work to do.
struct ScopeWaker {
    clock: Arc<Inner>,
    id: u64,
    outer: Mutex<Option<Waker>>,
}

impl Wake for ScopeWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if let Some(activity) = self.clock.lock().scopes.get_mut(&self.id) {
            activity.woken = true;
        }
        let outer = self
            .outer
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        if let Some(outer) = outer {
            outer.wake();
        }
    }
}

pin_project! {
    /// The future of [`VirtualClock::run`]: `future` on the virtual clock.
    /// Output: `F::Output`.
    ///
    /// ```
    /// # use orchestrate::testing::{VirtualClock, VirtualScope};
    /// # futures::executor::block_on(async {
    /// let scoped: VirtualScope<_> = VirtualClock::auto().run(async { 5 });
    /// assert_eq!(scoped.await, 5);
    /// # });
    /// ```
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct VirtualScope<F> {
        #[pin]
        future: F,
        backend: Option<Arc<dyn TimerBackend>>,
        waker: Waker,
        shared: Arc<ScopeWaker>,
    }

    impl<F> PinnedDrop for VirtualScope<F> {
        fn drop(this: Pin<&mut Self>) {
            let shared = &this.shared;
            let wakers = {
                let mut state = shared.clock.lock();
                state.scopes.remove(&shared.id);
                shared.clock.advance_if_idle(&mut state)
            };
            wake_all(wakers);
        }
    }
}

impl<F: fmt::Debug> fmt::Debug for VirtualScope<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VirtualScope")
            .field("future", &self.future)
            .finish_non_exhaustive()
    }
}

/// Marks a scope as no longer being polled when dropped, even by a panic.
struct Polling<'a> {
    shared: &'a ScopeWaker,
    done: bool,
}

impl Drop for Polling<'_> {
    fn drop(&mut self) {
        let shared = self.shared;
        let wakers = {
            let mut state = shared.clock.lock();
            if self.done {
                state.scopes.remove(&shared.id);
            } else if let Some(activity) = state.scopes.get_mut(&shared.id) {
                activity.polling = false;
            }
            shared.clock.advance_if_idle(&mut state)
        };
        wake_all(wakers);
    }
}

impl<F: Future> Future for VirtualScope<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        {
            let mut outer = this
                .shared
                .outer
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            if !outer.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
                *outer = Some(cx.waker().clone());
            }
        }
        {
            let mut state = this.shared.clock.lock();
            let activity = state.scopes.entry(this.shared.id).or_insert(Activity {
                woken: false,
                polling: false,
            });
            activity.woken = false;
            activity.polling = true;
        }
        let mut polling = Polling {
            shared: this.shared,
            done: false,
        };
        let out = {
            let _scope = Scope::enter(this.backend);
            let mut inner = Context::from_waker(this.waker);
            this.future.poll(&mut inner)
        };
        polling.done = out.is_ready();
        drop(polling);
        out
    }
}
