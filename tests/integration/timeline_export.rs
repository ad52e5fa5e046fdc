//! The timeline's exports read back as other tools read them: the Trace Event
//! JSON parsed with `serde_json` (tracks, exact durations, nesting, escaping),
//! the SVG parsed as XML (bars, their place on the axis, outcome classes).
//! Everything is recorded on a virtual clock, so every instant is exact.
//! The last test keeps `docs/user_profile.svg`, the README's picture, current.

use std::collections::BTreeMap;
use std::time::Duration;

use orchestrate::timeline::{Outcome, Timeline};
use orchestrate::{Backoff, retry, settled, sleep};
use serde_json::Value;
use support::{ms, on_virtual_time};

// The example's own orchestration, for the README's picture.
#[allow(dead_code)]
#[path = "../../examples/user_profile/api.rs"]
mod api;
#[allow(dead_code)]
#[path = "../../examples/user_profile/cli.rs"]
mod cli;
#[allow(dead_code)]
#[path = "../../examples/user_profile/limits.rs"]
mod limits;
#[allow(dead_code)]
#[path = "../../examples/user_profile/profile.rs"]
mod profile;

async fn after<T>(millis: u64, value: T) -> T {
    sleep(ms(millis)).await;
    value
}

/// user (800 ms); posts retried: two failed attempts of 100 ms, 50 ms apart,
/// then one that succeeds (400 ms in all); then at 1200 ms comments 600 ms
/// ok, likes[1] an error after 400 ms, likes[2] timed out at 300 ms.
/// Ends at 1800 ms.
fn scenario() -> Timeline {
    futures::executor::block_on(on_virtual_time(async {
        let timeline = Timeline::new();
        let _ = timeline.step("GET /user", after(800, Ok::<_, ()>(7))).await;
        let mut calls = 0;
        let _ = timeline
            .step(
                "GET /posts",
                retry(Backoff::constant(ms(50)), || {
                    calls += 1;
                    after(100, if calls < 3 { Err("503") } else { Ok(2) })
                }),
            )
            .await;
        let _ = settled((1..=2).map(|post| {
            let timeline = timeline.clone();
            async move {
                let comments = timeline.branch("comments", post, after(600, Some(post)));
                let likes = timeline.branch("likes", post, async move {
                    if post == 1 {
                        after(400, Err::<u64, &str>("503")).await
                    } else {
                        orchestrate::timeout(ms(300), after(1_000, 1))
                            .await
                            .map_err(|_| "late")
                    }
                });
                futures::join!(comments, likes)
            }
        }))
        .await;
        timeline
    }))
}

fn trace_events(json: &str) -> Vec<Value> {
    let trace: Value = serde_json::from_str(json).expect("the trace is JSON");
    assert_eq!(trace["displayTimeUnit"], "ms");
    trace["traceEvents"]
        .as_array()
        .expect("traceEvents")
        .clone()
}

/// The name of each track, by tid.
fn track_names(events: &[Value]) -> BTreeMap<u64, String> {
    events
        .iter()
        .filter(|e| e["ph"] == "M" && e["name"] == "thread_name")
        .map(|e| {
            (
                e["tid"].as_u64().unwrap(),
                e["args"]["name"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// The complete events of track `tid`, as (name, ts, dur, outcome) in µs.
fn slices(events: &[Value], tid: u64) -> Vec<(String, f64, f64, Option<String>)> {
    events
        .iter()
        .filter(|e| e["ph"] == "X" && e["tid"] == tid)
        .map(|e| {
            (
                e["name"].as_str().unwrap().to_string(),
                e["ts"].as_f64().unwrap(),
                e["dur"].as_f64().unwrap(),
                e["args"]["outcome"].as_str().map(ToString::to_string),
            )
        })
        .collect()
}

fn tid_of(names: &BTreeMap<u64, String>, label: &str) -> u64 {
    *names
        .iter()
        .find(|(_, name)| *name == label)
        .unwrap_or_else(|| panic!("no track {label}"))
        .0
}

#[test]
fn the_trace_has_a_named_track_per_entry_in_start_order() {
    let events = trace_events(&scenario().to_chrome_trace());
    assert!(events.iter().all(|e| e["pid"] == 1));
    assert!(
        events
            .iter()
            .any(|e| e["name"] == "process_name" && e["args"]["name"] == "orchestrate timeline")
    );
    let names = track_names(&events);
    assert_eq!(
        names.values().map(String::as_str).collect::<Vec<_>>(),
        [
            "GET /user",
            "GET /posts",
            "comments[1]",
            "likes[1]",
            "comments[2]",
            "likes[2]"
        ]
    );
    // Perfetto orders tracks by sort index: the order the entries started.
    for &tid in names.keys() {
        assert!(events.iter().any(|e| e["name"] == "thread_sort_index"
            && e["tid"] == tid
            && e["args"]["sort_index"] == tid));
    }
}

#[test]
fn each_track_spans_its_entry_exactly_with_its_outcome() {
    let timeline = scenario();
    let events = trace_events(&timeline.to_chrome_trace());
    let names = track_names(&events);
    let expect = [
        ("GET /user", 0.0, 800_000.0, "ok"),
        ("GET /posts", 800_000.0, 400_000.0, "ok"),
        ("comments[1]", 1_200_000.0, 600_000.0, "ok"),
        ("comments[2]", 1_200_000.0, 600_000.0, "ok"),
        ("likes[1]", 1_200_000.0, 400_000.0, "error"),
        ("likes[2]", 1_200_000.0, 300_000.0, "timed out"),
    ];
    for (label, ts, dur, outcome) in expect {
        let track = slices(&events, tid_of(&names, label));
        assert_eq!(
            track[0],
            (label.to_string(), ts, dur, Some(outcome.to_string())),
            "{track:?}"
        );
    }
    let likes = events
        .iter()
        .find(|e| e["ph"] == "X" && e["name"] == "likes[1]")
        .unwrap();
    assert_eq!(
        (&likes["cat"], &likes["args"]["group"]),
        (&"branch".into(), &"likes".into())
    );
    let user = events
        .iter()
        .find(|e| e["ph"] == "X" && e["name"] == "GET /user")
        .unwrap();
    assert_eq!(user["cat"], "step");
    assert!(user["args"].get("group").is_none());
}

#[test]
fn a_retried_step_nests_its_attempts_and_waits_under_it() {
    let events = trace_events(&scenario().to_chrome_trace());
    let names = track_names(&events);
    let posts = slices(&events, tid_of(&names, "GET /posts"));
    let ok = |s: &str| Some(s.to_string());
    assert_eq!(
        posts,
        [
            ("GET /posts".into(), 800_000.0, 400_000.0, ok("ok")),
            ("attempt 1".into(), 800_000.0, 100_000.0, ok("error")),
            ("waiting to retry".into(), 900_000.0, 50_000.0, None),
            ("attempt 2".into(), 950_000.0, 100_000.0, ok("error")),
            ("waiting to retry".into(), 1_050_000.0, 50_000.0, None),
            ("attempt 3".into(), 1_100_000.0, 100_000.0, ok("ok")),
        ]
    );
    let step = events
        .iter()
        .find(|e| e["name"] == "GET /posts" && e["ph"] == "X")
        .unwrap();
    assert_eq!(step["args"]["attempts"], 3);
    // Nesting as Perfetto sees it: on each track, the entry's slice comes
    // first and contains every other slice, which do not overlap each other.
    for &tid in names.keys() {
        let track = slices(&events, tid);
        let (_, start, dur, _) = &track[0];
        let mut at = *start;
        for (name, ts, d, _) in &track[1..] {
            assert!(
                *ts >= at && ts + d <= start + dur,
                "{name} escapes its parent: {track:?}"
            );
            at = ts + d;
        }
    }
}

#[test]
fn labels_survive_json_escaping() {
    let label = "say \"hi\" \\o/\nnext\ttab\r\u{1}\u{1f} café ×2 ✓ 🚀";
    let timeline = Timeline::new();
    futures::executor::block_on(on_virtual_time(
        timeline.branch(label, "k\"", async { true }),
    ));
    let json = timeline.to_chrome_trace();
    let events = trace_events(&json);
    let names = track_names(&events);
    assert_eq!(names[&1], format!("{label}[k\"]"));
    let slice = events.iter().find(|e| e["ph"] == "X").unwrap();
    assert_eq!(slice["args"]["group"], label);
    // Control characters are escaped, non-ASCII is written as is.
    assert!(
        json.contains(r#"\"hi\" \\o/\nnext\ttab\r\u0001\u001f café ×2 ✓ 🚀"#),
        "{json}"
    );
}

/// The bars, `(class, x, width, title)`, and the plot's left edge and width.
fn svg_bars(svg: &str, kind: &str) -> Vec<(String, f64, f64, String)> {
    let doc = roxmltree::Document::parse(svg).expect("the SVG is XML");
    doc.descendants()
        .filter(|n| n.has_tag_name("rect"))
        .filter(|n| {
            n.attribute("class")
                .is_some_and(|c| c.split(' ').next() == Some(kind))
        })
        .map(|n| {
            let number = |name| n.attribute(name).unwrap().parse::<f64>().unwrap();
            let title = n
                .children()
                .find(|c| c.has_tag_name("title"))
                .and_then(|t| t.text());
            (
                n.attribute("class").unwrap().to_string(),
                number("x"),
                number("width"),
                title.unwrap_or_default().to_string(),
            )
        })
        .collect()
}

fn svg_plot(svg: &str) -> (f64, f64) {
    let doc = roxmltree::Document::parse(svg).unwrap();
    let axis = doc
        .descendants()
        .find(|n| n.attribute("class") == Some("axis"))
        .expect("an axis");
    let x1: f64 = axis.attribute("x1").unwrap().parse().unwrap();
    let x2: f64 = axis.attribute("x2").unwrap().parse().unwrap();
    (x1, x2 - x1)
}

fn svg_texts(svg: &str) -> Vec<String> {
    let doc = roxmltree::Document::parse(svg).unwrap();
    doc.descendants()
        .filter(|n| n.has_tag_name("text"))
        .filter_map(|n| n.text().map(ToString::to_string))
        .collect()
}

#[test]
fn the_svg_draws_a_bar_per_entry_where_its_instants_are() {
    let svg = scenario().to_svg();
    let bars = svg_bars(&svg, "bar");
    assert_eq!(bars.len(), 6, "{bars:?}");
    let (left, width) = svg_plot(&svg);
    let total = 1800.0;
    let expect = [
        ("GET /user", 0.0, 800.0, "bar ok"),
        ("GET /posts", 800.0, 400.0, "bar ok"),
        ("comments[1]", 1200.0, 600.0, "bar ok"),
        ("likes[1]", 1200.0, 400.0, "bar error"),
        ("comments[2]", 1200.0, 600.0, "bar ok"),
        ("likes[2]", 1200.0, 300.0, "bar timed-out"),
    ];
    for (label, start, took, class) in expect {
        let (found, x, w, _) = bars
            .iter()
            .find(|b| b.3.starts_with(&format!("{label}: ")))
            .unwrap_or_else(|| panic!("no bar {label}: {bars:?}"));
        assert_eq!(found, class);
        assert!(
            (x - (left + width * start / total)).abs() < 0.006,
            "{label} at {x}"
        );
        assert!((w - width * took / total).abs() < 0.006, "{label} {w} wide");
    }
    // The attempts over the faint bar of the step, and the waits between them.
    let attempts = svg_bars(&svg, "attempt");
    let classes: Vec<&str> = attempts.iter().map(|a| a.0.as_str()).collect();
    assert_eq!(classes, ["attempt error", "attempt error", "attempt ok"]);
    assert!((attempts[1].1 - (left + width * 950.0 / total)).abs() < 0.006);
    assert_eq!(svg_bars(&svg, "wait").len(), 2);
    // Axis, notes and legend read as the text chart does.
    let texts = svg_texts(&svg);
    for text in [
        "0 ms",
        "450 ms",
        "900 ms",
        "1.35 s",
        "1.80 s",
        "400 ms  ok after 3 attempts",
    ] {
        assert!(texts.iter().any(|t| t == text), "no {text:?} in {texts:?}");
    }
    for legend in [
        "ok",
        "error",
        "timed out",
        "waiting to retry",
        "total 1.80 s",
    ] {
        assert!(
            texts.iter().any(|t| t == legend),
            "no {legend:?} in the legend"
        );
    }
    assert!(
        !texts.iter().any(|t| t == "cancelled"),
        "only outcomes drawn are listed"
    );
}

#[test]
fn a_large_fan_out_is_one_summary_row_in_the_svg_and_every_branch_in_the_trace() {
    // 20 branches, 5 at a time, 100 ms each: four waves.
    let timeline = futures::executor::block_on(on_virtual_time(async {
        let timeline = Timeline::new();
        let _ = settled((0..20).map(|i| timeline.branch("likes", i, after(100, Some(i)))))
            .limit(5)
            .await;
        timeline
    }));
    let svg = timeline.to_svg();
    assert!(svg_bars(&svg, "bar").is_empty());
    let texts = svg_texts(&svg);
    assert!(texts.iter().any(|t| t == "likes ×20"), "{texts:?}");
    assert!(
        texts
            .iter()
            .any(|t| t == "20 branches: 20 ok; p50 100 ms, max 100 ms; at most 5 at once")
    );
    assert!(texts.iter().any(|t| t == "branches in flight"));
    let doc = roxmltree::Document::parse(&svg).unwrap();
    let area = doc
        .descendants()
        .filter(|n| n.attribute("class") == Some("in-flight"));
    assert_eq!(area.count(), 1);
    // Kept apart on request, and always in the trace.
    assert_eq!(
        svg_bars(&timeline.chart().group_limit(20).to_svg(), "bar").len(),
        20
    );
    assert_eq!(
        track_names(&trace_events(&timeline.to_chrome_trace())).len(),
        20
    );
}

#[test]
fn labels_survive_xml_escaping() {
    let timeline = Timeline::new();
    futures::executor::block_on(on_virtual_time(
        timeline.step("<b> & \"q\" 'a' \u{1} é", async { false }),
    ));
    let svg = timeline.to_svg();
    let texts = svg_texts(&svg);
    assert!(
        texts.iter().any(|t| t == "<b> & \"q\" 'a' \u{fffd} é"),
        "{texts:?}"
    );
    let bars = svg_bars(&svg, "bar");
    assert_eq!(bars[0].0, "bar error");
    assert_eq!(bars[0].3, "<b> & \"q\" 'a' \u{fffd} é: 0 ms, error");
}

/// `docs/user_profile.svg` is the default run of the example (2 posts, every
/// call succeeds) on the virtual clock: the README's picture, regenerated by
/// `UPDATE_DOCS=1 cargo test --features test-util --test timeline_export`.
#[test]
fn the_readme_picture_is_the_default_run_of_the_example() {
    let render = || {
        futures::executor::block_on(on_virtual_time(async {
            let api = api::Api {
                posts: 2,
                fail: None,
                slow: None,
            };
            let timeline = Timeline::new();
            let profile = profile::load_profile(&api, &timeline, None).await;
            assert!(profile.is_ok());
            assert!(timeline.entries().iter().all(|e| e.outcome == Outcome::Ok));
            assert_eq!(timeline.elapsed(), Duration::from_millis(2600));
            timeline.to_svg()
        }))
    };
    let svg = render();
    assert_eq!(svg, render(), "the picture is deterministic");
    assert_eq!(svg_bars(&svg, "bar").len(), 6);
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/user_profile.svg");
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::write(path, &svg).expect("docs/user_profile.svg written");
    }
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == svg,
        "docs/user_profile.svg is out of date: regenerate it with \
         `UPDATE_DOCS=1 cargo test --features test-util --test timeline_export`"
    );
}

#[test]
fn the_example_takes_where_to_write_the_trace_and_the_svg() {
    let parse = |args: &[&str]| cli::parse(args.iter().map(ToString::to_string));
    let defaults = parse(&[]).unwrap();
    assert_eq!((defaults.trace, defaults.svg), (None, None));
    let both = parse(&["--trace", "target/run.json", "--svg=target/run.svg"]).unwrap();
    assert_eq!(both.trace.as_deref(), Some("target/run.json"));
    assert_eq!(both.svg.as_deref(), Some("target/run.svg"));
    assert_eq!(
        parse(&["--svg"]),
        Err(cli::Usage::Invalid("`--svg` needs a value".into()))
    );
    assert!(cli::HELP.contains("--trace <FILE>") && cli::HELP.contains("--svg <FILE>"));
}
