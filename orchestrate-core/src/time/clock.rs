//! The one place the core reads the time, so a later clock (a virtual one in
//! tests) only has to change this file.

use std::time::Instant;

/// The current instant of the clock the core's timers run on.
#[inline]
pub(crate) fn now() -> Instant {
    Instant::now()
}
