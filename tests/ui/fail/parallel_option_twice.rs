async fn fetch_user() -> Result<u32, String> {
    Ok(1)
}

fn main() {
    let _ = orchestrate::parallel!(timeout = std::time::Duration::from_secs(1), timeout = std::time::Duration::from_secs(2); fetch_user());
}
