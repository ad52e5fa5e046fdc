//! Retries: [`retry`] with a [`Backoff`] policy, and the state the
//! `#[retry]` attribute's expansion keeps.

mod backoff;
mod future;

pub(crate) use backoff::Attempts;
pub use backoff::{Backoff, Delays};
pub use future::{Retry, retry};
