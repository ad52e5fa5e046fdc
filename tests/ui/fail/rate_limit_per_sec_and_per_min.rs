use orchestrate::rate_limit;

#[rate_limit(per_sec = 50, per_min = 600)]
async fn fetch_user() -> u32 {
    1
}

fn main() {}
