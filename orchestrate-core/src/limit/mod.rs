//! Limits shared across calls: a concurrency limit ([`Limiter`], a bulkhead)
//! and a rate limit ([`RateLimiter`]), and the futures and errors of their
//! methods.
//!
//! `.limit(n)` on a collection bounds one fan-out; these bound every call
//! made through them, from any task, at any depth.

mod gate;
mod limiter;
mod rate;
mod rejected;
mod scope;
mod with;

pub use gate::{Acquire, Permit, Run, TryRun};
pub use limiter::Limiter;
pub use rate::{NotUntil, RateLimiter, Throttled};
pub use rejected::Rejected;
pub use with::LimitWith;
