use orchestrate::circuit_breaker;

#[derive(Debug)]
struct DbError;

#[circuit_breaker(consecutive_failures = 5, open_for_secs = 30)]
async fn fetch_user() -> Result<u32, DbError> {
    Ok(1)
}

fn main() {}
