//! Completion streams under a limit against their peers, side by side in one
//! run.
//!
//! ```text
//! cd benches
//! cargo bench --bench streams
//! ```
//!
//! Every contender runs `n` yield-once futures (pending once, waking itself)
//! at most `k` at once and collects the outputs, in completion order, into a
//! `Vec`, inside one `futures::executor::block_on` around the timing loop:
//!
//! - `ours_iter`: `settled(iter).limit(k).stream()`;
//! - `ours_stream`: `settled_stream(stream::iter(iter), k)` (inputs from a
//!   `Stream`);
//! - `futures_buffer_unordered`: futures' `StreamExt::buffer_unordered(k)`;
//! - `fb_buffered_unordered`: futures-buffered's `buffered_unordered(k)`
//!   (its `BufferUnordered`);
//! - `fc_co_limit`: futures-concurrency's `co().limit(Some(k)).map(..)`,
//!   which maps each input to its future (its concurrent streams take inputs
//!   and a mapping fn).
//!
//! At the end the run prints a table of ratios *ours / peer* from the medians
//! of this very run, then a second table from paired rounds: each round runs
//! every contender back to back and takes the ratios within the round, and
//! the table gives the median ratio over the rounds, which swings far less
//! with the load of a shared machine than a ratio of two medians measured
//! seconds apart (`benches/RESULTS.md` holds both, with the machine).
//! `cargo bench --bench streams -- paired` runs the rounds alone.

// Nanoseconds far below 2^52 become `f64` for the report.
#![allow(clippy::cast_precision_loss)]

use std::fmt::Write as _;
use std::hint::black_box;
use std::num::NonZeroUsize;
use std::time::{Duration, Instant, SystemTime};

use criterion::{BenchmarkId, Criterion};
use futures::executor::block_on;
use futures::{StreamExt as _, stream};
use futures_buffered::BufferedStreamExt as _;
use futures_concurrency::prelude::*;

use orchestrate_benches::report;
use orchestrate_benches::workloads::yield_once;

/// `(n, k)`: `n` futures, at most `k` at once.
const CASES: [(usize, usize); 3] = [(1_000, 1_000), (100_000, 100_000), (100_000, 50)];
const GROUP: &str = "stream_limit";
const OURS: [&str; 2] = ["ours_iter", "ours_stream"];
const PEERS: [&str; 3] = [
    "futures_buffer_unordered",
    "fb_buffered_unordered",
    "fc_co_limit",
];

/// Times `iters` runs of `make().await` inside one `block_on`.
fn on_futures<F: Future>(b: &mut criterion::Bencher<'_>, mut make: impl FnMut() -> F) {
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

fn streams(c: &mut Criterion) {
    let mut group = c.benchmark_group(GROUP);
    for (n, k) in CASES {
        if n >= 100_000 {
            group.sample_size(20);
        } else {
            group.sample_size(50);
        }
        let id = |name: &str| BenchmarkId::new(name, format!("{n}_{k}"));
        let inputs = move || (0..n).map(yield_once);
        group.bench_function(id(OURS[0]), |b| {
            on_futures(b, || {
                orchestrate::settled(inputs())
                    .limit(k)
                    .stream()
                    .collect::<Vec<_>>()
            });
        });
        group.bench_function(id(OURS[1]), |b| {
            on_futures(b, || {
                orchestrate::settled_stream(stream::iter(inputs()), k).collect::<Vec<_>>()
            });
        });
        group.bench_function(id(PEERS[0]), |b| {
            on_futures(b, || {
                stream::iter(inputs())
                    .buffer_unordered(k)
                    .collect::<Vec<_>>()
            });
        });
        group.bench_function(id(PEERS[1]), |b| {
            on_futures(b, || {
                stream::iter(inputs())
                    .buffered_unordered(k)
                    .collect::<Vec<_>>()
            });
        });
        group.bench_function(id(PEERS[2]), |b| {
            on_futures(b, || {
                stream::iter(0..n)
                    .co()
                    .limit(NonZeroUsize::new(k))
                    .map(yield_once)
                    .collect::<Vec<_>>()
            });
        });
    }
    group.finish();
}

/// The median (ns per iteration) of `function/case` of this group, measured
/// since `since`.
fn median(function: &str, case: &str, since: SystemTime) -> Option<f64> {
    report::median_at(GROUP, function, Some(case), since)
}

/// Prints the ratios *ours / peer* of this run and writes them to
/// `<criterion home>/stream_ratios.md`.
fn report(since: SystemTime) {
    let mut table = String::from(
        "| n, limit | ours | ours (ns/item) | ours / peer (peer ns/item) |\n| --- | --- | --- | --- |\n",
    );
    for (n, k) in CASES {
        let case = format!("{n}_{k}");
        let per_item = |ns: f64| ns / n as f64;
        for ours in OURS {
            let Some(mine) = median(ours, &case, since) else {
                continue;
            };
            let mut cells = Vec::new();
            for peer in PEERS {
                if let Some(theirs) = median(peer, &case, since) {
                    cells.push(format!(
                        "{:.2}× {peer} ({:.1})",
                        mine / theirs,
                        per_item(theirs)
                    ));
                }
            }
            let _ = writeln!(
                table,
                "| {n}, {k} | {ours} | {:.1} | {} |",
                per_item(mine),
                cells.join("; ")
            );
        }
    }
    if table.lines().count() > 2 {
        println!("\n{table}");
        let _ = std::fs::write(report::criterion_home().join("stream_ratios.md"), &table);
    }
}

/// Rounds per case of the paired measurement.
const ROUNDS: usize = 41;

/// The wall time of `reps` runs of `make().await` in one `block_on`.
fn time<F: Future>(reps: usize, mut make: impl FnMut() -> F) -> Duration {
    block_on(async {
        let start = Instant::now();
        for _ in 0..reps {
            black_box(make().await);
        }
        start.elapsed()
    })
}

/// The paired rounds: per case, the median over the rounds of each ratio
/// *ours / peer* taken within one round.
fn paired() -> String {
    let mut table = String::from(
        "| n, limit | ours | median ratio ours / peer over paired rounds |\n| --- | --- | --- |\n",
    );
    for (n, k) in CASES {
        let reps = (200_000 / n).max(2);
        let inputs = move || (0..n).map(yield_once);
        // Per round: ours_iter, ours_stream, then the three peers.
        let mut rounds: Vec<[f64; 5]> = Vec::with_capacity(ROUNDS);
        for _ in 0..ROUNDS {
            let times = [
                time(reps, || {
                    orchestrate::settled(inputs())
                        .limit(k)
                        .stream()
                        .collect::<Vec<_>>()
                }),
                time(reps, || {
                    orchestrate::settled_stream(stream::iter(inputs()), k).collect::<Vec<_>>()
                }),
                time(reps, || {
                    stream::iter(inputs())
                        .buffer_unordered(k)
                        .collect::<Vec<_>>()
                }),
                time(reps, || {
                    stream::iter(inputs())
                        .buffered_unordered(k)
                        .collect::<Vec<_>>()
                }),
                time(reps, || {
                    stream::iter(0..n)
                        .co()
                        .limit(NonZeroUsize::new(k))
                        .map(yield_once)
                        .collect::<Vec<_>>()
                }),
            ];
            rounds.push(times.map(|t| t.as_secs_f64()));
        }
        for (mine, ours) in OURS.iter().enumerate() {
            let cells: Vec<String> = PEERS
                .iter()
                .enumerate()
                .map(|(peer, name)| {
                    let mut ratios: Vec<f64> =
                        rounds.iter().map(|r| r[mine] / r[2 + peer]).collect();
                    ratios.sort_by(f64::total_cmp);
                    format!("{:.2}× {name}", ratios[ratios.len() / 2])
                })
                .collect();
            let _ = writeln!(table, "| {n}, {k} | {ours} | {} |", cells.join("; "));
        }
    }
    table
}

/// Whether this is a benchmark run that asks for the paired rounds (all, or
/// a filter naming them), not `cargo test --benches`.
fn wants_paired() -> bool {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let filters: Vec<&String> = args.iter().filter(|arg| !arg.starts_with('-')).collect();
    args.iter().any(|arg| arg == "--bench")
        && (filters.is_empty() || filters.iter().any(|filter| filter.contains("paired")))
}

fn main() {
    let since = SystemTime::now();
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_millis(1500))
        .configure_from_args();
    streams(&mut c);
    c.final_summary();
    report(since);
    if wants_paired() {
        let table = paired();
        println!("{table}");
        let _ = std::fs::write(report::criterion_home().join("stream_paired.md"), &table);
    }
}
