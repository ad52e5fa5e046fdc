//! The Gantt chart as SVG: the text chart's rows, axis and legend, drawn.
//! Text is monospace so that label widths can be known without a font.

use std::fmt::Write as _;
use std::time::Duration;

use crate::timeline::chart::{Chart, MAX_LABEL, Row, format_duration, summary, truncate};
use crate::timeline::entry::{Attempt, Entry, Outcome};

/// The colour of each outcome: the one place that lists them (the legend
/// shows the outcomes a chart uses, named by [`Outcome::as_str`]).
fn colour(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Running => "#4a90d9",
        Outcome::Ok => "#2e9d52",
        Outcome::Error => "#d93f3f",
        Outcome::TimedOut => "#f0a030",
        Outcome::Cancelled => "#9aa0a6",
        Outcome::Refused => "#8e44ad",
    }
}

/// The CSS class of an outcome's shapes: its name, `timed-out` for `timed out`.
fn class(outcome: Outcome) -> String {
    outcome.as_str().replace(' ', "-")
}

const WAIT: &str = "#5f6368";
const IN_FLIGHT: &str = "#5c6bc0";
const TEXT: &str = "#24292f";
const MUTED: &str = "#57606a";
const GRID: &str = "#d0d7de";
const STRIPE: &str = "#f6f8fa";

const FONT: &str = "ui-monospace, SFMono-Regular, Menlo, Consolas, 'DejaVu Sans Mono', monospace";
/// The advance of a 12 px monospace character, a little generous.
const CHAR: f64 = 7.4;
const PAD: f64 = 16.0;
const PLOT: f64 = 600.0;
const ROW: f64 = 24.0;
const BAR: f64 = 14.0;
/// A bar is at least this wide, so an instant's entry still shows.
const MIN_BAR: f64 = 1.0;

pub(super) fn render(chart: &Chart) -> String {
    if chart.entries.is_empty() {
        return format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"200\" height=\"40\" viewBox=\"0 0 200 40\" font-family=\"{FONT}\" font-size=\"12\">\n\
             <rect width=\"200\" height=\"40\" fill=\"#ffffff\"/>\n\
             <text x=\"{PAD}\" y=\"24\" fill=\"{MUTED}\">(nothing recorded)</text>\n</svg>\n"
        );
    }
    let rows = chart.rows();
    let total = chart
        .entries
        .iter()
        .map(|entry| entry.end.unwrap_or(entry.start))
        .max()
        .unwrap_or_default()
        .max(Duration::from_millis(1));
    let labels: Vec<String> = rows
        .iter()
        .map(|row| truncate(&row.label(), MAX_LABEL))
        .collect();
    let notes: Vec<String> = rows.iter().map(|row| note(row)).collect();
    let plot_x = PAD + width_of(&labels) + 12.0;
    let note_x = plot_x + PLOT + 10.0;
    let axis_y = PAD + 14.0;
    let top = axis_y + 8.0;
    let legend_y = top + ROW * count(rows.len()) + 22.0;
    let height = legend_y + 30.0;
    let width = (note_x + width_of(&notes) + PAD).max(plot_x + PLOT + PAD);
    let x = |at: Duration| plot_x + PLOT * (at.as_secs_f64() / total.as_secs_f64()).min(1.0);

    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" font-family=\"{FONT}\" font-size=\"12\">\n\
         <title>orchestrate timeline, total {total}</title>\n\
         <rect width=\"{w}\" height=\"{h}\" fill=\"#ffffff\"/>\n",
        w = num(width),
        h = num(height),
        total = format_duration(total),
    );

    let bottom = top + ROW * count(rows.len());
    grid(&mut svg, rows.len(), top, width);
    axis(&mut svg, total, axis_y, bottom, &x);

    let mut used: Vec<Outcome> = Vec::new();
    let (mut waits_shown, mut in_flight_shown) = (false, false);
    for (i, row) in rows.iter().enumerate() {
        let y = top + ROW * count(i);
        let bar_y = y + (ROW - BAR) / 2.0;
        let _ = writeln!(
            svg,
            "<g class=\"row\"><text x=\"{PAD}\" y=\"{}\" fill=\"{TEXT}\">{}</text>",
            num(y + 16.0),
            escape(&labels[i])
        );
        match row {
            Row::Single(entry) => {
                used.push(entry.outcome);
                used.extend(entry.attempts.iter().map(|a| a.outcome));
                waits_shown |= entry.attempts.len() > 1;
                entry_bar(&mut svg, entry, total, bar_y, &x);
            }
            Row::Attempt(entry, index) => {
                let attempt = &entry.attempts[*index];
                used.push(attempt.outcome);
                attempt_bar(
                    &mut svg,
                    attempt,
                    *index + 1,
                    entry.end.unwrap_or(total),
                    bar_y,
                    &x,
                );
            }
            Row::Group { name, members } => {
                in_flight_shown = true;
                in_flight(&mut svg, name, members, total, bar_y, &x);
            }
        }
        let _ = writeln!(
            svg,
            "<text x=\"{}\" y=\"{}\" fill=\"{MUTED}\" xml:space=\"preserve\">{}</text></g>",
            num(note_x),
            num(y + 16.0),
            escape(&notes[i])
        );
    }

    legend(&mut svg, &mut used, waits_shown, in_flight_shown, legend_y);
    let _ = writeln!(
        svg,
        "<text x=\"{}\" y=\"{}\" text-anchor=\"end\" fill=\"{TEXT}\">total {}</text>\n</svg>",
        num(plot_x + PLOT),
        num(legend_y + 10.0),
        escape(&format_duration(total))
    );
    svg
}

/// Every other row striped, under the grid and the bars.
fn grid(svg: &mut String, rows: usize, top: f64, width: f64) {
    for i in (1..rows).step_by(2) {
        let _ = writeln!(
            svg,
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{ROW}\" fill=\"{STRIPE}\"/>",
            num(PAD / 2.0),
            num(top + ROW * count(i)),
            num(width - PAD)
        );
    }
}

/// The time axis: five ticks with their labels, a grid line through the rows.
fn axis(svg: &mut String, total: Duration, y: f64, bottom: f64, x: &dyn Fn(Duration) -> f64) {
    let _ = writeln!(
        svg,
        "<line class=\"axis\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{MUTED}\"/>",
        num(x(Duration::ZERO)),
        num(y + 4.0),
        num(x(total)),
        num(y + 4.0)
    );
    for quarter in 0..=4u32 {
        let at = total.mul_f64(f64::from(quarter) / 4.0);
        let tick_x = num(x(at));
        let anchor = match quarter {
            0 => "start",
            4 => "end",
            _ => "middle",
        };
        let _ = writeln!(
            svg,
            "<line class=\"tick\" x1=\"{tick_x}\" y1=\"{}\" x2=\"{tick_x}\" y2=\"{}\" stroke=\"{GRID}\"/>\n\
             <text class=\"tick\" x=\"{tick_x}\" y=\"{}\" text-anchor=\"{anchor}\" fill=\"{MUTED}\">{}</text>",
            num(y + 1.0),
            num(bottom),
            num(y - 2.0),
            escape(&format_duration(at)),
        );
    }
}

/// What the text chart writes after a row's bar.
fn note(row: &Row<'_>) -> String {
    match row {
        Row::Single(entry) => {
            let took = entry
                .duration()
                .map_or_else(|| "…".to_string(), format_duration);
            let mut note = format!("{took}  {}", entry.outcome);
            if entry.attempts.len() > 1 {
                let _ = write!(note, " after {} attempts", entry.attempts.len());
            }
            note
        }
        Row::Attempt(entry, index) => {
            let attempt = &entry.attempts[*index];
            let took = attempt.end.map_or_else(
                || "…".to_string(),
                |end| format_duration(end.saturating_sub(attempt.start)),
            );
            format!("{took}  {}", attempt.outcome)
        }
        Row::Group { members, .. } => summary(members),
    }
}

/// One entry's bar; a retried one is drawn faint under its attempts, each in
/// its own outcome, joined by the waits between them.
fn entry_bar(
    svg: &mut String,
    entry: &Entry,
    total: Duration,
    y: f64,
    x: &dyn Fn(Duration) -> f64,
) {
    let end = entry.end.unwrap_or(total);
    let retried = entry.attempts.len() > 1;
    let (left, width) = span(entry.start, end, x);
    let took = entry
        .duration()
        .map_or_else(|| "running".to_string(), format_duration);
    let _ = writeln!(
        svg,
        "<rect class=\"bar {}\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{BAR}\" rx=\"2\" fill=\"{}\"{}><title>{}: {took}, {}</title></rect>",
        class(entry.outcome),
        num(left),
        num(y),
        num(width),
        colour(entry.outcome),
        if retried {
            " fill-opacity=\"0.25\""
        } else {
            ""
        },
        escape(&entry.label),
        entry.outcome,
    );
    if !retried {
        return;
    }
    let mut previous_end: Option<Duration> = None;
    for (number, attempt) in (1..).zip(&entry.attempts) {
        if let Some(waited_from) = previous_end.filter(|&from| from < attempt.start) {
            let (left, width) = span(waited_from, attempt.start, x);
            let _ = writeln!(
                svg,
                "<rect class=\"wait\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"2\" fill=\"{WAIT}\"/>",
                num(left),
                num(y + BAR / 2.0 - 1.0),
                num(width)
            );
        }
        previous_end = Some(attempt_bar(svg, attempt, number, end, y, x));
    }
}

/// One attempt's bar (ending at `end` if it is still running); its end.
fn attempt_bar(
    svg: &mut String,
    attempt: &Attempt,
    number: usize,
    end: Duration,
    y: f64,
    x: &dyn Fn(Duration) -> f64,
) -> Duration {
    let attempt_end = attempt.end.unwrap_or(end);
    let (left, width) = span(attempt.start, attempt_end, x);
    let _ = writeln!(
        svg,
        "<rect class=\"attempt {}\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{BAR}\" rx=\"2\" fill=\"{}\"><title>attempt {number}: {}, {}</title></rect>",
        class(attempt.outcome),
        num(left),
        num(y),
        num(width),
        colour(attempt.outcome),
        format_duration(attempt_end.saturating_sub(attempt.start)),
        attempt.outcome,
    );
    attempt_end
}

/// A summarized group: how many of its branches ran at each instant, as a
/// step area scaled to the peak.
fn in_flight(
    svg: &mut String,
    name: &str,
    members: &[&Entry],
    total: Duration,
    y: f64,
    x: &dyn Fn(Duration) -> f64,
) {
    // Ends sort before starts at the same instant: back-to-back is not overlap.
    let mut events: Vec<(Duration, bool)> = members
        .iter()
        .flat_map(|e| [(e.start, true), (e.end.unwrap_or(total), false)])
        .collect();
    events.sort_unstable();
    let (mut now, mut peak) = (0usize, 0usize);
    let mut steps: Vec<(Duration, usize)> = Vec::new();
    for (at, starts) in events {
        if starts {
            now += 1;
        } else {
            now = now.saturating_sub(1);
        }
        peak = peak.max(now);
        match steps.last_mut() {
            Some((last, level)) if *last == at => *level = now,
            _ => steps.push((at, now)),
        }
    }
    let base = y + BAR;
    let level = |n: usize| base - BAR * count(n) / count(peak.max(1));
    let mut path = format!("M{},{}", num(x(Duration::ZERO)), num(base));
    for (at, n) in steps {
        let _ = write!(path, " H{} V{}", num(x(at)), num(level(n)));
    }
    let _ = write!(path, " H{} V{} Z", num(x(total)), num(base));
    let _ = writeln!(
        svg,
        "<path class=\"in-flight\" d=\"{path}\" fill=\"{IN_FLIGHT}\"><title>{}: at most {peak} of {} branches at once</title></path>",
        escape(name),
        members.len()
    );
}

fn legend(svg: &mut String, used: &mut Vec<Outcome>, waits: bool, in_flight: bool, y: f64) {
    used.sort_unstable();
    used.dedup();
    let mut keys: Vec<(String, &str, f64)> = used
        .iter()
        .map(|&outcome| (outcome.to_string(), colour(outcome), BAR))
        .collect();
    if waits {
        keys.push(("waiting to retry".into(), WAIT, 2.0));
    }
    if in_flight {
        keys.push(("branches in flight".into(), IN_FLIGHT, BAR));
    }
    let mut at = PAD;
    for (name, fill, height) in keys {
        let _ = writeln!(
            svg,
            "<g class=\"legend\"><rect x=\"{}\" y=\"{}\" width=\"14\" height=\"{}\" rx=\"2\" fill=\"{fill}\"/><text x=\"{}\" y=\"{}\" fill=\"{TEXT}\">{}</text></g>",
            num(at),
            num(y + (BAR - height) / 2.0),
            num(height),
            num(at + 20.0),
            num(y + 11.0),
            escape(&name)
        );
        at += 20.0 + CHAR * count(name.chars().count()) + 18.0;
    }
}

/// The left edge and width of a bar from `start` to `end`.
fn span(start: Duration, end: Duration, x: &dyn Fn(Duration) -> f64) -> (f64, f64) {
    let left = x(start);
    (left, (x(end.max(start)) - left).max(MIN_BAR))
}

/// The width of the longest of `texts`, in pixels.
fn width_of(texts: &[String]) -> f64 {
    count(texts.iter().map(|t| t.chars().count()).max().unwrap_or(0)) * CHAR
}

/// A count as a coordinate factor (counts here are small).
fn count(n: usize) -> f64 {
    #[allow(clippy::cast_precision_loss)]
    let n = n as f64;
    n
}

/// A coordinate, to the hundredth of a pixel, without trailing zeros.
fn num(value: f64) -> String {
    let text = format!("{value:.2}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" {
        "0".into()
    } else {
        text.into()
    }
}

/// Text for XML content and attributes: the five special characters as
/// entities; control characters XML 1.0 forbids as U+FFFD.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(ch),
            ch if ch < ' ' => out.push('\u{fffd}'),
            ch => out.push(ch),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_special_characters_are_escaped() {
        assert_eq!(
            escape(r#"<a href="x">&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&amp;&apos;&lt;/a&gt;"
        );
        assert_eq!(escape("a\u{1}b\tcafé"), "a\u{fffd}b\tcafé");
    }

    #[test]
    fn coordinates_are_short() {
        assert_eq!(num(12.0), "12");
        assert_eq!(num(12.5), "12.5");
        assert_eq!(num(1.0 / 3.0), "0.33");
        assert_eq!(num(-0.001), "0");
    }

    #[test]
    fn nothing_recorded_is_a_small_picture() {
        let svg = render(&Chart::new(Vec::new()));
        assert!(svg.contains("(nothing recorded)") && svg.ends_with("</svg>\n"));
    }
}
