use std::time::Duration;

async fn fetch_user() -> Result<u32, String> {
    Ok(1)
}

fn main() {
    // `String` cannot hold a timeout: name a target with `error = AppError`
    // (with `From<Elapsed>`), or give the branch such an error type.
    let _ = orchestrate::parallel!(timeout = Duration::from_secs(1); fetch_user());
}
