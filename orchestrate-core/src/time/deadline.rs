use std::cell::Cell;
use std::future::IntoFuture;
use std::time::{Duration, Instant};

use super::Timeout;
use super::clock;
use super::limit::Limit;

/// One time budget shared by several steps.
///
/// A `Deadline` is a fixed instant: its clock starts when it is created, not
/// when a future under it is first polled. Run sequential steps under it one
/// after another, or parallel branches under it at once (`run` takes `&self`):
/// every step gets whatever is left of the same budget, and when the budget is
/// spent the step fails with an [`Elapsed`](crate::Elapsed) that names the whole
/// budget.
///
/// A budget too large for the clock (such as `Duration::MAX`) never runs out. A
/// deadline already in the past still lets a ready future win, because the
/// future is polled before the clock is read.
///
/// # Nested work
///
/// While a future runs under [`run`](Deadline::run), the deadline is *in
/// scope* for everything that future awaits, however deeply nested: every
/// [`timeout`](crate::timeout()), `#[timeout]` fn, nested deadline and retry
/// inside it gives up by the tighter of its own limit and this deadline,
/// without the deadline being passed down by hand. A `#[timeout(ms = 2000)]`
/// fn called with 300 ms left gives up after 300 ms and returns its own
/// `Err(E::from(elapsed))`, where the `Elapsed` names this deadline's budget.
/// [`Deadline::current`] reads the deadline in scope. (Both limits end at the
/// same instant: on a virtual clock the nested call always notices first; on
/// real time, with two timers due together, the deadline's own `Elapsed` may
/// win the race instead.)
///
/// Like the [timer backend](crate::timer), the scope follows the future, on
/// any executor, but not into futures spawned from inside it.
///
/// ```
/// use std::time::Duration;
/// use orchestrate::{sleep, Deadline};
///
/// # futures::executor::block_on(async {
/// let budget = Deadline::after(Duration::from_millis(200));
/// let user = budget.run(async { "ada" }).await;          // fits
/// let posts = budget.run(async { vec![1, 2, 3] }).await;  // fits in what is left
/// let slow = budget.run(sleep(Duration::from_secs(60))).await;
/// assert_eq!(user, Ok("ada"));
/// assert_eq!(posts, Ok(vec![1, 2, 3]));
/// assert_eq!(slow.unwrap_err().to_string(), "timed out after 200ms");
/// # });
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Deadline {
    /// `None`: beyond the clock's range, so never.
    instant: Option<Instant>,
    budget: Duration,
}

thread_local! {
    /// The tightest deadline in scope on this thread: of the deadlines whose
    /// `run` is being polled and of the timeouts settled under them.
    static CURRENT: Cell<Option<Deadline>> = const { Cell::new(None) };
    /// The tightest of the deadlines whose `run` is being polled alone: what
    /// stops a retry early. A timeout's own limit is not among them: its
    /// expiry is the outcome of the call it bounds, which retries inside it
    /// must not pre-empt (with or without a looser deadline around).
    static RUN: Cell<Option<Deadline>> = const { Cell::new(None) };
}

impl Deadline {
    pub(crate) fn from_parts(instant: Option<Instant>, budget: Duration) -> Self {
        Deadline { instant, budget }
    }

    /// The deadline in scope: the tightest of the deadlines whose
    /// [`run`](Deadline::run) is driving the code that calls this, and of the
    /// [`timeout`](crate::timeout())s between them and it; `None` outside any
    /// deadline. This is the budget a callee has for its own calls.
    ///
    /// It is the same at every poll: a timeout under a deadline settles which
    /// of the two is tighter at its first poll, before it polls its future
    /// (one clock read). A timeout with no deadline around it puts none in
    /// scope and reads no clock until it must arm its timer.
    ///
    /// ```
    /// use std::time::Duration;
    /// use orchestrate::Deadline;
    ///
    /// async fn step() -> Option<Duration> {
    ///     Deadline::current().map(|deadline| deadline.budget())
    /// }
    ///
    /// # futures::executor::block_on(async {
    /// assert_eq!(step().await, None);
    /// let outer = Deadline::after(Duration::from_secs(5));
    /// let inner = Deadline::after(Duration::from_secs(1));
    /// // Nested deadlines: the tighter one is in scope.
    /// let budget = outer.run(inner.run(step())).await;
    /// assert_eq!(budget, Ok(Ok(Some(Duration::from_secs(1)))));
    /// // A tighter timeout under a deadline: its limit is in scope.
    /// let budget = outer.run(orchestrate::timeout(Duration::from_secs(2), step())).await;
    /// assert_eq!(budget, Ok(Ok(Some(Duration::from_secs(2)))));
    /// # });
    /// ```
    pub fn current() -> Option<Deadline> {
        CURRENT.try_with(Cell::get).ok().flatten()
    }

    /// The tightest deadline whose [`run`](Deadline::run) drives the caller,
    /// leaving out the timeouts between them: the one a retry stops early by.
    pub(crate) fn current_run() -> Option<Deadline> {
        RUN.try_with(Cell::get).ok().flatten()
    }

    /// Whether `self` comes before `other` (a deadline that never comes is
    /// after every other).
    fn is_before(&self, other: &Deadline) -> bool {
        match (self.instant, other.instant) {
            (Some(mine), Some(theirs)) => mine < theirs,
            (Some(_), None) => true,
            (None, _) => false,
        }
    }

    /// A deadline `budget` from now.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use orchestrate::Deadline;
    /// let deadline = Deadline::after(Duration::from_secs(2));
    /// assert!(deadline.remaining() <= Duration::from_secs(2));
    /// assert!(!deadline.is_expired());
    /// ```
    pub fn after(budget: Duration) -> Self {
        Deadline {
            instant: clock::now().checked_add(budget),
            budget,
        }
    }

    /// A deadline at `instant`; its budget (reported by
    /// [`Elapsed::duration`](crate::Elapsed::duration)) is the time from now
    /// until then, zero if `instant` has passed.
    ///
    /// ```
    /// # use std::time::{Duration, Instant};
    /// # use orchestrate::Deadline;
    /// let past = Deadline::at(Instant::now() - Duration::from_secs(1));
    /// assert!(past.is_expired());
    /// assert_eq!(past.remaining(), Duration::ZERO);
    /// ```
    pub fn at(instant: Instant) -> Self {
        Deadline {
            instant: Some(instant),
            budget: instant.saturating_duration_since(clock::now()),
        }
    }

    /// The time left, zero once the deadline has passed
    /// ([`Duration::MAX`] for a deadline that never comes).
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use orchestrate::Deadline;
    /// assert_eq!(Deadline::after(Duration::MAX).remaining(), Duration::MAX);
    /// ```
    pub fn remaining(&self) -> Duration {
        match self.instant {
            Some(instant) => instant.saturating_duration_since(clock::now()),
            None => Duration::MAX,
        }
    }

    /// Whether the deadline has passed.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use orchestrate::Deadline;
    /// assert!(Deadline::after(Duration::ZERO).is_expired());
    /// ```
    pub fn is_expired(&self) -> bool {
        self.remaining().is_zero()
    }

    /// The instant of the deadline, `None` if it lies beyond the clock's range.
    ///
    /// ```
    /// # use std::time::{Duration, Instant};
    /// # use orchestrate::Deadline;
    /// let at = Instant::now() + Duration::from_secs(1);
    /// assert_eq!(Deadline::at(at).instant(), Some(at));
    /// ```
    pub fn instant(&self) -> Option<Instant> {
        self.instant
    }

    /// The whole budget the deadline was created with.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use orchestrate::Deadline;
    /// assert_eq!(Deadline::after(Duration::from_secs(3)).budget(), Duration::from_secs(3));
    /// ```
    pub fn budget(&self) -> Duration {
        self.budget
    }

    /// Runs `future` until the deadline. Output: `Result<F::Output, Elapsed>`.
    /// Several `run`s of one deadline may be alive at once. While `future` is
    /// polled, the deadline is in scope for the work nested in it (see
    /// [Nested work](Deadline#nested-work)).
    ///
    /// ```
    /// use std::time::Duration;
    /// use orchestrate::{parallel, sleep, Deadline};
    ///
    /// # futures::executor::block_on(async {
    /// let deadline = Deadline::after(Duration::from_millis(50));
    /// let branches = [10, 20, 5_000].map(|ms| deadline.run(sleep(Duration::from_millis(ms))));
    /// let all = parallel(branches).await;
    /// assert_eq!(all.unwrap_err().to_string(), "timed out after 50ms");
    /// # });
    /// ```
    pub fn run<F: IntoFuture>(&self, future: F) -> Timeout<F::IntoFuture> {
        Timeout::new(
            future.into_future(),
            Limit::At {
                deadline: self.instant,
                budget: self.budget,
                run: true,
            },
        )
    }
}

impl From<Instant> for Deadline {
    fn from(instant: Instant) -> Self {
        Deadline::at(instant)
    }
}

/// Puts a deadline in scope for one poll (the tighter of it and the one
/// already in scope, and likewise for [`Deadline::current_run`] when `run`
/// set it); restores the outer ones when dropped.
pub(crate) struct DeadlineScope {
    outer: Option<Deadline>,
    /// What [`Deadline::current_run`] held, if `run` changed it.
    outer_run: OuterRun,
}

enum OuterRun {
    Unchanged,
    Was(Option<Deadline>),
}

impl DeadlineScope {
    #[inline]
    pub(crate) fn enter(deadline: Deadline, run: bool) -> Self {
        DeadlineScope {
            outer: tighten(&CURRENT, deadline),
            outer_run: if run {
                OuterRun::Was(tighten(&RUN, deadline))
            } else {
                OuterRun::Unchanged
            },
        }
    }
}

/// Sets `slot` to the tighter of it and `deadline`; returns what it held.
#[inline]
fn tighten(
    slot: &'static std::thread::LocalKey<Cell<Option<Deadline>>>,
    deadline: Deadline,
) -> Option<Deadline> {
    slot.try_with(|current| {
        let outer = current.get();
        let tightest = match outer {
            Some(outer) if !deadline.is_before(&outer) => outer,
            _ => deadline,
        };
        current.set(Some(tightest));
        outer
    })
    .ok()
    .flatten()
}

impl Drop for DeadlineScope {
    #[inline]
    fn drop(&mut self) {
        let _ = CURRENT.try_with(|current| current.set(self.outer));
        if let OuterRun::Was(outer) = self.outer_run {
            let _ = RUN.try_with(|current| current.set(outer));
        }
    }
}
