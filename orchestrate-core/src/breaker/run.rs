use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::pin::Pin;
use std::task::{Context, Poll};

use pin_project_lite::pin_project;

use super::{CircuitBreaker, CircuitOpen, IsFailure, Outcome, Ticket};

/// A call let through and not finished yet. Dropped before it finished (the
/// call was cancelled), it counts nothing but frees its half-open trial slot.
struct Pass<'b, C> {
    breaker: &'b CircuitBreaker<C>,
    ticket: Option<Ticket>,
}

impl<C> Pass<'_, C> {
    fn finish(&mut self, outcome: Outcome) {
        if let Some(ticket) = self.ticket.take() {
            self.breaker.record(ticket, outcome);
        }
    }
}

impl<C> Drop for Pass<'_, C> {
    fn drop(&mut self) {
        self.finish(Outcome::Neutral);
    }
}

enum Stage<'b, C> {
    // Not polled yet: admission is decided at the first poll.
    Idle(&'b CircuitBreaker<C>),
    Running(Pass<'b, C>),
    Done,
}

pin_project! {
    /// The future of [`CircuitBreaker::run`]. Output: the call's
    /// `Result<T, E>`, or `Err(E::from(CircuitOpen))` if the breaker refused it.
    ///
    /// Polling it again after it has returned `Ready` panics with a message
    /// naming `CircuitBreaker::run`.
    ///
    /// ```
    /// # use orchestrate::{BreakerRun, CircuitBreaker, CircuitOpen};
    /// # futures::executor::block_on(async {
    /// let breaker = CircuitBreaker::consecutive_failures(1);
    /// let call: BreakerRun<'_, _, _> = breaker.run(async { Ok::<_, CircuitOpen>(1) });
    /// assert_eq!(call.await, Ok(1));
    /// # });
    /// ```
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct BreakerRun<'b, F, C> {
        #[pin]
        future: F,
        stage: Stage<'b, C>,
        _c: PhantomData<C>,
    }
}

impl<'b, F, C> BreakerRun<'b, F, C> {
    pub(crate) fn new(breaker: &'b CircuitBreaker<C>, future: F) -> Self {
        BreakerRun {
            future,
            stage: Stage::Idle(breaker),
            _c: PhantomData,
        }
    }
}

impl<F, C> fmt::Debug for BreakerRun<'_, F, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let stage = match self.stage {
            Stage::Idle(_) => "idle",
            Stage::Running(_) => "running",
            Stage::Done => "done",
        };
        f.debug_struct("BreakerRun")
            .field("stage", &stage)
            .finish_non_exhaustive()
    }
}

impl<F, C, T, E> Future for BreakerRun<'_, F, C>
where
    F: Future<Output = Result<T, E>>,
    E: From<CircuitOpen>,
    C: IsFailure<E>,
{
    type Output = Result<T, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.poll_refusing(cx, E::from)
    }
}

impl<F, C> BreakerRun<'_, F, C> {
    /// `poll`, building the error of a refused call with `refuse`: the
    /// `#[circuit_breaker]` expansion passes a conversion whose bound it
    /// checked (and reported) on the fn's return type.
    pub(crate) fn poll_refusing<T, E>(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        refuse: impl FnOnce(CircuitOpen) -> E,
    ) -> Poll<Result<T, E>>
    where
        F: Future<Output = Result<T, E>>,
        C: IsFailure<E>,
    {
        let this = self.project();
        if let Stage::Idle(breaker) = *this.stage {
            match breaker.admit() {
                Ok(ticket) => {
                    *this.stage = Stage::Running(Pass {
                        breaker,
                        ticket: Some(ticket),
                    });
                }
                Err(open) => {
                    *this.stage = Stage::Done;
                    crate::timeline::note_refused();
                    return Poll::Ready(Err(refuse(open)));
                }
            }
        }
        let Stage::Running(pass) = this.stage else {
            panic!("`CircuitBreaker::run` polled after completion");
        };
        let future = this.future;
        let output = match catch_unwind(AssertUnwindSafe(|| future.poll(cx))) {
            Ok(Poll::Pending) => return Poll::Pending,
            Ok(Poll::Ready(output)) => output,
            Err(panic) => {
                pass.finish(Outcome::Failure);
                *this.stage = Stage::Done;
                resume_unwind(panic);
            }
        };
        let outcome = match &output {
            Ok(_) => Outcome::Success,
            Err(error) if pass.breaker.failure_when.is_failure(error) => Outcome::Failure,
            Err(_) => Outcome::Neutral,
        };
        pass.finish(outcome);
        *this.stage = Stage::Done;
        Poll::Ready(output)
    }
}
