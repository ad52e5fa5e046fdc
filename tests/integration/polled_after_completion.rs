//! Every future of the crate panics, naming itself, when it is polled again
//! after it completed: one table of targets, each driven to its end (whichever
//! way it ends) and polled once more. The panic needs no runtime and no timer,
//! so the targets are polled by hand.

use std::future::{Future, pending};
use std::panic::catch_unwind;
use std::pin::pin;
use std::task::{Context, Waker};
use std::time::{Duration, Instant};

use orchestrate::{
    Backoff, Deadline, catch_panic, first_ok, parallel, race, retry, settled, timeout, try_timeout,
};

/// Polls `future`, which must be ready at its first poll, then polls it again.
fn poll_past_the_end<F: Future>(future: F) {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    assert!(
        future.as_mut().poll(&mut cx).is_ready(),
        "a target is ready at its first poll"
    );
    let _ = future.as_mut().poll(&mut cx);
}

/// Each target: the message its panic must hold, and how it is driven.
fn targets() -> Vec<(&'static str, fn())> {
    vec![
        ("`parallel!` polled after completion", || {
            poll_past_the_end(orchestrate::parallel!(async { Ok::<_, ()>(1) }, async {
                Ok::<_, ()>(2)
            }));
        }),
        ("`parallel!` polled after completion", || {
            // Ended by a failure rather than by every branch.
            poll_past_the_end(orchestrate::parallel!(async { Ok::<u8, u8>(1) }, async {
                Err::<u8, u8>(2)
            }));
        }),
        ("`settled!` polled after completion", || {
            poll_past_the_end(orchestrate::settled!(async { 1 }, async { 2 }));
        }),
        ("`race!` polled after completion", || {
            poll_past_the_end(orchestrate::race!(async { 1 }, async { 2 }));
        }),
        ("`first_ok!` polled after completion", || {
            poll_past_the_end(orchestrate::first_ok!(async { Err::<u8, u8>(1) }, async {
                Ok::<u8, u8>(2)
            }));
        }),
        ("`first_ok!` polled after completion", || {
            // Ended by every branch failing.
            poll_past_the_end(orchestrate::first_ok!(async { Err::<u8, u8>(1) }, async {
                Err::<u8, u8>(2)
            }));
        }),
        (
            "`Parallel` (orchestrate::parallel) polled after completion",
            || poll_past_the_end(parallel([async { Ok::<u8, u8>(1) }])),
        ),
        (
            "`Settled` (orchestrate::settled) polled after completion",
            || poll_past_the_end(settled([async { Ok::<u8, u8>(1) }])),
        ),
        ("`Race` (orchestrate::race) polled after completion", || {
            poll_past_the_end(race([async { Ok::<u8, u8>(1) }]));
        }),
        (
            "`FirstOk` (orchestrate::first_ok) polled after completion",
            || poll_past_the_end(first_ok([async { Ok::<u8, u8>(1) }])),
        ),
        (
            "`CatchPanic` (orchestrate::catch_panic) polled after completion",
            || poll_past_the_end(catch_panic(async { 1 })),
        ),
        (
            "`CatchPanic` (orchestrate::catch_panic) polled after completion",
            // Ended by a caught panic.
            || poll_past_the_end(catch_panic(async { panic!("boom") })),
        ),
        ("`Timeout` polled after completion", || {
            poll_past_the_end(timeout(Duration::from_secs(5), async { 1 }));
        }),
        ("`Timeout` polled after completion", || {
            // Ended by its expiry.
            poll_past_the_end(timeout(Duration::ZERO, pending::<()>()));
        }),
        ("`Timeout` polled after completion", || {
            poll_past_the_end(Deadline::at(Instant::now()).run(pending::<()>()));
        }),
        ("`TryTimeout` polled after completion", || {
            poll_past_the_end(try_timeout(Duration::from_secs(5), async {
                Ok::<u8, orchestrate::Elapsed>(1)
            }));
        }),
        ("`parallel!` polled after completion", || {
            // Under the `timeout = …` option.
            poll_past_the_end(
                orchestrate::parallel!(timeout = Duration::from_secs(5); async {
                    Ok::<u8, orchestrate::Elapsed>(1)
                }),
            );
        }),
        ("`Retry` polled after completion", || {
            poll_past_the_end(retry(Backoff::immediate(), || async { Ok::<_, ()>(1) }));
        }),
    ]
}

#[test]
fn every_target_polled_after_completion_panics_naming_it() {
    for (expected, target) in targets() {
        let payload = catch_unwind(target).expect_err(expected);
        let message = payload
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| payload.downcast_ref::<&str>().copied())
            .unwrap_or_default();
        assert!(
            message.contains(expected),
            "expected a panic saying {expected:?}, got {message:?}"
        );
    }
}
