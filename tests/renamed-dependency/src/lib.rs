//! A user crate that depends on orchestrate under another name (`orch`) and
//! denies pedantic and qualification lints: every macro must expand to code
//! that resolves through the renamed path and stays lint-clean.
#![deny(unused_qualifications, clippy::pedantic, missing_docs)]

use std::time::Duration;

use orch::Elapsed;

/// An application error that can hold a timeout.
#[derive(Debug, PartialEq, Eq)]
pub enum AppError {
    /// The call ran out of time.
    TimedOut(Elapsed),
    /// The service said no.
    Refused(u32),
}

impl From<Elapsed> for AppError {
    fn from(elapsed: Elapsed) -> Self {
        AppError::TimedOut(elapsed)
    }
}

/// A call that succeeds after `ms` milliseconds, or is refused when `ms` is 0.
///
/// # Errors
///
/// `Refused` for 0, `TimedOut` past 50 ms.
#[orch::timeout(ms = 50, crate = "orch")]
pub async fn call(ms: u64) -> Result<u64, AppError> {
    if ms == 0 {
        return Err(AppError::Refused(0));
    }
    orch::sleep(Duration::from_millis(ms)).await;
    Ok(ms)
}

/// Every function-like macro, through the renamed crate.
///
/// # Errors
///
/// The first failed call.
///
/// # Panics
///
/// If a macro's output is not what its contract says.
pub async fn everything() -> Result<(u64, u64), AppError> {
    let pair = orch::parallel!(call(1), call(2)).await?;
    let (a, b) = orch::settled!(call(1), call(0)).await;
    assert!(a.is_ok() && b.is_err());
    let winner = orch::race!(call(30), call(1)).await?;
    assert_eq!(winner, 1);
    let any = orch::first_ok!(call(0), call(3)).await;
    assert_eq!(any, Ok(3));
    Ok(pair)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn macros_work_through_a_renamed_dependency() {
        futures::executor::block_on(async {
            assert_eq!(everything().await, Ok((1, 2)));
            assert_eq!(
                call(5_000).await,
                Err(AppError::TimedOut(Elapsed::new(Duration::from_millis(50))))
            );
        });
    }
}
