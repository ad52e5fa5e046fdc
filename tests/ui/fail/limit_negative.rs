use orchestrate::limit;

#[limit(concurrency = -4)]
async fn fetch_user() -> u32 {
    1
}

fn main() {}
