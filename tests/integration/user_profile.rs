//! The user-profile example's logic (not the binary's timing): every
//! documented scenario, under five runtimes, on a virtual clock, so the times
//! in the assertions are exact and the suite does not wait for them.

use support::runtime_tests;

#[path = "../../examples/user_profile/api.rs"]
mod api;
#[path = "../../examples/user_profile/cli.rs"]
mod cli;
#[path = "../../examples/user_profile/limits.rs"]
mod limits;
#[path = "../../examples/user_profile/profile.rs"]
mod profile;
#[path = "../../examples/user_profile/report.rs"]
mod report;

use std::time::Duration;

use orchestrate::testing::VirtualClock;
use orchestrate::timeline::{Entry, Outcome, Timeline};

use api::{Api, ApiError, Endpoint};
use profile::{Profile, ProfileError};

/// Runs the orchestration on a virtual clock; returns its result, its total
/// (virtual) time and the timeline entries.
async fn run(
    api: Api,
    limit: Option<usize>,
) -> (Result<Profile, ProfileError>, Duration, Vec<Entry>) {
    let clock = VirtualClock::auto();
    clock
        .run(async move {
            let timeline = Timeline::new();
            let result = profile::load_profile(&api, &timeline, limit).await;
            (result, timeline.elapsed(), timeline.entries())
        })
        .await
}

fn api(posts: u32) -> Api {
    Api {
        posts,
        fail: None,
        slow: None,
    }
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// As [`run`], every API call through `limits`.
async fn run_limited(
    api: Api,
    limits: limits::Limits,
) -> (Result<Profile, ProfileError>, Duration, Vec<Entry>) {
    VirtualClock::auto()
        .run(async move {
            let timeline = Timeline::new();
            let result = profile::load_profile_with(&api, &timeline, None, &limits, None).await;
            (result, timeline.elapsed(), timeline.entries())
        })
        .await
}

fn entry<'a>(entries: &'a [Entry], label: &str) -> &'a Entry {
    entries
        .iter()
        .find(|e| e.label == label)
        .unwrap_or_else(|| panic!("no entry {label:?} in {entries:?}"))
}

fn span(entry: &Entry) -> (Duration, Duration) {
    (entry.start, entry.end.expect("finished"))
}

runtime_tests! {
    async fn the_default_run_takes_2600_ms_not_4000() {
        let (result, total, entries) = run(api(2), None).await;
        let profile = result.expect("a profile");
        assert_eq!(profile.user.name, "Ada Lovelace");
        assert_eq!(profile.posts.len(), 2);
        assert!(profile.posts.iter().all(|p| !p.comments.is_empty() && p.likes > 0));
        assert_eq!(total, ms(2600));
        assert_eq!(report::sequential(&entries), ms(4000));
        // Sequential steps, then the fan-out, all at once.
        assert_eq!(span(entry(&entries, "GET /user")), (ms(0), ms(800)));
        assert_eq!(span(entry(&entries, "GET /posts")), (ms(800), ms(2000)));
        for post in 1..=2 {
            assert_eq!(span(entry(&entries, &format!("comments[{post}]"))), (ms(2000), ms(2600)));
            assert_eq!(span(entry(&entries, &format!("likes[{post}]"))), (ms(2000), ms(2400)));
        }
        assert!(entries.iter().all(|e| e.outcome == Outcome::Ok));
    }

    async fn failed_likes_keep_every_post_with_zero_likes() {
        let (result, total, entries) = run(Api { fail: Some(Endpoint::Likes), ..api(3) }, None).await;
        let profile = result.expect("a profile despite failed likes");
        assert_eq!(profile.posts.len(), 3);
        assert!(profile.posts.iter().all(|p| p.likes == 0 && !p.comments.is_empty()));
        assert_eq!(total, ms(2600));
        let likes: Vec<Outcome> = entries.iter().filter(|e| e.group.as_deref() == Some("likes")).map(|e| e.outcome).collect();
        assert_eq!(likes, [Outcome::Error; 3]);
    }

    async fn failed_comments_fall_back_to_none() {
        let (result, _, _) = run(Api { fail: Some(Endpoint::Comments), ..api(2) }, None).await;
        let profile = result.expect("a profile despite failed comments");
        assert!(profile.posts.iter().all(|p| p.comments.is_empty() && p.likes > 0));
    }

    async fn slow_comments_time_out_after_1000_ms_and_fall_back() {
        let (result, total, entries) = run(Api { slow: Some(Endpoint::Comments), ..api(2) }, None).await;
        let profile = result.expect("a profile despite slow comments");
        assert!(profile.posts.iter().all(|p| p.comments.is_empty()));
        assert_eq!(total, ms(3000));
        let comments = entry(&entries, "comments[1]");
        assert_eq!((comments.outcome, span(comments)), (Outcome::TimedOut, (ms(2000), ms(3000))));
    }

    async fn a_failed_user_step_gives_no_profile_and_names_the_step() {
        let (result, _, entries) = run(Api { fail: Some(Endpoint::User), ..api(2) }, None).await;
        let error = result.expect_err("no profile without a user");
        assert_eq!(error.step, Endpoint::User);
        assert_eq!(error.to_string(), "GET /user failed: GET /user answered 503");
        assert_eq!(entries.len(), 1, "nothing runs after the user step fails");
    }

    async fn a_slow_user_step_times_out_after_2000_ms() {
        let (result, total, entries) = run(Api { slow: Some(Endpoint::User), ..api(2) }, None).await;
        let error = result.expect_err("no profile without a user");
        assert!(matches!(error.cause, ApiError::TimedOut(_)));
        assert_eq!(error.to_string(), "GET /user failed: timed out after 2000ms");
        assert_eq!(total, ms(2000));
        assert_eq!(entry(&entries, "GET /user").outcome, Outcome::TimedOut);
    }

    async fn failed_or_slow_posts_give_no_profile() {
        let (failed, _, _) = run(Api { fail: Some(Endpoint::Posts), ..api(2) }, None).await;
        assert_eq!(failed.expect_err("no posts").to_string(), "GET /posts failed: GET /posts answered 503");
        let (slow, total, _) = run(Api { slow: Some(Endpoint::Posts), ..api(2) }, None).await;
        assert_eq!(slow.expect_err("no posts").to_string(), "GET /posts failed: timed out after 2000ms");
        assert_eq!(total, ms(2800));
    }

    async fn a_thousand_posts_fifty_at_a_time() {
        let (result, total, entries) = run(api(1000), Some(50)).await;
        let profile = result.expect("a profile");
        assert_eq!(profile.posts.len(), 1000);
        assert!(profile.posts.iter().enumerate().all(|(i, p)| p.post.id as usize == i + 1), "input order kept");
        // 20 waves of 50 posts, 600 ms each, after the two 2000 ms of steps.
        assert_eq!(total, ms(2000 + 20 * 600));
        let chart = orchestrate::timeline::Chart::new(entries).to_string();
        assert!(chart.lines().count() < 12, "summarized, not 2000 rows:\n{chart}");
        assert!(chart.contains("comments ×1000"));
        assert!(chart.contains("at most 50 at once"), "{chart}");
    }

    async fn api_limit_2_keeps_every_level_to_2_calls_in_flight() {
        let (result, total, entries) = run_limited(api(2), limits::Limits::new(Some(2), None)).await;
        assert_eq!(result.expect("a profile").posts.len(), 2);
        assert_eq!(limits::peak(&entries), 2);
        assert_eq!(span(entry(&entries, "comments[1]")), (ms(2000), ms(2600)));
        assert_eq!(span(entry(&entries, "likes[1]")), (ms(2000), ms(2400)));
        // The second post's calls start as permits come back.
        assert_eq!(span(entry(&entries, "comments[2]")), (ms(2400), ms(3000)));
        assert_eq!(span(entry(&entries, "likes[2]")), (ms(2600), ms(3000)));
        assert_eq!(total, ms(3000));
    }

    async fn rate_10_starts_api_calls_100_ms_apart() {
        let (result, total, entries) = run_limited(api(2), limits::Limits::new(None, Some(10))).await;
        assert_eq!(result.expect("a profile").posts.len(), 2);
        let starts: Vec<Duration> = ["comments[1]", "likes[1]", "comments[2]", "likes[2]"]
            .iter()
            .map(|label| entry(&entries, label).start)
            .collect();
        assert_eq!(starts, [ms(2000), ms(2100), ms(2200), ms(2300)]);
        assert_eq!(limits::closest_starts(&entries), Some(ms(100)));
        assert_eq!(total, ms(2800));
    }

    async fn api_limit_and_rate_together() {
        let limits = limits::Limits::new(Some(2), Some(10));
        let (_, total, entries) = run_limited(api(2), limits::Limits::new(Some(2), Some(10))).await;
        assert_eq!(limits::peak(&entries), 2);
        assert_eq!(span(entry(&entries, "comments[2]")), (ms(2500), ms(3100)));
        assert_eq!(span(entry(&entries, "likes[2]")), (ms(2600), ms(3000)));
        assert_eq!(total, ms(3100));
        let summary = limits.summary(&entries).expect("a summary");
        assert!(summary.contains("at most 2 (--api-limit 2)"), "{summary}");
        assert!(summary.contains("100ms apart"), "{summary}");
    }

    async fn progress_ticks_once_per_post_and_keeps_the_profile() {
        let ticks = std::sync::Mutex::new(Vec::new());
        let record = |done, total| ticks.lock().unwrap().push((done, total));
        let (with, total) = VirtualClock::auto()
            .run(async {
                let timeline = Timeline::new();
                let result = profile::load_profile_with(&api(1000), &timeline, Some(50), &limits::Limits::default(), Some(&record)).await;
                (result, timeline.elapsed())
            })
            .await;
        let (without, _, _) = run(api(1000), Some(50)).await;
        assert_eq!(with.expect("a profile"), without.expect("a profile"), "the same profile, in input order");
        assert_eq!(total, ms(2000 + 20 * 600), "no slower");
        assert_eq!(*ticks.lock().unwrap(), (1..=1000).map(|done| (done, 1000)).collect::<Vec<_>>());
    }
}

#[test]
fn the_options_parse_as_documented() {
    let parse = |args: &[&str]| cli::parse(args.iter().map(ToString::to_string));
    let defaults = parse(&[]).unwrap();
    assert_eq!(
        (
            defaults.runtime,
            defaults.posts,
            defaults.limit,
            defaults.json
        ),
        (cli::Runtime::Tokio, 2, None, false)
    );
    let all = parse(&[
        "--runtime",
        "smol",
        "--fail=likes",
        "--slow",
        "user",
        "--posts",
        "1000",
        "--limit",
        "50",
        "--json",
        "--progress",
    ])
    .unwrap();
    assert!(all.progress && !defaults.progress);
    assert_eq!(all.runtime, cli::Runtime::Smol);
    assert_eq!(
        (all.fail, all.slow),
        (Some(Endpoint::Likes), Some(Endpoint::User))
    );
    assert_eq!((all.posts, all.limit, all.json), (1000, Some(50), true));
    assert_eq!(parse(&["--help"]), Err(cli::Usage::Help));
    for (args, message) in [
        (
            &["--runtime", "node"][..],
            "unknown runtime `node`: expected tokio, async-std, smol or futures",
        ),
        (
            &["--fail", "avatars"][..],
            "`--fail` takes user, posts, comments or likes, not `avatars`",
        ),
        (&["--limit", "0"][..], "`--limit` must be at least 1"),
        (&["--posts"][..], "`--posts` needs a value"),
        (&["--verbose"][..], "unknown option `--verbose`; see --help"),
    ] {
        assert_eq!(parse(args), Err(cli::Usage::Invalid(message.to_string())));
    }
    assert!(cli::HELP.contains("--runtime"));
}

#[test]
fn the_limit_options_parse_as_documented() {
    let parse = |args: &[&str]| cli::parse(args.iter().map(ToString::to_string));
    let defaults = parse(&[]).unwrap();
    assert_eq!((defaults.api_limit, defaults.rate), (None, None));
    let both = parse(&["--api-limit", "2", "--rate=10"]).unwrap();
    assert_eq!((both.api_limit, both.rate), (Some(2), Some(10)));
    for (args, message) in [
        (
            &["--api-limit", "0"][..],
            "`--api-limit` must be at least 1",
        ),
        (&["--rate", "0"][..], "`--rate` must be at least 1"),
        (
            &["--rate", "fast"][..],
            "`--rate` takes a whole number, not `fast`",
        ),
    ] {
        assert_eq!(parse(args), Err(cli::Usage::Invalid(message.to_string())));
    }
    assert!(cli::HELP.contains("--api-limit") && cli::HELP.contains("--rate"));
}

#[test]
fn the_reports_carry_the_profile_or_the_error() {
    futures::executor::block_on(async {
        let (ok, total, entries) = run(
            Api {
                fail: Some(Endpoint::Likes),
                ..api(2)
            },
            None,
        )
        .await;
        let text = report::text(&ok, total, &entries);
        assert!(
            text.contains("Profile of Ada Lovelace (user 7), 2 posts"),
            "{text}"
        );
        assert!(text.contains("0 likes"), "{text}");
        assert!(
            text.contains("Orchestrated in 2.60 s; one call after another would take 4.00 s"),
            "{text}"
        );
        let json = report::json(&ok, total, &entries);
        assert!(
            json.starts_with(
                "{\"user\":{\"id\":7,\"name\":\"Ada Lovelace\"},\"posts\":[{\"id\":1,"
            ),
            "{json}"
        );
        assert!(
            json.contains("\"likes\":0")
                && json.contains("\"total_ms\":2600,\"sequential_ms\":4000"),
            "{json}"
        );
        assert!(json.contains("{\"label\":\"likes[1]\",\"group\":\"likes\",\"start_ms\":2000,\"end_ms\":2400,\"outcome\":\"error\"}"), "{json}");

        let (failed, total, entries) = run(
            Api {
                slow: Some(Endpoint::User),
                ..api(2)
            },
            None,
        )
        .await;
        assert!(
            report::text(&failed, total, &entries)
                .starts_with("No profile: GET /user failed: timed out after 2000ms")
        );
        let json = report::json(&failed, total, &entries);
        assert!(
            json.starts_with("{\"error\":{\"step\":\"user\",\"cause\":\"timed out after 2000ms\"}"),
            "{json}"
        );
    });
}

#[test]
fn with_no_posts_the_report_does_not_claim_a_speedup() {
    futures::executor::block_on(async {
        let (result, total, entries) = run(api(0), None).await;
        assert_eq!(result.as_ref().map(|p| p.posts.len()).ok(), Some(0));
        assert_eq!((total, report::sequential(&entries)), (ms(2000), ms(2000)));
        let text = report::text(&result, total, &entries);
        assert!(!text.contains("faster"), "{text}");
        assert!(
            text.contains(
                "Done in 2.00 s, one call after another: nothing here could run at once."
            ),
            "{text}"
        );
    });
    // Only a real overlap is called a speedup.
    assert_eq!(
        report::summary(ms(2600), ms(4000)),
        "Orchestrated in 2.60 s; one call after another would take 4.00 s (1.5x faster)."
    );
    assert!(report::summary(ms(1000), ms(1040)).starts_with("Done in 1.00 s"));
    assert!(report::summary(Duration::ZERO, Duration::ZERO).starts_with("Done in 0.00 s"));
}
