//! Deadline propagation: a `Deadline` bounds the work nested under its `run`,
//! so a `#[timeout]` fn or `timeout` deep inside gives up by the tighter of
//! its own limit and the deadline, without the deadline passed by hand, in
//! every runtime.

use support::runtime_tests;
// Test bodies name helpers as `common::…`.
use support as common;

use std::time::{Duration, Instant};

use orchestrate::prelude::*;
use orchestrate::testing::VirtualClock;
use orchestrate::{sleep, timer};
use support::{DropCounter, GENEROUS, finish_after, ms};

#[derive(Debug, PartialEq)]
enum ApiError {
    TimedOut(Elapsed),
}

impl From<Elapsed> for ApiError {
    fn from(elapsed: Elapsed) -> Self {
        ApiError::TimedOut(elapsed)
    }
}

/// Knows nothing about any deadline: its own limit is 2 s.
#[timeout(ms = 2000)]
async fn slow_call(drops: common::DropGuard) -> Result<&'static str, ApiError> {
    finish_after(drops, Duration::from_secs(60), "late").await;
    Ok("done")
}

async fn handler(drops: common::DropGuard) -> Result<&'static str, ApiError> {
    // A step that does not time out, then the nested call.
    sleep(ms(700)).await;
    slow_call(drops).await
}

runtime_tests! {
    async fn a_nested_timeout_gives_up_by_the_tighter_deadline() {
        let clock = VirtualClock::auto();
        let drops = DropCounter::new();
        let start = clock.now();
        // The deadline is made inside the clock's scope, so on virtual time.
        let out = clock
            .run(async { Deadline::after(ms(1000)).run(handler(drops.guard())).await })
            .await;
        // 300 ms were left when `slow_call` started: it gave up after 300 ms,
        // with its own error, naming the deadline's budget.
        assert_eq!(out, Ok(Err(ApiError::TimedOut(Elapsed::new(ms(1000))))));
        assert_eq!(clock.now() - start, ms(1000));
        assert_eq!(drops.dropped(), 1);
    }

    async fn a_tighter_timeout_still_wins() {
        let clock = VirtualClock::auto();
        let out = clock
            .run(async {
                let deadline = Deadline::after(Duration::from_secs(10));
                deadline.run(timeout(ms(50), sleep(Duration::from_secs(60)))).await
            })
            .await;
        assert_eq!(out, Ok(Err(Elapsed::new(ms(50)))));
        assert_eq!(clock.elapsed(), ms(50));
    }

    async fn the_tightest_of_nested_deadlines_is_in_scope() {
        let clock = VirtualClock::auto();
        clock
            .run(async {
                assert_eq!(Deadline::current(), None);
                let outer = Deadline::after(Duration::from_secs(5));
                let inner = Deadline::after(Duration::from_secs(60));
                let seen = outer.run(inner.run(async { Deadline::current() })).await;
                assert_eq!(seen, Ok(Ok(Some(outer))), "a looser inner deadline does not extend the outer one");
                let tight = Deadline::after(Duration::from_secs(1));
                let seen = outer.run(tight.run(async { Deadline::current() })).await;
                assert_eq!(seen, Ok(Ok(Some(tight))));
                assert_eq!(Deadline::current(), None, "the scope ends with the poll");
                // A nested timeout under the looser inner deadline still stops at the outer one.
                let out = outer.run(inner.run(timeout(Duration::from_secs(30), sleep(Duration::from_secs(60))))).await;
                assert_eq!(out, Ok(Ok(Err(Elapsed::new(Duration::from_secs(5))))));
            })
            .await;
        assert_eq!(clock.elapsed(), Duration::from_secs(5));
    }

    async fn parallel_branches_share_the_deadline_in_scope() {
        let clock = VirtualClock::auto();
        let out = clock
            .run(async {
                let branches = [ms(100), ms(5000), ms(200)].map(|d| timeout(Duration::from_secs(2), sleep(d)));
                Deadline::after(ms(300)).run(settled(branches)).await
            })
            .await;
        assert_eq!(out, Ok(vec![Ok(()), Err(Elapsed::new(ms(300))), Ok(())]));
        assert_eq!(clock.elapsed(), ms(300));
    }

    async fn a_ready_future_under_an_expired_deadline_still_wins() {
        let clock = VirtualClock::auto();
        clock
            .run(async {
                let deadline = Deadline::after(ms(10));
                sleep(ms(20)).await;
                let out = deadline.run(timeout(ms(100), async { 7 })).await;
                assert_eq!(out, Ok(Ok(7)));
                let late = deadline.run(timeout(ms(100), sleep(ms(1)))).await;
                assert_eq!(late, Ok(Err(Elapsed::new(ms(10)))));
            })
            .await;
    }

    async fn propagation_works_on_real_time_too() {
        let drops = DropCounter::new();
        let start = Instant::now();
        let out = Deadline::after(ms(50)).run(slow_call(drops.guard())).await;
        // Two real timers due at one instant: either the nested call notices
        // first (its own error) or the deadline does; both name the budget.
        let budget = Elapsed::new(ms(50));
        assert!(out == Ok(Err(ApiError::TimedOut(budget))) || out == Err(budget), "{out:?}");
        assert_eq!(drops.dropped(), 1);
        assert!(start.elapsed() >= ms(50));
        assert!(start.elapsed() < GENEROUS, "gave up after {:?}, not 2 s", start.elapsed());
    }

    async fn timer_now_and_deadlines_agree() {
        let clock = VirtualClock::auto();
        clock
            .run(async {
                let at = timer::now() + ms(250);
                let deadline = Deadline::at(at);
                assert_eq!(deadline.budget(), ms(250));
                assert_eq!(deadline.run(sleep(Duration::from_secs(1))).await, Err(Elapsed::new(ms(250))));
                assert_eq!(timer::now(), at);
            })
            .await;
    }

    async fn a_timeout_under_a_deadline_shows_the_same_deadline_at_every_poll() {
        let clock = VirtualClock::auto();
        clock
            .run(async {
                let start = clock.now();
                let second = Duration::from_secs(1);
                // Tighter than the deadline: the timeout's 1 s, from the first poll on.
                let seen = Deadline::after(Duration::from_secs(5)).run(timeout(second, deadlines_seen(3))).await;
                let expected = Some((start + second, second));
                assert_eq!(seen, Ok(Ok(vec![expected; 4])));
                // The method and `try_timeout` alike.
                let at = clock.now() + second;
                let seen = Deadline::after(Duration::from_secs(5)).run(deadlines_seen(3).timeout(second)).await;
                assert_eq!(seen, Ok(Ok(vec![Some((at, second)); 4])));
                let at = clock.now() + second;
                let seen = Deadline::after(Duration::from_secs(5))
                    .run(orchestrate::try_timeout(second, async { Ok::<_, Elapsed>(deadlines_seen(3).await) }))
                    .await;
                assert_eq!(seen, Ok(Ok(vec![Some((at, second)); 4])));
                // Looser than the deadline: the deadline's, at every poll.
                let outer = Deadline::after(ms(500));
                let seen = outer.run(timeout(Duration::from_secs(30), deadlines_seen(3))).await;
                assert_eq!(seen, Ok(Ok(vec![Some((outer.instant().unwrap(), ms(500))); 4])));
                // No deadline around it: none in scope, at every poll.
                let seen = timeout(second, deadlines_seen(3)).await;
                assert_eq!(seen, Ok(vec![None; 4]));
            })
            .await;
    }
}

/// The deadline in scope (instant and budget) at each of `sleeps + 1` polls,
/// 10 ms apart.
async fn deadlines_seen(sleeps: usize) -> Vec<Option<(Instant, Duration)>> {
    let read =
        || Deadline::current().map(|deadline| (deadline.instant().unwrap(), deadline.budget()));
    let mut seen = vec![read()];
    for _ in 0..sleeps {
        sleep(ms(10)).await;
        seen.push(read());
    }
    seen
}
