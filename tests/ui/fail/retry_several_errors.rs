use orchestrate::retry;

#[derive(Debug)]
struct ApiError;

#[retry(times = 0, backoff = exponential(ms = 100, jitter = 2.0), retries = 3)]
async fn fetch_user() -> Result<u32, ApiError> {
    Ok(1)
}

fn main() {}
