//! Time: timeouts, deadlines and sleeping, on an executor-neutral timer.

mod clock;
mod deadline;
mod elapsed;
mod ext;
mod sleep;
mod timeout;
mod timer;

pub use deadline::Deadline;
pub use elapsed::Elapsed;
pub use ext::TimeoutExt;
pub use sleep::{Sleep, sleep, sleep_until};
pub use timeout::{Timeout, timeout};
