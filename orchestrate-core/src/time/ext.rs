use std::future::Future;
use std::time::Duration;

use super::{Deadline, Elapsed, Timeout, TryTimeout};

/// Timeouts as methods on every future; brought in by `use orchestrate::prelude::*`.
///
/// ```
/// use std::time::{Duration, Instant};
/// use orchestrate::prelude::*;
///
/// # futures::executor::block_on(async {
/// assert_eq!(async { 1 }.timeout(Duration::from_secs(1)).await, Ok(1));
///
/// let by = Instant::now() + Duration::from_secs(1);
/// assert_eq!(async { 2 }.deadline(by).await, Ok(2));
/// # });
/// ```
pub trait TimeoutExt: Future + Sized {
    /// Runs `self` for at most `limit`; same as [`timeout(limit, self)`](crate::timeout()).
    ///
    /// ```
    /// # use std::time::Duration;
    /// use orchestrate::prelude::*;
    /// # futures::executor::block_on(async {
    /// let late = orchestrate::sleep(Duration::from_secs(60)).timeout(Duration::from_millis(5)).await;
    /// assert!(late.is_err());
    /// # });
    /// ```
    fn timeout(self, limit: Duration) -> Timeout<Self> {
        crate::timeout(limit, self)
    }

    /// Runs a fallible `self` for at most `limit`, the timeout becoming one of
    /// its errors: `Ok(value)`, its own `Err(e)`, or `Err(E::from(elapsed))`;
    /// same as [`try_timeout(limit, self)`](crate::try_timeout()). Use it where
    /// `.timeout(limit)` would give a `Result<Result<T, E>, Elapsed>` to unpack:
    /// `?` works on it directly.
    ///
    /// ```
    /// # use std::time::Duration;
    /// use orchestrate::prelude::*;
    ///
    /// #[derive(Debug)]
    /// struct ApiError(String);
    /// impl From<Elapsed> for ApiError {
    ///     fn from(e: Elapsed) -> Self { ApiError(e.to_string()) }
    /// }
    ///
    /// async fn user() -> Result<String, ApiError> {
    ///     orchestrate::sleep(Duration::from_secs(60)).await;
    ///     Ok("ada".into())
    /// }
    ///
    /// async fn handler() -> Result<String, ApiError> {
    ///     let name = user().try_timeout(Duration::from_millis(5)).await?;
    ///     Ok(format!("hello {name}"))
    /// }
    ///
    /// # futures::executor::block_on(async {
    /// assert_eq!(handler().await.unwrap_err().0, "timed out after 5ms");
    /// # });
    /// ```
    fn try_timeout<T, E>(self, limit: Duration) -> TryTimeout<Self>
    where
        Self: Future<Output = Result<T, E>>,
        E: From<Elapsed>,
    {
        crate::try_timeout(limit, self)
    }

    /// Runs `self` until `deadline`: an [`Instant`](std::time::Instant) or a
    /// [`Deadline`]; same as [`Deadline::run`].
    ///
    /// ```
    /// # use std::time::Duration;
    /// use orchestrate::{prelude::*, Deadline};
    /// # futures::executor::block_on(async {
    /// let budget = Deadline::after(Duration::from_secs(1));
    /// assert_eq!(async { 3 }.deadline(budget).await, Ok(3));
    /// # });
    /// ```
    fn deadline(self, deadline: impl Into<Deadline>) -> Timeout<Self> {
        deadline.into().run(self)
    }
}

impl<F: Future> TimeoutExt for F {}
