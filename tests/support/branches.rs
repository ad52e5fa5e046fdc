//! Small executor-neutral branches and the polling of one by hand.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use crate::guards::DropGuard;

/// Yields to the executor `times` times, waking itself each time: a branch
/// that takes several polls without any timer.
pub fn yield_now(times: usize) -> YieldNow {
    YieldNow { left: times }
}

/// The future of [`yield_now`].
#[derive(Debug)]
pub struct YieldNow {
    left: usize,
}

impl Future for YieldNow {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.left == 0 {
            Poll::Ready(())
        } else {
            self.left -= 1;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

/// Polls `future` once, from inside the running test, and returns what it
/// returned: to look at a future between polls, or to poll one again after it
/// completed.
pub async fn poll_once<F: Future + ?Sized>(mut future: Pin<&mut F>) -> Poll<F::Output> {
    std::future::poll_fn(|cx| Poll::Ready(future.as_mut().poll(cx))).await
}

/// Delays for `n` branches (`n >= 2`) that make them finish out of input
/// order: a fixed pseudo-random permutation of `0..n` times `step`, arranged so
/// that the first branch sleeps longest and the last one not at all. The last
/// branch is then ready at the join's first poll while the first is still
/// asleep, so completion order differs from input order whatever the load.
pub fn shuffled_delays(n: usize, step: Duration) -> Vec<Duration> {
    assert!(n >= 2, "shuffled_delays needs at least two branches");
    let mut order: Vec<u32> = (0..u32::try_from(n).expect("a small n")).collect();
    // Fisher-Yates with a fixed xorshift seed: the same order on every run.
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    for i in (1..n).rev() {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let j = usize::try_from(seed % (i as u64 + 1)).expect("below n");
        order.swap(i, j);
    }
    let slowest = order
        .iter()
        .position(|&d| d as usize == n - 1)
        .expect("in range");
    order.swap(0, slowest);
    let fastest = order.iter().position(|&d| d == 0).expect("in range");
    order.swap(n - 1, fastest);
    order.into_iter().map(|d| step * d).collect()
}

/// A branch that sleeps `delay` on the crate's timer, then returns `out`. If
/// it is dropped before that, `guard` counts it as cancelled.
pub async fn finish_after<T>(guard: DropGuard, delay: Duration, out: T) -> T {
    orchestrate::sleep(delay).await;
    guard.defuse();
    out
}
