//! The collection joins (`parallel`, `settled`, `race`, `first_ok`) under
//! every runtime: input order, fail-fast by arrival, cancellation of the
//! losers, empty inputs, borrowed branches and misuse. `.limit(n)` is in
//! `tests/limit.rs`.
//!
//! Every test that waits on a timer runs on a `VirtualClock` that jumps to
//! the next timer when all is idle: fail-fast, race and first-`Ok` results are
//! checked to the exact instant they arrived (a join that waited for its 2 s
//! or 10 s sibling would report that instead), and the whole file takes
//! milliseconds of real time. The tests left on the default timer wait for no
//! time: they use no timer at all, or only arm one and drop it unfired. None
//! is about real time, so none stays on it.

use support::runtime_tests;

use std::future::{IntoFuture, Ready, ready};
use std::pin::Pin;
use std::sync::Mutex;
use std::time::Duration;

use orchestrate::{
    AllFailed, FirstOk, Parallel, Race, Settled, first_ok, parallel, race, settled, timer,
};
use support::{
    DropCounter, FOREVER, finish_after, ms, on_virtual_time, poll_once, shuffled_delays, yield_now,
};

/// A value that is `IntoFuture` but not itself a `Future`.
struct Job(u32);

impl IntoFuture for Job {
    type Output = Result<u32, String>;
    type IntoFuture = Ready<Result<u32, String>>;

    fn into_future(self) -> Self::IntoFuture {
        ready(if self.0 < 100 {
            Ok(self.0 * 2)
        } else {
            Err(format!("job {} is too big", self.0))
        })
    }
}

/// The sizes the fail-fast tests run at: small, around the 30 where
/// `futures::try_join_all` switches strategy, around a word of the ready set,
/// and past two levels of it.
const SIZES: [usize; 9] = [2, 3, 30, 31, 33, 64, 65, 200, 4097];

runtime_tests! {
    // ---------------------------------------------------------------- parallel

    async fn parallel_keeps_input_order_with_shuffled_delays() {
        on_virtual_time(async {
            for n in [2, 10, 40] {
                let delays = shuffled_delays(n, ms(3));
                let arrived = Mutex::new(Vec::new());
                let out = parallel(delays.iter().enumerate().map(|(i, &delay)| {
                    let arrived = &arrived;
                    async move {
                        orchestrate::sleep(delay).await;
                        arrived.lock().unwrap().push(i);
                        Ok::<_, String>(i * 10)
                    }
                }))
                .await;
                assert_eq!(out, Ok((0..n).map(|i| i * 10).collect::<Vec<_>>()), "n = {n}");
                let arrived = arrived.into_inner().unwrap();
                assert_eq!(arrived.len(), n);
                assert_ne!(arrived, (0..n).collect::<Vec<_>>(), "completion order was input order");
            }
        })
        .await;
    }

    async fn parallel_of_thousands_keeps_order() {
        // 5000 slots: three levels of the ready set; branches wake themselves.
        let out = parallel((0..5000_usize).map(|i| async move {
            yield_now(i % 4).await;
            Ok::<_, ()>(i)
        }))
        .await;
        assert_eq!(out, Ok((0..5000).collect::<Vec<_>>()));
    }

    async fn parallel_fails_fast_with_the_first_error_to_arrive() {
        on_virtual_time(async {
            let drops = DropCounter::new();
            let start = timer::now();
            let out = parallel([
                finish_after(drops.guard(), ms(2000), Err("index 0, late")),
                finish_after(drops.guard(), ms(5), Ok(1)),
                finish_after(drops.guard(), ms(30), Err("index 2, early")),
                finish_after(drops.guard(), FOREVER, Ok(3)),
            ])
            .await;
            assert_eq!(drops.dropped(), 2, "the late failure and the sleeper are dropped");
            assert_eq!(out, Err("index 2, early"));
            assert_eq!(timer::now() - start, ms(30), "failed at the early error, not later");
        })
        .await;
    }

    async fn parallel_fails_fast_by_arrival_above_30_branches() {
        on_virtual_time(async {
            // futures' try_join_all returns index 0's error here (futures-rs #2866).
            let drops = DropCounter::new();
            let start = timer::now();
            let out = parallel((0..50_usize).map(|i| match i {
                0 => finish_after(drops.guard(), ms(2000), Err(i)),
                40 => finish_after(drops.guard(), ms(30), Err(i)),
                odd if odd % 2 == 1 => finish_after(drops.guard(), Duration::ZERO, Ok(i)),
                _ => finish_after(drops.guard(), FOREVER, Ok(i)),
            }))
            .await;
            // Every even branch but 40 was still running: 25 even, less one.
            assert_eq!(drops.dropped(), 24);
            assert_eq!(out, Err(40));
            assert_eq!(timer::now() - start, ms(30), "failed at the early error, not later");
        })
        .await;
    }

    async fn parallel_fails_fast_by_arrival_at_every_size() {
        on_virtual_time(async {
            for n in SIZES {
                let drops = DropCounter::new();
                let start = timer::now();
                let early = n - 1;
                let out = parallel((0..n).map(|i| match i {
                    0 => finish_after(drops.guard(), ms(2000), Err(format!("late {i}"))),
                    i if i == early => finish_after(drops.guard(), ms(20), Err(format!("early {i}"))),
                    _ => finish_after(drops.guard(), FOREVER, Ok(i)),
                }))
                .await;
                assert_eq!(drops.dropped(), n - 1, "n = {n}: every other branch is dropped");
                assert_eq!(out, Err(format!("early {early}")), "n = {n}");
                assert_eq!(timer::now() - start, ms(20), "n = {n}: failed at the early error");
            }
        })
        .await;
    }

    async fn parallel_of_an_empty_input_is_ok_and_empty() {
        let none: Vec<Ready<Result<u8, String>>> = Vec::new();
        assert_eq!(parallel(none).await, Ok(vec![]));
        assert_eq!(parallel(std::iter::empty::<Job>()).await, Ok(vec![]));
    }

    async fn parallel_takes_into_future_items() {
        assert_eq!(parallel([Job(1), Job(2), Job(3)]).await, Ok(vec![2, 4, 6]));
        assert_eq!(
            parallel(vec![Job(1), Job(200), Job(3)]).await,
            Err("job 200 is too big".to_string())
        );
    }

    async fn parallel_branches_may_borrow_locals() {
        on_virtual_time(async {
            let names = ["ada".to_string(), "grace".to_string(), "barbara".to_string()];
            let lengths = parallel(names.iter().map(|name| async move {
                orchestrate::sleep(ms(1)).await;
                Ok::<_, ()>(name.len())
            }))
            .await;
            assert_eq!(lengths, Ok(vec![3, 5, 7]));
            // `names` is still ours.
            assert_eq!(names.len(), 3);
        })
        .await;
    }

    // ----------------------------------------------------------------- settled

    async fn settled_keeps_every_output_in_input_order() {
        on_virtual_time(async {
            let n = 12;
            let drops = DropCounter::new();
            let delays = shuffled_delays(n, ms(3));
            let arrived = Mutex::new(Vec::new());
            let out = settled(delays.iter().enumerate().map(|(i, &delay)| {
                let (arrived, guard) = (&arrived, drops.guard());
                async move {
                    let out = finish_after(guard, delay, if i % 3 == 0 { Err(i) } else { Ok(i) }).await;
                    arrived.lock().unwrap().push(i);
                    out
                }
            }))
            .await;
            let expected: Vec<Result<usize, usize>> =
                (0..n).map(|i| if i % 3 == 0 { Err(i) } else { Ok(i) }).collect();
            assert_eq!(out, expected, "errors stand in their slots");
            assert_eq!(drops.dropped(), 0, "nothing short-circuits");
            let arrived = arrived.into_inner().unwrap();
            assert_eq!(arrived.len(), n);
            assert_ne!(arrived, (0..n).collect::<Vec<_>>(), "completion order was input order");
        })
        .await;
    }

    async fn settled_waits_for_every_branch_even_after_errors() {
        on_virtual_time(async {
            let start = timer::now();
            let out = settled([
                finish_after(DropCounter::new().guard(), Duration::ZERO, Err("at once")),
                finish_after(DropCounter::new().guard(), ms(60), Ok("later")),
            ])
            .await;
            assert_eq!(out, [Err("at once"), Ok("later")]);
            assert_eq!(timer::now() - start, ms(60), "returned when the slow branch finished");
        })
        .await;
    }

    async fn settled_of_many_keeps_order() {
        on_virtual_time(async {
            let n = 300;
            let delays = shuffled_delays(n, Duration::from_micros(200));
            let out = settled(delays.iter().enumerate().map(|(i, &delay)| async move {
                orchestrate::sleep(delay).await;
                i
            }))
            .await;
            assert_eq!(out, (0..n).collect::<Vec<_>>());
        })
        .await;
    }

    async fn settled_of_an_empty_input_is_empty() {
        let none: [Ready<u8>; 0] = [];
        assert_eq!(settled(none).await, Vec::<u8>::new());
    }

    async fn settled_branches_may_borrow_locals() {
        let words = ["a", "bb", "ccc"];
        let total = std::sync::atomic::AtomicUsize::new(0);
        let out = settled(words.iter().map(|word| {
            let total = &total;
            async move {
                total.fetch_add(word.len(), std::sync::atomic::Ordering::SeqCst);
                word.len()
            }
        }))
        .await;
        assert_eq!(out, [1, 2, 3]);
        assert_eq!(total.into_inner(), 6);
    }

    // -------------------------------------------------------------------- race

    async fn race_the_fastest_wins_and_the_others_are_dropped() {
        on_virtual_time(async {
            let drops = DropCounter::new();
            let start = timer::now();
            let winner = race([
                finish_after(drops.guard(), FOREVER, "slow"),
                finish_after(drops.guard(), ms(20), "fast"),
                finish_after(drops.guard(), ms(3000), "slower"),
            ])
            .await;
            assert_eq!(drops.dropped(), 2);
            assert_eq!(winner, "fast");
            assert_eq!(timer::now() - start, ms(20), "won when the fast branch finished");
        })
        .await;
    }

    async fn race_the_fastest_wins_above_30_branches() {
        on_virtual_time(async {
            let drops = DropCounter::new();
            let winner = race((0..100_usize).map(|i| {
                let delay = if i == 77 { ms(10) } else { FOREVER };
                finish_after(drops.guard(), delay, i)
            }))
            .await;
            assert_eq!(drops.dropped(), 99);
            assert_eq!(winner, 77);
        })
        .await;
    }

    async fn race_a_failed_winner_still_wins() {
        on_virtual_time(async {
            let drops = DropCounter::new();
            let winner = race([
                finish_after(drops.guard(), FOREVER, Ok(1)),
                finish_after(drops.guard(), ms(10), Err("down")),
            ])
            .await;
            assert_eq!(winner, Err("down"));
            assert_eq!(drops.dropped(), 1);
        })
        .await;
    }

    async fn race_of_branches_ready_at_once_picks_the_first_in_input_order() {
        assert_eq!(race(['a', 'b', 'c'].map(ready)).await, 'a');
        assert_eq!(race([Job(5), Job(6)]).await, Ok(10));
    }

    async fn race_branches_may_borrow_locals() {
        on_virtual_time(async {
            let hosts = [("eu".to_string(), 40), ("us".to_string(), 5), ("ap".to_string(), 2000)];
            let fastest = race(hosts.iter().map(|(name, delay)| async move {
                orchestrate::sleep(ms(*delay)).await;
                name.as_str()
            }))
            .await;
            assert_eq!(fastest, "us");
        })
        .await;
    }

    #[should_panic(expected = "`orchestrate::race` was given an empty collection")]
    async fn race_of_an_empty_input_panics_naming_race() {
        let none: Vec<Ready<u8>> = Vec::new();
        let _ = race(none).await;
    }

    // ---------------------------------------------------------------- first_ok

    async fn first_ok_the_first_ok_wins_even_after_an_earlier_index_fails() {
        on_virtual_time(async {
            let drops = DropCounter::new();
            let start = timer::now();
            let out = first_ok([
                finish_after(drops.guard(), ms(5), Err("index 0 failed")),
                finish_after(drops.guard(), ms(30), Ok("index 1")),
                finish_after(drops.guard(), FOREVER, Ok("index 2")),
                finish_after(drops.guard(), FOREVER, Err("index 3 failed")),
            ])
            .await;
            assert_eq!(drops.dropped(), 2);
            assert_eq!(out, Ok("index 1"));
            assert_eq!(timer::now() - start, ms(30), "won when the first Ok arrived");
        })
        .await;
    }

    async fn first_ok_the_first_ok_to_arrive_wins_not_the_first_by_index() {
        on_virtual_time(async {
            for n in SIZES {
                let drops = DropCounter::new();
                let fast = n - 1;
                let out = first_ok((0..n).map(|i| match i {
                    0 => finish_after(drops.guard(), ms(2000), Ok::<_, usize>(i)),
                    i if i == fast => finish_after(drops.guard(), ms(20), Ok(i)),
                    i if i % 2 == 1 => finish_after(drops.guard(), Duration::ZERO, Err(i)),
                    _ => finish_after(drops.guard(), FOREVER, Err(i)),
                }))
                .await;
                assert_eq!(out, Ok(fast), "n = {n}");
                // Every branch but the winner and the odd ones that failed at once.
                let failed_at_once = (1..fast).filter(|i| i % 2 == 1).count();
                assert_eq!(drops.dropped(), n - 1 - failed_at_once, "n = {n}");
            }
        })
        .await;
    }

    async fn first_ok_all_failed_keeps_every_error_in_branch_order() {
        on_virtual_time(async {
            for n in [1, 3, 40] {
                let delays = shuffled_delays(n.max(2), ms(2));
                let out = first_ok((0..n).map(|i| finish_after(
                    DropCounter::new().guard(),
                    delays[i],
                    Err::<(), _>(format!("branch {i} failed")),
                )))
                .await;
                let all: AllFailed<String> = out.unwrap_err();
                let expected: Vec<String> = (0..n).map(|i| format!("branch {i} failed")).collect();
                assert_eq!(all.errors(), expected.as_slice(), "n = {n}");
                assert_eq!(all.len(), n);
                assert!(!all.is_empty());
                if n > 1 {
                    assert_eq!(all.to_string(), format!("all {n} branches failed"));
                }
                assert_eq!(all.clone().into_iter().collect::<Vec<_>>(), expected);
                assert_eq!(all.into_errors(), expected);
            }
        })
        .await;
    }

    async fn first_ok_of_an_empty_input_is_all_failed_with_no_errors() {
        let none: Vec<Ready<Result<u8, String>>> = Vec::new();
        let all = first_ok(none).await.unwrap_err();
        assert!(all.is_empty());
        assert_eq!(all.len(), 0);
        assert_eq!(all.errors(), &[] as &[String]);
    }

    async fn first_ok_branches_may_borrow_locals() {
        let replicas = [("a", false), ("b", true), ("c", true)];
        let out = first_ok(replicas.iter().map(|(name, up)| async move {
            if *up { Ok(*name) } else { Err(format!("{name} is down")) }
        }))
        .await;
        assert_eq!(out, Ok("b"));
    }

    async fn all_failed_is_an_error_when_its_errors_are() {
        fn assert_error<E: std::error::Error + Send + Sync + Clone + PartialEq + 'static>() {}
        assert_error::<AllFailed<orchestrate::Elapsed>>();
        let all = first_ok([Job(100), Job(101)]).await.unwrap_err();
        assert_eq!(all.to_string(), "all 2 branches failed");
        let io = AllFailed::new(vec![std::io::Error::other("disk")]);
        let source = std::error::Error::source(&io).map(ToString::to_string);
        assert_eq!(source.as_deref(), Some("disk"));
    }

    // ------------------------------------------------------- the futures' types

    async fn joins_are_named_future_types() {
        let all: Parallel<_> = parallel([Job(1)]);
        let every: Settled<_> = settled([Job(1)]);
        let fastest: Race<_> = race([Job(1)]);
        let any: FirstOk<_> = first_ok([Job(1)]);
        assert_eq!(all.await, Ok(vec![2]));
        assert_eq!(every.await, [Ok(2)]);
        assert_eq!(fastest.await, Ok(2));
        assert_eq!(any.await, Ok(2));
    }

    async fn dropping_a_join_drops_every_branch_it_holds() {
        let drops = DropCounter::new();
        let counter = &drops;
        let sleepers =
            move || (0..5).map(move |i| finish_after(counter.guard(), FOREVER, Ok::<_, ()>(i)));

        let mut all = parallel(sleepers());
        assert!(poll_once(Pin::new(&mut all)).await.is_pending());
        assert_eq!(drops.dropped(), 0);
        drop(all);
        assert_eq!(drops.dropped(), 5);

        let mut every = settled(sleepers());
        assert!(poll_once(Pin::new(&mut every)).await.is_pending());
        drop(every);
        assert_eq!(drops.dropped(), 10);

        let mut fastest = race(sleepers());
        assert!(poll_once(Pin::new(&mut fastest)).await.is_pending());
        drop(fastest);
        assert_eq!(drops.dropped(), 15);

        let mut any = first_ok(sleepers());
        assert!(poll_once(Pin::new(&mut any)).await.is_pending());
        drop(any);
        assert_eq!(drops.dropped(), 20);
    }
}

/// Every collection future is `Debug`, without needing its branches to be:
/// it shows its progress.
#[test]
fn collection_futures_are_debug() {
    let branch = |n: u32| async move { Ok::<_, ()>(n) };
    let join = parallel((0..5).map(branch)).limit(2);
    assert_eq!(
        format!("{join:?}"),
        "Parallel { started: 0, running: 0, limit: Some(2), exhausted: false }"
    );
    assert!(format!("{:?}", settled((0..3).map(branch))).starts_with("Settled { started: 0"));
    assert!(format!("{:?}", race((0..3).map(branch))).starts_with("Race {"));
    assert!(format!("{:?}", first_ok((0..3).map(branch))).starts_with("FirstOk {"));
    let mut join = settled((0..3).map(branch));
    assert_eq!(futures::executor::block_on(&mut join).len(), 3);
    assert_eq!(format!("{join:?}"), "Settled { finished: true }");
}
