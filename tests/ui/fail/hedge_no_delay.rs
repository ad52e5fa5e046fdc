use orchestrate::hedge;

#[derive(Debug)]
struct ApiError;

#[hedge(max_extra = 2)]
async fn fetch() -> Result<u32, ApiError> {
    Ok(1)
}

fn main() {}
