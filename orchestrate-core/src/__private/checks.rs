//! Helpers the macro expansions call on each branch, where the branch is
//! written, so that a misuse is reported on the offending branch in words that
//! say how to fix it.
//!
//! Each constructor returns the branch and *witnesses* of its types. The
//! checks that tie branches together return converters built from the
//! witnesses: a failing check is one error at its branch, while the
//! converter's type still has the expected signature, so nothing else fails.

use std::future::IntoFuture;
use std::marker::PhantomData;
use std::time::Duration;

use super::Branch;

/// A zero-sized stand-in for a value of type `T`, used only to name `T`.
pub type Witness<T> = PhantomData<fn() -> T>;

/// What a constructor returns: the branch, keeping `O`, with the witnesses
/// of its value type `V` and error type `E`.
pub type Made<F, O, V, E> = (Branch<F, O>, Witness<V>, Witness<E>);

// The constructors name every type they return by a parameter, never by a
// projection (`B::Output`), so a branch that fails their bound is reported
// once, by the bound, and not again by the return type.

/// A branch of `settled!`: keeps its output. It has no witnesses (its
/// branches' types are not tied), so it returns the branch alone: no tuple
/// whose drop glue a user's debug build would compile for every branch type.
#[inline]
pub fn settled_branch<B, F, O>(branch: B) -> Branch<F, O>
where
    B: IntoFuture<IntoFuture = F, Output = O>,
{
    Branch::Running {
        future: branch.into_future(),
    }
}

/// A branch of `race!`: keeps nothing; witnesses its output type.
#[inline]
pub fn race_branch<B, F, O>(branch: B) -> Made<F, (), O, ()>
where
    B: IntoFuture<IntoFuture = F, Output = O>,
{
    (
        Branch::Running {
            future: branch.into_future(),
        },
        PhantomData,
        PhantomData,
    )
}

/// A branch of `parallel!`: its output must be a `Result`; keeps it (an
/// `Ok` only) and witnesses the error type.
///
/// `parallel!`, `settled!` and `first_ok!` keep a branch's whole output, so a
/// future awaited by two of them is one branch type: one set of functions to
/// compile in a user's debug build, not two.
#[inline]
pub fn parallel_branch<B, F, T, E>(branch: B) -> Made<F, Result<T, E>, (), E>
where
    B: IntoFuture<IntoFuture = F>,
    B::Output: ParallelOutput<Ok = T, Err = E>,
{
    (
        Branch::Running {
            future: branch.into_future(),
        },
        PhantomData,
        PhantomData,
    )
}

/// A branch of `first_ok!`: its output must be a `Result`; keeps it (an
/// `Err` only) and witnesses both types.
#[inline]
pub fn first_ok_branch<B, F, T, E>(branch: B) -> Made<F, Result<T, E>, T, E>
where
    B: IntoFuture<IntoFuture = F>,
    B::Output: FirstOkOutput<Ok = T, Err = E>,
{
    (
        Branch::Running {
            future: branch.into_future(),
        },
        PhantomData,
        PhantomData,
    )
}

/// `timeout = limit;`: the limit, evaluated once for every branch.
#[inline]
pub fn limit(limit: Duration) -> Duration {
    limit
}

/// A branch's type `B` next to the first branch's type `A`: its methods
/// convert from `B` to `A`, and exist only when `B == A`.
///
/// The two are tied by a trait whose `Self` is a known type and which has
/// one impl, so the compiler *infers* either type from the other (a generic
/// branch takes its sibling's type, as in a `Vec`), while two known, different
/// types fail the bound with a message naming both. The witnesses are taken
/// first, by [`pair`], so the bound is checked once both are as known as they
/// will be, and never by comparing values (an uninhabited type has none).
#[derive(Debug)]
pub struct Pair<A, B>(PhantomData<fn() -> (A, B)>);

/// Pairs the first branch's witness with this branch's. The expansion calls
/// it inside a converter closure, `move |x| pair(&first, &this).same_error(x)`:
/// the closure's type never depends on the check, so a failed check is one
/// error, not one more at every use of the closure.
#[inline]
pub fn pair<A, B>(_first: &Witness<A>, _branch: &Witness<B>) -> Pair<A, B> {
    Pair(PhantomData)
}

impl<A, B> Pair<A, B> {
    /// `race!`: this branch's output as the first branch's type.
    #[inline]
    pub fn same_output(self, output: B) -> A
    where
        Is<B>: SameOutput<B, A>,
    {
        <Is<B> as SameOutput<B, A>>::same(output)
    }

    /// `parallel!` and `first_ok!`: this branch's error as the first
    /// branch's type.
    #[inline]
    pub fn same_error(self, error: B) -> A
    where
        Is<B>: SameError<B, A>,
    {
        <Is<B> as SameError<B, A>>::same(error)
    }

    /// `first_ok!`: this branch's value as the first branch's type.
    #[inline]
    pub fn same_ok(self, value: B) -> A
    where
        Is<B>: SameOk<B, A>,
    {
        <Is<B> as SameOk<B, A>>::same(value)
    }
}

/// The first branch's converter: its own type, unchanged. A generic fn's
/// item rather than a closure at the call, so a user's crate compiles it once
/// per type, not once per call.
#[inline]
pub fn same_as_first<A>(_first: &Witness<A>) -> impl Fn(A) -> A + use<A> {
    |first| first
}

/// A converter from this branch's error type `B` to the target `T` named by
/// `error = T;` (`convert` is `|x| Into::into(x)`).
#[inline]
pub fn convert_into<T, B, C: Fn(B) -> T>(_branch: &Witness<B>, convert: C) -> C {
    convert
}

/// The `Self` of the checks that tie two branches' types: a known type, so
/// that the checks can infer one type from the other.
#[derive(Debug)]
pub struct Is<T>(PhantomData<fn() -> T>);

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
    message = "with `timeout = …`, every branch must output `Result<T, E>`, but this one outputs `{Self}`",
    label = "this branch outputs `{Self}`, not a `Result`",
    note = "a branch that runs out of time yields `Err(E::from(Elapsed))`, so its output must be a `Result` whose error type implements `From<orchestrate::Elapsed>`"
)]
pub trait LimitedOutput {
    /// `T`.
    type Ok;
    /// `E`.
    type Err;
    /// `self`, as the `Result` it is.
    fn into_result(self) -> Result<Self::Ok, Self::Err>;
}
impl<T, E> LimitedOutput for Result<T, E> {
    type Ok = T;
    type Err = E;
    #[inline]
    fn into_result(self) -> Self {
        self
    }
}

#[diagnostic::on_unimplemented(
    message = "`race!` branches must all output one type: this one outputs `{Here}`, the first outputs `{First}`",
    label = "outputs `{Here}`, expected `{First}`",
    note = "map the outputs to one type, e.g. an enum: `async {{ Winner::A(a.await) }}`"
)]
pub trait SameOutput<Here, First> {
    /// The output, when `Here` is `First`.
    fn same(output: Here) -> First;
}
impl<T> SameOutput<T, T> for Is<T> {
    #[inline]
    fn same(output: T) -> T {
        output
    }
}

#[diagnostic::on_unimplemented(
    message = "the branches fail with different error types: `{Here}` here, `{First}` in the first branch",
    label = "fails with `{Here}`, the first branch with `{First}`",
    note = "name one error type that every branch's error converts into (with `From`), once for the call: `parallel!(error = MyError; a, b, …)`"
)]
pub trait SameError<Here, First> {
    /// The error, when `Here` is `First`.
    fn same(error: Here) -> First;
}
impl<E> SameError<E, E> for Is<E> {
    #[inline]
    fn same(error: E) -> E {
        error
    }
}

#[diagnostic::on_unimplemented(
    message = "`first_ok!` branches must all succeed with one type: `{Here}` here, `{First}` in the first branch",
    label = "succeeds with `{Here}`, the first branch with `{First}`",
    note = "map the values to one type, e.g. an enum, inside the branches"
)]
pub trait SameOk<Here, First> {
    /// The value, when `Here` is `First`.
    fn same(value: Here) -> First;
}
impl<T> SameOk<T, T> for Is<T> {
    #[inline]
    fn same(value: T) -> T {
        value
    }
}
