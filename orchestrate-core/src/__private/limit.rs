//! Support for `#[limit]` and `#[rate_limit]`'s expansions: the limiter named
//! by `with = …`, and what a rejected call returns, each check reported on
//! the token the user wrote.

use std::sync::{Arc, LazyLock};

use crate::{Limiter, RateLimiter, Rejected};

/// What `#[limit(with = …)]` accepts: a [`Limiter`], or anything that leads
/// to one by reference (`&'static Limiter`, `Arc<Limiter>`, `Box<Limiter>`,
/// `LazyLock<Limiter>`).
#[diagnostic::on_unimplemented(
    message = "`#[limit(with = …)]` needs a `Limiter`, not `{Self}`",
    label = "not an `orchestrate::Limiter` (nor a reference, `Arc`, `Box` or `LazyLock` of one)",
    note = "for example `static API: orchestrate::Limiter = orchestrate::Limiter::new(4);` and `#[limit(with = API)]`; behind another `Deref` wrapper, write `with = *API`"
)]
pub trait AsLimiter {
    /// The limiter.
    fn as_limiter(&self) -> &Limiter;
}

impl AsLimiter for Limiter {
    #[inline]
    fn as_limiter(&self) -> &Limiter {
        self
    }
}

impl<T: AsLimiter + ?Sized> AsLimiter for &T {
    #[inline]
    fn as_limiter(&self) -> &Limiter {
        (**self).as_limiter()
    }
}

impl<T: AsLimiter + ?Sized> AsLimiter for Arc<T> {
    #[inline]
    fn as_limiter(&self) -> &Limiter {
        (**self).as_limiter()
    }
}

impl<T: AsLimiter + ?Sized> AsLimiter for Box<T> {
    #[inline]
    fn as_limiter(&self) -> &Limiter {
        (**self).as_limiter()
    }
}

/// A limiter built at first use (from configuration, say).
impl<T: AsLimiter, F: FnOnce() -> T> AsLimiter for LazyLock<T, F> {
    #[inline]
    fn as_limiter(&self) -> &Limiter {
        (**self).as_limiter()
    }
}

/// What `#[rate_limit(with = …)]` accepts: a [`RateLimiter`], or a
/// reference, `Arc` or `Box` of one.
#[diagnostic::on_unimplemented(
    message = "`#[rate_limit(with = …)]` needs a `RateLimiter`, not `{Self}`",
    label = "not an `orchestrate::RateLimiter` (nor a reference, `Arc`, `Box` or `LazyLock` of one)",
    note = "for example `static RATE: orchestrate::RateLimiter = orchestrate::RateLimiter::per_second(50);` and `#[rate_limit(with = RATE)]`; behind another `Deref` wrapper, write `with = *RATE`"
)]
pub trait AsRateLimiter {
    /// The rate limiter.
    fn as_rate_limiter(&self) -> &RateLimiter;
}

impl AsRateLimiter for RateLimiter {
    #[inline]
    fn as_rate_limiter(&self) -> &RateLimiter {
        self
    }
}

impl<T: AsRateLimiter + ?Sized> AsRateLimiter for &T {
    #[inline]
    fn as_rate_limiter(&self) -> &RateLimiter {
        (**self).as_rate_limiter()
    }
}

impl<T: AsRateLimiter + ?Sized> AsRateLimiter for Arc<T> {
    #[inline]
    fn as_rate_limiter(&self) -> &RateLimiter {
        (**self).as_rate_limiter()
    }
}

impl<T: AsRateLimiter + ?Sized> AsRateLimiter for Box<T> {
    #[inline]
    fn as_rate_limiter(&self) -> &RateLimiter {
        (**self).as_rate_limiter()
    }
}

/// A rate limiter built at first use (from configuration, say).
impl<T: AsRateLimiter, F: FnOnce() -> T> AsRateLimiter for LazyLock<T, F> {
    #[inline]
    fn as_rate_limiter(&self) -> &RateLimiter {
        (**self).as_rate_limiter()
    }
}

/// The return type of a `#[limit(max_waiting = …)]` fn: a `Result`, whose
/// `Err` a rejected call returns.
#[diagnostic::on_unimplemented(
    message = "`#[limit(max_waiting = …)]` needs the fn to return `Result<T, E>` with `E: From<Rejected>`, not `{Self}`",
    label = "a rejected call must return `Err`, so this must be `Result<T, E>` with `E: From<orchestrate::Rejected>`",
    note = "for example `-> Result<User, ApiError>` with `impl From<orchestrate::Rejected> for ApiError`; or drop `max_waiting` and the call waits for its turn"
)]
pub trait LimitResult {
    /// `E`.
    type Error;
    /// `Err(error)`.
    fn from_error(error: Self::Error) -> Self;

    /// What a rejected call returns: `Err(E::from(rejected))`.
    #[inline]
    fn rejected(rejected: Rejected) -> Self
    where
        Self: Sized,
        Self::Error: FromRejected,
    {
        Self::from_error(Self::Error::from_rejected(rejected))
    }
}

impl<T, E> LimitResult for Result<T, E> {
    type Error = E;

    #[inline]
    fn from_error(error: E) -> Self {
        Err(error)
    }
}

/// An error a rejected call can return: one with `From<Rejected>`.
#[diagnostic::on_unimplemented(
    message = "`#[limit(max_waiting = …)]` cannot build the fn's error type `{Self}` from the `Rejected` of a call turned away",
    label = "a rejected call returns `Err({Self}::from(rejected))`, and `{Self}` has no `From<orchestrate::Rejected>`",
    note = "implement `From<orchestrate::Rejected> for {Self}`; if `{Self}` is another crate's (the orphan rule forbids that impl), return an enum of yours that wraps it: `enum MyError {{ Api(ApiError), Busy(orchestrate::Rejected) }}`",
    note = "or drop `max_waiting`: then the call waits for a permit and is never rejected"
)]
pub trait FromRejected {
    /// `Self::from(rejected)`.
    fn from_rejected(rejected: Rejected) -> Self;
}

// Not recommended: a missing `From<Rejected>` is reported as a missing
// `FromRejected`, whose message says what to do.
#[diagnostic::do_not_recommend]
impl<E: From<Rejected>> FromRejected for E {
    #[inline]
    fn from_rejected(rejected: Rejected) -> Self {
        E::from(rejected)
    }
}

/// `#[limit(with = L, max_waiting = k)]`: `L.try_run(future)`, rejected when
/// `k` calls already wait for `L`, whatever `L`'s own bound.
#[inline]
pub fn try_run_within<F: std::future::IntoFuture>(
    limiter: &Limiter,
    max_waiting: usize,
    future: F,
) -> crate::limit::TryRun<'_, F::IntoFuture> {
    crate::limit::TryRun::within(limiter, max_waiting, future.into_future())
}
