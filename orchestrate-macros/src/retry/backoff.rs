//! The grammar of `backoff = …` in `#[retry]`: `none`,
//! `constant(ms = 200, jitter = 0.5)`,
//! `exponential(ms = 100, max_ms = 5000, factor = 2.0, jitter = 0.5)`,
//! `fibonacci(secs = 1, max_secs = 30)`; and the `Backoff` it builds.

use proc_macro2::TokenStream;
use quote::quote;
use syn::{Expr, ExprAssign, ExprCall, Ident};

use crate::args::{self, Dur};
use crate::errors::Errors;

const BACKOFFS: &str = "`backoff` takes `none`, `constant(ms = 200)`, `exponential(ms = 100, max_ms = 5000, factor = 2.0, jitter = 0.5)` or `fibonacci(ms = 100, max_secs = 10)`";

/// The shapes, with the keys each takes.
const KINDS: &[(&str, &str)] = &[
    ("constant", "`ms`, `secs`, `jitter`"),
    (
        "exponential",
        "`ms`, `secs`, `max_ms`, `max_secs`, `factor`, `jitter`",
    ),
    ("fibonacci", "`ms`, `secs`, `max_ms`, `max_secs`, `jitter`"),
];

#[allow(clippy::large_enum_variant)] // one per macro call
pub(crate) enum BackoffSpec {
    Immediate,
    /// `constant`, `exponential` or `fibonacci`, as `kind`.
    Growing {
        kind: &'static str,
        base: Dur,
        max: Option<Dur>,
        factor: Option<f64>,
        jitter: Option<f64>,
    },
}

impl Default for BackoffSpec {
    /// 100 ms, doubling.
    fn default() -> Self {
        BackoffSpec::Growing {
            kind: "exponential",
            base: Dur {
                key: Ident::new("ms", proc_macro2::Span::call_site()),
                unit: args::Unit::Millis,
                value: args::Whole::Literal(100),
            },
            max: None,
            factor: None,
            jitter: None,
        }
    }
}

impl BackoffSpec {
    /// An expression of type `Backoff`, before `.attempts(…)`.
    pub(crate) fn tokens(&self, krate: &TokenStream) -> TokenStream {
        let backoff = quote!(#krate::__private::Backoff);
        let BackoffSpec::Growing {
            kind,
            base,
            max,
            factor,
            jitter,
        } = self
        else {
            return quote!(#backoff::immediate());
        };
        let constructor = Ident::new(kind, proc_macro2::Span::call_site());
        let base = base.tokens(krate);
        let mut built = quote!(#backoff::#constructor(#base));
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
}

/// The value of `backoff = …`.
pub(crate) fn parse(value: &Expr) -> syn::Result<BackoffSpec> {
    match value {
        Expr::Path(path) if path.path.get_ident().is_some() => {
            let name = path.path.segments[0].ident.to_string();
            match name.as_str() {
                "none" | "immediate" => Ok(BackoffSpec::Immediate),
                "constant" | "exponential" | "fibonacci" => Err(syn::Error::new_spanned(
                    value,
                    format!("`{name}` needs its first delay: `{name}(ms = 100)`"),
                )),
                _ => Err(syn::Error::new_spanned(
                    value,
                    format!("unknown backoff `{name}`: {BACKOFFS}"),
                )),
            }
        }
        Expr::Call(call) => call_value(call),
        _ => Err(syn::Error::new_spanned(value, BACKOFFS)),
    }
}

#[derive(Default)]
struct Parts {
    base: Option<Dur>,
    max: Option<Dur>,
    factor: Option<(Ident, f64)>,
    jitter: Option<(Ident, f64)>,
}

fn call_value(call: &ExprCall) -> syn::Result<BackoffSpec> {
    let name = match &*call.func {
        Expr::Path(path) => path.path.get_ident().map(ToString::to_string),
        _ => None,
    };
    let Some(&(kind, expected)) = KINDS
        .iter()
        .find(|(kind, _)| name.as_deref() == Some(*kind))
    else {
        return Err(syn::Error::new_spanned(
            &call.func,
            format!("unknown backoff: {BACKOFFS}"),
        ));
    };
    let mut errors = Errors::default();
    let mut parts = Parts::default();
    for arg in &call.args {
        let Expr::Assign(ExprAssign { left, right, .. }) = arg else {
            errors.push(syn::Error::new_spanned(
                arg,
                format!("expected `key = value` inside `{kind}(…)`, like `{kind}(ms = 100)`"),
            ));
            continue;
        };
        let key = match &**left {
            Expr::Path(path) => path.path.get_ident().cloned(),
            _ => None,
        };
        let Some(key) = key else {
            errors.push(syn::Error::new_spanned(
                left,
                format!("expected a key inside `{kind}(…)`"),
            ));
            continue;
        };
        if let Err(error) = part(kind, expected, &mut parts, key, right) {
            errors.push(error);
        }
    }
    errors.finish()?;
    let Some(base) = parts.base else {
        return Err(syn::Error::new_spanned(
            call,
            format!("`{kind}` needs its first delay: `{kind}(ms = 100)` or `{kind}(secs = 1)`"),
        ));
    };
    if let Some(max) = &parts.max
        && let (Some(cap), Some(first)) = (max.millis(), base.millis())
        && cap < first
    {
        return Err(syn::Error::new_spanned(
            &max.key,
            format!(
                "the cap {} is below the first delay {}: every delay would be cut to the cap; raise the cap or lower the first delay",
                max.written(),
                base.written()
            ),
        ));
    }
    Ok(BackoffSpec::Growing {
        kind,
        base,
        max: parts.max,
        factor: parts.factor.map(|(_, f)| f),
        jitter: parts.jitter.map(|(_, j)| j),
    })
}

fn part(
    kind: &str,
    expected: &str,
    parts: &mut Parts,
    key: Ident,
    value: &Expr,
) -> syn::Result<()> {
    let name = key.to_string();
    let twice = |what: &str, first: &Ident| {
        let message = if *first == key {
            format!("`{key}` is given twice; keep one")
        } else {
            format!("`{first}` and `{key}` both set {what}; keep one")
        };
        Err(syn::Error::new_spanned(&key, message))
    };
    match name.as_str() {
        "ms" | "secs" => {
            if let Some(first) = &parts.base {
                return twice("the first delay", &first.key);
            }
            parts.base = Some(args::duration(&key, value, "")?);
        }
        "max_ms" | "max_secs" if kind == "constant" => {
            return Err(syn::Error::new_spanned(
                &key,
                "a constant backoff never grows, so it has no cap; remove it, or use `exponential(…)`",
            ));
        }
        "max_ms" | "max_secs" => {
            if let Some(first) = &parts.max {
                return twice("the cap", &first.key);
            }
            parts.max = Some(args::duration(&key, value, "")?);
        }
        "factor" if kind != "exponential" => {
            return Err(syn::Error::new_spanned(
                &key,
                format!("only `exponential(…)` has a factor, not `{kind}(…)`"),
            ));
        }
        "factor" => {
            if let Some((first, _)) = &parts.factor {
                return twice("the factor", first);
            }
            let factor = args::number(&key, value)?;
            if factor.is_nan() || factor < 1.0 {
                return Err(syn::Error::new_spanned(
                    value,
                    format!(
                        "`factor = {factor}` would make the delays shrink; use 1.0 or more (each delay is `factor` times the one before)"
                    ),
                ));
            }
            parts.factor = Some((key, factor));
        }
        "jitter" => {
            if let Some((first, _)) = &parts.jitter {
                return twice("the jitter", first);
            }
            let jitter = args::number(&key, value)?;
            if !(0.0..=1.0).contains(&jitter) {
                return Err(syn::Error::new_spanned(
                    value,
                    format!(
                        "`jitter = {jitter}` is outside 0.0..=1.0: jitter is the fraction of each delay left to chance, from 0.0 (none) to 1.0 (full); `jitter = 0.5` waits between half and all of each delay"
                    ),
                ));
            }
            parts.jitter = Some((key, jitter));
        }
        other => {
            let hint = match other {
                "millis" | "milliseconds" | "delay" | "base" | "min_ms" | "initial" => {
                    "; the first delay is `ms = …` or `secs = …`"
                }
                "max" | "cap" | "max_delay" => "; the cap is `max_ms = …` or `max_secs = …`",
                _ => "",
            };
            return Err(syn::Error::new_spanned(
                &key,
                format!(
                    "unknown option `{other}` in `{kind}(…)`: expected one of {expected}{hint}"
                ),
            ));
        }
    }
    Ok(())
}
