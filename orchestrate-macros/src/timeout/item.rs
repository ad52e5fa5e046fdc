//! The item under `#[timeout]`: an `async fn` (free, method, trait default
//! or impl item), or the `fn` that `#[async_trait]` rewrote one into.

use proc_macro2::TokenStream;
use syn::parse::{Parse, ParseStream};
use syn::{
    Attribute, GenericArgument, PathArguments, ReturnType, Signature, Token, Type, TypeParamBound,
    Visibility, braced, token,
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
pub(crate) enum Shape {
    /// `async fn … -> R { body }`.
    AsyncFn,
    /// `fn … -> Pin<Box<dyn Future<Output = R> + …>> { Box::pin(async move { … }) }`,
    /// as `#[async_trait]` writes it.
    BoxedFuture,
}

impl Parse for FnItem {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let attrs = input.call(Attribute::parse_outer)?;
        let vis: Visibility = input.parse()?;
        if !starts_fn(input) {
            return Err(not_a_fn(input));
        }
        let sig: Signature = input.parse()?;
        if input.peek(Token![;]) {
            return Err(syn::Error::new_spanned(
                &sig,
                "`#[timeout]` wraps a fn's body, and this declaration has none; \
                 put `#[timeout]` on the `async fn` that implements it",
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
    /// The shape of the fn, or an error on its `fn` token if it is neither.
    pub(crate) fn shape(&self) -> syn::Result<Shape> {
        if self.sig.asyncness.is_some() {
            Ok(Shape::AsyncFn)
        } else if boxed_future_output(&self.sig.output).is_some() {
            Ok(Shape::BoxedFuture)
        } else {
            Err(syn::Error::new_spanned(
                self.sig.fn_token,
                "`#[timeout]` goes on an `async fn`; add `async` before `fn`",
            ))
        }
    }

    /// The type the caller gets: the declared return type, or the `Output` of
    /// the boxed future. `None` when no return type is written.
    pub(crate) fn output(&self, shape: &Shape) -> Option<&Type> {
        match shape {
            Shape::AsyncFn => match &self.sig.output {
                ReturnType::Type(_, ty) => Some(ty),
                ReturnType::Default => None,
            },
            Shape::BoxedFuture => boxed_future_output(&self.sig.output),
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
fn not_a_fn(input: ParseStream<'_>) -> syn::Error {
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
            "`#[timeout]` goes on an `async fn`, not on a {what}; to time out an expression, use `orchestrate::timeout(duration, future)`"
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
