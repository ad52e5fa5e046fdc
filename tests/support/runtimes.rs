//! The five runtimes every case of [`runtime_tests!`](crate::runtime_tests)
//! runs under.

use std::future::Future;
use std::pin::Pin;

/// A test body, boxed so that each runtime's machinery (a `block_on`, a
/// spawned task) is compiled once per test binary, not once per case: with
/// a copy per case the test binaries took four times as long to build.
pub type Body = Pin<Box<dyn Future<Output = ()> + Send>>;

/// Boxes a test body; the multi-thread runtime needs it `Send` anyway.
pub fn boxed(body: impl Future<Output = ()> + Send + 'static) -> Body {
    Box::pin(body)
}

/// Generates one `#[test]` per case and per runtime.
///
/// ```ignore
/// runtime_tests! {
///     async fn order_is_kept() { /* async body */ }
///     #[should_panic(expected = "...")]
///     async fn misuse_panics() { /* ... */ }
/// }
/// ```
///
/// expands to a module `__cases` with each case as an `async fn`, compiled
/// once, and the modules `tokio_current_thread`, `tokio_multi_thread`,
/// `async_std`, `smol` and `futures_executor`, each with a `#[test] fn` per
/// case that runs it to completion on that runtime. Under tokio's
/// multi-thread runtime the body is spawned onto a worker, which also proves
/// every future it awaits is `Send`. Attributes on a case (such as
/// `#[should_panic]`) are kept on each generated test.
///
/// The five tests of a case run at once and share its body's `static`s
/// (including the hidden one of a `#[limit(concurrency = n)]` fn declared
/// in it): such cases go in [`runtime_tests_each!`](crate::runtime_tests_each).
#[macro_export]
macro_rules! runtime_tests {
    (@cases $( $(#[$attr:meta])* async fn $name:ident() $body:block )*) => {
        mod __cases {
            #[allow(unused_imports)]
            use super::*;
            $( pub(super) async fn $name() $body )*
        }
    };
    (@runtime $runtime:ident, $run:path;
        $( $(#[$attr:meta])* async fn $name:ident() $body:block )*
    ) => {
        mod $runtime {
            $(
                #[test]
                $(#[$attr])*
                fn $name() {
                    $run($crate::runtimes::boxed(super::__cases::$name()));
                }
            )*
        }
    };
    ($($cases:tt)*) => {
        $crate::runtime_tests!(@cases $($cases)*);
        $crate::__each_runtime!(runtime_tests; $($cases)*);
    };
}

/// [`runtime_tests!`](crate::runtime_tests), but with a copy of each case's
/// body per runtime: for cases whose `static`s (a `const`-built limiter, a
/// breaker, an attribute's hidden one) each runtime's test must have to
/// itself.
#[macro_export]
macro_rules! runtime_tests_each {
    (@runtime $runtime:ident, $run:path;
        $( $(#[$attr:meta])* async fn $name:ident() $body:block )*
    ) => {
        mod $runtime {
            #[allow(unused_imports)]
            use super::*;
            $(
                #[test]
                $(#[$attr])*
                fn $name() {
                    $run($crate::runtimes::boxed(async move $body));
                }
            )*
        }
    };
    ($($cases:tt)*) => {
        $crate::__each_runtime!(runtime_tests_each; $($cases)*);
    };
}

/// Invokes `$mac!(@runtime …)` once per runtime.
#[doc(hidden)]
#[macro_export]
macro_rules! __each_runtime {
    ($mac:ident; $($cases:tt)*) => {
        $crate::$mac!(@runtime tokio_current_thread, $crate::runtimes::run_tokio_current_thread; $($cases)*);
        $crate::$mac!(@runtime tokio_multi_thread, $crate::runtimes::run_tokio_multi_thread; $($cases)*);
        $crate::$mac!(@runtime async_std, $crate::runtimes::run_async_std; $($cases)*);
        $crate::$mac!(@runtime smol, $crate::runtimes::run_smol; $($cases)*);
        $crate::$mac!(@runtime futures_executor, $crate::runtimes::run_futures_executor; $($cases)*);
    };
}

/// Runs `body` on a tokio current-thread runtime. No tokio driver is enabled:
/// nothing under test may need tokio's timer or reactor.
pub fn run_tokio_current_thread(body: impl Future<Output = ()>) {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a tokio current-thread runtime")
        .block_on(body);
}

/// Spawns `body` onto a worker of a tokio multi-thread runtime (so it must be
/// `Send + 'static`) and waits for it; a panic in the body is re-raised here
/// with its own payload, so `#[should_panic(expected = ...)]` still matches.
pub fn run_tokio_multi_thread(body: impl Future<Output = ()> + Send + 'static) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .expect("a tokio multi-thread runtime");
    match runtime.block_on(runtime.spawn(body)) {
        Ok(()) => {}
        Err(error) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
        Err(error) => panic!("the test task did not finish: {error}"),
    }
}

/// Runs `body` on async-std's executor.
pub fn run_async_std(body: impl Future<Output = ()>) {
    async_std::task::block_on(body);
}

/// Runs `body` on smol's executor.
pub fn run_smol(body: impl Future<Output = ()>) {
    smol::block_on(body);
}

/// Runs `body` on `futures::executor::block_on`.
pub fn run_futures_executor(body: impl Future<Output = ()>) {
    futures::executor::block_on(body);
}
