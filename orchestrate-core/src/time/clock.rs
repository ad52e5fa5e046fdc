//! The one place the core reads the time: through the current timer backend,
//! so that a virtual clock in scope is seen by deadlines, timeouts, sleeps and
//! retries alike.

use std::time::Instant;

/// The current instant of the clock the core's timers run on.
#[inline]
pub(crate) fn now() -> Instant {
    super::timer::now()
}
