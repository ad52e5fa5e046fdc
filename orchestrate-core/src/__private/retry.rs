//! Support for `#[retry]`'s expansion: the loop's state, and the check that
//! the fn returns a `Result`, reported on its return type.

use std::time::Duration;

use crate::Backoff;
use crate::retry::Attempts;
use crate::timeline::AttemptMark;

/// The state of one call's retry loop.
#[derive(Debug)]
pub struct RetryLoop {
    attempts: Attempts,
    /// The attempt under way, on the timeline (if a step is recorded).
    mark: Option<AttemptMark>,
}

impl RetryLoop {
    /// A loop under `policy`.
    #[inline]
    pub fn new(policy: Backoff) -> Self {
        RetryLoop {
            attempts: Attempts::new(policy),
            mark: None,
        }
    }

    /// Called as each attempt begins.
    #[inline]
    pub fn begin(&mut self) {
        self.attempts.begin();
        self.mark = Some(AttemptMark::begin());
    }

    /// After an attempt that failed with `failure` (`None`: it succeeded):
    /// `None` to return its output, or the wait before the next attempt.
    #[inline]
    pub fn next<E, W, N, R>(
        &mut self,
        failure: Option<&E>,
        mut when: W,
        mut notify: N,
        mut on_retry: R,
    ) -> Option<Duration>
    where
        W: FnMut(&E) -> bool,
        N: FnMut(&E, Duration),
        R: FnMut(&E, Duration, u32),
    {
        if let Some(mut mark) = self.mark.take() {
            mark.end(Some(failure.is_none()));
        }
        let error = failure?;
        if !when(error) {
            return None;
        }
        let delay = self.attempts.next_delay(|planned| planned)?;
        notify(error, delay);
        on_retry(error, delay, self.attempts.attempt());
        Some(delay)
    }
}

/// The return type of a `#[retry]` fn: a `Result`, whose `Err` is retried.
#[diagnostic::on_unimplemented(
    message = "`#[retry]` needs the fn to return `Result<T, E>`, not `{Self}`",
    label = "`#[retry]` retries the calls that return `Err`, so this must be a `Result`",
    note = "for example `-> Result<User, ApiError>` or `-> std::io::Result<T>`"
)]
pub trait RetryOutput {
    /// `E`.
    type Error;
    /// The error, if the attempt failed.
    fn failure(&self) -> Option<&Self::Error>;
}

impl<T, E> RetryOutput for Result<T, E> {
    type Error = E;

    #[inline]
    fn failure(&self) -> Option<&E> {
        self.as_ref().err()
    }
}

/// `when = …` and `notify = …` when not given.
#[inline]
pub fn retry_any<E>(_: &E) -> bool {
    true
}

/// `notify = …` when not given.
#[inline]
pub fn retry_quiet<E>(_: &E, _: Duration) {}

/// `on_retry = …` when not given.
#[inline]
pub fn retry_quiet_attempt<E>(_: &E, _: Duration, _: u32) {}
