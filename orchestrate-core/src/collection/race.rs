use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::limit::{LimitWith, Limiter, Run};

use super::driver::{Driver, Flow, Progress};

/// Runs every future of a collection at once; the first to complete wins
/// (JS `Promise.race`) and every other branch is dropped before the future
/// completes.
///
/// Output: the winner's output, success or not (use [`first_ok`](crate::first_ok())
/// for the first *success*). When several branches are ready in the same poll,
/// the earliest in input order wins.
///
/// # Panics
///
/// An empty collection has no winner: the first poll panics with a message
/// naming `race`, rather than hanging forever.
///
/// ```
/// use std::time::Duration;
/// use orchestrate::{race, sleep};
///
/// # futures::executor::block_on(async {
/// // Real sleeps, far apart so that a loaded machine keeps their order.
/// let mirrors = [("eu", 600), ("us", 5), ("ap", 1200)].map(|(name, ms)| async move {
///     sleep(Duration::from_millis(ms)).await;
///     name
/// });
/// assert_eq!(race(mirrors).await, "us");
/// # });
/// ```
pub fn race<I>(branches: I) -> Race<I::IntoIter>
where
    I: IntoIterator,
    I::Item: IntoFuture,
{
    Race {
        driver: Some(Driver::new(branches.into_iter())),
    }
}

/// The future of [`race`]. Output: the first output to arrive.
///
/// Polling it again after it has returned `Ready` panics with a message naming
/// `Race`.
///
/// ```
/// # use orchestrate::{race, Race};
/// # futures::executor::block_on(async {
/// let first: Race<_> = race(['a', 'b'].map(std::future::ready));
/// assert_eq!(first.await, 'a');
/// # });
/// ```
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Race<I, F = <<I as Iterator>::Item as IntoFuture>::IntoFuture>
where
    I: Iterator,
    I::Item: IntoFuture<IntoFuture = F>,
    F: Future,
{
    driver: Option<Driver<I, F, ()>>,
}

impl<I, F> Race<I, F>
where
    I: Iterator,
    I::Item: IntoFuture<IntoFuture = F>,
    F: Future,
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
    /// # use orchestrate::{race, Limiter};
    /// static API: Limiter = Limiter::new(1);
    /// # futures::executor::block_on(async {
    /// // One permit: the branches start one after another, the first wins.
    /// let winner = race([1, 2, 3].map(|n| async move { n })).limit_with(&API).await;
    /// assert_eq!(winner, 1);
    /// # });
    /// ```
    pub fn limit_with(self, limiter: &Limiter) -> Race<LimitWith<'_, I>, Run<'_, F>> {
        Race {
            driver: self.driver.map(|driver| {
                driver.map_source("race(..).limit_with(..)", |source| {
                    LimitWith::new(source, limiter)
                })
            }),
        }
    }
}

// The branches live pinned in the driver's heap slice: moving the join
// moves none of them.
impl<I, F> Unpin for Race<I, F>
where
    I: Iterator,
    I::Item: IntoFuture<IntoFuture = F>,
    F: Future,
{
}

impl<I, F> std::fmt::Debug for Race<I, F>
where
    I: Iterator,
    I::Item: IntoFuture<IntoFuture = F>,
    F: Future,
{
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        Driver::debug(self.driver.as_ref(), "Race", f)
    }
}

impl<I, F> Future for Race<I, F>
where
    I: Iterator,
    I::Item: IntoFuture<IntoFuture = F>,
    F: Future,
{
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let Some(driver) = &mut self.driver else {
            panic!("`Race` (orchestrate::race) polled after completion");
        };
        let mut winner = None;
        let progress = driver.poll(cx, &mut |_, output| {
            winner = Some(output);
            Flow::Stop
        });
        match (progress, winner) {
            (Progress::Pending, _) => Poll::Pending,
            (_, Some(output)) => {
                // Drops every other branch before completing.
                self.driver = None;
                Poll::Ready(output)
            }
            (_, None) => panic!(
                "`orchestrate::race` was given an empty collection, so no branch can ever win; \
                 check for emptiness first, or use `first_ok`, which returns `Err(AllFailed)` for none"
            ),
        }
    }
}
