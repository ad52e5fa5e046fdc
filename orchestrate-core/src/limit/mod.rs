//! Limits shared across calls: a concurrency limit ([`Limiter`], a bulkhead)
//! and a rate limit ([`RateLimiter`]), and the futures and errors of their
//! methods.
//!
//! `.limit(n)` on a collection bounds one fan-out; these bound every call
//! made through them, from any task, at any depth.

mod limiter;
mod rate;
mod scope;

pub use limiter::{Acquire, Limiter, Permit, Rejected, Run, TryRun};
pub use rate::{NotUntil, RateLimiter, Throttled};
