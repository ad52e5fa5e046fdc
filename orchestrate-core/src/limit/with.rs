//! [`LimitWith`]: a collection's branches, each run under a shared limiter.

use std::fmt;
use std::future::IntoFuture;

use super::{Limiter, Run};

/// The branches of a collection given [`.limit_with(&limiter)`](crate::Settled::limit_with):
/// each one runs through [`Limiter::run`]. An iterator of [`Run`] futures.
///
/// ```
/// use orchestrate::{settled, Limiter};
///
/// static API: Limiter = Limiter::new(2);
///
/// # futures::executor::block_on(async {
/// let pages = settled((0..10).map(|page| async move { page })).limit_with(&API).await;
/// assert_eq!(pages.len(), 10);
/// # });
/// ```
#[must_use = "iterators are lazy and do nothing unless consumed"]
pub struct LimitWith<'a, I> {
    source: I,
    limiter: &'a Limiter,
}

impl<'a, I> LimitWith<'a, I> {
    /// `source`'s branches, each run through `limiter`.
    ///
    /// ```
    /// # use orchestrate::{Limiter, limit::LimitWith};
    /// let limiter = Limiter::new(1);
    /// let mut branches = LimitWith::new([async { 1 }].into_iter(), &limiter);
    /// # futures::executor::block_on(async {
    /// assert_eq!(branches.next().unwrap().await, 1);
    /// # });
    /// ```
    pub fn new(source: I, limiter: &'a Limiter) -> Self {
        LimitWith { source, limiter }
    }
}

impl<'a, I> Iterator for LimitWith<'a, I>
where
    I: Iterator,
    I::Item: IntoFuture,
{
    type Item = Run<'a, <I::Item as IntoFuture>::IntoFuture>;

    fn next(&mut self) -> Option<Self::Item> {
        self.source.next().map(|branch| self.limiter.run(branch))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.source.size_hint()
    }
}

impl<I> fmt::Debug for LimitWith<'_, I> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LimitWith")
            .field("limiter", self.limiter)
            .finish_non_exhaustive()
    }
}
