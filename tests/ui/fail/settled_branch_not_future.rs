async fn fetch_user() -> Result<u32, String> {
    Ok(1)
}

fn main() {
    let _ = orchestrate::settled!(fetch_user, fetch_user());
}
