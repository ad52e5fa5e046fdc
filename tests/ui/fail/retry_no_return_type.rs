use orchestrate::retry;

#[derive(Debug)]
struct ApiError;

#[retry(times = 3)]
async fn fetch_user() {}

fn main() {}
