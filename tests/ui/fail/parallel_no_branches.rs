fn main() {
    let _ = orchestrate::parallel!();
}
