//! Runs the code below `#[limit]` through a `Limiter`: `run` (it waits for a
//! permit), or with `max_waiting` `try_run` (for a named limiter, with this
//! call's bound), whose rejection the fn returns as `Err(E::from(rejected))`.

use proc_macro2::{Ident, Span};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use super::args::{LimitArgs, Source};
use crate::compose::{Code, Context};

/// `code` under the limiter of `args`.
pub(crate) fn wrap(args: &LimitArgs, cx: &Context<'_>, code: Code) -> Code {
    let krate = &args.krate;
    let limiter = Ident::new("__orchestrate_limiter", Span::mixed_site());
    let out = Ident::new("__orchestrate_out", Span::mixed_site());
    let rejected = Ident::new("__orchestrate_rejected", Span::mixed_site());
    // Spanned on the expression, so that a type that is no limiter is
    // reported there.
    let with_span = match &args.source {
        Source::With(expr) => Span::mixed_site().located_at(expr.span()),
        Source::Own(_) => Span::mixed_site(),
    };
    let with = Ident::new("__orchestrate_with", with_span);
    let bind = match &args.source {
        Source::With(expr) => quote!(let #with = &(#expr);),
        Source::Own(_) => quote!(),
    };
    let ty = quote!(#krate::__private::Limiter);
    let get = match &args.source {
        Source::Own(n) => {
            let waiting = args.max_waiting.as_ref().map(|k| quote!(.max_waiting(#k)));
            // One per fn (a generic fn's instances share it): every call of
            // the fn counts against the same bound.
            quote! {{
                static __ORCHESTRATE_LIMITER: #ty = #ty::new(#n) #waiting;
                &__ORCHESTRATE_LIMITER
            }}
        }
        // A type that is no limiter is reported on the expression.
        Source::With(expr) => quote_spanned! {expr.span()=>
            #krate::__private::AsLimiter::as_limiter(#with)
        },
    };
    let future = code.future(cx.moving);
    let call = if args.max_waiting.is_some() {
        let output_type = &cx.output_type;
        // A return type that cannot hold `Rejected` is reported on it.
        let result = quote_spanned! {cx.output.span()=>
            <#output_type as #krate::__private::LimitResult>
        };
        let reject = quote_spanned! {cx.output.span()=> #result::rejected(#rejected)};
        // A named limiter's own bound is its builder's; this call's is `k`.
        let try_run = if let (Source::With(_), Some(k)) = (&args.source, &args.max_waiting) {
            quote!(#krate::__private::try_run_within(#limiter, #k, #future))
        } else {
            quote!(#limiter.try_run(#future))
        };
        quote! {
            match #try_run.await {
                #krate::__private::Ok(#out) => #out,
                #krate::__private::Err(#rejected) => #reject,
            }
        }
    } else {
        quote!(#limiter.run(#future).await)
    };
    Code::Value(quote! {{
        // A `let` of a borrow: temporaries in a `with = &API` live as long
        // as the call.
        #bind
        let #limiter: &#ty = #get;
        #call
    }})
}
