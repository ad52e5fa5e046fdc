//! Every signature shape `#[timeout]` supports compiles unchanged and works.
#![deny(warnings, unused_qualifications)]

use std::fmt::Display;
use std::time::Duration;

use orchestrate::{Elapsed, timeout};

#[derive(Debug, PartialEq)]
enum ApiError {
    TimedOut(Elapsed),
    BadInput(String),
}

impl From<Elapsed> for ApiError {
    fn from(elapsed: Elapsed) -> Self {
        ApiError::TimedOut(elapsed)
    }
}

const LIMIT_MS: u64 = 50;

/// Docs and other attributes stay on the fn.
#[timeout(ms = 50)]
#[inline]
async fn free_fn(x: u32) -> Result<u32, ApiError> {
    Ok(x + 1)
}

#[timeout(secs = 1)]
async fn question_mark_and_return(input: &str) -> Result<u32, ApiError> {
    if input.is_empty() {
        return Err(ApiError::BadInput("empty".into()));
    }
    let n: u32 = input
        .parse()
        .map_err(|_| ApiError::BadInput(input.into()))?;
    Ok(n)
}

#[timeout(ms = LIMIT_MS)]
async fn from_constant() -> Result<(), ApiError> {
    orchestrate::sleep(Duration::from_secs(60)).await;
    Ok(())
}

#[timeout(ms = 50)]
async fn generic<T, U: Display>(value: T, label: U) -> Result<(T, String), ApiError>
where
    T: Clone + Send,
{
    Ok((value, label.to_string()))
}

#[timeout(ms = 50)]
async fn lifetimes<'a, 'b: 'a>(a: &'a str, _b: &'b str) -> Result<&'a str, ApiError> {
    Ok(a)
}

#[timeout(ms = 50)]
async fn impl_trait_argument(items: impl IntoIterator<Item = u32>) -> Result<u32, ApiError> {
    Ok(items.into_iter().sum())
}

#[timeout(ms = 50)]
async fn impl_trait_output(n: u32) -> Result<impl Display, ApiError> {
    Ok(n * 2)
}

#[timeout(ms = 50)]
async fn io_result() -> std::io::Result<u8> {
    Ok(1)
}

#[timeout(ms = 50, crate = "orchestrate")]
async fn crate_option() -> Result<u8, ApiError> {
    Ok(2)
}

#[timeout(ms = 50)]
async fn pattern_arguments((a, b): (u32, u32), _: u8) -> Result<u32, ApiError> {
    Ok(a + b)
}

struct Service {
    calls: u32,
}

impl Service {
    #[timeout(ms = 50)]
    async fn by_ref(&self) -> Result<u32, ApiError> {
        Ok(self.calls)
    }

    #[timeout(ms = 50)]
    async fn by_mut(&mut self) -> Result<u32, ApiError> {
        self.calls += 1;
        Ok(self.calls)
    }

    #[timeout(ms = 50)]
    async fn by_value(self) -> Result<u32, ApiError> {
        Ok(self.calls)
    }

    #[timeout(ms = 50)]
    async fn boxed(self: Box<Self>) -> Result<u32, ApiError> {
        Ok(self.calls)
    }

    #[timeout(ms = 50)]
    async fn associated() -> Result<Self, ApiError> {
        Ok(Service { calls: 0 })
    }
}

trait Api {
    async fn fetch(&self, id: u32) -> Result<u32, ApiError>;

    #[timeout(ms = 50)]
    async fn fetch_default(&self) -> Result<u32, ApiError> {
        self.fetch(7).await
    }
}

struct Client;

impl Api for Client {
    #[timeout(ms = 50)]
    async fn fetch(&self, id: u32) -> Result<u32, ApiError> {
        Ok(id)
    }
}

#[async_trait::async_trait]
trait DynApi {
    async fn get(&self, id: u32) -> Result<u32, ApiError>;
    async fn slow(&self) -> Result<u32, ApiError>;
}

#[async_trait::async_trait]
impl DynApi for Client {
    #[timeout(ms = 50)]
    async fn get(&self, id: u32) -> Result<u32, ApiError> {
        Ok(id * 10)
    }

    #[timeout(ms = 20)]
    async fn slow(&self) -> Result<u32, ApiError> {
        orchestrate::sleep(Duration::from_secs(60)).await;
        Ok(0)
    }
}

#[timeout(ms = 50)]
#[tracing::instrument]
async fn timeout_then_instrument(id: u32) -> Result<u32, ApiError> {
    Ok(id)
}

#[tracing::instrument]
#[timeout(ms = 50)]
async fn instrument_then_timeout(id: u32) -> Result<u32, ApiError> {
    Ok(id)
}

fn main() {
    futures::executor::block_on(async {
        assert_eq!(free_fn(1).await, Ok(2));
        assert_eq!(question_mark_and_return("12").await, Ok(12));
        assert_eq!(
            question_mark_and_return("").await,
            Err(ApiError::BadInput("empty".into()))
        );
        assert_eq!(
            question_mark_and_return("x").await,
            Err(ApiError::BadInput("x".into()))
        );
        assert_eq!(
            from_constant().await,
            Err(ApiError::TimedOut(Elapsed::new(Duration::from_millis(
                LIMIT_MS
            ))))
        );
        assert_eq!(generic(5u8, "five").await, Ok((5, "five".to_string())));
        assert_eq!(lifetimes("a", "b").await, Ok("a"));
        assert_eq!(impl_trait_argument([1, 2, 3]).await, Ok(6));
        assert_eq!(impl_trait_output(4).await.unwrap().to_string(), "8");
        assert_eq!(io_result().await.unwrap(), 1);
        assert_eq!(crate_option().await, Ok(2));
        assert_eq!(pattern_arguments((1, 2), 0).await, Ok(3));

        let mut service = Service { calls: 0 };
        assert_eq!(service.by_mut().await, Ok(1));
        assert_eq!(service.by_ref().await, Ok(1));
        assert_eq!(Box::new(Service { calls: 5 }).boxed().await, Ok(5));
        assert_eq!(service.by_value().await, Ok(1));
        assert!(Service::associated().await.is_ok());

        assert_eq!(Client.fetch(3).await, Ok(3));
        assert_eq!(Client.fetch_default().await, Ok(7));
        let dynamic: Box<dyn DynApi> = Box::new(Client);
        assert_eq!(dynamic.get(2).await, Ok(20));
        assert!(matches!(dynamic.slow().await, Err(ApiError::TimedOut(_))));

        assert_eq!(timeout_then_instrument(1).await, Ok(1));
        assert_eq!(instrument_then_timeout(2).await, Ok(2));
    });
}
