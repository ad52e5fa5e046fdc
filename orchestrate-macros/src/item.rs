//! The item under `#[timeout]` and `#[retry]`: an `async fn` (free, method,
//! trait default or impl item), or the `fn` that `#[async_trait]` rewrote one
//! into; and the helpers both attributes use to rewrap its body.

use proc_macro2::{Delimiter, Group, Ident, Span, TokenStream};
use quote::quote;
use syn::parse::{ParseStream, Parser};
use syn::visit_mut::{self, VisitMut};
use syn::{
    Attribute, GenericArgument, PathArguments, ReturnType, Signature, Token, Type, TypeInfer,
    TypeParamBound, Visibility, braced, token,
};

pub(crate) struct FnItem {
    pub(crate) attrs: Vec<Attribute>,
    pub(crate) vis: Visibility,
    pub(crate) sig: Signature,
    pub(crate) body: Body,
}

/// The body, kept as tokens: it is moved, not rewritten.
pub(crate) struct Body {
    pub(crate) brace: token::Brace,
    pub(crate) inner_attrs: Vec<Attribute>,
    pub(crate) stmts: TokenStream,
}

/// How the body produces its future.
pub(crate) enum FutureForm {
    /// `async fn … -> R { body }`.
    AsyncFn,
    /// `fn … -> Pin<Box<dyn Future<Output = R> + …>> { Box::pin(async move { … }) }`,
    /// as `#[async_trait]` writes it.
    BoxedFuture,
}

impl FnItem {
    /// Parses the item under `#[attr]`; errors name the attribute.
    pub(crate) fn parse(attr: &'static str, tokens: TokenStream) -> syn::Result<Self> {
        (|input: ParseStream<'_>| Self::parse_as(attr, input)).parse2(tokens)
    }

    fn parse_as(attr: &'static str, input: ParseStream<'_>) -> syn::Result<Self> {
        let attrs = input.call(Attribute::parse_outer)?;
        let vis: Visibility = input.parse()?;
        if !starts_fn(input) {
            return Err(not_a_fn(attr, input));
        }
        let sig: Signature = input.parse()?;
        if input.peek(Token![;]) {
            return Err(syn::Error::new_spanned(
                &sig,
                format!(
                    "`#[{attr}]` wraps a fn's body, and this declaration has none; \
                     put `#[{attr}]` on the `async fn` that implements it"
                ),
            ));
        }
        let content;
        let brace = braced!(content in input);
        let inner_attrs = content.call(Attribute::parse_inner)?;
        let stmts: TokenStream = content.parse()?;
        Ok(FnItem {
            attrs,
            vis,
            sig,
            body: Body {
                brace,
                inner_attrs,
                stmts,
            },
        })
    }
}

impl FnItem {
    /// How the fn makes its future, or an error on its `fn` token if neither.
    pub(crate) fn future_form(&self, attr: &str) -> syn::Result<FutureForm> {
        if self.sig.asyncness.is_some() {
            Ok(FutureForm::AsyncFn)
        } else if boxed_future_output(&self.sig.output).is_some() {
            Ok(FutureForm::BoxedFuture)
        } else {
            Err(syn::Error::new_spanned(
                self.sig.fn_token,
                format!("`#[{attr}]` goes on an `async fn`; add `async` before `fn`"),
            ))
        }
    }

    /// The type the caller gets: the declared return type, or the `Output` of
    /// the boxed future. `None` when no return type is written.
    pub(crate) fn output(&self, form: &FutureForm) -> Option<&Type> {
        match form {
            FutureForm::AsyncFn => match &self.sig.output {
                ReturnType::Type(_, ty) => Some(ty),
                ReturnType::Default => None,
            },
            FutureForm::BoxedFuture => boxed_future_output(&self.sig.output),
        }
    }
}

fn starts_fn(input: ParseStream<'_>) -> bool {
    input.peek(Token![fn])
        || input.peek(Token![async])
        || input.peek(Token![const])
        || input.peek(Token![unsafe])
        || input.peek(Token![extern])
}

/// "`#[timeout]` goes on an `async fn`, not on a struct", on the item's keyword.
fn not_a_fn(attr: &str, input: ParseStream<'_>) -> syn::Error {
    let found = input
        .cursor()
        .token_tree()
        .map(|(token, _)| (token.to_string(), token.span()));
    let (keyword, span) = found.unwrap_or_else(|| (String::new(), input.span()));
    let what = match keyword.as_str() {
        "" => "nothing".to_string(),
        "struct" | "enum" | "union" | "trait" | "impl" | "mod" | "static" | "use" | "type"
        | "macro_rules" => format!("`{keyword}` item"),
        _ => format!("`{keyword}`"),
    };
    syn::Error::new(
        span,
        format!(
            "`#[{attr}]` goes on an `async fn`, not on a {what}; {}",
            match attr {
                "retry" => "to retry an expression, use `orchestrate::retry(policy, || future)`",
                "limit" =>
                    "to limit an expression, use `LIMITER.run(future)` on an `orchestrate::Limiter`",
                "rate_limit" =>
                    "to pace an expression, use `RATE.run(future)` on an `orchestrate::RateLimiter`",
                "circuit_breaker" =>
                    "to guard an expression, use `breaker.run(future)` on a `CircuitBreaker`",
                "hedge" => "to hedge an expression, use `orchestrate::hedge(after, || future)`",
                _ => "to time out an expression, use `orchestrate::timeout(duration, future)`",
            }
        ),
    )
}

/// `R` of `Pin<Box<dyn Future<Output = R> + …>>`.
fn boxed_future_output(output: &ReturnType) -> Option<&Type> {
    let ReturnType::Type(_, ty) = output else {
        return None;
    };
    let pinned = single_generic(ty, "Pin")?;
    let Type::TraitObject(object) = single_generic(pinned, "Box")? else {
        return None;
    };
    object.bounds.iter().find_map(|bound| {
        let TypeParamBound::Trait(bound) = bound else {
            return None;
        };
        let future = bound.path.segments.last().filter(|s| s.ident == "Future")?;
        let PathArguments::AngleBracketed(args) = &future.arguments else {
            return None;
        };
        args.args.iter().find_map(|arg| match arg {
            GenericArgument::AssocType(assoc) if assoc.ident == "Output" => Some(&assoc.ty),
            _ => None,
        })
    })
}

/// `T` of `…::Name<T>`.
fn single_generic<'a>(ty: &'a Type, name: &str) -> Option<&'a Type> {
    let Type::Path(path) = ty else { return None };
    let last = path.path.segments.last().filter(|s| s.ident == name)?;
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match args.args.first()? {
        GenericArgument::Type(inner) => Some(inner),
        _ => None,
    }
}

/// `{ body }` whose value is pinned to the return type early, so that `?`
/// and `return` in the body infer their types as in the original fn.
pub(crate) fn typed_block(output: &Type, stmts: &TokenStream, span: Span) -> Group {
    let ret = Ident::new("__orchestrate_ret", Span::mixed_site());
    let tokens = quote! {
        if let ::core::option::Option::Some(#ret) = ::core::option::Option::None::<#output> {
            #[allow(unreachable_code)]
            return #ret;
        }
        let #ret: #output = { #stmts };
        #[allow(unreachable_code)]
        #ret
    };
    let mut group = Group::new(Delimiter::Brace, tokens);
    group.set_span(span);
    group
}

/// Replaces `impl Trait` with `_`.
pub(crate) struct ImplTraitToInfer;

impl VisitMut for ImplTraitToInfer {
    fn visit_type_mut(&mut self, ty: &mut Type) {
        if let Type::ImplTrait(impl_trait) = ty {
            *ty = Type::Infer(TypeInfer {
                attrs: Vec::new(),
                underscore_token: syn::Token![_](impl_trait.impl_token.span),
            });
        } else {
            visit_mut::visit_type_mut(self, ty);
        }
    }
}
