use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::task::{Context, Poll};

use super::Fallible;
use crate::limit::{LimitWith, Limiter, Run};

use super::driver::{Driver, Flow, Output, Progress};

/// Runs every future of a collection at once and fails fast (JS `Promise.all`).
///
/// Every branch outputs `Result<T, E>`. Output: `Ok(Vec<T>)` in input order
/// when every branch succeeds (`Ok(vec![])` for an empty collection); the first
/// `Err` to *arrive* otherwise (not the first by index, at any length), and
/// then every other branch is dropped before the future completes.
///
/// With [`.limit(n)`](Parallel::limit), at most `n` branches run at once.
/// A wake of one branch polls that branch only, so large fan-outs stay linear.
/// The branches run concurrently on the task that awaits this future, not on
/// threads: for CPU-bound work, spawn it on a blocking pool and await the
/// handle in the branch.
///
/// ```
/// use orchestrate::parallel;
///
/// async fn fetch(id: u32) -> Result<String, String> {
///     if id < 100 { Ok(format!("post {id}")) } else { Err(format!("no post {id}")) }
/// }
///
/// # futures::executor::block_on(async {
/// let posts = parallel([1, 2, 3].map(fetch)).await;
/// assert_eq!(posts.unwrap(), ["post 1", "post 2", "post 3"]);
///
/// let missing = parallel([1, 200, 3].map(fetch)).await;
/// assert_eq!(missing.unwrap_err(), "no post 200");
/// # });
/// ```
pub fn parallel<I>(branches: I) -> Parallel<I::IntoIter>
where
    I: IntoIterator,
    I::Item: IntoFuture,
    Output<I::IntoIter>: Fallible,
{
    Parallel {
        driver: Some(Driver::new(branches.into_iter())),
    }
}

/// The future of [`parallel`]. Output: `Result<Vec<T>, E>`.
///
/// Polling it again after it has returned `Ready` panics with a message naming
/// `Parallel`.
///
/// ```
/// # use orchestrate::{parallel, Parallel};
/// # futures::executor::block_on(async {
/// let both: Parallel<_> = parallel([Ok::<_, ()>(1), Ok(2)].map(std::future::ready));
/// assert_eq!(both.await, Ok(vec![1, 2]));
/// # });
/// ```
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Parallel<I, F = <<I as Iterator>::Item as IntoFuture>::IntoFuture>
where
    I: Iterator,
    I::Item: IntoFuture<IntoFuture = F>,
    F: Future,
    F::Output: Fallible,
{
    pub(super) driver: Option<Driver<I, F, <F::Output as Fallible>::Ok>>,
}

impl<I, F> Parallel<I, F>
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
    /// Combinable with [`.limit(n)`](Parallel::limit): a branch needs both a
    /// slot of the join and a permit.
    ///
    /// # Panics
    ///
    /// If called after the first poll.
    ///
    /// ```
    /// # use orchestrate::{parallel, Limiter};
    /// static API: Limiter = Limiter::new(4);
    /// # futures::executor::block_on(async {
    /// let calls = (1..=50).map(|n| async move { Ok::<_, ()>(n * n) });
    /// let squares = parallel(calls).limit_with(&API).await;
    /// assert_eq!(squares.unwrap()[49], 2500);
    /// # });
    /// ```
    pub fn limit_with(self, limiter: &Limiter) -> Parallel<LimitWith<'_, I>, Run<'_, F>> {
        Parallel {
            driver: self.driver.map(|driver| {
                driver.map_source("parallel(..).limit_with(..)", |source| {
                    LimitWith::new(source, limiter)
                })
            }),
        }
    }

    /// Runs at most `n` branches at once; later ones start as earlier ones
    /// finish. Output order is still input order, and an error still stops
    /// everything at once (branches not started yet never start).
    ///
    /// # Panics
    ///
    /// If `n` is 0, or if called after the first poll.
    ///
    /// ```
    /// # use orchestrate::parallel;
    /// # futures::executor::block_on(async {
    /// let squares = parallel((1..=50).map(|n| async move { Ok::<_, ()>(n * n) })).limit(4).await;
    /// assert_eq!(squares.unwrap()[49], 2500);
    /// # });
    /// ```
    pub fn limit(mut self, n: usize) -> Self {
        if let Some(driver) = &mut self.driver {
            driver.set_limit(n, "parallel");
        }
        self
    }
}

// The branches live pinned in the driver's heap slice: moving the join
// moves none of them.
impl<I, F> Unpin for Parallel<I, F>
where
    I: Iterator,
    I::Item: IntoFuture<IntoFuture = F>,
    F: Future,
    F::Output: Fallible,
{
}

impl<I, F> std::fmt::Debug for Parallel<I, F>
where
    I: Iterator,
    I::Item: IntoFuture<IntoFuture = F>,
    F: Future,
    F::Output: Fallible,
{
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        Driver::debug(self.driver.as_ref(), "Parallel", f)
    }
}

impl<I, F> Future for Parallel<I, F>
where
    I: Iterator,
    I::Item: IntoFuture<IntoFuture = F>,
    F: Future,
    F::Output: Fallible,
{
    type Output = Result<Vec<<F::Output as Fallible>::Ok>, <F::Output as Fallible>::Err>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let Some(driver) = &mut self.driver else {
            panic!("`Parallel` (orchestrate::parallel) polled after completion");
        };
        let mut failure = None;
        let progress = driver.poll(cx, &mut |_, output| match output.into_result() {
            Ok(value) => Flow::Keep(value),
            Err(error) => {
                failure = Some(error);
                Flow::Stop
            }
        });
        if let Progress::Pending = progress {
            return Poll::Pending;
        }
        // Drops every other branch before completing.
        let driver = self.driver.take();
        Poll::Ready(match failure {
            Some(error) => Err(error),
            None => Ok(driver.map(Driver::into_kept).unwrap_or_default()),
        })
    }
}
