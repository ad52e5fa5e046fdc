use orchestrate::{retry, timeout, Elapsed};

#[derive(Debug)]
struct ApiError;

impl From<Elapsed> for ApiError {
    fn from(_: Elapsed) -> Self {
        ApiError
    }
}

// The mistake in the `#[retry]` below is reported once, by the `#[timeout]`
// that expands the stack.
#[timeout(ms = 100)]
#[retry(times = 0)]
async fn fetch() -> Result<u32, ApiError> {
    Ok(1)
}

fn main() {}
