//! Durations of the tests, and the virtual clock they run on.

#[cfg(feature = "test-util")]
use std::future::IntoFuture;
use std::time::Duration;

/// Runs `body` on a fresh auto-advancing virtual clock (feature `test-util`):
/// every timer armed inside it is virtual, and the clock jumps to the next one
/// as soon as everything in it waits. Take instants inside `body` from
/// `orchestrate::timer::now()`, not `Instant::now()`. (`tests/integration/time.rs` keeps a
/// copy of its own.)
#[cfg(feature = "test-util")]
pub async fn on_virtual_time<T>(body: impl IntoFuture<Output = T>) -> T {
    orchestrate::testing::VirtualClock::auto().run(body).await
}

/// Milliseconds, for short test code.
pub const fn ms(millis: u64) -> Duration {
    Duration::from_millis(millis)
}

/// A bound far above any real duration in these tests (which are ~100 ms), to
/// prove that nothing waited for a sibling that sleeps 10 s, yet generous
/// enough for a loaded 2-core machine.
pub const GENEROUS: Duration = Duration::from_secs(5);

/// Long enough that a branch sleeping this long is certainly still pending
/// when the test checks it: it can only have stopped by being dropped.
pub const FOREVER: Duration = Duration::from_secs(10);
