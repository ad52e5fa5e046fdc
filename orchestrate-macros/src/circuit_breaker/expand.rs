//! Runs the code below `#[circuit_breaker]` through a `CircuitBreaker`: a
//! hidden `static` built from the arguments (one per fn, shared by every
//! call of it), or the one given with `with = …`.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use super::args::{Breaker, BreakerArgs, Opens};
use crate::compose::{Code, Context, located_at};

/// `code` through the breaker, as the fn's output. A refused call returns
/// `Err(E::from(circuit_open))`; a return type that cannot hold it is
/// reported on the return type.
pub(crate) fn wrap(args: &BreakerArgs, cx: &Context<'_>, code: Code) -> Code {
    let krate = &args.krate;
    let output_type = &cx.output_type;
    let future = code.future(cx.moving);
    // Located on the return type, where the conversions are checked.
    let at = Span::mixed_site().located_at(cx.output.span());
    let into = Ident::new("__orchestrate_into", at);
    let back = Ident::new("__orchestrate_back", at);
    // The bounds on the return type are checked (and reported) on it: that
    // it is a `Result`, then that its error has `From<CircuitOpen>`.
    // Every call located on the return type too, so that a return type
    // that is not a `Result`, or whose error has no `From<CircuitOpen>`, is
    // reported once, there.
    let at_output = located_at(krate, cx.output.span());
    let parts = quote_spanned! {cx.output.span()=>
        #at_output::__private::breaker_parts::<#output_type, _, _>()
    };
    let as_result = quote_spanned! {cx.output.span()=>
        #at_output::__private::as_result(#future, #into)
    };
    let breaker = match &args.breaker {
        // A type that is no breaker is reported on the expression.
        Breaker::With(with) => {
            let at_with = located_at(krate, with.span());
            quote_spanned! {with.span()=> #at_with::__private::as_breaker(&#with)}
        }
        Breaker::Spec { .. } => quote!(&__ORCHESTRATE_BREAKER),
    };
    let hidden = match &args.breaker {
        Breaker::With(_) => TokenStream::new(),
        Breaker::Spec { .. } => {
            let built = built(args, krate);
            quote!(static __ORCHESTRATE_BREAKER: #krate::__private::CircuitBreaker = #built;)
        }
    };
    Code::Value(quote_spanned! {cx.output.span()=> {
        #hidden
        let (#into, #back) = #parts;
        #back(#at_output::__private::breaker_call(#breaker, #as_result).await)
    }})
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
