//! Executor-neutral combinators, timers and errors behind
//! [orchestrate](https://docs.rs/orchestrate).
//!
//! Depend on `orchestrate`, not on this crate: it re-exports everything here
//! together with the macros, and its documentation holds the guide.

// docs.rs builds (`--cfg docsrs`) show the feature each gated item needs.
#![cfg_attr(docsrs, feature(doc_cfg))]

mod all_failed;
mod branch;
mod breaker;
mod catch_panic;
mod collection;
mod hedge;
pub mod limit;
mod retry;
mod sync;
mod time;
pub mod timeline;

#[doc(hidden)]
pub mod __private;

pub use all_failed::AllFailed;
pub use breaker::{BreakerRun, BreakerState, CircuitBreaker, CircuitOpen, EveryError, IsFailure};
pub use catch_panic::{CatchPanic, Panicked, catch_panic};
pub use collection::{
    Fallible, FirstOk, Parallel, ParallelStream, Race, Settled, SettledStream, StreamInputs,
    first_ok, parallel, parallel_stream, race, settled, settled_stream,
};
pub use hedge::{Hedge, Hedged, hedge};
pub use limit::{Limiter, NotUntil, Permit, RateLimiter, Rejected};
pub use retry::{Backoff, Delays, Retry, retry};
pub use time::{
    Deadline, Elapsed, Sleep, Timeout, TimeoutExt, TryTimeout, sleep, sleep_until, testing,
    timeout, timer, try_timeout,
};
