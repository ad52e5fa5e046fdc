async fn mirror() -> &'static str {
    "eu"
}

fn main() {
    let _ = orchestrate::first_ok!(mirror(), mirror());
}
