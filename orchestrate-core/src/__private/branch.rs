//! The fixed-set joins' ways of polling a [`Branch`], one per join kind.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::branch::Branch;

impl<F: Future, O> Branch<F, O> {
    /// Polls the future if it is still running; `None` if it is not.
    #[inline]
    fn poll_running(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Option<Poll<F::Output>> {
        self.running().map(|future| future.poll(cx))
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
