use orchestrate::retry;

#[derive(Debug)]
struct ApiError;

#[retry(policy = orchestrate::Backoff::immediate(), times = 3)]
async fn fetch_user() -> Result<u32, ApiError> {
    Ok(1)
}

fn main() {}
