fn main() {
    let _ = orchestrate::race!();
}
