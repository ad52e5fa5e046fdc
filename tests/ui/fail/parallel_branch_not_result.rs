async fn fetch_user() -> Result<u32, String> {
    Ok(1)
}

async fn count_posts() -> u32 {
    3
}

fn main() {
    let _ = orchestrate::parallel!(fetch_user(), count_posts());
}
