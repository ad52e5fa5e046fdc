//! `.limit(n)` on `parallel` and `settled` under every runtime: never more
//! than `n` in flight, every branch still runs, input order is kept, and
//! misuse fails at once with a message naming the call.
//!
//! Every test that waits on a timer runs on a `VirtualClock` that jumps to
//! the next timer when all is idle, so sleeps take no real time and timing is
//! checked exactly: `.limit(1)` takes the sum of its branches' delays, a limit
//! above the input length the longest one, and fail-fast returns at the
//! failure's instant. The tests left on the default timer wait for no time
//! (self-waking branches, misuse, a sleep polled once and dropped). None is
//! about real time, so none stays on it.

use support::runtime_tests;

use std::future::{Ready, ready};
use std::pin::Pin;
use std::sync::Mutex;
use std::time::Duration;

use orchestrate::{parallel, settled, sleep, timer};
use support::{
    DropCounter, FOREVER, InFlight, finish_after, ms, on_virtual_time, poll_once, shuffled_delays,
    yield_now,
};

runtime_tests! {
    async fn parallel_limit_never_exceeds_n_and_keeps_order() {
        on_virtual_time(async {
            for (n, limit) in [(20, 3), (10, 1), (45, 7), (10, 10)] {
                let in_flight = InFlight::new();
                let delays = shuffled_delays(n, ms(2));
                let out = parallel(delays.iter().enumerate().map(|(i, &delay)| {
                    let in_flight = &in_flight;
                    async move {
                        let guard = in_flight.enter();
                        sleep(delay).await;
                        guard.finish();
                        Ok::<_, String>(i * 3)
                    }
                }))
                .limit(limit)
                .await;
                assert_eq!(out, Ok((0..n).map(|i| i * 3).collect::<Vec<_>>()), "n = {n}, limit = {limit}");
                assert_eq!(in_flight.max(), limit, "n = {n}, limit = {limit}: most in flight at once");
                assert_eq!(in_flight.finished(), n, "every branch ran to its end");
                assert_eq!(in_flight.now(), 0);
            }
        })
        .await;
    }

    async fn settled_limit_never_exceeds_n_and_keeps_order() {
        on_virtual_time(async {
            for (n, limit) in [(33, 4), (8, 1), (12, 12)] {
                let in_flight = InFlight::new();
                let delays = shuffled_delays(n, ms(2));
                let out = settled(delays.iter().enumerate().map(|(i, &delay)| {
                    let in_flight = &in_flight;
                    async move {
                        let guard = in_flight.enter();
                        sleep(delay).await;
                        guard.finish();
                        if i % 4 == 0 { Err(i) } else { Ok(i) }
                    }
                }))
                .limit(limit)
                .await;
                let expected: Vec<Result<usize, usize>> =
                    (0..n).map(|i| if i % 4 == 0 { Err(i) } else { Ok(i) }).collect();
                assert_eq!(out, expected, "n = {n}, limit = {limit}");
                assert_eq!(in_flight.max(), limit, "n = {n}, limit = {limit}: most in flight at once");
                assert_eq!(in_flight.finished(), n);
            }
        })
        .await;
    }

    async fn limit_one_runs_branches_one_after_another() {
        on_virtual_time(async {
            let arrived = Mutex::new(Vec::new());
            let delays = shuffled_delays(8, ms(2));
            let start = timer::now();
            let out = settled(delays.iter().enumerate().map(|(i, &delay)| {
                let arrived = &arrived;
                async move {
                    sleep(delay).await;
                    arrived.lock().unwrap().push(i);
                    i
                }
            }))
            .limit(1)
            .await;
            assert_eq!(out, (0..8).collect::<Vec<_>>());
            // One at a time: they finish in input order whatever their delays.
            assert_eq!(arrived.into_inner().unwrap(), (0..8).collect::<Vec<_>>());
            // And each waited for the one before: the delays add up.
            assert_eq!(timer::now() - start, delays.iter().sum::<Duration>(), "the delays add up");
        })
        .await;
    }

    async fn limit_above_the_input_length_starts_everything_at_once() {
        on_virtual_time(async {
            let in_flight = InFlight::new();
            let start = timer::now();
            let out = parallel((0..6).map(|i| {
                let guard = in_flight.enter();
                async move {
                    sleep(ms(5)).await;
                    guard.finish();
                    Ok::<_, ()>(i)
                }
            }))
            .limit(1000)
            .await;
            assert_eq!(out, Ok((0..6).collect::<Vec<_>>()));
            assert_eq!(in_flight.max(), 6);
            assert_eq!(timer::now() - start, ms(5), "the six 5 ms sleeps overlapped");
        })
        .await;
    }

    async fn limit_over_thousands_of_self_waking_branches() {
        let in_flight = InFlight::new();
        let out = settled((0..3000_usize).map(|i| {
            let in_flight = &in_flight;
            async move {
                let guard = in_flight.enter();
                yield_now(i % 3 + 1).await;
                guard.finish();
                i
            }
        }))
        .limit(7)
        .await;
        assert_eq!(out, (0..3000).collect::<Vec<_>>());
        assert_eq!(in_flight.max(), 7);
        assert_eq!(in_flight.finished(), 3000);
    }

    async fn parallel_limit_still_fails_fast_and_starts_nothing_more() {
        on_virtual_time(async {
            let in_flight = InFlight::new();
            let drops = DropCounter::new();
            let start = timer::now();
            let out = parallel((0..10).map(|i| {
                let (in_flight, guard) = (&in_flight, drops.guard());
                async move {
                    let _entered = in_flight.enter();
                    match i {
                        1 => finish_after(guard, ms(10), Err(format!("branch {i} failed"))).await,
                        _ => finish_after(guard, FOREVER, Ok(i)).await,
                    }
                }
            }))
            .limit(2)
            .await;
            assert_eq!(out, Err("branch 1 failed".to_string()));
            assert_eq!(drops.dropped(), 1, "the running sibling is dropped");
            assert_eq!(in_flight.started(), 2, "no branch starts after the failure");
            assert_eq!(in_flight.now(), 0);
            assert_eq!(timer::now() - start, ms(10), "failed at the error, not later");
        })
        .await;
    }

    async fn limit_of_an_empty_input() {
        let none: Vec<Ready<Result<u8, ()>>> = Vec::new();
        assert_eq!(parallel(none).limit(3).await, Ok(vec![]));
        let none: [Ready<u8>; 0] = [];
        assert_eq!(settled(none).limit(1).await, Vec::<u8>::new());
    }

    #[should_panic(expected = "`parallel(..).limit(0)`")]
    async fn parallel_limit_zero_panics_naming_the_call() {
        drop(parallel([ready(Ok::<_, ()>(1))]).limit(0));
    }

    #[should_panic(expected = "`settled(..).limit(0)`")]
    async fn settled_limit_zero_panics_naming_the_call() {
        drop(settled([ready(1)]).limit(0));
    }

    #[should_panic(expected = "`parallel(..).limit(2)` called after the first poll")]
    async fn limit_after_the_first_poll_panics_naming_the_call() {
        let mut all = parallel([sleep(FOREVER)].map(|nap| async move {
            nap.await;
            Ok::<_, ()>(())
        }));
        assert!(poll_once(Pin::new(&mut all)).await.is_pending());
        drop(all.limit(2));
    }
}
