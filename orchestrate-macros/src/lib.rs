//! Procedural macros of [orchestrate](https://docs.rs/orchestrate). Depend on
//! `orchestrate` and use them from there: the function-like macros are reached
//! through the facade's `parallel!`, `settled!`, `race!` and `first_ok!`, which
//! pass it their own path so expansions work under a renamed dependency.
//!
//! Layout: `timeout/` (args → item → expand) and `join/` (input → expand);
//! every error is a `syn::Error` on the offending tokens, never a panic.

mod errors;
mod join;
mod timeout;

use proc_macro::TokenStream;

/// Puts a time limit on an `async fn`, in any runtime.
///
/// `#[timeout(ms = N)]` or `#[timeout(secs = N)]` (a positive literal, or the
/// name of a `u64` constant). The signature stays exactly as written; only the
/// body is wrapped in [`orchestrate::timeout`](https://docs.rs/orchestrate/latest/orchestrate/fn.timeout.html),
/// whose clock starts when the returned future is first polled. The fn must
/// return `Result<T, E>` with `E: From<orchestrate::Elapsed>`: on expiry the
/// body's future is dropped and the call returns `Err(E::from(elapsed))`.
/// `?` and `return` in the body work as before.
///
/// It works on free fns, methods with any receiver, generic fns, `async fn` in
/// trait impls and trait default bodies, and on methods rewritten by
/// `#[async_trait]`. Options: `crate = "orch"` when the `orchestrate`
/// dependency is renamed in Cargo.toml.
///
/// ```
/// use orchestrate::{timeout, Elapsed};
///
/// #[derive(Debug)]
/// enum ApiError { TimedOut(Elapsed), NotFound }
/// impl From<Elapsed> for ApiError {
///     fn from(e: Elapsed) -> Self { ApiError::TimedOut(e) }
/// }
///
/// #[timeout(ms = 50)]
/// async fn fetch_user(id: u32) -> Result<String, ApiError> {
///     if id == 0 { return Err(ApiError::NotFound); }
///     orchestrate::sleep(std::time::Duration::from_millis(u64::from(id))).await;
///     Ok(format!("user {id}"))
/// }
///
/// # futures::executor::block_on(async {
/// assert_eq!(fetch_user(1).await.unwrap(), "user 1");
/// match fetch_user(5_000).await {
///     Err(ApiError::TimedOut(e)) => assert_eq!(e.to_string(), "timed out after 50ms"),
///     other => panic!("{other:?}"),
/// }
/// # });
/// ```
#[proc_macro_attribute]
pub fn timeout(args: TokenStream, item: TokenStream) -> TokenStream {
    timeout::attribute(args.into(), item.into()).into()
}

/// The engine of `orchestrate::parallel!`; call that instead.
#[doc(hidden)]
#[proc_macro]
pub fn parallel(input: TokenStream) -> TokenStream {
    join::macro_call(join::Kind::Parallel, input.into()).into()
}

/// The engine of `orchestrate::settled!`; call that instead.
#[doc(hidden)]
#[proc_macro]
pub fn settled(input: TokenStream) -> TokenStream {
    join::macro_call(join::Kind::Settled, input.into()).into()
}

/// The engine of `orchestrate::race!`; call that instead.
#[doc(hidden)]
#[proc_macro]
pub fn race(input: TokenStream) -> TokenStream {
    join::macro_call(join::Kind::Race, input.into()).into()
}

/// The engine of `orchestrate::first_ok!`; call that instead.
#[doc(hidden)]
#[proc_macro]
pub fn first_ok(input: TokenStream) -> TokenStream {
    join::macro_call(join::Kind::FirstOk, input.into()).into()
}
