//! An opt-in timeline of an orchestration: when each step and branch ran and
//! how it ended, as plain data and as a text Gantt chart.
//!
//! Start with [`Timeline`].

mod chart;
mod entry;
mod recorder;

pub use chart::Chart;
pub use entry::{Classify, Entry, Outcome};
pub use recorder::{Recorded, Timeline};

#[allow(unused_imports)] // Called from the timeout expiry path once the timer rework lands.
pub(crate) use recorder::note_timeout;

/// The timeline's clock.
fn now() -> std::time::Instant {
    std::time::Instant::now()
}
