//! The join macros infer as their collection forms do, under every runtime:
//! a branch's `T` and `E` come from its siblings or from the expected type
//! (generic branch fns, `async` blocks), and an uninhabited error type works
//! (as futures-rs' `try_join_never_error`), warning-free.
#![deny(unreachable_code, unreachable_patterns, unused)]
#![allow(clippy::unused_async)]

use support::runtime_tests;

use std::convert::Infallible;

use orchestrate::{AllFailed, first_ok, parallel, race, settled};

/// A generic client call, as `async fn get<T: DeserializeOwned>(url) -> Result<T, E>`.
async fn get<T: Default>(ok: bool) -> Result<T, String> {
    if ok {
        Ok(T::default())
    } else {
        Err("down".into())
    }
}

async fn fetch() -> Result<u8, String> {
    Ok(3)
}

async fn count() -> u32 {
    4
}

/// `!`, reached through a trait projection on stable Rust.
trait HasOutput {
    type Output;
}
impl<T> HasOutput for fn() -> T {
    type Output = T;
}
type Never = <fn() -> ! as HasOutput>::Output;

runtime_tests! {
    async fn first_ok_infers_a_generic_branch_from_the_expected_type() {
        let r: Result<u32, AllFailed<String>> = first_ok!(get(false), get(true)).await;
        assert_eq!(r, Ok(0));
    }

    async fn first_ok_infers_a_generic_branch_from_a_later_sibling() {
        let r = first_ok!(get(false), get(false), async { Ok(5_u16) }).await;
        assert_eq!(r, Ok(5));
        let r = first_ok!(async { Err(1) }, async { Ok::<_, u8>("x") }).await;
        assert_eq!(r, Ok("x"));
    }

    async fn parallel_infers_an_async_blocks_error_from_a_sibling() {
        let r = parallel!(async { Ok(1) }, fetch()).await;
        assert_eq!(r, Ok((1, 3)));
        let r = parallel!(fetch(), async { Ok("two") }, get(true)).await;
        assert_eq!(r, Ok((3, "two", 0_u64)));
    }

    async fn race_infers_a_branch_from_its_siblings_and_the_expected_type() {
        let r = race!(async { Default::default() }, count()).await;
        assert_eq!(r, 0);
        let r: u8 = race!(async { 9 }, async { Default::default() }).await;
        assert_eq!(r, 9);
        let r: Result<u16, String> = race!(get(true), get(false)).await;
        assert_eq!(r, Ok(0));
    }

    async fn settled_keeps_each_branch_its_own_type() {
        let (a, b): (Result<u8, String>, Result<String, String>) = settled!(get(true), get(true)).await;
        assert_eq!((a, b), (Ok(0), Ok(String::new())));
    }

    async fn parallel_with_an_uninhabited_error_type() {
        let r = parallel!(async { Ok::<(), Never>(()) }, async { Ok::<(), Never>(()) }).await;
        assert!(matches!(r, Ok(((), ()))));
        let r = parallel!(async { Ok::<u8, Never>(1) }, async { Ok(2) }).await;
        assert!(matches!(r, Ok((1, 2))));
    }

    async fn first_ok_and_race_with_an_uninhabited_type() {
        let r = first_ok!(async { Ok::<u8, Never>(1) }, async { Ok::<u8, Never>(2) }).await;
        assert!(matches!(r, Ok(1)));
        let r = race!(async { Ok::<u8, Never>(1) }, async { Ok::<u8, Never>(2) }).await;
        assert!(matches!(r, Ok(1)));
    }

    async fn infallible_still_works() {
        let r = parallel!(async { Ok::<_, Infallible>(1) }, async { Ok(2) }).await;
        assert_eq!(r, Ok((1, 2)));
        let r = first_ok!(async { Ok::<_, Infallible>(1) }, async { Ok(2) }).await;
        assert_eq!(r, Ok(1));
    }
}
