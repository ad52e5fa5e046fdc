//! `parallel!`, `settled!`, `race!`, `first_ok!`: each expands to a future of
//! a struct made for the call, one field per branch, with no heap allocation.

mod expand;
mod input;

use proc_macro2::TokenStream;

use input::JoinInput;

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Parallel,
    Settled,
    Race,
    FirstOk,
}

impl Kind {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Kind::Parallel => "parallel",
            Kind::Settled => "settled",
            Kind::Race => "race",
            Kind::FirstOk => "first_ok",
        }
    }

    fn takes_error_target(self) -> bool {
        matches!(self, Kind::Parallel | Kind::FirstOk)
    }

    fn why_no_error_target(self) -> &'static str {
        match self {
            Kind::Settled => "it keeps every branch's own output, errors included",
            _ => "every branch already shares one output type",
        }
    }

    fn example(self) -> &'static str {
        match self {
            Kind::Race => "primary(), replica()",
            Kind::FirstOk => "mirror_a(), mirror_b()",
            _ => "fetch_user(), fetch_posts()",
        }
    }
}

pub(crate) fn macro_call(kind: Kind, input: TokenStream) -> TokenStream {
    let input = match syn::parse2::<JoinInput>(input) {
        Ok(input) => input,
        Err(error) => return error.into_compile_error(),
    };
    match input.validate(kind) {
        Ok(()) => expand::expand(kind, &input),
        Err(error) => error.into_compile_error(),
    }
}
