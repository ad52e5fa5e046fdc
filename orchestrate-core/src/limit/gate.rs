//! The waiting behind a [`Limiter`]'s `acquire`, `run` and `try_run`, and
//! their futures.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use pin_project_lite::pin_project;

use super::limiter::{Limiter, Slow};
use super::rejected::Rejected;
use super::scope::{self, HeldScope};

/// A permit of a [`Limiter`], from [`acquire`](Limiter::acquire) or
/// [`try_acquire`](Limiter::try_acquire): returned to the limiter (to the
/// first waiter) when dropped.
///
/// ```
/// # use orchestrate::Limiter;
/// let limiter = Limiter::new(1);
/// let permit = limiter.try_acquire().unwrap();
/// assert_eq!(limiter.in_flight(), 1);
/// drop(permit);
/// assert_eq!(limiter.in_flight(), 0);
/// ```
#[must_use = "the permit is returned as soon as it is dropped"]
pub struct Permit<'a> {
    /// `None`: re-entrant, the permit of an enclosing `run` covers it.
    limiter: Option<&'a Limiter>,
}

impl<'a> Permit<'a> {
    /// `None`: a re-entrant permit, which holds nothing.
    pub(super) fn new(limiter: Option<&'a Limiter>) -> Self {
        Permit { limiter }
    }
}

impl fmt::Debug for Permit<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Permit")
            .field("reentrant", &self.limiter.is_none())
            .finish()
    }
}

impl Drop for Permit<'_> {
    #[inline]
    fn drop(&mut self) {
        if let Some(limiter) = self.limiter {
            limiter.release();
        }
    }
}

/// Where a caller stands with the limiter.
enum Stage<'a> {
    Start,
    Queued(u64),
    Holding(Permit<'a>),
    Done,
}

/// The waiting shared by `acquire`, `run` and `try_run`.
struct Gate<'a> {
    limiter: &'a Limiter,
    /// Rejects when this many already wait (`None`: waits as long as it takes).
    reject: Option<usize>,
    stage: Stage<'a>,
}

impl<'a> Gate<'a> {
    fn new(limiter: &'a Limiter, reject: Option<usize>) -> Self {
        Gate {
            limiter,
            reject,
            stage: Stage::Start,
        }
    }

    /// Ready once the gate holds a permit (`Ok`), or rejects (`Err`).
    #[inline]
    fn poll_permit(&mut self, cx: &mut Context<'_>, call: &str) -> Poll<Result<(), Rejected>> {
        // The common case inline: a free permit at the first poll.
        if let Stage::Start = self.stage
            && !scope::holds(self.limiter.id())
            && self.limiter.try_take()
        {
            self.stage = Stage::Holding(Permit {
                limiter: Some(self.limiter),
            });
            return Poll::Ready(Ok(()));
        }
        self.poll_slow(cx, call)
    }

    /// Everything else: re-entrant, queued, rejected, or done. Out of line,
    /// so that the inlined fast path stays small.
    #[inline(never)]
    fn poll_slow(&mut self, cx: &mut Context<'_>, call: &str) -> Poll<Result<(), Rejected>> {
        let limiter = self.limiter;
        match self.stage {
            Stage::Holding(_) => return Poll::Ready(Ok(())),
            Stage::Done => panic!("`{call}` polled after completion"),
            Stage::Start if scope::holds(limiter.id()) => {
                self.stage = Stage::Holding(Permit { limiter: None });
                return Poll::Ready(Ok(()));
            }
            // No permit was free a moment ago.
            Stage::Start => match limiter.wait_or_take(cx.waker(), self.reject) {
                Slow::Taken => {}
                Slow::Queued(id) => {
                    self.stage = Stage::Queued(id);
                    return Poll::Pending;
                }
                Slow::Rejected(max_waiting) => {
                    self.stage = Stage::Done;
                    return Poll::Ready(Err(Rejected::new(max_waiting)));
                }
            },
            Stage::Queued(id) => {
                if !limiter.poll_granted(id, cx.waker()) {
                    return Poll::Pending;
                }
            }
        }
        self.stage = Stage::Holding(Permit {
            limiter: Some(limiter),
        });
        Poll::Ready(Ok(()))
    }

    /// The permit, once `poll_permit` is ready.
    #[inline]
    fn take(&mut self) -> Option<Permit<'a>> {
        match std::mem::replace(&mut self.stage, Stage::Done) {
            Stage::Holding(permit) => Some(permit),
            _ => None,
        }
    }

    /// Whether the holder puts the limiter in scope (a re-entrant gate does
    /// not need to: it is there already).
    #[inline]
    fn holds_own(&self) -> bool {
        matches!(&self.stage, Stage::Holding(Permit { limiter: Some(_) }))
    }
}

impl Drop for Gate<'_> {
    #[inline]
    fn drop(&mut self) {
        if let Stage::Queued(id) = self.stage {
            self.limiter.leave(id);
        }
    }
}

/// The future of [`Limiter::acquire`]. Output: a [`Permit`].
///
/// ```
/// # use orchestrate::{Limiter, limit::Acquire};
/// let limiter = Limiter::new(1);
/// # futures::executor::block_on(async {
/// let waiting: Acquire<'_> = limiter.acquire();
/// let _permit = waiting.await;
/// # });
/// ```
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Acquire<'a> {
    gate: Gate<'a>,
}

impl<'a> Acquire<'a> {
    pub(super) fn new(limiter: &'a Limiter) -> Self {
        Acquire {
            gate: Gate::new(limiter, None),
        }
    }
}

impl fmt::Debug for Acquire<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Acquire").finish_non_exhaustive()
    }
}

impl<'a> Future for Acquire<'a> {
    type Output = Permit<'a>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Permit<'a>> {
        match self.gate.poll_permit(cx, "Limiter::acquire") {
            Poll::Ready(_) => Poll::Ready(self.gate.take().unwrap_or(Permit { limiter: None })),
            Poll::Pending => Poll::Pending,
        }
    }
}

pin_project! {
    /// The future of [`Limiter::run`]. Output: `F::Output`.
    ///
    /// ```
    /// # use orchestrate::{Limiter, limit::Run};
    /// let limiter = Limiter::new(1);
    /// # futures::executor::block_on(async {
    /// let run: Run<'_, _> = limiter.run(async { 7 });
    /// assert_eq!(run.await, 7);
    /// # });
    /// ```
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct Run<'a, F> {
        #[pin]
        future: F,
        gate: Gate<'a>,
    }
}

pin_project! {
    /// The future of [`Limiter::try_run`]. Output: `Result<F::Output, Rejected>`.
    ///
    /// ```
    /// # use orchestrate::{Limiter, limit::TryRun};
    /// let limiter = Limiter::new(1).max_waiting(0);
    /// # futures::executor::block_on(async {
    /// let run: TryRun<'_, _> = limiter.try_run(async { 7 });
    /// assert_eq!(run.await, Ok(7));
    /// # });
    /// ```
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct TryRun<'a, F> {
        #[pin]
        future: F,
        gate: Gate<'a>,
    }
}

impl<'a, F> Run<'a, F> {
    pub(super) fn new(limiter: &'a Limiter, future: F) -> Self {
        Run {
            future,
            gate: Gate::new(limiter, None),
        }
    }
}

impl<'a, F> TryRun<'a, F> {
    pub(super) fn new(limiter: &'a Limiter, future: F) -> Self {
        Self::within(limiter, limiter.max_waiting, future)
    }

    /// As [`new`](TryRun::new), but rejected when `max_waiting` already wait,
    /// whatever the limiter's own bound.
    pub(crate) fn within(limiter: &'a Limiter, max_waiting: usize, future: F) -> Self {
        TryRun {
            future,
            gate: Gate::new(limiter, Some(max_waiting)),
        }
    }
}

/// Polls `future` under the gate's permit, with the limiter in scope.
fn poll_under<F: Future>(
    future: Pin<&mut F>,
    gate: &mut Gate<'_>,
    cx: &mut Context<'_>,
    call: &str,
) -> Poll<Result<F::Output, Rejected>> {
    if let Err(rejected) = std::task::ready!(gate.poll_permit(cx, call)) {
        return Poll::Ready(Err(rejected));
    }
    let output = {
        let _scope = gate
            .holds_own()
            .then(|| HeldScope::enter(gate.limiter.id()));
        std::task::ready!(future.poll(cx))
    };
    // Returns the permit before completing.
    drop(gate.take());
    Poll::Ready(Ok(output))
}

impl<F: Future> Future for Run<'_, F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        poll_under(this.future, this.gate, cx, "Limiter::run").map(|output| match output {
            Ok(output) => output,
            Err(_) => unreachable!("`run` never rejects"),
        })
    }
}

impl<F: Future> Future for TryRun<'_, F> {
    type Output = Result<F::Output, Rejected>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        poll_under(this.future, this.gate, cx, "Limiter::try_run")
    }
}

impl<F> fmt::Debug for Run<'_, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Run").finish_non_exhaustive()
    }
}

impl<F> fmt::Debug for TryRun<'_, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TryRun").finish_non_exhaustive()
    }
}
