//! Support for `#[circuit_breaker]` and `#[hedge]`'s expansions: the calls
//! they make, whose bounds are checked (and reported) on the fn's return
//! type, so that a missing `From<CircuitOpen>` reads as one error there.

use std::fmt;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use pin_project_lite::pin_project;

use crate::{BreakerRun, CircuitBreaker, CircuitOpen, Hedge, Hedged, IsFailure};

/// The return type of a `#[circuit_breaker]` fn: a `Result`, whose `Err` a
/// refused call returns.
#[diagnostic::on_unimplemented(
    message = "`#[circuit_breaker]` needs the fn to return `Result<T, E>` with `E: From<CircuitOpen>`, not `{Self}`",
    label = "a refused call must return `Err`, so this must be `Result<T, E>` with `E: From<orchestrate::CircuitOpen>`",
    note = "for example `-> Result<User, ApiError>` with `impl From<orchestrate::CircuitOpen> for ApiError`"
)]
pub trait BreakerResult {
    /// `T`.
    type Ok;
    /// `E`.
    type Error;
}

impl<T, E> BreakerResult for Result<T, E> {
    type Ok = T;
    type Error = E;
}

/// An error a refused call can return: one with `From<CircuitOpen>`.
#[diagnostic::on_unimplemented(
    message = "`#[circuit_breaker]` cannot build a `{Self}` from the `CircuitOpen` of a refused call",
    label = "a call refused by the open breaker returns `Err({Self}::from(circuit_open))`, and `{Self}` has no `From<orchestrate::CircuitOpen>`",
    note = "implement `From<orchestrate::CircuitOpen> for {Self}`; if `{Self}` is another crate's (the orphan rule forbids that impl), return an enum of yours that wraps it: `enum MyError {{ Api(api::Error), Open(orchestrate::CircuitOpen) }}`"
)]
pub trait FromCircuitOpen {
    /// `Self::from(open)`.
    fn from_circuit_open(open: CircuitOpen) -> Self;
}

// Not recommended: a missing `From<CircuitOpen>` is reported as a missing
// `FromCircuitOpen`, whose message says what to write.
#[diagnostic::do_not_recommend]
impl<E: From<CircuitOpen>> FromCircuitOpen for E {
    #[inline]
    fn from_circuit_open(open: CircuitOpen) -> Self {
        E::from(open)
    }
}

pin_project! {
    /// `breaker.run(future)`, with the refusal built by the conversion
    /// checked in [`breaker_call`].
    pub struct BreakerCall<'b, F, C, E> {
        #[pin]
        run: BreakerRun<'b, F, C>,
        refuse: fn(CircuitOpen) -> E,
    }
}

impl<F, C, E> fmt::Debug for BreakerCall<'_, F, C, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.run.fmt(f)
    }
}

/// `breaker.run(future)` for a fn returning `R`.
#[inline]
pub fn breaker_call<R, F, C>(
    breaker: &CircuitBreaker<C>,
    future: F,
) -> BreakerCall<'_, F::IntoFuture, C, R::Error>
where
    R: BreakerResult,
    R::Error: FromCircuitOpen,
    F: IntoFuture<Output = R>,
{
    BreakerCall {
        run: BreakerRun::new(breaker, future.into_future()),
        refuse: R::Error::from_circuit_open,
    }
}

impl<F, C, T, E> Future for BreakerCall<'_, F, C, E>
where
    F: Future<Output = Result<T, E>>,
    C: IsFailure<E>,
{
    type Output = Result<T, E>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        this.run.poll_refusing(cx, *this.refuse)
    }
}

/// The return type of a `#[hedge]` fn.
#[diagnostic::on_unimplemented(
    message = "`#[hedge]` needs the fn to return `Result<T, E>`, not `{Self}`",
    label = "the first `Ok` of the attempts wins, so this must be `Result<T, E>`"
)]
pub trait HedgeResult {}

impl<T, E> HedgeResult for Result<T, E> {}

/// `hedge(after, make).max_extra(max_extra)` for a fn returning `R`.
#[inline]
pub fn hedge_call<R, F, Fut>(after: Duration, max_extra: u32, make: F) -> Hedged<'static, F, Fut>
where
    R: HedgeResult,
    F: FnMut() -> Fut,
    Fut: IntoFuture<Output = R>,
{
    Hedged::new(make, after, max_extra, None)
}

/// `hedge.run(make)` for a fn returning `R`.
#[inline]
pub fn hedge_with<R, F, Fut>(hedge: &Hedge, make: F) -> Hedged<'_, F, Fut>
where
    R: HedgeResult,
    F: FnMut() -> Fut,
    Fut: IntoFuture<Output = R>,
{
    Hedged::new(make, hedge.after, hedge.max_extra, Some(hedge))
}
