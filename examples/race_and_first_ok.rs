//! `race` (first to finish, success or not) and `first_ok` (first success,
//! or every error), as macros over a fixed set and as functions over a
//! collection.
//!
//! ```text
//! cargo run --example race_and_first_ok
//! ```

use std::time::Duration;

use orchestrate::{first_ok, race, sleep};

async fn mirror(name: &'static str, ms: u64, up: bool) -> Result<String, String> {
    sleep(Duration::from_millis(ms)).await;
    if up {
        Ok(format!("payload from {name}"))
    } else {
        Err(format!("{name} is down"))
    }
}

fn main() {
    futures::executor::block_on(async {
        // race!: the fastest answer wins, even an error.
        let fastest = race!(
            mirror("eu", 80, true),
            mirror("us", 20, false),
            mirror("ap", 50, true)
        )
        .await;
        println!("race!(eu 80ms, us 20ms down, ap 50ms)     -> {fastest:?}");

        // first_ok!: the fastest *success* wins.
        let first = first_ok!(
            mirror("eu", 80, true),
            mirror("us", 20, false),
            mirror("ap", 50, true)
        )
        .await;
        println!("first_ok!(eu 80ms, us 20ms down, ap 50ms) -> {first:?}");

        // Every branch failed: AllFailed keeps each error in branch order.
        let none = first_ok!(mirror("eu", 30, false), mirror("us", 10, false))
            .await
            .unwrap_err();
        println!(
            "first_ok!(all down)                        -> {none}: {:?}",
            none.errors()
        );

        // The same over a collection decided at run time.
        let regions = [("eu", 60), ("us", 15), ("ap", 35), ("sa", 90)];
        let winner = race(regions.map(|(name, ms)| mirror(name, ms, true))).await;
        println!("race(4 regions)                            -> {winner:?}");
        let healthy = first_ok(regions.map(|(name, ms)| mirror(name, ms, name != "us"))).await;
        println!("first_ok(4 regions, us down)               -> {healthy:?}");
    });
}
