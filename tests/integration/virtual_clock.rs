//! The virtual clock under every runtime: timeouts, deadlines, sleeps and
//! retries complete at exact virtual instants without waiting for real time,
//! whether the clock is advanced by hand or jumps ahead when idle.

use support::runtime_tests;

use std::future::pending;
use std::pin::pin;
use std::task::Poll;
use std::time::{Duration, Instant};

use orchestrate::prelude::*;
use orchestrate::testing::VirtualClock;
use orchestrate::timer::{self, with_timer};
use orchestrate::{sleep, sleep_until};
use support::{DropCounter, finish_after, ms, poll_once, yield_now};

const HOUR: Duration = Duration::from_secs(3600);

/// Real time a test on the virtual clock may take, on a loaded machine.
const REAL_BOUND: Duration = Duration::from_secs(2);

runtime_tests! {
    async fn a_one_hour_timeout_finishes_in_milliseconds() {
        let real = Instant::now();
        let clock = VirtualClock::auto();
        let drops = DropCounter::new();
        let out = clock
            .run(timeout(HOUR, finish_after(drops.guard(), 2 * HOUR, "never")))
            .await;
        assert_eq!(out, Err(Elapsed::new(HOUR)));
        assert_eq!(out.unwrap_err().to_string(), "timed out after 3600000ms");
        assert_eq!(drops.dropped(), 1, "the inner future is dropped on expiry");
        assert_eq!(clock.elapsed(), HOUR, "exactly the limit, not a tick more");
        assert_eq!(clock.pending_timers(), 0, "the inner sleep's timer is gone with it");
        assert!(real.elapsed() < REAL_BOUND, "took {:?} of real time", real.elapsed());
    }

    async fn a_fast_future_beats_its_virtual_limit() {
        let clock = VirtualClock::auto();
        let out = clock.run(timeout(ms(1500), sleep(ms(1499)))).await;
        assert_eq!(out, Ok(()));
        assert_eq!(clock.elapsed(), ms(1499));
    }

    async fn a_manual_clock_moves_only_when_advanced() {
        let clock = VirtualClock::new();
        let mut limited = pin!(clock.run(timeout(ms(100), pending::<()>())));
        assert_eq!(poll_once(limited.as_mut()).await, Poll::Pending);
        assert_eq!(clock.next_timer(), Some(clock.now() + ms(100)));
        clock.advance(ms(99));
        assert_eq!(poll_once(limited.as_mut()).await, Poll::Pending);
        clock.advance(ms(1));
        assert_eq!(poll_once(limited.as_mut()).await, Poll::Ready(Err(Elapsed::new(ms(100)))));
        assert_eq!(clock.elapsed(), ms(100));
    }

    async fn advancing_wakes_the_waiting_task() {
        let clock = VirtualClock::new();
        let sleeper = clock.run(async {
            let start = timer::now();
            sleep(Duration::from_secs(30)).await;
            timer::now() - start
        });
        let advancer = async {
            // Let the sleeper arm its timer, then move time past it.
            while clock.pending_timers() == 0 {
                yield_now(1).await;
            }
            clock.advance(Duration::from_secs(45));
        };
        let (slept, ()) = futures::join!(sleeper, advancer);
        assert_eq!(slept, Duration::from_secs(45));
    }

    async fn deadlines_run_on_virtual_time() {
        let clock = VirtualClock::auto();
        clock.run(async {
            let deadline = Deadline::after(Duration::from_secs(10));
            assert_eq!(deadline.remaining(), Duration::from_secs(10));
            assert_eq!(deadline.run(sleep(Duration::from_secs(4))).await, Ok(()));
            assert_eq!(deadline.remaining(), Duration::from_secs(6));
            let late = deadline.run(sleep(HOUR)).await;
            assert_eq!(late, Err(Elapsed::new(Duration::from_secs(10))));
            assert!(deadline.is_expired());
        })
        .await;
        assert_eq!(clock.elapsed(), Duration::from_secs(10));
    }

    async fn sleep_until_takes_virtual_instants() {
        let clock = VirtualClock::auto();
        let at = clock.now() + Duration::from_secs(90);
        clock.run(sleep_until(at)).await;
        assert_eq!(clock.now(), at);
        // Past instants are ready at once, without a timer.
        clock.run(sleep_until(clock.now().checked_sub(ms(1)).expect("in range"))).await;
        assert_eq!(clock.now(), at);
    }

    async fn branches_finish_in_virtual_order() {
        let clock = VirtualClock::auto();
        let order = std::sync::Mutex::new(Vec::new());
        let delays = [300, 100, 200, 0];
        let out = clock
            .run(parallel(delays.map(|delay| {
                let order = &order;
                async move {
                    sleep(ms(delay)).await;
                    order.lock().unwrap().push(delay);
                    Ok::<_, Elapsed>(delay)
                }
            })))
            .await;
        assert_eq!(out, Ok(delays.to_vec()));
        assert_eq!(*order.lock().unwrap(), [0, 100, 200, 300]);
        assert_eq!(clock.elapsed(), ms(300));
    }

    async fn the_clock_waits_while_any_scope_is_busy() {
        let clock = VirtualClock::auto();
        let busy = clock.run(async {
            // Many polls without a timer: the clock must not move meanwhile.
            yield_now(50).await;
            timer::now()
        });
        let sleeper = clock.run(async {
            sleep(Duration::from_secs(5)).await;
            timer::now()
        });
        let start = clock.now();
        let (busy_done, slept) = futures::join!(busy, sleeper);
        assert_eq!(busy_done, start, "time stood still while a scope was busy");
        assert_eq!(slept - start, Duration::from_secs(5));
    }

    async fn two_scopes_share_one_clock() {
        let clock = VirtualClock::auto();
        let short = clock.run(async {
            sleep(Duration::from_secs(5)).await;
            timer::now()
        });
        let long = clock.run(async {
            sleep(Duration::from_secs(10)).await;
            timer::now()
        });
        let start = clock.now();
        let (short, long) = futures::join!(short, long);
        assert_eq!(short - start, Duration::from_secs(5));
        assert_eq!(long - start, Duration::from_secs(10));
    }

    async fn with_timer_installs_a_manual_clock_too() {
        let clock = VirtualClock::new();
        let mut nap = pin!(with_timer(clock.clone(), sleep(HOUR)));
        assert_eq!(poll_once(nap.as_mut()).await, Poll::Pending);
        clock.advance(HOUR);
        assert_eq!(poll_once(nap.as_mut()).await, Poll::Ready(()));
    }

    async fn retries_wait_on_virtual_time() {
        let clock = VirtualClock::auto();
        let mut calls = 0;
        let out = clock
            .run(retry(Backoff::exponential(Duration::from_secs(60)).attempts(4), || {
                calls += 1;
                async { Err::<(), _>("down") }
            }))
            .await;
        assert_eq!(out, Err("down"));
        assert_eq!(calls, 4);
        assert_eq!(clock.elapsed(), Duration::from_secs(60 + 120 + 240));
    }

    async fn timer_now_reads_the_clock_in_scope_only() {
        let clock = VirtualClock::new();
        clock.advance(HOUR);
        let inside = clock.run(async { timer::now() }).await;
        assert_eq!(inside, clock.now());
        let outside = timer::now();
        assert!(outside < clock.now(), "outside the scope, real time");
    }

    async fn a_nested_clock_scope_wins() {
        let outer = VirtualClock::auto();
        let inner = VirtualClock::auto();
        outer
            .run(async {
                inner.run(sleep(Duration::from_secs(7))).await;
                sleep(Duration::from_secs(1)).await;
            })
            .await;
        assert_eq!(inner.elapsed(), Duration::from_secs(7));
        assert_eq!(outer.elapsed(), Duration::from_secs(1));
    }

    async fn advancing_by_duration_max_saturates_and_fires_every_timer() {
        let clock = VirtualClock::new();
        let start = clock.now();
        let mut nap = pin!(clock.run(sleep(100 * 365 * 24 * HOUR)));
        let mut limited = pin!(clock.run(timeout(50 * 365 * 24 * HOUR, pending::<()>())));
        assert!(poll_once(nap.as_mut()).await.is_pending());
        assert!(poll_once(limited.as_mut()).await.is_pending());
        assert_eq!(clock.pending_timers(), 2);
        clock.advance(Duration::MAX);
        let end = clock.now();
        assert!(
            end - start > 100 * 365 * 24 * HOUR,
            "moved to the end of the range"
        );
        assert_eq!(
            end.checked_add(Duration::from_nanos(1)),
            None,
            "the latest instant there is"
        );
        assert_eq!(clock.elapsed(), end - start);
        assert_eq!(poll_once(nap.as_mut()).await, Poll::Ready(()));
        assert_eq!(
            poll_once(limited.as_mut()).await,
            Poll::Ready(Err(Elapsed::new(50 * 365 * 24 * HOUR)))
        );
        assert_eq!(clock.pending_timers(), 0);
        // Saturated: it stays there, and a deadline past it never comes.
        clock.advance(Duration::MAX);
        clock.advance(HOUR);
        assert_eq!(clock.now(), end);
        let never = clock.run(async { Deadline::after(HOUR) }).await;
        assert_eq!(never.instant(), None);
    }

}

#[test]
fn the_clock_is_debug_and_default() {
    let clock = VirtualClock::default();
    assert!(!clock.is_auto());
    clock.advance(ms(5));
    let text = format!("{clock:?}");
    assert!(
        text.contains("VirtualClock") && text.contains("5ms"),
        "{text}"
    );
}

#[test]
fn advance_to_never_goes_backwards() {
    let clock = VirtualClock::new();
    let start = clock.now();
    clock.advance_to(start + ms(10));
    clock.advance_to(start + ms(5));
    assert_eq!(clock.now(), start + ms(10));
    assert_eq!(clock.elapsed(), ms(10));
}
