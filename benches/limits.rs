//! `Limiter` against tokio's and async-lock's semaphores, and `RateLimiter`
//! against governor, side by side in one run.
//!
//! ```text
//! cd benches
//! cargo bench --bench limits     # about a minute on 2 cores; prints the ratios
//! ```
//!
//! - **uncontended**: one future ready at once, run under a permit of a
//!   limiter of 8 that nobody else uses: `Limiter::run` against acquiring and
//!   releasing a permit of `tokio::sync::Semaphore` and
//!   `async_lock::Semaphore` around the same future. One `block_on` around
//!   the timing loop, as in `compare.rs`.
//! - **tasks**: 1,000 tasks spawned on a `futures::executor::LocalPool`, each
//!   running a future that is pending once while it holds its permit, through
//!   one limiter of 8 (`Arc`-shared): the permits change hands about 1,000
//!   times, through the waiters' queue. Spawning and driving the tasks is the
//!   same for all three.
//! - **rate check**: `RateLimiter::check` against governor's
//!   `RateLimiter::check` (direct, not keyed, its default clock), both for a
//!   rate high enough that every check is allowed, and for one spent at once
//!   (every check refused).
//! - **paired**: the uncontended runs and the four checks again outside
//!   criterion, in rounds of 10,000 calls per contender, back to back in an
//!   order that rotates, each ratio taken within its round (as `compare.rs`
//!   does for the timeouts): on a shared machine the load moves between
//!   criterion's benchmarks, seconds apart, and a ratio of their medians with
//!   it. Runs with the whole bench or alone: `cargo bench --bench limits --
//!   paired`.
//!
//! The ratios *ours / peer* come from the medians of this very run; the
//! paired rows from the rounds' ratios.

// Nanoseconds far below 2^52 become `f64` for the report.
#![allow(clippy::cast_precision_loss)]

use std::fmt::Write as _;
use std::future::Future;
use std::hint::black_box;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use criterion::{Bencher, Criterion};
use futures::executor::{LocalPool, block_on};
use futures::task::LocalSpawnExt as _;
use governor::{Quota, RateLimiter as Governor};
use orchestrate::{Limiter, RateLimiter};

use orchestrate_benches::report::{Paired, median, paired, paired_head};
use orchestrate_benches::workloads::{ready, yield_once};

const PERMITS: usize = 8;
const TASKS: usize = 1_000;

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

// The uncontended run of each contender, in an `async` block of the same
// shape: a ready future under a permit.

async fn ours_run(limiter: &Limiter) -> u64 {
    limiter.run(ready(black_box(1_u64))).await
}

async fn tokio_run(semaphore: &tokio::sync::Semaphore) -> u64 {
    let permit = semaphore.acquire().await.expect("never closed");
    let out = ready(black_box(1_u64)).await;
    drop(permit);
    out
}

async fn async_lock_run(semaphore: &async_lock::Semaphore) -> u64 {
    let guard = semaphore.acquire().await;
    let out = ready(black_box(1_u64)).await;
    drop(guard);
    out
}

fn uncontended(c: &mut Criterion) {
    let mut group = c.benchmark_group("limiter_uncontended");
    let ours = Limiter::new(PERMITS);
    let tokio = tokio::sync::Semaphore::new(PERMITS);
    let async_lock = async_lock::Semaphore::new(PERMITS);
    group.bench_function("ours", |b| on_futures(b, || ours_run(&ours)));
    group.bench_function("tokio_semaphore", |b| on_futures(b, || tokio_run(&tokio)));
    group.bench_function("async_lock_semaphore", |b| {
        on_futures(b, || async_lock_run(&async_lock));
    });
    group.finish();
}

/// Spawns `TASKS` tasks made by `task` on a fresh `LocalPool` and runs them
/// all; the time of `iters` such runs.
fn pool_runs<F: Future<Output = ()> + 'static>(
    iters: u64,
    mut task: impl FnMut() -> F,
) -> Duration {
    let start = Instant::now();
    for _ in 0..iters {
        let mut pool = LocalPool::new();
        let spawner = pool.spawner();
        for _ in 0..TASKS {
            spawner.spawn_local(task()).expect("the pool runs");
        }
        pool.run();
    }
    start.elapsed()
}

fn tasks(c: &mut Criterion) {
    let mut group = c.benchmark_group("limiter_tasks");
    group.bench_function("ours", |b| {
        let limiter = Arc::new(Limiter::new(PERMITS));
        b.iter_custom(|iters| {
            pool_runs(iters, || {
                let limiter = Arc::clone(&limiter);
                async move {
                    black_box(limiter.run(yield_once(1_u64)).await);
                }
            })
        });
    });
    group.bench_function("tokio_semaphore", |b| {
        let semaphore = Arc::new(tokio::sync::Semaphore::new(PERMITS));
        b.iter_custom(|iters| {
            pool_runs(iters, || {
                let semaphore = Arc::clone(&semaphore);
                async move {
                    let permit = semaphore.acquire().await.expect("never closed");
                    black_box(yield_once(1_u64).await);
                    drop(permit);
                }
            })
        });
    });
    group.bench_function("async_lock_semaphore", |b| {
        let semaphore = Arc::new(async_lock::Semaphore::new(PERMITS));
        b.iter_custom(|iters| {
            pool_runs(iters, || {
                let semaphore = Arc::clone(&semaphore);
                async move {
                    let guard = semaphore.acquire().await;
                    black_box(yield_once(1_u64).await);
                    drop(guard);
                }
            })
        });
    });
    group.finish();
}

fn rate_check(c: &mut Criterion) {
    for (name, per_second) in [
        ("rate_check_allowed", 1_000_000_000),
        ("rate_check_refused", 1),
    ] {
        let mut group = c.benchmark_group(name);
        let ours = RateLimiter::per_second(per_second);
        let governor = Governor::direct(Quota::per_second(
            NonZeroU32::new(per_second).expect("positive"),
        ));
        if per_second == 1 {
            // Spend the one start: every check from here on is refused.
            let _ = ours.check();
            let _ = governor.check();
        }
        // `iter` keeps each output from being optimized away.
        group.bench_function("ours", |b| b.iter(|| ours.check().is_ok()));
        group.bench_function("governor", |b| b.iter(|| governor.check().is_ok()));
        group.finish();
    }
}

/// Rounds of the paired measurements, and calls per contender per round.
const PAIRED_ROUNDS: usize = 1_000;
const PAIRED_N: u32 = 10_000;

/// `PAIRED_ROUNDS` rounds of every contender of `one` (ns per call of
/// contender `k`), back to back in an order that rotates each round: the
/// samples of each contender, round by round.
fn paired_rounds<const N: usize>(one: impl Fn(usize) -> f64) -> [Vec<f64>; N] {
    for k in 0..N {
        one(k); // warm up
    }
    let mut samples: [Vec<f64>; N] = std::array::from_fn(|_| Vec::with_capacity(PAIRED_ROUNDS));
    for round in 0..PAIRED_ROUNDS {
        for k in 0..N {
            let contender = (k + round) % N;
            samples[contender].push(one(contender));
        }
    }
    samples
}

/// A table of `rows` (workload, ours, peer, peer's name): the median of the
/// rounds' ratios ours / peer, its 10th–90th percentiles, and the medians in
/// ns.
fn paired_table(samples: &[Vec<f64>], rows: &[(&str, usize, usize, &str)]) -> String {
    let mut table = format!("\n{}", paired_head(PAIRED_ROUNDS, PAIRED_N, "ns per call"));
    for &(workload, ours, theirs, peer) in rows {
        let Paired {
            median,
            p10,
            p90,
            ours: ours_ns,
            peer: peer_ns,
        } = paired(&samples[ours], &samples[theirs]);
        let _ = writeln!(
            table,
            "| {workload}, paired | {peer} **{median:.2}×** ({p10:.2}–{p90:.2}) | {ours_ns:.1} / {peer_ns:.1} |",
        );
    }
    table
}

/// The rate checks in paired rounds (see the module docs).
fn paired_rate_checks() -> String {
    let allowed = (
        RateLimiter::per_second(1_000_000_000),
        Governor::direct(Quota::per_second(
            NonZeroU32::new(1_000_000_000).expect("positive"),
        )),
    );
    let refused = (
        RateLimiter::per_second(1),
        Governor::direct(Quota::per_second(NonZeroU32::new(1).expect("positive"))),
    );
    let _ = (refused.0.check(), refused.1.check());
    // Each contender's loop a function of its own, as criterion's, so that
    // each check is inlined (or not) as at a call site of its own.
    let samples: [Vec<f64>; 4] = paired_rounds(|k| match k {
        0 => per_check(|| allowed.0.check().is_ok()),
        1 => per_check(|| allowed.1.check().is_ok()),
        2 => per_check(|| refused.0.check().is_ok()),
        _ => per_check(|| refused.1.check().is_ok()),
    });
    paired_table(
        &samples,
        &[
            ("`check`, allowed", 0, 1, "governor"),
            ("`check`, refused", 2, 3, "governor"),
        ],
    )
}

/// The uncontended `run` in paired rounds, against both semaphores.
fn paired_uncontended() -> String {
    let ours = Limiter::new(PERMITS);
    let tokio = tokio::sync::Semaphore::new(PERMITS);
    let async_lock = async_lock::Semaphore::new(PERMITS);
    let samples: [Vec<f64>; 3] = paired_rounds(|k| match k {
        0 => per_run(|| ours_run(&ours)),
        1 => per_run(|| tokio_run(&tokio)),
        _ => per_run(|| async_lock_run(&async_lock)),
    });
    paired_table(
        &samples,
        &[
            ("uncontended `run`", 0, 1, "tokio `Semaphore`"),
            ("uncontended `run`", 0, 2, "async-lock `Semaphore`"),
        ],
    )
}

/// ns per check over `PAIRED_N` calls of `check`.
#[inline(never)]
fn per_check(check: impl Fn() -> bool) -> f64 {
    let start = Instant::now();
    for _ in 0..PAIRED_N {
        black_box(check());
    }
    start.elapsed().as_nanos() as f64 / f64::from(PAIRED_N)
}

/// ns per run over `PAIRED_N` runs of `make().await` in one `block_on`.
#[inline(never)]
fn per_run<F: Future>(mut make: impl FnMut() -> F) -> f64 {
    block_on(async {
        let start = Instant::now();
        for _ in 0..PAIRED_N {
            black_box(make().await);
        }
        start.elapsed().as_nanos() as f64 / f64::from(PAIRED_N)
    })
}

/// Whether this run asked for the paired rounds: `cargo bench` (which passes
/// `--bench`) with no filter, or a filter naming `rate`, `uncontended` or
/// `paired`.
fn wants_paired() -> bool {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let filters: Vec<&String> = args.iter().filter(|arg| !arg.starts_with('-')).collect();
    args.iter().any(|arg| arg == "--bench")
        && (filters.is_empty()
            || filters.iter().any(|filter| {
                ["rate", "uncontended", "paired"]
                    .iter()
                    .any(|word| filter.contains(word))
            }))
}

fn main() {
    let since = SystemTime::now();
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_millis(1500))
        .sample_size(50)
        .configure_from_args();
    uncontended(&mut c);
    tasks(&mut c);
    rate_check(&mut c);
    c.final_summary();
    let rows: [(&str, &str, f64, &[&str]); 4] = [
        (
            "uncontended `run` of a ready future, per call",
            "limiter_uncontended",
            1.0,
            &["tokio_semaphore", "async_lock_semaphore"],
        ),
        (
            "1,000 tasks through a limiter of 8, per task",
            "limiter_tasks",
            TASKS as f64,
            &["tokio_semaphore", "async_lock_semaphore"],
        ),
        ("`check`, allowed", "rate_check_allowed", 1.0, &["governor"]),
        ("`check`, refused", "rate_check_refused", 1.0, &["governor"]),
    ];
    println!("\n| workload | ours (ns) | ours / peer (peer ns) |\n| --- | --- | --- |");
    for (workload, group, items, peers) in rows {
        let Some(ours) = median(group, "ours", None, since) else {
            continue;
        };
        let ratios: Vec<String> = peers
            .iter()
            .filter_map(|peer| {
                let theirs = median(group, peer, None, since)?;
                Some(format!(
                    "{peer} **{:.2}×** ({:.1})",
                    ours / theirs,
                    theirs / items
                ))
            })
            .collect();
        println!(
            "| {workload} | {:.1} | {} |",
            ours / items,
            ratios.join("; ")
        );
    }
    if wants_paired() {
        print!("{}", paired_rate_checks());
        print!("{}", paired_uncontended());
    }
}
