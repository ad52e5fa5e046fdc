//! `Limiter` under every runtime: never more than `n` in flight, permits in
//! arrival order, cancellation- and panic-safe, `try_acquire` never ahead of a
//! queued waiter, `max_waiting` rejections, re-entrancy through nested
//! fan-outs, `static` use, and `.limit_with` on the collections.
//!
//! Everything timed runs on an auto-advancing `VirtualClock` and checks exact
//! instants; the rest polls futures by hand and waits for no time.

use support::runtime_tests;

use std::sync::Mutex;
use std::task::Poll;

use orchestrate::{
    Deadline, Limiter, Panicked, Rejected, catch_panic, parallel, race, settled, sleep, timeout,
    timer,
};
use support::{FOREVER, InFlight, ms, on_virtual_time, poll_once, shuffled_delays};

/// A small xorshift generator: the same "random" sequence on every run.
fn xorshift(seed: &mut u64) -> u64 {
    *seed ^= *seed << 13;
    *seed ^= *seed >> 7;
    *seed ^= *seed << 17;
    *seed
}

runtime_tests! {
    async fn never_more_than_n_in_flight_and_exact_timing() {
        on_virtual_time(async {
            let limiter = Limiter::new(3);
            let in_flight = InFlight::new();
            let start = timer::now();
            // 40 branches of 10 ms with no limit of their own: the limiter
            // alone keeps them to 3 at a time, so 14 rounds of 10 ms.
            let out = settled((0..40).map(|i| {
                let (limiter, in_flight) = (&limiter, &in_flight);
                limiter.run(async move {
                    let guard = in_flight.enter();
                    sleep(ms(10)).await;
                    guard.finish();
                    i
                })
            }))
            .await;
            assert_eq!(out, (0..40).collect::<Vec<_>>());
            assert_eq!(in_flight.max(), 3);
            assert_eq!(timer::now() - start, ms(140));
            assert_eq!((limiter.in_flight(), limiter.waiting()), (0, 0));
        })
        .await;
    }

    async fn permits_go_in_arrival_order() {
        on_virtual_time(async {
            let limiter = Limiter::new(1);
            let order = Mutex::new(Vec::new());
            let delays = shuffled_delays(12, ms(1));
            let start = timer::now();
            let holder = async {
                let permit = limiter.acquire().await;
                sleep(ms(100)).await;
                assert_eq!(limiter.waiting(), 12);
                drop(permit);
            };
            // Branch i queues at 1 ms + delays[i]: arrival order is not
            // input order.
            let waiters = settled(delays.iter().enumerate().map(|(i, &delay)| {
                let (limiter, order) = (&limiter, &order);
                async move {
                    sleep(ms(1) + delay).await;
                    limiter
                        .run(async move {
                            order.lock().unwrap().push(i);
                            sleep(ms(1)).await;
                        })
                        .await;
                }
            }));
            orchestrate::settled!(holder, waiters).await;
            let mut by_arrival: Vec<usize> = (0..12).collect();
            by_arrival.sort_by_key(|&i| delays[i]);
            assert_eq!(*order.lock().unwrap(), by_arrival);
            assert_eq!(timer::now() - start, ms(112));
        })
        .await;
    }

    async fn a_cancelled_waiter_takes_no_permit_and_passes_a_granted_one_on() {
        let limiter = Limiter::new(1);
        let held = limiter.try_acquire().expect("a free permit");
        let mut first = Box::pin(limiter.acquire());
        let mut second = Box::pin(limiter.acquire());
        let mut third = Box::pin(limiter.acquire());
        assert!(poll_once(first.as_mut()).await.is_pending());
        assert!(poll_once(second.as_mut()).await.is_pending());
        assert!(poll_once(third.as_mut()).await.is_pending());
        assert_eq!(limiter.waiting(), 3);
        // Dropped while queued: no permit taken, the queue shrinks.
        drop(second);
        assert_eq!((limiter.in_flight(), limiter.waiting()), (1, 2));
        // The release grants `first`, dropped before it takes the permit:
        // the permit goes on to `third`, which missed no wake-up.
        drop(held);
        drop(first);
        assert_eq!((limiter.in_flight(), limiter.waiting()), (1, 0));
        let Poll::Ready(permit) = poll_once(third.as_mut()).await else {
            panic!("the permit passed on to the next waiter");
        };
        drop(permit);
        assert_eq!((limiter.in_flight(), limiter.waiting()), (0, 0));
        assert!(limiter.try_acquire().is_some());
    }

    async fn a_panicking_or_dropped_holder_returns_its_permit() {
        let limiter = Limiter::new(1);
        let out = catch_panic(limiter.run(async { panic!("boom") })).await;
        assert!(matches!(out, Err(Panicked { .. })));
        assert_eq!(limiter.in_flight(), 0);
        // Dropped while running under its permit.
        let mut running = Box::pin(limiter.run(support::yield_now(5)));
        assert!(poll_once(running.as_mut()).await.is_pending());
        assert_eq!(limiter.in_flight(), 1);
        drop(running);
        assert_eq!(limiter.in_flight(), 0);
        assert_eq!(limiter.run(async { 7 }).await, 7);
    }

    async fn try_acquire_never_goes_ahead_of_a_queued_waiter() {
        let limiter = Limiter::new(2);
        let one = limiter.try_acquire().expect("free");
        let two = limiter.try_acquire().expect("free");
        assert!(limiter.try_acquire().is_none());
        let mut waiter = Box::pin(limiter.acquire());
        assert!(poll_once(waiter.as_mut()).await.is_pending());
        // The freed permit is the waiter's, even before it is polled.
        drop(one);
        assert!(limiter.try_acquire().is_none());
        assert!(poll_once(waiter.as_mut()).await.is_ready());
        drop(two);
        assert!(limiter.try_acquire().is_some());
    }

    async fn max_waiting_rejects_try_run_at_once_but_run_still_waits() {
        let limiter = Limiter::new(1).max_waiting(2);
        let held = limiter.acquire().await;
        let mut a = Box::pin(limiter.try_run(async { 'a' }));
        let mut b = Box::pin(limiter.try_run(async { 'b' }));
        assert!(poll_once(a.as_mut()).await.is_pending());
        assert!(poll_once(b.as_mut()).await.is_pending());
        let rejected = limiter.try_run(async { 'c' }).await;
        assert_eq!(rejected, Err(Rejected::new(2)));
        assert_eq!(
            rejected.unwrap_err().to_string(),
            "rejected: 2 calls already waiting for the limiter"
        );
        // `run` ignores the bound.
        let mut d = Box::pin(limiter.run(async { 'd' }));
        assert!(poll_once(d.as_mut()).await.is_pending());
        assert_eq!(limiter.waiting(), 3);
        drop(held);
        assert_eq!(poll_once(a.as_mut()).await, Poll::Ready(Ok('a')));
        assert_eq!(poll_once(b.as_mut()).await, Poll::Ready(Ok('b')));
        assert_eq!(poll_once(d.as_mut()).await, Poll::Ready('d'));
        // Without `max_waiting`, `try_run` never rejects.
        let open = Limiter::new(1);
        let held = open.acquire().await;
        let mut queued: Vec<_> = (0..50).map(|_| Box::pin(open.try_run(async {}))).collect();
        for run in &mut queued {
            assert!(poll_once(run.as_mut()).await.is_pending());
        }
        drop(held);
        for run in &mut queued {
            assert_eq!(poll_once(run.as_mut()).await, Poll::Ready(Ok(())));
        }
    }

    async fn one_limiter_at_two_levels_of_a_nested_fan_out_never_deadlocks() {
        on_virtual_time(async {
            let limiter = Limiter::new(1);
            let in_flight = InFlight::new();
            let comments = |post: u32| {
                let (limiter, in_flight) = (&limiter, &in_flight);
                async move {
                    let calls = (0..3).map(move |c| async move {
                        sleep(ms(10)).await;
                        Ok::<_, ()>(post * 10 + c)
                    });
                    parallel(calls).limit_with(limiter).await
                }
                .then_count(in_flight)
            };
            let start = timer::now();
            let posts = settled((1..=4).map(|post| limiter.run(comments(post))));
            let out = timeout(FOREVER, posts).await.expect("no deadlock");
            assert_eq!(out[3], Ok(vec![40, 41, 42]));
            // One post at a time (the outer level holds the one permit), its
            // calls together under it.
            assert_eq!(in_flight.max(), 1);
            assert_eq!(timer::now() - start, ms(40));
            // `acquire` and `try_acquire` inside a run pass through too.
            let nested = limiter
                .run(async {
                    let _again = limiter.acquire().await;
                    let _and_again = limiter.try_acquire().expect("re-entrant");
                    limiter.in_flight()
                })
                .await;
            assert_eq!(nested, 1);
            assert_eq!(limiter.in_flight(), 0);
        })
        .await;
    }

    async fn limiters_nested_deeper_than_the_scope_s_cells_stay_re_entrant() {
        // Deeper than the scope keeps in cells (it spills past them).
        let limiters: Vec<Limiter> = (0..7).map(|_| Limiter::new(1)).collect();
        let outside = Limiter::new(1);
        let innermost = async {
            for limiter in &limiters {
                let again = limiter.try_acquire().expect("re-entrant at any depth");
                assert_eq!(limiter.in_flight(), 1);
                drop(again);
                assert_eq!(limiter.in_flight(), 1);
            }
            // A limiter not in scope still counts.
            let permit = outside.try_acquire().expect("free");
            assert!(outside.try_acquire().is_none());
            drop(permit);
        };
        nested(&limiters, innermost).await;
        assert!(limiters.iter().all(|limiter| limiter.in_flight() == 0));
        // Pending at the innermost level: out of scope between polls.
        let mut pending = nested(&limiters, support::yield_now(1));
        assert!(poll_once(pending.as_mut()).await.is_pending());
        assert!(limiters.iter().all(|limiter| limiter.try_acquire().is_none()));
        assert_eq!(poll_once(pending.as_mut()).await, Poll::Ready(()));
        // A panic at the innermost level takes every level out of scope.
        let out = catch_panic(nested(&limiters, async { panic!("deep") })).await;
        assert!(matches!(out, Err(Panicked { .. })));
        for limiter in &limiters {
            let permit = limiter.try_acquire().expect("out of scope, all free");
            assert!(limiter.try_acquire().is_none());
            drop(permit);
        }
    }

    async fn waiting_and_max_waiting_count_only_waiters_without_a_permit() {
        let limiter = Limiter::new(1).max_waiting(1);
        let held = limiter.try_acquire().expect("free");
        let mut first = Box::pin(limiter.try_run(async { 1 }));
        assert!(poll_once(first.as_mut()).await.is_pending());
        assert_eq!(
            format!("{limiter:?}"),
            "Limiter { limit: 1, in_flight: 1, waiting: 1, max_waiting: 1, .. }"
        );
        assert_eq!(limiter.try_run(async { 2 }).await, Err(Rejected::new(1)));
        // Granted, not yet taken: in flight, no longer waiting, so the
        // next one queues instead of being rejected.
        drop(held);
        assert_eq!(
            format!("{limiter:?}"),
            "Limiter { limit: 1, in_flight: 1, waiting: 0, max_waiting: 1, .. }"
        );
        assert!(limiter.try_acquire().is_none());
        let mut second = Box::pin(limiter.try_run(async { 3 }));
        assert!(poll_once(second.as_mut()).await.is_pending());
        assert_eq!((limiter.in_flight(), limiter.waiting()), (1, 1));
        assert_eq!(poll_once(first.as_mut()).await, Poll::Ready(Ok(1)));
        assert_eq!((limiter.in_flight(), limiter.waiting()), (1, 0));
        assert_eq!(poll_once(second.as_mut()).await, Poll::Ready(Ok(3)));
        assert_eq!(
            format!("{limiter:?}"),
            "Limiter { limit: 1, in_flight: 0, waiting: 0, max_waiting: 1, .. }"
        );
        // The last waiter gone, a permit is taken and returned without a queue.
        let permit = limiter.try_acquire().expect("free");
        assert_eq!(limiter.in_flight(), 1);
        drop(permit);
        assert_eq!(limiter.in_flight(), 0);
    }

    #[should_panic(expected = "`Limiter::new(0)`")]
    async fn a_zero_limit_at_run_time_panics_naming_the_call() {
        let _ = Limiter::new(std::hint::black_box(0));
    }

    async fn a_wait_under_a_deadline_gives_up_at_it() {
        on_virtual_time(async {
            let limiter = Limiter::new(1);
            let start = timer::now();
            let holder = limiter.run(sleep(ms(50)));
            let late = Deadline::after(ms(20)).run(limiter.run(async { "late" }));
            let patient = async {
                sleep(ms(1)).await;
                limiter.run(async { timer::now() }).await
            };
            let ((), late, patient) = orchestrate::settled!(holder, late, patient).await;
            assert_eq!(late.unwrap_err().duration(), ms(20));
            // The one that gave up left its place: the next starts at 50 ms.
            assert_eq!(patient - start, ms(50));
            assert_eq!((limiter.in_flight(), limiter.waiting()), (0, 0));
        })
        .await;
    }

    async fn limit_with_combines_with_limit_n_and_shares_across_joins() {
        on_virtual_time(async {
            let limiter = Limiter::new(4);
            let in_flight = InFlight::new();
            let start = timer::now();
            let join = |base: usize| {
                let (limiter, in_flight) = (&limiter, &in_flight);
                settled((0..8).map(move |i| async move {
                    let guard = in_flight.enter();
                    sleep(ms(10)).await;
                    guard.finish();
                    base + i
                }))
                .limit(3)
                .limit_with(limiter)
            };
            // Two joins of 8, each at most 3 at once, both at most 4 together.
            let (a, b) = orchestrate::settled!(join(0), join(100)).await;
            assert_eq!(a, (0..8).collect::<Vec<_>>());
            assert_eq!(b, (100..108).collect::<Vec<_>>());
            assert_eq!(in_flight.max(), 4);
            // 16 calls of 10 ms, 4 at once at best; the per-join slots leave
            // some rounds part-filled: 5 rounds on every runtime.
            assert_eq!(timer::now() - start, ms(50));
            let first = race((1..=3).map(|n| async move { n })).limit_with(&limiter).await;
            assert_eq!(first, 1);
            let ok = orchestrate::first_ok([Err(1), Ok(2)].map(std::future::ready))
                .limit_with(&limiter)
                .await;
            assert_eq!(ok, Ok(2));
        })
        .await;
    }

    async fn no_permit_is_lost_over_100_000_acquire_cancel_release_cycles() {
        let limiter = Limiter::new(4);
        let mut seed = 0x9E37_79B9_7F4A_7C15_u64;
        let mut held = Vec::new();
        let mut queued = Vec::new();
        for _ in 0..100_000 {
            match xorshift(&mut seed) % 5 {
                0 => held.extend(limiter.try_acquire()),
                1 => {
                    let mut waiter = Box::pin(limiter.acquire());
                    match poll_once(waiter.as_mut()).await {
                        Poll::Ready(permit) => held.push(permit),
                        Poll::Pending => queued.push(waiter),
                    }
                }
                // Cancel a queued waiter (granted or not).
                2 if !queued.is_empty() => {
                    let at = usize::try_from(xorshift(&mut seed)).unwrap() % queued.len();
                    drop(queued.swap_remove(at));
                }
                3 if !held.is_empty() => {
                    let at = usize::try_from(xorshift(&mut seed)).unwrap() % held.len();
                    drop(held.swap_remove(at));
                }
                _ => {
                    let mut still = Vec::new();
                    for mut waiter in queued.drain(..) {
                        match poll_once(waiter.as_mut()).await {
                            Poll::Ready(permit) => held.push(permit),
                            Poll::Pending => still.push(waiter),
                        }
                    }
                    queued = still;
                }
            }
            // Queued waiters are either granted (holding a permit) or waiting.
            assert!(limiter.in_flight() <= 4);
            assert_eq!(limiter.in_flight() + limiter.waiting(), held.len() + queued.len());
        }
        drop(held);
        drop(queued);
        assert_eq!((limiter.in_flight(), limiter.waiting()), (0, 0));
        let permits: Vec<_> = (0..5).map_while(|_| limiter.try_acquire()).collect();
        assert_eq!(permits.len(), 4);
    }

    async fn random_tasks_with_random_cancellation_never_exceed_n_and_lose_no_permit() {
        on_virtual_time(async {
            let limiter = Limiter::new(5);
            let in_flight = InFlight::new();
            let mut seed = 0x2545_F491_4F6C_DD1D_u64;
            let tasks: Vec<_> = (0..1_000)
                .map(|_| {
                    let arrive = ms(xorshift(&mut seed) % 200);
                    let work = ms(1 + xorshift(&mut seed) % 20);
                    // About a third give up after a random wait, queued or running.
                    let patience = xorshift(&mut seed).is_multiple_of(3).then(|| ms(xorshift(&mut seed) % 300));
                    (arrive, work, patience)
                })
                .collect();
            let out = settled(tasks.iter().map(|&(arrive, work, patience)| {
                let (limiter, in_flight) = (&limiter, &in_flight);
                async move {
                    sleep(arrive).await;
                    let call = limiter.run(async move {
                        let guard = in_flight.enter();
                        sleep(work).await;
                        guard.finish();
                    });
                    if let Some(patience) = patience {
                        timeout(patience, call).await.is_ok()
                    } else {
                        call.await;
                        true
                    }
                }
            }))
            .await;
            assert_eq!(in_flight.max(), 5);
            assert!(out.iter().filter(|done| !**done).count() > 50);
            assert_eq!((limiter.in_flight(), limiter.waiting()), (0, 0));
            // Every permit is back.
            let permits: Vec<_> = (0..5).map_while(|_| limiter.try_acquire()).collect();
            assert_eq!(permits.len(), 5);
        })
        .await;
    }
}

/// Counts a future as in flight for as long as it runs.
trait ThenCount: std::future::Future + Sized {
    async fn then_count(self, in_flight: &InFlight) -> Self::Output {
        let guard = in_flight.enter();
        let out = self.await;
        guard.finish();
        out
    }
}

impl<F: std::future::Future> ThenCount for F {}

/// `inner` run through each of `limiters` in turn, outermost first.
fn nested<'a, T: 'a>(
    limiters: &'a [Limiter],
    inner: impl std::future::Future<Output = T> + Send + 'a,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>> {
    match limiters.split_first() {
        Some((outer, rest)) => Box::pin(outer.run(nested(rest, inner))),
        None => Box::pin(inner),
    }
}

/// The cases whose `static`s each runtime's test must have to itself.
mod each_runtime {
    use super::*;

    support::runtime_tests_each! {
        async fn a_static_limiter_from_const_fns() {
            static API: Limiter = Limiter::new(2).max_waiting(8);
            on_virtual_time(async {
                let in_flight = InFlight::new();
                let start = timer::now();
                let out = settled((0..6).map(|i| {
                    let in_flight = &in_flight;
                    API.try_run(async move {
                        let guard = in_flight.enter();
                        sleep(ms(5)).await;
                        guard.finish();
                        i
                    })
                }))
                .await;
                assert_eq!(out, (0..6).map(Ok).collect::<Vec<_>>());
                assert_eq!(in_flight.max(), 2);
                assert_eq!(timer::now() - start, ms(15));
            })
            .await;
        }
    }
}
