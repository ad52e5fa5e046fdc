use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use pin_project_lite::pin_project;

use super::Branch;
use crate::{Elapsed, Timeout};

pin_project! {
    /// A join branch under the `timeout = …` option: a [`Timeout`] whose
    /// error, its own or the timeout, comes out as one error type `E`.
    #[derive(Debug)]
    #[must_use = "a branch does nothing unless polled"]
    pub struct Limited<F, E> {
        #[pin]
        timeout: Timeout<F>,
        error: PhantomData<fn() -> E>,
    }
}

impl<F: Future, E> Limited<F, E> {
    /// Built before the limit is known (see [`Branch::set_limit`]).
    pub(super) fn unset(future: F) -> Self {
        Limited {
            timeout: crate::timeout(Duration::ZERO, future),
            error: PhantomData,
        }
    }
}

impl<F: Future, E, K> Branch<Limited<F, E>, K> {
    /// Gives the branch its limit. The expansion evaluates the option once,
    /// in the same `match` scrutinee as the branches (so that their
    /// temporaries live as long as a plain call's), hence after building them.
    #[inline]
    pub fn set_limit(&mut self, limit: Duration) {
        if let Branch::Running { future } = self {
            future.timeout.set_limit(limit);
        }
    }
}

impl<F, T, Own, E> Future for Limited<F, E>
where
    F: Future<Output = Result<T, Own>>,
    E: From<Own> + From<Elapsed>,
{
    type Output = Result<T, E>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Poll::Ready(match ready!(self.project().timeout.poll(cx)) {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(error)) => Err(E::from(error)),
            Err(elapsed) => Err(E::from(elapsed)),
        })
    }
}
