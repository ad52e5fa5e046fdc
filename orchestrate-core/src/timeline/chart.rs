use std::fmt::{self, Write as _};
use std::time::Duration;

use super::entry::{Attempt, Entry, Outcome};

/// A text Gantt chart of timeline entries: one row per step or branch on a
/// shared time axis, with a legend and the total. A fan-out group with more
/// branches than [`group_limit`](Chart::group_limit) is summarized in one row
/// that shows how many of its branches were in flight over time. A step
/// whose work was [retried](crate::retry()) shows each attempt in its own
/// outcome, the waits between them drawn as `·`, and how many attempts it took;
/// one [hedged](crate::hedge()) shows each attempt on a row of its own below
/// it, the losers cancelled.
///
/// Render it with `Display` (`println!("{chart}")`).
///
/// ```
/// use std::time::Duration;
/// use orchestrate::timeline::{Chart, Entry, Outcome};
///
/// let ms = Duration::from_millis;
/// let step = |label: &str, start, end, outcome| Entry {
///     label: label.into(), group: None, start: ms(start), end: Some(ms(end)), outcome,
///     attempts: Vec::new(),
/// };
/// let chart = Chart::new(vec![
///     step("GET /user", 0, 800, Outcome::Ok),
///     step("GET /posts", 800, 2000, Outcome::TimedOut),
/// ])
/// .width(20)
/// .ascii(true);
/// let text = chart.to_string();
/// assert!(text.contains("GET /user   ########              800 ms  ok"));
/// assert!(text.contains("GET /posts          ~~~~~~~~~~~~  1.20 s  timed out"));
/// ```
#[derive(Debug, Clone)]
pub struct Chart {
    pub(super) entries: Vec<Entry>,
    width: usize,
    ascii: bool,
    pub(super) group_limit: usize,
}

impl Chart {
    /// A chart of `entries`, 60 columns wide, in Unicode, summarizing groups of
    /// more than 8 branches.
    ///
    /// ```
    /// # use orchestrate::timeline::Chart;
    /// assert!(Chart::new(vec![]).to_string().contains("nothing recorded"));
    /// ```
    pub fn new(entries: Vec<Entry>) -> Self {
        Chart {
            entries,
            width: 60,
            ascii: false,
            group_limit: 8,
        }
    }

    /// The number of columns of the time axis (at least 10).
    ///
    /// ```
    /// # use orchestrate::timeline::Chart;
    /// let chart = Chart::new(vec![]).width(30);
    /// # let _ = chart;
    /// ```
    #[must_use]
    pub fn width(mut self, columns: usize) -> Self {
        self.width = columns.max(10);
        self
    }

    /// Draw with ASCII characters only (`#` ok, `x` error, `~` timed out,
    /// `-` cancelled, `!` refused, `.` waiting to retry, digits for branches
    /// in flight).
    ///
    /// ```
    /// # use orchestrate::timeline::Chart;
    /// assert!(Chart::new(vec![]).ascii(true).to_string().is_ascii());
    /// ```
    #[must_use]
    pub fn ascii(mut self, ascii: bool) -> Self {
        self.ascii = ascii;
        self
    }

    /// Groups with more than `branches` branches are drawn as one summary row.
    ///
    /// ```
    /// # use orchestrate::timeline::Chart;
    /// let everything = Chart::new(vec![]).group_limit(usize::MAX);
    /// # let _ = everything;
    /// ```
    #[must_use]
    pub fn group_limit(mut self, branches: usize) -> Self {
        self.group_limit = branches;
        self
    }

    fn glyphs(&self) -> &'static Glyphs {
        if self.ascii { &ASCII } else { &UNICODE }
    }

    /// The rows, in order of their first start.
    pub(super) fn rows(&self) -> Vec<Row<'_>> {
        let mut entries: Vec<&Entry> = self.entries.iter().collect();
        entries.sort_by_key(|entry| entry.start);
        let mut rows = Vec::new();
        let mut summarized: Vec<&str> = Vec::new();
        for entry in &entries {
            let group = entry.group.as_deref();
            let members: Vec<&Entry> = match group {
                Some(group) => entries
                    .iter()
                    .copied()
                    .filter(|e| e.group.as_deref() == Some(group))
                    .collect(),
                None => Vec::new(),
            };
            match group {
                Some(group) if members.len() > self.group_limit => {
                    if !summarized.contains(&group) {
                        summarized.push(group);
                        rows.push(Row::Group {
                            name: group,
                            members,
                        });
                    }
                }
                _ => {
                    rows.push(Row::Single(entry));
                    // Hedged attempts run at once: a bar each, below.
                    if overlapping(entry) {
                        rows.extend((0..entry.attempts.len()).map(|i| Row::Attempt(entry, i)));
                    }
                }
            }
        }
        rows
    }
}

/// Whether some attempt of `entry` began before the one before it ended.
fn overlapping(entry: &Entry) -> bool {
    entry
        .attempts
        .windows(2)
        .any(|pair| pair[0].end.is_none_or(|end| pair[1].start < end))
}

pub(super) enum Row<'a> {
    Single(&'a Entry),
    /// One of the overlapping attempts of an entry, by index.
    Attempt(&'a Entry, usize),
    Group {
        name: &'a str,
        members: Vec<&'a Entry>,
    },
}

impl Row<'_> {
    pub(super) fn label(&self) -> String {
        match self {
            Row::Single(entry) => entry.label.clone(),
            Row::Attempt(_, index) => format!("  attempt {}", index + 1),
            Row::Group { name, members } => format!("{name} ×{}", members.len()),
        }
    }
}

struct Glyphs {
    ok: char,
    error: char,
    timed_out: char,
    cancelled: char,
    refused: char,
    running: char,
    wait: char,
    levels: [char; 8],
    rule: char,
    tick: char,
    times: &'static str,
}

const UNICODE: Glyphs = Glyphs {
    ok: '█',
    error: '▒',
    timed_out: '░',
    cancelled: '┄',
    refused: '╳',
    running: '▹',
    wait: '·',
    levels: ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'],
    rule: '─',
    tick: '┼',
    times: "×",
};

const ASCII: Glyphs = Glyphs {
    ok: '#',
    error: 'x',
    timed_out: '~',
    cancelled: '-',
    refused: '!',
    running: '>',
    wait: '.',
    levels: ['1', '2', '3', '4', '5', '6', '7', '8'],
    rule: '-',
    tick: '+',
    times: "x",
};

impl Glyphs {
    fn of(&self, outcome: Outcome) -> char {
        match outcome {
            Outcome::Ok => self.ok,
            Outcome::Error => self.error,
            Outcome::TimedOut => self.timed_out,
            Outcome::Cancelled => self.cancelled,
            Outcome::Refused => self.refused,
            Outcome::Running => self.running,
        }
    }
}

pub(super) const MAX_LABEL: usize = 32;

impl fmt::Display for Chart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.entries.is_empty() {
            return f.write_str("(nothing recorded)\n");
        }
        let glyphs = self.glyphs();
        let rows = self.rows();
        let total = self
            .entries
            .iter()
            .map(|entry| entry.end.unwrap_or(entry.start))
            .max()
            .unwrap_or_default()
            .max(Duration::from_millis(1));
        let width = self.width;
        let labels: Vec<String> = rows
            .iter()
            .map(|row| truncate(&row.label().replace('×', glyphs.times), MAX_LABEL))
            .collect();
        let label_width = labels.iter().map(|l| l.chars().count()).max().unwrap_or(0);
        let column = |at: Duration| -> usize {
            let fraction = at.as_secs_f64() / total.as_secs_f64();
            // Rounding to a column is the point; widths are small.
            #[allow(
                clippy::cast_possible_truncation,
                clippy::cast_sign_loss,
                clippy::cast_precision_loss
            )]
            let col = (fraction * width as f64).round() as usize;
            col.min(width)
        };

        // The time axis: tick labels, then a rule with tick marks.
        let ticks = [0, width / 4, width / 2, width * 3 / 4, width];
        writeln!(
            f,
            "{:label_width$}  {}",
            "",
            axis_labels(&ticks, width, total)
        )?;
        let rule: String = (0..=width)
            .map(|col| {
                if ticks.contains(&col) {
                    glyphs.tick
                } else {
                    glyphs.rule
                }
            })
            .collect();
        writeln!(f, "{:label_width$}  {rule}", "")?;

        let mut in_flight_shown = false;
        let mut waits_shown = false;
        for (row, label) in rows.iter().zip(&labels) {
            let pad = label_width - label.chars().count();
            write!(f, "{label}{:pad$}  ", "")?;
            match row {
                Row::Single(entry) => {
                    let bar = entry_bar(entry, glyphs, width, total, &column);
                    let retried = entry.attempts.len() > 1 && !overlapping(entry);
                    waits_shown |= retried;
                    let took = entry
                        .duration()
                        .map_or_else(|| "…".to_string(), format_duration);
                    write!(f, "{bar} {took:>7}  {}", entry.outcome)?;
                    if retried {
                        write!(f, " after {} attempts", entry.attempts.len())?;
                    }
                    writeln!(f)?;
                }
                Row::Attempt(entry, index) => {
                    let attempt = &entry.attempts[*index];
                    let bar = attempt_bar(attempt, glyphs, width, total, &column);
                    let took = attempt.end.map_or_else(
                        || "…".to_string(),
                        |end| format_duration(end.saturating_sub(attempt.start)),
                    );
                    writeln!(f, "{bar} {took:>7}  {}", attempt.outcome)?;
                }
                Row::Group { members, .. } => {
                    in_flight_shown = true;
                    let bar = in_flight_bar(members, total, width, glyphs);
                    writeln!(f, "{bar}  {}", summary(members))?;
                }
            }
        }
        let legend = self.legend(glyphs, waits_shown, in_flight_shown);
        writeln!(f, "{legend}")?;
        writeln!(f, "total {}", format_duration(total))
    }
}

impl Chart {
    /// The line under the rows: the glyphs shown, and what they mean.
    fn legend(&self, glyphs: &Glyphs, waits_shown: bool, in_flight_shown: bool) -> String {
        let mut legend = format!(
            "{} ok  {} error  {} timed out  {} cancelled",
            glyphs.ok, glyphs.error, glyphs.timed_out, glyphs.cancelled
        );
        let refused = |outcome| outcome == Outcome::Refused;
        if self.entries.iter().any(|entry| {
            refused(entry.outcome) || entry.attempts.iter().any(|a| refused(a.outcome))
        }) {
            let _ = write!(legend, "  {} refused", glyphs.refused);
        }
        if waits_shown {
            let _ = write!(legend, "  {} waiting to retry", glyphs.wait);
        }
        if in_flight_shown {
            let _ = write!(
                legend,
                "  {}…{} branches in flight",
                glyphs.levels[0], glyphs.levels[7]
            );
        }
        legend
    }
}

/// One entry's bar; a retried one shows each attempt in its own outcome and
/// the waits between them.
fn entry_bar(
    entry: &Entry,
    glyphs: &Glyphs,
    width: usize,
    total: Duration,
    column: &dyn Fn(Duration) -> usize,
) -> String {
    let span = |start: Duration, end: Option<Duration>| {
        let begin = column(start).min(width - 1);
        begin..column(end.unwrap_or(total)).max(begin + 1).min(width)
    };
    let mut bar = vec![' '; width];
    bar[span(entry.start, entry.end)].fill(glyphs.of(entry.outcome));
    // Overlapping (hedged) attempts have rows of their own.
    if let [first, .., last] = entry.attempts.as_slice()
        && !overlapping(entry)
    {
        bar[span(first.start, last.end)].fill(glyphs.wait);
        for attempt in &entry.attempts {
            bar[span(attempt.start, attempt.end)].fill(glyphs.of(attempt.outcome));
        }
    }
    bar.into_iter().collect()
}

/// One hedged attempt's bar, on its own row.
fn attempt_bar(
    attempt: &Attempt,
    glyphs: &Glyphs,
    width: usize,
    total: Duration,
    column: &dyn Fn(Duration) -> usize,
) -> String {
    let begin = column(attempt.start).min(width - 1);
    let end = column(attempt.end.unwrap_or(total))
        .max(begin + 1)
        .min(width);
    let mut bar = vec![' '; width];
    bar[begin..end].fill(glyphs.of(attempt.outcome));
    bar.into_iter().collect()
}

/// The labels of the ticks, each starting at its column (the last one ending
/// there); a label that would touch the one before it is left out.
fn axis_labels(ticks: &[usize], width: usize, total: Duration) -> String {
    let mut placed: Vec<(usize, String)> = Vec::new();
    for &tick in ticks {
        #[allow(clippy::cast_precision_loss)]
        let text = format_duration(total.mul_f64(tick as f64 / width as f64));
        let len = text.chars().count();
        let begin = if tick == width {
            (tick + 1).saturating_sub(len)
        } else {
            tick
        };
        // The total always shows: earlier labels in its way give way.
        while tick == width
            && placed
                .last()
                .is_some_and(|(at, prev)| at + prev.chars().count() >= begin)
        {
            placed.pop();
        }
        if placed
            .last()
            .is_none_or(|(at, prev)| at + prev.chars().count() < begin)
        {
            placed.push((begin, text));
        }
    }
    let mut line = String::new();
    for (begin, text) in placed {
        let pad = begin.saturating_sub(line.chars().count());
        line.extend(std::iter::repeat_n(' ', pad));
        line.push_str(&text);
    }
    line
}

/// For each column, how many of `members` were running on average, as a
/// level glyph scaled to the busiest column.
fn in_flight_bar(members: &[&Entry], total: Duration, width: usize, glyphs: &Glyphs) -> String {
    #[allow(clippy::cast_precision_loss)]
    let load: Vec<f64> = (0..width)
        .map(|col| {
            let from = total.mul_f64(col as f64 / width as f64);
            let to = total.mul_f64((col + 1) as f64 / width as f64);
            let busy: Duration = members
                .iter()
                .map(|e| {
                    e.end
                        .unwrap_or(total)
                        .min(to)
                        .saturating_sub(e.start.max(from))
                })
                .sum();
            busy.as_secs_f64() / to.saturating_sub(from).as_secs_f64().max(f64::MIN_POSITIVE)
        })
        .collect();
    let most = load.iter().copied().fold(0.0, f64::max);
    load.iter()
        .map(|&load| {
            if load <= 0.0 || most <= 0.0 {
                ' '
            } else {
                // Levels 1..=8 of the busiest column's load.
                #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                let level = ((load / most) * 8.0).ceil() as usize;
                glyphs.levels[level.clamp(1, 8) - 1]
            }
        })
        .collect()
}

/// "1000 branches: 998 ok, 2 timed out · p50 600 ms · max 612 ms · ≤ 50 at once"
pub(super) fn summary(members: &[&Entry]) -> String {
    let mut by_outcome: Vec<(Outcome, usize)> = Vec::new();
    for member in members {
        match by_outcome
            .iter_mut()
            .find(|(outcome, _)| *outcome == member.outcome)
        {
            Some((_, count)) => *count += 1,
            None => by_outcome.push((member.outcome, 1)),
        }
    }
    by_outcome.sort();
    let outcomes: Vec<String> = by_outcome.iter().map(|(o, n)| format!("{n} {o}")).collect();
    let mut durations: Vec<Duration> = members.iter().filter_map(|e| e.duration()).collect();
    durations.sort();
    let mut text = format!("{} branches: {}", members.len(), outcomes.join(", "));
    if let (Some(median), Some(max)) = (durations.get(durations.len() / 2), durations.last()) {
        let _ = write!(
            text,
            "; p50 {}, max {}",
            format_duration(*median),
            format_duration(*max)
        );
    }
    let _ = write!(text, "; at most {} at once", peak_in_flight(members));
    text
}

/// The largest number of members running at the same moment.
fn peak_in_flight(members: &[&Entry]) -> usize {
    // Ends sort before starts at the same instant: back-to-back is not overlap.
    let mut events: Vec<(Duration, bool)> = members
        .iter()
        .flat_map(|e| [(e.start, true), (e.end.unwrap_or(Duration::MAX), false)])
        .collect();
    events.sort();
    let (mut now, mut peak) = (0usize, 0usize);
    for (_, starts) in events {
        if starts {
            now += 1;
            peak = peak.max(now);
        } else {
            now = now.saturating_sub(1);
        }
    }
    peak
}

/// `812 ms`, `2.61 s`, `450 µs`.
pub(super) fn format_duration(duration: Duration) -> String {
    if duration >= Duration::from_secs(1) {
        format!("{:.2} s", duration.as_secs_f64())
    } else if duration >= Duration::from_millis(1) || duration.is_zero() {
        format!("{} ms", duration.as_millis())
    } else {
        format!("{} µs", duration.as_micros())
    }
}

pub(super) fn truncate(label: &str, max: usize) -> String {
    if label.chars().count() <= max {
        label.to_string()
    } else {
        let kept: String = label.chars().take(max - 1).collect();
        format!("{kept}…")
    }
}

#[cfg(test)]
mod tests;
