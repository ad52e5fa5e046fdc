//! A fixed-set join's future is no larger than the same branches joined by
//! `futures::join!` / `try_join!` in an `async` block, for the compiled joins
//! (up to 12 branches) and the ones made per call (13 and more).

use std::mem::size_of_val;

use orchestrate::prelude::*;

async fn step(x: u32) -> Result<u32, String> {
    let doubled = x * 2;
    std::future::ready(()).await;
    Ok(doubled)
}

async fn value(x: u64) -> u64 {
    std::future::ready(()).await;
    x
}

/// A small future with a large output: keeping the whole `Result` is where
/// a join could grow.
async fn big(x: u8) -> Result<[u8; 256], String> {
    std::future::ready(()).await;
    Ok([x; 256])
}

#[test]
fn fixed_joins_are_no_larger_than_futures_join() {
    let ours = size_of_val(&parallel!(step(1), step(2), step(3)));
    let theirs = size_of_val(&async { futures::try_join!(step(1), step(2), step(3)) });
    assert!(
        ours <= theirs,
        "parallel! of 3: {ours} B, try_join!: {theirs} B"
    );

    let ours = size_of_val(&settled!(step(1), step(2)));
    let theirs = size_of_val(&async { futures::join!(step(1), step(2)) });
    assert!(ours <= theirs, "settled! of 2: {ours} B, join!: {theirs} B");

    let ours = size_of_val(&race!(value(1), value(2), value(3)));
    let theirs = size_of_val(&async { futures::join!(value(1), value(2), value(3)) });
    assert!(ours <= theirs, "race! of 3: {ours} B, join!: {theirs} B");

    let ours = size_of_val(&first_ok!(step(1), step(2)));
    let theirs = size_of_val(&async { futures::join!(step(1), step(2)) });
    assert!(
        ours <= theirs,
        "first_ok! of 2: {ours} B, join!: {theirs} B"
    );

    let ours = size_of_val(&parallel!(big(1), big(2)));
    let theirs = size_of_val(&async { futures::join!(big(1), big(2)) });
    assert!(
        ours <= theirs,
        "parallel! of 2 large outputs: {ours} B, join!: {theirs} B"
    );
}

/// `$join!` of 13 branches, one past the joins compiled in the library.
macro_rules! thirteen {
    ($($join:ident)::+) => {
        $($join)::+!(
            step(1),
            step(2),
            step(3),
            step(4),
            step(5),
            step(6),
            step(7),
            step(8),
            step(9),
            step(10),
            step(11),
            step(12),
            step(13)
        )
    };
}

#[test]
fn joins_made_per_call_are_no_larger_than_futures_join() {
    let ours = size_of_val(&thirteen!(parallel));
    let theirs = size_of_val(&async { thirteen!(futures::try_join) });
    assert!(
        ours <= theirs,
        "parallel! of 13: {ours} B, try_join!: {theirs} B"
    );
}
