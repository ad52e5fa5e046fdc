use orchestrate::retry;

#[derive(Debug)]
struct ApiError;

#[retry(backoff = constant(ms = 100))]
async fn fetch_user() -> Result<u32, ApiError> {
    Ok(1)
}

fn main() {}
