use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use pin_project_lite::pin_project;

use super::{Branch, LimitedOutput};
use crate::{Elapsed, Timeout};

pin_project! {
    /// A join branch under the `timeout = …` option: a [`Timeout`] whose
    /// errors, the timeout (through `C`) and its own (through `D`), come out
    /// as one error type.
    ///
    /// `C` and `D` are zero-sized fns written in the expansion. A check that
    /// fails inside one (`E: From<Elapsed>`) is one error at the branch, and
    /// the fn's type still has its signature, so nothing else fails.
    #[derive(Debug)]
    #[must_use = "a branch does nothing unless polled"]
    pub struct Limited<F, C, D> {
        #[pin]
        timeout: Timeout<F>,
        on_timeout: C,
        on_error: D,
    }
}

/// `timeout = limit;`: the branch under a limit, given next by
/// [`Branch::set_limit`] (the expansion evaluates the option after building
/// the branches, in one `match` scrutinee, so that their temporaries live as
/// long as a plain call's).
#[inline]
pub fn limited<B: IntoFuture, C, D>(
    branch: B,
    on_timeout: C,
    on_error: D,
) -> Limited<B::IntoFuture, C, D> {
    Limited {
        timeout: crate::timeout(Duration::ZERO, branch.into_future()),
        on_timeout,
        on_error,
    }
}

/// `timeout = …` alone: a timed-out branch fails with its own error type.
#[inline]
pub fn elapsed_into<E: From<Elapsed>>(elapsed: Elapsed) -> E {
    E::from(elapsed)
}

/// The error of a limited branch under `error = Target`, until the join's
/// converter turns it into `Target`.
#[derive(Debug)]
pub enum LimitedError<E> {
    /// The branch's own error.
    Failed(E),
    /// The branch ran out of time.
    TimedOut(Elapsed),
}

impl<E> LimitedError<E> {
    /// The error as the join's target type.
    #[inline]
    pub fn into_target<Target>(self) -> Target
    where
        Target: From<E> + From<Elapsed>,
    {
        match self {
            LimitedError::Failed(error) => Target::from(error),
            LimitedError::TimedOut(elapsed) => Target::from(elapsed),
        }
    }
}

impl<F: Future, C, D, K> Branch<Limited<F, C, D>, K> {
    /// Gives the branch its limit; it has not been polled yet.
    #[inline]
    pub fn set_limit(&mut self, limit: Duration) {
        if let Branch::Running { future } = self {
            future.timeout.set_limit(limit);
        }
    }
}

// A branch that is not a `Result` fails `LimitedOutput` here, where the
// join's constructor needs the branch to be a future: one error.
impl<F, T, E, E2, C, D> Future for Limited<F, C, D>
where
    F: Future,
    F::Output: LimitedOutput<Ok = T, Err = E>,
    C: Fn(Elapsed) -> E2,
    D: Fn(E) -> E2,
{
    type Output = Result<T, E2>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        Poll::Ready(match ready!(this.timeout.poll(cx)) {
            Ok(output) => output.into_result().map_err(this.on_error),
            Err(elapsed) => Err((this.on_timeout)(elapsed)),
        })
    }
}
