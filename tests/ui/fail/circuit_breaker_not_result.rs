use orchestrate::circuit_breaker;

#[circuit_breaker(consecutive_failures = 5)]
async fn fetch_user() -> Option<u32> {
    Some(1)
}

fn main() {}
