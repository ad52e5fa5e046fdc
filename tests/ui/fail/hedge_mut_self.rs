use orchestrate::hedge;

#[derive(Debug)]
struct ApiError;

struct Client {
    calls: u32,
}

impl Client {
    // Attempts run at once: they cannot share `&mut self`.
    #[hedge(after_ms = 50)]
    async fn fetch(&mut self) -> Result<u32, ApiError> {
        self.calls += 1;
        Ok(self.calls)
    }
}

fn main() {}
