//! The completion streams (`settled(..).stream()`, `parallel(..).stream()`,
//! `settled_stream`, `parallel_stream`) under every runtime: completion order
//! at exact instants of the virtual clock, backpressure on the input, the
//! branches in flight dropped with the stream, input streams that pause, end
//! early or fail, and polls after the end.

use support::runtime_tests;

use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::Poll;
use std::time::Duration;

use futures::StreamExt;
use futures::channel::mpsc;
use futures::stream::FusedStream;
use orchestrate::{Limiter, parallel, parallel_stream, settled, settled_stream, sleep, timer};
use support::{
    DropCounter, FOREVER, Flag, InFlight, finish_after, ms, on_virtual_time, poll_once,
    shuffled_delays,
};

/// The virtual milliseconds since `start`. (The items are paired with it
/// through `StreamExt::map` rather than in a helper generic over the stream:
/// a generic `async fn` holding `S::Item` across an await would make the
/// runtimes' `Send` check normalize it through the borrowing closures.)
fn since(start: std::time::Instant) -> u64 {
    u64::try_from((timer::now() - start).as_millis()).unwrap()
}

/// A stream of the numbers from 0 that counts how many were pulled.
fn counted(pulled: &Arc<AtomicUsize>) -> impl futures::Stream<Item = usize> + use<> {
    let pulled = Arc::clone(pulled);
    futures::stream::iter(0..).map(move |n| {
        pulled.fetch_add(1, Ordering::SeqCst);
        n
    })
}

runtime_tests! {
    async fn settled_stream_yields_in_completion_order_at_exact_instants() {
        on_virtual_time(async {
            let delays = shuffled_delays(12, ms(10));
            let start = timer::now();
            let branches = delays.iter().enumerate().map(|(i, &delay)| async move {
                sleep(delay).await;
                i * 2
            });
            let got: Vec<_> = settled(branches).stream().map(|item| (item, since(start))).collect().await;
            let mut expected: Vec<_> = delays
                .iter()
                .enumerate()
                .map(|(i, delay)| ((i, i * 2), u64::try_from(delay.as_millis()).unwrap()))
                .collect();
            expected.sort_by_key(|&(_, at)| at);
            assert_eq!(got, expected);
        })
        .await;
    }

    async fn limited_stream_starts_the_next_branch_in_the_freed_slot() {
        on_virtual_time(async {
            // Two slots: 0 runs 0..30; 1, 2, 3 run one after another in the other.
            let delays = [ms(30), ms(10), ms(10), ms(5)];
            let start = timer::now();
            let branches = delays.iter().enumerate().map(|(i, &delay)| async move {
                sleep(delay).await;
                i
            });
            let got: Vec<_> = settled(branches).limit(2).stream().map(|item| (item, since(start))).collect().await;
            assert_eq!(got, [((1, 1), 10), ((2, 2), 20), ((3, 3), 25), ((0, 0), 30)]);

            // The same from a stream of inputs.
            let start = timer::now();
            let inputs = futures::stream::iter(delays).enumerate().map(|(i, delay)| async move {
                sleep(delay).await;
                i
            });
            let got: Vec<_> = settled_stream(inputs, 2).map(|item| (item, since(start))).collect().await;
            assert_eq!(got, [((1, 1), 10), ((2, 2), 20), ((3, 3), 25), ((0, 0), 30)]);
        })
        .await;
    }

    async fn limited_stream_never_runs_more_than_the_limit() {
        on_virtual_time(async {
            let in_flight = InFlight::new();
            let delays = shuffled_delays(40, ms(3));
            let branches = delays.iter().map(|&delay| {
                let in_flight = &in_flight;
                async move {
                    let guard = in_flight.enter();
                    sleep(delay).await;
                    guard.finish();
                }
            });
            let mut seen: Vec<usize> = settled(branches).limit(6).stream().map(|(i, ())| i).collect().await;
            seen.sort_unstable();
            assert_eq!(seen, (0..40).collect::<Vec<_>>());
            assert_eq!(in_flight.max(), 6);

            // Under a limiter shared with other calls (a local one here).
            let limiter = Limiter::new(2);
            let in_flight = InFlight::new();
            let branches = delays.iter().map(|&delay| {
                let in_flight = &in_flight;
                async move {
                    let guard = in_flight.enter();
                    sleep(delay).await;
                    guard.finish();
                }
            });
            let seen = settled(branches).limit(6).limit_with(&limiter).stream().count().await;
            assert_eq!(seen, 40);
            assert_eq!(in_flight.max(), 2);
        })
        .await;
    }

    async fn parallel_stream_yields_oks_then_the_first_error_and_drops_the_rest() {
        on_virtual_time(async {
            let cancelled = DropCounter::new();
            let plan: [(Duration, Result<u32, &str>); 4] =
                [(ms(10), Ok(1)), (ms(20), Err("down")), (ms(30), Ok(3)), (FOREVER, Ok(4))];
            let start = timer::now();
            let branches = plan
                .iter()
                .map(|&(delay, out)| finish_after(cancelled.guard(), delay, out));
            let mut results = parallel(branches).stream();
            let got: Vec<_> = (&mut results).map(|item| (item, since(start))).collect().await;
            assert_eq!(got, [((0, Ok(1)), 10), ((1, Err("down")), 20)]);
            assert_eq!(cancelled.dropped(), 2, "the two branches still running were dropped at the error");
            assert!(results.is_terminated());
            assert_eq!(results.next().await, None, "a poll after the end is `None` again");
        })
        .await;
    }

    async fn dropping_the_stream_drops_every_branch_in_flight() {
        on_virtual_time(async {
            let cancelled = DropCounter::new();
            let delays = [ms(10), FOREVER, FOREVER, FOREVER, FOREVER];
            let branches = delays.iter().map(|&delay| finish_after(cancelled.guard(), delay, ()));
            let mut results = settled(branches).limit(3).stream();
            assert_eq!(results.next().await, Some((0, ())));
            assert_eq!(cancelled.dropped(), 0);
            drop(results);
            // Branches 1 and 2 were running; 3 and 4 never started.
            assert_eq!(cancelled.dropped(), 2);

            // The same from a stream of inputs.
            let cancelled = DropCounter::new();
            let inputs = futures::stream::iter(delays).map(|delay| finish_after(cancelled.guard(), delay, ()));
            let mut results = settled_stream(inputs, 3);
            assert_eq!(results.next().await, Some((0, ())));
            drop(results);
            assert_eq!(cancelled.dropped(), 2);
        })
        .await;
    }

    async fn a_consumer_that_stops_pulling_stops_the_input() {
        for limit in [1, 5, 50] {
            let pulled = Arc::new(AtomicUsize::new(0));
            let inputs = counted(&pulled).map(|n| async move {
                support::yield_now(n % 3).await;
                n
            });
            let mut results = settled_stream(inputs, limit);
            for taken in 1..=20 {
                assert!(results.next().await.is_some());
                let pulled = pulled.load(Ordering::SeqCst);
                assert!(
                    pulled <= taken + limit,
                    "limit {limit}: {pulled} inputs pulled after {taken} outputs taken"
                );
            }
            let before = pulled.load(Ordering::SeqCst);
            // Not pulling: nothing more is taken from the input, however long we wait.
            support::yield_now(100).await;
            assert_eq!(pulled.load(Ordering::SeqCst), before);
            drop(results);
            assert_eq!(pulled.load(Ordering::SeqCst), before);
        }
    }

    async fn an_input_stream_that_pauses_and_ends_early() {
        on_virtual_time(async {
            let (tx, rx) = mpsc::unbounded();
            let mut results = settled_stream(rx, 4);
            tx.unbounded_send(sleep(ms(5))).unwrap();
            tx.unbounded_send(sleep(ms(1))).unwrap();
            assert_eq!(results.next().await, Some((1, ())));
            assert_eq!(results.next().await, Some((0, ())));
            // The input has nothing now: the stream waits for it.
            assert_eq!(poll_once(pin!(results.next())).await, Poll::Pending);
            tx.unbounded_send(sleep(ms(1))).unwrap();
            assert_eq!(results.next().await, Some((2, ())));
            // The input ends early, with a branch still running.
            tx.unbounded_send(sleep(ms(10))).unwrap();
            drop(tx);
            assert_eq!(results.next().await, Some((3, ())));
            assert_eq!(results.next().await, None);
            assert!(results.is_terminated());
            assert_eq!(results.next().await, None, "a poll after the end is `None` again");

            // An input that is empty from the start.
            let none = futures::stream::empty::<std::future::Ready<u8>>();
            assert_eq!(settled_stream(none, 3).collect::<Vec<_>>().await, []);
        })
        .await;
    }

    async fn an_input_stream_whose_branch_fails_is_not_pulled_again() {
        on_virtual_time(async {
            let pulled = Arc::new(AtomicUsize::new(0));
            let inputs = counted(&pulled).map(|n| async move {
                sleep(ms(10)).await;
                if n == 7 { Err(format!("input {n} failed")) } else { Ok(n) }
            });
            let got: Vec<_> = parallel_stream(inputs, 3).collect().await;
            assert_eq!(got.len(), 8, "the seven `Ok`s before it, then the error: {got:?}");
            assert_eq!(got.last(), Some(&(7, Err("input 7 failed".to_string()))));
            assert!(got[..7].iter().all(|(i, out)| out == &Ok(*i)));
            // 0..=8 were started by the time 7 failed (three at a time); no more.
            assert_eq!(pulled.load(Ordering::SeqCst), 9);
        })
        .await;
    }

    async fn empty_and_unlimited_streams() {
        let none: [std::future::Ready<u8>; 0] = [];
        assert_eq!(settled(none).stream().collect::<Vec<_>>().await, []);
        let none: [std::future::Ready<Result<u8, ()>>; 0] = [];
        assert_eq!(parallel(none).stream().collect::<Vec<_>>().await, []);
        let all: Vec<_> = parallel((0..1000).map(|n| async move { Ok::<_, ()>(n) })).stream().collect().await;
        assert_eq!(all.len(), 1000);
        assert!(all.iter().all(|&(i, out)| out == Ok(i)));
    }
}

#[test]
#[should_panic(expected = "`settled_stream(inputs, 0)`")]
fn a_zero_limit_panics_naming_the_call() {
    let _ = settled_stream(futures::stream::empty::<std::future::Ready<()>>(), 0);
}

#[test]
#[should_panic(expected = "`settled(..).stream()` called after the first poll")]
fn stream_after_the_first_poll_panics_naming_the_call() {
    let mut join = settled([std::future::pending::<()>()]);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    let _ = std::future::Future::poll(std::pin::Pin::new(&mut join), &mut cx);
    let _ = join.stream();
}

/// Polls `stream` once with `flag`'s waker.
fn poll_with<S: futures::Stream + Unpin>(
    flag: &Arc<Flag>,
    stream: &mut S,
) -> Poll<Option<S::Item>> {
    let waker = std::task::Waker::from(Arc::clone(flag));
    std::pin::Pin::new(stream).poll_next(&mut std::task::Context::from_waker(&waker))
}

/// A stream that returned an output is owed no wake until it returns
/// `Pending`, and then the waker of that poll is the one woken, also when
/// the next poll comes from another task (polled by hand here, with the
/// waker of each poll recorded).
#[test]
fn after_an_output_the_waker_of_the_next_pending_poll_is_woken() {
    let (senders, receivers): (Vec<_>, Vec<_>) = (0..2)
        .map(|_| futures::channel::oneshot::channel::<u32>())
        .unzip();
    let mut senders = senders.into_iter();
    let mut results = settled(receivers).stream();
    let (first, second) = (Flag::new(), Flag::new());
    assert!(poll_with(&first, &mut results).is_pending());
    senders.next().unwrap().send(10).unwrap();
    assert!(first.take(), "woken for the first output");
    assert_eq!(
        poll_with(&first, &mut results),
        Poll::Ready(Some((0, Ok(10))))
    );
    // The next poll comes from another task.
    assert!(poll_with(&second, &mut results).is_pending());
    senders.next().unwrap().send(11).unwrap();
    assert!(second.take(), "the waker of the latest poll is woken");
    assert!(!first.is_woken(), "not the first task's");
    assert_eq!(
        poll_with(&second, &mut results),
        Poll::Ready(Some((1, Ok(11))))
    );
    assert_eq!(poll_with(&second, &mut results), Poll::Ready(None));
}
