use orchestrate::timeout;

#[derive(Debug)]
struct DbError;

#[timeout(ms = 100)]
async fn fetch_user() -> Result<u32, DbError> {
    Ok(1)
}

fn main() {}
