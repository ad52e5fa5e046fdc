//! `parallel!`, `settled!`, `race!`, `first_ok!`: each expands to a future of
//! a struct made for the call, one field per branch, with no heap allocation.

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
