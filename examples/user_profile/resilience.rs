//! `--calls N`: `GET /posts` called N times in a row through a circuit
//! breaker, so `--fail posts` shows it opening and the later calls failing in
//! microseconds. `--jitter-latency`: many calls to an endpoint with a slow
//! tail, with and without hedging, to show what hedging does to the p99.

use std::fmt::{self, Write as _};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use orchestrate::{CircuitOpen, circuit_breaker, hedge, settled, sleep};

use super::api::{Api, ApiError, User};

/// The breaker opens after this many failures in a row.
pub(crate) const OPENS_AFTER: u32 = 3;

/// A call through the breaker: the API's error, or refused.
#[derive(Debug)]
pub(crate) enum CallError {
    Api(ApiError),
    Open(CircuitOpen),
}

impl From<ApiError> for CallError {
    fn from(error: ApiError) -> Self {
        CallError::Api(error)
    }
}

impl From<CircuitOpen> for CallError {
    fn from(open: CircuitOpen) -> Self {
        CallError::Open(open)
    }
}

impl fmt::Display for CallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CallError::Api(error) => write!(f, "error: {error}"),
            CallError::Open(open) => write!(f, "refused: {open}"),
        }
    }
}

/// `GET /posts`, behind a breaker (a hidden static: one for this fn).
#[circuit_breaker(consecutive_failures = 3, open_for_secs = 30)]
async fn posts(api: &Api, user: &User) -> Result<usize, CallError> {
    Ok(api.posts(user).await?.len())
}

/// Calls `GET /posts` `n` times in a row; returns each call's time and
/// outcome.
pub(crate) async fn calls(api: &Api, n: u32) -> Vec<(Duration, Result<usize, CallError>)> {
    let user = User {
        id: 7,
        name: "Ada Lovelace".into(),
    };
    let mut out = Vec::new();
    for _ in 0..n {
        let start = Instant::now();
        let result = posts(api, &user).await;
        out.push((start.elapsed(), result));
    }
    out
}

pub(crate) fn calls_report(calls: &[(Duration, Result<usize, CallError>)]) -> String {
    let mut out = format!(
        "GET /posts {} times through #[circuit_breaker(consecutive_failures = {OPENS_AFTER}, open_for_secs = 30)]:\n",
        calls.len()
    );
    for (i, (took, result)) in calls.iter().enumerate() {
        let outcome = match result {
            Ok(posts) => format!("ok: {posts} posts"),
            Err(error) => error.to_string(),
        };
        let _ = writeln!(out, "  call {:>3}  {:>10}  {outcome}", i + 1, micros(*took));
    }
    let refused: Vec<Duration> = calls
        .iter()
        .filter(|(_, result)| matches!(result, Err(CallError::Open(_))))
        .map(|(took, _)| *took)
        .collect();
    if let Some(slowest) = refused.iter().max() {
        let _ = writeln!(
            out,
            "{} calls refused by the open breaker, the slowest in {}",
            refused.len(),
            micros(*slowest)
        );
    }
    out
}

fn micros(took: Duration) -> String {
    if took < Duration::from_millis(1) {
        #[allow(clippy::cast_precision_loss)] // under a millisecond
        let micros = took.as_nanos() as f64 / 1000.0;
        format!("{micros:.1} µs")
    } else {
        format!("{:.1} ms", took.as_secs_f64() * 1000.0)
    }
}

/// How many calls `--jitter-latency` makes with and without hedging.
const JITTER_CALLS: usize = 1000;
/// Hedge after this: above every latency but the slow tail's.
const HEDGE_AFTER_MS: u64 = 30;

/// A seeded xorshift, shared by the concurrent calls.
struct Rng(AtomicU64);

impl Rng {
    fn next(&self) -> u64 {
        let mut x = self.0.load(Ordering::Relaxed);
        loop {
            let mut y = x;
            y ^= y << 13;
            y ^= y >> 7;
            y ^= y << 17;
            match self
                .0
                .compare_exchange_weak(x, y, Ordering::Relaxed, Ordering::Relaxed)
            {
                Ok(_) => return y,
                Err(seen) => x = seen,
            }
        }
    }

    /// 15–25 ms, and 10× that for 5 % of the calls.
    fn latency(&self) -> Duration {
        let base = 15_000 + self.next() % 10_000;
        let slow = self.next() % 100 < 5;
        Duration::from_micros(if slow { base * 10 } else { base })
    }
}

async fn unhedged(rng: &Rng, attempts: &AtomicUsize) -> Result<(), ApiError> {
    attempts.fetch_add(1, Ordering::Relaxed);
    sleep(rng.latency()).await;
    Ok(())
}

#[hedge(after_ms = HEDGE_AFTER_MS)]
async fn hedged(rng: &Rng, attempts: &AtomicUsize) -> Result<(), ApiError> {
    unhedged(rng, attempts).await
}

/// p50, p99 and attempts per call of one run.
pub(crate) struct Stats {
    pub(crate) p50: Duration,
    pub(crate) p99: Duration,
    pub(crate) attempts_per_call: f64,
}

/// [`JITTER_CALLS`] calls at once, unhedged then hedged, from seed `seed`.
pub(crate) async fn jitter(seed: u64) -> [Stats; 2] {
    let rng = Rng(AtomicU64::new(seed));
    let run = async |hedge: bool| {
        let attempts = AtomicUsize::new(0);
        let (rng, attempts_ref) = (&rng, &attempts);
        let mut times: Vec<Duration> = settled((0..JITTER_CALLS).map(|_| async move {
            let start = Instant::now();
            let _ = if hedge {
                hedged(rng, attempts_ref).await
            } else {
                unhedged(rng, attempts_ref).await
            };
            start.elapsed()
        }))
        .await;
        times.sort_unstable();
        #[allow(clippy::cast_precision_loss)] // a thousand calls
        Stats {
            p50: times[times.len() / 2],
            p99: times[times.len() * 99 / 100],
            attempts_per_call: attempts.load(Ordering::Relaxed) as f64 / JITTER_CALLS as f64,
        }
    };
    [run(false).await, run(true).await]
}

pub(crate) fn jitter_report([plain, hedged]: &[Stats; 2]) -> String {
    let ms = |d: Duration| format!("{:.1} ms", d.as_secs_f64() * 1000.0);
    let mut out = format!(
        "{JITTER_CALLS} calls at once, 15–25 ms each, 5 % of them 10× slower:\n\
         {:<22} {:>9} {:>9}  attempts/call\n",
        "", "p50", "p99"
    );
    for (name, stats) in [
        ("without hedging".to_string(), plain),
        (format!("#[hedge(after_ms = {HEDGE_AFTER_MS})]"), hedged),
    ] {
        let _ = writeln!(
            out,
            "{name:<22} {:>9} {:>9}  {:.2}",
            ms(stats.p50),
            ms(stats.p99),
            stats.attempts_per_call
        );
    }
    let _ = writeln!(
        out,
        "hedging: p99 {:.2}× the unhedged one",
        hedged.p99.as_secs_f64() / plain.p99.as_secs_f64()
    );
    out
}
