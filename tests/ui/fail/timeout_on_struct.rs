use orchestrate::timeout;

#[timeout(ms = 100)]
struct Client {
    retries: u32,
}

fn main() {}
