use orchestrate::{circuit_breaker, CircuitOpen};

#[derive(Debug)]
struct ApiError;

impl From<CircuitOpen> for ApiError {
    fn from(_: CircuitOpen) -> Self {
        ApiError
    }
}

const FAILURES: u32 = 0;

#[circuit_breaker(consecutive_failures = FAILURES)]
async fn fetch() -> Result<u32, ApiError> {
    Ok(1)
}

fn main() {}
