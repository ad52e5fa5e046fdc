use orchestrate::{limit, Limiter};

static API: Limiter = Limiter::new(2);

#[limit(concurrency = 4, with = API)]
async fn fetch_user() -> u32 {
    1
}

fn main() {}
