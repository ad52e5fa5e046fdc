//! Orchestrate async work in any runtime.
//!
//! `async`/`.await` answers *how do I wait*; orchestration answers *in what
//! order, how many at once, for how long, and what happens when one fails*.
//! orchestrate gives that vocabulary, the same under tokio, async-std, smol or
//! `futures::executor`: nothing here spawns tasks or needs a runtime, and the
//! timers run on an executor-neutral backend.
//!
//! # The vocabulary
//!
//! | JS | fixed set of branches | a collection |
//! | --- | --- | --- |
//! | `await a; await b` | plain `.await` in order; a [`Deadline`] bounds the whole sequence | |
//! | `Promise.all` (fail fast) | `parallel!(a, b, …)` | [`parallel(iter)`](parallel()) |
//! | `Promise.allSettled` | `settled!(a, b, …)` | [`settled(iter)`](settled()) |
//! | `Promise.race` | `race!(a, b, …)` | [`race(iter)`](race()) |
//! | `Promise.any` (+ `AggregateError`) | `first_ok!(a, b, …)` | [`first_ok(iter)`](first_ok()) → [`AllFailed`] |
//! | `withTimeout(p, ms)` | [`timeout(dur, fut)`](timeout()), [`fut.timeout(dur)`](TimeoutExt::timeout), `#[timeout(ms = 2000)]` | |
//!
//! # Semantics
//!
//! | operation | waits for | on error | output order | cancels (drops) |
//! | --- | --- | --- | --- | --- |
//! | [`parallel`](parallel()) | every branch, or the first `Err` | the first `Err` to *arrive* is returned at once | input order | every other branch, before completing, on the first `Err` |
//! | [`settled`](settled()) | every branch | nothing short-circuits; each `Err` stays in its slot | input order | nothing |
//! | [`race`](race()) | the first branch to finish | a failed winner still wins | the winner's output | every other branch, before completing |
//! | [`first_ok`](first_ok()) | the first `Ok`, or every branch | all failed: [`AllFailed`] with every error, in input order | the winner's value | every other branch, before completing, on the first `Ok` |
//! | [`timeout`](timeout()) / [`Deadline::run`] | the future, or the limit | [`Elapsed`] naming the limit | | the inner future, on expiry |
//!
//! Dropping any of these futures drops every branch it still holds. Polling
//! one again after it completed panics with a message naming it. With
//! [`.limit(n)`](Parallel::limit), `parallel` and `settled` keep at most `n`
//! branches in flight and start the next as one finishes.
//!
//! # Quick start
//!
//! ```
//! use std::time::Duration;
//! use orchestrate::prelude::*;
//!
//! #[derive(Debug)]
//! struct ApiError(String);
//! impl From<Elapsed> for ApiError {
//!     fn from(e: Elapsed) -> Self { ApiError(e.to_string()) }
//! }
//!
//! async fn comments(post: u32) -> Result<Vec<String>, ApiError> {
//!     Ok(vec![format!("nice post {post}")])
//! }
//!
//! async fn likes(post: u32) -> Result<u32, ApiError> {
//!     if post == 2 { Err(ApiError("likes service down".into())) } else { Ok(post * 10) }
//! }
//!
//! # futures::executor::block_on(async {
//! // Every post at once, each under its own time limit, keeping partial results.
//! let posts = [1, 2, 3];
//! let enriched = settled(posts.map(|post| async move {
//!     let comments = comments(post).timeout(Duration::from_secs(2)).await;
//!     let likes = likes(post).timeout(Duration::from_secs(2)).await;
//!     (post, comments.ok().and_then(Result::ok).unwrap_or_default(),
//!            likes.ok().and_then(Result::ok).unwrap_or(0))
//! }))
//! .limit(10)
//! .await;
//! assert_eq!(enriched[1], (2, vec!["nice post 2".to_string()], 0));
//! # });
//! ```
//!
//! # Time
//!
//! A [`timeout`](timeout()) starts counting at its first poll and polls its future
//! before it checks the clock, so a future that is ready at once never times
//! out and never arms a timer. A [`Deadline`] is a fixed instant: share one
//! between sequential steps or parallel branches to give them one budget.
//! [`sleep`] waits on the same executor-neutral timer.

mod macros;

pub use orchestrate_core::timeline;
pub use orchestrate_core::{
    AllFailed, Backoff, CatchPanic, Deadline, Delays, Elapsed, Fallible, FirstOk, Panicked,
    Parallel, Race, Retry, Settled, Sleep, Timeout, TimeoutExt, catch_panic, first_ok, parallel,
    race, retry, settled, sleep, sleep_until, testing, timeout, timer,
};
pub use orchestrate_macros::{retry, timeout};

/// The names most programs need: `use orchestrate::prelude::*;` brings the
/// combinators, [`Deadline`], [`Elapsed`] and the [`.timeout()`](TimeoutExt::timeout)
/// and [`.deadline()`](TimeoutExt::deadline) methods.
///
/// ```
/// use std::time::Duration;
/// use orchestrate::prelude::*;
///
/// # futures::executor::block_on(async {
/// let out = parallel([async { Ok::<_, Elapsed>(1) }]).timeout(Duration::from_secs(1)).await;
/// assert_eq!(out, Ok(Ok(vec![1])));
/// # });
/// ```
pub mod prelude {
    pub use crate::{
        AllFailed, Backoff, Deadline, Elapsed, TimeoutExt, first_ok, parallel, race, retry,
        settled, timeout,
    };
}

/// Paths the macros expand to. Not public API; may change in any release.
#[doc(hidden)]
pub mod __private {
    pub use orchestrate_core::__private::*;
    pub use orchestrate_macros::{first_ok, parallel, race, settled};
}
