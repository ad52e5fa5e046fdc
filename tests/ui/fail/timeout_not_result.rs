use orchestrate::timeout;

#[timeout(ms = 100)]
async fn fetch_count() -> u32 {
    1
}

fn main() {}
