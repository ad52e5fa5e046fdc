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
//! Then the same under `.limit(N)` over 2·N inputs, for the joins and the
//! completion streams (drained with `for_each`, which keeps nothing) next to
//! futures' `buffer_unordered` and futures-buffered's `buffered_unordered`:
//! polled until N branches are pending, then one branch finishes and its
//! slot takes the next input (pending too), and the live bytes are read then,
//! with N in flight and a slot reused (a join or stream keeps the input index
//! of each branch only from then).
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
use futures::stream;
use futures_buffered::BufferedStreamExt as _;
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
    /// How many more polls of a branch may find it open (`usize::MAX`: open).
    tickets: Cell<usize>,
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
        let tickets = self.gate.tickets.get();
        if tickets > 0 {
            if tickets != usize::MAX {
                self.gate.tickets.set(tickets - 1);
            }
            return Poll::Ready(self.value.take().expect("polled after completion"));
        }
        self.gate.wakers.borrow_mut().push(cx.waker().clone());
        Poll::Pending
    }
}

thread_local! {
    static GATE: Rc<Gate> = Rc::new(Gate {
        tickets: Cell::new(0),
        wakers: RefCell::new(Vec::new()),
    });
}

/// Builds the join with `make`, polls it once (every branch is then pending
/// at its gate), reads the live bytes, then opens the gate and drives the join
/// to the end.
fn measure<F: Future>(name: &'static str, make: impl FnOnce() -> F) -> Measured {
    measure_with(name, false, make)
}

/// As [`measure`], but lets one branch finish, and its slot take the next
/// input, before reading the live bytes.
fn measure_reused<F: Future>(name: &'static str, make: impl FnOnce() -> F) -> Measured {
    measure_with(name, true, make)
}

fn measure_with<F: Future>(name: &'static str, reuse: bool, make: impl FnOnce() -> F) -> Measured {
    let gate = GATE.with(Rc::clone);
    gate.tickets.set(0);
    *gate.wakers.borrow_mut() = Vec::with_capacity(2 * N);
    let mut cx = Context::from_waker(Waker::noop());
    let region = Region::new(GLOBAL);
    let mut join = pin!(make());
    assert!(join.as_mut().poll(&mut cx).is_pending(), "{name}");
    if reuse {
        // Some peers start at most so many branches per poll.
        let in_flight = || gate.wakers.borrow().len();
        while in_flight() < N {
            assert!(join.as_mut().poll(&mut cx).is_pending(), "{name}");
        }
        gate.tickets.set(1);
        let first = gate.wakers.borrow_mut().remove(0);
        first.wake();
        while gate.tickets.get() > 0 || in_flight() < N {
            assert!(join.as_mut().poll(&mut cx).is_pending(), "{name}");
        }
        assert_eq!(in_flight(), N, "{name}: {N} in flight, one slot reused");
    }
    let in_flight = live(&region);
    gate.tickets.set(usize::MAX);
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

/// Twice as many inputs as [`branches`], for `.limit(N)`.
fn twice() -> impl Iterator<Item = Gated<u64>> {
    (0..2 * N as u64).map(gated)
}

fn twice_fallible() -> impl Iterator<Item = Gated<Result<u64, ()>>> {
    (0..2 * N as u64).map(|i| gated(Ok(i)))
}

/// Drains a stream, keeping nothing.
async fn drain<S: futures::Stream>(stream: S) {
    stream
        .for_each(|item| async move { drop(black_box(item)) })
        .await;
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
        measure("orchestrate::settled(..).stream()", || {
            drain(orchestrate::settled(branches()).stream())
        }),
    ];
    println!(
        "\nheap of a join of {N} branches (each a {}-byte future, output u64)\n",
        size_of::<Gated<Result<u64, ()>>>()
    );
    table(&rows, N);

    let limited = [
        measure_reused("orchestrate::settled(..).limit(N)", || {
            orchestrate::settled(twice()).limit(N)
        }),
        measure_reused("orchestrate::parallel(..).limit(N)", || {
            orchestrate::parallel(twice_fallible()).limit(N)
        }),
        measure_reused("orchestrate::settled(..).limit(N).stream()", || {
            drain(orchestrate::settled(twice()).limit(N).stream())
        }),
        measure_reused("orchestrate::settled_stream(.., N)", || {
            drain(orchestrate::settled_stream(stream::iter(twice()), N))
        }),
        measure_reused("orchestrate::parallel(..).limit(N).stream()", || {
            drain(orchestrate::parallel(twice_fallible()).limit(N).stream())
        }),
        measure_reused("futures `buffer_unordered(N)`", || {
            drain(stream::iter(twice()).buffer_unordered(N))
        }),
        measure_reused("futures_buffered `buffered_unordered(N)`", || {
            drain(stream::iter(twice()).buffered_unordered(N))
        }),
        // futures-concurrency's `co().limit(N)` is left out: polled by hand
        // it takes minutes to reach N in flight here.
    ];
    println!(
        "\nthe same under `.limit({N})` over {} inputs, once a slot was reused \
         (bytes allocated: per input)\n",
        2 * N
    );
    table(&limited, 2 * N);

    sizes();
}

fn table(rows: &[Measured], inputs: usize) {
    println!(
        "| join | bytes per in-flight branch | allocations per join | bytes allocated per branch |"
    );
    println!("| --- | --- | --- | --- |");
    for row in rows {
        println!(
            "| {} | {:.1} | {} | {:.1} |",
            row.name,
            row.in_flight as f64 / N as f64,
            row.allocations,
            row.bytes_total as f64 / inputs as f64
        );
    }
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
