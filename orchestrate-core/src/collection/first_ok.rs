use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::task::{Context, Poll};

use super::Fallible;
use crate::limit::{LimitWith, Limiter, Run};

use super::driver::{Driver, Flow, Output, Progress};
use crate::AllFailed;

/// Runs every future of a collection at once; the first `Ok` wins (JS
/// `Promise.any`) and every other branch is dropped before the future completes.
///
/// Every branch outputs `Result<T, E>`. Output: `Ok(T)` of the first success,
/// or `Err(AllFailed<E>)` holding every error in branch order when all fail
/// (no errors at all for an empty collection).
///
/// ```
/// use orchestrate::first_ok;
///
/// # futures::executor::block_on(async {
/// let replicas = [Err("timeout"), Ok("row 7"), Ok("row 7 (stale)")].map(|r| async move { r });
/// assert_eq!(first_ok(replicas).await, Ok("row 7"));
///
/// let none: [std::future::Ready<Result<(), ()>>; 0] = [];
/// assert!(first_ok(none).await.unwrap_err().is_empty());
/// # });
/// ```
pub fn first_ok<I>(branches: I) -> FirstOk<I::IntoIter>
where
    I: IntoIterator,
    I::Item: IntoFuture,
    Output<I::IntoIter>: Fallible,
{
    FirstOk {
        driver: Some(Driver::new(branches.into_iter())),
    }
}

/// The future of [`first_ok`]. Output: `Result<T, AllFailed<E>>`.
///
/// Polling it again after it has returned `Ready` panics with a message naming
/// `FirstOk`.
///
/// ```
/// # use orchestrate::{first_ok, FirstOk};
/// # futures::executor::block_on(async {
/// let any: FirstOk<_> = first_ok([Err("down"), Ok(1)].map(std::future::ready));
/// assert_eq!(any.await, Ok(1));
/// # });
/// ```
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct FirstOk<I, F = <<I as Iterator>::Item as IntoFuture>::IntoFuture>
where
    I: Iterator,
    I::Item: IntoFuture<IntoFuture = F>,
    F: Future,
    F::Output: Fallible,
{
    driver: Option<Driver<I, F, <F::Output as Fallible>::Err>>,
}

impl<I, F> FirstOk<I, F>
where
    I: Iterator,
    I::Item: IntoFuture<IntoFuture = F>,
    F: Future,
    F::Output: Fallible,
{
    /// Runs each branch through [`Limiter::run`]: under a permit of a limiter
    /// shared with other calls, so every fan-out (and every level of a nested
    /// one) through it shares one bound. Branches wait for permits in
    /// arrival order; a branch that gets its permit starts then.
    ///
    /// # Panics
    ///
    /// If called after the first poll.
    ///
    /// ```
    /// # use orchestrate::{first_ok, Limiter};
    /// static API: Limiter = Limiter::new(2);
    /// # futures::executor::block_on(async {
    /// let mirrors = [Err("down"), Ok("b"), Ok("c")].map(std::future::ready);
    /// assert_eq!(first_ok(mirrors).limit_with(&API).await, Ok("b"));
    /// # });
    /// ```
    pub fn limit_with(self, limiter: &Limiter) -> FirstOk<LimitWith<'_, I>, Run<'_, F>> {
        FirstOk {
            driver: self.driver.map(|driver| {
                driver.map_source("first_ok(..).limit_with(..)", |source| {
                    LimitWith::new(source, limiter)
                })
            }),
        }
    }
}

// The branches live pinned in the driver's heap slice: moving the join
// moves none of them.
impl<I, F> Unpin for FirstOk<I, F>
where
    I: Iterator,
    I::Item: IntoFuture<IntoFuture = F>,
    F: Future,
    F::Output: Fallible,
{
}

impl<I, F> std::fmt::Debug for FirstOk<I, F>
where
    I: Iterator,
    I::Item: IntoFuture<IntoFuture = F>,
    F: Future,
    F::Output: Fallible,
{
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        Driver::debug(self.driver.as_ref(), "FirstOk", f)
    }
}

impl<I, F> Future for FirstOk<I, F>
where
    I: Iterator,
    I::Item: IntoFuture<IntoFuture = F>,
    F: Future,
    F::Output: Fallible,
{
    type Output = Result<<F::Output as Fallible>::Ok, AllFailed<<F::Output as Fallible>::Err>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let Some(driver) = &mut self.driver else {
            panic!("`FirstOk` (orchestrate::first_ok) polled after completion");
        };
        let mut winner = None;
        let progress = driver.poll(cx, &mut |_, output| match output.into_result() {
            Ok(value) => {
                winner = Some(value);
                Flow::Stop
            }
            Err(error) => Flow::Keep(error),
        });
        if let Progress::Pending = progress {
            return Poll::Pending;
        }
        // Drops every other branch before completing.
        let driver = self.driver.take();
        Poll::Ready(match winner {
            Some(value) => Ok(value),
            None => Err(AllFailed::new(
                driver.map(Driver::into_kept).unwrap_or_default(),
            )),
        })
    }
}
