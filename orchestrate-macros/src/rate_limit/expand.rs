//! Runs the code below `#[rate_limit]` through a `RateLimiter`: the call
//! waits for its turn, then runs.

use proc_macro2::{Ident, Span};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use super::args::{Rate, RateLimitArgs};
use crate::compose::{Code, Context};

/// `code` started at the pace of `args`.
pub(crate) fn wrap(args: &RateLimitArgs, cx: &Context<'_>, code: Code) -> Code {
    let krate = &args.krate;
    let rate = Ident::new("__orchestrate_rate", Span::mixed_site());
    // Spanned on the expression, so that a type that is no limiter is
    // reported there.
    let with_span = match &args.rate {
        Rate::With(expr) => Span::mixed_site().located_at(expr.span()),
        _ => Span::mixed_site(),
    };
    let with = Ident::new("__orchestrate_with", with_span);
    let bind = match &args.rate {
        Rate::With(expr) => quote!(let #with = &(#expr);),
        _ => quote!(),
    };
    let ty = quote!(#krate::__private::RateLimiter);
    let built = match &args.rate {
        Rate::PerSec(n) => quote!(#ty::per_second(#n)),
        Rate::PerMin(n) => quote!(#ty::per_minute(#n)),
        Rate::Per(n, period) => {
            let period = period.tokens(krate);
            quote!(#ty::per(#period, #n))
        }
        // A type that is no rate limiter is reported on the expression.
        Rate::With(expr) => quote_spanned! {expr.span()=>
            #krate::__private::AsRateLimiter::as_rate_limiter(#with)
        },
    };
    let get = if let Rate::With(_) = &args.rate {
        built
    } else {
        let burst = args.burst.as_ref().map(|b| quote!(.burst(#b)));
        // One per fn (a generic fn's instances share it).
        quote! {{
            static __ORCHESTRATE_RATE: #ty = #built #burst;
            &__ORCHESTRATE_RATE
        }}
    };
    let future = code.future(cx.moving);
    Code::Value(quote! {{
        // A `let` of a borrow: temporaries in a `with = &API` live as long
        // as the call.
        #bind
        let #rate: &#ty = #get;
        #rate.run(#future).await
    }})
}
