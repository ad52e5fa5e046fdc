use orchestrate::limit;

#[limit(concurrency = 4, max_waiting = 16)]
async fn fetch_user() -> u32 {
    1
}

#[limit(concurrency = 4, max_waiting = 16)]
async fn log_visit() {}

fn main() {}
