use orchestrate::{rate_limit, RateLimiter};

static RATE: RateLimiter = RateLimiter::per_second(50);

#[rate_limit(with = RATE, burst = 10)]
async fn fetch_user() -> u32 {
    1
}

fn main() {}
