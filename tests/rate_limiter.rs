//! `RateLimiter` under every runtime, on an auto-advancing `VirtualClock`
//! (exact instants): steady spacing, bursts, `check` and `NotUntil`, arrival
//! order, a cancelled waiter giving its turn back, deadlines while waiting,
//! and the rate held over 10,000 calls.

use support::runtime_tests;

use std::sync::Mutex;
use std::time::Duration;

use orchestrate::{Deadline, RateLimiter, settled, sleep, timeout, timer};
use support::{ms, on_virtual_time};

runtime_tests! {
    async fn burst_one_spaces_every_start_exactly() {
        on_virtual_time(async {
            let rate = RateLimiter::per_second(10).burst(1);
            let start = timer::now();
            let starts = settled((0..20).map(|_| rate.run(async { timer::now() - start }))).await;
            let expected: Vec<Duration> = (0..20).map(|i| ms(100) * i).collect();
            assert_eq!(starts, expected);
        })
        .await;
    }

    async fn the_default_burst_is_n_then_one_per_interval() {
        on_virtual_time(async {
            let rate = RateLimiter::per_second(10);
            let start = timer::now();
            let starts = settled((0..25).map(|_| rate.run(async { timer::now() - start }))).await;
            for (i, at) in starts.iter().enumerate() {
                let expected = if i < 10 { Duration::ZERO } else { ms(100) * (u32::try_from(i).unwrap() - 9) };
                assert_eq!(*at, expected, "start {i}");
            }
            // After a quiet spell the burst is back, and no more.
            sleep(Duration::from_secs(5)).await;
            let again = timer::now();
            let starts = settled((0..12).map(|_| rate.run(async { timer::now() - again }))).await;
            assert_eq!(starts[9], Duration::ZERO);
            assert_eq!(starts[10], ms(100));
            assert_eq!(starts[11], ms(200));
        })
        .await;
    }

    async fn an_explicit_burst_and_per_period() {
        on_virtual_time(async {
            let rate = RateLimiter::per(ms(300), 3).burst(2);
            assert_eq!(rate.interval(), ms(100));
            let start = timer::now();
            let starts = settled((0..5).map(|_| rate.run(async { timer::now() - start }))).await;
            assert_eq!(starts, [ms(0), ms(0), ms(100), ms(200), ms(300)]);
        })
        .await;
    }

    async fn check_says_until_when_and_counts_only_what_it_allows() {
        on_virtual_time(async {
            let rate = RateLimiter::per(ms(100), 1);
            let start = timer::now();
            assert_eq!(rate.check(), Ok(()));
            let refused = rate.check().unwrap_err();
            assert_eq!(refused.wait_time(), ms(100));
            assert_eq!(refused.earliest_possible(), start + ms(100));
            assert_eq!(refused.to_string(), "rate limited: next start in 100ms");
            sleep(ms(40)).await;
            assert_eq!(rate.check().unwrap_err().wait_time(), ms(60));
            sleep(ms(60)).await;
            assert_eq!(rate.check(), Ok(()));
            // Per minute.
            let slow = RateLimiter::per_minute(2);
            assert_eq!((slow.check(), slow.check()), (Ok(()), Ok(())));
            assert_eq!(slow.check().unwrap_err().wait_time(), Duration::from_secs(30));
        })
        .await;
    }

    async fn check_never_goes_ahead_of_a_waiter() {
        on_virtual_time(async {
            let rate = RateLimiter::per(ms(100), 1);
            let start = timer::now();
            rate.check().unwrap();
            let waiter = rate.run(async { timer::now() - start });
            let checker = async {
                sleep(ms(100)).await;
                // The waiter's turn is now: `check` comes after it.
                rate.check()
            };
            let (waiter_start, check) = orchestrate::settled!(waiter, checker).await;
            assert_eq!(waiter_start, ms(100));
            assert_eq!(check.unwrap_err().earliest_possible(), start + ms(200));
        })
        .await;
    }

    async fn waiters_start_in_arrival_order() {
        on_virtual_time(async {
            let rate = RateLimiter::per(ms(10), 1);
            let order = Mutex::new(Vec::new());
            let delays = [5, 1, 4, 2, 3, 0];
            rate.check().unwrap();
            settled(delays.iter().enumerate().map(|(i, &delay)| {
                let (rate, order) = (&rate, &order);
                async move {
                    sleep(ms(delay)).await;
                    rate.run(async { order.lock().unwrap().push(i) }).await;
                }
            }))
            .await;
            assert_eq!(*order.lock().unwrap(), [5, 1, 3, 4, 2, 0]);
        })
        .await;
    }

    async fn a_waiter_cancelled_before_its_turn_gives_it_back() {
        on_virtual_time(async {
            let rate = RateLimiter::per(ms(100), 1);
            let start = timer::now();
            rate.check().unwrap();
            // First in line, gives up at 50 ms: the next one takes its turn.
            let gives_up = timeout(ms(50), rate.run(async {}));
            let next = async {
                sleep(ms(1)).await;
                rate.run(async { timer::now() - start }).await
            };
            let last = async {
                sleep(ms(2)).await;
                rate.run(async { timer::now() - start }).await
            };
            let (gave_up, next, last) = orchestrate::settled!(gives_up, next, last).await;
            assert!(gave_up.is_err());
            assert_eq!((next, last), (ms(100), ms(200)));
        })
        .await;
    }

    async fn a_wait_under_a_deadline_gives_up_at_it() {
        on_virtual_time(async {
            let rate = RateLimiter::per(ms(100), 1);
            let start = timer::now();
            rate.check().unwrap();
            let late = Deadline::after(ms(30)).run(rate.run(async {})).await;
            assert_eq!(late.unwrap_err().duration(), ms(30));
            assert_eq!(timer::now() - start, ms(30));
            // Its turn was given back: the next start is at 100 ms.
            let at = rate.run(async { timer::now() - start }).await;
            assert_eq!(at, ms(100));
        })
        .await;
    }

    #[should_panic(expected = "`RateLimiter::per_second(0)`")]
    async fn a_zero_rate_at_run_time_panics_naming_the_call() {
        let _ = RateLimiter::per_second(std::hint::black_box(0));
    }

    #[should_panic(expected = "`RateLimiter::burst(0)`")]
    async fn a_zero_burst_at_run_time_panics_naming_the_call() {
        let _ = RateLimiter::per_second(1).burst(std::hint::black_box(0));
    }
}

/// The cases whose `static`s each runtime's test must have to itself.
mod each_runtime {
    use super::*;

    support::runtime_tests_each! {
        async fn exactly_n_per_period_over_10_000_calls() {
            static RATE: RateLimiter = RateLimiter::per_second(100).burst(1);
            on_virtual_time(async {
                let start = timer::now();
                let starts = settled((0..10_000).map(|_| RATE.run(async { timer::now() - start }))).await;
                for (i, at) in starts.iter().enumerate() {
                    assert_eq!(*at, ms(10) * u32::try_from(i).unwrap(), "start {i}");
                }
                // 100 starts in every second: 10,000 calls over 100 s minus one interval.
                assert_eq!(timer::now() - start, ms(99_990));
            })
            .await;
        }
    }
}

/// Checks race on one compare-and-swap: threads checking at once never get
/// more starts than the burst allows (the next one is 12 s away).
#[test]
fn concurrent_checks_never_exceed_the_burst() {
    let rate = RateLimiter::per_minute(5);
    let allowed = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..8 {
            scope.spawn(|| {
                for _ in 0..10_000 {
                    if rate.check().is_ok() {
                        allowed.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    }
                }
            });
        }
    });
    assert_eq!(allowed.into_inner(), 5);
}
