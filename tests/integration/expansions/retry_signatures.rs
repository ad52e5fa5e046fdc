//! Every supported shape of `#[retry]` compiles, alone and with `#[timeout]`.

use std::fmt::Display;
use std::time::Duration;

use orchestrate::{Backoff, Elapsed, retry, timeout};

#[derive(Debug, PartialEq)]
enum ApiError {
    Busy,
    TimedOut,
}

impl From<Elapsed> for ApiError {
    fn from(_: Elapsed) -> Self {
        ApiError::TimedOut
    }
}

fn is_busy(error: &ApiError) -> bool {
    *error == ApiError::Busy
}

fn log_retry(error: &ApiError, delay: Duration) {
    let _ = (error, delay);
}

const TIMES: u32 = 4;

#[retry(times = 3)]
async fn free(id: u32) -> Result<u32, ApiError> {
    Ok(id)
}

#[retry(times = TIMES, backoff = none, when = is_busy, notify = log_retry)]
async fn with_paths(id: &str) -> Result<String, ApiError> {
    Ok(id.to_string())
}

#[retry(
    times = 5,
    backoff = exponential(ms = 100, max_secs = 5, factor = 1.5, jitter = 0.5),
    total_secs = 30,
    when = |e| *e == ApiError::Busy,
    notify = |e, d| eprintln!("{e:?}, again in {d:?}"),
)]
async fn with_closures() -> Result<(), ApiError> {
    Ok(())
}

#[orchestrate::retry(times = 2, backoff = fibonacci(secs = 1, max_secs = 8))]
async fn by_path() -> std::io::Result<u8> {
    Ok(1)
}

#[retry(times = 2, backoff = constant(ms = 10, jitter = 1), crate = "orchestrate")]
async fn renamed_crate() -> Result<(), ApiError> {
    Ok(())
}

#[retry(policy = Backoff::exponential(Duration::from_millis(5)).forever().max_elapsed(Duration::from_secs(1)))]
async fn with_policy() -> Result<(), ApiError> {
    Ok(())
}

#[retry(times = 2)]
async fn generic<T: Clone + Display>(value: &T) -> Result<T, ApiError> {
    Ok(value.clone())
}

#[retry(times = 2)]
async fn impl_trait_output() -> Result<impl Display, ApiError> {
    Ok(7)
}

#[retry(times = 3)]
async fn question_mark_and_return(fail: bool) -> Result<u32, ApiError> {
    if fail {
        return Err(ApiError::Busy);
    }
    let value: u32 = "5".parse().map_err(|_| ApiError::Busy)?;
    Ok(value)
}

#[retry(times = 3, backoff = constant(ms = 1))]
#[timeout(ms = 100)]
async fn per_attempt() -> Result<(), ApiError> {
    Ok(())
}

#[timeout(secs = 2)]
#[retry(times = 3, backoff = constant(ms = 1))]
async fn overall() -> Result<(), ApiError> {
    Ok(())
}

#[timeout(secs = 2)]
#[retry(times = 3)]
#[timeout(ms = 100)]
async fn both() -> Result<(), ApiError> {
    Ok(())
}

struct Client {
    calls: u32,
}

impl Client {
    #[retry(times = 3)]
    async fn by_ref(&self) -> Result<u32, ApiError> {
        Ok(self.calls)
    }

    #[retry(times = 3, notify = |_, _| self.calls += 100)]
    async fn by_mut(&mut self) -> Result<u32, ApiError> {
        self.calls += 1;
        if self.calls < 2 {
            Err(ApiError::Busy)
        } else {
            Ok(self.calls)
        }
    }
}

trait Fetch {
    async fn fetch(&mut self) -> Result<u32, ApiError>;
}

impl Fetch for Client {
    #[retry(times = 2)]
    async fn fetch(&mut self) -> Result<u32, ApiError> {
        Ok(self.calls)
    }
}

fn main() {
    futures::executor::block_on(async {
        assert_eq!(free(1).await, Ok(1));
        assert_eq!(with_paths("a").await.as_deref(), Ok("a"));
        assert_eq!(with_closures().await, Ok(()));
        assert_eq!(by_path().await.unwrap(), 1);
        assert_eq!(renamed_crate().await, Ok(()));
        assert_eq!(with_policy().await, Ok(()));
        assert_eq!(generic(&"x").await, Ok("x"));
        assert_eq!(
            impl_trait_output().await.map(|v| v.to_string()),
            Ok("7".to_string())
        );
        assert_eq!(question_mark_and_return(false).await, Ok(5));
        assert_eq!(per_attempt().await, Ok(()));
        assert_eq!(overall().await, Ok(()));
        assert_eq!(both().await, Ok(()));
        let mut client = Client { calls: 0 };
        assert_eq!(client.by_mut().await, Ok(102));
        assert_eq!(client.by_ref().await, Ok(102));
        assert_eq!(client.fetch().await, Ok(102));
    });
}
