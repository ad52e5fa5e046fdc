//! Hedges the code below `#[hedge]`: each attempt is that code as an
//! `async` block that borrows the arguments (and `self`), made by a closure
//! called once per attempt, so attempts run at once over shared borrows.

use proc_macro2::{Ident, Span};
use quote::{ToTokens, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{FnArg, ReceiverKind, Signature, Type};

use super::args::{HedgeArgs, Policy};
use crate::compose::{Code, Context, located_at};
use crate::errors::Errors;

/// `code` hedged: the first `Ok` of its attempts, or the last error.
pub(crate) fn wrap(args: &HedgeArgs, cx: &Context<'_>, code: Code) -> Code {
    let krate = &args.krate;
    let output_type = &cx.output_type;
    // Never `move`: every attempt borrows what the first one does.
    let attempt = code.future(false);
    // Spanned on the user's tokens (as the body's `async` is), so that
    // rustc names an argument the body moves: "cannot move out of `body`".
    let closure = quote_spanned! {cx.output.span()=> || };
    // Located on the return type, where the conversions are checked.
    let at = Span::mixed_site().located_at(cx.output.span());
    let into = Ident::new("__orchestrate_into", at);
    let back = Ident::new("__orchestrate_back", at);
    // That the return type is a `Result` is checked (and reported) on it.
    // Every call located on the return type too, so that one that is not a
    // `Result` is reported once, there.
    let at_output = located_at(krate, cx.output.span());
    let parts = quote_spanned! {cx.output.span()=>
        #at_output::__private::hedge_parts::<#output_type, _, _>()
    };
    let hedged = match &args.policy {
        Policy::Spec { after, max_extra } => {
            let after = after.tokens(krate);
            // A constant's 0 panics at run time, naming the attribute.
            let max_extra = max_extra.as_ref().map_or_else(|| quote!(1), |k| quote!(#k));
            quote_spanned!(cx.output.span()=> #at_output::__private::hedge_call(#after, #max_extra, #into, #closure #attempt))
        }
        Policy::With(with) => {
            quote_spanned!(cx.output.span()=> #at_output::__private::hedge_with(&#with, #into, #closure #attempt))
        }
    };
    // On the return type, so that a type that is not a `Result` is
    // reported once, there.
    Code::Value(quote_spanned! {cx.output.span()=> {
        let (#into, #back) = #parts;
        #back(#hedged.await)
    }})
}

/// Attempts run at once over shared borrows: an argument borrowed `&mut`
/// (or `&mut self`) cannot serve two of them, so it is refused on its token.
pub(crate) fn check(sig: &Signature) -> syn::Result<()> {
    let mut errors = Errors::default();
    for input in &sig.inputs {
        match input {
            FnArg::Receiver(receiver)
                if matches!(receiver.kind, ReceiverKind::Reference(_, _, Some(_))) =>
            {
                errors.push(syn::Error::new_spanned(
                    receiver,
                    "`#[hedge]` runs attempts at once, and they cannot share `&mut self`; take `&self` (with interior mutability for what changes), or hedge inside the body with `orchestrate::hedge(after, || …)`",
                ));
            }
            FnArg::Typed(typed) if matches!(&*typed.ty, Type::Reference(r) if r.mutability.is_some()) =>
            {
                let name = typed.pat.to_token_stream();
                errors.push(syn::Error::new_spanned(
                    &typed.ty,
                    format!("`#[hedge]` runs attempts at once, and they cannot share `{name}`, a `&mut` borrow; take a shared reference (with interior mutability for what changes)"),
                ));
            }
            _ => {}
        }
    }
    errors.finish()
}
