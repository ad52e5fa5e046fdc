use orchestrate::rate_limit;

#[rate_limit(per_sec = 0)]
async fn fetch_user() -> u32 {
    1
}

#[rate_limit(calls = 5, period_ms = 0)]
async fn fetch_post() -> u32 {
    1
}

fn main() {}
