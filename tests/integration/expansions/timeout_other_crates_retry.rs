//! An attribute of another crate that is also named `retry` (or `timeout`)
//! is left alone: `#[timeout]` and `#[retry]` stack only with their own kind,
//! recognised by path.
#![deny(warnings)]

use orchestrate::{Elapsed, timeout};

mod x {
    pub(crate) use tracing::instrument as retry;
    pub(crate) use tracing::instrument as timeout;
}

#[derive(Debug, PartialEq)]
struct TimedOut;

impl From<Elapsed> for TimedOut {
    fn from(_: Elapsed) -> Self {
        TimedOut
    }
}

#[timeout(ms = 50)]
#[x::retry]
async fn under_their_retry() -> Result<u32, TimedOut> {
    Ok(1)
}

#[orchestrate::retry(times = 2)]
#[x::timeout(level = "debug")]
async fn under_their_timeout() -> Result<u32, TimedOut> {
    Ok(2)
}

fn main() {
    futures::executor::block_on(async {
        assert_eq!(under_their_retry().await, Ok(1));
        assert_eq!(under_their_timeout().await, Ok(2));
    });
}
