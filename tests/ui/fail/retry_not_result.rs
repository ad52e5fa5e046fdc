use orchestrate::retry;

#[derive(Debug)]
struct ApiError;

#[retry(times = 3)]
async fn fetch_user() -> u32 {
    1
}

fn main() {}
