/// Errors gathered while validating, reported together (`syn::Error::combine`),
/// so one compile shows every mistake in a macro call.
#[derive(Default)]
pub(crate) struct Errors(Option<syn::Error>);

impl Errors {
    pub(crate) fn push(&mut self, error: syn::Error) {
        match &mut self.0 {
            Some(all) => all.combine(error),
            none => *none = Some(error),
        }
    }

    pub(crate) fn finish(self) -> syn::Result<()> {
        self.0.map_or(Ok(()), Err)
    }
}

/// The parse errors of an attribute's arguments and of its item, together.
pub(crate) fn both<A, B>(args: syn::Result<A>, item: syn::Result<B>) -> syn::Error {
    let mut errors = Errors::default();
    for error in [args.err(), item.err()].into_iter().flatten() {
        errors.push(error);
    }
    errors
        .0
        .unwrap_or_else(|| syn::Error::new(proc_macro2::Span::call_site(), "no error to report"))
}

/// The expansion, or on error the item unchanged next to the error, so the
/// rest of the crate still compiles against the item and no follow-on errors
/// appear.
pub(crate) fn or_item(
    expanded: syn::Result<proc_macro2::TokenStream>,
    item: proc_macro2::TokenStream,
) -> proc_macro2::TokenStream {
    match expanded {
        Ok(tokens) => tokens,
        Err(error) => {
            let mut tokens = item;
            tokens.extend(error.into_compile_error());
            tokens
        }
    }
}
