//! Wraps the code below `#[timeout]` in `orchestrate::timeout`, keeping the
//! signature exactly as written.

use proc_macro2::{Ident, Span};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use super::args::TimeoutArgs;
use crate::compose::{Code, Context};

/// `code` under the limit of `args`, as the fn's output. A timed-out call
/// returns `Err(E::from(elapsed))`, or `Err(on_timeout(elapsed))`; a return
/// type that cannot hold it is reported on the return type.
pub(crate) fn wrap(args: &TimeoutArgs, cx: &Context<'_>, code: Code) -> Code {
    let krate = &args.krate;
    let duration = args.limit.tokens(krate);
    let output_type = &cx.output_type;
    let out = Ident::new("__orchestrate_out", Span::mixed_site());
    let elapsed = Ident::new("__orchestrate_elapsed", Span::mixed_site());
    // A return type that is not a `Result` is reported on the return type.
    let result = quote_spanned! {cx.output.span()=>
        <#output_type as #krate::__private::TimeoutResult>
    };
    let timed_out = if let Some(on_timeout) = &args.on_timeout {
        quote_spanned! {on_timeout.span()=> #result::on_timeout(#on_timeout, #elapsed)}
    } else {
        quote_spanned! {cx.output.span()=> #result::timed_out(#elapsed)}
    };
    let future = code.future(cx.moving);
    Code::Value(quote! {
        match #krate::__private::timeout(#duration, #future).await {
            #krate::__private::Ok(#out) => #out,
            #krate::__private::Err(#elapsed) => #timed_out,
        }
    })
}
