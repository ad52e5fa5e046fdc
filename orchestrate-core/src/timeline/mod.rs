//! An opt-in timeline of an orchestration: when each step and branch ran and
//! how it ended, as plain data, as a text Gantt chart, and as Trace Event
//! JSON or SVG for other tools ([`Timeline::to_chrome_trace`],
//! [`Timeline::to_svg`]).
//!
//! Start with [`Timeline`]:
//!
//! ```
//! use orchestrate::timeline::{Outcome, Timeline};
//!
//! # futures::executor::block_on(async {
//! let timeline = Timeline::new();
//! let user = timeline.step("GET /user", async { Ok::<_, ()>("ada") }).await;
//! assert_eq!(user, Ok("ada"));
//! assert_eq!(timeline.entries()[0].outcome, Outcome::Ok);
//! print!("{}", timeline.chart());
//! # });
//! ```

mod attempt;
mod chart;
mod entry;
mod export;
mod recorder;
#[cfg(feature = "tracing")]
mod tracing;

pub use chart::Chart;
pub use entry::{Attempt, Classify, Entry, Outcome};
pub use recorder::{Recorded, Timeline};

pub(crate) use attempt::AttemptMark;
pub(crate) use attempt::{Attempted, attempt};
pub(crate) use recorder::{note_refused, note_timeout};

/// The timeline's clock: the core's, so a virtual clock in scope is seen.
fn now() -> std::time::Instant {
    crate::time::now()
}
