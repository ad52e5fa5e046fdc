//! Compile-time behaviour of the macros: every misuse is an error on the
//! offending token, with the expected message in the case's `.stderr`.
//! (The cases that must compile and run are test targets of the facade,
//! `tests/integration/expansions/`.)

#[test]
fn ui() {
    trybuild::TestCases::new().compile_fail("fail/*.rs");
}
