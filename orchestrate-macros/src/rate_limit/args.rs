//! `#[rate_limit(per_sec = 50, burst = 10)]`'s keys and their values, on the
//! shared argument layer.

use proc_macro2::{Span, TokenStream};
use syn::{Expr, Ident, Path};

use crate::args::{self, Count, Dur, Key, Spec, Whole};
use crate::errors::Errors;

pub(crate) const SPEC: Spec = Spec {
    keys: &[
        Key::shared("per_sec", "the rate"),
        Key::shared("per_min", "the rate"),
        Key::shared("calls", "the rate"),
        Key::shared("with", "the rate"),
        Key::shared("period_ms", "the period"),
        Key::shared("period_secs", "the period"),
        Key::own("burst"),
    ],
    usage: "write `#[rate_limit(per_sec = 50)]`, `#[rate_limit(calls = 5, period_ms = 100)]` or `#[rate_limit(with = RATE)]` (a `static RATE: RateLimiter`)",
    hints: &[
        (
            &["per_second", "per_s", "rps", "per_secs", "rate"],
            "; did you mean `per_sec`?",
        ),
        (
            &["per_minute", "per_mins", "rpm"],
            "; did you mean `per_min`?",
        ),
        (
            &["n", "count", "max", "limit", "times", "requests"],
            "; did you mean `calls` (with `period_ms = …`)?",
        ),
        (
            &["period", "ms", "secs", "every", "interval", "window"],
            "; the period's unit is in its key: `period_ms = 100` or `period_secs = 1`",
        ),
        (
            &["limiter", "using", "shared"],
            "; did you mean `with`, like `with = RATE`?",
        ),
        (
            &["concurrency", "max_waiting"],
            "; a bound on calls at once is `#[limit(…)]`'s: `#[limit(concurrency = 4)]`",
        ),
    ],
    bare_number: |digits| {
        format!(
            "a bare number does not say its period: write `per_sec = {digits}` for {digits} calls a second, or `per_min = {digits}`"
        )
    },
};

/// The rate the calls go through.
pub(crate) enum Rate {
    PerSec(Whole),
    PerMin(Whole),
    /// `calls = n, period_ms = p`.
    Per(Whole, Dur),
    /// `with = expr`: a named rate limiter.
    With(Expr),
}

/// The validated arguments.
pub(crate) struct RateLimitArgs {
    pub(crate) rate: Rate,
    pub(crate) burst: Option<Whole>,
    /// The path of the `orchestrate` facade, `::orchestrate` by default.
    pub(crate) krate: TokenStream,
    /// `crate = "…"` as written, to recognise the attributes of that path.
    pub(crate) krate_path: Option<Path>,
}

fn count<'a>(noun: &'a str, zero: &'a str) -> Count<'a> {
    Count {
        noun,
        ty: "u32",
        max: u64::from(u32::MAX),
        example: "50",
        zero,
        negative: "",
        too_large: "",
        fraction: String::new(),
    }
}

/// Parses and validates the arguments; every error found is reported, not
/// only the first.
pub(crate) fn parse(tokens: TokenStream) -> syn::Result<RateLimitArgs> {
    let mut errors = Errors::default();
    let mut rate: Option<(Ident, Rate)> = None;
    // The keys as written, even when their values are wrong.
    let (mut calls_key, mut period_key): (Option<Ident>, Option<Ident>) = (None, None);
    let mut calls: Option<Whole> = None;
    let mut period: Option<Dur> = None;
    let mut burst: Option<(Ident, Whole)> = None;
    let krate = args::parse(&SPEC, tokens, &mut errors, |pair| {
        let key = pair.key.clone();
        let value = &pair.value;
        let zero_rate =
            format!("`{key} = 0` lets no call start; use a positive number, like `{key} = 1`");
        match pair.name {
            "per_sec" => {
                let n = args::positive(&key, value, &count("calls", &zero_rate))?;
                rate = Some((key, Rate::PerSec(n)));
            }
            "per_min" => {
                let n = args::positive(&key, value, &count("calls", &zero_rate))?;
                rate = Some((key, Rate::PerMin(n)));
            }
            "calls" => {
                calls_key = Some(key.clone());
                calls = Some(args::positive(&key, value, &count("calls", &zero_rate))?);
            }
            "with" => rate = Some((key, Rate::With(value.clone()))),
            "burst" => {
                let zero = "`burst = 0` lets no call start; use a positive number, like `burst = 1` to space every call evenly";
                burst = Some((
                    key.clone(),
                    args::positive(&key, value, &count("calls", zero))?,
                ));
            }
            _ => {
                period_key = Some(key.clone());
                let zero = format!(
                    "`{key} = 0` is no time at all; the period must be positive, like `{key} = 100`"
                );
                period = Some(args::duration(&key, value, &zero)?);
            }
        }
        Ok(())
    })?;
    match (&calls_key, &period_key) {
        (Some(key), None) => errors.push(syn::Error::new_spanned(
            key,
            "`calls = n` needs its period: add `period_ms = …` or `period_secs = …`, like `calls = 5, period_ms = 100`",
        )),
        (None, Some(key)) if rate.is_none() => errors.push(syn::Error::new_spanned(
            key,
            format!("`{key}` needs a number of calls: add `calls = n`, like `calls = 5, {key} = 100`"),
        )),
        _ => {}
    }
    if let (Some(period), Some((key, _))) = (&period_key, &rate) {
        errors.push(syn::Error::new_spanned(
            period,
            format!("`{key}` already says the period; drop `{period}`, or write `calls = n` with it instead of `{key}`"),
        ));
    }
    if let (Some((key, _)), Some((_, Rate::With(_)))) = (&burst, &rate) {
        errors.push(syn::Error::new_spanned(
            key,
            "a named rate limiter's burst is set where it is built: `static RATE: RateLimiter = RateLimiter::per_second(50).burst(10);`",
        ));
    }
    errors.finish()?;
    let rate = match (rate, calls, period) {
        (Some((_, rate)), _, _) => rate,
        (None, Some(n), Some(period)) => Rate::Per(n, period),
        _ => {
            return Err(syn::Error::new(
                Span::call_site(),
                format!("`#[rate_limit]` needs a rate: {}", SPEC.usage),
            ));
        }
    };
    Ok(RateLimitArgs {
        rate,
        burst: burst.map(|(_, b)| b),
        krate: args::krate_tokens(krate.as_ref()),
        krate_path: krate,
    })
}
