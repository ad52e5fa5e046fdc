use orchestrate::rate_limit;

#[rate_limit(per_sec = 50, burst = -1)]
async fn fetch_user() -> u32 {
    1
}

fn main() {}
