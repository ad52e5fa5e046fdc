//! The fixed-set joins' ways of polling a [`Branch`], one per join kind.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::branch::{Branch, BranchProj};

// Each way matches on the projection itself rather than through a shared
// helper: these are compiled for every branch type of a user's joins, and in
// a debug build each helper (and its closure) is one more function each time.
// Hence also `set` here rather than `keep`.

impl<F: Future> Branch<F, F::Output> {
    /// `settled!`: keeps the output. `true` once the branch has finished.
    pub fn poll_settled(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> bool {
        let output = match self.as_mut().project() {
            BranchProj::Running { future } => match future.poll(cx) {
                Poll::Ready(output) => output,
                Poll::Pending => return false,
            },
            _ => return true,
        };
        self.set(Branch::Kept {
            value: Some(output),
        });
        true
    }
}

impl<F, T, E> Branch<F, Result<T, E>>
where
    F: Future<Output = Result<T, E>>,
{
    /// `parallel!`: keeps an `Ok` and hands back an `Err` at once.
    /// `Ready(Ok(()))` once the branch has succeeded.
    pub fn poll_ok(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), E>> {
        let output = match self.as_mut().project() {
            BranchProj::Running { future } => match future.poll(cx) {
                Poll::Ready(output) => output,
                Poll::Pending => return Poll::Pending,
            },
            _ => return Poll::Ready(Ok(())),
        };
        match output {
            Err(error) => {
                self.cancel();
                Poll::Ready(Err(error))
            }
            ok => {
                self.set(Branch::Kept { value: Some(ok) });
                Poll::Ready(Ok(()))
            }
        }
    }

    /// `first_ok!`: keeps an `Err` and hands back an `Ok` at once.
    /// `Ready(None)` once the branch has failed.
    pub fn poll_first_ok(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let output = match self.as_mut().project() {
            BranchProj::Running { future } => match future.poll(cx) {
                Poll::Ready(output) => output,
                Poll::Pending => return Poll::Pending,
            },
            _ => return Poll::Ready(None),
        };
        match output {
            Ok(value) => {
                self.cancel();
                Poll::Ready(Some(value))
            }
            error => {
                self.set(Branch::Kept { value: Some(error) });
                Poll::Ready(None)
            }
        }
    }
}

impl<F: Future> Branch<F, ()> {
    /// `race!`: hands back the output at once.
    pub fn poll_race(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let output = match self.as_mut().project() {
            BranchProj::Running { future } => match future.poll(cx) {
                Poll::Ready(output) => output,
                Poll::Pending => return Poll::Pending,
            },
            _ => return Poll::Pending,
        };
        self.cancel();
        Poll::Ready(output)
    }
}
