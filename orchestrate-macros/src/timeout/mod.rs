//! `#[timeout(ms = N)]`: parse the arguments and the item, validate, expand.
//! On any error the item is emitted unchanged next to the error, so the rest
//! of the crate still compiles against it and no follow-on errors appear.

mod args;
mod expand;
mod item;

use proc_macro2::TokenStream;

use crate::errors::Errors;

pub(crate) fn attribute(args: TokenStream, item: TokenStream) -> TokenStream {
    let args = args::parse(args);
    let parsed = syn::parse2::<item::FnItem>(item.clone());
    let expanded = if let (Ok(args), Ok(parsed)) = (&args, &parsed) {
        expand::expand(args, parsed)
    } else {
        let mut errors = Errors::default();
        for error in [args.err(), parsed.err()].into_iter().flatten() {
            errors.push(error);
        }
        errors.finish().map(|()| TokenStream::new())
    };
    match expanded {
        Ok(tokens) => tokens,
        Err(error) => {
            let mut tokens = item;
            tokens.extend(error.into_compile_error());
            tokens
        }
    }
}
