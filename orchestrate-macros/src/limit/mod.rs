//! `#[limit(concurrency = N)]` / `#[limit(with = LIMITER)]`: its arguments
//! (`args.rs`) and how it wraps the code below it (`expand.rs`); stacking
//! with other attributes is `compose.rs`'s.

pub(crate) mod args;
mod expand;

pub(crate) use args::LimitArgs;
pub(crate) use expand::wrap;
