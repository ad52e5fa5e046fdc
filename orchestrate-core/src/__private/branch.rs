use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use pin_project_lite::pin_project;

pin_project! {
    /// One branch of a fixed-set join: the running future, then what the join
    /// keeps of its output (`O`), then nothing once taken or cancelled.
    #[project = BranchProj]
    #[project_replace = BranchOwn]
    #[derive(Debug)]
    pub enum Branch<F, O> {
        Running { #[pin] future: F },
        Kept { value: O },
        Gone,
    }
}

impl<F, O> Branch<F, O> {
    /// A branch that has not been polled yet.
    pub fn new(future: F) -> Self {
        Branch::Running { future }
    }

    /// Drops the future (or the kept value) in place.
    pub fn cancel(self: Pin<&mut Self>) {
        self.project_replace(Branch::Gone);
    }

    /// Whether the branch was taken or cancelled.
    pub fn is_gone(&self) -> bool {
        matches!(self, Branch::Gone)
    }

    /// Takes the kept value, if any.
    pub fn take(self: Pin<&mut Self>) -> Option<O> {
        match self.project_replace(Branch::Gone) {
            BranchOwn::Kept { value } => Some(value),
            _ => None,
        }
    }

    /// Polls the future if it is still running; `None` if it is not.
    fn poll_running(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Option<Poll<F::Output>>
    where
        F: Future,
    {
        match self.project() {
            BranchProj::Running { future } => Some(future.poll(cx)),
            _ => None,
        }
    }

    fn keep(mut self: Pin<&mut Self>, value: O) {
        self.set(Branch::Kept { value });
    }
}

impl<F: Future> Branch<F, F::Output> {
    /// `settled!`: keeps the output. `true` once the branch has finished.
    pub fn poll_settled(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> bool {
        match self.as_mut().poll_running(cx) {
            Some(Poll::Ready(output)) => {
                self.keep(output);
                true
            }
            Some(Poll::Pending) => false,
            None => true,
        }
    }
}

impl<F, T, E> Branch<F, T>
where
    F: Future<Output = Result<T, E>>,
{
    /// `parallel!`: keeps the `Ok` value and hands back an `Err` at once.
    /// `Ready(Ok(()))` once the branch has succeeded.
    pub fn poll_ok(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), E>> {
        match self.as_mut().poll_running(cx) {
            Some(Poll::Ready(Ok(value))) => {
                self.keep(value);
                Poll::Ready(Ok(()))
            }
            Some(Poll::Ready(Err(error))) => {
                self.cancel();
                Poll::Ready(Err(error))
            }
            Some(Poll::Pending) => Poll::Pending,
            None => Poll::Ready(Ok(())),
        }
    }
}

impl<F, T, E> Branch<F, E>
where
    F: Future<Output = Result<T, E>>,
{
    /// `first_ok!`: keeps the `Err` and hands back an `Ok` at once.
    /// `Ready(None)` once the branch has failed.
    pub fn poll_first_ok(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        match self.as_mut().poll_running(cx) {
            Some(Poll::Ready(Ok(value))) => {
                self.cancel();
                Poll::Ready(Some(value))
            }
            Some(Poll::Ready(Err(error))) => {
                self.keep(error);
                Poll::Ready(None)
            }
            Some(Poll::Pending) => Poll::Pending,
            None => Poll::Ready(None),
        }
    }
}

impl<F: Future> Branch<F, ()> {
    /// `race!`: hands back the output at once.
    pub fn poll_race(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        match self.as_mut().poll_running(cx) {
            Some(Poll::Ready(output)) => {
                self.cancel();
                Poll::Ready(output)
            }
            _ => Poll::Pending,
        }
    }
}
