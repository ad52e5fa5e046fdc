use orchestrate::timeout;

#[timeout(ms = 100)]
async fn refresh_cache() {
}

fn main() {}
