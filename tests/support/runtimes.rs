//! The five runtimes every case of [`runtime_tests!`](crate::runtime_tests)
//! runs under.

use std::future::Future;

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
/// expands to the modules `tokio_current_thread`, `tokio_multi_thread`,
/// `async_std`, `smol` and `futures_executor`, each with a `#[test] fn` per
/// case that runs the body to completion on that runtime. Under tokio's
/// multi-thread runtime the body is spawned onto a worker, which also proves
/// every future it awaits is `Send`. Attributes on a case (such as
/// `#[should_panic]`) are kept on each generated test.
#[macro_export]
macro_rules! runtime_tests {
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
                    $run(async move $body);
                }
            )*
        }
    };
    ($($cases:tt)*) => {
        $crate::runtime_tests!(@runtime tokio_current_thread, $crate::runtimes::run_tokio_current_thread; $($cases)*);
        $crate::runtime_tests!(@runtime tokio_multi_thread, $crate::runtimes::run_tokio_multi_thread; $($cases)*);
        $crate::runtime_tests!(@runtime async_std, $crate::runtimes::run_async_std; $($cases)*);
        $crate::runtime_tests!(@runtime smol, $crate::runtimes::run_smol; $($cases)*);
        $crate::runtime_tests!(@runtime futures_executor, $crate::runtimes::run_futures_executor; $($cases)*);
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
