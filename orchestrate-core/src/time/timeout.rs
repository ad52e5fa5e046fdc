use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use pin_project_lite::pin_project;

use super::Elapsed;
use super::limit::{Expiry, Limit};

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
///   deadline's budget. The tighter one is also the deadline in scope
///   ([`Deadline::current`](crate::Deadline::current)) for the future, from
///   its first poll on.
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
    // Built here rather than by `Timeout::new`: one function less to compile
    // per future type in a user's debug build (`#[timeout]` calls this).
    Timeout {
        future: Some(future.into_future()),
        expiry: Expiry::new(Limit::After(limit)),
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
        #[pin]
        expiry: Expiry,
    }
}

impl<F: Future> Timeout<F> {
    pub(crate) fn new(future: F, limit: Limit) -> Self {
        Timeout {
            future: Some(future),
            expiry: Expiry::new(limit),
        }
    }

    /// Replaces the limit of a `Timeout` that was never polled (a join's
    /// `timeout = …` option is evaluated after its branches are built).
    pub(crate) fn set_limit(&mut self, limit: Duration) {
        self.expiry = Expiry::new(Limit::After(limit));
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
            let _scope = this.expiry.as_mut().scope();
            future.poll(cx)
        };
        if let Poll::Ready(output) = polled {
            this.future.set(None);
            this.expiry.release();
            return Poll::Ready(Ok(output));
        }
        let elapsed = ready!(this.expiry.poll_expired(cx));
        this.future.set(None);
        Poll::Ready(Err(elapsed))
    }
}
