//! Joins over collections: any number of branches, decided at run time.

mod driver;
mod fallible;
mod first_ok;
mod outputs;
mod parallel;
mod race;
#[allow(unsafe_code)]
mod raw;
mod ready_set;
// Model-checks of the wake set's protocol, under every interleaving.
#[cfg(all(test, loom))]
mod ready_set_loom;
mod settled;
mod source;
mod stream;

pub use fallible::Fallible;
pub use first_ok::{FirstOk, first_ok};
pub use parallel::{Parallel, parallel};
pub use race::{Race, race};
pub use settled::{Settled, settled};
pub use source::StreamInputs;
pub use stream::{ParallelStream, SettledStream, parallel_stream, settled_stream};
