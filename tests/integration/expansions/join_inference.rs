//! Branch types inferred from siblings and from the expected type, and an
//! uninhabited error type, without a warning.
#![deny(warnings, unreachable_code, unreachable_patterns)]
// Branches are often `async fn`s that await nothing: a branch must be a future.
#![allow(clippy::unused_async)]

use std::time::Duration;

use orchestrate::{AllFailed, Elapsed, first_ok, parallel, race, settled};

async fn get<T: Default>(ok: bool) -> Result<T, String> {
    if ok {
        Ok(T::default())
    } else {
        Err("e".into())
    }
}

async fn fetch() -> Result<u8, String> {
    Ok(3)
}

trait HasOutput {
    type Output;
}
impl<T> HasOutput for fn() -> T {
    type Output = T;
}
type Never = <fn() -> ! as HasOutput>::Output;

#[derive(Debug)]
struct TimedOut;
impl From<Elapsed> for TimedOut {
    fn from(_: Elapsed) -> Self {
        TimedOut
    }
}

fn main() {
    futures::executor::block_on(async {
        let r: Result<u32, AllFailed<String>> = first_ok!(get(false), get(true)).await;
        assert_eq!(r, Ok(0));
        assert_eq!(parallel!(async { Ok(1) }, fetch()).await, Ok((1, 3)));
        assert_eq!(race!(async { Default::default() }, async { 2_u8 }).await, 0);
        let r = parallel!(async { Ok::<(), Never>(()) }, async { Ok::<(), Never>(()) }).await;
        assert!(r.is_ok());
        let r = first_ok!(async { Ok::<u8, Never>(1) }, async { Ok(2) }).await;
        assert!(r.is_ok());
        let (a,) = settled!(timeout = Duration::from_secs(1); async { Ok::<_, TimedOut>(1) }).await;
        assert!(a.is_ok());
    });
}
