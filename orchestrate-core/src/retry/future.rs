use std::fmt;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use pin_project_lite::pin_project;

use super::backoff::{Attempts, Backoff};
use crate::{Sleep, sleep};

/// Runs `operation` until it succeeds, retrying its failures as `policy`
/// says. Output: the first `Ok`, or the last `Err` once the policy gives up.
///
/// `operation` is called once per attempt and returns a fresh future each
/// time (`|| fetch(id)`). The waits between attempts run on the current
/// [timer backend](crate::timer) (a virtual clock in tests), and a
/// [`Deadline::run`](crate::Deadline::run) around it stops retries that would
/// outlast the deadline (returning the last error at once). A
/// [`timeout`](crate::timeout()) around it does not: its expiry is the
/// outcome of the call it bounds, with or without a deadline further out.
/// Refine the future before awaiting it:
///
/// - [`.when(|err| …)`](Retry::when): which errors are worth retrying (all,
///   unless set);
/// - [`.notify(|err, delay| …)`](Retry::notify): called on each failed
///   attempt that will be retried, before the wait (to log it);
/// - [`.on_retry(|err, delay, attempt| …)`](Retry::on_retry): the same, with
///   the 1-based number of the attempt that failed;
/// - [`.adjust(|err, delay| …)`](Retry::adjust): changes a planned wait,
///   e.g. to honour a `Retry-After` the server sent.
///
/// To retry a method that borrows `&mut self`, write the loop with the
/// `#[retry]` attribute on the method, which re-runs the body in place.
///
/// # Compared with backon
///
/// | backon | orchestrate |
/// | --- | --- |
/// | `ConstantBuilder`, `ExponentialBuilder`, `FibonacciBuilder` | [`Backoff::constant`], [`exponential`](Backoff::exponential) (with [`factor`](Backoff::factor)), [`fibonacci`](Backoff::fibonacci), [`immediate`](Backoff::immediate) |
/// | `with_max_times`, `with_max_delay`, `with_jitter`, seeded jitter | [`attempts`](Backoff::attempts) / [`forever`](Backoff::forever), [`max_delay`](Backoff::max_delay), [`jitter(0.0..=1.0)`](Backoff::jitter), [`jitter_seed`](Backoff::jitter_seed) |
/// | `with_total_delay` (sum of the waits) | [`max_elapsed`](Backoff::max_elapsed) (wall time since the first attempt, attempts included), and any [`Deadline`](crate::Deadline) in scope |
/// | `.when`, `.notify`, `.adjust` | [`.when`](Retry::when), [`.notify`](Retry::notify), [`.adjust`](Retry::adjust) (`Retry-After`) |
/// | `.sleep(sleeper)` per call | the ambient [timer backend](crate::timer), a virtual clock in tests; call sites unchanged |
/// | `RetryableWithContext` to thread `&mut` state through | `#[retry]` on the method, which re-runs its body in place: `&mut self` just works |
/// | blocking retries | not provided: orchestrate is for async code |
///
/// Bad policies (zero attempts, a cap below the base, jitter outside
/// `0.0..=1.0`) panic when built, naming the call; in `#[retry(…)]` they are
/// compile errors.
///
/// ```
/// use std::cell::Cell;
/// use std::time::Duration;
/// use orchestrate::{retry, Backoff};
///
/// # futures::executor::block_on(async {
/// let calls = Cell::new(0);
/// let fetch = || async {
///     calls.set(calls.get() + 1);
///     if calls.get() < 3 { Err("busy") } else { Ok("done") }
/// };
/// let policy = Backoff::exponential(Duration::from_millis(1)).attempts(5);
/// assert_eq!(retry(policy, fetch).await, Ok("done"));
/// assert_eq!(calls.get(), 3);
/// # });
/// ```
#[allow(clippy::type_complexity)] // the hooks' default types
pub fn retry<Op, I, T, E>(
    policy: Backoff,
    operation: Op,
) -> Retry<
    Op,
    I::IntoFuture,
    fn(&E) -> bool,
    fn(&E, Duration),
    fn(&E, Duration) -> Duration,
    fn(&E, Duration, u32),
>
where
    Op: FnMut() -> I,
    I: IntoFuture<Output = Result<T, E>>,
{
    Retry {
        operation,
        attempts: Attempts::new(policy),
        when: |_| true,
        notify: |_, _| {},
        adjust: |_, delay| delay,
        hook: |_, _, _| {},
        attempt: None,
        wait: None,
        done: false,
    }
}

pin_project! {
    /// The future of [`retry`](crate::retry()). Output: `Result<T, E>`, the
    /// operation's. Polling it again after it completed panics with a
    /// message naming `Retry`.
    ///
    /// ```
    /// use std::time::Duration;
    /// use orchestrate::{retry, Backoff};
    ///
    /// # futures::executor::block_on(async {
    /// let once = retry(Backoff::immediate(), || async { Ok::<_, ()>(1) });
    /// assert_eq!(once.await, Ok(1));
    /// # });
    /// ```
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct Retry<Op, Fut, W, N, A, R> {
        operation: Op,
        attempts: Attempts,
        when: W,
        notify: N,
        adjust: A,
        // `.on_retry(…)`'s hook.
        hook: R,
        #[pin]
        attempt: Option<crate::timeline::Attempted<Fut>>,
        // Pinned: a `Sleep` is `!Unpin`.
        #[pin]
        wait: Option<Sleep>,
        done: bool,
    }
}

impl<Op, I, Fut, T, E, W, N, A, R> Retry<Op, Fut, W, N, A, R>
where
    Op: FnMut() -> I,
    I: IntoFuture<IntoFuture = Fut>,
    Fut: Future<Output = Result<T, E>>,
{
    /// Retries only the errors for which `retryable` returns `true`; any
    /// other error is returned at once.
    ///
    /// ```
    /// use std::time::Duration;
    /// use orchestrate::{retry, Backoff};
    ///
    /// #[derive(Debug, PartialEq)]
    /// enum Error { Busy, NotFound }
    ///
    /// # futures::executor::block_on(async {
    /// let mut calls = 0;
    /// let out = retry(Backoff::immediate().attempts(5), || { calls += 1; async { Err::<(), _>(Error::NotFound) } })
    ///     .when(|e| *e == Error::Busy)
    ///     .await;
    /// assert_eq!(out, Err(Error::NotFound));
    /// assert_eq!(calls, 1, "not retried");
    /// # });
    /// ```
    pub fn when<W2>(self, retryable: W2) -> Retry<Op, Fut, W2, N, A, R>
    where
        W2: FnMut(&E) -> bool,
    {
        Retry {
            operation: self.operation,
            attempts: self.attempts,
            when: retryable,
            notify: self.notify,
            adjust: self.adjust,
            hook: self.hook,
            attempt: self.attempt,
            wait: self.wait,
            done: self.done,
        }
    }

    /// Calls `hook(&error, delay)` on each failed attempt that will be
    /// retried after `delay`, before the wait: to log or count failures.
    ///
    /// ```
    /// use std::time::Duration;
    /// use orchestrate::{retry, Backoff};
    ///
    /// # futures::executor::block_on(async {
    /// let mut log = Vec::new();
    /// let out = retry(Backoff::constant(Duration::from_millis(1)), || async { Err::<(), _>("down") })
    ///     .notify(|e, delay| log.push(format!("{e}, retrying in {delay:?}")))
    ///     .await;
    /// assert_eq!(out, Err("down"));
    /// assert_eq!(log, ["down, retrying in 1ms", "down, retrying in 1ms"]);
    /// # });
    /// ```
    pub fn notify<N2>(self, hook: N2) -> Retry<Op, Fut, W, N2, A, R>
    where
        N2: FnMut(&E, Duration),
    {
        Retry {
            operation: self.operation,
            attempts: self.attempts,
            when: self.when,
            notify: hook,
            adjust: self.adjust,
            hook: self.hook,
            attempt: self.attempt,
            wait: self.wait,
            done: self.done,
        }
    }

    /// Calls `hook(&error, delay, attempt)` on each failed attempt that will
    /// be retried after `delay`, before the wait; `attempt` is the 1-based
    /// number of the attempt that just failed (`1` for the first call). Like
    /// [`notify`](Retry::notify), which it does not replace: both may be set.
    ///
    /// ```
    /// use std::time::Duration;
    /// use orchestrate::{retry, Backoff};
    ///
    /// # futures::executor::block_on(async {
    /// let mut log = Vec::new();
    /// let policy = Backoff::constant(Duration::from_millis(1)).attempts(3);
    /// let out = retry(policy, || async { Err::<(), _>("down") })
    ///     .on_retry(|e, delay, attempt| log.push(format!("attempt {attempt}: {e}, retrying in {delay:?}")))
    ///     .await;
    /// assert_eq!(out, Err("down"));
    /// assert_eq!(log, ["attempt 1: down, retrying in 1ms", "attempt 2: down, retrying in 1ms"]);
    /// # });
    /// ```
    pub fn on_retry<R2>(self, hook: R2) -> Retry<Op, Fut, W, N, A, R2>
    where
        R2: FnMut(&E, Duration, u32),
    {
        Retry {
            operation: self.operation,
            attempts: self.attempts,
            when: self.when,
            notify: self.notify,
            adjust: self.adjust,
            hook,
            attempt: self.attempt,
            wait: self.wait,
            done: self.done,
        }
    }

    /// Replaces each planned wait by `adjust(&error, planned)`: to wait as
    /// long as a `Retry-After` header says, say. The adjusted wait still
    /// counts against [`max_elapsed`](Backoff::max_elapsed) and a deadline in
    /// scope; it is not capped by [`max_delay`](Backoff::max_delay).
    ///
    /// ```
    /// use std::time::Duration;
    /// use orchestrate::{retry, Backoff};
    ///
    /// struct HttpError { status: u16, retry_after: Option<Duration> }
    ///
    /// # futures::executor::block_on(async {
    /// let mut waits = Vec::new();
    /// let _ = retry(Backoff::exponential(Duration::from_millis(1)), || async {
    ///         Err::<(), _>(HttpError { status: 429, retry_after: Some(Duration::from_millis(3)) })
    ///     })
    ///     .adjust(|e, planned| e.retry_after.unwrap_or(planned))
    ///     .notify(|_, delay| waits.push(delay))
    ///     .await;
    /// assert_eq!(waits, [Duration::from_millis(3); 2]);
    /// # });
    /// ```
    pub fn adjust<A2>(self, adjust: A2) -> Retry<Op, Fut, W, N, A2, R>
    where
        A2: FnMut(&E, Duration) -> Duration,
    {
        Retry {
            operation: self.operation,
            attempts: self.attempts,
            when: self.when,
            notify: self.notify,
            adjust,
            hook: self.hook,
            attempt: self.attempt,
            wait: self.wait,
            done: self.done,
        }
    }
}

impl<Op, Fut, W, N, A, R> fmt::Debug for Retry<Op, Fut, W, N, A, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Retry")
            .field("attempts", &self.attempts)
            .field("running", &self.attempt.is_some())
            .field("waiting", &self.wait.is_some())
            .finish_non_exhaustive()
    }
}

impl<Op, I, Fut, T, E, W, N, A, R> Future for Retry<Op, Fut, W, N, A, R>
where
    Op: FnMut() -> I,
    I: IntoFuture<IntoFuture = Fut>,
    Fut: Future<Output = Result<T, E>>,
    W: FnMut(&E) -> bool,
    N: FnMut(&E, Duration),
    A: FnMut(&E, Duration) -> Duration,
    R: FnMut(&E, Duration, u32),
{
    type Output = Result<T, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        assert!(!*this.done, "`Retry` polled after completion");
        loop {
            if let Some(wait) = this.wait.as_mut().as_pin_mut() {
                if wait.poll(cx).is_pending() {
                    return Poll::Pending;
                }
                this.wait.set(None);
            }
            if this.attempt.is_none() {
                this.attempts.begin();
                this.attempt.set(Some(crate::timeline::attempt(
                    (this.operation)().into_future(),
                )));
            }
            let Some(attempt) = this.attempt.as_mut().as_pin_mut() else {
                unreachable!("an attempt was just started");
            };
            let Poll::Ready(out) = attempt.poll(cx) else {
                return Poll::Pending;
            };
            this.attempt.set(None);
            let error = match out {
                Ok(value) => {
                    *this.done = true;
                    return Poll::Ready(Ok(value));
                }
                Err(error) => error,
            };
            let delay = if (this.when)(&error) {
                let adjust = &mut *this.adjust;
                this.attempts.next_delay(|planned| adjust(&error, planned))
            } else {
                None
            };
            let Some(delay) = delay else {
                *this.done = true;
                return Poll::Ready(Err(error));
            };
            (this.notify)(&error, delay);
            (this.hook)(&error, delay, this.attempts.attempt());
            if delay.is_zero() {
                // Retry at once, but let the executor run others first.
                cx.waker().wake_by_ref();
                return Poll::Pending;
            }
            this.wait.set(Some(sleep(delay)));
        }
    }
}
