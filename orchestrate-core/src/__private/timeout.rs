//! Support for `#[timeout]`'s expansion: what a timed-out call returns, and
//! the checks that the fn can return it, reported on its return type.

use crate::Elapsed;

/// The return type of a `#[timeout]` fn: a `Result`, whose `Err` a
/// timed-out call returns.
#[diagnostic::on_unimplemented(
    message = "`#[timeout]` needs the fn to return `Result<T, E>` with `E: From<Elapsed>`, not `{Self}`",
    label = "a timed-out call must return `Err`, so this must be `Result<T, E>` with `E: From<orchestrate::Elapsed>`",
    note = "for example `-> Result<User, ApiError>` with `impl From<orchestrate::Elapsed> for ApiError`, or `-> std::io::Result<T>`"
)]
pub trait TimeoutResult {
    /// `E`.
    type Error;
    /// `Err(error)`.
    fn from_error(error: Self::Error) -> Self;

    /// What a timed-out call returns: `Err(E::from(elapsed))`.
    #[inline]
    fn timed_out(elapsed: Elapsed) -> Self
    where
        Self: Sized,
        Self::Error: FromElapsed,
    {
        Self::from_error(Self::Error::from_elapsed(elapsed))
    }

    /// What a timed-out call returns with `on_timeout = build`:
    /// `Err(build(elapsed))`.
    #[inline]
    fn on_timeout<F>(build: F, elapsed: Elapsed) -> Self
    where
        Self: Sized,
        F: FnOnce(Elapsed) -> Self::Error,
    {
        Self::from_error(build(elapsed))
    }
}

impl<T, E> TimeoutResult for Result<T, E> {
    type Error = E;

    #[inline]
    fn from_error(error: E) -> Self {
        Err(error)
    }
}

/// An error a timed-out call can return without `on_timeout`: one with
/// `From<Elapsed>`.
#[diagnostic::on_unimplemented(
    message = "`#[timeout]` cannot build the fn's error type `{Self}` from the `Elapsed` of a timed-out call",
    label = "a timed-out call returns `Err({Self}::from(elapsed))`, and `{Self}` has no `From<orchestrate::Elapsed>`",
    note = "say how to build it: `#[timeout(ms = …, on_timeout = |elapsed| …)]`, a closure or a `fn(orchestrate::Elapsed) -> {Self}`",
    note = "or implement `From<orchestrate::Elapsed> for {Self}`; if `{Self}` is another crate's (the orphan rule forbids that impl), return an enum of yours that wraps it: `enum MyError {{ Io(std::io::Error), TimedOut(orchestrate::Elapsed) }}`"
)]
pub trait FromElapsed {
    /// `Self::from(elapsed)`.
    fn from_elapsed(elapsed: Elapsed) -> Self;
}

// Not recommended: a missing `From<Elapsed>` is reported as a missing
// `FromElapsed`, whose message names `on_timeout`.
#[diagnostic::do_not_recommend]
impl<E: From<Elapsed>> FromElapsed for E {
    #[inline]
    fn from_elapsed(elapsed: Elapsed) -> Self {
        E::from(elapsed)
    }
}
