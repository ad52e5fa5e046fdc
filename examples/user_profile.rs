//! The canonical orchestration: fetch a user, then the user's posts (each step
//! under a 2000 ms timeout), then every post's comments and likes in parallel,
//! keeping partial results (`[]` comments, `0` likes) when a call fails.
//!
//! One call after another this costs 800 + 1200 + 2 × (600 + 400) = 4000 ms;
//! orchestrated, about 800 + 1200 + max(600, 400) = 2600 ms. The example prints
//! the profile, both times and a timeline chart of the run.
//!
//! ```text
//! cargo run --example user_profile
//! cargo run --example user_profile -- --runtime smol --fail likes
//! cargo run --example user_profile -- --slow user          # exits 1
//! cargo run --example user_profile -- --posts 1000 --limit 50
//! cargo run --example user_profile -- --trace target/trace.json --svg target/timeline.svg
//! cargo run --example user_profile -- --api-limit 2 --rate 10
//! cargo run --example user_profile -- --posts 1000 --progress
//! cargo run --example user_profile -- --fail posts --calls 20  # the breaker opens
//! cargo run --example user_profile -- --jitter-latency         # hedging's p99
//! cargo run --example user_profile -- --help
//! ```

#[path = "user_profile/api.rs"]
mod api;
#[path = "user_profile/cli.rs"]
mod cli;
#[path = "user_profile/limits.rs"]
mod limits;
#[path = "user_profile/profile.rs"]
mod profile;
#[path = "user_profile/report.rs"]
mod report;
#[path = "user_profile/resilience.rs"]
mod resilience;

use std::future::Future;
use std::process::ExitCode;

use orchestrate::timeline::Timeline;

use api::Api;
use cli::{Runtime, Usage};

fn main() -> ExitCode {
    let options = match cli::parse(std::env::args().skip(1)) {
        Ok(options) => options,
        Err(Usage::Help) => {
            println!("{}", cli::HELP);
            return ExitCode::SUCCESS;
        }
        Err(Usage::Invalid(message)) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    let api = Api {
        posts: options.posts,
        fail: options.fail,
        slow: options.slow,
    };
    let limits = limits::Limits::new(options.api_limit, options.rate);
    if let Some(calls) = options.calls {
        let calls = block_on(options.runtime, resilience::calls(&api, calls));
        print!("{}", resilience::calls_report(&calls));
        return ExitCode::SUCCESS;
    }
    if options.jitter_latency {
        let stats = block_on(options.runtime, resilience::jitter(7));
        print!("{}", resilience::jitter_report(&stats));
        return ExitCode::SUCCESS;
    }
    let timeline = Timeline::new();
    // On stderr, so the report on stdout stays the same.
    let bar = options.progress.then(indicatif::ProgressBar::no_length);
    let tick = |done: usize, total: usize| {
        if let Some(bar) = &bar {
            bar.set_length(total as u64);
            bar.set_position(done as u64);
        }
    };
    let progress = bar
        .is_some()
        .then_some(&tick as &(dyn Fn(usize, usize) + Sync));
    let result = block_on(
        options.runtime,
        profile::load_profile_with(&api, &timeline, options.limit, &limits, progress),
    );
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let entries = timeline.entries();
    // The end of the last call, as on the chart's axis.
    let total = entries
        .iter()
        .filter_map(|entry| entry.end)
        .max()
        .unwrap_or_default();

    if options.json {
        println!("{}", report::json(&result, total, &entries));
    } else {
        print!("{}", report::text(&result, total, &entries));
        println!("{}", timeline.chart());
        if let Some(summary) = limits.summary(&entries) {
            println!("{summary}");
        }
    }
    for (path, contents) in [
        (&options.trace, timeline.to_chrome_trace()),
        (&options.svg, timeline.to_svg()),
    ] {
        if let Some(path) = path {
            if let Err(error) = std::fs::write(path, contents) {
                eprintln!("error: cannot write {path}: {error}");
                return ExitCode::FAILURE;
            }
            eprintln!("wrote {path}");
        }
    }
    match result {
        Ok(_) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Runs `future` to completion on the chosen runtime: the orchestration code
/// is the same for all of them.
fn block_on<F: Future>(runtime: Runtime, future: F) -> F::Output {
    match runtime {
        Runtime::Tokio => tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .expect("a tokio runtime")
            .block_on(future),
        Runtime::AsyncStd => async_std::task::block_on(future),
        Runtime::Smol => smol::block_on(future),
        Runtime::Futures => futures::executor::block_on(future),
    }
}
