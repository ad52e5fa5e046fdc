//! `on_timeout` builds the error of a timed-out call when the fn's error type
//! has no `From<Elapsed>` and cannot get one (another crate's type): as a
//! closure, as a path, and on a `#[timeout]` stacked with `#[retry]`.
#![deny(warnings)]

use std::time::Duration;

use orchestrate::{Elapsed, retry, sleep, timeout};

fn fmt_error(_: Elapsed) -> std::fmt::Error {
    std::fmt::Error
}

#[timeout(ms = 10, on_timeout = |_elapsed| std::fmt::Error)]
async fn closure_form(wait_ms: u64) -> Result<String, std::fmt::Error> {
    sleep(Duration::from_millis(wait_ms)).await;
    Ok("done".to_string())
}

#[timeout(ms = 10, on_timeout = fmt_error)]
async fn path_form(wait_ms: u64) -> Result<String, std::fmt::Error> {
    sleep(Duration::from_millis(wait_ms)).await;
    Ok("done".to_string())
}

#[derive(Debug, PartialEq)]
struct Other(u128);

/// The closure gets the `Elapsed`, whose limit it may keep.
#[retry(times = 2, backoff = none)]
#[timeout(ms = 10, on_timeout = |e: Elapsed| Other(e.duration().as_millis()))]
async fn stacked() -> Result<(), Other> {
    sleep(Duration::from_secs(60)).await;
    Ok(())
}

fn main() {
    futures::executor::block_on(async {
        assert_eq!(closure_form(0).await, Ok("done".to_string()));
        assert_eq!(closure_form(1_000).await, Err(std::fmt::Error));
        assert_eq!(path_form(1_000).await, Err(std::fmt::Error));
        assert_eq!(stacked().await, Err(Other(10)));
    });
}
