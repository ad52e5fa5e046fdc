use orchestrate::{limit, RateLimiter};

static RATE: RateLimiter = RateLimiter::per_second(10);

#[limit(with = RATE)]
async fn fetch_user() -> u32 {
    1
}

fn main() {}
