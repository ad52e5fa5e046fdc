use orchestrate::hedge;

#[derive(Debug)]
struct ApiError;

#[hedge(after_ms = 0)]
async fn fetch() -> Result<u32, ApiError> {
    Ok(1)
}

fn main() {}
