#[derive(Debug)]
enum AppError {
    Db(String),
}

impl From<String> for AppError {
    fn from(e: String) -> Self {
        AppError::Db(e)
    }
}

async fn fetch_user() -> Result<u32, String> {
    Ok(1)
}

async fn fetch_avatar() -> Result<Vec<u8>, std::io::Error> {
    Ok(vec![])
}

fn main() {
    futures::executor::block_on(async {
        let _ = orchestrate::parallel!(error = AppError; fetch_user(), fetch_avatar()).await;
    });
}
