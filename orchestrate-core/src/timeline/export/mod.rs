//! The timeline in formats other tools open: Trace Event JSON (Perfetto,
//! `chrome://tracing`) and SVG (a picture for docs and reports).

mod chrome;
mod svg;

use super::chart::Chart;
use super::recorder::Timeline;

impl Timeline {
    /// The entries as [Trace Event] JSON, which [Perfetto](https://ui.perfetto.dev)
    /// (*Open trace file*) and `chrome://tracing` open.
    ///
    /// Each step and branch is a track of its own (a thread, named by its
    /// label, in the order the entries started) holding one slice from its
    /// start to its end; a [`retry`](crate::retry()) inside it nests its
    /// attempts, and the waits between them, under that slice. Every slice
    /// carries its `outcome` (and a branch its `group`) in `args`. An entry
    /// still running lasts until now. Times are in microseconds since the
    /// timeline started, to the nanosecond.
    ///
    /// ```
    /// use orchestrate::timeline::Timeline;
    ///
    /// # futures::executor::block_on(async {
    /// let timeline = Timeline::new();
    /// timeline.step("GET /user", async { Ok::<_, ()>("ada") }).await;
    /// timeline.branch("likes", 1, async { Err::<u32, _>("503") }).await;
    ///
    /// let json = timeline.to_chrome_trace();
    /// assert!(json.starts_with(r#"{"displayTimeUnit":"ms","traceEvents":["#));
    /// assert!(json.contains(r#""name":"thread_name","args":{"name":"GET /user"}"#));
    /// assert!(json.contains(r#""args":{"outcome":"error","group":"likes"}"#));
    /// // std::fs::write("trace.json", json)?;
    /// # });
    /// ```
    ///
    /// [Trace Event]: https://docs.google.com/document/d/1CvAClvFfyA5R-PhYUmn5OOQtYMH4h6I0nSsKchNAySU
    pub fn to_chrome_trace(&self) -> String {
        chrome::trace(&self.entries(), self.elapsed())
    }

    /// The entries as an SVG picture of the same Gantt chart as
    /// [`chart`](Timeline::chart): one row per step or branch on a shared
    /// time axis, each bar coloured by its outcome (see the legend), a retried
    /// step's attempts and the waits between them drawn apart, and a fan-out
    /// of more than 8 branches summarized in one row showing how many of its
    /// branches were in flight over time. [`Chart::to_svg`] takes the chart's
    /// options.
    ///
    /// ```
    /// use orchestrate::timeline::Timeline;
    ///
    /// # futures::executor::block_on(async {
    /// let timeline = Timeline::new();
    /// timeline.step("GET /user", async { Ok::<_, ()>("ada") }).await;
    ///
    /// let svg = timeline.to_svg();
    /// assert!(svg.starts_with("<svg "));
    /// assert!(svg.contains(r#"class="bar ok""#));
    /// // std::fs::write("timeline.svg", svg)?;
    /// # });
    /// ```
    pub fn to_svg(&self) -> String {
        self.chart().to_svg()
    }
}

impl Chart {
    /// The chart as SVG: what [`Timeline::to_svg`] draws, with this chart's
    /// [`group_limit`](Chart::group_limit) (the text-only options, width and
    /// ASCII, do not apply).
    ///
    /// ```
    /// use std::time::Duration;
    /// use orchestrate::timeline::{Chart, Entry, Outcome};
    ///
    /// let branch = |key: u64| Entry {
    ///     label: format!("likes[{key}]"), group: Some("likes".into()),
    ///     start: Duration::ZERO, end: Some(Duration::from_millis(400)),
    ///     outcome: Outcome::Ok, attempts: Vec::new(),
    /// };
    /// let entries: Vec<Entry> = (1..=3).map(branch).collect();
    /// // Three rows, or one summary row.
    /// assert_eq!(Chart::new(entries.clone()).to_svg().matches("class=\"bar ").count(), 3);
    /// let summarized = Chart::new(entries).group_limit(2).to_svg();
    /// assert!(summarized.contains("likes ×3") && summarized.contains("class=\"in-flight\""));
    /// ```
    pub fn to_svg(&self) -> String {
        svg::render(self)
    }
}
