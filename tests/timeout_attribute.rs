//! `#[timeout]` on every kind of fn: free, generic, methods by `&self` and
//! `&mut self`, in trait impls (native `async fn` and `#[async_trait]`),
//! stacked with `#[tracing::instrument]` either way, and at the largest
//! limits. Each runs on a `VirtualClock`, so expiries are checked to the exact
//! instant. (`#[timeout]` stacked with `#[retry]` is in `retry.rs`.)

use support::runtime_tests;

use std::time::Duration;

use orchestrate::{Elapsed, sleep, timer};
use support::{DropCounter, DropGuard, FOREVER, ms, on_virtual_time};

#[derive(Debug, Clone, PartialEq)]
enum AppError {
    TimedOut(Elapsed),
}

impl From<Elapsed> for AppError {
    fn from(e: Elapsed) -> Self {
        AppError::TimedOut(e)
    }
}

// ------------------------------------------------------------ #[timeout] fns

#[orchestrate::timeout(ms = 40)]
async fn free_fn(delay: Duration, guard: DropGuard) -> Result<u32, AppError> {
    sleep(delay).await;
    guard.defuse();
    Ok(1)
}

#[orchestrate::timeout(ms = 40)]
async fn generic_fn<T: Clone + Send>(value: &T, delay: Duration) -> Result<T, AppError> {
    sleep(delay).await;
    Ok(value.clone())
}

#[orchestrate::timeout(secs = 18_446_744_073_709_551_615)]
async fn limit_of_u64_max_secs(delay: Duration) -> Result<(), AppError> {
    sleep(delay).await;
    Ok(())
}

#[orchestrate::timeout(ms = 18_446_744_073_709_551_615)]
async fn limit_of_u64_max_ms(delay: Duration) -> Result<(), AppError> {
    sleep(delay).await;
    Ok(())
}

#[orchestrate::timeout(ms = 40)]
#[tracing::instrument(skip_all)]
async fn timeout_over_instrument(delay: Duration) -> Result<u32, AppError> {
    tracing::info!("inside");
    sleep(delay).await;
    Ok(2)
}

#[tracing::instrument(skip_all)]
#[orchestrate::timeout(ms = 40)]
async fn instrument_over_timeout(delay: Duration) -> Result<u32, AppError> {
    tracing::info!("inside");
    sleep(delay).await;
    Ok(3)
}

struct Service {
    calls: u32,
}

impl Service {
    #[orchestrate::timeout(ms = 40)]
    async fn by_ref(&self, delay: Duration) -> Result<u32, AppError> {
        sleep(delay).await;
        Ok(self.calls)
    }

    #[orchestrate::timeout(ms = 40)]
    async fn by_mut(&mut self, delay: Duration) -> Result<u32, AppError> {
        self.calls += 1;
        sleep(delay).await;
        self.calls += 10;
        Ok(self.calls)
    }
}

trait Store {
    async fn get(&self, delay: Duration) -> Result<u32, AppError>;
}

impl Store for Service {
    #[orchestrate::timeout(ms = 40)]
    async fn get(&self, delay: Duration) -> Result<u32, AppError> {
        sleep(delay).await;
        Ok(self.calls * 100)
    }
}

#[async_trait::async_trait]
trait DynStore {
    async fn fetch(&self, delay: Duration) -> Result<u32, AppError>;
}

#[async_trait::async_trait]
impl DynStore for Service {
    #[orchestrate::timeout(ms = 40)]
    async fn fetch(&self, delay: Duration) -> Result<u32, AppError> {
        sleep(delay).await;
        Ok(self.calls + 7)
    }
}

/// A timeout error of the 40 ms limit every `#[timeout]` fn here has.
fn timed_out() -> AppError {
    AppError::TimedOut(Elapsed::new(ms(40)))
}

runtime_tests! {
    async fn timeout_attribute_on_a_free_fn() {
        on_virtual_time(async {
            let drops = DropCounter::new();
            assert_eq!(free_fn(ms(1), drops.guard()).await, Ok(1));
            assert_eq!(drops.dropped(), 0);
            let start = timer::now();
            assert_eq!(free_fn(FOREVER, drops.guard()).await, Err(timed_out()));
            assert_eq!(drops.dropped(), 1, "the body is dropped on expiry");
            assert_eq!(timer::now() - start, ms(40), "expired at the exact limit");
        })
        .await;
    }

    async fn timeout_attribute_on_methods() {
        on_virtual_time(async {
            let mut service = Service { calls: 1 };
            assert_eq!(service.by_ref(ms(1)).await, Ok(1));
            assert_eq!(service.by_ref(FOREVER).await, Err(timed_out()));
            assert_eq!(service.by_mut(ms(1)).await, Ok(12));
            // The body ran up to its `.await` and was dropped there.
            assert_eq!(service.by_mut(FOREVER).await, Err(timed_out()));
            assert_eq!(service.calls, 13);
        })
        .await;
    }

    async fn timeout_attribute_on_a_generic_fn() {
        on_virtual_time(async {
            assert_eq!(generic_fn(&"ada".to_string(), ms(1)).await, Ok("ada".to_string()));
            assert_eq!(generic_fn(&7_u8, FOREVER).await, Err(timed_out()));
        })
        .await;
    }

    async fn timeout_attribute_in_trait_impls() {
        on_virtual_time(async {
            let service = Service { calls: 2 };
            assert_eq!(service.get(ms(1)).await, Ok(200));
            assert_eq!(service.get(FOREVER).await, Err(timed_out()));
            assert_eq!(service.fetch(ms(1)).await, Ok(9));
            assert_eq!(service.fetch(FOREVER).await, Err(timed_out()));
            let dynamic: &(dyn DynStore + Sync) = &service;
            assert_eq!(dynamic.fetch(FOREVER).await, Err(timed_out()));
        })
        .await;
    }

    async fn timeout_attribute_composes_with_tracing_instrument_either_way() {
        on_virtual_time(async {
            assert_eq!(timeout_over_instrument(ms(1)).await, Ok(2));
            assert_eq!(timeout_over_instrument(FOREVER).await, Err(timed_out()));
            assert_eq!(instrument_over_timeout(ms(1)).await, Ok(3));
            assert_eq!(instrument_over_timeout(FOREVER).await, Err(timed_out()));
        })
        .await;
    }

    async fn timeout_attribute_at_u64_max_never_fires_and_never_panics() {
        on_virtual_time(async {
            assert_eq!(limit_of_u64_max_secs(ms(5)).await, Ok(()));
            assert_eq!(limit_of_u64_max_ms(ms(5)).await, Ok(()));
        })
        .await;
    }
}
