use orchestrate::retry;

#[derive(Debug)]
struct ApiError;

#[retry(3)]
async fn fetch_user() -> Result<u32, ApiError> {
    Ok(1)
}

fn main() {}
