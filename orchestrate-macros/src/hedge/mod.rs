//! `#[hedge(after_ms = 50, max_extra = 1)]`: its arguments (`args.rs`) and
//! how it wraps the code below it (`expand.rs`); stacking with other
//! attributes is `compose.rs`'s.

pub(crate) mod args;
mod expand;

pub(crate) use args::HedgeArgs;
pub(crate) use expand::{check, wrap};
