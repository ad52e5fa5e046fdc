//! `#[circuit_breaker]` and `#[hedge]` under every runtime, on the virtual
//! clock: the breaker's open, half-open and close instants through the
//! attribute, hedged attempts started exactly `after` apart and the loser
//! dropped at the winner's instant, methods and generics, and how the order
//! of stacked attributes changes what each one sees.

use support::runtime_tests;

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use orchestrate::{CircuitOpen, Elapsed, circuit_breaker, hedge, retry, sleep, timeout, timer};
use support::{ms, on_virtual_time};

#[derive(Debug, Clone, PartialEq)]
enum ApiError {
    Down,
    Open(Option<Instant>),
    TimedOut,
}

impl From<CircuitOpen> for ApiError {
    fn from(open: CircuitOpen) -> Self {
        ApiError::Open(open.until())
    }
}

impl From<Elapsed> for ApiError {
    fn from(_: Elapsed) -> Self {
        ApiError::TimedOut
    }
}

/// The instants at which a body ran.
#[derive(Debug, Default, Clone)]
struct Runs(Arc<Mutex<Vec<Instant>>>);

impl Runs {
    /// Notes a run now; returns how many ran before it.
    fn run(&self) -> usize {
        let mut runs = self.0.lock().unwrap();
        runs.push(timer::now());
        runs.len() - 1
    }

    fn at(&self) -> Vec<Instant> {
        self.0.lock().unwrap().clone()
    }
}

/// Notes the instant it is dropped unless defused: a hedged attempt that lost.
struct Loser {
    dropped: Option<Runs>,
}

impl Drop for Loser {
    fn drop(&mut self) {
        if let Some(dropped) = self.dropped.take() {
            dropped.0.lock().unwrap().push(timer::now());
        }
    }
}

/// An attempt that answers `out[n]` after `delays[n]`, `n` its number,
/// noting its start in `started` and its drop (if it lost) in `dropped`.
async fn attempt(
    started: &Runs,
    dropped: &Runs,
    delays: &[u64],
    out: &[Result<usize, ApiError>],
) -> Result<usize, ApiError> {
    let n = started.run();
    let mut loser = Loser {
        dropped: Some(dropped.clone()),
    };
    sleep(ms(delays[n])).await;
    loser.dropped = None;
    out[n].clone()
}

const AFTER_MS: u64 = 10;
const EXTRA: u32 = 2;

#[hedge(after_ms = AFTER_MS, max_extra = EXTRA)]
async fn hedged(
    started: &Runs,
    dropped: &Runs,
    delays: &[u64],
    out: &[Result<usize, ApiError>],
) -> Result<usize, ApiError> {
    attempt(started, dropped, delays, out).await
}

struct Replica {
    started: Runs,
    dropped: Runs,
}

impl Replica {
    #[hedge(after_ms = 10)]
    async fn read<T: Clone + Send + Sync>(&self, value: &T, delays: &[u64]) -> Result<T, ApiError> {
        let n = self.started.run();
        let mut loser = Loser {
            dropped: Some(self.dropped.clone()),
        };
        sleep(ms(delays[n])).await;
        loser.dropped = None;
        Ok(value.clone())
    }
}

runtime_tests! {
    async fn hedged_attempts_start_exactly_after_apart_and_the_loser_drops_at_the_winners_instant() {
        on_virtual_time(async {
            let (started, dropped) = (Runs::default(), Runs::default());
            let t0 = timer::now();
            let out = hedged(&started, &dropped, &[100, 100, 5], &[Ok(0), Ok(1), Ok(2)]).await;
            assert_eq!(out, Ok(2));
            assert_eq!(started.at(), [t0, t0 + ms(10), t0 + ms(20)]);
            // Both losers dropped at the winner's instant.
            assert_eq!(dropped.at(), [t0 + ms(25), t0 + ms(25)]);
            assert_eq!(timer::now(), t0 + ms(25));
        })
        .await;
    }

    async fn a_failed_attempt_starts_the_next_at_once_and_all_failing_gives_the_last_error() {
        on_virtual_time(async {
            let (started, dropped) = (Runs::default(), Runs::default());
            let t0 = timer::now();
            let out = hedged(
                &started,
                &dropped,
                &[3, 4, 1],
                &[Err(ApiError::Down), Err(ApiError::Down), Err(ApiError::TimedOut)],
            )
            .await;
            assert_eq!(out, Err(ApiError::TimedOut));
            assert_eq!(started.at(), [t0, t0 + ms(3), t0 + ms(7)]);
            assert!(dropped.at().is_empty());
        })
        .await;
    }

    async fn a_hedged_generic_method_on_shared_self() {
        on_virtual_time(async {
            let replica = Replica { started: Runs::default(), dropped: Runs::default() };
            let t0 = timer::now();
            let name = String::from("ada");
            assert_eq!(replica.read(&name, &[50, 5]).await, Ok(name.clone()));
            assert_eq!(replica.started.at(), [t0, t0 + ms(10)]);
            assert_eq!(replica.dropped.at(), [t0 + ms(15)]);
            assert_eq!(replica.read(&7_u8, &[50, 5, 1]).await, Ok(7));
        })
        .await;
    }

    async fn hedge_under_a_timeout_limits_the_whole_hedged_call() {
        #[timeout(ms = 25)]
        #[hedge(after_ms = 10, max_extra = 5)]
        async fn slow(started: &Runs, dropped: &Runs) -> Result<usize, ApiError> {
            attempt(started, dropped, &[100; 6], &[Ok(0), Ok(1), Ok(2), Ok(3), Ok(4), Ok(5)]).await
        }
        on_virtual_time(async {
            let (started, dropped) = (Runs::default(), Runs::default());
            let t0 = timer::now();
            assert_eq!(slow(&started, &dropped).await, Err(ApiError::TimedOut));
            assert_eq!(started.at(), [t0, t0 + ms(10), t0 + ms(20)]);
            assert_eq!(dropped.at(), [t0 + ms(25); 3]);
        })
        .await;
    }

    #[should_panic(expected = "#[hedge(max_extra = …)]: the constant given is 0")]
    async fn a_zero_max_extra_constant_panics_naming_the_attribute() {
        const NONE: u32 = 0;
        #[hedge(after_ms = 10, max_extra = NONE)]
        async fn call() -> Result<(), ApiError> {
            Ok(())
        }
        let _ = call().await;
    }

    async fn with_takes_any_expression_such_as_a_field_per_value() {
        struct Client {
            breaker: orchestrate::CircuitBreaker,
            up: bool,
        }
        impl Client {
            #[circuit_breaker(with = self.breaker)]
            async fn get(&self) -> Result<(), ApiError> {
                if self.up { Ok(()) } else { Err(ApiError::Down) }
            }
        }
        on_virtual_time(async {
            let t0 = timer::now();
            let breaker = || orchestrate::CircuitBreaker::consecutive_failures(1).open_for(ms(5));
            let down = Client { breaker: breaker(), up: false };
            let up = Client { breaker: breaker(), up: true };
            assert_eq!(down.get().await, Err(ApiError::Down));
            assert_eq!(down.get().await, Err(ApiError::Open(Some(t0 + ms(5)))));
            // Each value its own breaker: this one is closed.
            assert_eq!(up.get().await, Ok(()));
        })
        .await;
    }

    async fn a_timeout_under_hedge_limits_each_attempt() {
        #[hedge(after_ms = 10, max_extra = 1)]
        #[timeout(ms = 15)]
        async fn slow(started: &Runs, dropped: &Runs) -> Result<usize, ApiError> {
            attempt(started, dropped, &[100, 100], &[Ok(0), Ok(1)]).await
        }
        on_virtual_time(async {
            let (started, dropped) = (Runs::default(), Runs::default());
            let t0 = timer::now();
            assert_eq!(slow(&started, &dropped).await, Err(ApiError::TimedOut));
            assert_eq!(started.at(), [t0, t0 + ms(10)]);
            // Each attempt cut at its own 15 ms: the last error arrives at 25.
            assert_eq!(dropped.at(), [t0 + ms(15), t0 + ms(25)]);
            assert_eq!(timer::now(), t0 + ms(25));
        })
        .await;
    }
}

/// Cases that declare an attributed fn with a hidden `static`: a copy per
/// runtime.
mod each_runtime {
    use super::*;

    support::runtime_tests_each! {
        async fn the_breaker_opens_half_opens_and_closes_at_exact_instants() {
            #[circuit_breaker(consecutive_failures = 2, open_for_ms = 100)]
            async fn call(runs: &Runs, up: bool) -> Result<u32, ApiError> {
                runs.run();
                if up { Ok(1) } else { Err(ApiError::Down) }
            }
            on_virtual_time(async {
                let runs = Runs::default();
                let t0 = timer::now();
                assert_eq!(call(&runs, false).await, Err(ApiError::Down));
                sleep(ms(1)).await;
                assert_eq!(call(&runs, false).await, Err(ApiError::Down));
                // Open from t0 + 1 ms for 100 ms: refused, the body not run.
                sleep(Duration::from_nanos(99_999_999)).await;
                assert_eq!(call(&runs, true).await, Err(ApiError::Open(Some(t0 + ms(101)))));
                assert_eq!(runs.at(), [t0, t0 + ms(1)]);
                // Half-open at exactly t0 + 101 ms: the trial runs and closes it.
                sleep(Duration::from_nanos(1)).await;
                assert_eq!(call(&runs, true).await, Ok(1));
                assert_eq!(call(&runs, false).await, Err(ApiError::Down));
                assert_eq!(call(&runs, true).await, Ok(1));
                assert_eq!(runs.at().len(), 5);
            })
            .await;
        }

        async fn a_failed_trial_opens_it_for_another_open_for() {
            #[circuit_breaker(consecutive_failures = 1, open_for_secs = 30, half_open_calls = 2)]
            async fn call(up: bool) -> Result<(), ApiError> {
                if up { Ok(()) } else { Err(ApiError::Down) }
            }
            on_virtual_time(async {
                let t0 = timer::now();
                call(false).await.unwrap_err();
                sleep(Duration::from_secs(30)).await;
                // One trial succeeds, the second fails: open again at t0 + 30 s.
                call(true).await.unwrap();
                assert_eq!(call(false).await, Err(ApiError::Down));
                let until = Some(t0 + Duration::from_secs(60));
                assert_eq!(call(true).await, Err(ApiError::Open(until)));
                sleep(Duration::from_secs(30)).await;
                call(true).await.unwrap();
                call(true).await.unwrap();
                // Two successes closed it: a failure is counted again.
                assert_eq!(call(false).await, Err(ApiError::Down));
            })
            .await;
        }

        async fn a_failure_rate_breaker_judges_after_min_calls() {
            #[circuit_breaker(failure_rate = 0.5, window_calls = 4, min_calls = 2, open_for_ms = 10)]
            async fn call(up: bool) -> Result<(), ApiError> {
                if up { Ok(()) } else { Err(ApiError::Down) }
            }
            on_virtual_time(async {
                let t0 = timer::now();
                call(true).await.unwrap();
                call(true).await.unwrap();
                call(false).await.unwrap_err();
                // 1 of 3 failed: still closed.
                call(true).await.unwrap();
                // 2 of the last 4: open.
                call(false).await.unwrap_err();
                assert_eq!(call(true).await, Err(ApiError::Open(Some(t0 + ms(10)))));
            })
            .await;
        }

        async fn with_shares_one_breaker_between_fns_and_methods() {
            static API: orchestrate::CircuitBreaker =
                orchestrate::CircuitBreaker::consecutive_failures(2).open_for(Duration::from_secs(1));
            #[circuit_breaker(with = API)]
            async fn user(up: bool) -> Result<u32, ApiError> {
                if up { Ok(1) } else { Err(ApiError::Down) }
            }
            struct Client;
            impl Client {
                #[circuit_breaker(with = API)]
                async fn posts<T: Send>(&self, value: T) -> Result<T, ApiError> {
                    Ok(value)
                }
            }
            on_virtual_time(async {
                let t0 = timer::now();
                user(false).await.unwrap_err();
                user(false).await.unwrap_err();
                let open = Err(ApiError::Open(Some(t0 + Duration::from_secs(1))));
                assert_eq!(Client.posts("x").await, open);
                sleep(Duration::from_secs(1)).await;
                assert_eq!(Client.posts(3_u8).await, Ok(3));
                assert_eq!(user(true).await, Ok(1));
            })
            .await;
        }

        async fn a_method_with_a_hidden_breaker_shares_it_across_receivers() {
            struct Client(bool);
            impl Client {
                #[circuit_breaker(consecutive_failures = 1, open_for_ms = 50)]
                async fn get<T: Default>(&self) -> Result<T, ApiError> {
                    if self.0 { Ok(T::default()) } else { Err(ApiError::Down) }
                }
            }
            on_virtual_time(async {
                let t0 = timer::now();
                assert_eq!(Client(false).get::<u8>().await, Err(ApiError::Down));
                // Another receiver, another type: the same breaker, open.
                let open = Err(ApiError::Open(Some(t0 + ms(50))));
                assert_eq!(Client(true).get::<String>().await, open);
            })
            .await;
        }

        async fn retry_above_the_breaker_counts_each_attempt() {
            static RUNS: AtomicU32 = AtomicU32::new(0);
            #[retry(times = 3, backoff = constant(ms = 10))]
            #[circuit_breaker(consecutive_failures = 2, open_for_secs = 1)]
            async fn call() -> Result<(), ApiError> {
                RUNS.fetch_add(1, Ordering::Relaxed);
                Err(ApiError::Down)
            }
            on_virtual_time(async {
                let t0 = timer::now();
                // Attempts at 0 and 10 fail and open the breaker; the third,
                // at 20, is refused without running.
                assert_eq!(call().await, Err(ApiError::Open(Some(t0 + ms(1010)))));
                assert_eq!(timer::now(), t0 + ms(20));
                assert_eq!(RUNS.load(Ordering::Relaxed), 2);
            })
            .await;
        }

        async fn the_breaker_above_retry_counts_each_retried_call() {
            static RUNS: AtomicU32 = AtomicU32::new(0);
            #[circuit_breaker(consecutive_failures = 2, open_for_secs = 1)]
            #[retry(times = 3, backoff = constant(ms = 10))]
            async fn call() -> Result<(), ApiError> {
                RUNS.fetch_add(1, Ordering::Relaxed);
                Err(ApiError::Down)
            }
            on_virtual_time(async {
                let t0 = timer::now();
                // Each call runs the body 3 times and counts as 1 failure.
                assert_eq!(call().await, Err(ApiError::Down));
                assert_eq!(timer::now(), t0 + ms(20));
                assert_eq!(call().await, Err(ApiError::Down));
                assert_eq!(timer::now(), t0 + ms(40));
                assert_eq!(RUNS.load(Ordering::Relaxed), 6);
                // Open from t0 + 40 ms: the third call is refused at once.
                assert_eq!(call().await, Err(ApiError::Open(Some(t0 + ms(1040)))));
                assert_eq!(timer::now(), t0 + ms(40));
                assert_eq!(RUNS.load(Ordering::Relaxed), 6);
            })
            .await;
        }

        async fn the_breaker_above_a_timeout_counts_timeouts_as_failures() {
            #[circuit_breaker(consecutive_failures = 2, open_for_ms = 100)]
            #[timeout(ms = 30)]
            async fn call(runs: &Runs) -> Result<(), ApiError> {
                runs.run();
                sleep(Duration::from_secs(60)).await;
                Ok(())
            }
            on_virtual_time(async {
                let runs = Runs::default();
                let t0 = timer::now();
                assert_eq!(call(&runs).await, Err(ApiError::TimedOut));
                assert_eq!(call(&runs).await, Err(ApiError::TimedOut));
                // Open at t0 + 60 ms: refused in no time.
                assert_eq!(call(&runs).await, Err(ApiError::Open(Some(t0 + ms(160)))));
                assert_eq!(timer::now(), t0 + ms(60));
                assert_eq!(runs.at(), [t0, t0 + ms(30)]);
            })
            .await;
        }

        async fn a_breaker_on_an_async_trait_method() {
            #[async_trait::async_trait]
            trait Api {
                async fn get(&self, up: bool) -> Result<u8, ApiError>;
            }
            struct Client;
            #[async_trait::async_trait]
            impl Api for Client {
                #[circuit_breaker(consecutive_failures = 1, open_for_ms = 10)]
                async fn get(&self, up: bool) -> Result<u8, ApiError> {
                    if up { Ok(1) } else { Err(ApiError::Down) }
                }
            }
            on_virtual_time(async {
                let t0 = timer::now();
                assert_eq!(Client.get(false).await, Err(ApiError::Down));
                assert_eq!(Client.get(true).await, Err(ApiError::Open(Some(t0 + ms(10)))));
                sleep(ms(10)).await;
                assert_eq!(Client.get(true).await, Ok(1));
            })
            .await;
        }

        async fn attributes_written_by_full_path_stack_too() {
            #[orchestrate::circuit_breaker(consecutive_failures = 1, open_for_ms = 10)]
            #[orchestrate::prelude::hedge(after_ms = 5)]
            async fn call(runs: &Runs) -> Result<(), ApiError> {
                runs.run();
                sleep(ms(1)).await;
                Err(ApiError::Down)
            }
            on_virtual_time(async {
                let runs = Runs::default();
                let t0 = timer::now();
                // Both hedged attempts fail: one failure for the breaker.
                assert_eq!(call(&runs).await, Err(ApiError::Down));
                assert_eq!(runs.at(), [t0, t0 + ms(1)]);
                assert_eq!(call(&runs).await, Err(ApiError::Open(Some(t0 + ms(12)))));
            })
            .await;
        }

        async fn a_breaker_under_hedge_counts_every_attempt() {
            #[hedge(after_ms = 10, max_extra = 2)]
            #[circuit_breaker(consecutive_failures = 2, open_for_secs = 1)]
            async fn call(runs: &Runs) -> Result<(), ApiError> {
                let n = runs.run();
                sleep(ms(if n < 2 { 1 } else { 100 })).await;
                Err(ApiError::Down)
            }
            on_virtual_time(async {
                let runs = Runs::default();
                let t0 = timer::now();
                // The first two attempts fail at once (1 ms each) and open
                // the breaker; the third is refused: the last error.
                assert_eq!(call(&runs).await, Err(ApiError::Open(Some(t0 + ms(1002)))));
                assert_eq!(runs.at(), [t0, t0 + ms(1)]);
                assert_eq!(timer::now(), t0 + ms(2));
            })
            .await;
        }
    }
}
