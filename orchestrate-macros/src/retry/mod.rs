//! `#[retry(times = N, backoff = …)]`: parse the arguments and the item,
//! validate, expand. On any error the item is emitted unchanged next to the
//! error, so the rest of the crate still compiles against it.
//!
//! Composition with `#[timeout]` reads like decorators, outermost first:
//!
//! - `#[retry]` above `#[timeout]`: the limit is per attempt. The retry
//!   expansion runs first, finds the `#[timeout]` below, removes it and puts
//!   each attempt under it.
//! - `#[timeout]` above `#[retry]`: the limit is for the whole retried call.
//!   The timeout expansion runs first, finds the `#[retry]` below and hands
//!   its arguments over ([`take_overall_timeout`]); the retry expansion then
//!   puts the whole loop under it.

pub(crate) mod args;
mod expand;

use proc_macro2::{Delimiter, Group, TokenStream};
use quote::quote;
use syn::{Attribute, Meta};

use crate::errors::{self, Errors};
use crate::item::FnItem;
use crate::timeout::args as timeout_args;

pub(crate) fn attribute(args: TokenStream, item: TokenStream) -> TokenStream {
    let args = args::parse(args);
    let parsed = FnItem::parse("retry", item.clone());
    let expanded = match (args, parsed) {
        (Ok(args), Ok(mut parsed)) => {
            let mut errors = Errors::default();
            let per_attempt = take_attribute(&mut parsed.attrs, "timeout").and_then(|attr| {
                timeout_args::parse(attribute_args(&attr))
                    .map_err(|error| errors.push(error))
                    .ok()
            });
            let overall = args.overall_timeout.clone().and_then(|tokens| {
                timeout_args::parse(tokens)
                    .map_err(|error| errors.push(error))
                    .ok()
            });
            errors.finish().and_then(|()| {
                expand::expand(&args, &parsed, per_attempt.as_ref(), overall.as_ref())
            })
        }
        (args, parsed) => Err(errors::both(args, parsed)),
    };
    errors::or_item(expanded, item)
}

/// Whether `attr` is `#[name]` or `#[path::to::name(…)]`.
fn is_attribute(attr: &Attribute, name: &str) -> bool {
    attr.path().segments.last().is_some_and(|s| s.ident == name)
}

/// Removes the first `#[name(…)]` attribute from `attrs` and returns it.
fn take_attribute(attrs: &mut Vec<Attribute>, name: &str) -> Option<Attribute> {
    let index = attrs.iter().position(|attr| is_attribute(attr, name))?;
    Some(attrs.remove(index))
}

/// The tokens inside `#[name(…)]`; none for `#[name]`.
fn attribute_args(attr: &Attribute) -> TokenStream {
    match &attr.meta {
        Meta::List(list) => list.tokens.clone(),
        _ => TokenStream::new(),
    }
}

/// Called by `#[timeout]`: if a `#[retry]` is below it, returns the item with
/// the timeout's arguments handed to that `#[retry]` (a limit on the whole
/// retried call), for the retry expansion to apply.
pub(crate) fn take_overall_timeout(
    item: &FnItem,
    timeout_args: &TokenStream,
) -> Option<TokenStream> {
    let index = item
        .attrs
        .iter()
        .position(|attr| is_attribute(attr, "retry"))?;
    let mut attrs = item.attrs.clone();
    let retry = &mut attrs[index];
    let mut tokens = attribute_args(retry);
    if !tokens.is_empty() && !tokens.to_string().trim_end().ends_with(',') {
        tokens.extend(quote!(,));
    }
    let hidden = proc_macro2::Ident::new(args::OVERALL_TIMEOUT, proc_macro2::Span::call_site());
    let handed = Group::new(Delimiter::Parenthesis, timeout_args.clone());
    tokens.extend(quote!(#hidden #handed));
    let path = retry.path().clone();
    retry.meta = syn::parse_quote!(#path(#tokens));
    let FnItem { vis, sig, body, .. } = item;
    let inner_attrs = &body.inner_attrs;
    let stmts = &body.stmts;
    let mut block = Group::new(Delimiter::Brace, quote!(#(#inner_attrs)* #stmts));
    block.set_span(body.brace.span.join());
    Some(quote! {
        #(#attrs)*
        #vis #sig #block
    })
}
