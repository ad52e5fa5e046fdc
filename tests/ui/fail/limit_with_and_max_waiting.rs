use orchestrate::{limit, Limiter, Rejected};

static API: Limiter = Limiter::new(2);

#[derive(Debug)]
struct ApiError;

impl From<Rejected> for ApiError {
    fn from(_: Rejected) -> Self {
        ApiError
    }
}

#[limit(with = API, max_waiting = 8)]
async fn fetch_user() -> Result<u32, ApiError> {
    Ok(1)
}

fn main() {}
