//! Helpers of the integration tests, by topic; each test binary imports the
//! ones it uses.
//!
//! - [`runtimes`]: [`runtime_tests!`], one `#[test]` per case and runtime;
//! - [`time`]: short durations and the virtual clock;
//! - [`guards`]: drop counters, in-flight counters, flags;
//! - [`branches`]: tiny executor-neutral branches, polling one by hand;
//! - [`remote`](mod@remote), [`exec`], [`target`]: the reliability machinery (branches
//!   completed by hand with an event log, a hand-written executor that
//!   reports lost wakes, every combinator behind one [`target::Target`]).
//!
//! Everything is also at the root, for the paths test bodies name
//! (`support::cancelled`, `common::ms`).

// The helpers panic by design: that is how a test fails.
#![allow(clippy::missing_panics_doc)]

pub mod branches;
pub mod exec;
pub mod guards;
pub mod remote;
pub mod runtimes;
pub mod target;
pub mod time;

pub use branches::*;
pub use exec::*;
pub use guards::*;
pub use remote::*;
pub use runtimes::*;
pub use target::*;
pub use time::*;
