fn main() {
    let _ = orchestrate::settled!();
}
