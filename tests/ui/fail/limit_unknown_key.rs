use orchestrate::limit;

#[limit(concurrency = 4, queue_len = 8)]
async fn fetch_user() -> u32 {
    1
}

fn main() {}
