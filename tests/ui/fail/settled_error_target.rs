async fn fetch_user() -> Result<u32, String> {
    Ok(1)
}

fn main() {
    let _ = orchestrate::settled!(error = String; fetch_user());
}
