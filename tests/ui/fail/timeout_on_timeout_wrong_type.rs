use orchestrate::timeout;

// `on_timeout` must build the fn's error type, here `std::fmt::Error`.
#[timeout(ms = 100, on_timeout = |_| "timed out")]
async fn fetch() -> Result<String, std::fmt::Error> {
    Ok(String::new())
}

fn main() {}
