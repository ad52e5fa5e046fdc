use orchestrate::rate_limit;

#[rate_limit(per_sec = 50)]
fn fetch_user() -> u32 {
    1
}

fn main() {}
