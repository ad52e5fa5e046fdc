use orchestrate::rate_limit;

#[rate_limit(per_hour = 50)]
async fn fetch_user() -> u32 {
    1
}

fn main() {}
