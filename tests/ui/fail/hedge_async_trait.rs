use orchestrate::hedge;

#[derive(Debug)]
struct ApiError;

#[async_trait::async_trait]
trait Api {
    async fn get(&self) -> Result<u8, ApiError>;
}

struct Client;

#[async_trait::async_trait]
impl Api for Client {
    // `#[async_trait]` has made the body one boxed future: it cannot re-run.
    #[hedge(after_ms = 50)]
    async fn get(&self) -> Result<u8, ApiError> {
        Ok(1)
    }
}

fn main() {}
