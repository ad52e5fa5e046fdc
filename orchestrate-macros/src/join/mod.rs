//! `parallel!`, `settled!`, `race!`, `first_ok!`: each expands to a future
//! with one field per branch and no heap allocation: a struct compiled in
//! `orchestrate-core` for up to 12 branches, a struct made for the call past
//! that.

mod expand;
mod input;
mod kind;

use proc_macro2::TokenStream;

use input::JoinInput;
pub(crate) use kind::Kind;

pub(crate) fn macro_call(kind: Kind, input: TokenStream) -> TokenStream {
    match JoinInput::parse(kind, input) {
        Ok(input) => expand::expand(kind, &input),
        Err(error) => error.into_compile_error(),
    }
}
