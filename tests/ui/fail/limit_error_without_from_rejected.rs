use orchestrate::limit;

#[derive(Debug)]
struct DbError;

#[limit(concurrency = 4, max_waiting = 16)]
async fn fetch_user() -> Result<u32, DbError> {
    Ok(1)
}

fn main() {}
