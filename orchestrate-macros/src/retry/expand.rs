//! Re-runs the code below `#[retry]` in a loop. Each attempt is the body as
//! an `async` block that borrows the arguments (and `self`), so methods on
//! `&mut self` retry in place.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{ToTokens, quote, quote_spanned};
use syn::spanned::Spanned;

use super::args::{Policy, RetryArgs};
use crate::compose::{Code, Context};

/// `code` run until it returns `Ok` or the policy gives up.
pub(crate) fn wrap(args: &RetryArgs, cx: &Context<'_>, code: Code) -> Code {
    let krate = &args.krate;
    let output_type = &cx.output_type;
    let state = Ident::new("__orchestrate_retry", Span::mixed_site());
    let out = Ident::new("__orchestrate_out", Span::mixed_site());
    let delay = Ident::new("__orchestrate_delay", Span::mixed_site());
    let policy = policy(args, krate);
    let start = quote!(#krate::__private::RetryLoop::new(#policy));
    let hook = |hook: Option<&syn::Expr>, default: &str| {
        hook.map_or_else(
            || {
                let default = Ident::new(default, Span::call_site());
                quote!(#krate::__private::#default)
            },
            ToTokens::to_token_stream,
        )
    };
    let when = hook(args.when.as_ref(), "retry_any");
    let notify = hook(args.notify.as_ref(), "retry_quiet");
    let on_retry = hook(args.on_retry.as_ref(), "retry_quiet_attempt");
    // A return type that is not a `Result` is reported on the return type.
    let failure = quote_spanned! {cx.output.span()=>
        <#output_type as #krate::__private::RetryOutput>::failure(&#out)
    };
    let attempt = code.value();
    // One place where an attempt begins and one where it ends.
    Code::Value(quote! {{
        let mut #state = #start;
        loop {
            #state.begin();
            let #out: #output_type = #attempt;
            match #krate::__private::RetryLoop::next(&mut #state, #failure, #when, #notify, #on_retry) {
                #krate::__private::Some(#delay) => #krate::__private::sleep(#delay).await,
                #krate::__private::None => break #out,
            }
        }
    }})
}

/// An expression of type `Backoff`.
fn policy(args: &RetryArgs, krate: &TokenStream) -> TokenStream {
    match &args.policy {
        Policy::Expr(expr) => {
            let backoff = quote!(#krate::__private::Backoff);
            quote_spanned! {expr.span()=>
                {
                    let policy: #backoff = #expr;
                    policy
                }
            }
        }
        Policy::Spec {
            times,
            backoff,
            total,
        } => {
            let mut built = backoff.tokens(krate);
            built.extend(quote!(.attempts(#times)));
            if let Some(total) = total {
                let total = total.tokens(krate);
                built.extend(quote!(.max_elapsed(#total)));
            }
            built
        }
    }
}
