use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use pin_project_lite::pin_project;

use super::Elapsed;
use super::clock;
use super::timer::Timer;

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
/// - A limit too large for the clock (such as [`Duration::MAX`]) never fires.
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

    /// Reads the clock (only deadlines need it) and arms what the limit asks for.
    fn arm(self) -> TimerState {
        match self {
            Limit::After(limit) if limit.is_zero() => TimerState::Expired,
            Limit::After(limit) => TimerState::Armed(Timer::after(limit)),
            Limit::At { deadline: None, .. } => TimerState::Never,
            Limit::At {
                deadline: Some(deadline),
                ..
            } => match deadline.checked_duration_since(clock::now()) {
                Some(left) if !left.is_zero() => TimerState::Armed(Timer::after(left)),
                _ => TimerState::Expired,
            },
        }
    }
}

#[derive(Debug)]
enum TimerState {
    /// Not polled to `Pending` yet: no clock read, no timer.
    Unarmed,
    Armed(Timer),
    /// The limit had passed by the time it was armed.
    Expired,
    /// The limit lies beyond the clock's range.
    Never,
}

pin_project! {
    /// The future of [`timeout`], [`TimeoutExt::timeout`](crate::TimeoutExt::timeout),
    /// [`TimeoutExt::deadline`](crate::TimeoutExt::deadline) and
    /// [`Deadline::run`](crate::Deadline::run).
    ///
    /// Output: `Result<F::Output, Elapsed>`. Polling it again after it has
    /// returned `Ready` panics with a message naming `Timeout`.
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
        if let Poll::Ready(output) = future.poll(cx) {
            this.future.set(None);
            return Poll::Ready(Ok(output));
        }
        if let TimerState::Unarmed = this.timer {
            *this.timer = this.limit.arm();
        }
        let fired = match this.timer {
            TimerState::Armed(timer) => timer.poll_fired(cx).is_ready(),
            TimerState::Expired => true,
            TimerState::Never | TimerState::Unarmed => false,
        };
        if fired {
            this.future.set(None);
            *this.timer = TimerState::Expired;
            Poll::Ready(Err(this.limit.elapsed()))
        } else {
            Poll::Pending
        }
    }
}
