//! [`RateLimiter`]: at most `n` starts per period, with a burst (GCRA).

use std::collections::VecDeque;
use std::fmt;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use pin_project_lite::pin_project;

use crate::time::{Sleep, instant, now_nanos, sleep_until};

/// A rate limit shared across calls: at most `n` starts per period, with a
/// burst.
///
/// As governor's quotas (the generic cell rate algorithm): one start is
/// replenished every `period / n`, and up to `burst` (by default `n`) may
/// start at once after a quiet spell; over any window of length `t`, at most
/// `burst + n·t/period` starts. The state is one instant (the theoretical
/// arrival time) in an atomic: a check with no one waiting is a clock read
/// and a compare-and-swap; only waiters take a lock, for their queue.
///
/// The clock is the [timer backend](crate::timer)'s. With no backend in
/// scope and no process default, it is the real clock read the cheap way,
/// as governor reads it through quanta: the CPU's time-stamp counter where
/// the kernel itself keeps time with it (x86-64 Linux), scaled to
/// `Instant`'s clock and measured against it again every 100 ms (they
/// agree within microseconds); elsewhere `Instant::now()`.
///
/// Waits run on orchestrate's [timer backend](crate::timer): exact on a
/// virtual clock, and under a [`Deadline`](crate::Deadline) or a timeout a
/// wait gives up at it. Waiters start in arrival order, and one cancelled
/// before its turn gives its place back. The constructors are `const fn`s, so
/// a `static` holds one as it holds a [`Limiter`](crate::Limiter).
///
/// ```
/// use std::time::Duration;
/// use orchestrate::RateLimiter;
///
/// /// 2 calls a second, no burst beyond that.
/// static RATE: RateLimiter = RateLimiter::per_second(2);
///
/// # futures::executor::block_on(async {
/// assert_eq!(RATE.run(async { 1 }).await, 1);
/// assert_eq!(RATE.run(async { 2 }).await, 2); // the burst of 2
/// let refused = RATE.check().unwrap_err();
/// assert!(refused.wait_time() <= Duration::from_millis(500));
/// # });
/// ```
pub struct RateLimiter {
    /// `period / n`, in nanoseconds (at least 1).
    interval: u64,
    burst: u64,
    /// How far before its theoretical arrival time a start conforms:
    /// `interval · (burst - 1)`, in nanoseconds (saturating).
    tolerance: i64,
    /// The theoretical arrival time: when the next start would be due at the
    /// steady rate, in nanoseconds from the core's clock epoch (`NEVER`:
    /// never used, as if long past).
    tat: AtomicI64,
    /// How many are queued: `check` reads it without the lock.
    queued: AtomicUsize,
    state: Mutex<State>,
}

/// `tat` before the first start.
const NEVER: i64 = i64::MIN;

struct State {
    /// Waiters, in arrival order; only the first one watches the clock.
    queue: VecDeque<(u64, Waker)>,
    next_id: u64,
}

/// `interval · (burst - 1)`, saturating: computed once, not per check.
const fn tolerance(interval: u64, burst: u64) -> i64 {
    let tolerance = interval as u128 * (burst - 1) as u128;
    if tolerance > i64::MAX as u128 {
        i64::MAX
    } else {
        #[allow(clippy::cast_possible_truncation, clippy::cast_possible_wrap)] // checked just above
        let tolerance = tolerance as i64;
        tolerance
    }
}

/// The error of [`RateLimiter::check`]: no start is allowed yet; says until
/// when.
///
/// ```
/// use std::time::Duration;
/// use orchestrate::RateLimiter;
///
/// let rate = RateLimiter::per_second(1);
/// assert!(rate.check().is_ok());
/// let refused = rate.check().unwrap_err();
/// assert!(refused.wait_time() <= Duration::from_secs(1));
/// assert!(refused.to_string().starts_with("rate limited: next start in "));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct NotUntil {
    /// When, and the check's instant, in nanoseconds from the core's clock
    /// epoch: a refusal reads the clock once and converts nothing until
    /// asked.
    at: i64,
    checked: i64,
}

impl fmt::Debug for NotUntil {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NotUntil")
            .field("at", &self.earliest_possible())
            .field("wait", &self.wait_time())
            .finish()
    }
}

impl NotUntil {
    /// The earliest instant a start may be allowed (on the clock of the
    /// [timer backend](crate::timer)).
    ///
    /// ```
    /// # use orchestrate::{timer, RateLimiter};
    /// let rate = RateLimiter::per_second(1);
    /// rate.check().unwrap();
    /// assert!(rate.check().unwrap_err().earliest_possible() > timer::now());
    /// ```
    pub fn earliest_possible(&self) -> Instant {
        instant(self.at)
    }

    /// How long from the check until then.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use orchestrate::RateLimiter;
    /// let rate = RateLimiter::per_minute(1);
    /// rate.check().unwrap();
    /// assert!(rate.check().unwrap_err().wait_time() > Duration::from_secs(59));
    /// ```
    pub fn wait_time(&self) -> Duration {
        Duration::from_nanos(self.at.saturating_sub(self.checked).max(0).unsigned_abs())
    }
}

impl fmt::Display for NotUntil {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "rate limited: next start in {:?}", self.wait_time())
    }
}

impl std::error::Error for NotUntil {}

impl RateLimiter {
    /// `n` starts per `period`, one replenished every `period / n`, with a
    /// burst of `n`.
    ///
    /// # Panics
    ///
    /// If `n` or `period` is zero, or `period / n` is below a nanosecond
    /// (in a `static` or `const`, a compile error instead).
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use orchestrate::RateLimiter;
    /// static RATE: RateLimiter = RateLimiter::per(Duration::from_millis(100), 5);
    /// assert_eq!(RATE.interval(), Duration::from_millis(20));
    /// ```
    pub const fn per(period: Duration, n: u32) -> RateLimiter {
        assert!(
            n > 0,
            "`RateLimiter::per(period, 0)`: the rate is how many starts per period, so it must be at least 1"
        );
        let interval = period.as_nanos() / n as u128;
        assert!(
            interval > 0,
            "`RateLimiter::per(period, n)`: `period / n` must be at least a nanosecond"
        );
        assert!(
            interval <= u64::MAX as u128,
            "`RateLimiter::per(period, n)`: `period / n` is too long"
        );
        #[allow(clippy::cast_possible_truncation)] // checked just above
        RateLimiter {
            interval: interval as u64,
            burst: n as u64,
            tolerance: tolerance(interval as u64, n as u64),
            tat: AtomicI64::new(NEVER),
            queued: AtomicUsize::new(0),
            state: Mutex::new(State {
                queue: VecDeque::new(),
                next_id: 0,
            }),
        }
    }

    /// `n` starts per second (burst `n`).
    ///
    /// # Panics
    ///
    /// If `n` is zero.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use orchestrate::RateLimiter;
    /// assert_eq!(RateLimiter::per_second(50).interval(), Duration::from_millis(20));
    /// ```
    pub const fn per_second(n: u32) -> RateLimiter {
        assert!(
            n > 0,
            "`RateLimiter::per_second(0)`: the rate must be at least 1"
        );
        Self::per(Duration::from_secs(1), n)
    }

    /// `n` starts per minute (burst `n`).
    ///
    /// # Panics
    ///
    /// If `n` is zero.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use orchestrate::RateLimiter;
    /// assert_eq!(RateLimiter::per_minute(6).interval(), Duration::from_secs(10));
    /// ```
    pub const fn per_minute(n: u32) -> RateLimiter {
        assert!(
            n > 0,
            "`RateLimiter::per_minute(0)`: the rate must be at least 1"
        );
        Self::per(Duration::from_secs(60), n)
    }

    /// Up to `b` starts at once after a quiet spell (instead of `n`).
    /// `burst(1)` spaces every start by `period / n`.
    ///
    /// # Panics
    ///
    /// If `b` is zero.
    ///
    /// ```
    /// # use orchestrate::RateLimiter;
    /// let rate = RateLimiter::per_second(10).burst(3);
    /// assert!(rate.check().is_ok() && rate.check().is_ok() && rate.check().is_ok());
    /// assert!(rate.check().is_err());
    /// ```
    #[must_use]
    pub const fn burst(mut self, b: u32) -> RateLimiter {
        assert!(
            b > 0,
            "`RateLimiter::burst(0)`: the burst is how many may start at once, so it must be at least 1"
        );
        self.burst = b as u64;
        self.tolerance = tolerance(self.interval, self.burst);
        self
    }

    /// The steady spacing of starts: `period / n`.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use orchestrate::RateLimiter;
    /// assert_eq!(RateLimiter::per_second(4).interval(), Duration::from_millis(250));
    /// ```
    pub const fn interval(&self) -> Duration {
        Duration::from_nanos(self.interval)
    }

    /// Allows one start now (`Ok(())`, counted) or says when one could start
    /// (`Err(NotUntil)`, nothing counted), without waiting. Never ahead of a
    /// waiter of [`run`](RateLimiter::run).
    ///
    /// # Errors
    ///
    /// [`NotUntil`] when the start does not conform yet or others are queued.
    ///
    /// ```
    /// # use orchestrate::RateLimiter;
    /// let rate = RateLimiter::per_minute(1);
    /// assert_eq!(rate.check(), Ok(()));
    /// assert!(rate.check().is_err());
    /// ```
    #[inline]
    pub fn check(&self) -> Result<(), NotUntil> {
        let now = now_nanos();
        if self.queued.load(Ordering::Acquire) == 0 {
            return self.take(now);
        }
        self.check_behind(now)
    }

    /// [`check`](RateLimiter::check) when others may be queued.
    #[cold]
    fn check_behind(&self, now: i64) -> Result<(), NotUntil> {
        let state = self.lock();
        let queued = state.queue.len();
        drop(state);
        if queued == 0 {
            return self.take(now);
        }
        // Behind the queue: an estimate, the queue's turns come first.
        let queued = i64::try_from(queued).unwrap_or(i64::MAX);
        Err(NotUntil {
            at: self
                .earliest(now)
                .saturating_add(self.interval_nanos().saturating_mul(queued)),
            checked: now,
        })
    }

    /// Waits for its turn (in arrival order), then runs `future`. Output:
    /// `F::Output`.
    ///
    /// ```
    /// use std::time::Duration;
    /// use orchestrate::{settled, timer, RateLimiter};
    ///
    /// static RATE: RateLimiter = RateLimiter::per(Duration::from_millis(10), 1);
    ///
    /// # futures::executor::block_on(async {
    /// let start = timer::now();
    /// settled((0..3).map(|n| RATE.run(async move { n }))).await;
    /// // The 2nd and 3rd start 10 ms apart.
    /// assert!(timer::now() - start >= Duration::from_millis(20));
    /// # });
    /// ```
    pub fn run<F: IntoFuture>(&self, future: F) -> Throttled<'_, F::IntoFuture> {
        Throttled {
            future: future.into_future(),
            turn: Turn {
                rate: self,
                stage: Stage::Start,
                sleep: None,
            },
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // No user code runs under the lock: a poisoned state is still whole.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn interval_nanos(&self) -> i64 {
        i64::try_from(self.interval).unwrap_or(i64::MAX)
    }

    /// The earliest time the next start conforms (an estimate: another
    /// thread may take it first).
    fn earliest(&self, now: i64) -> i64 {
        let tat = self.tat.load(Ordering::Acquire).max(now);
        tat.saturating_sub(self.tolerance).max(now)
    }

    /// Counts a start at `now_at` (nanoseconds from the core's epoch) if it
    /// conforms.
    #[inline]
    fn take(&self, now_at: i64) -> Result<(), NotUntil> {
        let mut tat = self.tat.load(Ordering::Acquire);
        loop {
            let due = tat.max(now_at);
            let conforms_at = due.saturating_sub(self.tolerance);
            if conforms_at > now_at {
                return Err(NotUntil {
                    at: conforms_at,
                    checked: now_at,
                });
            }
            let next = due.saturating_add(self.interval_nanos());
            match self
                .tat
                .compare_exchange_weak(tat, next, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => return Ok(()),
                Err(actual) => tat = actual,
            }
        }
    }
}

impl fmt::Debug for RateLimiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RateLimiter")
            .field("interval", &Duration::from_nanos(self.interval))
            .field("burst", &self.burst)
            .field("waiting", &self.lock().queue.len())
            .finish_non_exhaustive()
    }
}

enum Stage {
    Start,
    Queued(u64),
    Running,
    Done,
}

/// A caller's wait for its turn.
struct Turn<'a> {
    rate: &'a RateLimiter,
    stage: Stage,
    /// The first waiter's timer, until its turn.
    sleep: Option<(Instant, Pin<Box<Sleep>>)>,
}

impl Turn<'_> {
    fn poll_turn(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        loop {
            let rate = self.rate;
            let now = now_nanos();
            let mut state = rate.lock();
            let id = match self.stage {
                Stage::Running => return Poll::Ready(()),
                Stage::Done => panic!("`RateLimiter::run` polled after completion"),
                Stage::Start => {
                    if state.queue.is_empty() && rate.take(now).is_ok() {
                        self.stage = Stage::Running;
                        return Poll::Ready(());
                    }
                    let id = state.next_id;
                    state.next_id += 1;
                    state.queue.push_back((id, cx.waker().clone()));
                    rate.queued.store(state.queue.len(), Ordering::Release);
                    self.stage = Stage::Queued(id);
                    id
                }
                Stage::Queued(id) => id,
            };
            let Some(at) = state.queue.iter().position(|(queued, _)| *queued == id) else {
                unreachable!("a waiter stays queued until its turn")
            };
            let waker = &mut state.queue[at].1;
            if !waker.will_wake(cx.waker()) {
                waker.clone_from(cx.waker());
            }
            if at > 0 {
                return Poll::Pending;
            }
            match rate.take(now) {
                Ok(()) => {
                    state.queue.pop_front();
                    rate.queued.store(state.queue.len(), Ordering::Release);
                    let next = state.queue.front().map(|(_, waker)| waker.clone());
                    drop(state);
                    self.stage = Stage::Running;
                    self.sleep = None;
                    if let Some(next) = next {
                        next.wake();
                    }
                    return Poll::Ready(());
                }
                Err(refused) => {
                    drop(state);
                    let due = refused.earliest_possible();
                    let sleep = match &mut self.sleep {
                        Some((at, sleep)) if *at == due => sleep,
                        slot => &mut slot.insert((due, Box::pin(sleep_until(due)))).1,
                    };
                    if sleep.as_mut().poll(cx).is_pending() {
                        return Poll::Pending;
                    }
                }
            }
        }
    }
}

impl Drop for Turn<'_> {
    fn drop(&mut self) {
        let Stage::Queued(id) = self.stage else {
            return;
        };
        let next = {
            let mut state = self.rate.lock();
            let Some(at) = state.queue.iter().position(|(queued, _)| *queued == id) else {
                return;
            };
            state.queue.remove(at);
            self.rate.queued.store(state.queue.len(), Ordering::Release);
            // The first waiter watched the clock: its successor takes over.
            if at == 0 {
                state.queue.front().map(|(_, waker)| waker.clone())
            } else {
                None
            }
        };
        if let Some(next) = next {
            next.wake();
        }
    }
}

pin_project! {
    /// The future of [`RateLimiter::run`]. Output: `F::Output`.
    ///
    /// ```
    /// # use orchestrate::{RateLimiter, limit::Throttled};
    /// let rate = RateLimiter::per_second(5);
    /// # futures::executor::block_on(async {
    /// let run: Throttled<'_, _> = rate.run(async { 7 });
    /// assert_eq!(run.await, 7);
    /// # });
    /// ```
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct Throttled<'a, F> {
        #[pin]
        future: F,
        turn: Turn<'a>,
    }
}

impl<F: Future> Future for Throttled<'_, F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        std::task::ready!(this.turn.poll_turn(cx));
        let output = std::task::ready!(this.future.poll(cx));
        this.turn.stage = Stage::Done;
        Poll::Ready(output)
    }
}

impl<F> fmt::Debug for Throttled<'_, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Throttled").finish_non_exhaustive()
    }
}
