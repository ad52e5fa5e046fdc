use orchestrate::hedge;

#[derive(Debug)]
struct ApiError;

static HEDGE: orchestrate::Hedge = orchestrate::Hedge::after(std::time::Duration::from_millis(50));

#[hedge(with = HEDGE, after_ms = 20)]
async fn fetch() -> Result<u32, ApiError> {
    Ok(1)
}

fn main() {}
