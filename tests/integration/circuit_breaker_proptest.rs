//! Property test: many threads share one circuit breaker, and the sequence
//! of states it reports is one a serial history allows.

use std::sync::Mutex;
use std::time::Duration;

use orchestrate::{BreakerState, CircuitBreaker, CircuitOpen};
use proptest::prelude::*;
use proptest::test_runner::Config;
use support::yield_now;

use BreakerState::{Closed, HalfOpen, Open};

static CHANGES: Mutex<Vec<(BreakerState, BreakerState)>> = Mutex::new(Vec::new());

fn record(from: BreakerState, to: BreakerState) {
    CHANGES.lock().unwrap().push((from, to));
}

#[derive(Debug, Clone, Copy)]
enum Call {
    Ok(usize),
    Fail(usize),
    Excluded(usize),
}

#[derive(Debug)]
enum Error {
    Down,
    Excluded,
    Open,
}

impl From<CircuitOpen> for Error {
    fn from(_: CircuitOpen) -> Self {
        Error::Open
    }
}

fn call() -> impl Strategy<Value = Call> {
    prop_oneof![
        (0..4_usize).prop_map(Call::Ok),
        (0..4_usize).prop_map(Call::Fail),
        (0..4_usize).prop_map(Call::Excluded),
    ]
}

fn check_serial(changes: &[(BreakerState, BreakerState)], last: BreakerState) {
    let mut state = Closed;
    for &(from, to) in changes {
        assert_eq!(
            from, state,
            "a change from a state it was not in: {changes:?}"
        );
        assert!(
            matches!(
                (from, to),
                (Closed, Open) | (Open, HalfOpen) | (HalfOpen, Closed | Open)
            ),
            "no serial history goes {from:?} -> {to:?}"
        );
        state = to;
    }
    assert_eq!(state, last, "the last change reported is not the state");
}

proptest! {
    #![proptest_config(Config { cases: 64, ..Config::default() })]

    #[test]
    fn concurrent_callers_see_a_serial_history(
        threads in prop::collection::vec(prop::collection::vec(call(), 1..40), 2..5),
        k in 1..4_u32,
        p in 1..3_u32,
    ) {
        CHANGES.lock().unwrap().clear();
        // Opens for no time: every refusal path and transition is exercised.
        let breaker = CircuitBreaker::consecutive_failures(k)
            .open_for(Duration::ZERO)
            .half_open_calls(p)
            .on_state_change(record)
            .failure_when(|error: &Error| matches!(error, Error::Down));
        std::thread::scope(|scope| {
            for calls in &threads {
                let breaker = &breaker;
                scope.spawn(move || {
                    futures::executor::block_on(async {
                        for &call in calls {
                            let _ = breaker
                                .run(async move {
                                    match call {
                                        Call::Ok(polls) => {
                                            yield_now(polls).await;
                                            Ok(())
                                        }
                                        Call::Fail(polls) => {
                                            yield_now(polls).await;
                                            Err(Error::Down)
                                        }
                                        Call::Excluded(polls) => {
                                            yield_now(polls).await;
                                            Err(Error::Excluded)
                                        }
                                    }
                                })
                                .await;
                        }
                    });
                });
            }
        });
        let last = breaker.state();
        check_serial(&CHANGES.lock().unwrap(), last);
    }
}
