use orchestrate::{circuit_breaker, CircuitOpen};

#[derive(Debug)]
struct ApiError;

impl From<CircuitOpen> for ApiError {
    fn from(_: CircuitOpen) -> Self {
        ApiError
    }
}

static BREAKER: orchestrate::CircuitBreaker = orchestrate::CircuitBreaker::consecutive_failures(5);

#[circuit_breaker(with = BREAKER, consecutive_failures = 3)]
async fn fetch() -> Result<u32, ApiError> {
    Ok(1)
}

fn main() {}
