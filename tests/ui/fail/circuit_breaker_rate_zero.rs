use orchestrate::{circuit_breaker, CircuitOpen};

#[derive(Debug)]
struct ApiError;

impl From<CircuitOpen> for ApiError {
    fn from(_: CircuitOpen) -> Self {
        ApiError
    }
}

#[circuit_breaker(failure_rate = 0.0, window_calls = 20)]
async fn fetch() -> Result<u32, ApiError> {
    Ok(1)
}

fn main() {}
