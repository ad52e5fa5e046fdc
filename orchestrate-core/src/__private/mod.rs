//! Support for the expansions of `orchestrate-macros`. Not public API: only the
//! macros name these items, through `orchestrate::__private`, so that an
//! expansion never depends on what the user's crate has in scope.

mod as_breaker;
mod branch;
mod checks;
mod joins;
mod limit;
mod limited;
mod resilience;
mod retry;
mod timeout;

pub use crate::branch::Branch;
pub use as_breaker::{AsBreaker, as_breaker};
pub use checks::*;
pub use joins::*;
pub use limit::{AsLimiter, AsRateLimiter, FromRejected, LimitResult, try_run_within};
pub use limited::{Limited, LimitedError, elapsed_into, limited};
pub use resilience::{
    AsResult, BreakerCall, BreakerResult, Conversions, FromCircuitOpen, HedgeResult, as_result,
    breaker_call, breaker_parts, hedge_call, hedge_parts, hedge_with,
};
pub use retry::{RetryLoop, RetryOutput, retry_any, retry_quiet, retry_quiet_attempt};
pub use timeout::{FromElapsed, TimeoutResult};

pub use crate::{AllFailed, Backoff, CircuitBreaker, sleep, timeout};
pub use crate::{Limiter, RateLimiter};
pub use core::convert::identity;
pub use core::future::{Future, IntoFuture};
pub use core::marker::PhantomData;
pub use core::option::Option::{self, None, Some};
pub use core::panic;
pub use core::pin::Pin;
pub use core::result::Result::{self, Err, Ok};
pub use core::task::{Context, Poll};
pub use core::time::Duration;
pub use pin_project_lite::pin_project;
pub use std::boxed::Box;
pub use std::convert::Into;
pub use std::ops::Fn;
pub use std::vec::Vec;
