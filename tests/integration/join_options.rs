//! The joins' `timeout = …` option, alone and with `error = …`, under every
//! runtime, on the virtual clock (exact instants): each branch gets the limit,
//! a branch that runs out yields `Err(E::from(Elapsed))` in its own slot, and
//! the join then behaves as it does for any `Err`.

#![allow(clippy::unused_async)]

use support::runtime_tests;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use orchestrate::{AllFailed, Elapsed, first_ok, parallel, race, settled, timer};
use support::{DropCounter, FOREVER, finish_after, ms, on_virtual_time};

#[derive(Debug, PartialEq)]
enum AppError {
    TimedOut(Elapsed),
    Text(String),
    Code(u16),
}

impl From<Elapsed> for AppError {
    fn from(e: Elapsed) -> Self {
        AppError::TimedOut(e)
    }
}

impl From<String> for AppError {
    fn from(e: String) -> Self {
        AppError::Text(e)
    }
}

impl From<u16> for AppError {
    fn from(e: u16) -> Self {
        AppError::Code(e)
    }
}

/// Sleeps `delay`, then outputs `out`; counts as cancelled if dropped first.
async fn after<T>(drops: &DropCounter, delay: Duration, out: T) -> T {
    finish_after(drops.guard(), delay, out).await
}

fn timed_out(limit: Duration) -> AppError {
    AppError::TimedOut(Elapsed::new(limit))
}

async fn len_of(text: &str) -> Result<usize, AppError> {
    orchestrate::sleep(ms(1)).await;
    Ok(text.len())
}

runtime_tests! {
    async fn parallel_fails_fast_when_a_branch_runs_out() {
        on_virtual_time(async {
            let drops = DropCounter::new();
            let start = timer::now();
            let out = parallel!(timeout = ms(50);
                after(&drops, ms(10), Ok::<_, AppError>(1)),
                after(&drops, FOREVER, Ok(2)),
            )
            .await;
            assert_eq!(out, Err(timed_out(ms(50))));
            assert_eq!(timer::now() - start, ms(50));
            assert_eq!(drops.dropped(), 1, "the sleeper was cancelled by its limit");
            // In time: the values, in branch order.
            let out = parallel!(timeout = ms(50); after(&drops, ms(20), Ok::<_, AppError>(1)), after(&drops, ms(10), Ok(2))).await;
            assert_eq!(out, Ok((1, 2)));
        })
        .await;
    }

    async fn settled_keeps_the_timeout_in_its_slot() {
        on_virtual_time(async {
            let drops = DropCounter::new();
            let start = timer::now();
            let (fast, slow, failed) = settled!(timeout = ms(50);
                after(&drops, ms(10), Ok::<_, AppError>("fast")),
                after(&drops, FOREVER, Ok::<_, AppError>(7)),
                after(&drops, ms(20), Err::<(), _>(AppError::Code(503))),
            )
            .await;
            assert_eq!(fast, Ok("fast"));
            assert_eq!(slow, Err(timed_out(ms(50))));
            assert_eq!(failed, Err(AppError::Code(503)));
            assert_eq!(timer::now() - start, ms(50));
            assert_eq!(drops.dropped(), 1);
        })
        .await;
    }

    async fn race_is_won_by_a_timeout_when_every_branch_is_late() {
        on_virtual_time(async {
            let drops = DropCounter::new();
            let start = timer::now();
            let out = race!(timeout = ms(30); after(&drops, FOREVER, Ok::<u8, AppError>(1)), after(&drops, FOREVER, Ok(2))).await;
            assert_eq!(out, Err(timed_out(ms(30))));
            assert_eq!(timer::now() - start, ms(30));
            assert_eq!(drops.dropped(), 2);
            let out = race!(timeout = ms(30); after(&drops, FOREVER, Ok::<u8, AppError>(1)), after(&drops, ms(5), Ok(2))).await;
            assert_eq!(out, Ok(2));
        })
        .await;
    }

    async fn first_ok_counts_a_timeout_as_a_failure() {
        on_virtual_time(async {
            let drops = DropCounter::new();
            let start = timer::now();
            let out = first_ok!(timeout = ms(40);
                after(&drops, FOREVER, Ok::<u8, AppError>(1)),
                after(&drops, ms(5), Err(AppError::Code(500))),
            )
            .await;
            assert_eq!(out, Err(AllFailed::new(vec![timed_out(ms(40)), AppError::Code(500)])));
            assert_eq!(timer::now() - start, ms(40));
            let out = first_ok!(timeout = ms(40); after(&drops, FOREVER, Ok::<u8, AppError>(1)), after(&drops, ms(30), Ok(2))).await;
            assert_eq!(out, Ok(2));
        })
        .await;
    }

    async fn error_and_timeout_combine_in_either_order() {
        on_virtual_time(async {
            let drops = DropCounter::new();
            // Branch errors `String` and `u16`, neither `From<Elapsed>`: the
            // timeout converts straight into the target.
            let out = parallel!(error = AppError, timeout = ms(25);
                after(&drops, ms(5), Ok::<_, String>(1)),
                after(&drops, FOREVER, Ok::<_, u16>(2)),
            )
            .await;
            assert_eq!(out, Err(timed_out(ms(25))));
            let out = parallel!(timeout = ms(25), error = AppError;
                after(&drops, ms(5), Ok::<u8, String>(1)),
                after(&drops, ms(10), Err::<u8, u16>(404)),
            )
            .await;
            assert_eq!(out, Err(AppError::Code(404)));
            let out = first_ok!(error = AppError, timeout = ms(25);
                after(&drops, ms(5), Err::<u8, String>("down".into())),
                after(&drops, FOREVER, Ok::<u8, u16>(2)),
            )
            .await;
            assert_eq!(out, Err(AllFailed::new(vec![AppError::Text("down".into()), timed_out(ms(25))])));
        })
        .await;
    }

    async fn the_limit_is_evaluated_once_and_first() {
        on_virtual_time(async {
            let evaluated = AtomicUsize::new(0);
            let order = std::sync::Mutex::new(Vec::new());
            let limit = || {
                evaluated.fetch_add(1, Ordering::SeqCst);
                order.lock().unwrap().push("limit");
                ms(10)
            };
            let branch = |n: u8| {
                order.lock().unwrap().push("branch");
                async move { Ok::<_, AppError>(n) }
            };
            let out = parallel!(timeout = limit(); branch(1), branch(2), branch(3)).await;
            assert_eq!(out, Ok((1, 2, 3)));
            assert_eq!(evaluated.load(Ordering::SeqCst), 1);
            assert_eq!(*order.lock().unwrap(), ["limit", "branch", "branch", "branch"]);
        })
        .await;
    }

    async fn a_ready_branch_never_times_out_and_temporaries_live() {
        on_virtual_time(async {
            // A zero limit: a branch ready at its first poll still wins, as
            // with `timeout(Duration::ZERO, ready)`.
            let (ready,) = settled!(timeout = Duration::ZERO; async { Ok::<_, AppError>(1) }).await;
            assert_eq!(ready, Ok(1));
            // Branches borrow temporaries of the statement, as without options.
            let out = parallel!(timeout = ms(10); len_of(&String::from("abc")), len_of(&format!("d{}", "e"))).await;
            assert_eq!(out, Ok((3, 2)));
        })
        .await;
    }
}
