//! The chart's layout, on hand-made entries.

use super::*;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn entry(label: &str, group: Option<&str>, start: u64, end: u64, outcome: Outcome) -> Entry {
    Entry {
        label: label.into(),
        group: group.map(Into::into),
        start: ms(start),
        end: Some(ms(end)),
        outcome,
        attempts: Vec::new(),
    }
}

#[test]
fn draws_the_user_profile_shape_exactly() {
    let chart = Chart::new(vec![
        entry("user", None, 0, 800, Outcome::Ok),
        entry("posts", None, 800, 2000, Outcome::Ok),
        entry("comments[1]", Some("comments"), 2000, 2600, Outcome::Ok),
        entry("likes[1]", Some("likes"), 2000, 2400, Outcome::Error),
    ])
    .width(26)
    .ascii(true);
    let expected = [
        "             0 ms  600 ms 1.30 s  2.60 s",
        "             +-----+------+-----+------+",
        "user         ########                    800 ms  ok",
        "posts                ############        1.20 s  ok",
        "comments[1]                      ######  600 ms  ok",
        "likes[1]                         xxxx    400 ms  error",
        "# ok  x error  ~ timed out  - cancelled",
        "total 2.60 s",
        "",
    ]
    .join("\n");
    assert_eq!(chart.to_string(), expected);
}

#[test]
fn summarizes_large_groups_with_branches_in_flight() {
    // 20 branches, 5 at a time, 100 ms each: four waves.
    let entries: Vec<Entry> = (0..20)
        .map(|i| {
            entry(
                &format!("likes[{i}]"),
                Some("likes"),
                (i / 5) * 100,
                (i / 5) * 100 + 100,
                Outcome::Ok,
            )
        })
        .collect();
    let text = Chart::new(entries)
        .width(8)
        .group_limit(8)
        .ascii(true)
        .to_string();
    let row = text
        .lines()
        .find(|line| line.starts_with("likes x20"))
        .expect("a summary row");
    assert!(row.contains("88888888"), "{row}");
    assert!(
        row.ends_with("20 branches: 20 ok; p50 100 ms, max 100 ms; at most 5 at once"),
        "{row}"
    );
    assert!(text.contains("1…8 branches in flight"));
    assert!(!text.contains("likes[3]"));
}

#[test]
fn small_groups_keep_one_row_per_branch() {
    let entries = vec![
        entry("a[0]", Some("a"), 0, 10, Outcome::Ok),
        entry("a[1]", Some("a"), 0, 20, Outcome::Cancelled),
    ];
    let text = Chart::new(entries).ascii(true).to_string();
    assert!(text.contains("a[0]") && text.contains("a[1]"));
    assert!(text.contains("cancelled"));
}

#[test]
fn long_labels_are_truncated_and_unicode_is_the_default() {
    let long = "x".repeat(50);
    let text = Chart::new(vec![entry(&long, None, 0, 5, Outcome::TimedOut)]).to_string();
    assert!(text.contains(&format!("{}…", "x".repeat(31))));
    assert!(text.contains('░'));
}

#[test]
fn peak_counts_overlap_not_back_to_back() {
    let a = entry("a", None, 0, 10, Outcome::Ok);
    let b = entry("b", None, 10, 20, Outcome::Ok);
    let c = entry("c", None, 5, 15, Outcome::Ok);
    assert_eq!(peak_in_flight(&[&a, &b]), 1);
    assert_eq!(peak_in_flight(&[&a, &b, &c]), 2);
}

#[test]
fn durations_read_well() {
    assert_eq!(format_duration(ms(812)), "812 ms");
    assert_eq!(format_duration(ms(2610)), "2.61 s");
    assert_eq!(format_duration(Duration::from_micros(450)), "450 µs");
    assert_eq!(format_duration(Duration::ZERO), "0 ms");
}
