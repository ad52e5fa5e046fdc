//! Stacked attributes imported by name: the inner one is expanded by the
//! outer one, and its import still counts as used.
#![deny(warnings)]

use orchestrate::{Elapsed, retry, timeout};

#[derive(Debug, PartialEq)]
struct ApiError;

impl From<Elapsed> for ApiError {
    fn from(_: Elapsed) -> Self {
        ApiError
    }
}

#[retry(times = 2)]
#[timeout(ms = 100)]
async fn fetch() -> Result<u32, ApiError> {
    Ok(1)
}

fn main() {
    assert_eq!(futures::executor::block_on(fetch()), Ok(1));
}
