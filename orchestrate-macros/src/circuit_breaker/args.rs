//! `#[circuit_breaker(…)]`'s keys and their values, on the shared argument
//! layer.

use proc_macro2::{Span, TokenStream};
use syn::{Expr, Ident, Path};

use crate::args::{self, Count, Dur, Key, Spec, Whole};
use crate::errors::Errors;

const OPENS: &str = "when the breaker opens";

pub(crate) const SPEC: Spec = Spec {
    keys: &[
        Key::shared("consecutive_failures", OPENS),
        Key::shared("failure_rate", OPENS),
        Key::own("window_calls"),
        Key::own("min_calls"),
        Key::shared("open_for_ms", "how long it stays open"),
        Key::shared("open_for_secs", "how long it stays open"),
        Key::own("half_open_calls"),
        Key::own("with"),
    ],
    usage: "write `#[circuit_breaker(consecutive_failures = 5, open_for_secs = 30)]`, `#[circuit_breaker(failure_rate = 0.5, window_calls = 20)]` or `#[circuit_breaker(with = BREAKER)]`",
    hints: &[
        (
            &[
                "failures",
                "max_failures",
                "threshold",
                "failure_threshold",
                "consecutive",
            ],
            "; did you mean `consecutive_failures`?",
        ),
        (
            &[
                "rate",
                "failure_ratio",
                "ratio",
                "error_rate",
                "failure_rate_threshold",
            ],
            "; did you mean `failure_rate` (with `window_calls`)?",
        ),
        (
            &["window", "window_size", "sliding_window", "calls"],
            "; did you mean `window_calls`?",
        ),
        (
            &[
                "open_for",
                "ms",
                "secs",
                "duration",
                "wait",
                "break_duration",
                "reset_ms",
                "reset_secs",
                "timeout",
            ],
            "; how long it stays open is `open_for_ms` or `open_for_secs`",
        ),
        (
            &["half_open", "trial_calls", "probes", "permitted_calls"],
            "; did you mean `half_open_calls`?",
        ),
        (
            &["breaker", "policy", "using", "shared"],
            "; did you mean `with = BREAKER` (a `CircuitBreaker` shared by several fns)?",
        ),
        (
            &["failure_when", "when", "is_failure", "filter", "predicate"],
            "; build a `CircuitBreaker` with `.failure_when(…)` and pass it as `with = BREAKER`",
        ),
    ],
    bare_number: |digits| {
        format!(
            "a bare number does not say what it counts: write `consecutive_failures = {digits}` to open after {digits} failures in a row"
        )
    },
};

/// The validated arguments.
pub(crate) struct BreakerArgs {
    pub(crate) breaker: Breaker,
    /// The path of the `orchestrate` facade, `::orchestrate` by default.
    pub(crate) krate: TokenStream,
    /// `crate = "…"` as written, to recognise the attributes of that path.
    pub(crate) krate_path: Option<Path>,
}

/// Which breaker the calls go through.
#[allow(clippy::large_enum_variant)] // one per macro call
pub(crate) enum Breaker {
    /// A hidden `static`, one per fn.
    Spec {
        opens: Opens,
        open_for: Option<Dur>,
        half_open_calls: Option<Whole>,
    },
    /// `with = expr`: a `CircuitBreaker` (or a reference to one).
    With(Expr),
}

/// What opens the hidden breaker.
pub(crate) enum Opens {
    Consecutive(Whole),
    Rate {
        rate: f64,
        window: Whole,
        min_calls: Option<Whole>,
    },
}

/// The keys as given, before the checks between them.
#[derive(Default)]
struct Given {
    consecutive: Option<Whole>,
    rate: Option<(Ident, f64)>,
    window: Option<(Ident, Whole)>,
    min_calls: Option<(Ident, Whole)>,
    open_for: Option<Dur>,
    half_open_calls: Option<Whole>,
    with: Option<(Ident, Expr)>,
    /// The keys that `with` replaces, to report if both are given.
    spec_keys: Vec<Ident>,
}

/// Parses and validates the arguments; every error found is reported, not
/// only the first.
pub(crate) fn parse(tokens: TokenStream) -> syn::Result<BreakerArgs> {
    // Whether `failure_rate` is written, valid or not, so that an invalid
    // rate does not also make its `window_calls` look out of place.
    let rate_written = tokens.clone().into_iter().any(
        |token| matches!(token, proc_macro2::TokenTree::Ident(ident) if ident == "failure_rate"),
    );
    let mut errors = Errors::default();
    let mut given = Given::default();
    let krate = args::parse(&SPEC, tokens, &mut errors, |pair| take(&mut given, pair))?;
    check(&given, rate_written, &mut errors);
    errors.finish()?;
    Ok(BreakerArgs {
        breaker: build(given)?,
        krate: args::krate_tokens(krate.as_ref()),
        krate_path: krate,
    })
}

/// One key's value, validated on its own.
fn take(given: &mut Given, pair: &args::Pair) -> syn::Result<()> {
    let (key, value) = (&pair.key, &pair.value);
    if pair.name != "with" {
        given.spec_keys.push(key.clone());
    }
    match pair.name {
        "consecutive_failures" => {
            given.consecutive = Some(count(
                key,
                value,
                "failures",
                "5",
                "`consecutive_failures = 0` would open the breaker before any call failed; use 1 or more, like `consecutive_failures = 5`",
            )?);
        }
        "failure_rate" => given.rate = Some((key.clone(), failure_rate(key, value)?)),
        "window_calls" => {
            given.window = Some((
                key.clone(),
                count(
                    key,
                    value,
                    "calls",
                    "20",
                    "`window_calls = 0` is an empty window: the rate is judged over the last `window_calls` calls; use 1 or more, like `window_calls = 20`",
                )?,
            ));
        }
        "min_calls" => {
            given.min_calls = Some((
                key.clone(),
                count(
                    key,
                    value,
                    "calls",
                    "10",
                    "`min_calls = 0` would judge the rate before any call; use 1 or more (at most `window_calls`), like `min_calls = 10`",
                )?,
            ));
        }
        "open_for_ms" | "open_for_secs" => {
            given.open_for = Some(args::duration(
                key,
                value,
                &format!(
                    "`{key} = 0` would let calls through again at once: use a positive number, like `open_for_secs = 30`"
                ),
            )?);
        }
        "half_open_calls" => {
            given.half_open_calls = Some(count(
                key,
                value,
                "trial calls",
                "1",
                "`half_open_calls = 0` would never let a trial call through, so the breaker could never close again; use 1 or more, like `half_open_calls = 1`",
            )?);
        }
        _ => given.with = Some((key.clone(), value.clone())),
    }
    Ok(())
}

/// The checks between keys.
fn check(given: &Given, rate_written: bool, errors: &mut Errors) {
    if let Some((with_key, _)) = &given.with {
        for key in &given.spec_keys {
            errors.push(syn::Error::new_spanned(
                key,
                format!(
                    "`{with_key}` already gives the breaker and its settings; remove `{key}`, or build it into the breaker (`CircuitBreaker::consecutive_failures(5).open_for(…)`)"
                ),
            ));
        }
    }
    match (&given.rate, &given.window, &given.min_calls) {
        (None, Some((key, _)), _) | (None, _, Some((key, _)))
            if given.with.is_none() && !rate_written =>
        {
            errors.push(syn::Error::new_spanned(
                key,
                format!("`{key}` belongs to a failure-rate breaker: add `failure_rate = 0.5`, or remove `{key}`"),
            ));
        }
        (Some((key, _)), None, _) => errors.push(syn::Error::new_spanned(
            key,
            "`failure_rate` is judged over a window of recent calls: add `window_calls = N`, like `failure_rate = 0.5, window_calls = 20`",
        )),
        (_, Some((_, window)), Some((key, min)))
            if matches!((window.literal(), min.literal()), (Some(w), Some(m)) if m > w) =>
        {
            errors.push(syn::Error::new_spanned(
                key,
                "`min_calls` cannot exceed `window_calls`: the window never holds more calls than that",
            ));
        }
        _ => {}
    }
}

fn build(given: Given) -> syn::Result<Breaker> {
    if let Some((_, with)) = given.with {
        return Ok(Breaker::With(with));
    }
    let opens = match (given.consecutive, given.rate, given.window) {
        (Some(k), _, _) => Opens::Consecutive(k),
        (None, Some((_, rate)), Some((_, window))) => Opens::Rate {
            rate,
            window,
            min_calls: given.min_calls.map(|(_, m)| m),
        },
        _ => {
            return Err(syn::Error::new(
                Span::call_site(),
                format!(
                    "`#[circuit_breaker]` needs to know when to open: {}",
                    SPEC.usage
                ),
            ));
        }
    };
    Ok(Breaker::Spec {
        opens,
        open_for: given.open_for,
        half_open_calls: given.half_open_calls,
    })
}

fn count(key: &Ident, value: &Expr, noun: &str, example: &str, zero: &str) -> syn::Result<Whole> {
    let count = Count {
        noun,
        ty: "u32",
        max: u64::from(u32::MAX),
        example,
        zero,
        negative: "",
        too_large: "",
        fraction: String::new(),
    };
    args::positive(key, value, &count)
}

/// A rate in (0, 1].
fn failure_rate(key: &Ident, value: &Expr) -> syn::Result<f64> {
    let rate = args::number(key, value)?;
    if rate > 0.0 && rate <= 1.0 {
        Ok(rate)
    } else {
        Err(syn::Error::new_spanned(
            value,
            format!(
                "`failure_rate = {rate}` is outside (0, 1]: it is the fraction of the window's calls that failed, like `failure_rate = 0.5` for half of them"
            ),
        ))
    }
}
