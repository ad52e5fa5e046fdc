//! The attempts of a retry or a hedge on the timeline: a retry loop wraps
//! each attempt in [`Attempted`], or holds an [`AttemptMark`] from the
//! attempt's start to its end (a hedge holds one per attempt in flight);
//! either adds the attempt to the entry being polled, if any.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use pin_project_lite::pin_project;

use super::entry::{Attempt, Classify, Outcome};
use super::recorder::{Timeline, current};

/// Records `future` as one attempt of the entry being polled when it is
/// first polled; costs one thread-local read when nothing is recorded.
pub(crate) fn attempt<F>(future: F) -> Attempted<F> {
    Attempted { future, mark: None }
}

/// One attempt's place on the timeline. Dropping it before [`end`] ends
/// the attempt as cancelled.
///
/// [`end`]: AttemptMark::end
#[derive(Debug)]
pub(crate) struct AttemptMark {
    /// `None`: nothing recorded (no entry in scope), or ended.
    open: Option<Open>,
}

#[derive(Debug)]
struct Open {
    timeline: Timeline,
    /// The entry's index, and the attempt's among the entry's.
    record: usize,
    attempt: usize,
    /// The entry's counts of fired timeouts and refused calls when the
    /// attempt began.
    timeouts: usize,
    refusals: usize,
}

impl AttemptMark {
    /// Begins an attempt of the entry being polled now, if any.
    pub(crate) fn begin() -> AttemptMark {
        let open = current().map(|(timeline, record)| {
            let start = timeline.now();
            let (attempt, timeouts, refusals) = {
                let mut records = timeline.records();
                let entry = &mut records[record];
                entry.entry.attempts.push(Attempt {
                    start,
                    end: None,
                    outcome: Outcome::Running,
                });
                (
                    entry.entry.attempts.len() - 1,
                    entry.timeouts,
                    entry.refusals,
                )
            };
            Open {
                timeline,
                record,
                attempt,
                timeouts,
                refusals,
            }
        });
        AttemptMark { open }
    }

    /// Ends the attempt: `Some(succeeded)`, or `None` if it was cut short.
    pub(crate) fn end(&mut self, succeeded: Option<bool>) {
        let Some(open) = self.open.take() else {
            return;
        };
        let end = open.timeline.now();
        let mut records = open.timeline.records();
        let entry = &mut records[open.record];
        let timed_out = entry.timeouts > open.timeouts;
        let refused = entry.refusals > open.refusals;
        let attempt = &mut entry.entry.attempts[open.attempt];
        attempt.end = Some(end);
        attempt.outcome = match succeeded {
            None => Outcome::Cancelled,
            Some(true) => Outcome::Ok,
            Some(false) if refused => Outcome::Refused,
            Some(false) if timed_out => Outcome::TimedOut,
            Some(false) => Outcome::Error,
        };
    }
}

impl Drop for AttemptMark {
    fn drop(&mut self) {
        self.end(None);
    }
}

pin_project! {
    /// An attempt of a retry loop, recorded as an [`Attempt`] of the entry
    /// in scope at its first poll.
    pub(crate) struct Attempted<F> {
        #[pin]
        future: F,
        // `None` until the first poll. Ends the attempt as cancelled if it
        // is dropped unfinished.
        mark: Option<AttemptMark>,
    }
}

impl<F> Future for Attempted<F>
where
    F: Future,
    F::Output: Classify,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let mark = this.mark.get_or_insert_with(AttemptMark::begin);
        let output = this.future.poll(cx);
        if let Poll::Ready(output) = &output {
            mark.end(Some(output.succeeded()));
        }
        output
    }
}
