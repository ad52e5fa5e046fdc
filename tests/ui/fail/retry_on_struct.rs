use orchestrate::retry;

#[derive(Debug)]
struct ApiError;

#[retry(times = 3)]
struct Client;

fn main() {}
