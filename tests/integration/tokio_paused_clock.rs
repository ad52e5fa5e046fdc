//! The tokio backend on tokio's own clock: under a paused runtime
//! (`start_paused`, tokio's `test-util`), deadlines, timeouts and sleeps armed
//! through `with_timer(TokioTimer, ..)` follow the paused clock as it
//! auto-advances or is advanced by hand, to the exact instant.

use std::future::pending;
use std::time::Duration;

use orchestrate::prelude::*;
use orchestrate::timer::{self, TimerBackend, TokioTimer, with_timer};
use orchestrate::{sleep, sleep_until};

const HOUR: Duration = Duration::from_secs(3600);

fn paused_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .expect("a paused tokio runtime")
}

#[test]
fn a_sleep_then_a_timeout_end_at_the_sum_of_their_limits() {
    paused_runtime().block_on(with_timer(TokioTimer, async {
        let start = tokio::time::Instant::now();
        sleep(HOUR).await;
        assert_eq!(start.elapsed(), HOUR);
        let out = timeout(HOUR, pending::<()>()).await;
        assert_eq!(out, Err(Elapsed::new(HOUR)));
        assert_eq!(
            start.elapsed(),
            2 * HOUR,
            "7200 s of tokio time, not 3600 s"
        );
    }));
}

#[test]
fn the_backend_now_is_tokio_s_clock() {
    paused_runtime().block_on(async {
        let before = TokioTimer.now();
        tokio::time::advance(HOUR).await;
        assert_eq!(TokioTimer.now() - before, HOUR);
        assert_eq!(TokioTimer.now(), tokio::time::Instant::now().into_std());
        let scoped = with_timer(TokioTimer, async { timer::now() }).await;
        assert_eq!(scoped, tokio::time::Instant::now().into_std());
    });
}

#[test]
fn deadlines_and_remaining_follow_the_paused_clock() {
    paused_runtime().block_on(with_timer(TokioTimer, async {
        let start = tokio::time::Instant::now();
        let deadline = Deadline::after(Duration::from_secs(10));
        tokio::time::advance(Duration::from_secs(4)).await;
        assert_eq!(deadline.remaining(), Duration::from_secs(6));
        let out = deadline.run(pending::<()>()).await;
        assert_eq!(out, Err(Elapsed::new(Duration::from_secs(10))));
        assert_eq!(start.elapsed(), Duration::from_secs(10));
        assert!(deadline.is_expired());
        // An instant read from the scope's clock is one on tokio's clock.
        let at = timer::now() + HOUR;
        sleep_until(at).await;
        assert_eq!(start.elapsed(), Duration::from_secs(10) + HOUR);
    }));
}
