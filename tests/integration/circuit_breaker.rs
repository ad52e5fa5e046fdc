//! Circuit breakers under every runtime, on the virtual clock: the state
//! machine's transitions at their exact instants, refusals that never poll,
//! half-open trials, what counts as a failure, and concurrent callers.

use support::runtime_tests;

use std::pin::pin;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use orchestrate::{
    BreakerState, CircuitBreaker, CircuitOpen, Elapsed, IsFailure, catch_panic, settled, sleep,
    timer, try_timeout,
};
use support::{ms, on_virtual_time, poll_once};

use BreakerState::{Closed, HalfOpen, Open};

#[derive(Debug, Clone, PartialEq)]
enum ApiError {
    Down,
    NotFound,
    Open(CircuitOpen),
    TimedOut(Elapsed),
}

impl From<CircuitOpen> for ApiError {
    fn from(open: CircuitOpen) -> Self {
        ApiError::Open(open)
    }
}

impl From<Elapsed> for ApiError {
    fn from(elapsed: Elapsed) -> Self {
        ApiError::TimedOut(elapsed)
    }
}

const SECS_30: Duration = Duration::from_secs(30);

/// One call through `breaker` that answers `out` after `delay`.
async fn call<C: IsFailure<ApiError>>(
    breaker: &CircuitBreaker<C>,
    delay: Duration,
    out: Result<(), ApiError>,
) -> Result<(), ApiError> {
    breaker
        .run(async move {
            sleep(delay).await;
            out
        })
        .await
}

async fn fail<C: IsFailure<ApiError>>(breaker: &CircuitBreaker<C>) -> Result<(), ApiError> {
    call(breaker, Duration::ZERO, Err(ApiError::Down)).await
}

async fn succeed<C: IsFailure<ApiError>>(breaker: &CircuitBreaker<C>) -> Result<(), ApiError> {
    call(breaker, Duration::ZERO, Ok(())).await
}

fn refused_until(out: Result<(), ApiError>) -> Option<Instant> {
    match out {
        Err(ApiError::Open(open)) => open.until(),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

// The statics below are declared inside each case, so that every runtime's
// copy of a case has its own.
runtime_tests! {
    async fn opens_after_k_failures_in_a_row() {
        on_virtual_time(async {
            let breaker = CircuitBreaker::consecutive_failures(3).open_for(SECS_30);
            fail(&breaker).await.unwrap_err();
            fail(&breaker).await.unwrap_err();
            succeed(&breaker).await.unwrap();
            fail(&breaker).await.unwrap_err();
            fail(&breaker).await.unwrap_err();
            assert_eq!(breaker.state(), Closed, "a success reset the count");
            let opened = timer::now();
            assert_eq!(fail(&breaker).await, Err(ApiError::Down));
            assert_eq!(breaker.state(), Open);
            let refused = succeed(&breaker).await.unwrap_err();
            let ApiError::Open(open) = refused else { panic!("{refused:?}") };
            assert_eq!(open.until(), Some(opened + SECS_30));
            assert_eq!(open.remaining(), SECS_30);
            assert_eq!(open.to_string(), "circuit breaker open for another 30000ms");
        })
        .await;
    }

    async fn open_refuses_at_once_without_polling() {
        on_virtual_time(async {
            let breaker = CircuitBreaker::consecutive_failures(1);
            fail(&breaker).await.unwrap_err();
            let polled = AtomicBool::new(false);
            let start = timer::now();
            let out = breaker
                .run(async {
                    polled.store(true, Ordering::SeqCst);
                    Ok::<(), ApiError>(())
                })
                .await;
            assert!(matches!(out, Err(ApiError::Open(_))));
            assert!(!polled.load(Ordering::SeqCst), "the refused call was polled");
            assert_eq!(timer::now(), start, "the refusal took no time");
        })
        .await;
    }

    async fn half_open_failure_reopens_for_another_open_for() {
        on_virtual_time(async {
            let breaker = CircuitBreaker::consecutive_failures(2).open_for(SECS_30);
            fail(&breaker).await.unwrap_err();
            fail(&breaker).await.unwrap_err();
            sleep(SECS_30 + ms(5)).await;
            let again = timer::now();
            // One failure in half-open is enough, whatever `k` is.
            assert_eq!(fail(&breaker).await, Err(ApiError::Down));
            assert_eq!(breaker.state(), Open);
            assert_eq!(refused_until(succeed(&breaker).await), Some(again + SECS_30));
        })
        .await;
    }

    async fn half_open_lets_p_trials_through_and_p_successes_close_it() {
        on_virtual_time(async {
            let breaker = CircuitBreaker::consecutive_failures(1)
                .open_for(SECS_30)
                .half_open_calls(2);
            fail(&breaker).await.unwrap_err();
            sleep(SECS_30).await;
            let (a, b, c) = settled!(
                call(&breaker, ms(10), Ok(())),
                call(&breaker, ms(20), Ok(())),
                call(&breaker, ms(10), Ok(())),
            )
            .await;
            assert_eq!((a, b), (Ok(()), Ok(())));
            assert!(
                matches!(c, Err(ApiError::Open(open)) if open.until().is_none()),
                "a third trial ran"
            );
            assert_eq!(breaker.state(), Closed);
        })
        .await;
    }

    async fn one_success_of_two_trials_keeps_it_half_open() {
        on_virtual_time(async {
            let breaker = CircuitBreaker::consecutive_failures(1)
                .open_for(SECS_30)
                .half_open_calls(2);
            fail(&breaker).await.unwrap_err();
            sleep(SECS_30).await;
            succeed(&breaker).await.unwrap();
            assert_eq!(breaker.state(), HalfOpen);
            // The first trial's slot is spent: one more trial, not two.
            let (a, b) = settled!(call(&breaker, ms(10), Ok(())), succeed(&breaker)).await;
            assert_eq!(a, Ok(()));
            assert!(matches!(b, Err(ApiError::Open(_))));
            assert_eq!(breaker.state(), Closed);
        })
        .await;
    }

    async fn a_cancelled_trial_frees_its_slot() {
        on_virtual_time(async {
            let breaker = CircuitBreaker::consecutive_failures(1).open_for(SECS_30);
            fail(&breaker).await.unwrap_err();
            sleep(SECS_30).await;
            {
                let mut trial = pin!(call(&breaker, ms(10), Ok(())));
                assert!(poll_once(trial.as_mut()).await.is_pending());
                assert!(matches!(succeed(&breaker).await, Err(ApiError::Open(_))));
            }
            assert_eq!(breaker.state(), HalfOpen);
            succeed(&breaker).await.unwrap();
            assert_eq!(breaker.state(), Closed);
        })
        .await;
    }

    async fn a_timeout_counts_as_a_failure() {
        on_virtual_time(async {
            let breaker = CircuitBreaker::consecutive_failures(1);
            let out: Result<(), ApiError> = breaker
                .run(try_timeout(ms(10), async {
                    sleep(ms(100)).await;
                    Ok(())
                }))
                .await;
            assert_eq!(out, Err(ApiError::TimedOut(Elapsed::new(ms(10)))));
            assert_eq!(breaker.state(), Open);
        })
        .await;
    }

    async fn a_panic_counts_as_a_failure_and_propagates() {
        on_virtual_time(async {
            let breaker = CircuitBreaker::consecutive_failures(1);
            let out = catch_panic(breaker.run(async {
                sleep(ms(1)).await;
                panic!("the dependency blew up");
                #[allow(unreachable_code)]
                Ok::<(), ApiError>(())
            }))
            .await;
            assert_eq!(out.unwrap_err().message(), Some("the dependency blew up"));
            assert_eq!(breaker.state(), Open);
        })
        .await;
    }

    async fn a_cancelled_call_counts_nothing() {
        on_virtual_time(async {
            let breaker = CircuitBreaker::consecutive_failures(1);
            {
                let mut slow = pin!(call(&breaker, ms(10), Err(ApiError::Down)));
                assert!(poll_once(slow.as_mut()).await.is_pending());
            }
            assert_eq!(breaker.state(), Closed);
        })
        .await;
    }

    async fn a_late_outcome_from_an_earlier_state_is_ignored() {
        on_virtual_time(async {
            let breaker = CircuitBreaker::consecutive_failures(1).open_for(SECS_30);
            // The slow call started while closed fails after the breaker
            // opened (at 0) and turned half-open (at 30 s): it is no trial,
            // so it does not reopen it.
            let (slow, fast, seen) = settled!(
                call(&breaker, SECS_30 + ms(10), Err(ApiError::Down)),
                fail(&breaker),
                async {
                    sleep(SECS_30 + ms(5)).await;
                    breaker.state()
                },
            )
            .await;
            assert_eq!((slow, fast), (Err(ApiError::Down), Err(ApiError::Down)));
            assert_eq!(seen, HalfOpen);
            assert_eq!(breaker.state(), HalfOpen);
            succeed(&breaker).await.unwrap();
            assert_eq!(breaker.state(), Closed);
        })
        .await;
    }

    async fn failure_rate_opens_at_its_threshold_once_min_calls_were_seen() {
        on_virtual_time(async {
            let breaker = CircuitBreaker::failure_rate(0.5, 4);
            // Judged only once the window of 4 is full.
            fail(&breaker).await.unwrap_err();
            fail(&breaker).await.unwrap_err();
            fail(&breaker).await.unwrap_err();
            assert_eq!(breaker.state(), Closed);
            succeed(&breaker).await.unwrap();
            assert_eq!(breaker.state(), Open, "3 of 4 failed");

            let early = CircuitBreaker::failure_rate(0.5, 4).min_calls(2);
            succeed(&early).await.unwrap();
            fail(&early).await.unwrap_err();
            assert_eq!(early.state(), Open, "1 of 2 failed");
        })
        .await;
    }

    async fn failure_rate_window_slides() {
        on_virtual_time(async {
            let breaker = CircuitBreaker::failure_rate(0.75, 4);
            // f s s s: 1/4; then f: s s s f = 1/4; f: s s f f; f: s f f f = 3/4.
            fail(&breaker).await.unwrap_err();
            for _ in 0..3 {
                succeed(&breaker).await.unwrap();
            }
            fail(&breaker).await.unwrap_err();
            fail(&breaker).await.unwrap_err();
            assert_eq!(breaker.state(), Closed);
            fail(&breaker).await.unwrap_err();
            assert_eq!(breaker.state(), Open);
        })
        .await;
    }

    #[should_panic(expected = "CircuitBreaker::consecutive_failures(0)")]
    async fn zero_failures_is_refused() {
        let _ = CircuitBreaker::consecutive_failures(std::hint::black_box(0));
    }

    #[should_panic(expected = "`CircuitBreaker::failure_rate(rate, ..)`: the rate must be in (0, 1]")]
    async fn a_rate_above_one_is_refused() {
        let _ = CircuitBreaker::failure_rate(std::hint::black_box(1.5), 10);
    }

    #[should_panic(expected = "CircuitBreaker::half_open_calls(0)")]
    async fn zero_trials_is_refused() {
        let _ = CircuitBreaker::consecutive_failures(1).half_open_calls(std::hint::black_box(0));
    }

    #[should_panic(expected = "`CircuitBreaker::min_calls`: only a `failure_rate` breaker")]
    async fn min_calls_on_a_consecutive_breaker_is_refused() {
        let _ = CircuitBreaker::consecutive_failures(1).min_calls(2);
    }
}

/// The cases whose `static`s each runtime's test must have to itself.
mod each_runtime {
    use super::*;

    support::runtime_tests_each! {
        async fn half_open_exactly_when_open_for_has_passed() {
            static CHANGES: Mutex<Vec<(BreakerState, BreakerState, Instant)>> = Mutex::new(Vec::new());
            static BREAKER: CircuitBreaker = CircuitBreaker::consecutive_failures(1)
                .open_for(Duration::from_secs(30))
                .on_state_change(|from, to| CHANGES.lock().unwrap().push((from, to, timer::now())));
            on_virtual_time(async {
                let t0 = timer::now();
                fail(&BREAKER).await.unwrap_err();
                sleep(Duration::from_nanos(29_999_999_999)).await;
                assert_eq!(BREAKER.state(), Open);
                assert_eq!(refused_until(succeed(&BREAKER).await), Some(t0 + SECS_30));
                sleep(Duration::from_nanos(1)).await;
                // No call needed: the state reads half-open at once.
                assert_eq!(BREAKER.state(), HalfOpen);
                succeed(&BREAKER).await.unwrap();
                assert_eq!(BREAKER.state(), Closed);
                assert_eq!(
                    *CHANGES.lock().unwrap(),
                    [
                        (Closed, Open, t0),
                        (Open, HalfOpen, t0 + SECS_30),
                        (HalfOpen, Closed, t0 + SECS_30),
                    ]
                );
            })
            .await;
        }

        async fn excluded_errors_change_no_count() {
            static BREAKER: CircuitBreaker<fn(&ApiError) -> bool> =
                CircuitBreaker::consecutive_failures(2)
                    .open_for(Duration::from_secs(30))
                    .failure_when(|error| matches!(error, ApiError::Down | ApiError::TimedOut(_)));
            on_virtual_time(async {
                fail(&BREAKER).await.unwrap_err();
                // Neither a failure nor a success: the count stays at one.
                let not_found = call(&BREAKER, Duration::ZERO, Err(ApiError::NotFound)).await;
                assert_eq!(not_found, Err(ApiError::NotFound));
                assert_eq!(BREAKER.state(), Closed);
                fail(&BREAKER).await.unwrap_err();
                assert_eq!(BREAKER.state(), Open);
                sleep(SECS_30).await;
                // A half-open trial that ends excluded frees its slot.
                call(&BREAKER, Duration::ZERO, Err(ApiError::NotFound)).await.unwrap_err();
                assert_eq!(BREAKER.state(), HalfOpen);
                succeed(&BREAKER).await.unwrap();
                assert_eq!(BREAKER.state(), Closed);
            })
            .await;
        }
    }
}

/// Refusals of one open period are equal (an error enum deriving
/// `PartialEq` compares them as users expect), whatever the time left when
/// each was made; the next open period's are not.
#[test]
fn refusals_of_one_open_period_are_equal() {
    futures::executor::block_on(async {
        let breaker = CircuitBreaker::consecutive_failures(1).open_for(Duration::from_secs(60));
        let fail = || breaker.run(async { Err::<(), _>(CircuitOpen::from_parts(None)) });
        let _ = fail().await;
        let first = fail().await.unwrap_err();
        std::thread::sleep(Duration::from_millis(2));
        let second = fail().await.unwrap_err();
        assert!(first.remaining() > second.remaining());
        assert_eq!(first, second);
        assert_ne!(first, CircuitOpen::from_parts(None));
    });
}
