use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use pin_project_lite::pin_project;

use super::{Elapsed, Timeout, timeout};

/// Runs a fallible `future` for at most `limit`, with the timeout as one more
/// of its errors: `Ok(value)`, the future's own `Err(e)`, or
/// `Err(E::from(elapsed))` if the limit ran out first. No nested `Result`, so
/// `?` works on it in a fn that returns `Result<_, E>`.
///
/// It is [`timeout`](crate::timeout()) with the two layers of `Result`
/// merged, with the same guarantees: lazy (the clock starts at the first
/// poll), the future polled before the clock is read (a ready future never
/// times out and arms no timer), no allocation, and the tighter of `limit`
/// and a [`Deadline`](crate::Deadline) in scope wins. The method form is
/// [`TimeoutExt::try_timeout`](crate::TimeoutExt::try_timeout).
///
/// ```
/// use std::time::Duration;
/// use orchestrate::{sleep, try_timeout, Elapsed};
///
/// #[derive(Debug, PartialEq)]
/// enum ApiError { Down, TimedOut(Elapsed) }
/// impl From<Elapsed> for ApiError {
///     fn from(e: Elapsed) -> Self { ApiError::TimedOut(e) }
/// }
///
/// async fn fetch(ms: u64) -> Result<u32, ApiError> {
///     sleep(Duration::from_millis(ms)).await;
///     if ms == 0 { Err(ApiError::Down) } else { Ok(7) }
/// }
///
/// async fn handler() -> Result<u32, ApiError> {
///     let quick = try_timeout(Duration::from_secs(1), fetch(1)).await?;
///     Ok(quick + 1)
/// }
///
/// # futures::executor::block_on(async {
/// assert_eq!(handler().await, Ok(8));
/// assert_eq!(try_timeout(Duration::from_secs(1), fetch(0)).await, Err(ApiError::Down));
/// let late = try_timeout(Duration::from_millis(5), fetch(60_000)).await;
/// assert_eq!(late, Err(ApiError::TimedOut(Elapsed::new(Duration::from_millis(5)))));
/// # });
/// ```
pub fn try_timeout<F, T, E>(limit: Duration, future: F) -> TryTimeout<F::IntoFuture>
where
    F: IntoFuture<Output = Result<T, E>>,
    E: From<Elapsed>,
{
    TryTimeout {
        inner: timeout(limit, future),
    }
}

pin_project! {
    /// The future of [`try_timeout`] and
    /// [`TimeoutExt::try_timeout`](crate::TimeoutExt::try_timeout): a
    /// [`Timeout`] whose [`Elapsed`] becomes the future's own error type.
    ///
    /// Output: `Result<T, E>` for an `F: Future<Output = Result<T, E>>` with
    /// `E: From<Elapsed>`. Polling it again after it has returned `Ready`
    /// panics with a message naming `TryTimeout`. Like `Timeout`, it is
    /// `!Unpin` (it holds its timer in place): `.await` pins it.
    ///
    /// ```
    /// use std::time::Duration;
    /// use orchestrate::{try_timeout, Elapsed, TryTimeout};
    ///
    /// # futures::executor::block_on(async {
    /// let fut: TryTimeout<_> = try_timeout(Duration::from_secs(1), async { Ok::<_, Elapsed>(3) });
    /// assert_eq!(fut.await, Ok(3));
    /// # });
    /// ```
    #[derive(Debug)]
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct TryTimeout<F> {
        #[pin]
        inner: Timeout<F>,
    }
}

impl<F: Future> TryTimeout<F> {
    /// The inner future, while it has not finished or timed out.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use orchestrate::{try_timeout, Elapsed};
    /// let fut = try_timeout(Duration::from_secs(1), std::future::ready(Ok::<u8, Elapsed>(7)));
    /// assert!(fut.get_ref().is_some());
    /// ```
    pub fn get_ref(&self) -> Option<&F> {
        self.inner.get_ref()
    }

    /// The inner future, unwrapped from its limit, while it has not finished.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use orchestrate::{try_timeout, Elapsed};
    /// # futures::executor::block_on(async {
    /// let fut = try_timeout(Duration::from_secs(1), std::future::ready(Ok::<u8, Elapsed>(7)));
    /// assert_eq!(fut.into_inner().unwrap().await, Ok(7));
    /// # });
    /// ```
    pub fn into_inner(self) -> Option<F> {
        self.inner.into_inner()
    }
}

impl<F, T, E> Future for TryTimeout<F>
where
    F: Future<Output = Result<T, E>>,
    E: From<Elapsed>,
{
    type Output = Result<T, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let inner = self.project().inner;
        // Checked here so that the message names this type, not `Timeout`.
        assert!(
            Timeout::get_ref(&inner).is_some(),
            "`TryTimeout` polled after completion"
        );
        inner
            .poll(cx)
            .map(|out| out.unwrap_or_else(|elapsed| Err(E::from(elapsed))))
    }
}
