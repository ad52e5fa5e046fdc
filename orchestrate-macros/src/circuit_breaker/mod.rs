//! `#[circuit_breaker(consecutive_failures = 5, open_for_secs = 30)]`: its
//! arguments (`args.rs`) and how it wraps the code below it (`expand.rs`);
//! stacking with other attributes is `compose.rs`'s.

pub(crate) mod args;
mod expand;

pub(crate) use args::BreakerArgs;
pub(crate) use expand::wrap;
