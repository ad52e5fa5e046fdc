use orchestrate::retry;

#[derive(Debug)]
struct ApiError;

#[retry(times = -2)]
async fn fetch_user() -> Result<u32, ApiError> {
    Ok(1)
}

fn main() {}
