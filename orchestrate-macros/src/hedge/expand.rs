//! Hedges the code below `#[hedge]`: each attempt is that code as an
//! `async` block that borrows the arguments (and `self`), made by a closure
//! called once per attempt, so attempts run at once over shared borrows.

use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use super::args::{HedgeArgs, Policy};
use crate::compose::{Code, Context};

/// `code` hedged: the first `Ok` of its attempts, or the last error.
pub(crate) fn wrap(args: &HedgeArgs, cx: &Context<'_>, code: Code) -> Code {
    let krate = &args.krate;
    let output_type = &cx.output_type;
    // Never `move`: every attempt borrows what the first one does.
    let attempt = code.future(false);
    // Spanned on the user's tokens (as the body's `async` is), so that
    // rustc names an argument the body moves: "cannot move out of `body`".
    let closure = quote_spanned! {cx.output.span()=> || };
    Code::Value(match &args.policy {
        Policy::Spec { after, max_extra } => {
            let after = after.tokens(krate);
            let max_extra = max_extra.as_ref().map_or_else(|| quote!(1), |k| quote!(#k));
            let call = quote_spanned! {cx.output.span()=>
                #krate::__private::hedge_call::<#output_type, _, _>
            };
            quote!(#call(#after, #max_extra, #closure #attempt).await)
        }
        Policy::With(with) => {
            let call = quote_spanned! {cx.output.span()=>
                #krate::__private::hedge_with::<#output_type, _, _>
            };
            quote!(#call(&#with, #closure #attempt).await)
        }
    })
}
