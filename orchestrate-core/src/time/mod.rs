//! Time: timeouts, deadlines and sleeping, on a swappable timer backend.

mod clock;
mod deadline;
mod elapsed;
mod ext;
mod limit;
mod sleep;
mod timeout;
pub mod timer;
mod try_timeout;
#[cfg(feature = "test-util")]
mod virtual_clock;

pub(crate) use clock::{instant, now, now_nanos};
pub use deadline::Deadline;
pub use elapsed::Elapsed;
pub use ext::TimeoutExt;
pub use sleep::{Sleep, sleep, sleep_until};
pub use timeout::{Timeout, timeout};
pub use try_timeout::{TryTimeout, try_timeout};

/// Test utilities for time (feature `test-util`): a `VirtualClock` that
/// timeouts, deadlines, sleeps and retries run on, in any runtime, without
/// waiting for real time.
///
/// Enable it for tests only:
///
/// ```toml
/// [dev-dependencies]
/// orchestrate = { version = "…", features = ["test-util"] }
/// ```
///
/// Without the feature this module is empty.
pub mod testing {
    #[cfg(feature = "test-util")]
    pub use super::virtual_clock::{VirtualClock, VirtualScope};
}
