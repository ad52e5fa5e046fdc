use orchestrate::rate_limit;

#[rate_limit(calls = 5)]
async fn fetch_user() -> u32 {
    1
}

#[rate_limit(period_ms = 100)]
async fn fetch_post() -> u32 {
    1
}

#[rate_limit(per_sec = 5, period_ms = 100)]
async fn fetch_likes() -> u32 {
    1
}

fn main() {}
