//! Helpers the macro expansions call on each branch, where the branch is
//! written, so that a misuse is reported on the offending branch in words that
//! say how to fix it.

use std::future::{Future, IntoFuture};

use super::Branch;
use crate::Elapsed;
use crate::collection::Fallible;

/// A branch of `settled!`: keeps its output.
#[inline]
pub fn settled_branch<B: IntoFuture>(branch: B) -> Branch<B::IntoFuture, B::Output> {
    Branch::new(branch.into_future())
}

/// A branch of `race!`: keeps nothing, its output is handed back at once.
#[inline]
pub fn race_branch<B: IntoFuture>(branch: B) -> Branch<B::IntoFuture, ()> {
    Branch::new(branch.into_future())
}

/// A branch of `parallel!`: its output must be a `Result`; keeps the `Ok` value.
#[inline]
pub fn parallel_branch<B: IntoFuture>(
    branch: B,
) -> Branch<B::IntoFuture, <B::Output as ParallelOutput>::Ok>
where
    B::Output: ParallelOutput,
{
    Branch::new(branch.into_future())
}

/// A branch of `first_ok!`: its output must be a `Result`; keeps the `Err`.
#[inline]
pub fn first_ok_branch<B: IntoFuture>(
    branch: B,
) -> Branch<B::IntoFuture, <B::Output as FirstOkOutput>::Err>
where
    B::Output: FirstOkOutput,
{
    Branch::new(branch.into_future())
}

#[diagnostic::on_unimplemented(
    message = "a `parallel!` branch must output `Result<T, E>`, but this one outputs `{Self}`",
    label = "this branch outputs `{Self}`, not a `Result`",
    note = "`parallel!` fails fast on the first `Err`; for branches that cannot fail, use `settled!`, or wrap the output: `async {{ Ok::<_, MyError>(branch.await) }}`"
)]
pub trait ParallelOutput {
    /// `T`.
    type Ok;
}
impl<T, E> ParallelOutput for Result<T, E> {
    type Ok = T;
}

#[diagnostic::on_unimplemented(
    message = "a `first_ok!` branch must output `Result<T, E>`, but this one outputs `{Self}`",
    label = "this branch outputs `{Self}`, not a `Result`",
    note = "`first_ok!` returns the first `Ok`; to take the first output of any type, use `race!`"
)]
pub trait FirstOkOutput {
    /// `E`.
    type Err;
}
impl<T, E> FirstOkOutput for Result<T, E> {
    type Err = E;
}

/// `race!`: every branch outputs the first branch's type.
#[inline]
pub fn same_output<A: Future, KA, B: Future, KB>(_first: &Branch<A, KA>, _branch: &Branch<B, KB>)
where
    B::Output: SameOutput<A::Output>,
{
}

#[diagnostic::on_unimplemented(
    message = "`race!` branches must all output one type: this one outputs `{Self}`, the first outputs `{T}`",
    label = "outputs `{Self}`, expected `{T}`",
    note = "map the outputs to one type, e.g. an enum: `async {{ Winner::A(a.await) }}`"
)]
pub trait SameOutput<T> {}
impl<T> SameOutput<T> for T {}

/// `parallel!` and `first_ok!` without `error = …`: every branch fails with
/// the first branch's error type.
#[inline]
pub fn same_error<A: Future, KA, B: Future, KB>(_first: &Branch<A, KA>, _branch: &Branch<B, KB>)
where
    A::Output: Fallible,
    B::Output: Fallible,
    <B::Output as Fallible>::Err: SameError<<A::Output as Fallible>::Err>,
{
}

#[diagnostic::on_unimplemented(
    message = "the branches fail with different error types: `{Self}` here, `{E}` in the first branch",
    label = "fails with `{Self}`, the first branch with `{E}`",
    note = "name one error type that every branch's error converts into (with `From`), once for the call: `parallel!(error = MyError; a, b, …)`"
)]
pub trait SameError<E> {}
impl<E> SameError<E> for E {}

/// `first_ok!`: every branch succeeds with the first branch's type.
#[inline]
pub fn same_ok<A: Future, KA, B: Future, KB>(_first: &Branch<A, KA>, _branch: &Branch<B, KB>)
where
    A::Output: Fallible,
    B::Output: Fallible,
    <B::Output as Fallible>::Ok: SameOk<<A::Output as Fallible>::Ok>,
{
}

#[diagnostic::on_unimplemented(
    message = "`first_ok!` branches must all succeed with one type: `{Self}` here, `{T}` in the first branch",
    label = "succeeds with `{Self}`, the first branch with `{T}`",
    note = "map the values to one type, e.g. an enum, inside the branches"
)]
pub trait SameOk<T> {}
impl<T> SameOk<T> for T {}

/// `error = Target;`: this branch's error converts into `Target`.
#[inline]
pub fn error_into<Target, B: Future, K>(_branch: &Branch<B, K>)
where
    B::Output: Fallible,
    <B::Output as Fallible>::Err: Into<Target>,
{
}

/// The return type of a `#[timeout]` fn: a `Result` whose error can hold an
/// [`Elapsed`].
#[diagnostic::on_unimplemented(
    message = "`#[timeout]` needs the fn to return `Result<T, E>` with `E: From<Elapsed>`, not `{Self}`",
    label = "a timed-out call must return `Err`, so this must be `Result<T, E>` with `E: From<orchestrate::Elapsed>`",
    note = "for example `-> Result<User, ApiError>` with `impl From<orchestrate::Elapsed> for ApiError`, or `-> std::io::Result<T>`"
)]
pub trait TimeoutOutput {
    /// The value a timed-out call returns.
    fn timed_out(elapsed: Elapsed) -> Self;
}

impl<T, E: From<Elapsed>> TimeoutOutput for Result<T, E> {
    #[inline]
    fn timed_out(elapsed: Elapsed) -> Self {
        Err(E::from(elapsed))
    }
}
