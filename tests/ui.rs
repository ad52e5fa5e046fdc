//! Compile-time behaviour of the macros: every misuse is an error on the
//! offending token (`tests/ui/fail`, with the expected messages in `.stderr`),
//! and every supported signature shape compiles and runs (`tests/ui/pass`).

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/fail/*.rs");
    cases.pass("tests/ui/pass/*.rs");
}
