//! The one place the core reads the time: through the current timer backend,
//! so that a virtual clock in scope is seen by deadlines, timeouts, sleeps and
//! retries alike.
//!
//! Hot paths that count in nanoseconds (the rate limiter's `check`) use
//! [`now_nanos`]: with no backend in scope and no process default it reads
//! the CPU's time-stamp counter where the kernel itself keeps time with it
//! (about a third of the cost of `Instant::now()`), as governor does through
//! quanta.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The current instant of the clock the core's timers run on.
#[inline]
pub(crate) fn now() -> Instant {
    super::timer::now()
}

/// The current instant of the clock the core's timers run on, in nanoseconds
/// since [`epoch`] (as [`nanos`] counts them).
#[inline]
pub(crate) fn now_nanos() -> i64 {
    match super::timer::backend_now() {
        Some(now) => nanos(now),
        None => real_nanos(),
    }
}

/// `nanos` counts from here; `at` of 0 and `ticks` are read together.
struct Epoch {
    at: Instant,
    /// The time-stamp counter at `at`, if it keeps time here.
    #[cfg_attr(loom, allow(dead_code))]
    ticks: Option<u64>,
}

fn epoch() -> &'static Epoch {
    static EPOCH: OnceLock<Epoch> = OnceLock::new();
    EPOCH.get_or_init(|| {
        let ticks = tsc::usable().then(tsc::ticks);
        Epoch {
            at: Instant::now(),
            ticks,
        }
    })
}

/// The most negative count [`nanos`] gives, for instants too far before
/// the epoch (`i64::MIN` is left free for callers' "never").
const FAR_BEFORE: i64 = i64::MIN + 1;

/// `at` in nanoseconds from [`epoch`] (a virtual clock's instants may come
/// before it), saturating.
pub(crate) fn nanos(at: Instant) -> i64 {
    let epoch = epoch().at;
    match at.checked_duration_since(epoch) {
        Some(after) => i64::try_from(after.as_nanos()).unwrap_or(i64::MAX),
        None => i64::try_from((epoch - at).as_nanos()).map_or(FAR_BEFORE, |before| -before),
    }
}

/// The instant `nanos` from [`epoch`], saturating at the clock's range.
pub(crate) fn instant(nanos: i64) -> Instant {
    let epoch = epoch().at;
    let from_epoch = Duration::from_nanos(nanos.unsigned_abs());
    if nanos >= 0 {
        epoch.checked_add(from_epoch).unwrap_or(epoch)
    } else {
        epoch.checked_sub(from_epoch).unwrap_or(epoch)
    }
}

/// The real clock in nanoseconds from [`epoch`]: the time-stamp counter
/// scaled to `Instant`'s clock where it keeps time, else `Instant::now()`.
#[cfg(not(loom))]
#[inline]
fn real_nanos() -> i64 {
    tsc::MEASURE.nanos(tsc::ticks()).unwrap_or_else(remeasure)
}

/// Under loom, whose atomics cannot be in a `static`, `Instant::now()` (the
/// measure's model-checks build theirs).
#[cfg(loom)]
fn real_nanos() -> i64 {
    nanos(Instant::now())
}

/// Reads `Instant::now()` (exact), and with it measures the counter's scale
/// again when the reading is tight enough to improve it.
#[cfg(not(loom))]
#[cold]
fn remeasure() -> i64 {
    let epoch = epoch();
    let Some(start) = epoch.ticks else {
        return nanos(Instant::now());
    };
    let before = tsc::ticks();
    let now = Instant::now();
    let after = tsc::ticks();
    let elapsed = now.saturating_duration_since(epoch.at);
    tsc::MEASURE.measured(start, before, after, elapsed);
    i64::try_from(elapsed.as_nanos()).unwrap_or(i64::MAX)
}

/// The counter's scale, measured against `Instant`'s clock over the whole
/// time since the epoch and again every [`tsc::REMEASURE_EVERY`]: between two
/// measures the scaled counter strays from `Instant::now()` by at most the
/// drift of that span (microseconds), and a measure puts it back. A measure
/// far off the last one (the counter ran on while `Instant`'s clock stood,
/// as in a suspend) turns the counter off for good: `Instant::now()` then.
// Under loom only its model-checks use it.
#[cfg_attr(loom, allow(dead_code))]
mod tsc {
    use std::time::Duration;

    use crate::sync::{AtomicBool, AtomicU64, Ordering};

    /// How often the scale is measured again.
    pub(super) const REMEASURE_EVERY: Duration = Duration::from_millis(100);

    /// The shortest span a scale is measured over: reading both clocks
    /// takes ~50 ns, a few ppm of it.
    const SHORTEST_SPAN: Duration = Duration::from_millis(10);

    /// Reads that took longer than this share of the span are too loose to
    /// measure with (preempted between the two clocks).
    const LOOSEST_READ_PPM: u64 = 10;

    /// How far a measure may stray from the last one: twice the most NTP
    /// slews `Instant`'s clock by (500 ppm).
    const MOST_CHANGE_PPM: u64 = 1_000;

    /// The last measure, on a cache line of its own (read by every check,
    /// written every [`REMEASURE_EVERY`]).
    #[repr(align(64))]
    pub(super) struct Measure {
        /// Nanoseconds per tick, as a fixed-point number with 32 fractional
        /// bits.
        scale: AtomicU64,
        /// The ticks at the epoch.
        start: AtomicU64,
        /// The ticks from which on `scale` holds, and until which (0: not
        /// measured, or off).
        from: AtomicU64,
        until: AtomicU64,
        /// One measure at a time: the others skip theirs.
        measuring: AtomicBool,
        off: AtomicBool,
    }

    #[cfg(not(loom))]
    pub(super) static MEASURE: Measure = Measure::new();

    /// Where the counter is invariant, synchronised across cores and what
    /// the kernel keeps time with (its own checks passed).
    #[cfg(all(target_arch = "x86_64", target_os = "linux"))]
    pub(super) fn usable() -> bool {
        std::fs::read_to_string("/sys/devices/system/clocksource/clocksource0/current_clocksource")
            .is_ok_and(|source| source.trim() == "tsc")
    }

    #[cfg(not(all(target_arch = "x86_64", target_os = "linux")))]
    pub(super) fn usable() -> bool {
        false
    }

    #[cfg(all(target_arch = "x86_64", target_os = "linux"))]
    #[inline]
    pub(super) fn ticks() -> u64 {
        safe_arch::read_timestamp_counter()
    }

    /// Never read where not `usable`: nothing is measured there.
    #[cfg(not(all(target_arch = "x86_64", target_os = "linux")))]
    pub(super) fn ticks() -> u64 {
        0
    }

    /// `ticks` at `scale`, in nanoseconds (saturating).
    #[inline]
    pub(super) fn scaled(ticks: u64, scale: u64) -> i64 {
        let nanos = (u128::from(ticks) * u128::from(scale)) >> 32;
        i64::try_from(nanos).unwrap_or(i64::MAX)
    }

    /// The scale that makes `ticks` last `elapsed`, if the ticks count any.
    pub(super) fn scale_of(elapsed: Duration, ticks: u64) -> Option<u64> {
        let scale = (elapsed.as_nanos() << 32).checked_div(u128::from(ticks))?;
        u64::try_from(scale).ok().filter(|&scale| scale > 0)
    }

    /// A measure not taken yet.
    macro_rules! unmeasured {
        () => {
            Measure {
                scale: AtomicU64::new(0),
                start: AtomicU64::new(0),
                from: AtomicU64::new(0),
                until: AtomicU64::new(0),
                measuring: AtomicBool::new(false),
                off: AtomicBool::new(false),
            }
        };
    }

    impl Measure {
        /// `const`, for the `static`.
        #[cfg(not(loom))]
        pub(super) const fn new() -> Measure {
            unmeasured!()
        }

        /// loom's atomics are not `const`.
        #[cfg(loom)]
        pub(super) fn new() -> Measure {
            unmeasured!()
        }

        /// Nanoseconds since the epoch at `now` ticks, if a measured scale
        /// holds then.
        #[inline]
        pub(super) fn nanos(&self, now: u64) -> Option<i64> {
            // Acquire: `start` and `scale` are stored before `until`.
            let until = self.until.load(Ordering::Acquire);
            if !(self.from.load(Ordering::Relaxed)..until).contains(&now) {
                return None;
            }
            let start = self.start.load(Ordering::Relaxed);
            let scale = self.scale.load(Ordering::Relaxed);
            Some(scaled(now.saturating_sub(start), scale))
        }

        /// Stores the scale measured by `Instant`'s clock reading `elapsed`
        /// since the epoch (at `start` ticks) between `before` and `after`
        /// ticks, if that reading is tight and the span long enough; turns
        /// the counter off if the scale is far off the last one.
        pub(super) fn measured(&self, start: u64, before: u64, after: u64, elapsed: Duration) {
            if elapsed < SHORTEST_SPAN || after < before || before < start {
                return;
            }
            let span = before + (after - before) / 2 - start;
            if (after - before) > span / (1_000_000 / LOOSEST_READ_PPM) {
                return;
            }
            let Some(scale) = scale_of(elapsed, span) else {
                return;
            };
            if self.measuring.swap(true, Ordering::Acquire) {
                return;
            }
            let last = self.scale.load(Ordering::Relaxed);
            if self.off.load(Ordering::Relaxed) {
                // Stays off.
            } else if last != 0 && scale.abs_diff(last) > last / (1_000_000 / MOST_CHANGE_PPM) {
                self.off.store(true, Ordering::Relaxed);
                self.until.store(0, Ordering::Release);
            } else {
                let window = (REMEASURE_EVERY.as_nanos() << 32) / u128::from(scale);
                let window = u64::try_from(window).unwrap_or(u64::MAX);
                self.start.store(start, Ordering::Relaxed);
                self.scale.store(scale, Ordering::Relaxed);
                self.from.store(after, Ordering::Relaxed);
                // Release: a reader that sees the new `until` sees the scale.
                self.until
                    .store(after.saturating_add(window), Ordering::Release);
            }
            self.measuring.store(false, Ordering::Release);
        }
    }
}

// Model-checks of the measure's publication, under every interleaving.
#[cfg(all(test, loom))]
#[path = "clock_loom.rs"]
mod clock_loom;

#[cfg(all(test, not(loom)))]
mod tests {
    use std::time::{Duration, Instant};

    use super::{epoch, instant, nanos, real_nanos, tsc};

    #[test]
    fn instants_round_trip_through_nanos() {
        let now = Instant::now();
        for at in [
            now,
            now + Duration::from_secs(3600),
            now.checked_sub(Duration::from_millis(5))
                .expect("the clock is past 5 ms"),
        ] {
            assert_eq!(instant(nanos(at)), at);
        }
    }

    #[test]
    fn scaling_is_exact_enough_and_never_overflows() {
        // A 2.5 GHz counter: 0.4 ns per tick.
        let scale = tsc::scale_of(Duration::from_secs(1), 2_500_000_000).unwrap();
        assert_eq!(tsc::scaled(2_500_000_000, scale), 999_999_999);
        assert_eq!(tsc::scaled(25, scale), 9);
        // A century of ticks saturates instead of wrapping.
        assert_eq!(tsc::scaled(u64::MAX, u64::MAX), i64::MAX);
        assert_eq!(tsc::scale_of(Duration::from_secs(1), 0), None);
    }

    /// A measure of a made-up 1 GHz counter (one tick a nanosecond) that
    /// started at tick 1,000.
    #[test]
    fn a_measure_holds_for_its_window_only() {
        let measure = tsc::Measure::new();
        assert_eq!(measure.nanos(5_000), None, "not measured yet");
        // Too short a span, then too loose a read (1 ms over 0.5 s).
        measure.measured(1_000, 1_000_000, 1_000_010, Duration::from_millis(1));
        measure.measured(1_000, 500_000_000, 501_000_000, Duration::from_millis(500));
        assert_eq!(measure.nanos(600_000_000), None);
        // A tight read 1 s after the start: 1 ns per tick from then on,
        // for 100 ms.
        measure.measured(1_000, 1_000_000_990, 1_000_001_010, Duration::from_secs(1));
        assert_eq!(measure.nanos(1_000_001_010), Some(1_000_000_010));
        assert_eq!(measure.nanos(1_050_001_000), Some(1_050_000_000));
        assert_eq!(measure.nanos(1_100_001_010), None, "past the window");
        assert_eq!(measure.nanos(1_000_000_000), None, "before the measure");
    }

    /// A measure 0.2 % off the last one (the counter ran on through a
    /// suspend) turns the counter off, for good.
    #[test]
    fn a_measure_far_off_the_last_turns_the_counter_off() {
        let measure = tsc::Measure::new();
        measure.measured(0, 1_000_000_000, 1_000_000_000, Duration::from_secs(1));
        assert_eq!(measure.nanos(1_000_000_500), Some(1_000_000_500));
        // Within 0.1 %: measured again.
        measure.measured(
            0,
            2_000_000_000,
            2_000_000_000,
            Duration::from_millis(2_001),
        );
        assert!(measure.nanos(2_000_000_500).is_some());
        measure.measured(
            0,
            3_000_000_000,
            3_000_000_000,
            Duration::from_secs(3) * 1_002 / 1_000,
        );
        assert_eq!(measure.nanos(3_000_000_500), None);
        measure.measured(0, 4_000_000_000, 4_000_000_000, Duration::from_secs(4));
        assert_eq!(measure.nanos(4_000_000_500), None, "off for good");
    }

    /// The real clock, counter or not, stays within a millisecond of
    /// `Instant::now()` read around it, across its first measure and the
    /// ones after (a bound far above the microseconds it strays by, far
    /// below a rate limiter's intervals).
    #[test]
    fn the_real_clock_follows_instant() {
        let start = Instant::now();
        while start.elapsed() < Duration::from_millis(300) {
            let before = nanos(Instant::now());
            let read = real_nanos();
            let after = nanos(Instant::now());
            assert!(
                before - 1_000_000 <= read && read <= after + 1_000_000,
                "{read} not within a millisecond of [{before}, {after}]"
            );
        }
        // Where the counter keeps time, it was measured and is read now.
        if epoch().ticks.is_some() {
            assert!(
                tsc::MEASURE.nanos(tsc::ticks()).is_some(),
                "the counter's scale was never measured"
            );
        }
    }
}
