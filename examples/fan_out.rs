//! A bounded fan-out over a collection: 24 downloads, at most 4 at once, a
//! progress bar that moves as each finishes, results put back in input
//! order, failures kept.
//!
//! ```text
//! cargo run --example fan_out
//! ```
//!
//! The bar draws on stderr, and only on a terminal; what goes to stdout is the
//! same on every run.

use std::time::Duration;

use futures::StreamExt;
use indicatif::{ProgressBar, ProgressStyle};
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
        let bar = ProgressBar::new(pages as u64).with_style(
            ProgressStyle::with_template("{bar:24} {pos}/{len} pages, {msg}")
                .expect("a valid template"),
        );

        // `settled` keeps every result; `.limit(4)` starts the next download
        // as soon as one finishes; `.stream()` hands each result over as it
        // arrives, with its input index.
        let mut results: Vec<Option<Result<usize, String>>> = vec![None; pages];
        let mut failed = 0;
        let mut each = settled((0..pages).map(download)).limit(limit).stream();
        while let Some((page, result)) = each.next().await {
            failed += usize::from(result.is_err());
            bar.set_message(format!("{failed} failed"));
            bar.inc(1);
            results[page] = Some(result);
        }
        bar.finish_and_clear();

        let results: Vec<Result<usize, String>> = results.into_iter().flatten().collect();
        for (page, result) in results.iter().enumerate() {
            match result {
                Ok(bytes) => println!("✓ page {page:>2}  {:>2} KiB", bytes / 1024),
                Err(error) => println!("✗ page {page:>2}  {error}"),
            }
        }
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
