//! Orchestrate async work in any runtime.
//!
//! `async`/`.await` answers *how do I wait*; orchestration answers *in what
//! order, how many at once, for how long, and what happens when one fails*.
//! orchestrate gives that vocabulary, the same under tokio, async-std, smol or
//! `futures::executor`: nothing here spawns tasks or needs a runtime, and the
//! timers run on an executor-neutral backend that you can swap.
//!
//! # The vocabulary
//!
//! | JS | fixed set of branches | a collection |
//! | --- | --- | --- |
//! | `await a; await b` | plain `.await` in order; a [`Deadline`] bounds the whole sequence | |
//! | `Promise.all` (fail fast) | [`parallel!(a, b, …)`](parallel!) | [`parallel(iter)`](parallel()) |
//! | `Promise.allSettled` | [`settled!(a, b, …)`](settled!) | [`settled(iter)`](settled()) |
//! | `Promise.race` | [`race!(a, b, …)`](race!) | [`race(iter)`](race()) |
//! | `Promise.any` (+ `AggregateError`) | [`first_ok!(a, b, …)`](first_ok!) | [`first_ok(iter)`](first_ok()) → [`AllFailed`] |
//! | `withTimeout(p, ms)` | [`timeout(dur, fut)`](timeout()), [`fut.timeout(dur)`](TimeoutExt::timeout), [`#[timeout(ms = 2000)]`](macro@timeout); a fallible future: [`fut.try_timeout(dur)`](TimeoutExt::try_timeout); each branch of a join: `parallel!(timeout = dur; a, b)` | |
//! | bounded fan-out | | [`.limit(n)`](Parallel::limit) on `parallel` and `settled` |
//! | results as they arrive (p-map's `pMapIterable`, futures' `buffer_unordered`) | | [`settled(iter).limit(n).stream()`](Settled::stream), [`parallel(iter).stream()`](Parallel::stream); inputs from a `Stream`: [`settled_stream(inputs, n)`](settled_stream()) |
//! | p-retry | [`#[retry(times = 3, backoff = exponential(ms = 100))]`](macro@retry), [`retry(Backoff, \|\| fut)`](retry()) | |
//! | p-limit, resilience4j `@Bulkhead` | [`#[limit(concurrency = 4)]`](macro@limit), [`#[limit(with = API)]`](macro@limit) over a shared [`Limiter`] | [`.limit_with(&API)`](Settled::limit_with) |
//! | p-throttle, resilience4j `@RateLimiter` | [`#[rate_limit(per_sec = 50)]`](macro@rate_limit), [`RateLimiter::run`] | |
//! | resilience4j `@CircuitBreaker`, Polly circuit breaker | [`#[circuit_breaker(consecutive_failures = 5, open_for_secs = 30)]`](macro@circuit_breaker), [`CircuitBreaker::run`] | |
//! | Polly hedging, tower `hedge` | [`#[hedge(after_ms = 50)]`](macro@hedge), [`hedge(after, \|\| fut)`](hedge()), [`Hedge`] | |
//! | an `AbortSignal.timeout` passed down | [`Deadline::run`]: every timeout and retry inside gives up by the tighter limit | `Deadline::run` on each branch |
//! | `jest.useFakeTimers()` | `testing::VirtualClock` (feature `test-util`) | |
//!
//! The macros take any number of branches, evaluate to a future (you write
//! `.await`), allocate nothing and let branches borrow locals; their expansion
//! is a struct made for the call that holds every branch in place. The
//! functions take any `IntoIterator` of futures, keep input order, and poll only
//! the branches that were woken.
//!
//! # Semantics
//!
//! | operation | waits for | on error | output order | cancels (drops) |
//! | --- | --- | --- | --- | --- |
//! | [`parallel`](parallel()) / `parallel!` | every branch, or the first `Err` | the first `Err` to *arrive* is returned at once | input order | every other branch, before completing, on the first `Err` |
//! | [`settled`](settled()) / `settled!` | every branch | nothing short-circuits; each `Err` stays in its slot | input order | nothing |
//! | [`race`](race()) / `race!` | the first branch to finish | a failed winner still wins | the winner's output | every other branch, before completing |
//! | [`first_ok`](first_ok()) / `first_ok!` | the first `Ok`, or every branch | all failed: [`AllFailed`] with every error, in input order | the winner's value | every other branch, before completing, on the first `Ok` |
//! | [`timeout`](timeout()) / [`Deadline::run`] | the future, or the limit | [`Elapsed`] naming the limit | | the inner future, on expiry |
//! | a branch panics (any combinator, `timeout`) | | the panic is not an error value: it unwinds out of the combinator's `poll` into the task that awaits it, with the branch's own payload (`block_on` re-raises it; `tokio::spawn` reports a `JoinError` whose `is_panic()` is true) | | every other branch: during the unwinding under executors that poll on the caller's stack, or when the runtime drops the panicked task (tokio multi-thread); a sibling whose destructor panics while cancelled does not stop the others from being dropped |
//! | [`catch_panic`] | the future | a panic becomes `Err(Panicked)` (`message()`, `into_payload()`, `resume()`) | | the future, as soon as it panicked |
//!
//! Dropping any of these futures drops every branch it still holds. Polling
//! one again after it completed panics with a message naming it. With
//! [`.limit(n)`](Parallel::limit), `parallel` and `settled` keep at most `n`
//! branches in flight and start the next as one finishes; `limit(0)` panics
//! naming the call. `race` over an empty collection panics at its first poll
//! (it could never finish). A combinator that a panic escaped must not be
//! polled again: what it does then is unspecified (typically it panics again),
//! never undefined behaviour. Wrap a branch in [`catch_panic`] to keep its panic
//! as a value: `settled` then keeps every outcome, and `parallel` fails fast on
//! a panic as on an error. Branches that are not wrapped pay nothing.
//!
//! # Results as they arrive
//!
//! `.stream()` turns `settled(iter)` or `parallel(iter)` into a
//! [`Stream`](https://docs.rs/futures-core/0.3/futures_core/stream/trait.Stream.html) of `(index, output)` in completion order,
//! on the same engine; [`settled_stream`](settled_stream()) and
//! [`parallel_stream`](parallel_stream()) take the branches from a `Stream`
//! instead, for inputs with no end. Memory stays bounded by the limit: each
//! output is handed over, not kept, and a consumer that stops pulling stops
//! new branches from starting (the input is pulled at most `limit` ahead).
//!
//! | stream | yields | on error | ends | cancels (drops) |
//! | --- | --- | --- | --- | --- |
//! | [`settled(iter).stream()`](Settled::stream), [`settled_stream(inputs, n)`](settled_stream()) | every `(index, output)` | nothing short-circuits | after every branch (and the input) | every branch in flight, when dropped |
//! | [`parallel(iter).stream()`](Parallel::stream), [`parallel_stream(inputs, n)`](parallel_stream()) | `(index, Ok(t))`, then the first `(index, Err(e))` | the first `Err` to arrive is the last item | after every branch, or at the first `Err` | every other branch at the first `Err`; every branch in flight, when dropped |
//!
//! `race` and `first_ok` have no stream of their own: a stream of every output
//! in completion order is `settled`'s (`race` is its first item, `first_ok`
//! its first `Ok`). The streams are fused: after their end they return `None`.
//!
//! # One task, many branches; `Send`
//!
//! Branches run *concurrently on the task that awaits the join*, not in
//! parallel on threads: while one branch waits (on I/O or a timer), the
//! others run; two CPU-bound branches of 300 ms each still take 600 ms. For
//! CPU-bound work, spawn it on your runtime's blocking pool and await the
//! handle in the branch (`tokio::task::spawn_blocking(move || work())`,
//! `smol::unblock(move || work())`, `async_std::task::spawn_blocking`).
//!
//! Nothing here is tied to a thread: every future is `Send` exactly when what
//! it holds is. A join is `Send` when its branches (and their outputs) are;
//! `parallel(iter)`, `settled(iter)`, … when the iterator and its futures are;
//! [`Timeout`], `Deadline::run` and [`Retry`] when the wrapped future (and the
//! retry's closures) are. So `tokio::spawn(parallel!(a, b))` works whenever
//! `tokio::spawn(a)` and `tokio::spawn(b)` would; the test suite spawns every
//! case on tokio's multi-thread runtime to hold this.
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
//! #[timeout(ms = 2000)]
//! async fn user(id: u32) -> Result<String, ApiError> { Ok(format!("user {id}")) }
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
//! let name = user(7).await?;                      // a step
//! // Every post at once, comments and likes side by side, keeping partial results.
//! let enriched = settled([1, 2, 3].map(|post| async move {
//!     let (comments, likes) = settled!(comments(post), likes(post)).await;
//!     (post, comments.unwrap_or_default(), likes.unwrap_or(0))
//! }))
//! .limit(10)
//! .await;
//! assert_eq!(name, "user 7");
//! assert_eq!(enriched[1], (2, vec!["nice post 2".to_string()], 0));
//! # Ok::<(), ApiError>(())
//! # }).unwrap();
//! ```
//!
//! # Stacking resilience attributes
//!
//! `#[retry]`, `#[circuit_breaker]`, `#[hedge]`, `#[timeout]` (and the limits'
//! attributes) stack on one `async fn` and compose like decorators, in
//! written order: the first one written is the outermost, and each wraps the
//! ones below it. The recommended order is resilience4j's, from the outside
//! in: **retry (or hedge), circuit breaker, rate limiter, timeout, bulkhead**
//! (`#[limit]`).
//!
//! - `#[retry]` / `#[hedge]` outermost: every attempt goes through the
//!   breaker, so the breaker counts each failed attempt, and once it opens
//!   the remaining attempts fail in microseconds with `E::from(CircuitOpen)`
//!   (give `#[retry]` a `when` that does not retry those).
//! - `#[circuit_breaker]` next: it counts every error produced below it (a
//!   timeout's `Elapsed` too) unless its `failure_when` says otherwise, and a
//!   refused call never reaches the rate limiter, the timeout or the body.
//! - the rate limiter then paces only the calls that really go out;
//! - `#[timeout]` bounds each of them, the wait for a bulkhead slot included;
//! - the bulkhead (`#[limit]`) innermost bounds how many bodies run at once.
//!
//! Another order means something else, and is sometimes what you want:
//! `#[circuit_breaker]` above `#[retry]` counts one failure per exhausted
//! retry loop (the body ran `times` times for each count), and `#[timeout]`
//! above `#[retry]` bounds all attempts and waits together.
//!
//! ```
//! use orchestrate::{circuit_breaker, retry, timeout, CircuitOpen, Elapsed};
//!
//! #[derive(Debug, PartialEq)]
//! enum ApiError { Down, TimedOut, Open }
//! impl From<Elapsed> for ApiError {
//!     fn from(_: Elapsed) -> Self { ApiError::TimedOut }
//! }
//! impl From<CircuitOpen> for ApiError {
//!     fn from(_: CircuitOpen) -> Self { ApiError::Open }
//! }
//!
//! #[retry(times = 3, backoff = constant(ms = 1), when = |e| *e != ApiError::Open)]
//! #[circuit_breaker(consecutive_failures = 2, open_for_secs = 30)]
//! #[timeout(ms = 500)]
//! async fn posts(runs: &mut u32) -> Result<u32, ApiError> {
//!     *runs += 1;
//!     Err(ApiError::Down)
//! }
//!
//! # futures::executor::block_on(async {
//! let mut runs = 0;
//! // Two attempts fail and open the breaker; the third is refused, not run.
//! assert_eq!(posts(&mut runs).await, Err(ApiError::Open));
//! assert_eq!(runs, 2);
//! # });
//! ```
//!
//! # Time
//!
//! A [`timeout`](timeout()) starts counting at its first poll and polls its
//! future before it checks the clock, so a future that is ready at once never
//! times out and never arms a timer. A [`Deadline`] is a fixed instant: share
//! one between sequential steps or parallel branches to give them one budget;
//! work nested in [`Deadline::run`] gives up by the tighter of its own limit
//! and the deadline. [`sleep`] waits on the same timer. The backend is
//! futures-timer unless a [`timer::with_timer`] scope or
//! [`timer::set_default_timer`] picks tokio's or async-io's; tests run on a
//! `testing::VirtualClock` (feature `test-util`) without waiting for real time.
//!
//! # Seeing what ran
//!
//! A [`timeline::Timeline`] records when each step and branch ran and how it
//! ended, as data and as a text Gantt chart; the `user_profile` example prints
//! one.

// docs.rs builds (`--cfg docsrs`) show the feature each gated item needs.
#![cfg_attr(docsrs, feature(doc_cfg))]

mod macros;

pub use orchestrate_core::limit;
pub use orchestrate_core::timeline;
pub use orchestrate_core::{
    AllFailed, Backoff, CatchPanic, Deadline, Delays, Elapsed, Fallible, FirstOk, Limiter,
    NotUntil, Panicked, Parallel, Permit, Race, RateLimiter, Rejected, Retry, Settled, Sleep,
    Timeout, TimeoutExt, TryTimeout, catch_panic, first_ok, parallel, race, retry, settled, sleep,
    sleep_until, testing, timeout, timer, try_timeout,
};
pub use orchestrate_core::{
    BreakerRun, BreakerState, CircuitBreaker, CircuitOpen, EveryError, Hedge, Hedged, IsFailure,
    hedge,
};
pub use orchestrate_core::{
    ParallelStream, SettledStream, StreamInputs, parallel_stream, settled_stream,
};
pub use orchestrate_macros::{circuit_breaker, hedge, limit, rate_limit, retry, timeout};

/// The names most programs need: `use orchestrate::prelude::*;` brings the
/// combinators, [`Deadline`], [`Elapsed`], [`try_timeout`](try_timeout()) and the
/// [`.timeout()`](TimeoutExt::timeout), [`.try_timeout()`](TimeoutExt::try_timeout)
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
        AllFailed, Backoff, Deadline, Elapsed, Limiter, RateLimiter, TimeoutExt, first_ok, limit,
        parallel, race, rate_limit, retry, settled, timeout, try_timeout,
    };
    pub use crate::{CircuitBreaker, CircuitOpen, Hedge, circuit_breaker, hedge};
}

// The README's examples are compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

/// Paths the macros expand to. Not public API; may change in any release.
#[doc(hidden)]
pub mod __private {
    pub use orchestrate_core::__private::*;
    pub use orchestrate_macros::{first_ok, parallel, race, settled};
}
