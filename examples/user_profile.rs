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
//! cargo run --example user_profile -- --fail posts --calls 20  # the breaker opens
//! cargo run --example user_profile -- --jitter-latency         # hedging's p99
//! cargo run --example user_profile -- --help
//! ```

#[path = "user_profile/api.rs"]
mod api;
#[path = "user_profile/cli.rs"]
mod cli;
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
    let result = block_on(
        options.runtime,
        profile::load_profile(&api, &timeline, options.limit),
    );
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
