//! `#[limit(concurrency = 4)]`'s keys and their values, on the shared
//! argument layer.

use proc_macro2::{Span, TokenStream};
use syn::{Expr, ExprLit, Ident, Lit, Path};

use crate::args::{self, Count, Key, Spec, Whole};
use crate::errors::Errors;

pub(crate) const SPEC: Spec = Spec {
    keys: &[
        Key::shared("concurrency", "the limiter"),
        Key::shared("with", "the limiter"),
        Key::own("max_waiting"),
    ],
    usage: "write `#[limit(concurrency = 4)]` or `#[limit(with = API)]` (a `static API: Limiter`)",
    hints: &[
        (
            &[
                "n",
                "max",
                "permits",
                "limit",
                "max_concurrency",
                "concurrent",
                "size",
            ],
            "; did you mean `concurrency`?",
        ),
        (
            &["limiter", "using", "shared", "bulkhead", "semaphore"],
            "; did you mean `with`, like `with = API`?",
        ),
        (
            &["queue", "max_queue", "max_waiters", "waiting", "max_wait"],
            "; did you mean `max_waiting`?",
        ),
        (
            &["per_sec", "per_min", "rate", "burst"],
            "; a rate is `#[rate_limit(…)]`'s: `#[rate_limit(per_sec = 50)]`",
        ),
    ],
    bare_number: |digits| {
        format!(
            "a bare number does not say what it bounds: write `concurrency = {digits}` to let at most {digits} calls run at once"
        )
    },
};

/// Which limiter the calls go through.
pub(crate) enum Source {
    /// `concurrency = n`: a hidden `static` of the fn's own.
    Own(Whole),
    /// `with = expr`: a named one.
    With(Expr),
}

/// The validated arguments.
pub(crate) struct LimitArgs {
    pub(crate) source: Source,
    /// `max_waiting = k`: calls beyond `k` waiters are rejected.
    pub(crate) max_waiting: Option<Whole>,
    /// The path of the `orchestrate` facade, `::orchestrate` by default.
    pub(crate) krate: TokenStream,
    /// `crate = "…"` as written, to recognise the attributes of that path.
    pub(crate) krate_path: Option<Path>,
}

/// Parses and validates the arguments; every error found is reported, not
/// only the first.
pub(crate) fn parse(tokens: TokenStream) -> syn::Result<LimitArgs> {
    let mut errors = Errors::default();
    let mut source = None;
    let mut max_waiting = None;
    let krate = args::parse(&SPEC, tokens, &mut errors, |pair| {
        match pair.name {
            "concurrency" => {
                let count = Count {
                    noun: "calls",
                    ty: "usize",
                    max: u64::from(u32::MAX),
                    example: "4",
                    zero: "`concurrency = 0` lets no call run; use a positive number, like `concurrency = 1`",
                    negative: "",
                    too_large: "",
                    fraction: String::new(),
                };
                source = Some(Source::Own(args::positive(&pair.key, &pair.value, &count)?));
            }
            "with" => {
                source = Some(Source::With(pair.value.clone()));
            }
            _ => {
                max_waiting = Some(waiters(&pair.key, &pair.value)?);
            }
        }
        Ok(())
    })?;
    errors.finish()?;
    let Some(source) = source else {
        return Err(syn::Error::new(
            Span::call_site(),
            format!("`#[limit]` needs a limiter: {}", SPEC.usage),
        ));
    };
    Ok(LimitArgs {
        source,
        max_waiting,
        krate: args::krate_tokens(krate.as_ref()),
        krate_path: krate,
    })
}

/// `max_waiting = k`: 0 is allowed (reject whenever no permit is free).
fn waiters(key: &Ident, value: &Expr) -> syn::Result<Whole> {
    if let Expr::Lit(ExprLit {
        lit: Lit::Int(int), ..
    }) = value
        && int.base10_parse::<u64>().ok() == Some(0)
    {
        return Ok(Whole::Literal(0));
    }
    let count = Count {
        noun: "waiting calls",
        ty: "usize",
        max: u64::from(u32::MAX),
        example: "16",
        zero: "",
        negative: "",
        too_large: "",
        fraction: String::new(),
    };
    args::positive(key, value, &count)
}
