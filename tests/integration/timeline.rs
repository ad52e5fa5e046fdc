//! The timeline recorder as data: starts, ends and outcomes of recorded steps
//! and branches, under every runtime.
//!
//! Every test that sleeps runs on a `VirtualClock` that jumps to the next
//! timer when all is idle; the timeline reads the clock in scope, so starts,
//! ends and durations are checked to the exact millisecond, and a 5 s loser
//! takes no real time to cancel. The one test left on the default clock waits
//! for nothing (a pending step polled once). None is about real time, so none
//! stays on it.

use support::runtime_tests;
// Test bodies name helpers as `common::…`.
use support as common;

use std::time::Duration;

use orchestrate::prelude::{Deadline, Elapsed, TimeoutExt};
use orchestrate::timeline::{Outcome, Timeline};
use orchestrate::{Backoff, parallel, race, retry, settled, sleep};
use support::on_virtual_time;

async fn after<T>(ms: u64, value: T) -> T {
    sleep(Duration::from_millis(ms)).await;
    value
}

runtime_tests! {
    async fn sequential_steps_follow_each_other() {
        on_virtual_time(async {
            let timeline = Timeline::new();
            let user = timeline.step("user", after(30, Ok::<_, ()>("ada"))).await;
            let posts = timeline.step("posts", after(20, Ok::<_, ()>(vec![1, 2]))).await;
            assert_eq!((user, posts), (Ok("ada"), Ok(vec![1, 2])));

            let entries = timeline.entries();
            assert_eq!(entries.len(), 2);
            let (user, posts) = (&entries[0], &entries[1]);
            assert_eq!((user.label.as_str(), posts.label.as_str()), ("user", "posts"));
            assert_eq!(user.end, Some(posts.start), "{entries:?}");
            assert_eq!(user.duration(), Some(Duration::from_millis(30)), "{entries:?}");
            assert_eq!(posts.duration(), Some(Duration::from_millis(20)), "{entries:?}");
            assert!(entries.iter().all(|e| e.outcome == Outcome::Ok && e.group.is_none()));
        })
        .await;
    }

    async fn parallel_branches_overlap_and_keep_their_group() {
        on_virtual_time(async {
            let timeline = Timeline::new();
            let all = settled((1..=3).map(|post| {
                timeline.branch("likes", post, after(40, Ok::<_, ()>(post)))
            }))
            .await;
            assert_eq!(all, [Ok(1), Ok(2), Ok(3)]);
            let entries = timeline.entries();
            let labels: Vec<&str> = entries.iter().map(|e| e.label.as_str()).collect();
            assert_eq!(labels, ["likes[1]", "likes[2]", "likes[3]"]);
            assert!(entries.iter().all(|e| e.group.as_deref() == Some("likes")));
            // All three ran at once: each started before any ended.
            let first_end = entries.iter().filter_map(|e| e.end).min().unwrap();
            assert!(entries.iter().all(|e| e.start < first_end), "{entries:?}");
            assert_eq!(first_end, Duration::from_millis(40), "{entries:?}");
            assert!(entries.iter().all(|e| e.start.is_zero() && e.end == Some(first_end)), "{entries:?}");
        })
        .await;
    }

    async fn errors_are_recorded_as_errors() {
        on_virtual_time(async {
            let timeline = Timeline::new();
            let failed = timeline.step("posts", after(5, Err::<(), _>("503"))).await;
            assert_eq!(failed, Err("503"));
            let missing = timeline.step("cache", after(5, None::<u8>)).await;
            assert_eq!(missing, None);
            let outcomes: Vec<Outcome> = timeline.entries().iter().map(|e| e.outcome).collect();
            assert_eq!(outcomes, [Outcome::Error, Outcome::Error]);
        })
        .await;
    }

    async fn losers_of_a_race_and_fail_fast_siblings_are_cancelled() {
        on_virtual_time(async {
            let timeline = Timeline::new();
            let winner = race([
                timeline.branch("mirror", "slow", after(5_000, Ok::<_, ()>("slow"))),
                timeline.branch("mirror", "fast", after(10, Ok::<_, ()>("fast"))),
            ])
            .await;
            assert_eq!(winner, Ok("fast"));
            let failed = parallel([
                timeline.branch("fetch", 1, after(5_000, Ok::<u8, &str>(1))),
                timeline.branch("fetch", 2, after(10, Err::<u8, &str>("boom"))),
            ])
            .await;
            assert_eq!(failed, Err("boom"));

            let entries = timeline.entries();
            let outcome = |label: &str| entries.iter().find(|e| e.label == label).map(|e| e.outcome);
            assert_eq!(outcome("mirror[slow]"), Some(Outcome::Cancelled));
            assert_eq!(outcome("mirror[fast]"), Some(Outcome::Ok));
            assert_eq!(outcome("fetch[1]"), Some(Outcome::Cancelled));
            assert_eq!(outcome("fetch[2]"), Some(Outcome::Error));
            // A cancelled entry ends when it is dropped, with its 10 ms sibling,
            // long before its 5 s.
            assert!(entries.iter().all(|e| e.duration() == Some(Duration::from_millis(10))), "{entries:?}");
        })
        .await;
    }

    async fn an_entry_starts_at_its_first_poll_not_at_creation() {
        on_virtual_time(async {
            let timeline = Timeline::new();
            let late = timeline.step("late", after(1, Ok::<_, ()>(())));
            sleep(Duration::from_millis(30)).await;
            assert!(timeline.entries().is_empty(), "nothing is recorded before the first poll");
            late.await.unwrap();
            assert_eq!(timeline.entries()[0].start, Duration::from_millis(30));
        })
        .await;
    }

    async fn a_running_entry_has_no_end_and_the_chart_shows_it() {
        let timeline = Timeline::new();
        let mut pending = Box::pin(timeline.step("forever", std::future::pending::<Result<(), ()>>()));
        assert!(common::poll_once(pending.as_mut()).await.is_pending());
        let entry = &timeline.entries()[0];
        assert_eq!((entry.outcome, entry.end), (Outcome::Running, None));
        assert!(timeline.chart().to_string().contains("forever"));
        drop(pending);
        assert_eq!(timeline.entries()[0].outcome, Outcome::Cancelled);
    }

    async fn the_chart_draws_every_recorded_row() {
        on_virtual_time(async {
            let timeline = Timeline::new();
            timeline.step("GET /user", after(10, Ok::<_, ()>(()))).await.unwrap();
            let (comments, likes) = settled!(
                timeline.branch("comments", 1, after(10, Ok::<u8, ()>(2))),
                timeline.branch("likes", 1, after(5, Err::<u8, ()>(()))),
            )
            .await;
            assert_eq!((comments, likes), (Ok(2), Err(())));
            let chart = timeline.chart().ascii(true).to_string();
            for expected in ["GET /user", "comments[1]", "likes[1]", "error", "total "] {
                assert!(chart.contains(expected), "{expected:?} missing from\n{chart}");
            }
        })
        .await;
    }

    async fn a_timeout_inside_a_step_marks_it_timed_out() {
        on_virtual_time(async {
            let timeline = Timeline::new();
            let slow = timeline
                .step("GET /user", orchestrate::timeout(Duration::from_millis(20), after(5_000, ())))
                .await;
            assert!(slow.is_err());
            // A timeout handled inside the step does not make the step fail.
            let handled = timeline
                .step("cached", async {
                    let fresh = orchestrate::timeout(Duration::from_millis(10), after(5_000, 1)).await;
                    Ok::<_, ()>(fresh.unwrap_or(0))
                })
                .await;
            assert_eq!(handled, Ok(0));
            let outcomes: Vec<Outcome> = timeline.entries().iter().map(|e| e.outcome).collect();
            assert_eq!(outcomes, [Outcome::TimedOut, Outcome::Ok]);
        })
        .await;
    }

    async fn every_timed_primitive_marks_its_step_timed_out() {
        #[derive(Debug, PartialEq)]
        struct Late(Elapsed);
        impl From<Elapsed> for Late {
            fn from(elapsed: Elapsed) -> Self {
                Late(elapsed)
            }
        }
        #[orchestrate::timeout(ms = 20)]
        async fn attribute() -> Result<(), Late> {
            after(5_000, Ok(())).await
        }
        // The overall limit of a retry: `#[timeout]` above `#[retry]`.
        #[orchestrate::timeout(ms = 50)]
        #[orchestrate::retry(times = 10, backoff = constant(ms = 20))]
        async fn retried() -> Result<(), Late> {
            Err(Late(Elapsed::new(Duration::ZERO)))
        }
        on_virtual_time(async {
            let ms = Duration::from_millis;
            let timeline = Timeline::new();
            let _ = timeline.step("timeout", orchestrate::timeout(ms(20), after(5_000, ()))).await;
            let _ = timeline.step("deadline", Deadline::after(ms(20)).run(after(5_000, ()))).await;
            let _ = timeline.step("method", after(5_000, ()).deadline(Deadline::after(ms(20)))).await;
            let _ = timeline
                .step("try_timeout", orchestrate::try_timeout(ms(20), after(5_000, Ok::<(), Late>(()))))
                .await;
            let _ = timeline.step("attribute", attribute()).await;
            let _ = timeline.step("retry", retried()).await;
            let entries = timeline.entries();
            assert!(entries.iter().all(|e| e.outcome == Outcome::TimedOut), "{entries:?}");
            let took: Vec<_> = entries.iter().map(|e| e.duration().unwrap()).collect();
            assert_eq!(took, [ms(20), ms(20), ms(20), ms(20), ms(20), ms(50)]);
        })
        .await;
    }

    async fn a_retried_step_shows_each_attempt_and_the_waits() {
        on_virtual_time(async {
            let ms = Duration::from_millis;
            let timeline = Timeline::new();
            let mut calls = 0;
            let posts = timeline
                .step("GET /posts", retry(Backoff::constant(ms(100)).attempts(3), || {
                    calls += 1;
                    let fails = calls < 3;
                    async move { after(200, if fails { Err("503") } else { Ok(2) }).await }
                }))
                .await;
            assert_eq!(posts, Ok(2));
            let entry = &timeline.entries()[0];
            assert_eq!((entry.start, entry.end, entry.outcome), (ms(0), Some(ms(800)), Outcome::Ok));
            let attempts: Vec<_> = entry.attempts.iter().map(|a| (a.start, a.end, a.outcome)).collect();
            assert_eq!(
                attempts,
                [
                    (ms(0), Some(ms(200)), Outcome::Error),
                    (ms(300), Some(ms(500)), Outcome::Error),
                    (ms(600), Some(ms(800)), Outcome::Ok),
                ]
            );
            // 50 ms a column: two failed attempts, the waits, the last one ok.
            let chart = timeline.chart().width(16).ascii(true).to_string();
            assert!(chart.contains("GET /posts  xxxx..xxxx..####  800 ms  ok after 3 attempts"), "{chart}");
            assert!(chart.contains(". waiting to retry"), "{chart}");
            let unicode = timeline.chart().width(16).to_string();
            assert!(unicode.contains("▒▒▒▒··▒▒▒▒··████"), "{unicode}");
        })
        .await;
    }

    async fn a_retry_attribute_shows_each_attempt_too() {
        on_virtual_time(async {
            let ms = Duration::from_millis;
            let timeline = Timeline::new();
            let calls = std::sync::atomic::AtomicU32::new(0);
            let posts = timeline.step("GET /posts", flaky_posts(&calls)).await;
            assert_eq!(posts, Ok(2));
            let entry = &timeline.entries()[0];
            let attempts: Vec<_> = entry.attempts.iter().map(|a| (a.start, a.end, a.outcome)).collect();
            assert_eq!(
                attempts,
                [
                    (ms(0), Some(ms(200)), Outcome::Error),
                    (ms(300), Some(ms(500)), Outcome::Error),
                    (ms(600), Some(ms(800)), Outcome::Ok),
                ]
            );
            let chart = timeline.chart().width(16).ascii(true).to_string();
            assert!(chart.contains("GET /posts  xxxx..xxxx..####  800 ms  ok after 3 attempts"), "{chart}");
        })
        .await;
    }

    async fn attempts_cut_by_an_overall_limit_or_timed_out_say_so() {
        on_virtual_time(async {
            let ms = Duration::from_millis;
            let timeline = Timeline::new();
            // Each attempt limited to 150 ms; the whole retry to 600 ms.
            let out = timeline
                .step(
                    "GET /posts",
                    orchestrate::try_timeout(
                        ms(600),
                        retry(Backoff::constant(ms(100)).attempts(5), || {
                            orchestrate::try_timeout(ms(150), after(200, Ok::<u8, Late>(1)))
                        }),
                    ),
                )
                .await;
            assert_eq!(out, Err(Late(Elapsed::new(ms(600)))));
            let entry = &timeline.entries()[0];
            assert_eq!((entry.end, entry.outcome), (Some(ms(600)), Outcome::TimedOut));
            let attempts: Vec<_> = entry.attempts.iter().map(|a| (a.start, a.end, a.outcome)).collect();
            assert_eq!(
                attempts,
                [
                    (ms(0), Some(ms(150)), Outcome::TimedOut),
                    (ms(250), Some(ms(400)), Outcome::TimedOut),
                    (ms(500), Some(ms(600)), Outcome::Cancelled),
                ]
            );
            // One attempt, or none: nothing to draw apart.
            let single = Timeline::new();
            single.step("once", retry(Backoff::immediate(), || after(10, Ok::<_, ()>(1)))).await.unwrap();
            single.step("plain", after(10, Ok::<_, ()>(1))).await.unwrap();
            let entries = single.entries();
            assert_eq!(entries[0].attempts.len(), 1);
            assert!(entries[1].attempts.is_empty());
            assert!(!single.chart().to_string().contains("attempts"));
            // A retry inside a nested step records on that step only.
            let nested = Timeline::new();
            nested
                .step("outer", nested.step("inner", retry(Backoff::immediate().attempts(2), || after(5, Err::<(), _>(())))))
                .await
                .unwrap_err();
            let entries = nested.entries();
            assert!(entries[0].attempts.is_empty());
            assert_eq!(entries[1].attempts.len(), 2);
        })
        .await;
    }
}

#[derive(Debug, PartialEq)]
struct Late(Elapsed);

impl From<Elapsed> for Late {
    fn from(elapsed: Elapsed) -> Self {
        Late(elapsed)
    }
}

/// Fails twice after 200 ms each, then succeeds; 100 ms between attempts.
#[orchestrate::retry(times = 3, backoff = constant(ms = 100))]
async fn flaky_posts(calls: &std::sync::atomic::AtomicU32) -> Result<u32, &'static str> {
    let call = calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    after(200, if call < 2 { Err("503") } else { Ok(2) }).await
}
