//! Hedged calls under every runtime, on the virtual clock: attempts start
//! exactly `after` apart (or at once after a failure), the first `Ok` wins and
//! the losers are dropped at its instant, `max_extra` bounds the attempts, and
//! an adaptive `Hedge` follows the observed latencies.

use support::runtime_tests;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use orchestrate::{Hedge, hedge, sleep, timer};
use support::{ms, on_virtual_time};

/// (attempt, instant) of each attempt dropped before it answered.
type DropLog = Arc<Mutex<Vec<(usize, Instant)>>>;

/// What happened to the attempts of one call, at which virtual instants.
#[derive(Debug, Clone, Default)]
struct Attempts {
    started: Arc<Mutex<Vec<Instant>>>,
    dropped: DropLog,
}

/// Records the instant its attempt was dropped, unless it answered first.
struct OnDrop {
    attempt: usize,
    dropped: Option<DropLog>,
}

impl Drop for OnDrop {
    fn drop(&mut self) {
        if let Some(dropped) = self.dropped.take() {
            dropped.lock().unwrap().push((self.attempt, timer::now()));
        }
    }
}

impl OnDrop {
    /// The attempt answered: its drop is no cancellation.
    fn defuse(mut self) {
        self.dropped = None;
    }
}

impl Attempts {
    /// The attempt after those already started: it answers `out[n]` after
    /// `delays[n]`.
    fn next(
        &self,
        delays: &[Duration],
        out: &[Result<usize, usize>],
    ) -> impl Future<Output = Result<usize, usize>> + Send + use<> {
        let attempt = {
            let mut started = self.started.lock().unwrap();
            started.push(timer::now());
            started.len() - 1
        };
        let (delay, out) = (delays[attempt], out[attempt]);
        let guard = OnDrop {
            attempt,
            dropped: Some(Arc::clone(&self.dropped)),
        };
        async move {
            sleep(delay).await;
            guard.defuse();
            out
        }
    }

    fn started(&self) -> Vec<Instant> {
        self.started.lock().unwrap().clone()
    }

    fn dropped(&self) -> Vec<(usize, Instant)> {
        self.dropped.lock().unwrap().clone()
    }
}

runtime_tests! {
    async fn no_extra_attempt_when_the_first_answers_in_time() {
        on_virtual_time(async {
            let attempts = Attempts::default();
            let t0 = timer::now();
            let out = hedge(ms(10), || attempts.next(&[ms(9)], &[Ok(0)])).await;
            assert_eq!(out, Ok(0));
            assert_eq!(attempts.started(), [t0]);
            assert_eq!(timer::now(), t0 + ms(9));
        })
        .await;
    }

    async fn one_extra_attempt_exactly_after_and_the_loser_dropped_at_the_winners_instant() {
        on_virtual_time(async {
            let attempts = Attempts::default();
            let t0 = timer::now();
            let out = hedge(ms(10), || attempts.next(&[ms(100), ms(5)], &[Ok(0), Ok(1)])).await;
            assert_eq!(out, Ok(1));
            assert_eq!(attempts.started(), [t0, t0 + ms(10)]);
            assert_eq!(attempts.dropped(), [(0, t0 + ms(15))]);
            assert_eq!(timer::now(), t0 + ms(15));
        })
        .await;
    }

    async fn the_first_attempt_can_still_win() {
        on_virtual_time(async {
            let attempts = Attempts::default();
            let t0 = timer::now();
            let out = hedge(ms(10), || attempts.next(&[ms(12), ms(50)], &[Ok(0), Ok(1)])).await;
            assert_eq!(out, Ok(0));
            assert_eq!(attempts.dropped(), [(1, t0 + ms(12))]);
        })
        .await;
    }

    async fn max_extra_bounds_the_attempts_each_due_after_its_predecessor() {
        on_virtual_time(async {
            let attempts = Attempts::default();
            let t0 = timer::now();
            let out = hedge(ms(10), || {
                attempts.next(&[ms(1000); 4], &[Ok(0), Ok(1), Ok(2), Ok(3)])
            })
            .max_extra(2)
            .await;
            assert_eq!(out, Ok(0));
            assert_eq!(attempts.started(), [t0, t0 + ms(10), t0 + ms(20)]);
            assert_eq!(
                attempts.dropped(),
                [(1, t0 + ms(1000)), (2, t0 + ms(1000))]
            );
        })
        .await;
    }

    async fn a_failure_starts_the_successor_at_once() {
        on_virtual_time(async {
            let attempts = Attempts::default();
            let t0 = timer::now();
            let out = hedge(ms(10), || attempts.next(&[ms(3), ms(4)], &[Err(0), Ok(1)])).await;
            assert_eq!(out, Ok(1));
            assert_eq!(attempts.started(), [t0, t0 + ms(3)]);
        })
        .await;
    }

    async fn when_all_fail_the_last_error_to_arrive_is_returned() {
        on_virtual_time(async {
            let attempts = Attempts::default();
            let t0 = timer::now();
            // Attempt 1 (10 ms → 15 ms) fails before attempt 0 (at 30 ms).
            let out = hedge(ms(10), || attempts.next(&[ms(30), ms(5)], &[Err(0), Err(1)])).await;
            assert_eq!(out, Err(0));
            assert_eq!(timer::now(), t0 + ms(30));
            assert!(attempts.dropped().is_empty());
        })
        .await;
    }

    async fn min_delay_is_a_floor() {
        on_virtual_time(async {
            let policy = Hedge::after(ms(1)).min_delay(ms(5));
            let attempts = Attempts::default();
            let t0 = timer::now();
            let out = policy.run(|| attempts.next(&[ms(100), ms(1)], &[Ok(0), Ok(1)])).await;
            assert_eq!(out, Ok(1));
            assert_eq!(attempts.started(), [t0, t0 + ms(5)]);
        })
        .await;
    }

    #[should_panic(expected = "hedge(..).max_extra(0)")]
    async fn zero_extra_attempts_is_refused() {
        drop(hedge(ms(1), || async { Ok::<(), ()>(()) }).max_extra(std::hint::black_box(0)));
    }

    #[should_panic(expected = "`Hedge::adaptive(p)`: the percentile must be in (0, 1)")]
    async fn a_percentile_of_one_is_refused() {
        let _ = Hedge::after(ms(1)).adaptive(std::hint::black_box(1.0));
    }
}

/// A seeded simulation: 10,000 calls whose attempts take 5 to 15 ms, but 5 %
/// of them 100 ms (10× the median). Hedging at the observed 95th percentile
/// must cut the p99 to at most 0.3× the unhedged one, for at most 1.10
/// attempts per call. Run with `--nocapture` to see the table.
#[test]
fn simulation_hedging_at_p95_cuts_the_tail() {
    const CALLS: usize = 10_000;
    fn latency(seed: &mut u64) -> Duration {
        *seed ^= *seed << 13;
        *seed ^= *seed >> 7;
        *seed ^= *seed << 17;
        if *seed % 100 < 5 {
            ms(100)
        } else {
            Duration::from_micros(5_000 + *seed / 100 % 10_001)
        }
    }
    fn percentile(sorted: &[Duration], p: f64) -> Duration {
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            clippy::cast_precision_loss
        )]
        let rank = (p * sorted.len() as f64).ceil() as usize;
        sorted[rank.clamp(1, sorted.len()) - 1]
    }

    let (plain, hedged, attempts) = futures::executor::block_on(on_virtual_time(async {
        let mut seed = 0x2545_F491_4F6C_DD1D_u64;
        let mut plain = Vec::with_capacity(CALLS);
        for _ in 0..CALLS {
            let t0 = timer::now();
            sleep(latency(&mut seed)).await;
            plain.push(timer::now() - t0);
        }
        let policy = Hedge::after(ms(50)).adaptive(0.95);
        let mut hedged = Vec::with_capacity(CALLS);
        let mut attempts = 0_usize;
        for _ in 0..CALLS {
            let t0 = timer::now();
            policy
                .run(|| {
                    attempts += 1;
                    let took = latency(&mut seed);
                    async move {
                        sleep(took).await;
                        Ok::<_, ()>(())
                    }
                })
                .await
                .unwrap();
            hedged.push(timer::now() - t0);
        }
        (plain, hedged, attempts)
    }));
    let (mut plain, mut hedged) = (plain, hedged);
    plain.sort_unstable();
    hedged.sort_unstable();
    #[allow(clippy::cast_precision_loss)]
    let per_call = attempts as f64 / CALLS as f64;
    let ratio = percentile(&hedged, 0.99).as_secs_f64() / percentile(&plain, 0.99).as_secs_f64();
    println!("| | p50 | p99 | attempts per call |");
    println!("| --- | --- | --- | --- |");
    println!(
        "| unhedged | {:?} | {:?} | 1.00 |",
        percentile(&plain, 0.5),
        percentile(&plain, 0.99)
    );
    println!(
        "| hedged at p95 | {:?} | {:?} | {per_call:.3} |",
        percentile(&hedged, 0.5),
        percentile(&hedged, 0.99)
    );
    println!("p99 ratio: {ratio:.3}");
    assert!(ratio <= 0.3, "p99 only cut to {ratio:.3}×");
    assert!(per_call <= 1.10, "{per_call:.3} attempts per call");
}

/// The cases whose `static`s each runtime's test must have to itself.
mod each_runtime {
    use super::*;

    support::runtime_tests_each! {
        async fn a_shared_hedge_runs_with_its_policy() {
            static HEDGE: Hedge = Hedge::after(Duration::from_millis(10)).max_extra(2);
            on_virtual_time(async {
                let attempts = Attempts::default();
                let t0 = timer::now();
                let out = HEDGE
                    .run(|| attempts.next(&[ms(100), ms(100), ms(5)], &[Ok(0), Ok(1), Ok(2)]))
                    .await;
                assert_eq!(out, Ok(2));
                assert_eq!(attempts.started(), [t0, t0 + ms(10), t0 + ms(20)]);
                assert_eq!(attempts.dropped(), [(0, t0 + ms(25)), (1, t0 + ms(25))]);
            })
            .await;
        }

        async fn an_adaptive_hedge_follows_the_latency_percentile() {
            static HEDGE: Hedge = Hedge::after(Duration::from_millis(50))
                .adaptive(0.9)
                .min_delay(Duration::from_millis(2));
            on_virtual_time(async {
                // Until 20 calls were seen: `after`.
                assert_eq!(HEDGE.delay(), ms(50));
                for i in 0..20_u64 {
                    // 1..=20 ms: the 90th percentile is 18 ms.
                    HEDGE
                        .run(|| async move {
                            sleep(ms(i + 1)).await;
                            Ok::<_, ()>(())
                        })
                        .await
                        .unwrap();
                }
                assert_eq!(HEDGE.delay(), ms(18));
                let attempts = Attempts::default();
                let t0 = timer::now();
                let out = HEDGE.run(|| attempts.next(&[ms(100), ms(1)], &[Ok(0), Ok(1)])).await;
                assert_eq!(out, Ok(1));
                assert_eq!(attempts.started(), [t0, t0 + ms(18)]);
            })
            .await;
        }
    }
}
