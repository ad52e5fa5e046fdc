use orchestrate::hedge;

#[derive(Debug)]
struct ApiError;

#[hedge(delay_ms = 50)]
async fn fetch() -> Result<u32, ApiError> {
    Ok(1)
}

fn main() {}
