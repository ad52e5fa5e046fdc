//! A completion stream over inputs without end runs in memory bounded by its
//! limit, not by the number of inputs: 1,000,000 inputs (10,000,000 with
//! `ORCHESTRATE_STREAM_INPUTS=10000000`, best in `--release`) through
//! `.limit(50)`, from a stream and from an iterator, peak at exactly the bytes
//! that 1,000 inputs peak at.
//!
//! A counting global allocator (`stats_alloc`) sees every allocation of the
//! process; the peak is the most bytes live after any item was taken. The
//! streams are polled by hand with a no-op waker (no executor that could
//! allocate), from `main` (`harness = false`): the process's one thread, so
//! nothing else allocates (under libtest, its main thread's bookkeeping
//! after spawning the test raced with the first count).

use std::alloc::System;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use futures::Stream;
use futures::StreamExt;
use orchestrate::{settled, settled_stream};
use stats_alloc::{INSTRUMENTED_SYSTEM, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

const LIMIT: usize = 50;

/// Bytes allocated and not yet freed, process-wide.
fn live_bytes() -> i128 {
    let stats = GLOBAL.stats();
    i128::try_from(stats.bytes_allocated).unwrap()
        - i128::try_from(stats.bytes_deallocated).unwrap()
}

/// Pending once (waking itself), then ready with its value.
struct YieldOnce {
    value: u64,
    yielded: bool,
}

impl Future for YieldOnce {
    type Output = u64;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u64> {
        if self.yielded {
            return Poll::Ready(self.value);
        }
        self.yielded = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

fn yield_once(value: u64) -> YieldOnce {
    YieldOnce {
        value,
        yielded: false,
    }
}

/// Drains `stream` with a no-op waker; checks every input came out once and
/// returns the most bytes live, above what was live before it was built,
/// after any item was taken.
fn peak_of<S: Stream<Item = (usize, u64)>>(inputs: u64, make: impl FnOnce() -> S) -> i128 {
    let before = live_bytes();
    let mut stream = Box::pin(make());
    let mut cx = Context::from_waker(Waker::noop());
    let (mut count, mut sum, mut peak) = (0_u64, 0_u64, 0);
    loop {
        match stream.as_mut().poll_next(&mut cx) {
            Poll::Ready(Some((index, value))) => {
                assert_eq!(index as u64, value);
                count += 1;
                sum = sum.wrapping_add(value);
                peak = peak.max(live_bytes() - before);
            }
            Poll::Ready(None) => break,
            // Every branch woke itself: poll again.
            Poll::Pending => {}
        }
    }
    drop(stream);
    assert_eq!(count, inputs);
    assert_eq!(sum, (0..inputs).fold(0_u64, u64::wrapping_add));
    assert_eq!(live_bytes(), before, "everything freed with the stream");
    peak
}

fn main() {
    inputs_without_end_run_in_memory_bounded_by_the_limit();
    println!("test inputs_without_end_run_in_memory_bounded_by_the_limit ... ok");
}

fn inputs_without_end_run_in_memory_bounded_by_the_limit() {
    let many: u64 = std::env::var("ORCHESTRATE_STREAM_INPUTS")
        .ok()
        .map_or(1_000_000, |n| n.parse().expect("a number of inputs"));
    let from_stream = |n: u64| {
        peak_of(n, move || {
            settled_stream(futures::stream::iter(0..n).map(yield_once), LIMIT)
        })
    };
    let from_iter = |n: u64| {
        peak_of(n, move || {
            settled((0..n).map(yield_once)).limit(LIMIT).stream()
        })
    };

    let (few_stream, many_stream) = (from_stream(1_000), from_stream(many));
    let (few_iter, many_iter) = (from_iter(1_000), from_iter(many));
    println!(
        "peak live bytes through .limit({LIMIT}): stream input {few_stream} for 1000, \
         {many_stream} for {many}; iterator input {few_iter} for 1000, {many_iter} for {many}"
    );
    assert_eq!(
        many_stream, few_stream,
        "stream input: the peak does not grow with the inputs"
    );
    assert_eq!(
        many_iter, few_iter,
        "iterator input: the peak does not grow with the inputs"
    );
    // The slots, the wake set and the indices.
    assert!(
        many_stream < 8 * 1024,
        "{many_stream} bytes for {LIMIT} in flight"
    );
    assert!(
        many_iter < 8 * 1024,
        "{many_iter} bytes for {LIMIT} in flight"
    );

    // Per in-flight branch, at a limit large enough to hide the fixed parts:
    // its slot (the future's 16 bytes here), waker node (8) and input index
    // (8, the link to the next free slot while the slot is free), and a bit
    // of the wake set; no room for outputs (each is returned as it arrives)
    // nor a list of free slots of its own.
    let wide: u32 = 100_000;
    let inputs = 2 * u64::from(wide);
    let per_branch = |peak: i128| f64::from(i32::try_from(peak).unwrap()) / f64::from(wide);
    let wide_stream = per_branch(peak_of(inputs, || {
        settled_stream(
            futures::stream::iter(0..inputs).map(yield_once),
            wide as usize,
        )
    }));
    let wide_iter = per_branch(peak_of(inputs, || {
        settled((0..inputs).map(yield_once))
            .limit(wide as usize)
            .stream()
    }));
    println!(
        "bytes per in-flight branch at .limit({wide}): stream input {wide_stream:.1}, \
         iterator input {wide_iter:.1}"
    );
    // A slot is the future's size: its tag fits in the `bool`'s spare values.
    let slot = u32::try_from(size_of::<YieldOnce>()).unwrap();
    let bound = f64::from(slot + 8 + 8) + 0.5;
    assert!(
        wide_stream <= bound && wide_iter <= bound,
        "at most the slot ({slot}), the waker node and the index: {bound} bytes"
    );
}
