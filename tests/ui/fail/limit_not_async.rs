use orchestrate::limit;

#[limit(concurrency = 4)]
fn fetch_user() -> u32 {
    1
}

fn main() {}
