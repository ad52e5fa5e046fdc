//! `#[timeout(ms = N)]`'s arguments: parsed and validated into [`TimeoutArgs`],
//! every mistake reported on its own token with the fix in its words.

use crate::errors::Errors;
use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote};
use syn::parse::{Parse, ParseStream};
use syn::spanned::Spanned;
use syn::{Expr, ExprLit, ExprPath, ExprUnary, Ident, Lit, LitStr, Path, Token, UnOp};

/// The limit, as written.
pub(crate) enum Limit {
    /// A literal, validated: greater than zero, fits in a `u64`.
    Literal { unit: Unit, value: u64 },
    /// A constant (`ms = TIMEOUT_MS`), checked by the compiler as a `u64`.
    Constant { unit: Unit, path: ExprPath },
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unit {
    Millis,
    Secs,
}

impl Unit {
    fn key(self) -> &'static str {
        match self {
            Unit::Millis => "ms",
            Unit::Secs => "secs",
        }
    }

    fn constructor(self) -> Ident {
        let name = match self {
            Unit::Millis => "from_millis",
            Unit::Secs => "from_secs",
        };
        Ident::new(name, Span::call_site())
    }
}

impl Limit {
    /// An expression of type `Duration`, through the facade at `krate`.
    pub(crate) fn duration(&self, krate: &TokenStream) -> TokenStream {
        let (unit, value) = match self {
            Limit::Literal { unit, value } => (unit, quote!(#value)),
            Limit::Constant { unit, path } => (unit, path.to_token_stream()),
        };
        let constructor = unit.constructor();
        quote!(#krate::__private::Duration::#constructor(#value))
    }
}

/// The validated arguments.
pub(crate) struct TimeoutArgs {
    pub(crate) limit: Limit,
    /// The path of the `orchestrate` facade (`crate = "…"`), `::orchestrate` by default.
    pub(crate) krate: TokenStream,
}

/// One `key = value` (or a stray value) as written, before validation.
enum Arg {
    Pair { key: Ident, value: Expr },
    Crate { key: Token![crate], value: Expr },
    Bare(Expr),
}

impl Parse for Arg {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        if input.peek(Token![crate]) {
            let key: Token![crate] = input.parse()?;
            input.parse::<Token![=]>()?;
            return Ok(Arg::Crate {
                key,
                value: input.parse()?,
            });
        }
        if input.peek(Ident) && input.peek2(Token![=]) {
            let key: Ident = input.parse()?;
            input.parse::<Token![=]>()?;
            return Ok(Arg::Pair {
                key,
                value: input.parse()?,
            });
        }
        Ok(Arg::Bare(input.parse()?))
    }
}

const EXPECTED: &str = "expected one of `ms`, `secs`, `crate`";
const USAGE: &str = "write `#[timeout(ms = 2000)]` or `#[timeout(secs = 2)]`";

/// Parses and validates the arguments; every error found is reported, not
/// only the first.
pub(crate) fn parse(args: TokenStream) -> syn::Result<TimeoutArgs> {
    let parsed = syn::parse::Parser::parse2(
        syn::punctuated::Punctuated::<Arg, Token![,]>::parse_terminated,
        args,
    )?;
    let mut errors = Errors::default();
    let mut limit: Option<(Ident, Limit)> = None;
    let mut krate: Option<TokenStream> = None;
    for arg in parsed {
        match arg {
            Arg::Bare(value) => errors.push(bare_value(&value)),
            Arg::Crate { key, value } => {
                if krate.is_some() {
                    errors.push(syn::Error::new_spanned(
                        key,
                        "`crate` is given twice; keep one",
                    ));
                }
                match crate_path(&value) {
                    Ok(path) => krate = Some(path.into_token_stream()),
                    Err(error) => errors.push(error),
                }
            }
            Arg::Pair { key, value } => {
                let unit = match key.to_string().as_str() {
                    "ms" => Unit::Millis,
                    "secs" => Unit::Secs,
                    other => {
                        errors.push(unknown_key(&key, other));
                        continue;
                    }
                };
                if let Some((first, _)) = &limit {
                    let message = if *first == key {
                        format!("`{key}` is given twice; keep one")
                    } else {
                        format!("`{first}` and `{key}` both set the limit; keep one")
                    };
                    errors.push(syn::Error::new_spanned(&key, message));
                    continue;
                }
                match limit_value(unit, &value) {
                    Ok(value) => limit = Some((key, value)),
                    Err(error) => errors.push(error),
                }
            }
        }
    }
    errors.finish()?;
    let Some((_, limit)) = limit else {
        return Err(syn::Error::new(
            Span::call_site(),
            format!("`#[timeout]` needs a limit: {USAGE}"),
        ));
    };
    Ok(TimeoutArgs {
        limit,
        krate: krate.unwrap_or_else(|| quote!(::orchestrate)),
    })
}

fn bare_value(value: &Expr) -> syn::Error {
    let message = match value {
        Expr::Lit(ExprLit {
            lit: Lit::Int(int), ..
        }) => format!(
            "a bare number does not say its unit: write `ms = {0}` for {0} milliseconds or `secs = {0}` for seconds",
            int.base10_digits()
        ),
        Expr::Path(path) if path.path.get_ident().is_some() => {
            let name = path
                .path
                .get_ident()
                .map(ToString::to_string)
                .unwrap_or_default();
            if ["ms", "secs"].contains(&name.as_str()) {
                format!("`{name}` needs a value: `{name} = …`")
            } else {
                format!("unknown option `{name}`: {EXPECTED}, as in {USAGE}")
            }
        }
        _ => format!("expected `key = value`: {USAGE}"),
    };
    syn::Error::new_spanned(value, message)
}

fn unknown_key(key: &Ident, name: &str) -> syn::Error {
    let hint = match name {
        "millis" | "milliseconds" | "millisecond" | "msec" | "msecs" => "; did you mean `ms`?",
        "s" | "sec" | "second" | "seconds" => "; did you mean `secs`?",
        "duration" | "timeout" | "limit" => ", the unit is the key: `ms = 2000` or `secs = 2`",
        _ => "",
    };
    syn::Error::new_spanned(key, format!("unknown option `{name}`: {EXPECTED}{hint}"))
}

fn limit_value(unit: Unit, value: &Expr) -> syn::Result<Limit> {
    let key = unit.key();
    let unit_words = match unit {
        Unit::Millis => "milliseconds",
        Unit::Secs => "seconds",
    };
    match value {
        Expr::Lit(ExprLit {
            lit: Lit::Int(int), ..
        }) => {
            let Ok(number) = int.base10_parse::<u64>() else {
                return Err(syn::Error::new_spanned(
                    int,
                    format!(
                        "`{key} = {}` is too large: the limit must fit in a u64 ({} at most)",
                        int.base10_digits(),
                        u64::MAX
                    ),
                ));
            };
            if number == 0 {
                return Err(syn::Error::new_spanned(
                    int,
                    format!(
                        "a limit of 0 {unit_words} fails every call that is not ready at once; use a positive number, like `{key} = 1`"
                    ),
                ));
            }
            Ok(Limit::Literal {
                unit,
                value: number,
            })
        }
        Expr::Unary(ExprUnary {
            op: UnOp::Neg(_), ..
        }) => Err(syn::Error::new_spanned(
            value,
            format!(
                "a limit cannot be negative; `{key}` takes a positive whole number of {unit_words}"
            ),
        )),
        Expr::Lit(ExprLit {
            lit: Lit::Float(float),
            ..
        }) => {
            let hint = match unit {
                Unit::Secs => float
                    .base10_parse::<f64>()
                    .map(|secs| {
                        format!(
                            "; for fractions of a second use milliseconds: `ms = {}`",
                            (secs * 1000.0).round()
                        )
                    })
                    .unwrap_or_default(),
                Unit::Millis => String::new(),
            };
            Err(syn::Error::new_spanned(
                float,
                format!("`{key}` takes a whole number of {unit_words}{hint}"),
            ))
        }
        Expr::Lit(ExprLit {
            lit: Lit::Str(text),
            ..
        }) => {
            let inner = text.value();
            let hint = if inner.trim().parse::<u64>().is_ok() {
                format!("drop the quotes: `{key} = {}`", inner.trim())
            } else {
                format!("like `{key} = 2000`")
            };
            Err(syn::Error::new_spanned(
                text,
                format!("`{key}` takes a number of {unit_words}, not a string; {hint}"),
            ))
        }
        Expr::Path(path) if path.qself.is_none() => Ok(Limit::Constant {
            unit,
            path: path.clone(),
        }),
        _ => Err(syn::Error::new(
            value.span(),
            format!(
                "`{key}` takes a whole number of {unit_words} (or the name of a `u64` constant), like `{key} = 2000`"
            ),
        )),
    }
}

fn crate_path(value: &Expr) -> syn::Result<Path> {
    let usage = "`crate` takes the path of the orchestrate crate as renamed in Cargo.toml, like `crate = \"orch\"`";
    match value {
        Expr::Lit(ExprLit {
            lit: Lit::Str(text),
            ..
        }) => parse_path(text).map_err(|_| syn::Error::new_spanned(text, usage)),
        Expr::Path(path) if path.qself.is_none() => Ok(path.path.clone()),
        _ => Err(syn::Error::new_spanned(value, usage)),
    }
}

fn parse_path(text: &LitStr) -> syn::Result<Path> {
    let mut path: Path = text.parse()?;
    for segment in &mut path.segments {
        segment.ident.set_span(text.span());
    }
    Ok(path)
}
