//! The fixed-set macros, a timeout around a ready future, a closed circuit
//! breaker and a hedge that answers at once never touch the heap. A counting global allocator (`stats_alloc`) sees every
//! allocation of the process; each check builds its future and drives it to
//! the end with a no-op waker (no executor that could allocate), and fails if
//! that allocated anything.
//!
//! Everything runs in one `#[test]` on one thread, so that no other test
//! allocates while a check is measured. No timing is asserted here: speed is
//! `benches/compare.rs`'s business.

use std::alloc::System;
use std::future::{Future, IntoFuture, ready};
use std::pin::{Pin, pin};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use orchestrate::prelude::*;
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// Pending once (waking itself), then ready with its value.
struct YieldOnce<T> {
    value: Option<T>,
    yielded: bool,
}

fn yield_once<T: Unpin>(value: T) -> YieldOnce<T> {
    YieldOnce {
        value: Some(value),
        yielded: false,
    }
}

impl<T: Unpin> Future for YieldOnce<T> {
    type Output = T;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        if !self.yielded {
            self.yielded = true;
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        Poll::Ready(
            self.value
                .take()
                .expect("YieldOnce polled after completion"),
        )
    }
}

/// Builds a future with `make` and drives it to the end with a no-op waker;
/// the allocations that made, and the output.
fn allocations_of<F: IntoFuture>(make: impl FnOnce() -> F) -> (usize, F::Output) {
    let region = Region::new(GLOBAL);
    let mut future = pin!(make().into_future());
    let mut cx = Context::from_waker(Waker::noop());
    let mut polls = 0;
    let output = loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            break output;
        }
        polls += 1;
        assert!(polls < 10, "the future never finished");
    };
    (region.change().allocations, output)
}

/// Asserts that `make`'s future allocates nothing and outputs `expected`.
///
/// The counter sees every thread of the process, so a check counts the
/// fewest allocations of three runs: a future that allocates does so every
/// time, while another thread (the test harness, a timer thread) allocating
/// during one run does not fail it.
#[track_caller]
fn assert_no_allocation<F>(what: &str, expected: &F::Output, make: impl Fn() -> F)
where
    F: IntoFuture,
    F::Output: PartialEq + std::fmt::Debug,
{
    let mut fewest = usize::MAX;
    for _ in 0..3 {
        let (allocations, output) = allocations_of(&make);
        assert_eq!(&output, expected, "{what}: wrong output");
        fewest = fewest.min(allocations);
    }
    assert_eq!(fewest, 0, "{what} allocated {fewest} times");
}

#[test]
fn fixed_set_macros_and_ready_timeouts_never_allocate() {
    // Warm-up: anything lazily allocated once per thread or process (there
    // should be nothing) does it here, outside the measurements.
    let _ =
        allocations_of(|| orchestrate::parallel!(ready(Ok::<u8, ()>(1)), ready(Ok::<u8, ()>(2))));
    let _ = allocations_of(|| timeout(Duration::from_secs(1), ready(0)));

    // parallel!: ready, pending once, mixed error types, fail-fast.
    assert_no_allocation("parallel! (ready)", &Ok((1, "two", 3.0)), || {
        orchestrate::parallel!(
            ready(Ok::<_, String>(1)),
            ready(Ok::<_, String>("two")),
            ready(Ok::<_, String>(3.0))
        )
    });
    assert_no_allocation("parallel! (pending once)", &Ok((1, 2, 3, 4, 5)), || {
        orchestrate::parallel!(
            yield_once(Ok::<u8, ()>(1)),
            yield_once(Ok::<u8, ()>(2)),
            yield_once(Ok::<u8, ()>(3)),
            yield_once(Ok::<u8, ()>(4)),
            yield_once(Ok::<u8, ()>(5))
        )
    });
    assert_no_allocation("parallel! (error = …)", &Err(7_u32), || {
        orchestrate::parallel!(error = u32;
            yield_once(Ok::<u8, u8>(1)),
            ready(Err::<u8, u16>(7))
        )
    });
    assert_no_allocation("parallel! (async blocks)", &Ok((2, 4)), || {
        orchestrate::parallel!(async { Ok::<_, ()>(2) }, async {
            yield_once(()).await;
            Ok::<_, ()>(4)
        })
    });

    // settled!: every output, errors in their slots.
    assert_no_allocation("settled! (ready)", &(1, Err::<u8, &str>("no")), || {
        orchestrate::settled!(ready(1), ready(Err::<u8, _>("no")))
    });
    assert_no_allocation("settled! (pending once)", &(1, 2, 3, 4, 5), || {
        orchestrate::settled!(
            yield_once(1),
            yield_once(2),
            yield_once(3),
            yield_once(4),
            yield_once(5)
        )
    });

    // race!: the first to finish wins.
    assert_no_allocation("race! (ready)", &1, || {
        orchestrate::race!(ready(1), yield_once(2))
    });
    assert_no_allocation("race! (pending once)", &2, || {
        orchestrate::race!(std::future::pending(), yield_once(2))
    });

    // first_ok!: a success allocates nothing (only `AllFailed` may).
    assert_no_allocation("first_ok! (ready)", &Ok(2), || {
        orchestrate::first_ok!(ready(Err::<u8, ()>(())), ready(Ok::<u8, ()>(2)))
    });
    assert_no_allocation("first_ok! (pending once)", &Ok(3), || {
        orchestrate::first_ok!(yield_once(Err::<u8, ()>(())), yield_once(Ok::<u8, ()>(3)))
    });

    // A timeout around a ready future arms no timer and allocates nothing,
    // under any limit, in both spellings.
    for limit in [Duration::ZERO, Duration::from_millis(1), Duration::MAX] {
        assert_no_allocation("timeout(limit, ready)", &Ok(5), || timeout(limit, ready(5)));
        assert_no_allocation("ready.timeout(limit)", &Ok(6), || ready(6).timeout(limit));
        assert_no_allocation("timeout(limit, async {})", &Ok(7), || {
            timeout(limit, async { 7 })
        });
    }
    // Nor does a macro inside a timeout.
    assert_no_allocation(
        "parallel!(..).timeout(limit)",
        &Ok(Ok::<_, ()>((1, 2))),
        || {
            orchestrate::parallel!(ready(Ok::<_, ()>(1)), ready(Ok::<_, ()>(2)))
                .timeout(Duration::from_secs(1))
        },
    );

    // A closed circuit breaker, and a hedge whose first attempt answers
    // before the delay: nothing either.
    let breaker = orchestrate::CircuitBreaker::consecutive_failures(3);
    assert_no_allocation("breaker.run(ready), closed", &Ok(1), || {
        breaker.run(ready(Ok::<u8, orchestrate::CircuitOpen>(1)))
    });
    assert_no_allocation("hedge(after, ready)", &Ok(2), || {
        orchestrate::hedge(Duration::from_secs(1), || ready(Ok::<u8, ()>(2)))
    });
}
