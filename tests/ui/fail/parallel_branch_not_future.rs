async fn fetch_user() -> Result<u32, String> {
    Ok(1)
}

fn main() {
    let _ = orchestrate::parallel!(fetch_user(), 42);
}
