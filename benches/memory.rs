//! Heap bytes per in-flight branch, and the size of the fixed-set futures.
//!
//! ```text
//! cd benches && cargo bench --bench memory
//! ```
//!
//! A counting global allocator (`stats_alloc`, in this binary only, so the
//! timed benches in `compare.rs` run on the plain system allocator) measures,
//! for a join of 100 000 branches polled once so that every branch is in
//! flight, the heap bytes the join holds at that moment (live bytes, counted as
//! requested from the allocator) divided by the branch count, and the number of
//! allocations and bytes the whole join makes from start to output. The
//! branches are built from an iterator, so no input `Vec` is counted, but for
//! futures-concurrency, which needs one.
//!
//! Then the sizes (`size_of_val`) of `parallel!`/`settled!` of 5 branches next
//! to futures' `try_join!`/`join!` (inside the `async` block they must be
//! written in), `try_join5`/`join5` and tokio's macros, for the same branches.
//!
//! Target: bytes per in-flight branch ≤ futures-buffered's; the macros' futures
//! no larger than futures' `join!`/`try_join!` for the same branches.

// Counts far below 2^52 become `f64` for the report; `a`…`e` are branches.
#![allow(
    clippy::cast_precision_loss,
    clippy::cast_possible_wrap,
    clippy::many_single_char_names
)]

use std::alloc::System;
use std::cell::{Cell, RefCell};
use std::future::Future;
use std::hint::black_box;
use std::pin::{Pin, pin};
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use futures::StreamExt as _;
use futures_concurrency::prelude::*;
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

use orchestrate_benches::workloads::yield_once;

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

const N: usize = 100_000;

/// Live heap bytes since `region` began (`stats_alloc` counts a growing or
/// shrinking `realloc` in these two as well).
fn live(region: &Region<'_, System>) -> isize {
    let change = region.change();
    change.bytes_allocated as isize - change.bytes_deallocated as isize
}

struct Measured {
    name: &'static str,
    in_flight: isize,
    allocations: usize,
    bytes_total: usize,
}

/// Holds every branch pending until it opens. Its list of wakers is allocated
/// before the measurement starts.
struct Gate {
    open: Cell<bool>,
    wakers: RefCell<Vec<Waker>>,
}

/// A branch that waits for its gate, then outputs its value.
struct Gated<T> {
    gate: Rc<Gate>,
    value: Option<T>,
}

impl<T: Unpin> Future for Gated<T> {
    type Output = T;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        if self.gate.open.get() {
            return Poll::Ready(self.value.take().expect("polled after completion"));
        }
        self.gate.wakers.borrow_mut().push(cx.waker().clone());
        Poll::Pending
    }
}

thread_local! {
    static GATE: Rc<Gate> = Rc::new(Gate {
        open: Cell::new(false),
        wakers: RefCell::new(Vec::new()),
    });
}

/// Builds the join with `make`, polls it once (every branch is then pending
/// at its gate), reads the live bytes, then opens the gate and drives the join
/// to the end.
fn measure<F: Future>(name: &'static str, make: impl FnOnce() -> F) -> Measured {
    let gate = GATE.with(Rc::clone);
    gate.open.set(false);
    *gate.wakers.borrow_mut() = Vec::with_capacity(N);
    let mut cx = Context::from_waker(Waker::noop());
    let region = Region::new(GLOBAL);
    let mut join = pin!(make());
    assert!(join.as_mut().poll(&mut cx).is_pending(), "{name}");
    let in_flight = live(&region);
    gate.open.set(true);
    let wakers = std::mem::take(&mut *gate.wakers.borrow_mut());
    for waker in &wakers {
        waker.wake_by_ref();
    }
    let output = loop {
        if let Poll::Ready(output) = join.as_mut().poll(&mut cx) {
            break output;
        }
    };
    drop(black_box(output));
    let change = region.change();
    drop(wakers);
    Measured {
        name,
        in_flight,
        allocations: change.allocations,
        bytes_total: change.bytes_allocated,
    }
}

fn gated<T>(value: T) -> Gated<T> {
    Gated {
        gate: GATE.with(Rc::clone),
        value: Some(value),
    }
}

fn branches() -> impl Iterator<Item = Gated<u64>> {
    (0..N as u64).map(gated)
}

fn fallible() -> impl Iterator<Item = Gated<Result<u64, ()>>> {
    (0..N as u64).map(|i| gated(Ok(i)))
}

fn main() {
    if std::env::args().any(|arg| arg == "--list") {
        return; // `cargo bench -- --list`: nothing to list
    }
    let rows = [
        measure("orchestrate::settled", || orchestrate::settled(branches())),
        measure(
            "orchestrate::parallel",
            || orchestrate::parallel(fallible()),
        ),
        measure("futures::future::join_all", || {
            futures::future::join_all(branches())
        }),
        measure("futures::future::try_join_all", || {
            futures::future::try_join_all(fallible())
        }),
        measure("futures_buffered::join_all", || {
            futures_buffered::join_all(branches())
        }),
        measure("futures_buffered::try_join_all", || {
            futures_buffered::try_join_all(fallible())
        }),
        measure("futures-concurrency Vec::join", || {
            branches().collect::<Vec<_>>().join()
        }),
        measure("FuturesUnordered (collect)", || {
            branches()
                .collect::<futures::stream::FuturesUnordered<_>>()
                .collect::<Vec<_>>()
        }),
    ];
    println!(
        "\nheap of a join of {N} branches (each a {}-byte future, output u64)\n",
        size_of::<Gated<Result<u64, ()>>>()
    );
    println!(
        "| join | bytes per in-flight branch | allocations per join | bytes allocated per branch |"
    );
    println!("| --- | --- | --- | --- |");
    for row in &rows {
        println!(
            "| {} | {:.1} | {} | {:.1} |",
            row.name,
            row.in_flight as f64 / N as f64,
            row.allocations,
            row.bytes_total as f64 / N as f64
        );
    }

    sizes();
}

/// A branch with some state of its own, as an `async fn` has.
async fn branch(value: u64) -> Result<u64, ()> {
    let buffer = black_box([value; 4]);
    yield_once(()).await;
    Ok(buffer.iter().sum())
}

async fn plain(value: u64) -> u64 {
    let buffer = black_box([value; 4]);
    yield_once(()).await;
    buffer.iter().sum()
}

fn sizes() {
    let ok = || (branch(1), branch(2), branch(3), branch(4), branch(5));
    let out = || (plain(1), plain(2), plain(3), plain(4), plain(5));
    println!(
        "\nsize of the future of 5 branches ({} bytes each), in bytes\n",
        size_of_val(&branch(0))
    );
    println!("| join | size |\n| --- | --- |");
    let (a, b, c, d, e) = ok();
    println!(
        "| `parallel!` | {} |",
        size_of_val(&orchestrate::parallel!(a, b, c, d, e))
    );
    let (a, b, c, d, e) = ok();
    println!(
        "| `async {{ futures::try_join! }}` | {} |",
        size_of_val(&async move { futures::try_join!(a, b, c, d, e) })
    );
    let (a, b, c, d, e) = ok();
    println!(
        "| `futures::future::try_join5` | {} |",
        size_of_val(&futures::future::try_join5(a, b, c, d, e))
    );
    let (a, b, c, d, e) = ok();
    println!(
        "| `async {{ tokio::try_join! }}` | {} |",
        size_of_val(&async move { tokio::try_join!(a, b, c, d, e) })
    );
    let (a, b, c, d, e) = out();
    println!(
        "| `settled!` | {} |",
        size_of_val(&orchestrate::settled!(a, b, c, d, e))
    );
    let (a, b, c, d, e) = out();
    println!(
        "| `async {{ futures::join! }}` | {} |",
        size_of_val(&async move { futures::join!(a, b, c, d, e) })
    );
    let (a, b, c, d, e) = out();
    println!(
        "| `futures::future::join5` | {} |",
        size_of_val(&futures::future::join5(a, b, c, d, e))
    );
    let (a, b, c, d, e) = out();
    println!(
        "| `async {{ tokio::join! }}` | {} |",
        size_of_val(&async move { tokio::join!(a, b, c, d, e) })
    );
}
