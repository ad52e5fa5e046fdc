use orchestrate::retry;

#[derive(Debug)]
struct ApiError;

#[retry(times = 3, backoff = constant(ms = 100, max_ms = 500))]
async fn fetch_user() -> Result<u32, ApiError> {
    Ok(1)
}

fn main() {}
