//! Helpers the macro expansions call on each branch, where the branch is
//! written, so that a misuse is reported on the offending branch in words that
//! say how to fix it.
//!
//! Each constructor returns the branch and *witnesses* of its types. The
//! checks that tie branches together are closures built from the witnesses:
//! a failing check is an error inside the closure (on the branch), while the
//! closure's type still has the expected signature, so nothing else fails.

use std::future::IntoFuture;
use std::marker::PhantomData;

use super::Branch;

/// A zero-sized stand-in for a value of type `T`, used only to name `T`.
pub type Witness<T> = PhantomData<fn() -> T>;

// The constructors name every type they return by a parameter, never by a
// projection (`B::Output`), so a branch that fails their bound is reported
// once, by the bound, and not again by the return type.

/// A branch of `settled!`: keeps its output.
#[inline]
pub fn settled_branch<B, F, O>(branch: B) -> (Branch<F, O>, Witness<()>, Witness<()>)
where
    B: IntoFuture<IntoFuture = F, Output = O>,
{
    (Branch::new(branch.into_future()), PhantomData, PhantomData)
}

/// A branch of `race!`: keeps nothing; witnesses its output type.
#[inline]
pub fn race_branch<B, F, O>(branch: B) -> (Branch<F, ()>, Witness<O>, Witness<()>)
where
    B: IntoFuture<IntoFuture = F, Output = O>,
{
    (Branch::new(branch.into_future()), PhantomData, PhantomData)
}

/// A branch of `parallel!`: its output must be a `Result`; keeps the `Ok`
/// value and witnesses the error type.
#[inline]
pub fn parallel_branch<B, F, T, E>(branch: B) -> (Branch<F, T>, Witness<()>, Witness<E>)
where
    B: IntoFuture<IntoFuture = F>,
    B::Output: ParallelOutput<Ok = T, Err = E>,
{
    (Branch::new(branch.into_future()), PhantomData, PhantomData)
}

/// A branch of `first_ok!`: its output must be a `Result`; keeps the `Err`
/// and witnesses both types.
#[inline]
pub fn first_ok_branch<B, F, T, E>(branch: B) -> (Branch<F, E>, Witness<T>, Witness<E>)
where
    B: IntoFuture<IntoFuture = F>,
    B::Output: FirstOkOutput<Ok = T, Err = E>,
{
    (Branch::new(branch.into_future()), PhantomData, PhantomData)
}

/// A converter from this branch's type `B` to the first branch's type `A`:
/// `convert` is `move |x| same_…(first, x)`, which only type-checks when `B == A`.
#[inline]
pub fn convert_like<A, B, C: Fn(B) -> A>(
    _first: &Witness<A>,
    _branch: &Witness<B>,
    convert: C,
) -> C {
    convert
}

/// `race!`: this branch's output, when it is the first branch's type.
#[inline]
pub fn same_output<A, B: SameOutput<A>>(_first: Witness<A>, output: B) -> A {
    output.same()
}

/// `parallel!` and `first_ok!`: this branch's error, when it is the first
/// branch's type.
#[inline]
pub fn same_error<A, B: SameError<A>>(_first: Witness<A>, error: B) -> A {
    error.same()
}

/// `first_ok!`: this branch's value, when it is the first branch's type.
#[inline]
pub fn same_ok<A, B: SameOk<A>>(_first: Witness<A>, value: B) -> A {
    value.same()
}

/// A converter from this branch's error type `B` to the target `T`
/// (`error = T;`): `convert` is `|x| Into::into(x)`.
#[inline]
pub fn convert_into<T, B, C: Fn(B) -> T>(_branch: &Witness<B>, convert: C) -> C {
    convert
}

#[diagnostic::on_unimplemented(
    message = "a `parallel!` branch must output `Result<T, E>`, but this one outputs `{Self}`",
    label = "this branch outputs `{Self}`, not a `Result`",
    note = "`parallel!` fails fast on the first `Err`; for branches that cannot fail, use `settled!`, or wrap the output: `async {{ Ok::<_, MyError>(branch.await) }}`"
)]
pub trait ParallelOutput {
    /// `T`.
    type Ok;
    /// `E`.
    type Err;
}
impl<T, E> ParallelOutput for Result<T, E> {
    type Ok = T;
    type Err = E;
}

#[diagnostic::on_unimplemented(
    message = "a `first_ok!` branch must output `Result<T, E>`, but this one outputs `{Self}`",
    label = "this branch outputs `{Self}`, not a `Result`",
    note = "`first_ok!` returns the first `Ok`; to take the first output of any type, use `race!`"
)]
pub trait FirstOkOutput {
    /// `T`.
    type Ok;
    /// `E`.
    type Err;
}
impl<T, E> FirstOkOutput for Result<T, E> {
    type Ok = T;
    type Err = E;
}

#[diagnostic::on_unimplemented(
    message = "`race!` branches must all output one type: this one outputs `{Self}`, the first outputs `{T}`",
    label = "outputs `{Self}`, expected `{T}`",
    note = "map the outputs to one type, e.g. an enum: `async {{ Winner::A(a.await) }}`"
)]
pub trait SameOutput<T> {
    /// `self`, when `Self` is `T`.
    fn same(self) -> T;
}
impl<T> SameOutput<T> for T {
    #[inline]
    fn same(self) -> T {
        self
    }
}

#[diagnostic::on_unimplemented(
    message = "the branches fail with different error types: `{Self}` here, `{E}` in the first branch",
    label = "fails with `{Self}`, the first branch with `{E}`",
    note = "name one error type that every branch's error converts into (with `From`), once for the call: `parallel!(error = MyError; a, b, …)`"
)]
pub trait SameError<E> {
    /// `self`, when `Self` is `E`.
    fn same(self) -> E;
}
impl<E> SameError<E> for E {
    #[inline]
    fn same(self) -> E {
        self
    }
}

#[diagnostic::on_unimplemented(
    message = "`first_ok!` branches must all succeed with one type: `{Self}` here, `{T}` in the first branch",
    label = "succeeds with `{Self}`, the first branch with `{T}`",
    note = "map the values to one type, e.g. an enum, inside the branches"
)]
pub trait SameOk<T> {
    /// `self`, when `Self` is `T`.
    fn same(self) -> T;
}
impl<T> SameOk<T> for T {
    #[inline]
    fn same(self) -> T {
        self
    }
}
