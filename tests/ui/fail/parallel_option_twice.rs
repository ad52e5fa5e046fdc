use std::time::Duration;

async fn fetch_user() -> Result<u32, String> {
    Ok(1)
}

fn main() {
    let _ = orchestrate::parallel!(timeout = Duration::from_secs(1), timeout = Duration::from_secs(2); fetch_user());
}
