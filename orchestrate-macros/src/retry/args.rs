//! `#[retry(times = 3, backoff = …)]`'s arguments: parsed and validated into
//! [`RetryArgs`], every mistake reported on its own token with the fix in its
//! words.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote};
use syn::parse::{Parse, ParseStream};
use syn::spanned::Spanned;
use syn::{Expr, ExprAssign, ExprCall, ExprLit, ExprPath, ExprUnary, Ident, Lit, Token, UnOp};

use crate::errors::Errors;

/// The validated arguments.
pub(crate) struct RetryArgs {
    pub(crate) policy: Policy,
    /// `when = …`: which errors are retried.
    pub(crate) when: Option<Expr>,
    /// `notify = …`: called on each failed attempt that is retried.
    pub(crate) notify: Option<Expr>,
    /// The path of the `orchestrate` facade (`crate = "…"`), `::orchestrate` by default.
    pub(crate) krate: TokenStream,
    /// The arguments of a `#[timeout]` written above this attribute, handed
    /// over by its expansion: a limit on the whole retried call.
    pub(crate) overall_timeout: Option<TokenStream>,
}

/// How the `Backoff` is built.
pub(crate) enum Policy {
    /// From `times`, `backoff` and `total_*`.
    Spec {
        times: Times,
        backoff: BackoffSpec,
        total: Option<Dur>,
    },
    /// `policy = expr`: any expression of type `Backoff`.
    Expr(Expr),
}

pub(crate) enum Times {
    Literal(u32),
    Constant(ExprPath),
}

/// A duration written as `ms = N` or `secs = N`.
#[derive(Clone, Copy)]
pub(crate) struct Dur {
    value: u64,
    secs: bool,
}

impl Dur {
    fn millis(self) -> u128 {
        if self.secs {
            u128::from(self.value) * 1000
        } else {
            u128::from(self.value)
        }
    }

    fn written(self, key_prefix: &str) -> String {
        let unit = if self.secs { "secs" } else { "ms" };
        format!("`{key_prefix}{unit} = {}`", self.value)
    }

    pub(crate) fn tokens(self, krate: &TokenStream) -> TokenStream {
        let value = self.value;
        if self.secs {
            quote!(#krate::__private::Duration::from_secs(#value))
        } else {
            quote!(#krate::__private::Duration::from_millis(#value))
        }
    }
}

pub(crate) enum BackoffSpec {
    Immediate,
    Constant {
        delay: Dur,
        jitter: Option<f64>,
    },
    Exponential {
        base: Dur,
        max: Option<Dur>,
        factor: Option<f64>,
        jitter: Option<f64>,
    },
    Fibonacci {
        base: Dur,
        max: Option<Dur>,
        jitter: Option<f64>,
    },
}

/// The default backoff: 100 ms, doubling.
const DEFAULT_BACKOFF: BackoffSpec = BackoffSpec::Exponential {
    base: Dur {
        value: 100,
        secs: false,
    },
    max: None,
    factor: None,
    jitter: None,
};

/// One `key = value` (or a stray value) as written, before validation.
enum Arg {
    Pair { key: Ident, value: Expr },
    Crate { key: Token![crate], value: Expr },
    OverallTimeout(TokenStream),
    Bare(Expr),
}

/// The hidden argument a `#[timeout]` above `#[retry]` adds.
pub(crate) const OVERALL_TIMEOUT: &str = "__orchestrate_overall_timeout";

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
        if input.peek(Ident) && input.peek2(syn::token::Paren) {
            let fork = input.fork();
            let ident: Ident = fork.parse()?;
            if ident == OVERALL_TIMEOUT {
                input.parse::<Ident>()?;
                let content;
                syn::parenthesized!(content in input);
                return Ok(Arg::OverallTimeout(content.parse()?));
            }
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

const EXPECTED: &str = "expected one of `times`, `backoff`, `total_ms`, `total_secs`, `when`, `notify`, `policy`, `crate`";
const USAGE: &str = "write `#[retry(times = 3)]` or `#[retry(times = 5, backoff = exponential(ms = 100, max_ms = 2000))]`";
const BACKOFFS: &str = "`backoff` takes `none`, `constant(ms = 200)`, `exponential(ms = 100, max_ms = 5000, factor = 2.0, jitter = 0.5)` or `fibonacci(ms = 100, max_secs = 10)`";

#[derive(Default)]
struct Seen {
    times: Option<(Ident, Times)>,
    backoff: Option<(Ident, BackoffSpec)>,
    total: Option<(Ident, Dur)>,
    policy: Option<(Ident, Expr)>,
    when: Option<(Ident, Expr)>,
    notify: Option<(Ident, Expr)>,
}

/// Parses and validates the arguments; every error found is reported, not
/// only the first.
pub(crate) fn parse(args: TokenStream) -> syn::Result<RetryArgs> {
    let parsed = syn::parse::Parser::parse2(
        syn::punctuated::Punctuated::<Arg, Token![,]>::parse_terminated,
        args,
    )?;
    let mut errors = Errors::default();
    let mut seen = Seen::default();
    let mut krate: Option<TokenStream> = None;
    let mut overall_timeout = None;
    for arg in parsed {
        match arg {
            Arg::Bare(value) => errors.push(bare_value(&value)),
            Arg::OverallTimeout(tokens) => overall_timeout = Some(tokens),
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
                if let Err(error) = pair(&mut seen, key, value) {
                    errors.push(error);
                }
            }
        }
    }
    if let Some((policy_key, _)) = &seen.policy {
        for key in [
            seen.times.as_ref().map(|(k, _)| k),
            seen.backoff.as_ref().map(|(k, _)| k),
            seen.total.as_ref().map(|(k, _)| k),
        ]
        .into_iter()
        .flatten()
        {
            errors.push(syn::Error::new_spanned(
                key,
                format!(
                    "`{policy_key}` already sets the attempts and the delays; remove `{key}`, or build it into the policy (`Backoff::…().attempts(n)`)"
                ),
            ));
        }
    }
    errors.finish()?;
    let policy = if let Some((_, policy)) = seen.policy {
        Policy::Expr(policy)
    } else {
        let Some((_, times)) = seen.times else {
            return Err(syn::Error::new(
                Span::call_site(),
                format!(
                    "`#[retry]` needs `times = N`, the most times the body runs, the first run included: {USAGE}"
                ),
            ));
        };
        Policy::Spec {
            times,
            backoff: seen.backoff.map_or(DEFAULT_BACKOFF, |(_, b)| b),
            total: seen.total.map(|(_, t)| t),
        }
    };
    Ok(RetryArgs {
        policy,
        when: seen.when.map(|(_, w)| w),
        notify: seen.notify.map(|(_, n)| n),
        krate: krate.unwrap_or_else(|| quote!(::orchestrate)),
        overall_timeout,
    })
}

fn twice(key: &Ident) -> syn::Error {
    syn::Error::new_spanned(key, format!("`{key}` is given twice; keep one"))
}

fn pair(seen: &mut Seen, key: Ident, value: Expr) -> syn::Result<()> {
    match key.to_string().as_str() {
        "times" => {
            if seen.times.is_some() {
                return Err(twice(&key));
            }
            let times = times_value(&value)?;
            seen.times = Some((key, times));
        }
        "backoff" => {
            if seen.backoff.is_some() {
                return Err(twice(&key));
            }
            let backoff = backoff_value(&value)?;
            seen.backoff = Some((key, backoff));
        }
        name @ ("total_ms" | "total_secs") => {
            if let Some((first, _)) = &seen.total {
                let message = if *first == key {
                    format!("`{key}` is given twice; keep one")
                } else {
                    format!("`{first}` and `{key}` both set the total time; keep one")
                };
                return Err(syn::Error::new_spanned(&key, message));
            }
            let total = duration_value(name, name == "total_secs", &value)?;
            seen.total = Some((key, total));
        }
        "policy" => {
            if seen.policy.is_some() {
                return Err(twice(&key));
            }
            seen.policy = Some((key, value));
        }
        "when" => {
            if seen.when.is_some() {
                return Err(twice(&key));
            }
            seen.when = Some((key, value));
        }
        "notify" => {
            if seen.notify.is_some() {
                return Err(twice(&key));
            }
            seen.notify = Some((key, value));
        }
        other => return Err(unknown_key(&key, other)),
    }
    Ok(())
}

fn unknown_key(key: &Ident, name: &str) -> syn::Error {
    let hint = match name {
        "attempts" | "max_attempts" | "tries" | "retries" | "max_retries" | "max_times"
        | "count" | "n" => "; did you mean `times`? It counts every run, the first included",
        "delay" | "wait" | "interval" | "strategy" | "backoff_ms" => {
            "; the delays go in `backoff`, like `backoff = constant(ms = 200)`"
        }
        "ms" | "secs" | "timeout" | "limit" => {
            "; to limit the time, put `#[timeout(ms = …)]` above `#[retry]` (the whole call) or below it (each attempt)"
        }
        "max_elapsed" | "total" | "deadline" | "within" | "max_total" => {
            "; did you mean `total_ms` or `total_secs`?"
        }
        "jitter" | "factor" | "max_ms" | "max_secs" | "max_delay" => {
            "; it belongs inside `backoff`, like `backoff = exponential(ms = 100, max_ms = 5000, jitter = 0.5)`"
        }
        "retry_if" | "if_" | "filter" | "predicate" | "retryable" | "on" => {
            "; did you mean `when`?"
        }
        "on_retry" | "hook" | "on_error" | "log" | "callback" => "; did you mean `notify`?",
        _ => "",
    };
    syn::Error::new_spanned(key, format!("unknown option `{name}`: {EXPECTED}{hint}"))
}

fn bare_value(value: &Expr) -> syn::Error {
    let message = match value {
        Expr::Lit(ExprLit {
            lit: Lit::Int(int), ..
        }) => format!(
            "a bare number does not say what it counts: write `times = {}` to run the body at most {} times",
            int.base10_digits(),
            int.base10_digits()
        ),
        Expr::Path(path) if path.path.get_ident().is_some() => {
            let name = path
                .path
                .get_ident()
                .map(ToString::to_string)
                .unwrap_or_default();
            if [
                "times",
                "backoff",
                "total_ms",
                "total_secs",
                "when",
                "notify",
                "policy",
            ]
            .contains(&name.as_str())
            {
                format!("`{name}` needs a value: `{name} = …`")
            } else {
                format!("unknown option `{name}`: {EXPECTED}, as in {USAGE}")
            }
        }
        _ => format!("expected `key = value`: {USAGE}"),
    };
    syn::Error::new_spanned(value, message)
}

fn times_value(value: &Expr) -> syn::Result<Times> {
    match value {
        Expr::Lit(ExprLit {
            lit: Lit::Int(int), ..
        }) => {
            let Ok(number) = int.base10_parse::<u32>() else {
                return Err(syn::Error::new_spanned(
                    int,
                    format!(
                        "`times = {}` is too large: it must fit in a u32 ({} at most); for no limit build a policy: `policy = Backoff::exponential(…).forever()`",
                        int.base10_digits(),
                        u32::MAX
                    ),
                ));
            };
            if number == 0 {
                return Err(syn::Error::new_spanned(
                    int,
                    "`times = 0` would never run the body: `times` counts every run, the first included; use 1 or more, like `times = 3` (one call and up to two retries)",
                ));
            }
            Ok(Times::Literal(number))
        }
        Expr::Unary(ExprUnary {
            op: UnOp::Neg(_), ..
        }) => Err(syn::Error::new_spanned(
            value,
            "`times` cannot be negative: it counts every run of the body, the first included; use 1 or more, like `times = 3`",
        )),
        Expr::Lit(ExprLit {
            lit: Lit::Float(float),
            ..
        }) => Err(syn::Error::new_spanned(
            float,
            "`times` takes a whole number of runs, like `times = 3`",
        )),
        Expr::Lit(ExprLit {
            lit: Lit::Str(text),
            ..
        }) => {
            let inner = text.value();
            let hint = if inner.trim().parse::<u32>().is_ok() {
                format!("drop the quotes: `times = {}`", inner.trim())
            } else {
                "like `times = 3`".to_string()
            };
            Err(syn::Error::new_spanned(
                text,
                format!("`times` takes a number of runs, not a string; {hint}"),
            ))
        }
        Expr::Path(path) if path.qself.is_none() => Ok(Times::Constant(path.clone())),
        _ => Err(syn::Error::new(
            value.span(),
            "`times` takes a whole number of runs (or the name of a `u32` constant), like `times = 3`",
        )),
    }
}

/// `N` of `key = N`: a positive whole number of milliseconds or seconds.
fn duration_value(key: &str, secs: bool, value: &Expr) -> syn::Result<Dur> {
    let unit_words = if secs { "seconds" } else { "milliseconds" };
    match value {
        Expr::Lit(ExprLit {
            lit: Lit::Int(int), ..
        }) => {
            let Ok(number) = int.base10_parse::<u64>() else {
                return Err(syn::Error::new_spanned(
                    int,
                    format!(
                        "`{key} = {}` is too large: it must fit in a u64",
                        int.base10_digits()
                    ),
                ));
            };
            if number == 0 {
                return Err(syn::Error::new_spanned(
                    int,
                    format!("`{key} = 0` is no time at all; use a positive number of {unit_words}"),
                ));
            }
            Ok(Dur {
                value: number,
                secs,
            })
        }
        Expr::Unary(ExprUnary {
            op: UnOp::Neg(_), ..
        }) => Err(syn::Error::new_spanned(
            value,
            format!("`{key}` cannot be negative; it takes a positive whole number of {unit_words}"),
        )),
        Expr::Lit(ExprLit {
            lit: Lit::Float(float),
            ..
        }) => {
            let hint = if secs {
                let ms_key = key.replace("secs", "ms");
                float
                    .base10_parse::<f64>()
                    .map(|s| {
                        format!(
                            "; for fractions of a second use milliseconds: `{ms_key} = {}`",
                            (s * 1000.0).round()
                        )
                    })
                    .unwrap_or_default()
            } else {
                String::new()
            };
            Err(syn::Error::new_spanned(
                float,
                format!("`{key}` takes a whole number of {unit_words}{hint}"),
            ))
        }
        _ => Err(syn::Error::new(
            value.span(),
            format!("`{key}` takes a positive whole number of {unit_words}, like `{key} = 100`"),
        )),
    }
}

/// A number, possibly fractional, as written (`0.5`, `2`, `-1.0`).
fn number_value(key: &str, value: &Expr) -> syn::Result<f64> {
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

fn backoff_value(value: &Expr) -> syn::Result<BackoffSpec> {
    match value {
        Expr::Path(path) if path.path.get_ident().is_some() => {
            let name = path
                .path
                .get_ident()
                .map(ToString::to_string)
                .unwrap_or_default();
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
        Expr::Call(call) => backoff_call(call),
        _ => Err(syn::Error::new_spanned(value, BACKOFFS)),
    }
}

#[derive(Default)]
struct BackoffParts {
    base: Option<(Ident, Dur)>,
    max: Option<(Ident, Dur)>,
    factor: Option<(Ident, f64)>,
    jitter: Option<(Ident, f64)>,
}

fn backoff_call(call: &ExprCall) -> syn::Result<BackoffSpec> {
    let kind = match &*call.func {
        Expr::Path(path) => path.path.get_ident().map(ToString::to_string),
        _ => None,
    };
    let Some(kind) =
        kind.filter(|k| ["constant", "exponential", "fibonacci"].contains(&k.as_str()))
    else {
        return Err(syn::Error::new_spanned(
            &call.func,
            format!("unknown backoff: {BACKOFFS}"),
        ));
    };
    let mut errors = Errors::default();
    let mut parts = BackoffParts::default();
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
        if let Err(error) = backoff_part(&kind, &mut parts, key, right) {
            errors.push(error);
        }
    }
    errors.finish()?;
    let Some((_, base)) = parts.base else {
        return Err(syn::Error::new_spanned(
            call,
            format!("`{kind}` needs its first delay: `{kind}(ms = 100)` or `{kind}(secs = 1)`"),
        ));
    };
    if let Some((key, max)) = &parts.max {
        if max.millis() < base.millis() {
            return Err(syn::Error::new_spanned(
                key,
                format!(
                    "the cap {} is below the first delay {}: every delay would be cut to the cap; raise the cap or lower the first delay",
                    max.written("max_"),
                    base.written("")
                ),
            ));
        }
    }
    let max = parts.max.map(|(_, m)| m);
    let jitter = parts.jitter.map(|(_, j)| j);
    Ok(match kind.as_str() {
        "constant" => BackoffSpec::Constant {
            delay: base,
            jitter,
        },
        "exponential" => BackoffSpec::Exponential {
            base,
            max,
            factor: parts.factor.map(|(_, f)| f),
            jitter,
        },
        _ => BackoffSpec::Fibonacci { base, max, jitter },
    })
}

fn backoff_part(kind: &str, parts: &mut BackoffParts, key: Ident, value: &Expr) -> syn::Result<()> {
    let name = key.to_string();
    match name.as_str() {
        "ms" | "secs" => {
            if let Some((first, _)) = &parts.base {
                return Err(syn::Error::new_spanned(
                    &key,
                    format!("`{first}` and `{key}` both set the first delay; keep one"),
                ));
            }
            let base = duration_value(&name, name == "secs", value)?;
            parts.base = Some((key, base));
        }
        "max_ms" | "max_secs" if kind == "constant" => {
            return Err(syn::Error::new_spanned(
                &key,
                "a constant backoff never grows, so it has no cap; remove it, or use `exponential(…)`",
            ));
        }
        "max_ms" | "max_secs" => {
            if let Some((first, _)) = &parts.max {
                return Err(syn::Error::new_spanned(
                    &key,
                    format!("`{first}` and `{key}` both set the cap; keep one"),
                ));
            }
            let max = duration_value(&name, name == "max_secs", value)?;
            parts.max = Some((key, max));
        }
        "factor" if kind != "exponential" => {
            return Err(syn::Error::new_spanned(
                &key,
                format!("only `exponential(…)` has a factor, not `{kind}(…)`"),
            ));
        }
        "factor" => {
            if parts.factor.is_some() {
                return Err(twice(&key));
            }
            let factor = number_value("factor", value)?;
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
            if parts.jitter.is_some() {
                return Err(twice(&key));
            }
            let jitter = number_value("jitter", value)?;
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
            let expected = match kind {
                "constant" => "`ms`, `secs`, `jitter`",
                "exponential" => "`ms`, `secs`, `max_ms`, `max_secs`, `factor`, `jitter`",
                _ => "`ms`, `secs`, `max_ms`, `max_secs`, `jitter`",
            };
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

fn crate_path(value: &Expr) -> syn::Result<TokenStream> {
    let usage = "`crate` takes the path of the orchestrate crate as renamed in Cargo.toml, like `crate = \"orch\"`";
    match value {
        Expr::Lit(ExprLit {
            lit: Lit::Str(text),
            ..
        }) => {
            let mut path: syn::Path = text
                .parse()
                .map_err(|_| syn::Error::new_spanned(text, usage))?;
            for segment in &mut path.segments {
                segment.ident.set_span(text.span());
            }
            Ok(path.into_token_stream())
        }
        Expr::Path(path) if path.qself.is_none() => Ok(path.path.to_token_stream()),
        _ => Err(syn::Error::new_spanned(value, usage)),
    }
}
