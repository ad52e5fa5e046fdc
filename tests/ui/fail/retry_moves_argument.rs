use orchestrate::retry;

#[derive(Debug)]
struct ApiError;

fn send(_body: String) -> Result<(), ApiError> {
    Ok(())
}

// Each attempt re-runs the body, so it cannot consume an argument.
#[retry(times = 3)]
async fn upload(body: String) -> Result<(), ApiError> {
    send(body)
}

fn main() {}
