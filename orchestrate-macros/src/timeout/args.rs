//! `#[timeout(ms = N)]`'s keys and their values, on the shared argument
//! layer.

use proc_macro2::{Span, TokenStream};
use syn::{Expr, Path};

use crate::args::{self, Dur, Key, Spec};
use crate::errors::Errors;

pub(crate) const SPEC: Spec = Spec {
    keys: &[
        Key::shared("ms", "the limit"),
        Key::shared("secs", "the limit"),
        Key::own("on_timeout"),
    ],
    usage: "write `#[timeout(ms = 2000)]` or `#[timeout(secs = 2)]`",
    hints: &[
        (
            &["millis", "milliseconds", "millisecond", "msec", "msecs"],
            "; did you mean `ms`?",
        ),
        (&["s", "sec", "second", "seconds"], "; did you mean `secs`?"),
        (
            &["duration", "timeout", "limit"],
            ", the unit is the key: `ms = 2000` or `secs = 2`",
        ),
        (
            &["on_elapsed", "error", "map_err", "or_else", "on_expiry"],
            "; did you mean `on_timeout`?",
        ),
    ],
    bare_number: |digits| {
        format!(
            "a bare number does not say its unit: write `ms = {digits}` for {digits} milliseconds or `secs = {digits}` for seconds"
        )
    },
};

/// The validated arguments.
pub(crate) struct TimeoutArgs {
    pub(crate) limit: Dur,
    /// `on_timeout = …`: builds the fn's error from the `Elapsed`.
    pub(crate) on_timeout: Option<Expr>,
    /// The path of the `orchestrate` facade, `::orchestrate` by default.
    pub(crate) krate: TokenStream,
    /// `crate = "…"` as written, to recognise the attributes of that path.
    pub(crate) krate_path: Option<Path>,
}

/// Parses and validates the arguments; every error found is reported, not
/// only the first.
pub(crate) fn parse(tokens: TokenStream) -> syn::Result<TimeoutArgs> {
    let mut errors = Errors::default();
    let mut limit = None;
    let mut on_timeout = None;
    let krate = args::parse(&SPEC, tokens, &mut errors, |pair| {
        if pair.name == "on_timeout" {
            on_timeout = Some(pair.value.clone());
            return Ok(());
        }
        let unit = if pair.name == "ms" {
            "milliseconds"
        } else {
            "seconds"
        };
        let zero = format!(
            "a limit of 0 {unit} fails every call that is not ready at once; use a positive number, like `{} = 1`",
            pair.name
        );
        limit = Some(args::duration(&pair.key, &pair.value, &zero)?);
        Ok(())
    })?;
    errors.finish()?;
    let Some(limit) = limit else {
        return Err(syn::Error::new(
            Span::call_site(),
            format!("`#[timeout]` needs a limit: {}", SPEC.usage),
        ));
    };
    Ok(TimeoutArgs {
        limit,
        on_timeout,
        krate: args::krate_tokens(krate.as_ref()),
        krate_path: krate,
    })
}
