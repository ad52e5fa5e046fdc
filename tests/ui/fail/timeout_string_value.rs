use orchestrate::{timeout, Elapsed};

#[derive(Debug)]
struct ApiError;
impl From<Elapsed> for ApiError {
    fn from(_: Elapsed) -> Self {
        ApiError
    }
}

#[timeout(ms = "abc")]
async fn fetch_user() -> Result<u32, ApiError> {
    Ok(1)
}

fn main() {}
