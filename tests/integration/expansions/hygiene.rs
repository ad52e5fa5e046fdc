//! Expansions name everything through absolute paths and hygienic locals: a
//! crate that shadows prelude names and uses the macros' internal names for
//! its own locals still compiles, warning-free under strict lints.
#![deny(warnings, unused_qualifications, clippy::pedantic)]
#![allow(dead_code, non_camel_case_types, clippy::used_underscore_binding)]
// Branches are often `async fn`s that await nothing: a branch must be a future.
#![allow(clippy::unused_async)]

use orchestrate::{Elapsed, first_ok, parallel, race, settled, timeout};

// Shadow the prelude names an expansion might lean on.
struct Option;
struct Some;
struct None;
struct Ok;
struct Err;
struct Box;
struct Vec;
struct Future;
struct Poll;
struct Pin;
struct Context;
struct Duration;
struct Branch;

#[derive(Debug)]
struct Failed;

impl From<Elapsed> for Failed {
    fn from(_: Elapsed) -> Self {
        Failed
    }
}

#[timeout(ms = 100)]
async fn guarded(__orchestrate_ret: u32) -> Result<u32, Failed> {
    let __orchestrate_out = __orchestrate_ret;
    let __orchestrate_elapsed = 1;
    Result::Ok(__orchestrate_out + __orchestrate_elapsed)
}

async fn one(n: u32) -> Result<u32, Failed> {
    Result::Ok(n)
}

fn main() {
    futures::executor::block_on(async {
        let __f0 = 10;
        let __cx = 20;
        let __this = 30;
        let __done = 40;
        let __x = 50;
        let all = parallel!(one(__f0), one(__cx), one(__this), one(__done), one(__x)).await;
        assert!(matches!(all, Result::Ok((10, 20, 30, 40, 50))));
        let (a, b) = settled!(one(1), one(2)).await;
        assert!(a.is_ok() && b.is_ok());
        assert!(race!(one(3), one(4)).await.is_ok());
        assert!(first_ok!(one(5), one(6)).await.is_ok());
        assert!(matches!(guarded(1).await, Result::Ok(2)));
    });
}
