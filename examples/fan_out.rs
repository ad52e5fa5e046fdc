//! A bounded fan-out over a collection: 24 downloads, at most 4 at once,
//! progress printed as each finishes, results in input order, failures kept.
//!
//! ```text
//! cargo run --example fan_out
//! ```

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use orchestrate::{parallel, settled, sleep};

/// A download of `page` that takes between 20 and 110 ms; every 7th fails.
async fn download(page: usize) -> Result<usize, String> {
    let ms = 20 + (page * 37) % 91;
    sleep(Duration::from_millis(ms as u64)).await;
    if page % 7 == 6 {
        Err(format!("page {page}: 503"))
    } else {
        Ok(page * 1024)
    }
}

fn main() {
    futures::executor::block_on(async {
        let pages = 24;
        let limit = 4;
        let started = Instant::now();
        let in_flight = AtomicUsize::new(0);
        let done = AtomicUsize::new(0);

        // `settled` keeps every result; `.limit(4)` starts the next download
        // as soon as one finishes.
        let results = settled((0..pages).map(|page| {
            let (in_flight, done) = (&in_flight, &done);
            async move {
                in_flight.fetch_add(1, Ordering::SeqCst);
                let result = download(page).await;
                let running = in_flight.fetch_sub(1, Ordering::SeqCst) - 1;
                let finished = done.fetch_add(1, Ordering::SeqCst) + 1;
                let mark = if result.is_ok() { "✓" } else { "✗" };
                println!(
                    "{mark} page {page:>2}  [{finished:>2}/{pages} done, {running} still in flight, {:>4} ms]",
                    started.elapsed().as_millis()
                );
                result
            }
        }))
        .limit(limit)
        .await;

        let failed: Vec<&String> = results.iter().filter_map(|r| r.as_ref().err()).collect();
        println!(
            "\n{} pages in input order, {} failed: {failed:?}",
            results.len(),
            failed.len()
        );

        // `parallel` fails fast instead: the first error stops the rest.
        let fail_fast = parallel((0..pages).map(download)).limit(limit).await;
        println!(
            "parallel(..).limit({limit}) -> {:?}",
            fail_fast.map(|pages| pages.len())
        );
    });
}
