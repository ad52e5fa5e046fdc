//! How the example prints its result: text for people, JSON for programs.

use std::fmt::Write as _;
use std::time::Duration;

use orchestrate::timeline::Entry;

use super::profile::{Profile, ProfileError};

/// How many posts the text report lists before summarizing the rest.
const LISTED: usize = 10;

/// The time the recorded calls would take one after another.
pub(crate) fn sequential(entries: &[Entry]) -> Duration {
    entries.iter().filter_map(Entry::duration).sum()
}

pub(crate) fn text(
    result: &Result<Profile, ProfileError>,
    total: Duration,
    entries: &[Entry],
) -> String {
    let mut out = String::new();
    match result {
        Ok(profile) => {
            let _ = writeln!(
                out,
                "Profile of {} (user {}), {} posts",
                profile.user.name,
                profile.user.id,
                profile.posts.len()
            );
            for enriched in profile.posts.iter().take(LISTED) {
                let _ = writeln!(
                    out,
                    "  post {:>3}  {:<28} {}, {}",
                    enriched.post.id,
                    format!("\"{}\"", enriched.post.title),
                    plural(enriched.comments.len(), "comment"),
                    plural(enriched.likes as usize, "like"),
                );
            }
            if profile.posts.len() > LISTED {
                let _ = writeln!(out, "  … and {} more posts", profile.posts.len() - LISTED);
            }
            let _ = writeln!(out, "\n{}\n", summary(total, sequential(entries)));
        }
        Err(error) => {
            let _ = writeln!(out, "No profile: {error}\n");
        }
    }
    out
}

pub(crate) fn json(
    result: &Result<Profile, ProfileError>,
    total: Duration,
    entries: &[Entry],
) -> String {
    let mut out = String::from("{");
    match result {
        Ok(profile) => {
            let _ = write!(
                out,
                "\"user\":{{\"id\":{},\"name\":{}}},\"posts\":[",
                profile.user.id,
                quote(&profile.user.name)
            );
            for (i, enriched) in profile.posts.iter().enumerate() {
                let comments: Vec<String> = enriched.comments.iter().map(|c| quote(c)).collect();
                let _ = write!(
                    out,
                    "{}{{\"id\":{},\"title\":{},\"comments\":[{}],\"likes\":{}}}",
                    if i == 0 { "" } else { "," },
                    enriched.post.id,
                    quote(&enriched.post.title),
                    comments.join(","),
                    enriched.likes
                );
            }
            out.push(']');
        }
        Err(error) => {
            let _ = write!(
                out,
                "\"error\":{{\"step\":{},\"cause\":{}}}",
                quote(error.step.name()),
                quote(&error.cause.to_string())
            );
        }
    }
    let _ = write!(
        out,
        ",\"total_ms\":{},\"sequential_ms\":{},\"timeline\":[",
        total.as_millis(),
        sequential(entries).as_millis()
    );
    for (i, entry) in entries.iter().enumerate() {
        let _ = write!(
            out,
            "{}{{\"label\":{},\"group\":{},\"start_ms\":{},\"end_ms\":{},\"outcome\":{}}}",
            if i == 0 { "" } else { "," },
            quote(&entry.label),
            entry
                .group
                .as_deref()
                .map_or_else(|| "null".to_string(), quote),
            entry.start.as_millis(),
            entry
                .end
                .map_or_else(|| "null".to_string(), |end| end.as_millis().to_string()),
            quote(entry.outcome.as_str())
        );
    }
    out.push_str("]}");
    out
}

/// The time taken, against the same calls one after another.
pub(crate) fn summary(total: Duration, sequential: Duration) -> String {
    let speedup = sequential.as_secs_f64() / total.as_secs_f64().max(f64::EPSILON);
    // Under 5 % saved, "1.0x faster" would only say that nothing overlapped
    // (with no posts, every call waits for the one before it).
    if speedup < 1.05 {
        format!(
            "Done in {}, one call after another: nothing here could run at once.",
            seconds(total)
        )
    } else {
        format!(
            "Orchestrated in {}; one call after another would take {} ({speedup:.1}x faster).",
            seconds(total),
            seconds(sequential)
        )
    }
}

fn plural(count: usize, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{count} {noun}s")
    }
}

fn seconds(duration: Duration) -> String {
    format!("{:.2} s", duration.as_secs_f64())
}

/// A JSON string literal.
fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for ch in text.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            ch if u32::from(ch) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(ch));
            }
            ch => out.push(ch),
        }
    }
    out.push('"');
    out
}
