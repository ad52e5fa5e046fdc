use orchestrate::hedge;

#[derive(Debug)]
struct ApiError;

fn send(_body: String) -> Result<(), ApiError> {
    Ok(())
}

// Attempts run at once, each a run of the body: it cannot consume an argument.
#[hedge(after_ms = 50)]
async fn upload(body: String) -> Result<(), ApiError> {
    send(body)
}

fn main() {}
