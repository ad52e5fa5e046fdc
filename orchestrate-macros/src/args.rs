//! The argument layer of every attribute macro: `#[name(key = value, …)]`
//! parsed into [`Arg`]s, checked against the attribute's table of [`Key`]s
//! (unknown keys, duplicates, bare values, `crate = "…"`), and the value
//! parsers the keys share (whole numbers, durations, numbers, paths).
//!
//! An attribute is a [`Spec`] (its table of keys, written once) plus a match
//! over the checked pairs that calls these parsers: parse → validate →
//! expand, one file per concern. Every mistake is reported on its own token
//! with the fix in its words, and all of them together.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote};
use syn::parse::{Parse, ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Expr, ExprLit, ExprPath, ExprUnary, Ident, Lit, LitStr, Path, Token, UnOp};

use crate::errors::Errors;

/// An attribute's arguments, described once: the "expected one of …" list,
/// the duplicate checks and the hints are all generated from it.
pub(crate) struct Spec {
    /// Every key but `crate`, which every attribute takes.
    pub(crate) keys: &'static [Key],
    /// A complete example, as in "write `#[timeout(ms = 2000)]`".
    pub(crate) usage: &'static str,
    /// Likely mistakes: `(names, hint)`, the hint appended to "unknown option".
    pub(crate) hints: &'static [(&'static [&'static str], &'static str)],
    /// The message for a bare number, like `#[timeout(10)]`, given its digits.
    pub(crate) bare_number: fn(&str) -> String,
}

/// One key of a [`Spec`].
pub(crate) struct Key {
    pub(crate) name: &'static str,
    /// What the key sets, when other keys set it too (`ms` and `secs` both
    /// set "the limit"): giving two of them is an error. Empty: its own.
    pub(crate) sets: &'static str,
}

impl Key {
    pub(crate) const fn own(name: &'static str) -> Self {
        Key { name, sets: "" }
    }

    pub(crate) const fn shared(name: &'static str, sets: &'static str) -> Self {
        Key { name, sets }
    }
}

impl Spec {
    /// "expected one of `ms`, `secs`, `crate`".
    pub(crate) fn expected(&self) -> String {
        let names: Vec<String> = self
            .keys
            .iter()
            .map(|key| format!("`{}`", key.name))
            .chain(std::iter::once("`crate`".to_string()))
            .collect();
        format!("expected one of {}", names.join(", "))
    }

    fn key(&self, name: &str) -> Option<&'static Key> {
        self.keys.iter().find(|key| key.name == name)
    }

    fn unknown(&self, key: &Ident) -> syn::Error {
        let name = key.to_string();
        let hint = self
            .hints
            .iter()
            .find(|(names, _)| names.contains(&name.as_str()))
            .map_or("", |(_, hint)| hint);
        syn::Error::new_spanned(
            key,
            format!("unknown option `{name}`: {}{hint}", self.expected()),
        )
    }

    fn bare(&self, value: &Expr) -> syn::Error {
        let message = match value {
            Expr::Lit(ExprLit {
                lit: Lit::Int(int), ..
            }) => (self.bare_number)(int.base10_digits()),
            Expr::Path(path) if path.path.get_ident().is_some() => {
                let name = path.path.segments[0].ident.to_string();
                if self.key(&name).is_some() {
                    format!("`{name}` needs a value: `{name} = …`")
                } else {
                    format!(
                        "unknown option `{name}`: {}, as in {}",
                        self.expected(),
                        self.usage
                    )
                }
            }
            _ => format!("expected `key = value`: {}", self.usage),
        };
        syn::Error::new_spanned(value, message)
    }
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
        if input.peek(Ident) && input.peek2(Token![=]) && !input.peek2(Token![==]) {
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

/// A known key and its value, each key at most once.
pub(crate) struct Pair {
    pub(crate) key: Ident,
    /// The key's name, from the [`Spec`].
    pub(crate) name: &'static str,
    pub(crate) value: Expr,
}

/// Parses `tokens` under `spec`, calling `each` on every known key in the
/// order written (each key at most once), and returns the `crate = "…"`
/// path if given. A malformed list is an `Err`; unknown keys, duplicates,
/// stray values and the errors of `each` go to `errors`, in source order.
pub(crate) fn parse(
    spec: &Spec,
    tokens: TokenStream,
    errors: &mut Errors,
    mut each: impl FnMut(&Pair) -> syn::Result<()>,
) -> syn::Result<Option<Path>> {
    let parsed = Punctuated::<Arg, Token![,]>::parse_terminated.parse2(tokens)?;
    let mut krate = None;
    let mut seen: Vec<(Ident, &'static Key)> = Vec::new();
    for arg in parsed {
        match arg {
            Arg::Bare(value) => errors.push(spec.bare(&value)),
            Arg::Crate { key, value } => {
                if krate.is_some() {
                    errors.push(syn::Error::new_spanned(
                        key,
                        "`crate` is given twice; keep one",
                    ));
                }
                match crate_path(&value) {
                    Ok(path) => krate = Some(path),
                    Err(error) => errors.push(error),
                }
            }
            Arg::Pair { key, value } => {
                let Some(known) = spec.key(&key.to_string()) else {
                    errors.push(spec.unknown(&key));
                    continue;
                };
                let first = seen.iter().find(|(_, k)| {
                    k.name == known.name || (!known.sets.is_empty() && k.sets == known.sets)
                });
                if let Some((first, k)) = first {
                    let message = if k.name == known.name {
                        format!("`{key}` is given twice; keep one")
                    } else {
                        format!("`{first}` and `{key}` both set {}; keep one", known.sets)
                    };
                    errors.push(syn::Error::new_spanned(&key, message));
                    continue;
                }
                seen.push((key.clone(), known));
                let pair = Pair {
                    key,
                    name: known.name,
                    value,
                };
                if let Err(error) = each(&pair) {
                    errors.push(error);
                }
            }
        }
    }
    Ok(krate)
}

/// The path of the `orchestrate` facade: `crate = "…"`'s, `::orchestrate`
/// by default.
pub(crate) fn krate_tokens(krate: Option<&Path>) -> TokenStream {
    krate.map_or_else(|| quote!(::orchestrate), ToTokens::to_token_stream)
}

/// `crate = "orch"` (or `crate = orch`): the path of a renamed dependency.
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

/// A path in a string literal, spanned on the literal.
fn parse_path(text: &LitStr) -> syn::Result<Path> {
    let mut path: Path = text.parse()?;
    for segment in &mut path.segments {
        segment.ident.set_span(text.span());
    }
    Ok(path)
}

/// A whole number as written: a literal (validated) or a constant's path
/// (checked by the compiler).
#[derive(Clone)]
pub(crate) enum Whole {
    Literal(u64),
    Constant(ExprPath),
}

impl Whole {
    pub(crate) fn literal(&self) -> Option<u64> {
        match self {
            Whole::Literal(value) => Some(*value),
            Whole::Constant(_) => None,
        }
    }
}

impl ToTokens for Whole {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        match self {
            // Unsuffixed: the same literal serves a `u32` and a `u64`.
            Whole::Literal(value) => proc_macro2::Literal::u64_unsuffixed(*value).to_tokens(tokens),
            Whole::Constant(path) => path.to_tokens(tokens),
        }
    }
}

/// How a whole-number key reads in messages.
pub(crate) struct Count<'a> {
    /// What it counts, plural: "milliseconds", "runs".
    pub(crate) noun: &'a str,
    /// `u64` or `u32`: its type, and its largest value.
    pub(crate) ty: &'static str,
    pub(crate) max: u64,
    /// A typical value, for "like `key = …`".
    pub(crate) example: &'a str,
    /// The message when the value is 0.
    pub(crate) zero: &'a str,
    /// The message when it is negative; empty for the default one.
    pub(crate) negative: &'a str,
    /// Said after "too large"; may be empty.
    pub(crate) too_large: &'a str,
    /// Said after "takes a whole number of …" for a fraction; empty for
    /// "like `key = example`".
    pub(crate) fraction: String,
}

/// A positive whole number, or the name of a constant.
pub(crate) fn positive(key: &Ident, value: &Expr, count: &Count<'_>) -> syn::Result<Whole> {
    let Count { noun, ty, .. } = count;
    let like = format!("like `{key} = {}`", count.example);
    match value {
        Expr::Lit(ExprLit {
            lit: Lit::Int(int), ..
        }) => match int.base10_parse::<u64>() {
            Ok(0) => Err(syn::Error::new_spanned(int, count.zero)),
            Ok(number) if number <= count.max => Ok(Whole::Literal(number)),
            _ => Err(syn::Error::new_spanned(
                int,
                format!(
                    "`{key} = {}` is too large: it must fit in a {ty} ({} at most){}",
                    int.base10_digits(),
                    count.max,
                    count.too_large
                ),
            )),
        },
        Expr::Unary(ExprUnary {
            op: UnOp::Neg(_), ..
        }) => Err(syn::Error::new_spanned(
            value,
            if count.negative.is_empty() {
                format!("`{key}` cannot be negative; it takes a positive whole number of {noun}")
            } else {
                count.negative.to_string()
            },
        )),
        Expr::Lit(ExprLit {
            lit: Lit::Float(float),
            ..
        }) => Err(syn::Error::new_spanned(
            float,
            format!(
                "`{key}` takes a whole number of {noun}{}",
                if count.fraction.is_empty() {
                    format!(", {like}")
                } else {
                    count.fraction.clone()
                }
            ),
        )),
        Expr::Lit(ExprLit {
            lit: Lit::Str(text),
            ..
        }) => {
            let inner = text.value();
            let hint = match inner.trim().parse::<u64>() {
                Ok(number) if number <= count.max => {
                    format!("drop the quotes: `{key} = {}`", inner.trim())
                }
                _ => like,
            };
            Err(syn::Error::new_spanned(
                text,
                format!("`{key}` takes a number of {noun}, not a string; {hint}"),
            ))
        }
        Expr::Path(path) if path.qself.is_none() => Ok(Whole::Constant(path.clone())),
        _ => Err(syn::Error::new(
            value.span(),
            format!(
                "`{key}` takes a whole number of {noun} (or the name of a `{ty}` constant), {like}"
            ),
        )),
    }
}

/// The unit of a duration key: the key's last word (`ms`, `max_ms`,
/// `total_secs`, …).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unit {
    Millis,
    Secs,
}

impl Unit {
    /// The unit of `key`, if it names one.
    pub(crate) fn of(key: &str) -> Option<Unit> {
        if key == "ms" || key.ends_with("_ms") {
            Some(Unit::Millis)
        } else if key == "secs" || key.ends_with("_secs") {
            Some(Unit::Secs)
        } else {
            None
        }
    }

    fn words(self) -> &'static str {
        match self {
            Unit::Millis => "milliseconds",
            Unit::Secs => "seconds",
        }
    }
}

/// A duration written as `ms = N`, `max_secs = N`, …
#[derive(Clone)]
pub(crate) struct Dur {
    pub(crate) key: Ident,
    pub(crate) unit: Unit,
    pub(crate) value: Whole,
}

impl Dur {
    /// In milliseconds, when written as a literal.
    pub(crate) fn millis(&self) -> Option<u128> {
        let value = u128::from(self.value.literal()?);
        Some(match self.unit {
            Unit::Millis => value,
            Unit::Secs => value * 1000,
        })
    }

    /// As written: "`max_ms = 500`".
    pub(crate) fn written(&self) -> String {
        let value = match &self.value {
            Whole::Literal(value) => value.to_string(),
            Whole::Constant(path) => path.to_token_stream().to_string(),
        };
        format!("`{} = {value}`", self.key)
    }

    /// An expression of type `Duration`, through the facade at `krate`.
    pub(crate) fn tokens(&self, krate: &TokenStream) -> TokenStream {
        let constructor = match self.unit {
            Unit::Millis => Ident::new("from_millis", Span::call_site()),
            Unit::Secs => Ident::new("from_secs", Span::call_site()),
        };
        let value = &self.value;
        quote!(#krate::__private::Duration::#constructor(#value))
    }
}

/// The value of a duration key (its unit is in its name): a positive whole
/// number or a `u64` constant. `zero` is the message for 0 (empty: the
/// default).
pub(crate) fn duration(key: &Ident, value: &Expr, zero: &str) -> syn::Result<Dur> {
    let name = key.to_string();
    let unit = Unit::of(&name).unwrap_or(Unit::Millis);
    let words = unit.words();
    let fraction = match (unit, value) {
        (
            Unit::Secs,
            Expr::Lit(ExprLit {
                lit: Lit::Float(float),
                ..
            }),
        ) => float
            .base10_parse::<f64>()
            .map(|secs| {
                format!(
                    "; for fractions of a second use milliseconds: `{}ms = {}`",
                    name.strip_suffix("secs").unwrap_or_default(),
                    (secs * 1000.0).round()
                )
            })
            .unwrap_or_default(),
        _ => String::new(),
    };
    let default_zero;
    let zero = if zero.is_empty() {
        default_zero = format!("`{name} = 0` is no time at all; use a positive number of {words}");
        &default_zero
    } else {
        zero
    };
    let count = Count {
        noun: words,
        ty: "u64",
        max: u64::MAX,
        example: if unit == Unit::Millis { "2000" } else { "2" },
        zero,
        negative: "",
        too_large: "",
        fraction,
    };
    Ok(Dur {
        key: key.clone(),
        unit,
        value: positive(key, value, &count)?,
    })
}

/// A number, possibly fractional, as written (`0.5`, `2`, `-1.0`).
pub(crate) fn number(key: &Ident, value: &Expr) -> syn::Result<f64> {
    let (negative, lit) = match value {
        Expr::Unary(ExprUnary {
            op: UnOp::Neg(_),
            expr,
            ..
        }) => (true, &**expr),
        other => (false, other),
    };
    let parsed = match lit {
        Expr::Lit(ExprLit {
            lit: Lit::Float(float),
            ..
        }) => float.base10_parse::<f64>().ok(),
        Expr::Lit(ExprLit {
            lit: Lit::Int(int), ..
        }) => int.base10_parse::<f64>().ok(),
        _ => None,
    };
    match parsed {
        Some(number) if negative => Ok(-number),
        Some(number) => Ok(number),
        None => Err(syn::Error::new(
            value.span(),
            format!("`{key}` takes a number, like `{key} = 0.5`"),
        )),
    }
}
