use orchestrate::retry;

#[derive(Debug)]
struct ApiError;

#[retry(times = 3, when = |e: &String| e.is_empty())]
async fn fetch_user() -> Result<u32, ApiError> {
    Ok(1)
}

fn main() {}
