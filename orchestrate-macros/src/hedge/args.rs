//! `#[hedge(…)]`'s keys and their values, on the shared argument layer.

use proc_macro2::{Span, TokenStream};
use syn::{Expr, Ident, Path};

use crate::args::{self, Count, Dur, Key, Spec, Whole};
use crate::errors::Errors;

pub(crate) const SPEC: Spec = Spec {
    keys: &[
        Key::shared("after_ms", "the delay"),
        Key::shared("after_secs", "the delay"),
        Key::own("max_extra"),
        Key::own("with"),
    ],
    usage: "write `#[hedge(after_ms = 50)]`, `#[hedge(after_ms = 50, max_extra = 2)]` or `#[hedge(with = HEDGE)]`",
    hints: &[
        (
            &[
                "ms",
                "secs",
                "after",
                "delay",
                "delay_ms",
                "wait",
                "threshold",
            ],
            "; the delay before another attempt is `after_ms` or `after_secs`",
        ),
        (
            &[
                "extra",
                "max_attempts",
                "attempts",
                "times",
                "copies",
                "max_hedged_attempts",
            ],
            "; did you mean `max_extra` (the extra attempts, the first one not counted)?",
        ),
        (
            &[
                "adaptive",
                "percentile",
                "min_delay",
                "policy",
                "hedge",
                "using",
            ],
            "; an adaptive delay lives in a shared `Hedge`: `static HEDGE: Hedge = Hedge::after(…).adaptive(0.95);` and `#[hedge(with = HEDGE)]`",
        ),
    ],
    bare_number: |digits| {
        format!(
            "a bare number does not say its unit: write `after_ms = {digits}` to start another attempt after {digits} milliseconds"
        )
    },
};

/// The validated arguments.
pub(crate) struct HedgeArgs {
    pub(crate) policy: Policy,
    /// The path of the `orchestrate` facade, `::orchestrate` by default.
    pub(crate) krate: TokenStream,
    /// `crate = "…"` as written, to recognise the attributes of that path.
    pub(crate) krate_path: Option<Path>,
}

/// The hedging policy.
pub(crate) enum Policy {
    Spec {
        after: Dur,
        max_extra: Option<Whole>,
    },
    /// `with = expr`: a `Hedge` (or a reference to one).
    With(Expr),
}

/// Parses and validates the arguments; every error found is reported, not
/// only the first.
pub(crate) fn parse(tokens: TokenStream) -> syn::Result<HedgeArgs> {
    let mut errors = Errors::default();
    let mut after = None;
    let mut max_extra = None;
    let mut with: Option<(Ident, Expr)> = None;
    let mut spec_keys = Vec::new();
    let krate = args::parse(&SPEC, tokens, &mut errors, |pair| {
        let (key, value) = (&pair.key, &pair.value);
        if pair.name != "with" {
            spec_keys.push(key.clone());
        }
        match pair.name {
            "after_ms" | "after_secs" => {
                after = Some(args::duration(
                    key,
                    value,
                    &format!(
                        "`{key} = 0` would start every attempt at once; use a positive delay, like `after_ms = 50`, or call the attempts with `first_ok!`"
                    ),
                )?);
            }
            "max_extra" => {
                let count = Count {
                    noun: "extra attempts",
                    ty: "u32",
                    max: u64::from(u32::MAX),
                    example: "1",
                    zero: "`max_extra = 0` is no hedging: it counts the attempts started besides the first; use 1 or more, like `max_extra = 1`",
                    negative: "",
                    too_large: "",
                    fraction: String::new(),
                };
                max_extra = Some(args::positive(key, value, &count)?);
            }
            _ => with = Some((key.clone(), value.clone())),
        }
        Ok(())
    })?;
    if let Some((with_key, _)) = &with {
        for key in &spec_keys {
            errors.push(syn::Error::new_spanned(
                key,
                format!(
                    "`{with_key}` already gives the delay and the extra attempts; remove `{key}`, or build it into the `Hedge` (`Hedge::after(…).max_extra(n)`)"
                ),
            ));
        }
    }
    errors.finish()?;
    let policy = match (with, after) {
        (Some((_, with)), _) => Policy::With(with),
        (None, Some(after)) => Policy::Spec { after, max_extra },
        (None, None) => {
            return Err(syn::Error::new(
                Span::call_site(),
                format!(
                    "`#[hedge]` needs the delay before another attempt: {}",
                    SPEC.usage
                ),
            ));
        }
    };
    Ok(HedgeArgs {
        policy,
        krate: args::krate_tokens(krate.as_ref()),
        krate_path: krate,
    })
}
