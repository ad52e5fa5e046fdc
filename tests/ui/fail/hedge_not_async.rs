use orchestrate::hedge;

#[derive(Debug)]
struct ApiError;

#[hedge(after_ms = 50)]
fn fetch() -> Result<u32, ApiError> {
    Ok(1)
}

fn main() {}
