use std::time::Duration;

async fn count_posts() -> u32 {
    2
}

fn main() {
    let _ = orchestrate::settled!(timeout = Duration::from_secs(1); count_posts());
}
