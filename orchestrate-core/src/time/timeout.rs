use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use pin_project_lite::pin_project;

use super::deadline::DeadlineScope;
use super::timer::{self, TimerFuture};
use super::{Deadline, Elapsed, clock};

/// Runs `future` for at most `limit`.
///
/// Output: `Ok(output)` if the future finished in time, `Err(Elapsed)` if the
/// limit ran out first; then the inner future is dropped before the error is
/// returned.
///
/// - The clock starts at the first poll, as futures are lazy.
/// - The inner future is always polled before the limit is checked, so a future
///   that is ready at once is never reported as timed out, even under
///   [`Duration::ZERO`], and it never arms a timer or allocates.
/// - A limit longer than about a century (100 × 365 days, such as
///   [`Duration::MAX`]) never fires: no timer is armed for it.
/// - Under a [`Deadline`](crate::Deadline) (inside [`Deadline::run`](crate::Deadline::run)),
///   the tighter of the two wins: a 2 s timeout with 300 ms left of the
///   deadline gives up after 300 ms, with an [`Elapsed`] that names the
///   deadline's budget.
/// - The timer comes from the current [backend](crate::timer), read when the
///   timer is armed.
///
/// The method form is [`TimeoutExt::timeout`](crate::TimeoutExt::timeout); the
/// attribute form is `#[orchestrate::timeout(ms = …)]`.
///
/// ```
/// use std::time::Duration;
/// use orchestrate::{sleep, timeout};
///
/// # futures::executor::block_on(async {
/// let fast = timeout(Duration::from_secs(1), async { 42 }).await;
/// assert_eq!(fast, Ok(42));
///
/// let slow = timeout(Duration::from_millis(10), sleep(Duration::from_secs(60))).await;
/// assert_eq!(slow.unwrap_err().to_string(), "timed out after 10ms");
/// # });
/// ```
pub fn timeout<F: IntoFuture>(limit: Duration, future: F) -> Timeout<F::IntoFuture> {
    Timeout::new(future.into_future(), Limit::After(limit))
}

/// How a [`Timeout`] learns when to give up.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Limit {
    /// `limit` from the first poll.
    After(Duration),
    /// A fixed instant (`None`: never), reporting `budget` when it passes.
    At {
        deadline: Option<Instant>,
        budget: Duration,
    },
}

impl Limit {
    fn elapsed(self) -> Elapsed {
        match self {
            Limit::After(limit) => Elapsed::new(limit),
            Limit::At { budget, .. } => Elapsed::new(budget),
        }
    }

    /// Reads the clock and arms what the limit asks for, in `slot` (in
    /// place: a timer may be large). When the deadline in scope is tighter,
    /// it becomes the limit.
    fn arm(&mut self, mut slot: Pin<&mut TimerState>) {
        let scoped = Deadline::current();
        if let Limit::After(limit) = *self {
            if limit.is_zero() {
                return slot.set(TimerState::Expired);
            }
            let Some(scoped) = scoped else {
                // The common case: no clock read of our own.
                let armed = timer::arm_after(limit, |timer| slot.set(TimerState::Armed { timer }));
                if armed.is_none() {
                    slot.set(TimerState::Never);
                }
                return;
            };
            *self = Limit::At {
                deadline: if limit > timer::NEVER_AFTER {
                    None
                } else {
                    clock::now().checked_add(limit)
                },
                budget: limit,
            };
            self.tighten(scoped);
        } else if let Some(scoped) = scoped {
            self.tighten(scoped);
        }
        match *self {
            Limit::At { deadline: None, .. } => slot.set(TimerState::Never),
            Limit::At {
                deadline: Some(deadline),
                ..
            } => match deadline.checked_duration_since(clock::now()) {
                Some(left) if !left.is_zero() => {
                    timer::arm_at(deadline, |timer| slot.set(TimerState::Armed { timer }));
                }
                _ => slot.set(TimerState::Expired),
            },
            Limit::After(_) => unreachable!("turned into a deadline above"),
        }
    }

    /// Becomes `scoped` if that comes first.
    fn tighten(&mut self, scoped: Deadline) {
        let Limit::At { deadline, .. } = *self else {
            return;
        };
        let earlier = match (scoped.instant(), deadline) {
            (Some(theirs), Some(ours)) => theirs < ours,
            (Some(_), None) => true,
            (None, _) => false,
        };
        if earlier {
            *self = Limit::At {
                deadline: scoped.instant(),
                budget: scoped.budget(),
            };
        }
    }

    /// The deadline to put in scope while the inner future is polled.
    fn scope(self) -> Option<Deadline> {
        match self {
            Limit::After(_) => None,
            Limit::At { deadline, budget } => Some(Deadline::from_parts(deadline, budget)),
        }
    }
}

pin_project! {
    #[project = TimerStateProj]
    #[derive(Debug)]
    enum TimerState {
        // Not polled to `Pending` yet: no clock read, no timer.
        Unarmed,
        // Pinned in place: a timer may be `!Unpin` (tokio's `Sleep`).
        Armed { #[pin] timer: TimerFuture },
        // The limit had passed by the time it was armed.
        Expired,
        // The limit lies beyond `timer::NEVER_AFTER` or the clock's range.
        Never,
    }
}

pin_project! {
    /// The future of [`timeout`], [`TimeoutExt::timeout`](crate::TimeoutExt::timeout),
    /// [`TimeoutExt::deadline`](crate::TimeoutExt::deadline) and
    /// [`Deadline::run`](crate::Deadline::run).
    ///
    /// Output: `Result<F::Output, Elapsed>`. Polling it again after it has
    /// returned `Ready` panics with a message naming `Timeout`.
    ///
    /// It is `!Unpin` whatever `F` is: it holds its timer in place (tokio's
    /// `Sleep` inline, no allocation per armed timer); pin it to poll it by
    /// hand (`std::pin::pin!`, `Box::pin`), as `.await` does.
    ///
    /// ```
    /// use std::time::Duration;
    /// use orchestrate::{timeout, Timeout};
    ///
    /// # futures::executor::block_on(async {
    /// let fut: Timeout<_> = timeout(Duration::from_secs(1), async { "done" });
    /// assert_eq!(fut.await, Ok("done"));
    /// # });
    /// ```
    #[derive(Debug)]
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct Timeout<F> {
        // `None` once finished: the inner future is dropped as soon as the
        // outcome is known, not when the `Timeout` is.
        #[pin]
        future: Option<F>,
        limit: Limit,
        #[pin]
        timer: TimerState,
    }
}

impl<F: Future> Timeout<F> {
    pub(crate) fn new(future: F, limit: Limit) -> Self {
        Timeout {
            future: Some(future),
            limit,
            timer: TimerState::Unarmed,
        }
    }

    /// Replaces the limit of a `Timeout` that was never polled (a join's
    /// `timeout = …` option is evaluated after its branches are built).
    pub(crate) fn set_limit(&mut self, limit: Duration) {
        debug_assert!(self.future.is_some() && matches!(self.timer, TimerState::Unarmed));
        self.limit = Limit::After(limit);
    }

    /// The inner future, while it has not finished or timed out.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use orchestrate::timeout;
    /// let fut = timeout(Duration::from_secs(1), std::future::ready(7));
    /// assert!(fut.get_ref().is_some());
    /// ```
    pub fn get_ref(&self) -> Option<&F> {
        self.future.as_ref()
    }

    /// The inner future, unwrapped from its limit, while it has not finished.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use orchestrate::timeout;
    /// # futures::executor::block_on(async {
    /// let fut = timeout(Duration::from_secs(1), std::future::ready(7));
    /// assert_eq!(fut.into_inner().unwrap().await, 7);
    /// # });
    /// ```
    pub fn into_inner(self) -> Option<F> {
        self.future
    }
}

impl<F: Future> Future for Timeout<F> {
    type Output = Result<F::Output, Elapsed>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        let Some(future) = this.future.as_mut().as_pin_mut() else {
            panic!("`Timeout` polled after completion");
        };
        let polled = {
            // A deadline bounds the work nested in it: timeouts armed inside
            // see it and give up by it.
            let _scope = this.limit.scope().map(DeadlineScope::enter);
            future.poll(cx)
        };
        if let Poll::Ready(output) = polled {
            this.future.set(None);
            // Release the timer now, not when the `Timeout` is dropped.
            if let TimerState::Armed { .. } = *this.timer {
                this.timer.set(TimerState::Never);
            }
            return Poll::Ready(Ok(output));
        }
        if let TimerState::Unarmed = *this.timer {
            this.limit.arm(this.timer.as_mut());
        }
        let fired = match this.timer.as_mut().project() {
            TimerStateProj::Armed { timer } => timer.poll(cx).is_ready(),
            TimerStateProj::Expired => true,
            TimerStateProj::Never | TimerStateProj::Unarmed => false,
        };
        if fired {
            this.future.set(None);
            this.timer.set(TimerState::Expired);
            crate::timeline::note_timeout();
            Poll::Ready(Err(this.limit.elapsed()))
        } else {
            Poll::Pending
        }
    }
}
