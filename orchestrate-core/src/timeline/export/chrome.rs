//! Trace Event JSON, written by hand (no serde in the library): one event a
//! line, metadata naming the tracks first, then each track's slices.

use std::fmt::Write as _;
use std::time::Duration;

use crate::timeline::entry::{Attempt, Entry};

/// The process every track belongs to.
const PID: u32 = 1;

/// The trace of `entries`; an entry or attempt still running ends at `now`.
pub(super) fn trace(entries: &[Entry], now: Duration) -> String {
    let mut order: Vec<&Entry> = entries.iter().collect();
    // Stable: entries that started together keep the order they were recorded.
    order.sort_by_key(|entry| entry.start);

    let mut events = Vec::new();
    events.push(metadata(
        0,
        "process_name",
        "name",
        &json_string("orchestrate timeline"),
    ));
    for (tid, entry) in (1..).zip(&order) {
        events.push(metadata(
            tid,
            "thread_name",
            "name",
            &json_string(&entry.label),
        ));
        events.push(metadata(
            tid,
            "thread_sort_index",
            "sort_index",
            &tid.to_string(),
        ));
    }
    for (tid, entry) in (1..).zip(&order) {
        track(&mut events, tid, entry, now);
    }

    let mut out = String::from("{\"displayTimeUnit\":\"ms\",\"traceEvents\":[\n");
    out.push_str(&events.join(",\n"));
    out.push_str("\n]}\n");
    out
}

/// A metadata event: `{"ph":"M",…,"name":name,"args":{key:value}}`.
fn metadata(tid: u32, name: &str, key: &str, value: &str) -> String {
    format!(
        "{{\"ph\":\"M\",\"pid\":{PID},\"tid\":{tid},\"name\":\"{name}\",\"args\":{{\"{key}\":{value}}}}}"
    )
}

/// One entry's slice, then its attempts and the waits between them nested
/// under it (clamped into it: Perfetto nests only what its parent contains).
fn track(events: &mut Vec<String>, tid: u32, entry: &Entry, now: Duration) {
    let end = entry.end.unwrap_or(now).max(entry.start);
    let mut args = format!("\"outcome\":{}", json_string(entry.outcome.as_str()));
    let category = match &entry.group {
        Some(group) => {
            let _ = write!(args, ",\"group\":{}", json_string(group));
            "branch"
        }
        None => "step",
    };
    if !entry.attempts.is_empty() {
        let _ = write!(args, ",\"attempts\":{}", entry.attempts.len());
    }
    events.push(slice(tid, &entry.label, category, entry.start, end, &args));

    let clamp = |at: Duration| at.clamp(entry.start, end);
    let mut previous: Option<&Attempt> = None;
    for (number, attempt) in (1..).zip(&entry.attempts) {
        let start = clamp(attempt.start);
        if let Some(before) = previous {
            let waited_from = clamp(before.end.unwrap_or(end));
            if start > waited_from {
                events.push(slice(
                    tid,
                    "waiting to retry",
                    "wait",
                    waited_from,
                    start,
                    "",
                ));
            }
        }
        let args = format!("\"outcome\":{}", json_string(attempt.outcome.as_str()));
        let name = format!("attempt {number}");
        let attempt_end = clamp(attempt.end.unwrap_or(end)).max(start);
        events.push(slice(tid, &name, "attempt", start, attempt_end, &args));
        previous = Some(attempt);
    }
}

/// A complete event (`"ph":"X"`) from `start` to `end`.
fn slice(
    tid: u32,
    name: &str,
    category: &str,
    start: Duration,
    end: Duration,
    args: &str,
) -> String {
    format!(
        "{{\"ph\":\"X\",\"pid\":{PID},\"tid\":{tid},\"name\":{},\"cat\":\"{category}\",\"ts\":{},\"dur\":{},\"args\":{{{args}}}}}",
        json_string(name),
        micros(start),
        micros(end.saturating_sub(start)),
    )
}

/// Microseconds, exact: `2000000`, or `1.5` for 1500 ns.
fn micros(at: Duration) -> String {
    let whole = at.as_micros();
    match at.subsec_nanos() % 1000 {
        0 => whole.to_string(),
        nanos => format!("{whole}.{nanos:03}")
            .trim_end_matches('0')
            .to_string(),
    }
}

/// A JSON string literal: quotes, backslashes and control characters
/// escaped; everything else, non-ASCII included, as is (JSON is UTF-8).
pub(super) fn json_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for ch in text.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            ch if ch < ' ' => {
                let _ = write!(out, "\\u{:04x}", u32::from(ch));
            }
            ch => out.push(ch),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timeline::entry::Outcome;

    #[test]
    fn strings_escape_what_json_requires_and_nothing_else() {
        assert_eq!(json_string("plain"), r#""plain""#);
        assert_eq!(json_string(r#"say "hi" \o/"#), r#""say \"hi\" \\o/""#);
        assert_eq!(
            json_string("a\nb\tc\r\u{0}\u{1f}"),
            r#""a\nb\tc\r\u0000\u001f""#
        );
        assert_eq!(json_string("café ×2 🚀 \u{7f}"), "\"café ×2 🚀 \u{7f}\"");
    }

    #[test]
    fn microseconds_are_exact() {
        assert_eq!(micros(Duration::ZERO), "0");
        assert_eq!(micros(Duration::from_millis(2600)), "2600000");
        assert_eq!(micros(Duration::from_nanos(1500)), "1.5");
        assert_eq!(micros(Duration::from_nanos(3_000_007)), "3000.007");
    }

    #[test]
    fn a_running_entry_lasts_until_now() {
        let running = Entry {
            label: "x".into(),
            group: None,
            start: Duration::from_millis(5),
            end: None,
            outcome: Outcome::Running,
            attempts: Vec::new(),
        };
        let json = trace(&[running], Duration::from_millis(7));
        assert!(
            json.contains(r#""ts":5000,"dur":2000,"args":{"outcome":"running"}"#),
            "{json}"
        );
    }
}
