//! A bounded soak under a counting global allocator: 1,000,000 timeouts, half
//! firing and half not, and joins of 100,000 branches (every collection
//! combinator, fail-fast and `.limit(n)` included), round after round.
//!
//! After each round the heap holds exactly as many bytes as before the first
//! measured round (a warm-up round first lets thread-locals and the timer
//! backend allocate what they keep for good), so nothing leaks and nothing
//! grows round over round.
//!
//! Timeouts fire without waiting for real time: a pending future under a zero
//! limit times out at its first poll. The other half finish under a limit
//! that never comes; one in a hundred of them is pending once first, so it
//! arms a real timer and drops it.
//!
//! Everything runs in one `#[test]` on one thread, so that nothing else in the
//! process allocates while a round is measured.

use std::alloc::System;
use std::future::{Future, pending, ready};
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use orchestrate::{AllFailed, first_ok, parallel, race, settled, timeout};
use stats_alloc::{INSTRUMENTED_SYSTEM, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

const TIMEOUTS: usize = 1_000_000;
const TIMEOUT_ROUNDS: usize = 4;
const BRANCHES: usize = 100_000;
const JOIN_ROUNDS: usize = 3;

/// Bytes allocated and not yet freed, process-wide.
fn live_bytes() -> i128 {
    let stats = GLOBAL.stats();
    i128::try_from(stats.bytes_allocated).unwrap()
        - i128::try_from(stats.bytes_deallocated).unwrap()
}

/// Blocks allocated and not yet freed, process-wide.
fn live_blocks() -> i128 {
    let stats = GLOBAL.stats();
    i128::try_from(stats.allocations).unwrap() - i128::try_from(stats.deallocations).unwrap()
}

/// Waits (a little) for other threads, such as a timer backend's, to free
/// what they still hold of the round; returns the live bytes then.
fn settled_live_bytes(baseline: i128) -> i128 {
    let start = Instant::now();
    loop {
        let live = live_bytes();
        if live == baseline || start.elapsed() > Duration::from_secs(2) {
            return live;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// Waits until no thread has allocated or freed anything for 50 ms (at most
/// 2 s), so that the baseline is taken once the timer backend is idle.
fn quiesce() {
    let start = Instant::now();
    let mut last = GLOBAL.stats();
    while start.elapsed() < Duration::from_secs(2) {
        std::thread::sleep(Duration::from_millis(50));
        let now = GLOBAL.stats();
        if now == last {
            return;
        }
        last = now;
    }
}

/// Yields once (waking itself), then is ready.
struct YieldOnce(bool);

impl Future for YieldOnce {
    type Output = ();

    fn poll(mut self: std::pin::Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            Poll::Ready(())
        } else {
            self.0 = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

/// `count` timeouts, polled by hand: even ones fire (pending under a zero
/// limit), odd ones finish under a limit of an hour, one in a hundred after
/// being pending once (arming a real timer, then dropping it).
fn timeout_round(count: usize) -> (usize, usize) {
    let mut cx = Context::from_waker(Waker::noop());
    let (mut fired, mut finished) = (0, 0);
    for i in 0..count {
        if i % 2 == 0 {
            let mut limited = pin!(timeout(Duration::ZERO, pending::<u32>()));
            if let Poll::Ready(Err(elapsed)) = limited.as_mut().poll(&mut cx) {
                assert_eq!(elapsed.duration(), Duration::ZERO);
                fired += 1;
            }
        } else if i % 200 == 1 {
            let mut limited = pin!(timeout(Duration::from_secs(3600), YieldOnce(false)));
            assert!(limited.as_mut().poll(&mut cx).is_pending());
            if let Poll::Ready(Ok(())) = limited.as_mut().poll(&mut cx) {
                finished += 1;
            }
        } else {
            let mut limited = pin!(timeout(Duration::from_secs(3600), ready(i)));
            if let Poll::Ready(Ok(out)) = limited.as_mut().poll(&mut cx) {
                assert_eq!(out, i);
                finished += 1;
            }
        }
    }
    (fired, finished)
}

/// Arms `count` real timers at once, then drops them all.
fn arm_at_once(count: usize) {
    let mut cx = Context::from_waker(Waker::noop());
    let mut armed: Vec<_> = (0..count)
        .map(|_| Box::pin(timeout(Duration::from_secs(3600), pending::<()>())))
        .collect();
    for limited in &mut armed {
        assert!(limited.as_mut().poll(&mut cx).is_pending());
    }
    // A short sleep fires only after the backend's thread took in every
    // timer armed before it: its queue has then grown to hold them all
    // (under load, it might otherwise first see them already dropped).
    futures::executor::block_on(orchestrate::sleep(Duration::from_millis(10)));
    drop(armed);
}

/// A branch that yields `i % 3` times, then outputs `out`.
async fn branch<T>(i: usize, out: T) -> T {
    for _ in 0..i % 3 {
        YieldOnce(false).await;
    }
    out
}

/// One round of 100,000-branch joins; returns a checksum of the outputs so
/// that nothing is optimized away.
fn join_round() -> usize {
    futures::executor::block_on(async {
        let all = parallel((0..BRANCHES).map(|i| branch(i, Ok::<_, usize>(i))))
            .await
            .unwrap();
        assert_eq!(all.len(), BRANCHES);
        let mut sum = all[BRANCHES - 1];
        drop(all);

        // Fail-fast in the middle: 99,999 branches cancelled.
        let failed = parallel(
            (0..BRANCHES).map(|i| branch(i, if i == BRANCHES / 2 { Err(i) } else { Ok(i) })),
        )
        .await;
        sum += failed.unwrap_err();

        let limited = parallel((0..BRANCHES).map(|i| branch(i, Ok::<_, ()>(i))))
            .limit(1_000)
            .await
            .unwrap();
        sum += limited[7];
        drop(limited);

        let every =
            settled((0..BRANCHES).map(|i| branch(i, if i % 2 == 0 { Ok(i) } else { Err(i) })))
                .await;
        sum += every.iter().filter(|out| out.is_err()).count();
        drop(every);

        // Every branch but one yields first: the one that does not wins.
        sum += race((0..BRANCHES).map(|i| branch(usize::from(i != 4_242), i))).await;

        let none: AllFailed<usize> = first_ok((0..BRANCHES).map(|i| branch(i, Err::<(), _>(i))))
            .await
            .unwrap_err();
        sum += none.len();
        drop(none);

        // Timeouts as branches: a join of 100,000 timeouts, half firing.
        let timed = settled((0..BRANCHES).map(|i| {
            let limit = if i % 2 == 0 {
                Duration::ZERO
            } else {
                Duration::from_secs(3600)
            };
            timeout(limit, async move {
                if i % 2 == 0 {
                    pending::<()>().await;
                }
                i
            })
        }))
        .await;
        sum += timed.iter().filter(|out| out.is_err()).count();
        sum
    })
}

#[test]
fn memory_returns_to_its_baseline_after_every_round() {
    // Warm-up: thread-locals, the executor's waker, and the timer backend,
    // whose queue keeps the capacity it once needed: more timers at once here
    // than a round ever has.
    arm_at_once(3 * TIMEOUTS / TIMEOUT_ROUNDS / 200);
    let _ = timeout_round(10_000);
    let _ = join_round();
    quiesce();

    // Preallocated, so that recording a round allocates nothing.
    let mut after: Vec<i128> = Vec::with_capacity(TIMEOUT_ROUNDS + JOIN_ROUNDS);
    let mut blocks: Vec<i128> = Vec::with_capacity(TIMEOUT_ROUNDS + JOIN_ROUNDS);
    let start = Instant::now();
    let baseline = live_bytes();
    let baseline_blocks = live_blocks();

    let per_round = TIMEOUTS / TIMEOUT_ROUNDS;
    let (mut fired, mut finished) = (0, 0);
    for _ in 0..TIMEOUT_ROUNDS {
        let (f, d) = timeout_round(per_round);
        fired += f;
        finished += d;
        after.push(settled_live_bytes(baseline) - baseline);
        blocks.push(live_blocks() - baseline_blocks);
    }
    let timeouts_took = start.elapsed();

    let mut sum = 0;
    for _ in 0..JOIN_ROUNDS {
        sum += join_round();
        after.push(settled_live_bytes(baseline) - baseline);
        blocks.push(live_blocks() - baseline_blocks);
    }
    let expected_sum =
        (BRANCHES - 1) + BRANCHES / 2 + 7 + BRANCHES / 2 + 4_242 + BRANCHES + BRANCHES / 2;
    let took = start.elapsed();

    println!(
        "soak: {TIMEOUTS} timeouts ({fired} fired, {finished} finished) in {timeouts_took:?}, \
         {JOIN_ROUNDS} rounds of 7 joins of {BRANCHES} branches; {took:?} in all; \
         bytes above the baseline after each round: {after:?}"
    );
    assert_eq!((fired, finished), (TIMEOUTS / 2, TIMEOUTS / 2));
    assert_eq!(sum, JOIN_ROUNDS * expected_sum);
    assert!(
        blocks.iter().all(|&leaked| leaked == 0),
        "blocks not freed after each round: {blocks:?}"
    );
    assert!(
        after.iter().all(|&leaked| leaked == 0),
        "leaked bytes after each round: {after:?}"
    );
}
