//! A process default backend, in a process that never enters a `with_timer`
//! scope (this file is a test binary of its own, with this one test): until
//! a backend exists the core reads the real clock its fastest way, and
//! setting the default must end that for `timer::now`, sleeps and
//! `RateLimiter::check` alike. Here the default is `TokioTimer` under a
//! paused runtime, so every instant is exact.

use std::time::Duration;

use orchestrate::timer::{self, TokioTimer, set_default_timer};
use orchestrate::{RateLimiter, sleep};

#[test]
fn a_default_backend_governs_the_clock_and_check() {
    // Read the real clock first, as a program does before its `main` sets
    // the default.
    let early = RateLimiter::per_minute(1);
    assert_eq!(early.check(), Ok(()));

    assert!(set_default_timer(TokioTimer).is_ok());
    let paused = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .expect("a paused tokio runtime");
    paused.block_on(async {
        let start = tokio::time::Instant::now();
        assert_eq!(timer::now(), start.into_std());
        sleep(Duration::from_secs(3600)).await;
        assert_eq!(start.elapsed(), Duration::from_secs(3600), "tokio's time");

        let rate = RateLimiter::per_minute(1);
        assert_eq!(rate.check(), Ok(()));
        let refused = rate.check().unwrap_err();
        assert_eq!(refused.wait_time(), Duration::from_secs(60));
        let due = tokio::time::Instant::now().into_std() + Duration::from_secs(60);
        assert_eq!(refused.earliest_possible(), due);
        tokio::time::advance(Duration::from_secs(60)).await;
        assert_eq!(rate.check(), Ok(()));
    });
}
