//! `#[rate_limit(per_sec = N)]` / `#[rate_limit(with = RATE)]`: its
//! arguments (`args.rs`) and how it wraps the code below it (`expand.rs`);
//! stacking with other attributes is `compose.rs`'s.

pub(crate) mod args;
mod expand;

pub(crate) use args::RateLimitArgs;
pub(crate) use expand::wrap;
