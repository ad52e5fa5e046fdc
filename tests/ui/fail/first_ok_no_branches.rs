fn main() {
    let _ = orchestrate::first_ok!();
}
