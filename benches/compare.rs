//! orchestrate against its peers, side by side in one run.
//!
//! ```text
//! cd benches                             # a workspace of its own
//! cargo bench --bench compare            # everything, a few minutes on 2 cores
//! cargo bench --bench compare -- fixed   # one family (criterion's filter)
//! ```
//!
//! At the end the run prints, and writes to `<target>/criterion/ratios.md`, a
//! table of ratios *ours / peer* built from the medians of this very run, so
//! the ratios never mix machines or days. `benches/RESULTS.md` holds one such
//! run with the machine it ran on; `cargo bench --bench memory` adds the heap
//! bytes per branch and the sizes of the futures.
//!
//! # Why criterion
//!
//! Criterion and divan would both do; criterion is used because
//! - its median and confidence interval per benchmark are robust against the
//!   noise of a shared 2-core machine, and it flags outliers;
//! - `iter_custom` lets one executor call wrap the whole timing loop, so each
//!   contender pays the same executor cost, once, and not per iteration;
//! - it saves every estimate on disk (`<target>/criterion/…/estimates.json`),
//!   which is how this bench builds its table of ratios, and
//!   `--save-baseline`/`--baseline` compare a design change before/after;
//! - divan's main advantage, counting allocations, lives in `memory.rs` and
//!   `tests/integration/allocations.rs` instead, without slowing down the timed code.
//!
//! # What is measured
//!
//! Every contender is polled by the same executor (`futures::executor::block_on`,
//! or a current-thread tokio runtime for the timeouts, as `tokio::time::timeout`
//! needs one), builds its branches from the same iterator inside the timed
//! loop, and drops its output inside it.
//!
//! - **fixed**: `parallel!`/`settled!` of 5 branches against `futures::try_join!`/
//!   `join!`, `tokio::try_join!`/`join!` and futures-concurrency's tuple
//!   `try_join`/`join`; branches ready at once, or pending once.
//! - **collections**: `settled(iter)` against `futures::future::join_all`,
//!   `futures_buffered::join_all`, futures-concurrency's `Vec::join` (which
//!   needs a `Vec`: collecting it is part of its cost) and `FuturesUnordered`
//!   collected into a `Vec` (completion order: less work than a join);
//!   `parallel(iter)` against `try_join_all` of futures and futures-buffered and
//!   futures-concurrency's `Vec::try_join`. At n = 10, 1 000 and 100 000, for
//!   two wake patterns (see `support/workloads.rs`): every branch pending once, and
//!   "countdown", woken one at a time in reverse. futures-concurrency is left
//!   out of the 100 000 countdown: it re-polls every branch on every wake
//!   (~82 µs per branch there, over 8 s per iteration).
//! - **limit**: `settled(iter).limit(k)` against futures' `buffered(k)` (the
//!   same ordered output), `buffer_unordered(k)` and futures-buffered's
//!   `buffered_ordered(k)`, all collected into a `Vec`.
//! - **timeout**: `orchestrate::timeout` (on its default futures-timer backend,
//!   and as `ours_tokio_timer` on the `TokioTimer` backend, one `with_timer`
//!   scope around the timing loop) against `tokio::time::timeout`,
//!   `async_std::future::timeout` and a reference that creates a futures-timer
//!   `Delay` eagerly (the default backend orchestrate's timeout arms when its
//!   future is pending), around a future ready at once and one pending once.
//!   Each contender is made, awaited and dropped inside the timed loop, so
//!   each pays its whole timer there, wherever it arms it: the eager `Delay`
//!   when it is made (around a ready future too), orchestrate's timer at its
//!   first poll and only when the inner future is pending, tokio's `Sleep`
//!   (made with the timeout, registered at its first poll) likewise; and each
//!   cancels its timer when it is dropped, inside the loop.
//! - **timeout, paired**: the pending-once timeouts again, outside criterion,
//!   in 400 rounds of 1 000 timeouts per contender, back to back, each ratio
//!   taken within its round (see `paired_timeouts`): the futures-timer
//!   contenders' cost swings with the load between criterion's benchmarks,
//!   and a ratio of two medians measured seconds apart swings with it. This
//!   section runs with the whole bench, or alone with
//!   `cargo bench --bench compare -- paired`, and its rows end the table.
//!
//! # Targets (ratios ours / peer, one run)
//!
//! - fixed-set macros ≤ 1.10 × futures' `join!`/`try_join!`; 0 heap
//!   allocations (`tests/integration/allocations.rs`); the future no larger than futures'
//!   `join!` for the same branches (`memory.rs`);
//! - collection joins ≤ 1.0 × futures-buffered at every n and both wake
//!   patterns, ≤ 0.5 × futures' `join_all` at 100 000;
//! - timeout ≤ 0.5 × tokio's around a ready future (no timer armed); ≤ 1.0 ×
//!   tokio's and ≤ 1.1 × the eager `Delay` around a pending one;
//! - heap bytes per in-flight branch of a 100 000 join ≤ futures-buffered's
//!   (`memory.rs`).

// Nanoseconds and counts far below 2^52 become `f64` for the report.
#![allow(clippy::cast_precision_loss)]

use std::fmt::Write as _;
use std::future::Future;
use std::hint::black_box;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant, SystemTime};

use criterion::measurement::WallTime;
use criterion::{Bencher, BenchmarkGroup, BenchmarkId, Criterion};
use futures::executor::block_on;
use futures::{StreamExt as _, stream};
use futures_concurrency::prelude::*;
use orchestrate::timer::{TokioTimer, with_timer};

use orchestrate_benches::report::{Paired, paired, paired_head, report};
use orchestrate_benches::workloads::{countdown, ready, yield_once};

const SIZES: [usize; 3] = [10, 1_000, 100_000];
/// `(n, k)` for the `.limit(k)` family.
const LIMITS: [(usize, usize); 2] = [(1_000, 10), (100_000, 1_000)];
/// A limit long enough never to fire in a benchmark.
const LIMIT: Duration = Duration::from_hours(1);

/// Times `iters` runs of `make().await` inside one `block_on`.
fn on_futures<F: Future>(b: &mut Bencher<'_>, mut make: impl FnMut() -> F) {
    b.iter_custom(|iters| {
        block_on(async {
            let start = Instant::now();
            for _ in 0..iters {
                black_box(make().await);
            }
            start.elapsed()
        })
    });
}

/// Times `iters` runs of `make().await` inside one tokio `block_on`.
fn on_tokio<F: Future>(
    b: &mut Bencher<'_>,
    rt: &tokio::runtime::Runtime,
    mut make: impl FnMut() -> F,
) {
    b.iter_custom(|iters| {
        rt.block_on(async {
            let start = Instant::now();
            for _ in 0..iters {
                black_box(make().await);
            }
            start.elapsed()
        })
    });
}

// ------------------------------------------------------------------ fixed set

macro_rules! five {
    ($make:expr) => {
        (
            $make(black_box(1_u64)),
            $make(black_box(2_u64)),
            $make(black_box(3_u64)),
            $make(black_box(4_u64)),
            $make(black_box(5_u64)),
        )
    };
}

/// The fixed-set family for one kind of branch (`$make(value)` builds one).
macro_rules! fixed_family {
    ($group:expr, $make:expr) => {{
        let group: &mut BenchmarkGroup<'_, WallTime> = $group;
        let ok = |v: u64| $make(Ok::<u64, ()>(v));
        let plain = |v: u64| $make(v);
        group.bench_function("ours_parallel", |b| {
            on_futures(b, || async {
                let (a, b, c, d, e) = five!(ok);
                orchestrate::parallel!(a, b, c, d, e).await
            })
        });
        group.bench_function("futures_try_join", |b| {
            on_futures(b, || async {
                let (a, b, c, d, e) = five!(ok);
                futures::try_join!(a, b, c, d, e)
            })
        });
        group.bench_function("tokio_try_join", |b| {
            on_futures(b, || async {
                let (a, b, c, d, e) = five!(ok);
                tokio::try_join!(a, b, c, d, e)
            })
        });
        group.bench_function("fc_try_join", |b| {
            on_futures(b, || async {
                let (a, b, c, d, e) = five!(ok);
                (a, b, c, d, e).try_join().await
            })
        });
        group.bench_function("ours_settled", |b| {
            on_futures(b, || async {
                let (a, b, c, d, e) = five!(plain);
                orchestrate::settled!(a, b, c, d, e).await
            })
        });
        group.bench_function("futures_join", |b| {
            on_futures(b, || async {
                let (a, b, c, d, e) = five!(plain);
                futures::join!(a, b, c, d, e)
            })
        });
        group.bench_function("tokio_join", |b| {
            on_futures(b, || async {
                let (a, b, c, d, e) = five!(plain);
                tokio::join!(a, b, c, d, e)
            })
        });
        group.bench_function("fc_join", |b| {
            on_futures(b, || async {
                let (a, b, c, d, e) = five!(plain);
                (a, b, c, d, e).join().await
            })
        });
    }};
}

fn fixed(c: &mut Criterion) {
    fixed_family!(&mut c.benchmark_group("fixed_ready"), ready);
    fixed_family!(&mut c.benchmark_group("fixed_pending"), yield_once);
}

// ---------------------------------------------------------------- collections

/// The collection family for one wake pattern: `$make(n, value)` is an
/// iterator of `n` branches outputting `value(index)`.
macro_rules! collection_family {
    ($c:expr, $pattern:literal, $make:expr) => {{
        let c: &mut Criterion = $c;
        let mut settled = c.benchmark_group(concat!("settled_", $pattern));
        for n in SIZES {
            tune(&mut settled, n);
            let id = |name| BenchmarkId::new(name, n);
            settled.bench_function(id("ours"), |b| {
                on_futures(b, || orchestrate::settled($make(n, |i| i)))
            });
            settled.bench_function(id("futures_join_all"), |b| {
                on_futures(b, || futures::future::join_all($make(n, |i| i)))
            });
            settled.bench_function(id("futures_buffered"), |b| {
                on_futures(b, || futures_buffered::join_all($make(n, |i| i)))
            });
            if n < 100_000 || $pattern == "yield_once" {
                settled.bench_function(id("futures_concurrency"), |b| {
                    on_futures(b, || $make(n, |i| i).collect::<Vec<_>>().join())
                });
            }
            settled.bench_function(id("futures_unordered"), |b| {
                on_futures(b, || {
                    $make(n, |i| i)
                        .collect::<futures::stream::FuturesUnordered<_>>()
                        .collect::<Vec<_>>()
                })
            });
        }
        settled.finish();

        let mut parallel = c.benchmark_group(concat!("parallel_", $pattern));
        for n in SIZES {
            tune(&mut parallel, n);
            let id = |name| BenchmarkId::new(name, n);
            parallel.bench_function(id("ours"), |b| {
                on_futures(b, || orchestrate::parallel($make(n, Ok::<usize, ()>)))
            });
            parallel.bench_function(id("futures_try_join_all"), |b| {
                on_futures(b, || {
                    futures::future::try_join_all($make(n, Ok::<usize, ()>))
                })
            });
            parallel.bench_function(id("futures_buffered"), |b| {
                on_futures(b, || {
                    futures_buffered::try_join_all($make(n, Ok::<usize, ()>))
                })
            });
            if n < 100_000 || $pattern == "yield_once" {
                parallel.bench_function(id("futures_concurrency"), |b| {
                    on_futures(b, || {
                        $make(n, Ok::<usize, ()>).collect::<Vec<_>>().try_join()
                    })
                });
            }
        }
        parallel.finish();
    }};
}

/// Fewer, longer samples for the large inputs.
fn tune(group: &mut BenchmarkGroup<'_, WallTime>, n: usize) {
    if n >= 100_000 {
        group
            .sample_size(15)
            .warm_up_time(Duration::from_millis(300))
            .measurement_time(Duration::from_secs(2));
    } else {
        group
            .sample_size(40)
            .warm_up_time(Duration::from_millis(300))
            .measurement_time(Duration::from_millis(1200));
    }
}

fn yield_once_n<T: Unpin>(
    n: usize,
    value: impl Fn(usize) -> T,
) -> impl Iterator<Item = orchestrate_benches::workloads::YieldOnce<T>> {
    (0..n).map(move |i| yield_once(value(i)))
}

fn collections(c: &mut Criterion) {
    collection_family!(c, "yield_once", yield_once_n);
    collection_family!(c, "countdown", countdown);
}

fn limits(c: &mut Criterion) {
    let mut group = c.benchmark_group("limit");
    for (n, k) in LIMITS {
        tune(&mut group, n);
        let id = |name| BenchmarkId::new(name, n);
        group.bench_function(id("ours"), |b| {
            on_futures(b, || orchestrate::settled(yield_once_n(n, |i| i)).limit(k));
        });
        group.bench_function(id("futures_buffered_ordered"), |b| {
            on_futures(b, || {
                stream::iter(yield_once_n(n, |i| i))
                    .buffered(k)
                    .collect::<Vec<_>>()
            });
        });
        group.bench_function(id("futures_buffer_unordered"), |b| {
            on_futures(b, || {
                stream::iter(yield_once_n(n, |i| i))
                    .buffer_unordered(k)
                    .collect::<Vec<_>>()
            });
        });
        group.bench_function(id("fb_buffered_ordered"), |b| {
            use futures_buffered::BufferedStreamExt as _;
            on_futures(b, || {
                stream::iter(yield_once_n(n, |i| i))
                    .buffered_ordered(k)
                    .collect::<Vec<_>>()
            });
        });
    }
    group.finish();
}

// ------------------------------------------------------------------ timeouts

/// The reference: a timeout that creates its futures-timer `Delay` eagerly,
/// as a hand-written one would.
struct EagerDelay<F> {
    inner: F,
    delay: futures_timer::Delay,
}

fn eager_delay<F: Future + Unpin>(limit: Duration, inner: F) -> EagerDelay<F> {
    EagerDelay {
        inner,
        delay: futures_timer::Delay::new(limit),
    }
}

impl<F: Future + Unpin> Future for EagerDelay<F> {
    type Output = Result<F::Output, ()>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if let Poll::Ready(out) = Pin::new(&mut self.inner).poll(cx) {
            return Poll::Ready(Ok(out));
        }
        match Pin::new(&mut self.delay).poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(())),
            Poll::Pending => Poll::Pending,
        }
    }
}

/// Times `iters` runs of `make().await` inside one tokio `block_on`, with
/// orchestrate's timers on tokio's timer (one `with_timer` scope around the
/// whole loop, so no scope is made per iteration).
fn on_tokio_backend<F: Future>(
    b: &mut Bencher<'_>,
    rt: &tokio::runtime::Runtime,
    mut make: impl FnMut() -> F,
) {
    b.iter_custom(|iters| {
        rt.block_on(with_timer(TokioTimer, async {
            let start = Instant::now();
            for _ in 0..iters {
                black_box(make().await);
            }
            start.elapsed()
        }))
    });
}

macro_rules! timeout_family {
    ($group:expr, $rt:expr, $make:expr) => {{
        let group: &mut BenchmarkGroup<'_, WallTime> = $group;
        let rt: &tokio::runtime::Runtime = $rt;
        group.bench_function("ours", |b| {
            on_tokio(b, rt, || {
                orchestrate::timeout(LIMIT, $make(black_box(1_u64)))
            })
        });
        group.bench_function("ours_tokio_timer", |b| {
            on_tokio_backend(b, rt, || {
                orchestrate::timeout(LIMIT, $make(black_box(1_u64)))
            })
        });
        group.bench_function("tokio", |b| {
            on_tokio(b, rt, || {
                tokio::time::timeout(LIMIT, $make(black_box(1_u64)))
            })
        });
        group.bench_function("async_std", |b| {
            on_tokio(b, rt, || {
                async_std::future::timeout(LIMIT, $make(black_box(1_u64)))
            })
        });
        group.bench_function("eager_delay", |b| {
            on_tokio(b, rt, || eager_delay(LIMIT, $make(black_box(1_u64))))
        });
    }};
}

fn timeouts(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("a current-thread tokio runtime");
    timeout_family!(&mut c.benchmark_group("timeout_ready"), &rt, ready);
    timeout_family!(&mut c.benchmark_group("timeout_pending"), &rt, yield_once);
}

// ---------------------------------------------------------- paired timeouts

/// Rounds of the paired measurement, and timeouts per contender per round.
const PAIRED_ROUNDS: usize = 400;
const PAIRED_N: u32 = 1_000;

/// ns per timeout of `PAIRED_N` runs of `make().await` inside `rt` (and
/// inside one `with_timer(TokioTimer, …)` scope if `on_tokio_timer`).
fn paired_round<F: Future>(
    rt: &tokio::runtime::Runtime,
    on_tokio_timer: bool,
    mut make: impl FnMut() -> F,
) -> f64 {
    let timed = async {
        let start = Instant::now();
        for _ in 0..PAIRED_N {
            black_box(make().await);
        }
        start.elapsed()
    };
    let elapsed = if on_tokio_timer {
        rt.block_on(with_timer(TokioTimer, timed))
    } else {
        rt.block_on(timed)
    };
    elapsed.as_nanos() as f64 / f64::from(PAIRED_N)
}

/// The timeouts around a future pending once again, in paired rounds: each
/// round runs every contender for `PAIRED_N` timeouts, back to back, in an
/// order that rotates from round to round, and each ratio is taken within
/// its round, so both sides of it saw the same load. Criterion measures one
/// contender for seconds and then the next; on a shared machine the load
/// moves in between, and a futures-timer `Delay` (which wakes the timer's
/// helper thread to arm and again to cancel) costs ~250 ns or several µs
/// depending on whether that thread is awake, so the ratios of criterion's
/// medians for the default backend drift by ±40 % from run to run (0.7–1.7 ×
/// the eager `Delay` over twelve runs of the same build). Returns a table:
/// the median ratio and its 10th–90th percentiles over the rounds.
fn paired_timeouts() -> String {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("a current-thread tokio runtime");
    let contenders = ["ours", "ours_tokio_timer", "tokio", "eager_delay"];
    let pending = || yield_once(black_box(1_u64));
    let one = |contender: usize| match contender {
        0 => paired_round(&rt, false, || orchestrate::timeout(LIMIT, pending())),
        1 => paired_round(&rt, true, || orchestrate::timeout(LIMIT, pending())),
        2 => paired_round(&rt, false, || tokio::time::timeout(LIMIT, pending())),
        _ => paired_round(&rt, false, || eager_delay(LIMIT, pending())),
    };
    for contender in 0..contenders.len() {
        one(contender); // warm up
    }
    let mut samples = vec![Vec::with_capacity(PAIRED_ROUNDS); contenders.len()];
    for round in 0..PAIRED_ROUNDS {
        for k in 0..contenders.len() {
            let contender = (k + round) % contenders.len();
            samples[contender].push(one(contender));
        }
    }
    let mut rows = paired_head(PAIRED_ROUNDS, PAIRED_N, "ns/item");
    for (ours, peer) in [(0, 3), (0, 2), (1, 2), (1, 3)] {
        let Paired {
            median,
            p10,
            p90,
            ours: ours_ns,
            peer: peer_ns,
        } = paired(&samples[ours], &samples[peer]);
        let _ = writeln!(
            rows,
            "| timeout, inner pending once, paired ({}) | {} **{median:.2}×** ({p10:.2}–{p90:.2}) | {ours_ns:.1} / {peer_ns:.1} |",
            contenders[ours], contenders[peer],
        );
    }
    rows
}

/// Whether this run asked for the paired timeouts: `cargo bench` (which
/// passes `--bench`) with no filter, or a filter naming `timeout` or `paired`.
fn wants_paired() -> bool {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let filters: Vec<&String> = args.iter().filter(|arg| !arg.starts_with('-')).collect();
    args.iter().any(|arg| arg == "--bench")
        && (filters.is_empty()
            || filters
                .iter()
                .any(|filter| filter.contains("timeout") || filter.contains("paired")))
}

fn main() {
    let since = SystemTime::now();
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_millis(1500))
        .sample_size(50)
        .configure_from_args();
    fixed(&mut c);
    collections(&mut c);
    limits(&mut c);
    timeouts(&mut c);
    c.final_summary();
    let paired = wants_paired().then(paired_timeouts);
    report(since, &SIZES, &LIMITS, paired.as_deref());
}
