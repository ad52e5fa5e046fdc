//! `#[retry(times = 3, backoff = …)]`'s keys and their values, on the shared
//! argument layer; the `backoff` grammar is in `backoff.rs`.

use proc_macro2::{Span, TokenStream};
use syn::{Expr, Ident, Path};

use super::backoff::{self, BackoffSpec};
use crate::args::{self, Count, Dur, Key, Spec, Whole};
use crate::errors::Errors;

pub(crate) const SPEC: Spec = Spec {
    keys: &[
        Key::own("times"),
        Key::own("backoff"),
        Key::shared("total_ms", "the total time"),
        Key::shared("total_secs", "the total time"),
        Key::own("when"),
        Key::own("notify"),
        Key::own("on_retry"),
        Key::own("policy"),
    ],
    usage: "write `#[retry(times = 3)]` or `#[retry(times = 5, backoff = exponential(ms = 100, max_ms = 2000))]`",
    hints: &[
        (
            &[
                "attempts",
                "max_attempts",
                "tries",
                "retries",
                "max_retries",
                "max_times",
                "count",
                "n",
            ],
            "; did you mean `times`? It counts every run, the first included",
        ),
        (
            &["delay", "wait", "interval", "strategy", "backoff_ms"],
            "; the delays go in `backoff`, like `backoff = constant(ms = 200)`",
        ),
        (
            &["ms", "secs", "timeout", "limit"],
            "; to limit the time, put `#[timeout(ms = …)]` above `#[retry]` (the whole call) or below it (each attempt)",
        ),
        (
            &["max_elapsed", "total", "deadline", "within", "max_total"],
            "; did you mean `total_ms` or `total_secs`?",
        ),
        (
            &["jitter", "factor", "max_ms", "max_secs", "max_delay"],
            "; it belongs inside `backoff`, like `backoff = exponential(ms = 100, max_ms = 5000, jitter = 0.5)`",
        ),
        (
            &["retry_if", "if_", "filter", "predicate", "retryable", "on"],
            "; did you mean `when`?",
        ),
        (
            &["hook", "on_error", "log", "callback", "on_failure"],
            "; did you mean `on_retry` (`|error, delay, attempt|`) or `notify` (`|error, delay|`)?",
        ),
    ],
    bare_number: |digits| {
        format!(
            "a bare number does not say what it counts: write `times = {digits}` to run the body at most {digits} times"
        )
    },
};

/// The validated arguments.
pub(crate) struct RetryArgs {
    pub(crate) policy: Policy,
    /// `when = …`: which errors are retried.
    pub(crate) when: Option<Expr>,
    /// `notify = …`: called as `notify(&error, delay)` before each retry.
    pub(crate) notify: Option<Expr>,
    /// `on_retry = …`: called as `on_retry(&error, delay, attempt)`.
    pub(crate) on_retry: Option<Expr>,
    /// The path of the `orchestrate` facade, `::orchestrate` by default.
    pub(crate) krate: TokenStream,
    /// `crate = "…"` as written, to recognise the attributes of that path.
    pub(crate) krate_path: Option<Path>,
}

/// How the `Backoff` is built.
#[allow(clippy::large_enum_variant)] // one per macro call
pub(crate) enum Policy {
    /// From `times`, `backoff` and `total_*`.
    Spec {
        times: Whole,
        backoff: BackoffSpec,
        total: Option<Dur>,
    },
    /// `policy = expr`: any expression of type `Backoff`.
    Expr(Expr),
}

/// Parses and validates the arguments; every error found is reported, not
/// only the first.
pub(crate) fn parse(tokens: TokenStream) -> syn::Result<RetryArgs> {
    let mut errors = Errors::default();
    let mut times = None;
    let mut backoff = None;
    let mut total = None;
    let mut policy: Option<(Ident, Expr)> = None;
    let mut when = None;
    let mut notify = None;
    let mut on_retry = None;
    // The keys that `policy` replaces, to report if both are given.
    let mut spec_keys = Vec::new();
    let krate = args::parse(&SPEC, tokens, &mut errors, |pair| {
        let value = &pair.value;
        if matches!(pair.name, "times" | "backoff" | "total_ms" | "total_secs") {
            spec_keys.push(pair.key.clone());
        }
        match pair.name {
            "times" => times = Some(times_value(&pair.key, value)?),
            "backoff" => backoff = Some(backoff::parse(value)?),
            "total_ms" | "total_secs" => total = Some(args::duration(&pair.key, value, "")?),
            "policy" => policy = Some((pair.key.clone(), value.clone())),
            "when" => when = Some(value.clone()),
            "notify" => notify = Some(value.clone()),
            _ => on_retry = Some(value.clone()),
        }
        Ok(())
    })?;
    if let Some((policy_key, _)) = &policy {
        for key in &spec_keys {
            errors.push(syn::Error::new_spanned(
                key,
                format!(
                    "`{policy_key}` already sets the attempts and the delays; remove `{key}`, or build it into the policy (`Backoff::…().attempts(n)`)"
                ),
            ));
        }
    }
    errors.finish()?;
    let policy = if let Some((_, policy)) = policy {
        Policy::Expr(policy)
    } else {
        let Some(times) = times else {
            return Err(syn::Error::new(
                Span::call_site(),
                format!(
                    "`#[retry]` needs `times = N`, the most times the body runs, the first run included: {}",
                    SPEC.usage
                ),
            ));
        };
        Policy::Spec {
            times,
            backoff: backoff.unwrap_or_else(BackoffSpec::default),
            total,
        }
    };
    Ok(RetryArgs {
        policy,
        when,
        notify,
        on_retry,
        krate: args::krate_tokens(krate.as_ref()),
        krate_path: krate,
    })
}

fn times_value(key: &Ident, value: &Expr) -> syn::Result<Whole> {
    let count = Count {
        noun: "runs",
        ty: "u32",
        max: u64::from(u32::MAX),
        example: "3",
        zero: "`times = 0` would never run the body: `times` counts every run, the first included; use 1 or more, like `times = 3` (one call and up to two retries)",
        negative: "`times` cannot be negative: it counts every run of the body, the first included; use 1 or more, like `times = 3`",
        too_large: "; for no limit build a policy: `policy = Backoff::exponential(…).forever()`",
        fraction: String::new(),
    };
    args::positive(key, value, &count)
}
