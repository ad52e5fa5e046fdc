//! Wraps the body of the fn in `orchestrate::timeout`, keeping the signature
//! exactly as written.

use proc_macro2::{Delimiter, Group, Ident, Span, TokenStream};
use quote::{ToTokens, quote, quote_spanned};
use syn::Type;
use syn::spanned::Spanned;
use syn::visit_mut::VisitMut;

use super::args::TimeoutArgs;
use crate::item::{Body, FnItem, ImplTraitToInfer, Shape, typed_block};

pub(crate) fn expand(args: &TimeoutArgs, item: &FnItem) -> syn::Result<TokenStream> {
    let shape = item.shape("timeout")?;
    let Some(output) = item.output(&shape) else {
        return Err(syn::Error::new(
            item.sig.paren_token.span.close(),
            "`#[timeout]` needs the fn to return `Result<T, E>` with `E: From<orchestrate::Elapsed>`, \
             so that a timed-out call can return `Err`; add `-> Result<…, …>` here",
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

    // `impl Trait` cannot be named inside the body; `_` lets it be inferred.
    let mut output_type = output.clone();
    ImplTraitToInfer.visit_type_mut(&mut output_type);
    let timed = |future: TokenStream| timed(args, output, &output_type, &future);

    let new_body = match shape {
        Shape::AsyncFn => {
            let inner = typed_block(&output_type, stmts, brace.span.join());
            let timed = timed(quote!(async move #inner));
            quote!(#timed)
        }
        Shape::BoxedFuture => {
            let original = Group::new(Delimiter::Brace, stmts.clone());
            let timed = timed(original.into_token_stream());
            quote!(#krate::__private::Box::pin(async move { #timed }))
        }
    };
    Ok(quote! {
        #(#attrs)*
        #vis #sig {
            #(#inner_attrs)*
            #new_body
        }
    })
}

/// `future` under the limit of `args`, as the fn's output: a timed-out call
/// becomes `<Output as TimeoutOutput>::timed_out(elapsed)`, reported on the
/// return type if `Output` cannot hold a timeout. `output_type` is `output`
/// with `impl Trait` replaced by `_`.
pub(crate) fn timed(
    args: &TimeoutArgs,
    output: &Type,
    output_type: &Type,
    future: &TokenStream,
) -> TokenStream {
    let krate = &args.krate;
    let duration = args.limit.duration(krate);
    let out = Ident::new("__orchestrate_out", Span::mixed_site());
    let elapsed = Ident::new("__orchestrate_elapsed", Span::mixed_site());
    let timed_out = quote_spanned! {output.span()=>
        <#output_type as #krate::__private::TimeoutOutput>::timed_out(#elapsed)
    };
    quote! {
        match #krate::__private::timeout(#duration, #future).await {
            #krate::__private::Ok(#out) => #out,
            #krate::__private::Err(#elapsed) => #timed_out,
        }
    }
}
