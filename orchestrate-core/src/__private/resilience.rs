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
pub trait BreakerResult: Sized {
    /// `T`.
    type Ok;
    /// `E`.
    type Error;
    /// Itself, as a `Result`.
    fn into_result(self) -> Result<Self::Ok, Self::Error>;
    /// Back from a `Result`.
    fn from_result(result: Result<Self::Ok, Self::Error>) -> Self;
}

impl<T, E> BreakerResult for Result<T, E> {
    type Ok = T;
    type Error = E;

    #[inline]
    fn into_result(self) -> Self {
        self
    }

    #[inline]
    fn from_result(result: Self) -> Self {
        result
    }
}

/// The conversions between a `#[circuit_breaker]` fn's return type `R` and
/// the `Result` the breaker runs on; the one place where `R` must be a
/// `Result`, so that another type is reported once.
pub type Conversions<R, T, E> = (fn(R) -> Result<T, E>, fn(Result<T, E>) -> R);

/// [`Conversions`] for `#[circuit_breaker]`.
#[inline]
pub fn breaker_parts<R, T, E>() -> Conversions<R, T, E>
where
    R: BreakerResult<Ok = T, Error = E>,
{
    (R::into_result, R::from_result)
}

pin_project! {
    /// The code below an attribute, its output `O` turned into a `Result`.
    #[derive(Debug)]
    pub struct AsResult<F, O, T, E> {
        #[pin]
        future: F,
        into: fn(O) -> Result<T, E>,
    }
}

/// `future` with its output turned into a `Result` by `into`.
#[inline]
pub fn as_result<F, T, E>(
    future: F,
    into: fn(F::Output) -> Result<T, E>,
) -> AsResult<F::IntoFuture, F::Output, T, E>
where
    F: IntoFuture,
{
    AsResult {
        future: future.into_future(),
        into,
    }
}

impl<F, O, T, E> Future for AsResult<F, O, T, E>
where
    F: Future<Output = O>,
{
    type Output = Result<T, E>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        this.future.poll(cx).map(*this.into)
    }
}

/// An error a refused call can return: one with `From<CircuitOpen>`.
#[diagnostic::on_unimplemented(
    message = "`#[circuit_breaker]` cannot build the fn's error type `{Self}` from the `CircuitOpen` of a refused call",
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

/// `breaker.run(future)`, the error's `From<CircuitOpen>` checked here.
#[inline]
pub fn breaker_call<F, C, T, E>(
    breaker: &CircuitBreaker<C>,
    future: F,
) -> BreakerCall<'_, F::IntoFuture, C, E>
where
    F: IntoFuture<Output = Result<T, E>>,
    E: FromCircuitOpen,
{
    BreakerCall {
        run: BreakerRun::new(breaker, future.into_future()),
        refuse: E::from_circuit_open,
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
pub trait HedgeResult: Sized {
    /// `T`.
    type Ok;
    /// `E`.
    type Error;
    /// Itself, as a `Result`.
    fn into_result(self) -> Result<Self::Ok, Self::Error>;
    /// Back from a `Result`.
    fn from_result(result: Result<Self::Ok, Self::Error>) -> Self;
}

impl<T, E> HedgeResult for Result<T, E> {
    type Ok = T;
    type Error = E;

    #[inline]
    fn into_result(self) -> Self {
        self
    }

    #[inline]
    fn from_result(result: Self) -> Self {
        result
    }
}

/// [`Conversions`] for `#[hedge]`.
#[inline]
pub fn hedge_parts<R, T, E>() -> Conversions<R, T, E>
where
    R: HedgeResult<Ok = T, Error = E>,
{
    (R::into_result, R::from_result)
}

/// `hedge(after, make).max_extra(max_extra)`, each attempt's output `R`
/// turned into a `Result` by `into`.
///
/// # Panics
///
/// If `max_extra` is 0 (a constant's: the macro rejects a literal 0).
#[inline]
pub fn hedge_call<F, Fut, R, T, E>(
    after: Duration,
    max_extra: u32,
    into: fn(R) -> Result<T, E>,
    mut make: F,
) -> impl Future<Output = Result<T, E>>
where
    F: FnMut() -> Fut,
    Fut: IntoFuture<Output = R>,
{
    assert!(
        max_extra > 0,
        "#[hedge(max_extra = …)]: the constant given is 0, and hedging needs at least 1 extra attempt"
    );
    Hedged::new(move || as_result(make(), into), after, max_extra, None)
}

/// `hedge.run(make)`, each attempt's output `R` turned into a `Result` by
/// `into`.
#[inline]
pub fn hedge_with<F, Fut, R, T, E>(
    hedge: &Hedge,
    into: fn(R) -> Result<T, E>,
    mut make: F,
) -> impl Future<Output = Result<T, E>>
where
    F: FnMut() -> Fut,
    Fut: IntoFuture<Output = R>,
{
    Hedged::new(
        move || as_result(make(), into),
        hedge.after,
        hedge.max_extra,
        Some(hedge),
    )
}
