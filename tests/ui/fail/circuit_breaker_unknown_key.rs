use orchestrate::{circuit_breaker, CircuitOpen};

#[derive(Debug)]
struct ApiError;

impl From<CircuitOpen> for ApiError {
    fn from(_: CircuitOpen) -> Self {
        ApiError
    }
}

#[circuit_breaker(threshold = 5, open_for_secs = 30)]
async fn fetch() -> Result<u32, ApiError> {
    Ok(1)
}

fn main() {}
