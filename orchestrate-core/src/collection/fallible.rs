/// The output of a branch that can fail: implemented for `Result<T, E>` only.
///
/// [`parallel`](crate::parallel()) and [`first_ok`](crate::first_ok()) use it to
/// name the `T` and `E` of their branches; you never implement it.
///
/// ```
/// use orchestrate::Fallible;
///
/// let out: Result<u8, String> = Ok(1);
/// assert_eq!(out.into_result(), Ok(1));
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a `Result`: `parallel` and `first_ok` need branches that output `Result<T, E>`",
    label = "the branches output `{Self}`",
    note = "for branches that cannot fail, use `settled` (keeps every output) or `race` (first output)"
)]
pub trait Fallible: sealed::Sealed {
    /// The success type `T`.
    type Ok;
    /// The error type `E`.
    type Err;
    /// The `Result` itself.
    ///
    /// # Errors
    ///
    /// The branch's own `Err`.
    fn into_result(self) -> Result<Self::Ok, Self::Err>;
}

impl<T, E> Fallible for Result<T, E> {
    type Ok = T;
    type Err = E;

    #[inline]
    fn into_result(self) -> Result<T, E> {
        self
    }
}

mod sealed {
    pub trait Sealed {}
    impl<T, E> Sealed for Result<T, E> {}
}
