//! Runs the code below `#[circuit_breaker]` through a `CircuitBreaker`: a
//! hidden `static` built from the arguments (one per fn, shared by every
//! call of it), or the one given with `with = …`.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use super::args::{Breaker, BreakerArgs, Opens};
use crate::compose::{Code, Context};

/// `code` through the breaker, as the fn's output. A refused call returns
/// `Err(E::from(circuit_open))`; a return type that cannot hold it is
/// reported on the return type.
pub(crate) fn wrap(args: &BreakerArgs, cx: &Context<'_>, code: Code) -> Code {
    let krate = &args.krate;
    let output_type = &cx.output_type;
    let future = code.future(cx.moving);
    // The bounds on the return type are checked (and reported) here.
    let call = quote_spanned! {cx.output.span()=>
        #krate::__private::breaker_call::<#output_type, _, _>
    };
    Code::Value(match &args.breaker {
        Breaker::With(with) => quote! {
            #call(&#with, #future).await
        },
        Breaker::Spec { .. } => {
            let built = built(args, krate);
            quote! {{
                static __ORCHESTRATE_BREAKER: #krate::__private::CircuitBreaker = #built;
                #call(&__ORCHESTRATE_BREAKER, #future).await
            }}
        }
    })
}

/// The `const` expression that builds the hidden breaker.
fn built(args: &BreakerArgs, krate: &TokenStream) -> TokenStream {
    let Breaker::Spec {
        opens,
        open_for,
        half_open_calls,
    } = &args.breaker
    else {
        return TokenStream::new();
    };
    let breaker = quote!(#krate::__private::CircuitBreaker);
    let mut built = match opens {
        Opens::Consecutive(k) => quote!(#breaker::consecutive_failures(#k)),
        Opens::Rate {
            rate,
            window,
            min_calls,
        } => {
            let rate = proc_macro2::Literal::f64_suffixed(*rate);
            let mut built = quote!(#breaker::failure_rate(#rate, #window));
            if let Some(min) = min_calls {
                built.extend(quote!(.min_calls(#min)));
            }
            built
        }
    };
    if let Some(open_for) = open_for {
        let open_for = open_for.tokens(krate);
        built.extend(quote!(.open_for(#open_for)));
    }
    if let Some(p) = half_open_calls {
        built.extend(quote!(.half_open_calls(#p)));
    }
    built
}
