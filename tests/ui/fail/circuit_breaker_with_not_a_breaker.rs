use orchestrate::{circuit_breaker, CircuitOpen, Limiter};

static API: Limiter = Limiter::new(2);

#[derive(Debug)]
struct ApiError;

impl From<CircuitOpen> for ApiError {
    fn from(_: CircuitOpen) -> Self {
        ApiError
    }
}

#[circuit_breaker(with = API)]
async fn fetch_user() -> Result<u32, ApiError> {
    Ok(1)
}

fn main() {}
