use orchestrate::{timeout, Elapsed};

#[derive(Debug)]
struct ApiError;
impl From<Elapsed> for ApiError {
    fn from(_: Elapsed) -> Self {
        ApiError
    }
}

trait Api {
    #[timeout(ms = 100)]
    async fn fetch_user(&self) -> Result<u32, ApiError>;
}

fn main() {}
