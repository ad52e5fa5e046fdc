//! What a circuit breaker and a hedge cost on the fast path: a call through a
//! closed `CircuitBreaker` (`breaker.run(ready)`), a call an open one refuses,
//! and `hedge` whose first attempt is ready at once, each against the bare
//! call; the attributes (`#[circuit_breaker]`, `#[hedge]`) against the values.
//!
//! Run: `cargo bench --bench resilience` in `benches/`. After criterion's
//! benchmarks, a paired pass (rounds of every contender back to back, the
//! median of the rounds) prints the cost over the bare call in one table, so
//! the differences never mix minutes of a shared machine's load.

use std::future::Future;
use std::hint::black_box;
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use orchestrate::{CircuitBreaker, CircuitOpen, circuit_breaker, hedge};

const AFTER: Duration = Duration::from_millis(50);

static CLOSED: CircuitBreaker = CircuitBreaker::consecutive_failures(5);
static OPEN: CircuitBreaker =
    CircuitBreaker::consecutive_failures(1).open_for(Duration::from_hours(1));

async fn bare() -> Result<u32, CircuitOpen> {
    Ok(black_box(1))
}

#[circuit_breaker(consecutive_failures = 5)]
async fn attributed_breaker() -> Result<u32, CircuitOpen> {
    Ok(black_box(1))
}

#[hedge(after_ms = 50)]
async fn attributed_hedge() -> Result<u32, CircuitOpen> {
    Ok(black_box(1))
}

/// Polls `future` once; every contender is ready at its first poll.
fn once<F: Future>(cx: &mut Context<'_>, future: F) -> Poll<F::Output> {
    let future = pin!(future);
    black_box(future.poll(cx))
}

type Contender = (&'static str, fn(&mut Context<'_>));

const CONTENDERS: [Contender; 6] = [
    ("bare call", |cx| {
        let _ = once(cx, bare());
    }),
    ("breaker.run(ready), closed", |cx| {
        let _ = once(cx, CLOSED.run(bare()));
    }),
    ("breaker.run(..), open: refused", |cx| {
        let _ = once(cx, OPEN.run(bare()));
    }),
    ("#[circuit_breaker] fn, closed", |cx| {
        let _ = once(cx, attributed_breaker());
    }),
    ("hedge(after, ready)", |cx| {
        let _ = once(cx, hedge(AFTER, bare));
    }),
    ("#[hedge] fn, ready", |cx| {
        let _ = once(cx, attributed_hedge());
    }),
];

fn open_the_breaker() {
    let mut cx = Context::from_waker(Waker::noop());
    let _ = once(
        &mut cx,
        OPEN.run(async { Err::<(), _>(CircuitOpen::from_parts(None)) }),
    );
    assert_eq!(OPEN.state(), orchestrate::BreakerState::Open);
}

fn resilience(c: &mut Criterion) {
    open_the_breaker();
    let mut cx = Context::from_waker(Waker::noop());
    for (name, run) in CONTENDERS {
        c.bench_function(name, |b| b.iter(|| run(&mut cx)));
    }
    paired();
}

/// Rounds of every contender back to back; the median ns per call of each,
/// and its cost over the bare call's within the same round.
fn paired() {
    const ROUNDS: usize = 200;
    const CALLS: u32 = 20_000;
    let mut cx = Context::from_waker(Waker::noop());
    let mut per_call: Vec<Vec<f64>> = vec![Vec::new(); CONTENDERS.len()];
    let mut over_bare: Vec<Vec<f64>> = vec![Vec::new(); CONTENDERS.len()];
    for _ in 0..ROUNDS {
        let mut round = Vec::new();
        for (_, run) in CONTENDERS {
            let start = Instant::now();
            for _ in 0..CALLS {
                run(&mut cx);
            }
            round.push(start.elapsed().as_secs_f64() * 1e9 / f64::from(CALLS));
        }
        for (i, ns) in round.iter().enumerate() {
            per_call[i].push(*ns);
            over_bare[i].push(ns - round[0]);
        }
    }
    let median = |values: &mut Vec<f64>| {
        values.sort_by(f64::total_cmp);
        values[values.len() / 2]
    };
    println!("\npaired, {ROUNDS} rounds of {CALLS} calls each (medians):");
    println!("| contender | ns per call | over the bare call |");
    println!("| --- | --- | --- |");
    for (i, (name, _)) in CONTENDERS.iter().enumerate() {
        println!(
            "| {name} | {:.1} | {:+.1} ns |",
            median(&mut per_call[i]),
            median(&mut over_bare[i])
        );
    }
}

criterion_group!(benches, resilience);
criterion_main!(benches);
