//! `#[retry(times = N, backoff = …)]`: its arguments (`args.rs`, with the
//! `backoff` grammar in `backoff.rs`) and how it wraps the code below it
//! (`expand.rs`); stacking with other attributes is `compose.rs`'s.

pub(crate) mod args;
mod backoff;
mod expand;

pub(crate) use args::RetryArgs;
pub(crate) use expand::wrap;
