use orchestrate::hedge;

#[hedge(after_ms = 50)]
async fn fetch_user() -> Option<u32> {
    Some(1)
}

fn main() {}
