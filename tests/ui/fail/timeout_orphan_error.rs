use orchestrate::timeout;

// `std::fmt::Error` is another crate's type: no `From<Elapsed>` can be
// written for it, so the note points at `on_timeout`.
#[timeout(ms = 100)]
async fn render() -> Result<String, std::fmt::Error> {
    Ok(String::new())
}

fn main() {}
