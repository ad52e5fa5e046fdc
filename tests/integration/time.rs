//! Timeouts and deadlines under every runtime: `timeout`, `.timeout()`,
//! `.deadline()`, `Deadline` and `Elapsed`.
//!
//! Every timing test runs on a `VirtualClock` that jumps to the next timer
//! when all is idle: limits are checked to the exact instant, and a test that
//! waits for a 10 s branch to be cancelled takes microseconds of real time.
//! The last section keeps a few tests on real time, to prove the default
//! timer still waits for real.

use support::runtime_tests;

use std::fmt::{Debug, Display};
use std::future::{IntoFuture, Ready, pending, ready};
use std::pin::{Pin, pin};
use std::task::Poll;
use std::time::{Duration, Instant};

use orchestrate::prelude::*;
use orchestrate::testing::VirtualClock;
use orchestrate::{Sleep, Timeout, TryTimeout, sleep, sleep_until, timer, try_timeout};
use support::{DropCounter, FOREVER, GENEROUS, finish_after, ms, poll_once};

/// Runs `body` on a fresh auto-advancing virtual clock.
async fn on_virtual_time<T>(body: impl IntoFuture<Output = T>) -> T {
    VirtualClock::auto().run(body).await
}

/// A value that is `IntoFuture` but not itself a `Future`.
struct Answer;

impl IntoFuture for Answer {
    type Output = u32;
    type IntoFuture = Ready<u32>;

    fn into_future(self) -> Self::IntoFuture {
        ready(42)
    }
}

/// A fallible call's error, with the timeout as one of its cases.
#[derive(Debug, PartialEq)]
enum ApiError {
    Down,
    TimedOut(Elapsed),
}

impl From<Elapsed> for ApiError {
    fn from(elapsed: Elapsed) -> Self {
        ApiError::TimedOut(elapsed)
    }
}

fn assert_elapsed_traits<
    T: Debug + Display + std::error::Error + Clone + PartialEq + Send + Sync + 'static,
>() {
}

fn assert_send_sync<T: Send + Sync>() {}

/// `Clone::clone` through a generic, to test the `Clone` impl of a `Copy` type.
fn cloned<T: Clone>(value: &T) -> T {
    value.clone()
}

runtime_tests! {
    // ----------------------------------------------------------------- timeout

    async fn timeout_is_ok_for_a_fast_future() {
        on_virtual_time(async {
            assert_eq!(timeout(GENEROUS, async { 42 }).await, Ok(42));
            assert_eq!(timeout(GENEROUS, sleep(ms(10))).await, Ok(()));
            assert_eq!(timeout(GENEROUS, Answer).await, Ok(42));
            // Not cut short: a future well inside its limit, but not instant.
            assert_eq!(timeout(ms(1500), sleep(ms(150))).await, Ok(()));
            assert_eq!(sleep(ms(150)).timeout(ms(1500)).await, Ok(()));
        })
        .await;
    }

    async fn timeout_is_elapsed_for_a_slow_future_and_drops_it() {
        on_virtual_time(async {
            let drops = DropCounter::new();
            let start = timer::now();
            let out = timeout(ms(120), finish_after(drops.guard(), FOREVER, "never")).await;
            let waited = timer::now() - start;
            assert_eq!(drops.dropped(), 1, "the inner future is dropped on expiry");
            let elapsed = out.unwrap_err();
            assert_eq!(elapsed.duration(), ms(120));
            assert_eq!(elapsed.to_string(), "timed out after 120ms");
            assert_eq!(waited, ms(120), "expired at the exact limit");
        })
        .await;
    }

    async fn timeout_drops_the_inner_future_at_expiry_not_when_dropped_itself() {
        on_virtual_time(async {
            let drops = DropCounter::new();
            let mut limited = pin!(timeout(ms(20), finish_after(drops.guard(), FOREVER, ())));
            assert!(limited.get_ref().is_some());
            assert_eq!(limited.as_mut().await, Err(Elapsed::new(ms(20))));
            // The `Timeout` is still alive here; its inner future is not.
            assert_eq!(drops.dropped(), 1);
            assert!(limited.get_ref().is_none());
        })
        .await;
    }

    async fn timeout_method_comes_with_the_prelude() {
        on_virtual_time(async {
            assert_eq!(async { 1 }.timeout(GENEROUS).await, Ok(1));
            let late = sleep(FOREVER).timeout(ms(20)).await;
            assert_eq!(late, Err(Elapsed::new(ms(20))));
            let drops = DropCounter::new();
            let late = finish_after(drops.guard(), FOREVER, ()).timeout(ms(10)).await;
            assert!(late.is_err());
            assert_eq!(drops.dropped(), 1);
        })
        .await;
    }

    async fn a_ready_future_under_a_zero_limit_is_ok() {
        on_virtual_time(async {
            assert_eq!(timeout(Duration::ZERO, async { 7 }).await, Ok(7));
            assert_eq!(timeout(Duration::ZERO, ready("now")).await, Ok("now"));
            assert_eq!(async { 8 }.timeout(Duration::ZERO).await, Ok(8));
            assert_eq!(Deadline::after(Duration::ZERO).run(async { 9 }).await, Ok(9));
            // A zero sleep is ready at once too.
            assert_eq!(timeout(Duration::ZERO, sleep(Duration::ZERO)).await, Ok(()));
        })
        .await;
    }

    async fn a_pending_future_under_a_zero_limit_times_out_at_once() {
        on_virtual_time(async {
            let start = timer::now();
            let out = timeout(Duration::ZERO, pending::<()>()).await;
            assert_eq!(out, Err(Elapsed::new(Duration::ZERO)));
            assert_eq!(out.unwrap_err().to_string(), "timed out after 0ms");
            assert_eq!(timer::now(), start, "at once");
        })
        .await;
    }

    async fn a_timeout_clock_starts_at_its_first_poll() {
        on_virtual_time(async {
            let limited = timeout(ms(200), sleep(ms(20)));
            // Longer than the limit, but the timeout has not been polled yet.
            sleep(ms(300)).await;
            assert_eq!(limited.await, Ok(()));
        })
        .await;
    }

    async fn duration_max_never_fires_and_never_panics() {
        on_virtual_time(async {
            assert_eq!(timeout(Duration::MAX, sleep(ms(10))).await, Ok(()));
            assert_eq!(sleep(ms(5)).timeout(Duration::MAX).await, Ok(()));
            assert_eq!(timeout(Duration::MAX, async { 1 }).await, Ok(1));
            let forever = Deadline::after(Duration::MAX);
            assert_eq!(forever.remaining(), Duration::MAX);
            assert!(!forever.is_expired());
            assert_eq!(forever.run(sleep(ms(10))).await, Ok(()));
            assert_eq!(sleep(ms(5)).deadline(forever).await, Ok(()));
        })
        .await;
    }

    async fn a_timeout_over_a_join_drops_every_branch() {
        on_virtual_time(async {
            let drops = DropCounter::new();
            let out = parallel((0..40).map(|i| finish_after(drops.guard(), FOREVER, Ok::<_, ()>(i))))
                .timeout(ms(20))
                .await;
            assert_eq!(out, Err(Elapsed::new(ms(20))));
            assert_eq!(drops.dropped(), 40);
        })
        .await;
    }

    async fn timeout_is_a_named_future_type() {
        on_virtual_time(async {
            let limited: Timeout<Ready<u8>> = timeout(GENEROUS, ready(3));
            assert_eq!(limited.await, Ok(3));
            let unwrapped = timeout(GENEROUS, ready(4)).into_inner().expect("not finished");
            assert_eq!(unwrapped.await, 4);
        })
        .await;
    }

    // ------------------------------------------------------------- try_timeout

    async fn try_timeout_passes_an_ok_through() {
        on_virtual_time(async {
            let start = timer::now();
            let out = try_timeout(ms(100), async {
                sleep(ms(30)).await;
                Ok::<_, ApiError>(5)
            })
            .await;
            assert_eq!(out, Ok(5));
            assert_eq!(async { Ok::<_, ApiError>(6) }.try_timeout(ms(100)).await, Ok(6));
            assert_eq!(timer::now() - start, ms(30));
        })
        .await;
    }

    async fn try_timeout_passes_the_inner_error_through() {
        on_virtual_time(async {
            let start = timer::now();
            let out = try_timeout(ms(100), async {
                sleep(ms(40)).await;
                Err::<u8, _>(ApiError::Down)
            })
            .await;
            assert_eq!(out, Err(ApiError::Down));
            let out = async { Err::<u8, _>(ApiError::Down) }.try_timeout(ms(100)).await;
            assert_eq!(out, Err(ApiError::Down));
            assert_eq!(timer::now() - start, ms(40));
        })
        .await;
    }

    async fn try_timeout_turns_expiry_into_the_error_type_and_drops_the_future() {
        on_virtual_time(async {
            let drops = DropCounter::new();
            let start = timer::now();
            let out = try_timeout(ms(120), finish_after(drops.guard(), FOREVER, Ok::<u8, ApiError>(1))).await;
            assert_eq!(out, Err(ApiError::TimedOut(Elapsed::new(ms(120)))));
            assert_eq!(timer::now() - start, ms(120), "at the exact limit");
            assert_eq!(drops.dropped(), 1);
            let out = finish_after(drops.guard(), FOREVER, Ok::<u8, ApiError>(1)).try_timeout(ms(30)).await;
            assert_eq!(out, Err(ApiError::TimedOut(Elapsed::new(ms(30)))));
            assert_eq!(drops.dropped(), 2);
            // An io::Result works as is: `io::Error: From<Elapsed>`.
            let io = try_timeout(ms(10), pending::<std::io::Result<()>>()).await;
            assert_eq!(io.unwrap_err().kind(), std::io::ErrorKind::TimedOut);
        })
        .await;
    }

    async fn try_timeout_works_with_the_question_mark() {
        async fn handler(limit: Duration) -> Result<u32, ApiError> {
            let user = try_timeout(limit, async {
                sleep(ms(50)).await;
                Ok::<_, ApiError>(7)
            })
            .await?;
            let posts = async {
                sleep(ms(50)).await;
                Ok::<_, ApiError>(3)
            }
            .try_timeout(limit)
            .await?;
            Ok(user + posts)
        }
        on_virtual_time(async {
            let start = timer::now();
            assert_eq!(handler(ms(60)).await, Ok(10));
            assert_eq!(timer::now() - start, ms(100));
            assert_eq!(handler(ms(20)).await, Err(ApiError::TimedOut(Elapsed::new(ms(20)))));
            assert_eq!(timer::now() - start, ms(120));
        })
        .await;
    }

    async fn try_timeout_is_lazy_and_polls_before_the_clock() {
        on_virtual_time(async {
            let limited = try_timeout(ms(200), async {
                sleep(ms(20)).await;
                Ok::<_, ApiError>(())
            });
            sleep(ms(300)).await;
            assert_eq!(limited.await, Ok(()), "the clock starts at the first poll");
            let clock = VirtualClock::new();
            let ready = clock.run(try_timeout(Duration::ZERO, async { Ok::<_, ApiError>(9) }));
            assert_eq!(ready.await, Ok(9), "a ready future never times out");
            assert_eq!(clock.pending_timers(), 0, "and arms no timer");
        })
        .await;
    }

    async fn try_timeout_under_a_deadline_gives_up_by_the_tighter_limit() {
        on_virtual_time(async {
            let start = timer::now();
            let deadline = Deadline::after(ms(50));
            let out = deadline.run(try_timeout(ms(500), pending::<Result<(), ApiError>>())).await;
            assert_eq!(out, Ok(Err(ApiError::TimedOut(Elapsed::new(ms(50))))));
            assert_eq!(timer::now() - start, ms(50));
        })
        .await;
    }

    async fn try_timeout_is_a_named_future_type() {
        on_virtual_time(async {
            let limited: TryTimeout<Ready<Result<u8, ApiError>>> = try_timeout(GENEROUS, ready(Ok(3)));
            assert!(limited.get_ref().is_some());
            assert_eq!(limited.await, Ok(3));
            let unwrapped = try_timeout(GENEROUS, ready(Ok::<u8, ApiError>(4))).into_inner();
            assert_eq!(unwrapped.expect("not finished").await, Ok(4));
        })
        .await;
    }

    // ----------------------------------------------------------------- Elapsed

    async fn elapsed_displays_its_limit_in_milliseconds() {
        on_virtual_time(async {
            let cases = [
                (Duration::from_secs(2), "timed out after 2000ms"),
                (Duration::ZERO, "timed out after 0ms"),
                (ms(1), "timed out after 1ms"),
                (ms(20), "timed out after 20ms"),
                (ms(1500), "timed out after 1500ms"),
                (Duration::from_secs(90), "timed out after 90000ms"),
            ];
            for (limit, text) in cases {
                let elapsed = Elapsed::new(limit);
                assert_eq!(elapsed.to_string(), text);
                assert_eq!(elapsed.duration(), limit);
            }
            // A real one reads the same.
            let real = timeout(ms(15), pending::<()>()).await.unwrap_err();
            assert_eq!(real.to_string(), "timed out after 15ms");
            assert_eq!(real.duration(), ms(15));
        })
        .await;
    }

    async fn elapsed_has_the_promised_traits() {
        on_virtual_time(async {
            assert_elapsed_traits::<Elapsed>();
            let elapsed = timeout(Duration::ZERO, pending::<()>()).await.unwrap_err();
            let copy = cloned(&elapsed);
            assert_eq!(copy, elapsed);
            assert_ne!(Elapsed::new(ms(1)), Elapsed::new(ms(2)));
            assert!(format!("{elapsed:?}").contains("Elapsed"));
            let boxed: Box<dyn std::error::Error + Send + Sync> = Box::new(elapsed);
            assert_eq!(boxed.to_string(), "timed out after 0ms");
            // The futures are shareable too.
            assert_send_sync::<Timeout<Sleep>>();
            assert_send_sync::<Deadline>();
        })
        .await;
    }

    async fn elapsed_converts_into_an_io_error_of_kind_timed_out() {
        on_virtual_time(async {
            async fn fetch() -> std::io::Result<u8> {
                let value = timeout(ms(5), pending::<u8>()).await?;
                Ok(value)
            }

            let io: std::io::Error = Elapsed::new(Duration::from_secs(2)).into();
            assert_eq!(io.kind(), std::io::ErrorKind::TimedOut);
            assert!(io.to_string().contains("timed out after 2000ms"), "{io}");
            let err = fetch().await.unwrap_err();
            assert_eq!(err.kind(), std::io::ErrorKind::TimedOut);
        })
        .await;
    }

    // ---------------------------------------------------------------- Deadline

    async fn a_deadline_bounds_sequential_steps() {
        on_virtual_time(async {
            let budget = ms(800);
            let start = timer::now();
            let deadline = Deadline::after(budget);
            assert_eq!(deadline.budget(), budget);
            let first = deadline.run(async {
                sleep(ms(50)).await;
                "first"
            })
            .await;
            let second = sleep(ms(50)).deadline(deadline).await;
            let drops = DropCounter::new();
            let third = deadline.run(finish_after(drops.guard(), FOREVER, "third")).await;
            let waited = timer::now() - start;
            assert_eq!(first, Ok("first"));
            assert_eq!(second, Ok(()));
            let elapsed = third.unwrap_err();
            assert_eq!(elapsed.duration(), budget, "names the whole budget, not what was left");
            assert_eq!(elapsed.to_string(), "timed out after 800ms");
            assert_eq!(drops.dropped(), 1);
            assert!(deadline.is_expired());
            assert_eq!(waited, budget, "the deadline fired at its exact instant");
        })
        .await;
    }

    async fn a_deadline_clock_starts_at_its_creation() {
        on_virtual_time(async {
            let deadline = Deadline::after(ms(100));
            sleep(ms(200)).await;
            assert!(deadline.is_expired());
            assert_eq!(deadline.remaining(), Duration::ZERO);
            // A ready step still wins; a pending one fails at once.
            assert_eq!(deadline.run(async { 1 }).await, Ok(1));
            let start = timer::now();
            assert_eq!(deadline.run(sleep(FOREVER)).await, Err(Elapsed::new(ms(100))));
            assert_eq!(timer::now(), start, "a passed deadline fails at once");
        })
        .await;
    }

    async fn a_deadline_is_shared_by_parallel_branches() {
        on_virtual_time(async {
            let deadline = Deadline::after(ms(300));
            let drops = DropCounter::new();
            let start = timer::now();
            let out = parallel([
                deadline.run(finish_after(drops.guard(), ms(10), 1)),
                deadline.run(finish_after(drops.guard(), ms(20), 2)),
                deadline.run(finish_after(drops.guard(), FOREVER, 3)),
            ])
            .await;
            assert_eq!(out, Err(Elapsed::new(ms(300))));
            assert_eq!(drops.dropped(), 1);
            assert_eq!(timer::now() - start, ms(300));

            let deadline = Deadline::after(ms(200));
            let all = settled([ms(10), FOREVER, ms(20)].map(|delay| deadline.run(sleep(delay)))).await;
            assert_eq!(all, [Ok(()), Err(Elapsed::new(ms(200))), Ok(())]);

            let roomy = Deadline::after(GENEROUS);
            let fits = parallel((1..=5).map(|i| {
                roomy.run(async move {
                    sleep(ms(i * 5)).await;
                    i
                })
            }))
            .await;
            assert_eq!(fits, Ok(vec![1, 2, 3, 4, 5]));
        })
        .await;
    }

    async fn a_deadline_in_the_past_lets_ready_futures_win() {
        on_virtual_time(async {
            let past = timer::now();
            sleep(ms(5)).await;
            let deadline = Deadline::at(past);
            assert!(deadline.is_expired());
            assert_eq!(deadline.remaining(), Duration::ZERO);
            assert_eq!(deadline.instant(), Some(past));
            assert_eq!(deadline.run(async { 1 }).await, Ok(1));
            assert_eq!(deadline.run(ready(2)).await, Ok(2));
            assert_eq!(deadline.run(Answer).await, Ok(42));
            assert_eq!(async { 3 }.deadline(past).await, Ok(3));

            let start = timer::now();
            let drops = DropCounter::new();
            let late = deadline.run(finish_after(drops.guard(), FOREVER, ())).await;
            assert_eq!(late, Err(Elapsed::new(Duration::ZERO)));
            assert_eq!(drops.dropped(), 1);
            assert!(sleep(FOREVER).deadline(past).await.is_err());
            assert_eq!(timer::now(), start, "a past deadline waited");
        })
        .await;
    }

    async fn deadline_method_takes_an_instant_or_a_deadline() {
        on_virtual_time(async {
            assert_eq!(async { 1 }.deadline(timer::now() + GENEROUS).await, Ok(1));
            assert_eq!(async { 2 }.deadline(Deadline::after(GENEROUS)).await, Ok(2));
            let late = sleep(FOREVER).deadline(Deadline::after(ms(30))).await;
            assert_eq!(late, Err(Elapsed::new(ms(30))));
            let late = sleep(FOREVER).deadline(timer::now() + ms(30)).await;
            assert!(late.is_err());
        })
        .await;
    }

    async fn deadline_remaining_decreases() {
        on_virtual_time(async {
            let deadline = Deadline::after(Duration::from_secs(10));
            let first = deadline.remaining();
            assert!(first <= Duration::from_secs(10));
            sleep(ms(20)).await;
            let second = deadline.remaining();
            assert!(second < first, "{second:?} is not below {first:?}");
            assert!(second <= ms(9_980));
            assert!(!deadline.is_expired());
        })
        .await;
    }

    // ------------------------------------------------------------------- sleep

    async fn sleep_waits_on_the_crate_timer_in_any_runtime() {
        on_virtual_time(async {
            let start = timer::now();
            sleep(ms(30)).await;
            assert_eq!(timer::now() - start, ms(30));
            let at = timer::now() + ms(20);
            sleep_until(at).await;
            assert!(timer::now() >= at);
            // A past instant is ready at once.
            let mut nap: Pin<&mut Sleep> = pin!(sleep_until(start));
            assert_eq!(poll_once(nap.as_mut()).await, Poll::Ready(()));
        })
        .await;
    }
}

/// On real time: the default timer (futures-timer) really waits, and a
/// timeout really fires, under every runtime.
mod real_time {
    use super::*;

    runtime_tests! {
        async fn sleep_waits_for_real() {
            let start = Instant::now();
            sleep(ms(30)).await;
            assert!(start.elapsed() >= ms(30));
            let at = Instant::now() + ms(20);
            sleep_until(at).await;
            assert!(Instant::now() >= at);
        }

        async fn a_timeout_fires_on_real_time() {
            let drops = DropCounter::new();
            let start = Instant::now();
            let out = timeout(ms(40), finish_after(drops.guard(), FOREVER, ())).await;
            let waited = start.elapsed();
            assert_eq!(out, Err(Elapsed::new(ms(40))));
            assert_eq!(drops.dropped(), 1);
            assert!(waited >= ms(40), "expired early, after {waited:?}");
            assert!(waited < GENEROUS, "expired late, after {waited:?}");
        }

        async fn a_deadline_fires_on_real_time() {
            let deadline = Deadline::after(ms(40));
            let start = Instant::now();
            assert_eq!(deadline.run(sleep(ms(5))).await, Ok(()));
            assert_eq!(deadline.run(sleep(FOREVER)).await, Err(Elapsed::new(ms(40))));
            assert!(start.elapsed() < GENEROUS);
            assert!(deadline.is_expired());
        }
    }
}
