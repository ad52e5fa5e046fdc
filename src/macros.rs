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
/// the branches in order. The branches run *concurrently on one task*, not in
/// parallel on threads: while one waits (on I/O, a timer) the others make
/// progress, but two CPU-bound branches of 300 ms take 600 ms. Spawn CPU-bound
/// work on your runtime's blocking pool (`tokio::task::spawn_blocking`,
/// `smol::unblock`, …) and put the handle in the branch.
///
/// Branches infer their types from each other as the items of a `Vec` do: an
/// `async { Ok(1) }` branch takes its error type from a sibling, and a generic
/// branch fn (`get::<T>()`) from a sibling or from the expected output type.
///
/// # Options
///
/// Options come before the branches, separated from them by `;`:
///
/// | option | meaning |
/// | --- | --- |
/// | `error = AppError` | every branch's error converts into `AppError` with `From` |
/// | `timeout = dur` | each branch gets `dur` (a [`Duration`](std::time::Duration) expression, evaluated once); a branch that runs out yields `Err(E::from(Elapsed))` |
///
/// They combine: `parallel!(error = AppError, timeout = Duration::from_secs(2); a, b)`;
/// then the timeout converts into `AppError` too.
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
/// # A limit on each branch
///
/// ```
/// use std::time::Duration;
/// use orchestrate::prelude::*;
///
/// #[derive(Debug, PartialEq)]
/// enum ApiError { TimedOut(Elapsed) }
/// impl From<Elapsed> for ApiError { fn from(e: Elapsed) -> Self { ApiError::TimedOut(e) } }
///
/// async fn comments(post: u32) -> Result<Vec<String>, ApiError> { Ok(vec![format!("hi {post}")]) }
/// async fn likes(post: u32) -> Result<u32, ApiError> {
///     orchestrate::sleep(Duration::from_secs(5)).await; // too slow
///     Ok(post * 2)
/// }
///
/// # futures::executor::block_on(async {
/// let out = parallel!(timeout = Duration::from_millis(50); comments(7), likes(7)).await;
/// assert!(matches!(out, Err(ApiError::TimedOut(_))));
///
/// // In time, the values come out; `?` needs no unwrapping.
/// let (comments, _) = parallel!(timeout = Duration::from_secs(1); comments(7), async { Ok(1) }).await?;
/// assert_eq!(comments.len(), 1);
/// # Ok::<(), ApiError>(())
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
/// With `settled!(timeout = dur; a, b)` each branch gets `dur` (every branch
/// must then output `Result<T, E>` with `E: From<Elapsed>`): a branch that
/// runs out holds `Err(E::from(elapsed))` in its slot, the others their own
/// results.
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
///
/// ```
/// use std::time::Duration;
/// use orchestrate::{settled, sleep, Elapsed};
///
/// async fn fast() -> Result<u32, Elapsed> { Ok(1) }
/// async fn slow() -> Result<u32, Elapsed> { sleep(Duration::from_secs(5)).await; Ok(2) }
///
/// # futures::executor::block_on(async {
/// let (a, b) = settled!(timeout = Duration::from_millis(20); fast(), slow()).await;
/// assert_eq!(a, Ok(1));
/// assert_eq!(b.unwrap_err().to_string(), "timed out after 20ms");
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
/// Expansion: a struct made for the call, no heap allocation. A branch whose
/// type is left open (`async { Default::default() }`) takes it from its
/// siblings or the expected output. `race!(timeout = dur; a, b)` limits each
/// branch (outputs must be `Result<T, E>` with `E: From<Elapsed>`): when
/// every branch is late, the first to run out wins with `Err(E::from(elapsed))`.
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
/// converts different error types into one, `first_ok!(timeout = dur; …)`
/// limits each branch (one that runs out fails with `E::from(elapsed)`), and a
/// generic branch (`get::<T>()`) infers `T` from a sibling or the expected
/// output.
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
