//! The function-like macros. Each is a `macro_rules!` trampoline that passes
//! `$crate` (this crate's path, whatever the user renamed it to) to the proc
//! macro, so expansions reach the core through `$crate::__private`.

/// Runs every branch at once and fails fast (JS `Promise.all`).
///
/// Takes one or more expressions whose types are `IntoFuture` with output
/// `Result<T_i, E>`, and evaluates to a future (you write `.await`) whose output
/// is `Result<(T_1, T_2, …), E>`. The first `Err` to arrive is returned at once,
/// and every other branch is dropped (cancelled) before the future completes.
///
/// Expansion: a struct made for the call holds each branch in place, so the
/// future allocates nothing and is as large as its branches; each poll polls
/// the branches in order.
///
/// # Branches with different error types
///
/// Without options, every branch fails with the same error type. When they
/// differ, name the target error type once for the call: every branch's error
/// is converted with `From`.
///
/// ```
/// use orchestrate::parallel;
///
/// #[derive(Debug, PartialEq)]
/// enum AppError { Db(String), Http(u16) }
/// impl From<String> for AppError { fn from(e: String) -> Self { AppError::Db(e) } }
/// impl From<u16> for AppError { fn from(e: u16) -> Self { AppError::Http(e) } }
///
/// async fn user() -> Result<&'static str, String> { Ok("ada") }
/// async fn avatar() -> Result<Vec<u8>, u16> { Err(503) }
///
/// # futures::executor::block_on(async {
/// let both = parallel!(error = AppError; user(), avatar()).await;
/// assert_eq!(both, Err(AppError::Http(503)));
/// # });
/// ```
///
/// A branch written as an `async` block whose error type nothing else fixes
/// must name it, as with `futures::try_join!`: `async { Ok::<_, MyError>(2) }`.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use orchestrate::prelude::*;
///
/// async fn comments(post: u32) -> Result<Vec<String>, Elapsed> { Ok(vec![format!("hi {post}")]) }
/// async fn likes(post: u32) -> Result<u32, Elapsed> { Ok(post * 2) }
///
/// # futures::executor::block_on(async {
/// let (comments, likes) = parallel!(comments(7), likes(7))
///     .timeout(Duration::from_secs(1))
///     .await
///     .unwrap()?;
/// assert_eq!((comments.len(), likes), (1, 14));
/// # Ok::<(), Elapsed>(())
/// # }).unwrap();
/// ```
#[macro_export]
macro_rules! parallel {
    ($($branches:tt)*) => {
        $crate::__private::parallel!(($crate) $($branches)*)
    };
}

/// Runs every branch to completion and keeps every output (JS
/// `Promise.allSettled`).
///
/// Takes one or more `IntoFuture` expressions and evaluates to a future whose
/// output is the tuple of their outputs, `(A::Output, B::Output, …)`. Nothing
/// short-circuits: a failed branch's `Err` stands in its slot. Expansion: a
/// struct made for the call, no heap allocation.
///
/// ```
/// use orchestrate::settled;
///
/// async fn comments() -> Result<Vec<&'static str>, String> { Err("comments service down".into()) }
/// async fn likes() -> Result<u32, String> { Ok(12) }
///
/// # futures::executor::block_on(async {
/// // Partial results with fallbacks:
/// let (comments, likes) = settled!(comments(), likes()).await;
/// let comments = comments.unwrap_or_default();
/// let likes = likes.unwrap_or(0);
/// assert_eq!((comments.len(), likes), (0, 12));
/// # });
/// ```
#[macro_export]
macro_rules! settled {
    ($($branches:tt)*) => {
        $crate::__private::settled!(($crate) $($branches)*)
    };
}

/// Runs every branch at once; the first to complete wins (JS `Promise.race`).
///
/// Takes one or more `IntoFuture` expressions that share one output type `T`
/// and evaluates to a future of `T`: the output of the first branch to
/// complete, success or not. Every other branch is dropped before the future
/// completes. Branches ready in the same poll: the first written wins.
/// Expansion: a struct made for the call, no heap allocation.
///
/// ```
/// use std::time::Duration;
/// use orchestrate::{race, sleep};
///
/// async fn primary() -> &'static str { sleep(Duration::from_millis(200)).await; "primary" }
/// async fn cache() -> &'static str { "cache" }
///
/// # futures::executor::block_on(async {
/// assert_eq!(race!(primary(), cache()).await, "cache");
/// # });
/// ```
#[macro_export]
macro_rules! race {
    ($($branches:tt)*) => {
        $crate::__private::race!(($crate) $($branches)*)
    };
}

/// Runs every branch at once; the first `Ok` wins (JS `Promise.any`).
///
/// Takes one or more `IntoFuture` expressions that output `Result<T, E>` and
/// evaluates to a future of `Result<T, AllFailed<E>>`. The first `Ok` wins and
/// every other branch is dropped; when every branch fails,
/// [`AllFailed`](crate::AllFailed) holds every error in branch order (the only
/// heap allocation). Like [`parallel!`], `first_ok!(error = MyError; …)`
/// converts different error types into one.
///
/// ```
/// use orchestrate::first_ok;
///
/// async fn mirror(name: &'static str, up: bool) -> Result<String, String> {
///     if up { Ok(format!("from {name}")) } else { Err(format!("{name} is down")) }
/// }
///
/// # futures::executor::block_on(async {
/// let fetched = first_ok!(mirror("eu", false), mirror("us", true)).await;
/// assert_eq!(fetched.unwrap(), "from us");
///
/// let none = first_ok!(mirror("eu", false), mirror("us", false)).await.unwrap_err();
/// assert_eq!(none.errors(), ["eu is down", "us is down"]);
/// # });
/// ```
#[macro_export]
macro_rules! first_ok {
    ($($branches:tt)*) => {
        $crate::__private::first_ok!(($crate) $($branches)*)
    };
}
