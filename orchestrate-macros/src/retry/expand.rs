//! Re-runs the body of the fn in a loop, keeping the signature exactly as
//! written. Each attempt is the body as an `async` block that borrows the
//! arguments (and `self`), so methods on `&mut self` retry in place.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{ToTokens, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::visit_mut::VisitMut;

use super::args::{BackoffSpec, Policy, RetryArgs, Times};
use crate::item::{Body, FnItem, ImplTraitToInfer, Shape, typed_block};
use crate::timeout::args::TimeoutArgs;
use crate::timeout::timed;

pub(crate) fn expand(
    args: &RetryArgs,
    item: &FnItem,
    per_attempt: Option<&TimeoutArgs>,
    overall: Option<&TimeoutArgs>,
) -> syn::Result<TokenStream> {
    if let Shape::BoxedFuture = item.shape("retry")? {
        return Err(syn::Error::new_spanned(
            item.sig.fn_token,
            "`#[retry]` re-runs the body of an `async fn`, and `#[async_trait]` has already turned this one into a boxed future that runs once; \
             retry inside the body with `orchestrate::retry(policy, || …)`, or call an inherent `#[retry] async fn` from it",
        ));
    }
    let Some(output) = item.output(&Shape::AsyncFn) else {
        return Err(syn::Error::new(
            item.sig.paren_token.span.close(),
            "`#[retry]` needs the fn to return `Result<T, E>`, so that it knows which calls failed; add `-> Result<…, …>` here",
        ));
    };
    let krate = &args.krate;
    let FnItem {
        attrs,
        vis,
        sig,
        body,
    } = item;
    let Body {
        brace,
        inner_attrs,
        stmts,
    } = body;

    let mut output_type = output.clone();
    ImplTraitToInfer.visit_type_mut(&mut output_type);
    let state = Ident::new("__orchestrate_retry", Span::mixed_site());
    let out = Ident::new("__orchestrate_out", Span::mixed_site());
    let delay = Ident::new("__orchestrate_delay", Span::mixed_site());

    let timed =
        |limit: &TimeoutArgs, future: TokenStream| timed(limit, output, &output_type, &future);

    let attempt_block = typed_block(&output_type, stmts, brace.span.join());
    let attempt = if let Some(limit) = per_attempt {
        timed(limit, quote!(async #attempt_block))
    } else {
        quote!(async #attempt_block.await)
    };
    let policy = policy(args, krate);
    let when = args.when.as_ref().map_or_else(
        || quote!(#krate::__private::retry_any),
        ToTokens::to_token_stream,
    );
    let notify = args.notify.as_ref().map_or_else(
        || quote!(#krate::__private::retry_quiet),
        ToTokens::to_token_stream,
    );
    // A return type that is not a `Result` is reported on the return type.
    let failure = quote_spanned! {output.span()=>
        <#output_type as #krate::__private::RetryOutput>::failure(&#out)
    };
    let next = quote! {
        #krate::__private::RetryLoop::next(&mut #state, #failure, #when, #notify)
    };
    let retried = quote! {
        let mut #state = #krate::__private::RetryLoop::new(#policy);
        loop {
            #state.begin();
            let #out: #output_type = #attempt;
            match #next {
                #krate::__private::Some(#delay) => #krate::__private::sleep(#delay).await,
                #krate::__private::None => break #out,
            }
        }
    };
    let new_body = if let Some(limit) = overall {
        timed(limit, quote!(async { #retried }))
    } else {
        retried
    };
    Ok(quote! {
        #(#attrs)*
        #vis #sig {
            #(#inner_attrs)*
            #new_body
        }
    })
}

/// An expression of type `Backoff`.
fn policy(args: &RetryArgs, krate: &TokenStream) -> TokenStream {
    let backoff = quote!(#krate::__private::Backoff);
    match &args.policy {
        Policy::Expr(expr) => quote_spanned! {expr.span()=>
            {
                let policy: #backoff = #expr;
                policy
            }
        },
        Policy::Spec {
            times,
            backoff: spec,
            total,
        } => {
            let times = match times {
                Times::Literal(n) => quote!(#n),
                Times::Constant(path) => path.to_token_stream(),
            };
            let mut built = match spec {
                BackoffSpec::Immediate => quote!(#backoff::immediate()),
                BackoffSpec::Constant { delay, jitter } => {
                    let delay = delay.tokens(krate);
                    let mut built = quote!(#backoff::constant(#delay));
                    if let Some(jitter) = jitter {
                        built.extend(quote!(.jitter(#jitter)));
                    }
                    built
                }
                BackoffSpec::Exponential {
                    base,
                    max,
                    factor,
                    jitter,
                } => {
                    let base = base.tokens(krate);
                    let mut built = quote!(#backoff::exponential(#base));
                    if let Some(factor) = factor {
                        built.extend(quote!(.factor(#factor)));
                    }
                    if let Some(max) = max {
                        let max = max.tokens(krate);
                        built.extend(quote!(.max_delay(#max)));
                    }
                    if let Some(jitter) = jitter {
                        built.extend(quote!(.jitter(#jitter)));
                    }
                    built
                }
                BackoffSpec::Fibonacci { base, max, jitter } => {
                    let base = base.tokens(krate);
                    let mut built = quote!(#backoff::fibonacci(#base));
                    if let Some(max) = max {
                        let max = max.tokens(krate);
                        built.extend(quote!(.max_delay(#max)));
                    }
                    if let Some(jitter) = jitter {
                        built.extend(quote!(.jitter(#jitter)));
                    }
                    built
                }
            };
            built.extend(quote!(.attempts(#times)));
            if let Some(total) = total {
                let total = total.tokens(krate);
                built.extend(quote!(.max_elapsed(#total)));
            }
            built
        }
    }
}
