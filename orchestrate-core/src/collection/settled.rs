use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::limit::{LimitWith, Limiter, Run};

use super::driver::{Driver, Flow, Progress};

/// Runs every future of a collection to completion and keeps every output, in
/// input order (JS `Promise.allSettled`). Nothing short-circuits: a failed
/// branch's `Err` stands in its slot.
///
/// Output: `Vec<F::Output>` (empty for an empty collection). With
/// [`.limit(n)`](Settled::limit), at most `n` branches run at once.
///
/// ```
/// use orchestrate::settled;
///
/// # futures::executor::block_on(async {
/// let calls = (1..=4).map(|n| async move { if n % 2 == 0 { Ok(n) } else { Err(n) } });
/// assert_eq!(settled(calls).await, [Err(1), Ok(2), Err(3), Ok(4)]);
/// # });
/// ```
pub fn settled<I>(branches: I) -> Settled<I::IntoIter>
where
    I: IntoIterator,
    I::Item: IntoFuture,
{
    Settled {
        driver: Some(Driver::new(branches.into_iter())),
    }
}

/// The future of [`settled`]. Output: `Vec<F::Output>` in input order.
///
/// Polling it again after it has returned `Ready` panics with a message naming
/// `Settled`.
///
/// ```
/// # use orchestrate::{settled, Settled};
/// # futures::executor::block_on(async {
/// let all: Settled<_> = settled([1, 2].map(std::future::ready));
/// assert_eq!(all.await, [1, 2]);
/// # });
/// ```
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Settled<I, F = <<I as Iterator>::Item as IntoFuture>::IntoFuture>
where
    I: Iterator,
    I::Item: IntoFuture<IntoFuture = F>,
    F: Future,
{
    pub(super) driver: Option<Driver<I, F, F::Output>>,
}

impl<I, F> Settled<I, F>
where
    I: Iterator,
    I::Item: IntoFuture<IntoFuture = F>,
    F: Future,
{
    /// Runs each branch through [`Limiter::run`]: under a permit of a limiter
    /// shared with other calls, so every fan-out (and every level of a nested
    /// one) through it shares one bound. Branches wait for permits in
    /// arrival order; a branch that gets its permit starts then.
    /// Combinable with [`.limit(n)`](Settled::limit): a branch needs both a
    /// slot of the join and a permit.
    ///
    /// # Panics
    ///
    /// If called after the first poll.
    ///
    /// ```
    /// # use orchestrate::{settled, Limiter};
    /// static API: Limiter = Limiter::new(1);
    /// # futures::executor::block_on(async {
    /// // Every level of a nested fan-out shares the one bound (it is re-entrant).
    /// let posts = (1..=3).map(|post| async move {
    ///     settled([post, post * 10].map(|n| async move { n })).limit_with(&API).await
    /// });
    /// let all = settled(posts).limit_with(&API).await;
    /// assert_eq!(all, [vec![1, 10], vec![2, 20], vec![3, 30]]);
    /// # });
    /// ```
    pub fn limit_with(self, limiter: &Limiter) -> Settled<LimitWith<'_, I>, Run<'_, F>> {
        Settled {
            driver: self.driver.map(|driver| {
                driver.map_source("settled(..).limit_with(..)", |source| {
                    LimitWith::new(source, limiter)
                })
            }),
        }
    }

    /// Runs at most `n` branches at once; later ones start as earlier ones
    /// finish. Output order is still input order.
    ///
    /// # Panics
    ///
    /// If `n` is 0, or if called after the first poll.
    ///
    /// ```
    /// # use orchestrate::settled;
    /// # futures::executor::block_on(async {
    /// let pages = settled((0..100).map(|page| async move { page * 10 })).limit(8).await;
    /// assert_eq!(pages.len(), 100);
    /// assert_eq!(pages[99], 990);
    /// # });
    /// ```
    pub fn limit(mut self, n: usize) -> Self {
        if let Some(driver) = &mut self.driver {
            driver.set_limit(n, "settled");
        }
        self
    }
}

// The branches live pinned in the driver's heap slice: moving the join
// moves none of them.
impl<I, F> Unpin for Settled<I, F>
where
    I: Iterator,
    I::Item: IntoFuture<IntoFuture = F>,
    F: Future,
{
}

impl<I, F> std::fmt::Debug for Settled<I, F>
where
    I: Iterator,
    I::Item: IntoFuture<IntoFuture = F>,
    F: Future,
{
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        Driver::debug(self.driver.as_ref(), "Settled", f)
    }
}

impl<I, F> Future for Settled<I, F>
where
    I: Iterator,
    I::Item: IntoFuture<IntoFuture = F>,
    F: Future,
{
    type Output = Vec<F::Output>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let Some(driver) = &mut self.driver else {
            panic!("`Settled` (orchestrate::settled) polled after completion");
        };
        match driver.poll(cx, &mut |_, output| Flow::Keep(output)) {
            Progress::Pending => Poll::Pending,
            Progress::Finished | Progress::Stopped => {
                let driver = self.driver.take();
                Poll::Ready(driver.map(Driver::into_kept).unwrap_or_default())
            }
        }
    }
}
