//! How `#[timeout]`, `#[retry]`, `#[circuit_breaker]`, `#[hedge]` (and the
//! attributes to come) stack.
//!
//! Rust expands attribute macros outermost first, and each one sees the
//! attributes written below it as plain, unexpanded attributes on its item.
//! So the protocol is: **the outermost of our attributes expands the whole
//! stack.** It takes every attribute of ours off the item (recognised by its
//! path, see [`ours`]), parses each into a [`Layer`], and folds them from the
//! body outwards, each layer wrapping the code of the ones below it. That is
//! the decorators' reading: `#[timeout]` above `#[retry]` limits the whole
//! retried call, `#[retry]` above `#[timeout]` limits each attempt.
//!
//! A new attribute is a new [`Layer`] variant: its arguments (a `Spec` on
//! `args.rs`), what it requires of the item, and how it wraps the [`Code`]
//! of the layers below it.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::visit_mut::VisitMut;
use syn::{Attribute, Meta, Path, Type};

use crate::circuit_breaker::{self, BreakerArgs};
use crate::errors::{self, Errors};
use crate::hedge::{self, HedgeArgs};
use crate::item::{FnItem, FutureForm, ImplTraitToInfer, typed_block};
use crate::limit::{self, LimitArgs};
use crate::rate_limit::{self, RateLimitArgs};
use crate::retry::{self, RetryArgs};
use crate::timeout::{self, TimeoutArgs};

/// One of our attributes, parsed.
#[allow(clippy::large_enum_variant)] // a few per macro call
pub(crate) enum Layer {
    Timeout(TimeoutArgs),
    Retry(RetryArgs),
    Limit(LimitArgs),
    RateLimit(RateLimitArgs),
    CircuitBreaker(BreakerArgs),
    Hedge(HedgeArgs),
}

/// Parses an attribute's arguments.
type ParseLayer = fn(TokenStream) -> syn::Result<Layer>;

/// The names of our attributes, with their argument parsers.
const ATTRIBUTES: &[(&str, ParseLayer)] = &[
    ("timeout", |tokens| {
        timeout::args::parse(tokens).map(Layer::Timeout)
    }),
    ("retry", |tokens| {
        retry::args::parse(tokens).map(Layer::Retry)
    }),
    ("limit", |tokens| {
        limit::args::parse(tokens).map(Layer::Limit)
    }),
    ("rate_limit", |tokens| {
        rate_limit::args::parse(tokens).map(Layer::RateLimit)
    }),
    ("circuit_breaker", |tokens| {
        circuit_breaker::args::parse(tokens).map(Layer::CircuitBreaker)
    }),
    ("hedge", |tokens| {
        hedge::args::parse(tokens).map(Layer::Hedge)
    }),
];

impl Layer {
    fn name(&self) -> &'static str {
        match self {
            Layer::Timeout(_) => "timeout",
            Layer::Retry(_) => "retry",
            Layer::Limit(_) => "limit",
            Layer::RateLimit(_) => "rate_limit",
            Layer::CircuitBreaker(_) => "circuit_breaker",
            Layer::Hedge(_) => "hedge",
        }
    }

    /// Whether it runs the code below it more than once (so that code must
    /// borrow the arguments, not move them in).
    fn reruns(&self) -> bool {
        matches!(self, Layer::Retry(_) | Layer::Hedge(_))
    }

    fn krate(&self) -> &TokenStream {
        match self {
            Layer::Timeout(args) => &args.krate,
            Layer::Retry(args) => &args.krate,
            Layer::CircuitBreaker(args) => &args.krate,
            Layer::Hedge(args) => &args.krate,
            Layer::Limit(args) => &args.krate,
            Layer::RateLimit(args) => &args.krate,
        }
    }

    fn krate_path(&self) -> Option<&Path> {
        match self {
            Layer::Timeout(args) => args.krate_path.as_ref(),
            Layer::Retry(args) => args.krate_path.as_ref(),
            Layer::CircuitBreaker(args) => args.krate_path.as_ref(),
            Layer::Hedge(args) => args.krate_path.as_ref(),
            Layer::Limit(args) => args.krate_path.as_ref(),
            Layer::RateLimit(args) => args.krate_path.as_ref(),
        }
    }

    /// Whether the fn must return a `Result` for this layer to report its
    /// failures (a limit or rate limit that waits has none).
    fn needs_result(&self) -> bool {
        match self {
            Layer::Limit(args) => args.max_waiting.is_some(),
            Layer::RateLimit(_) => false,
            _ => true,
        }
    }
}

/// The code a layer wraps: the body, or the layers below it wrapped around
/// the body.
pub(crate) enum Code {
    /// An expression of type `impl Future<Output = R>`.
    Future(TokenStream),
    /// An expression of type `R`, in an async context (it may `.await`).
    Value(TokenStream),
}

impl Code {
    /// As a future; `moving` makes a wrapping `async` block `move`.
    pub(crate) fn future(self, moving: bool) -> TokenStream {
        match self {
            Code::Future(future) => future,
            Code::Value(value) if moving => quote!(async move { #value }),
            Code::Value(value) => quote!(async { #value }),
        }
    }

    /// As a value.
    pub(crate) fn value(self) -> TokenStream {
        match self {
            Code::Future(future) => quote!(#future.await),
            Code::Value(value) => value,
        }
    }
}

/// `tokens` resolved as written, but located at `span`.
pub(crate) fn located_at(tokens: &TokenStream, span: Span) -> TokenStream {
    tokens
        .clone()
        .into_iter()
        .map(|mut token| {
            token.set_span(token.span().located_at(span));
            token
        })
        .collect()
}

/// What every layer needs to know of the fn.
pub(crate) struct Context<'a> {
    /// The type the caller gets, as written (errors about it point here).
    pub(crate) output: &'a Type,
    /// The same with `impl Trait` replaced by `_`, to name it in the body.
    pub(crate) output_type: Type,
    /// Whether wrapping `async` blocks may move the arguments in: not when a
    /// layer above re-runs them (a retry, a hedge).
    pub(crate) moving: bool,
}

/// The expansion of `#[name(args)]` on `item`, with every attribute of ours
/// below it. On error: the item unchanged, next to every error found.
pub(crate) fn attribute(name: &'static str, args: TokenStream, item: TokenStream) -> TokenStream {
    let parse = ATTRIBUTES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, parse)| *parse);
    let first = parse.map_or_else(
        || Err(syn::Error::new(Span::call_site(), "unknown attribute")),
        |parse| parse(args),
    );
    let parsed = FnItem::parse(name, item.clone());
    let mut fallback = item;
    let expanded = match (first, parsed) {
        (Ok(first), Ok(mut parsed)) => {
            let mut errors = Errors::default();
            let mut layers = vec![first];
            let taken = take_ours(&mut parsed.attrs, layers[0].krate_path());
            let uses = uses(&taken);
            if !taken.is_empty() {
                // On error, the item without the attributes reported here,
                // so that none of them reports its errors a second time.
                fallback = without_ours(&parsed, &uses);
            }
            for (parse, attr) in taken {
                match parse(arguments(&attr)) {
                    Ok(layer) => layers.push(layer),
                    Err(error) => errors.push(error),
                }
            }
            errors
                .finish()
                .and_then(|()| expand(&layers, &parsed, &uses))
        }
        (first, parsed) => Err(errors::both(first, parsed)),
    };
    errors::or_item(expanded, fallback)
}

/// `use path as _;` for each attribute taken off the item: it is expanded
/// here, not invoked, and the import that brought its name in is still used.
fn uses(taken: &[(ParseLayer, Attribute)]) -> TokenStream {
    let paths = taken.iter().map(|(_, attr)| attr.path());
    quote!(#(#[allow(unused_imports)] use #paths as _;)*)
}

/// The item as written, but for the attributes of ours taken off it.
fn without_ours(item: &FnItem, uses: &TokenStream) -> TokenStream {
    let FnItem {
        attrs,
        vis,
        sig,
        body,
    } = item;
    let inner_attrs = &body.inner_attrs;
    let stmts = &body.stmts;
    let mut block = proc_macro2::Group::new(
        proc_macro2::Delimiter::Brace,
        quote!(#(#inner_attrs)* #uses #stmts),
    );
    block.set_span(body.brace.span.join());
    quote!(#(#attrs)* #vis #sig #block)
}

/// Whether `path` names our attribute `name`: `name` itself (as imported),
/// `orchestrate::name`, `orchestrate::prelude::name`, or the same under the
/// `crate = "…"` path. Another crate's `x::retry` is not ours.
fn ours(path: &Path, name: &str, krate: Option<&Path>) -> bool {
    let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
    let Some((last, prefix)) = segments.split_last() else {
        return false;
    };
    if last != name || path.segments.iter().any(|s| !s.arguments.is_empty()) {
        return false;
    }
    let prefix = prefix
        .strip_suffix(&["prelude".to_string()])
        .unwrap_or(prefix);
    let renamed: Option<Vec<String>> =
        krate.map(|krate| krate.segments.iter().map(|s| s.ident.to_string()).collect());
    (prefix.is_empty() && path.leading_colon.is_none())
        || prefix == ["orchestrate"]
        || renamed.is_some_and(|renamed| prefix == renamed.as_slice())
}

/// Removes our attributes from `attrs`, in order, with their parsers.
fn take_ours(attrs: &mut Vec<Attribute>, krate: Option<&Path>) -> Vec<(ParseLayer, Attribute)> {
    let mut taken = Vec::new();
    attrs.retain(|attr| {
        let found = ATTRIBUTES
            .iter()
            .find(|(name, _)| ours(attr.path(), name, krate));
        match found {
            Some((_, parse)) => {
                taken.push((*parse, attr.clone()));
                false
            }
            None => true,
        }
    });
    taken
}

/// The tokens inside `#[name(…)]`; none for `#[name]`.
fn arguments(attr: &Attribute) -> TokenStream {
    match &attr.meta {
        Meta::List(list) => list.tokens.clone(),
        _ => TokenStream::new(),
    }
}

/// The fn with its body under `layers`, the outermost first.
fn expand(layers: &[Layer], item: &FnItem, uses: &TokenStream) -> syn::Result<TokenStream> {
    let outer = layers[0].name();
    let form = item.future_form(outer)?;
    if let FutureForm::BoxedFuture = form
        && let Some(layer) = layers.iter().find(|layer| layer.reruns())
    {
        let name = layer.name();
        let (inside, function) = match layer {
            Layer::Hedge(_) => ("hedge", "hedge(after, || …)"),
            _ => ("retry", "retry(policy, || …)"),
        };
        return Err(syn::Error::new_spanned(
            item.sig.fn_token,
            format!(
                "`#[{name}]` re-runs the body of an `async fn`, and `#[async_trait]` has already turned this one into a boxed future that runs once; \
                 {inside} inside the body with `orchestrate::{function}`, or call an inherent `#[{name}] async fn` from it"
            ),
        ));
    }
    if layers.iter().any(|layer| matches!(layer, Layer::Hedge(_))) {
        hedge::check(&item.sig)?;
    }
    let unit: Type = syn::parse_quote!(());
    let output = match item.output(&form) {
        Some(output) => output,
        None if !layers.iter().any(Layer::needs_result) => &unit,
        None => return Err(no_result(layers, item)),
    };
    let mut output_type = output.clone();
    ImplTraitToInfer.visit_type_mut(&mut output_type);
    let retried = layers.iter().any(Layer::reruns);
    let hedged = layers.iter().any(|layer| matches!(layer, Layer::Hedge(_)));
    let FnItem {
        attrs,
        vis,
        sig,
        body,
    } = item;
    let stmts = &body.stmts;
    let mut code = match form {
        FutureForm::AsyncFn => {
            let block = typed_block(&output_type, stmts, body.brace.span.join());
            Code::Future(if hedged {
                // On the body's brace, so that rustc names an argument the
                // body moves out of a hedged attempt ("cannot move out of
                // `body`"), not "value".
                let asyncness = quote_spanned!(body.brace.span.join()=> async);
                quote!(#asyncness #block)
            } else if retried {
                quote!(async #block)
            } else {
                quote!(async move #block)
            })
        }
        FutureForm::BoxedFuture => Code::Future(quote!({ #stmts })),
    };
    for (index, layer) in layers.iter().enumerate().rev() {
        let above = &layers[..index];
        let cx = Context {
            output,
            output_type: output_type.clone(),
            moving: !above.iter().any(Layer::reruns),
        };
        code = match layer {
            Layer::Timeout(args) => timeout::wrap(args, &cx, code),
            Layer::Retry(args) => retry::wrap(args, &cx, code),
            Layer::Limit(args) => limit::wrap(args, &cx, code),
            Layer::RateLimit(args) => rate_limit::wrap(args, &cx, code),
            Layer::CircuitBreaker(args) => circuit_breaker::wrap(args, &cx, code),
            Layer::Hedge(args) => hedge::wrap(args, &cx, code),
        };
    }
    let inner_attrs = &body.inner_attrs;
    let krate = layers[0].krate();
    let new_body = match form {
        FutureForm::AsyncFn => code.value(),
        FutureForm::BoxedFuture => {
            let value = code.value();
            quote!(#krate::__private::Box::pin(async move { #value }))
        }
    };
    Ok(quote! {
        #(#attrs)*
        #vis #sig {
            #(#inner_attrs)*
            #uses
            #new_body
        }
    })
}

/// The fn has no return type, and a layer needs a `Result`: reported on the
/// parentheses, by the outermost such layer.
fn no_result(layers: &[Layer], item: &FnItem) -> syn::Error {
    let why = match layers
        .iter()
        .find(|layer| layer.needs_result())
        .map(Layer::name)
    {
        Some("retry") => {
            "`#[retry]` needs the fn to return `Result<T, E>`, so that it knows which calls failed"
        }
        Some("circuit_breaker") => {
            "`#[circuit_breaker]` needs the fn to return `Result<T, E>` with `E: From<orchestrate::CircuitOpen>`, so that it counts the failures and a refused call can return `Err`"
        }
        Some("hedge") => {
            "`#[hedge]` needs the fn to return `Result<T, E>`, so that the first `Ok` of its attempts can win"
        }
        Some("limit") => {
            "`#[limit(max_waiting = …)]` needs the fn to return `Result<T, E>` with `E: From<orchestrate::Rejected>`, so that a rejected call can return `Err`"
        }
        _ => {
            "`#[timeout]` needs the fn to return `Result<T, E>` with `E: From<orchestrate::Elapsed>`, so that a timed-out call can return `Err`"
        }
    };
    syn::Error::new(
        item.sig.paren_token.span.close(),
        format!("{why}; add `-> Result<…, …>` here"),
    )
}
