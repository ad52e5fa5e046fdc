//! Procedural macros of [orchestrate](https://docs.rs/orchestrate). Depend on
//! `orchestrate` and use them from there: the function-like macros are reached
//! through the facade's `parallel!`, `settled!`, `race!` and `first_ok!`, which
//! pass it their own path so expansions work under a renamed dependency.
//!
//! Layout: `args.rs` (the argument layer every attribute parses through),
//! `compose.rs` (how the attributes stack), `timeout/`, `retry/`, `limit/`,
//! `rate_limit/`, `circuit_breaker/` and `hedge/` (each its keys and how it
//! wraps the code below it, over the shared `item.rs`), and
//! `join/` (input → expand);
//! every error is a `syn::Error` on the offending tokens, never a panic.

mod args;
mod circuit_breaker;
mod compose;
mod errors;
mod hedge;
mod item;
mod join;
mod limit;
mod rate_limit;
mod retry;
mod timeout;

use proc_macro::TokenStream;

/// Puts a time limit on an `async fn`, in any runtime.
///
/// `#[timeout(ms = N)]` or `#[timeout(secs = N)]` (a positive literal, or the
/// name of a `u64` constant). The signature stays exactly as written; only the
/// body is wrapped in [`orchestrate::timeout`](https://docs.rs/orchestrate/latest/orchestrate/fn.timeout.html),
/// whose clock starts when the returned future is first polled. The fn must
/// return `Result<T, E>` with `E: From<orchestrate::Elapsed>`: on expiry the
/// body's future is dropped and the call returns `Err(E::from(elapsed))`
/// (or `Err(build(elapsed))` with `on_timeout = build`, below).
/// `?` and `return` in the body work as before.
///
/// It works on free fns, methods with any receiver, generic fns, `async fn` in
/// trait impls and trait default bodies, and on methods rewritten by
/// `#[async_trait]`.
///
/// | option | meaning |
/// | --- | --- |
/// | `ms = 2000` / `secs = 2` | the limit: a positive literal or the name of a `u64` constant (required) |
/// | `on_timeout = build` | builds the error of a timed-out call: `Err(build(elapsed))` instead of `Err(E::from(elapsed))`; a closure or a `fn(Elapsed) -> E` |
/// | `crate = "orch"` | the path of a renamed `orchestrate` dependency |
///
/// ```
/// use orchestrate::{timeout, Elapsed};
///
/// #[derive(Debug)]
/// enum ApiError { TimedOut(Elapsed), NotFound }
/// impl From<Elapsed> for ApiError {
///     fn from(e: Elapsed) -> Self { ApiError::TimedOut(e) }
/// }
///
/// #[timeout(ms = 50)]
/// async fn fetch_user(id: u32) -> Result<String, ApiError> {
///     if id == 0 { return Err(ApiError::NotFound); }
///     orchestrate::sleep(std::time::Duration::from_millis(u64::from(id))).await;
///     Ok(format!("user {id}"))
/// }
///
/// # futures::executor::block_on(async {
/// assert_eq!(fetch_user(1).await.unwrap(), "user 1");
/// match fetch_user(5_000).await {
///     Err(ApiError::TimedOut(e)) => assert_eq!(e.to_string(), "timed out after 50ms"),
///     other => panic!("{other:?}"),
/// }
/// # });
/// ```
///
/// # When the error type cannot have `From<Elapsed>`
///
/// Such as another crate's error (the orphan rule forbids the impl), like
/// `reqwest::Error` or `std::fmt::Error`: say how to build it with
/// `on_timeout`, a closure or a `fn(Elapsed) -> E` given the `Elapsed`. The
/// other way out is an error enum of your own that wraps it next to the
/// `Elapsed`. `on_timeout` also works with `#[retry]` on either side.
///
/// ```
/// use std::time::Duration;
/// use orchestrate::{timeout, Elapsed};
///
/// fn io_timeout(elapsed: Elapsed) -> std::io::Error {
///     std::io::Error::new(std::io::ErrorKind::Other, format!("read: {elapsed}"))
/// }
///
/// #[timeout(ms = 10, on_timeout = |_| std::fmt::Error)]
/// async fn render(wait_ms: u64) -> Result<String, std::fmt::Error> {
///     orchestrate::sleep(Duration::from_millis(wait_ms)).await;
///     Ok("page".to_string())
/// }
///
/// #[timeout(ms = 10, on_timeout = io_timeout)]
/// async fn read(wait_ms: u64) -> std::io::Result<u32> {
///     orchestrate::sleep(Duration::from_millis(wait_ms)).await;
///     Ok(1)
/// }
///
/// # futures::executor::block_on(async {
/// assert_eq!(render(60_000).await, Err(std::fmt::Error));
/// assert_eq!(read(60_000).await.unwrap_err().to_string(), "read: timed out after 10ms");
/// # });
/// ```
#[proc_macro_attribute]
pub fn timeout(args: TokenStream, item: TokenStream) -> TokenStream {
    compose::attribute("timeout", args.into(), item.into()).into()
}

/// Retries an `async fn` that returns `Result`, in any runtime.
///
/// `#[retry(times = N)]` runs the body at most `N` times (the first run
/// included) until it returns `Ok`, waiting between attempts as the backoff
/// says; once the attempts are spent it returns the last `Err`. The signature
/// stays exactly as written. Each attempt re-runs the body in place, borrowing
/// the arguments, so methods on `&mut self` are retried as they are (a body
/// that consumes an argument by value must clone it).
///
/// | option | meaning | default |
/// | --- | --- | --- |
/// | `times = 3` | the most runs in all (a positive literal or a `u32` constant) | required |
/// | `backoff = none` | retry at once | |
/// | `backoff = constant(ms = 200, jitter = 0.5)` | the same wait each time | |
/// | `backoff = exponential(ms = 100, max_ms = 5000, factor = 2.0, jitter = 0.5)` | waits that grow `factor` times, capped at `max_ms` | `exponential(ms = 100)` |
/// | `backoff = fibonacci(secs = 1, max_secs = 30)` | waits that grow like the Fibonacci numbers | |
/// | `total_ms = N` / `total_secs = N` | no retry starts after this much time since the first attempt | no limit |
/// | `when = is_transient` | which errors are retried: a `fn(&E) -> bool` or a closure | every error |
/// | `notify = log_retry` | called as `notify(&error, delay)` on each failed attempt that is retried | nothing |
/// | `on_retry = \|e, delay, attempt\| …` | the same, with `attempt: u32`, the 1-based number of the attempt that failed | nothing |
/// | `policy = expr` | any [`orchestrate::Backoff`](https://docs.rs/orchestrate/latest/orchestrate/struct.Backoff.html) instead of `times`/`backoff`/`total_*` | |
/// | `crate = "orch"` | the path of a renamed `orchestrate` dependency | `::orchestrate` |
///
/// Durations take `ms` or `secs`; `jitter` is the fraction of each delay left
/// to chance, from 0.0 to 1.0. A closure given to `when`, `notify` or
/// `on_retry` may capture the fn's arguments (and `self`): it runs between
/// attempts, when no attempt borrows them. A deadline in scope
/// ([`Deadline::run`](https://docs.rs/orchestrate/latest/orchestrate/struct.Deadline.html#method.run))
/// stops retries that would outlast it; a timeout (a `#[timeout]` above,
/// or one around the call) does not: its expiry is the call's outcome.
///
/// # With `#[timeout]`
///
/// They compose like decorators, the outer one written first:
///
/// - `#[retry(…)]` above `#[timeout(…)]`: each attempt gets the time limit;
///   an attempt that runs out fails with `E::from(elapsed)` and is retried
///   like any other error (unless `when` says otherwise).
/// - `#[timeout(…)]` above `#[retry(…)]`: the limit covers the whole call,
///   every attempt and wait included. When it runs out the call returns
///   `Err(E::from(elapsed))` at that instant: retries are cut short early
///   only by a deadline around the call (`Deadline::run`), never by this
///   limit, so a looser deadline around it changes neither the error nor
///   the timing.
///
/// ```
/// use std::time::Duration;
/// use orchestrate::{retry, timeout, Elapsed};
///
/// #[derive(Debug, PartialEq)]
/// enum ApiError { Busy, TimedOut }
/// impl From<Elapsed> for ApiError {
///     fn from(_: Elapsed) -> Self { ApiError::TimedOut }
/// }
///
/// struct Client { calls: u32 }
///
/// impl Client {
///     #[timeout(secs = 5)]                                  // the whole call
///     #[retry(times = 4, backoff = exponential(ms = 1, max_ms = 10),
///             when = |e| *e == ApiError::Busy)]
///     #[timeout(ms = 500)]                                  // each attempt
///     async fn fetch(&mut self) -> Result<u32, ApiError> {
///         self.calls += 1;
///         if self.calls < 3 { Err(ApiError::Busy) } else { Ok(self.calls) }
///     }
/// }
///
/// # futures::executor::block_on(async {
/// let mut client = Client { calls: 0 };
/// assert_eq!(client.fetch().await, Ok(3));
/// # });
/// ```
///
/// The hooks, capturing an argument:
///
/// ```
/// use std::time::Duration;
/// use orchestrate::retry;
///
/// #[retry(times = 3, backoff = constant(ms = 1),
///         on_retry = |e: &String, delay, attempt| log.push(format!("attempt {attempt}: {e}, next in {delay:?}")))]
/// async fn flaky(log: &mut Vec<String>) -> Result<(), String> {
///     Err("busy".to_string())
/// }
///
/// # futures::executor::block_on(async {
/// let mut log = Vec::new();
/// assert!(flaky(&mut log).await.is_err());
/// assert_eq!(log, ["attempt 1: busy, next in 1ms", "attempt 2: busy, next in 1ms"]);
/// # });
/// ```
#[proc_macro_attribute]
pub fn retry(args: TokenStream, item: TokenStream) -> TokenStream {
    compose::attribute("retry", args.into(), item.into()).into()
}

/// Bounds how many calls of an `async fn` run at once (a bulkhead), in any
/// runtime.
///
/// `#[limit(concurrency = N)]` gives the fn a hidden `static`
/// [`Limiter`](https://docs.rs/orchestrate/latest/orchestrate/struct.Limiter.html)
/// of its own (one per fn: every caller, task and instance of a generic fn
/// shares it); `#[limit(with = API)]` runs the calls through a named one, any
/// expression that is a `Limiter` or leads to one by reference (a `static`,
/// `&'static Limiter`, `Arc<Limiter>`, a field like `self.api`), so several
/// fns share one bound. A call waits for a permit in arrival order
/// ([`Limiter::run`](https://docs.rs/orchestrate/latest/orchestrate/struct.Limiter.html#method.run)),
/// runs, and returns the permit when it finishes, fails, panics or is
/// dropped. The signature stays exactly as written, and the fn need not
/// return a `Result`.
///
/// | option | meaning |
/// | --- | --- |
/// | `concurrency = 4` | a limiter of the fn's own: at most 4 calls at once (a positive literal or a `usize` constant) |
/// | `with = API` | a shared [`Limiter`](https://docs.rs/orchestrate/latest/orchestrate/struct.Limiter.html) instead |
/// | `max_waiting = 16` | with `concurrency` or `with`: when 16 calls already wait (for a named limiter: 16 calls of any fn), a call returns `Err(E::from(Rejected))` at once ([`Limiter::try_run`](https://docs.rs/orchestrate/latest/orchestrate/struct.Limiter.html#method.try_run)); the fn must return `Result<T, E>` with `E: From<orchestrate::Rejected>` |
/// | `crate = "orch"` | the path of a renamed `orchestrate` dependency |
///
/// Without `max_waiting`, `#[limit(with = …)]` waits as long as it takes
/// (the bound a named limiter is built with, `Limiter::new(4).max_waiting(16)`,
/// applies to its own `try_run`). Limiters are re-entrant: a call made under a permit of `API`
/// (at any depth) takes no second one, so put the limit on the leaf fns that
/// call the resource; the levels above them need none.
///
/// ```
/// use orchestrate::{limit, settled, Limiter};
///
/// /// The API allows 2 requests at once, whoever makes them.
/// static API: Limiter = Limiter::new(2);
///
/// #[limit(with = API)]
/// async fn comments(post: u32) -> Vec<String> {
///     assert!(API.in_flight() <= 2);
///     vec![format!("comment on {post}")]
/// }
///
/// #[limit(concurrency = 1)]
/// async fn audit(post: u32) -> u32 {
///     post
/// }
///
/// # futures::executor::block_on(async {
/// let all = settled((1..=5).map(comments)).await;
/// assert_eq!(all.len(), 5);
/// assert_eq!(settled((1..=3).map(audit)).await, [1, 2, 3]);
/// assert_eq!(API.in_flight(), 0);
/// # });
/// ```
///
/// # With `#[timeout]` and `#[retry]`
///
/// They stack like decorators, the outer one written first:
///
/// - `#[timeout]` above `#[limit]`: the time spent waiting for a permit
///   counts toward the time limit (a call that cannot get one in time fails
///   with `Elapsed`). Below it: only the call itself is timed, once it holds
///   a permit.
/// - `#[retry]` above `#[limit]`: each attempt takes a permit and returns it
///   before the backoff's wait, so waiting retries do not hold the bound.
///   `#[limit]` above `#[retry]`: one permit for the whole call, attempts and
///   waits included.
///
/// ```
/// use orchestrate::{limit, retry, timeout, Elapsed, Rejected};
///
/// #[derive(Debug, PartialEq)]
/// enum ApiError { TimedOut, Busy, Down }
/// impl From<Elapsed> for ApiError { fn from(_: Elapsed) -> Self { ApiError::TimedOut } }
/// impl From<Rejected> for ApiError { fn from(_: Rejected) -> Self { ApiError::Busy } }
///
/// #[timeout(secs = 2)]                          // waiting included
/// #[retry(times = 3, backoff = constant(ms = 1))]
/// #[limit(concurrency = 4, max_waiting = 100)]  // a permit per attempt
/// async fn fetch(id: u32) -> Result<u32, ApiError> {
///     if id == 0 { Err(ApiError::Down) } else { Ok(id) }
/// }
///
/// # futures::executor::block_on(async {
/// assert_eq!(fetch(7).await, Ok(7));
/// assert_eq!(fetch(0).await, Err(ApiError::Down));
/// # });
/// ```
#[proc_macro_attribute]
pub fn limit(args: TokenStream, item: TokenStream) -> TokenStream {
    compose::attribute("limit", args.into(), item.into()).into()
}

/// Paces the calls of an `async fn`: at most `n` start per period, in any
/// runtime (GCRA, as governor; the waits run on orchestrate's timers, so the
/// virtual clock tests them exactly).
///
/// A call waits for its turn (in arrival order), then runs; it never fails
/// for the rate, so the fn need not return a `Result`. The signature stays
/// exactly as written. Without `with`, the fn has a hidden `static`
/// [`RateLimiter`](https://docs.rs/orchestrate/latest/orchestrate/struct.RateLimiter.html)
/// of its own (one per fn, shared by every caller).
///
/// | option | meaning |
/// | --- | --- |
/// | `per_sec = 50` | 50 starts a second, one every 20 ms after a burst |
/// | `per_min = 600` | per minute |
/// | `calls = 5, period_ms = 100` (or `period_secs`) | any period |
/// | `burst = 10` | up to 10 starts at once after a quiet spell (default: the rate's `n`) |
/// | `with = RATE` | a shared [`RateLimiter`](https://docs.rs/orchestrate/latest/orchestrate/struct.RateLimiter.html) (or a reference, `Arc` or `Box` of one) instead |
/// | `crate = "orch"` | the path of a renamed `orchestrate` dependency |
///
/// Counts are positive literals or `u32` constants. Over any window of
/// length `t`, at most `burst + n·t/period` calls start.
///
/// ```
/// use std::time::Duration;
/// use orchestrate::{rate_limit, settled, timer, RateLimiter};
///
/// #[rate_limit(calls = 1, period_ms = 10)]
/// async fn ping(n: u32) -> u32 {
///     n
/// }
///
/// static RATE: RateLimiter = RateLimiter::per_second(1000).burst(1);
///
/// #[rate_limit(with = RATE)]
/// async fn pong(n: u32) -> u32 {
///     n
/// }
///
/// # futures::executor::block_on(async {
/// let start = timer::now();
/// assert_eq!(settled((0..3).map(ping)).await, [0, 1, 2]);
/// // The 2nd and 3rd start 10 ms apart.
/// assert!(timer::now() - start >= Duration::from_millis(20));
/// assert_eq!(pong(1).await, 1);
/// # });
/// ```
///
/// # With `#[timeout]`, `#[retry]` and `#[limit]`
///
/// - `#[timeout]` above `#[rate_limit]`: waiting for the turn counts toward
///   the time limit; below it, only the call.
/// - `#[retry]` above `#[rate_limit]`: every attempt is a start and waits
///   for its turn; `#[rate_limit]` above `#[retry]`: one start per call,
///   whatever its retries.
/// - `#[rate_limit]` above `#[limit]`: a call takes its turn, then waits for
///   a permit; `#[limit]` above `#[rate_limit]`: a call holds a permit while
///   it waits for its turn.
#[proc_macro_attribute]
pub fn rate_limit(args: TokenStream, item: TokenStream) -> TokenStream {
    compose::attribute("rate_limit", args.into(), item.into()).into()
}

/// Puts an `async fn` that returns `Result` behind a circuit breaker, in any
/// runtime.
///
/// After enough failures the breaker opens: for `open_for` every call
/// returns `Err(E::from(CircuitOpen))` at once, its body never run; then the
/// next call finds it half-open and runs as a trial, `half_open_calls`
/// successes closing it and any failure opening it again. The signature
/// stays exactly as written; the error type needs
/// `From<orchestrate::CircuitOpen>`. See
/// [`orchestrate::CircuitBreaker`](https://docs.rs/orchestrate/latest/orchestrate/struct.CircuitBreaker.html)
/// for what counts as a failure.
///
/// | option | meaning | default |
/// | --- | --- | --- |
/// | `consecutive_failures = 5` | opens after this many failures in a row | one of these two is required |
/// | `failure_rate = 0.5, window_calls = 20` | opens when this fraction (in (0, 1]) of the last `window_calls` calls failed | |
/// | `min_calls = 10` | with `failure_rate`: the rate is judged once this many calls were counted | `window_calls` |
/// | `open_for_ms = N` / `open_for_secs = N` | how long it stays open | 30 s |
/// | `half_open_calls = 1` | the trial calls while half-open | 1 |
/// | `with = BREAKER` | a [`CircuitBreaker`](https://docs.rs/orchestrate/latest/orchestrate/struct.CircuitBreaker.html) of yours (a `static`, a field: any expression), instead of the keys above | |
/// | `crate = "orch"` | the path of a renamed `orchestrate` dependency | `::orchestrate` |
///
/// Without `with`, the breaker is a hidden `static`, **one per fn**: every
/// call of the fn shares it (every `self` of a method too). To share one
/// breaker between several fns, or to give each value its own, build a
/// `CircuitBreaker` and pass it with `with = …`.
///
/// ```
/// use std::time::Duration;
/// use orchestrate::{circuit_breaker, CircuitOpen};
///
/// #[derive(Debug, PartialEq)]
/// enum ApiError { Down, Open }
/// impl From<CircuitOpen> for ApiError {
///     fn from(_: CircuitOpen) -> Self { ApiError::Open }
/// }
///
/// #[circuit_breaker(consecutive_failures = 2, open_for_secs = 30)]
/// async fn posts(up: bool) -> Result<u32, ApiError> {
///     if up { Ok(3) } else { Err(ApiError::Down) }
/// }
///
/// # futures::executor::block_on(async {
/// assert_eq!(posts(false).await, Err(ApiError::Down));
/// assert_eq!(posts(false).await, Err(ApiError::Down));
/// // Open: refused at once for 30 s, the body not run.
/// assert_eq!(posts(true).await, Err(ApiError::Open));
/// # });
/// ```
///
/// One breaker shared by two fns, counting only the errors that say the
/// service is down:
///
/// ```
/// use std::time::Duration;
/// use orchestrate::{circuit_breaker, BreakerState, CircuitBreaker, CircuitOpen};
///
/// #[derive(Debug, PartialEq)]
/// enum ApiError { NotFound, Unavailable, Open }
/// impl From<CircuitOpen> for ApiError {
///     fn from(_: CircuitOpen) -> Self { ApiError::Open }
/// }
///
/// static API: CircuitBreaker<fn(&ApiError) -> bool> =
///     CircuitBreaker::failure_rate(0.5, 4)
///         .open_for(Duration::from_secs(10))
///         .failure_when(|e: &ApiError| *e == ApiError::Unavailable);
///
/// #[circuit_breaker(with = API)]
/// async fn user(id: u32) -> Result<u32, ApiError> {
///     if id == 0 { Err(ApiError::NotFound) } else { Err(ApiError::Unavailable) }
/// }
///
/// #[circuit_breaker(with = API)]
/// async fn posts(id: u32) -> Result<u32, ApiError> { Ok(id) }
///
/// # futures::executor::block_on(async {
/// assert_eq!(user(0).await, Err(ApiError::NotFound)); // not a failure
/// assert_eq!(posts(1).await, Ok(1));
/// assert_eq!(user(1).await, Err(ApiError::Unavailable));
/// assert_eq!(user(1).await, Err(ApiError::Unavailable));
/// assert_eq!(posts(1).await, Ok(1));
/// // 2 failures of the last 4 counted calls: open for both fns.
/// assert_eq!(API.state(), BreakerState::Open);
/// assert_eq!(posts(1).await, Err(ApiError::Open));
/// # });
/// ```
///
/// # Stacking
///
/// With `#[retry]`, `#[timeout]`, `#[limit]`, `#[rate_limit]` and `#[hedge]`
/// it composes in written order, the outer one first; the recommended order
/// is in the [crate docs](https://docs.rs/orchestrate/latest/orchestrate/#stacking-resilience-attributes).
/// Under `#[retry]`, a refused attempt fails in microseconds but the retry
/// still waits out its backoff before the next one: add
/// `when = |e| !matches!(e, ApiError::Open)` (your `CircuitOpen` variant) so
/// that a refusal ends the call at once.
///
/// The hidden breaker of `#[circuit_breaker(consecutive_failures = …)]` is
/// one per fn: every caller, every `self` of a method and every instance of
/// a generic fn share it (`with = self.breaker` for one per value).
#[proc_macro_attribute]
pub fn circuit_breaker(args: TokenStream, item: TokenStream) -> TokenStream {
    compose::attribute("circuit_breaker", args.into(), item.into()).into()
}

/// Hedges an `async fn` that returns `Result`, in any runtime: if no attempt
/// has succeeded `after` the latest one started, another starts (at most
/// `max_extra` more), and the first `Ok` wins, the others dropped at that
/// instant. An attempt that fails before then starts the next one at once,
/// without waiting for `after`. If every attempt fails, the fn returns the
/// last error.
///
/// The body runs once per attempt, at the same time, borrowing the
/// arguments (and `self`): a body that consumes an argument by value does
/// not compile (clone it inside, or take a reference), and a method takes
/// `&self`, not `&mut self`. The signature stays exactly as written. Hedge
/// only what is safe to run twice (reads, idempotent writes).
///
/// | option | meaning | default |
/// | --- | --- | --- |
/// | `after_ms = N` / `after_secs = N` | the delay before another attempt | required (or `with`) |
/// | `max_extra = 1` | the most attempts besides the first | 1 |
/// | `with = HEDGE` | a [`Hedge`](https://docs.rs/orchestrate/latest/orchestrate/struct.Hedge.html) of yours, such as an adaptive one shared across calls, instead of the keys above | |
/// | `crate = "orch"` | the path of a renamed `orchestrate` dependency | `::orchestrate` |
///
/// ```
/// use std::sync::atomic::{AtomicU32, Ordering};
/// use std::time::Duration;
/// use orchestrate::{hedge, sleep};
///
/// static CALLS: AtomicU32 = AtomicU32::new(0);
///
/// #[hedge(after_ms = 10)]
/// async fn profile(id: &str) -> Result<String, std::io::Error> {
///     // The first attempt hangs; the hedged one answers.
///     if CALLS.fetch_add(1, Ordering::Relaxed) == 0 {
///         sleep(Duration::from_secs(60)).await;
///     }
///     Ok(format!("profile of {id}"))
/// }
///
/// # futures::executor::block_on(async {
/// assert_eq!(profile("ada").await.unwrap(), "profile of ada");
/// assert_eq!(CALLS.load(Ordering::Relaxed), 2);
/// # });
/// ```
///
/// With an adaptive delay, kept across calls:
///
/// ```
/// use std::time::Duration;
/// use orchestrate::{hedge, Hedge};
///
/// static HEDGE: Hedge = Hedge::after(Duration::from_millis(50))
///     .adaptive(0.95)
///     .min_delay(Duration::from_millis(5));
///
/// #[hedge(with = HEDGE)]
/// async fn search(query: &str) -> Result<usize, std::io::Error> {
///     Ok(query.len())
/// }
///
/// # futures::executor::block_on(async {
/// assert_eq!(search("tail").await.unwrap(), 4);
/// # });
/// ```
///
/// # Stacking
///
/// It composes with the other attributes in written order, the outer one
/// first: `#[timeout]` above `#[hedge]` limits the whole hedged call, below
/// it each attempt; `#[circuit_breaker]` below it counts every attempt;
/// `#[limit]` below it takes a permit per attempt, so with every permit held
/// (by the first attempt of a `concurrency = 1` fn, say) a hedged attempt
/// waits for one and hedging does nothing until then. See
/// the [crate docs](https://docs.rs/orchestrate/latest/orchestrate/#stacking-resilience-attributes).
#[proc_macro_attribute]
pub fn hedge(args: TokenStream, item: TokenStream) -> TokenStream {
    compose::attribute("hedge", args.into(), item.into()).into()
}

/// The engine of `orchestrate::parallel!`; call that instead.
#[doc(hidden)]
#[proc_macro]
pub fn parallel(input: TokenStream) -> TokenStream {
    join::macro_call(join::Kind::Parallel, input.into()).into()
}

/// The engine of `orchestrate::settled!`; call that instead.
#[doc(hidden)]
#[proc_macro]
pub fn settled(input: TokenStream) -> TokenStream {
    join::macro_call(join::Kind::Settled, input.into()).into()
}

/// The engine of `orchestrate::race!`; call that instead.
#[doc(hidden)]
#[proc_macro]
pub fn race(input: TokenStream) -> TokenStream {
    join::macro_call(join::Kind::Race, input.into()).into()
}

/// The engine of `orchestrate::first_ok!`; call that instead.
#[doc(hidden)]
#[proc_macro]
pub fn first_ok(input: TokenStream) -> TokenStream {
    join::macro_call(join::Kind::FirstOk, input.into()).into()
}
