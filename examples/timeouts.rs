//! Timeouts five ways: the function, the method, `try_timeout` around a
//! fallible call, the attribute, and a deadline shared by sequential steps.
//!
//! ```text
//! cargo run --example timeouts
//! ```

use std::time::Duration;

use orchestrate::prelude::*;
use orchestrate::sleep;

#[derive(Debug)]
enum ApiError {
    TimedOut(Elapsed),
}

impl From<Elapsed> for ApiError {
    fn from(elapsed: Elapsed) -> Self {
        ApiError::TimedOut(elapsed)
    }
}

/// A call that takes `ms` milliseconds.
async fn call(ms: u64) -> &'static str {
    sleep(Duration::from_millis(ms)).await;
    "done"
}

/// The attribute: the whole body runs under the limit; on expiry the call
/// returns `Err(ApiError::from(elapsed))`.
#[timeout(ms = 100)]
async fn fetch_report(ms: u64) -> Result<&'static str, ApiError> {
    Ok(call(ms).await)
}

/// Two fallible steps, each limited to 100 ms, with `?` on each.
async fn fetch_summary(ms: u64) -> Result<String, ApiError> {
    let user = async { Ok::<_, ApiError>(call(10).await) }
        .try_timeout(Duration::from_millis(100))
        .await?;
    let report = fetch_report_unlimited(ms)
        .try_timeout(Duration::from_millis(100))
        .await?;
    Ok(format!("{user}, {report}"))
}

async fn fetch_report_unlimited(ms: u64) -> Result<&'static str, ApiError> {
    Ok(call(ms).await)
}

fn main() {
    futures::executor::block_on(async {
        // The function: Ok(output) or Err(Elapsed).
        let fast = timeout(Duration::from_millis(100), call(10)).await;
        let slow = timeout(Duration::from_millis(100), call(5_000)).await;
        println!("timeout(100ms, 10ms call)     -> {fast:?}");
        println!(
            "timeout(100ms, 5s call)       -> {:?}",
            slow.map_err(|e| e.to_string())
        );

        // The method, from the prelude.
        let method = call(5_000).timeout(Duration::from_millis(50)).await;
        println!(
            "call(5s).timeout(50ms)        -> {:?}",
            method.map_err(|e| e.to_string())
        );

        // Around a fallible call: `try_timeout` makes the timeout one of the
        // call's own errors, so `?` works and no `unwrap` can panic on expiry.
        for ms in [10, 5_000] {
            let report = fetch_summary(ms).await;
            println!(
                "try_timeout(100ms) {ms:>4} ms   -> {:?}",
                report.map_err(|ApiError::TimedOut(elapsed)| elapsed.to_string())
            );
        }

        // The attribute.
        for ms in [10, 5_000] {
            match fetch_report(ms).await {
                Ok(report) => println!("#[timeout(ms = 100)] {ms:>4} ms -> Ok({report:?})"),
                Err(ApiError::TimedOut(elapsed)) => {
                    println!("#[timeout(ms = 100)] {ms:>4} ms -> Err({elapsed})");
                }
            }
        }

        // A deadline: one budget for several steps in a row.
        let budget = Deadline::after(Duration::from_millis(300));
        for (step, ms) in [("login", 100), ("load", 100), ("render", 1_000)] {
            match budget.run(call(ms)).await {
                Ok(_) => println!(
                    "deadline step {step:<7} ({ms:>4} ms) -> ok, {:?} left",
                    budget.remaining()
                ),
                Err(elapsed) => println!("deadline step {step:<7} ({ms:>4} ms) -> {elapsed}"),
            }
        }
    });
}
