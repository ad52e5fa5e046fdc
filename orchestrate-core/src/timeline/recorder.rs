use std::cell::RefCell;
use std::fmt;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use pin_project_lite::pin_project;

use super::chart::Chart;
use super::entry::{Classify, Entry, Outcome};

/// An opt-in recorder of when each step and branch of an orchestration ran
/// and how it ended, to look at as data ([`entries`](Timeline::entries)) or as
/// a text Gantt chart ([`chart`](Timeline::chart)).
///
/// Wrap the futures you want to see: [`step`](Timeline::step) for a step of a
/// sequence, [`branch`](Timeline::branch) for one branch of a fan-out (branches
/// of one group are summarized in the chart when there are many). A recorded
/// future starts its entry at its first poll and ends it when it completes
/// (ok or error, or *timed out* if an orchestrate timeout inside it fired) or
/// is dropped (*cancelled*). Code that records nothing pays nothing.
///
/// A `Timeline` is cheap to clone (clones share the record) and `Send + Sync`,
/// so branches on other threads can record into it.
///
/// ```
/// use std::time::Duration;
/// use orchestrate::{settled, sleep, timeline::{Outcome, Timeline}};
///
/// # futures::executor::block_on(async {
/// let timeline = Timeline::new();
/// let user = timeline.step("GET /user", async { sleep(Duration::from_millis(20)).await; Ok::<_, ()>("ada") }).await;
/// let counts = settled((1..=3).map(|post| {
///     timeline.branch("likes", post, async move { Ok::<_, ()>(post * 10) })
/// })).await;
/// assert_eq!(user, Ok("ada"));
/// assert_eq!(counts.len(), 3);
///
/// let entries = timeline.entries();
/// assert_eq!(entries[0].label, "GET /user");
/// assert_eq!(entries[1].label, "likes[1]");
/// assert!(entries.iter().all(|e| e.outcome == Outcome::Ok));
/// println!("{}", timeline.chart());
/// # });
/// ```
#[derive(Clone)]
pub struct Timeline {
    inner: Arc<Inner>,
}

struct Inner {
    origin: Instant,
    records: Mutex<Vec<Record>>,
}

struct Record {
    entry: Entry,
    /// An orchestrate timeout fired while this was being polled.
    timed_out: bool,
}

impl Timeline {
    /// A timeline whose clock starts now.
    ///
    /// ```
    /// # use orchestrate::timeline::Timeline;
    /// assert!(Timeline::new().entries().is_empty());
    /// ```
    pub fn new() -> Self {
        Timeline {
            inner: Arc::new(Inner {
                origin: super::now(),
                records: Mutex::new(Vec::new()),
            }),
        }
    }

    /// Records `future` as a step named `label`.
    ///
    /// ```
    /// # use orchestrate::timeline::{Outcome, Timeline};
    /// # futures::executor::block_on(async {
    /// let timeline = Timeline::new();
    /// let posts = timeline.step("GET /posts", async { Err::<Vec<u32>, _>("503") }).await;
    /// assert!(posts.is_err());
    /// assert_eq!(timeline.entries()[0].outcome, Outcome::Error);
    /// # });
    /// ```
    pub fn step<F>(&self, label: impl Into<String>, future: F) -> Recorded<F::IntoFuture>
    where
        F: IntoFuture,
        F::Output: Classify,
    {
        self.recorded(label.into(), None, future.into_future())
    }

    /// Records `future` as the branch `key` of the fan-out `group`; its label
    /// reads `group[key]`, e.g. `comments[7]`.
    ///
    /// ```
    /// # use orchestrate::timeline::Timeline;
    /// # futures::executor::block_on(async {
    /// let timeline = Timeline::new();
    /// timeline.branch("comments", 7, async { Some(3) }).await;
    /// let entry = &timeline.entries()[0];
    /// assert_eq!((entry.label.as_str(), entry.group.as_deref()), ("comments[7]", Some("comments")));
    /// # });
    /// ```
    pub fn branch<F>(
        &self,
        group: impl Into<String>,
        key: impl fmt::Display,
        future: F,
    ) -> Recorded<F::IntoFuture>
    where
        F: IntoFuture,
        F::Output: Classify,
    {
        let group = group.into();
        self.recorded(format!("{group}[{key}]"), Some(group), future.into_future())
    }

    fn recorded<F>(&self, label: String, group: Option<String>, future: F) -> Recorded<F> {
        Recorded {
            future,
            timeline: self.clone(),
            pending: Some((label, group)),
            index: None,
            finished: false,
        }
    }

    /// Every entry so far, in the order they started.
    ///
    /// ```
    /// # use orchestrate::timeline::Timeline;
    /// # futures::executor::block_on(async {
    /// let timeline = Timeline::new();
    /// timeline.step("a", async {}).await;
    /// timeline.step("b", async {}).await;
    /// let labels: Vec<_> = timeline.entries().into_iter().map(|e| e.label).collect();
    /// assert_eq!(labels, ["a", "b"]);
    /// # });
    /// ```
    pub fn entries(&self) -> Vec<Entry> {
        self.records()
            .iter()
            .map(|record| record.entry.clone())
            .collect()
    }

    /// Time since the timeline was created.
    ///
    /// ```
    /// # use orchestrate::timeline::Timeline;
    /// let timeline = Timeline::new();
    /// assert!(timeline.elapsed() < std::time::Duration::from_secs(60));
    /// ```
    pub fn elapsed(&self) -> Duration {
        super::now().saturating_duration_since(self.inner.origin)
    }

    /// The entries as a text Gantt chart (see [`Chart`] for its options);
    /// `Display` renders it.
    ///
    /// ```
    /// # use orchestrate::timeline::Timeline;
    /// # futures::executor::block_on(async {
    /// let timeline = Timeline::new();
    /// timeline.step("GET /user", async { Ok::<_, ()>(()) }).await;
    /// let chart = timeline.chart().width(40).to_string();
    /// assert!(chart.contains("GET /user"));
    /// # });
    /// ```
    pub fn chart(&self) -> Chart {
        Chart::new(self.entries())
    }

    fn records(&self) -> std::sync::MutexGuard<'_, Vec<Record>> {
        // A panic while holding the lock cannot leave a record half-written.
        self.inner
            .records
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn now(&self) -> Duration {
        self.elapsed()
    }

    fn start(&self, label: String, group: Option<String>) -> usize {
        let start = self.now();
        let mut records = self.records();
        records.push(Record {
            entry: Entry {
                label,
                group,
                start,
                end: None,
                outcome: Outcome::Running,
            },
            timed_out: false,
        });
        records.len() - 1
    }

    fn finish(&self, index: usize, succeeded: Option<bool>) {
        let end = self.now();
        let mut records = self.records();
        let record = &mut records[index];
        record.entry.end = Some(end);
        record.entry.outcome = match succeeded {
            None => Outcome::Cancelled,
            Some(true) => Outcome::Ok,
            Some(false) if record.timed_out => Outcome::TimedOut,
            Some(false) => Outcome::Error,
        };
    }
}

impl Default for Timeline {
    fn default() -> Self {
        Timeline::new()
    }
}

impl fmt::Debug for Timeline {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Timeline")
            .field("entries", &self.entries())
            .finish()
    }
}

thread_local! {
    /// The recorded future being polled on this thread, innermost first.
    static CURRENT: RefCell<Option<(Timeline, usize)>> = const { RefCell::new(None) };
}

/// Called by an orchestrate timeout when it fires: the recorded future being
/// polled (if any) ends as *timed out* rather than *error*.
pub(crate) fn note_timeout() {
    let _ = CURRENT.try_with(|current| {
        if let Some((timeline, index)) = &*current.borrow() {
            timeline.records()[*index].timed_out = true;
        }
    });
}

/// Makes `(timeline, index)` the current record while `poll` runs.
fn polling<T>(timeline: &Timeline, index: usize, poll: impl FnOnce() -> T) -> T {
    struct Restore(Option<(Timeline, usize)>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let previous = self.0.take();
            let _ = CURRENT.try_with(|current| *current.borrow_mut() = previous);
        }
    }
    let previous = CURRENT
        .try_with(|current| current.replace(Some((timeline.clone(), index))))
        .ok()
        .flatten();
    let _restore = Restore(previous);
    poll()
}

pin_project! {
    /// A future recorded on a [`Timeline`]; its output is the inner future's.
    ///
    /// ```
    /// # use orchestrate::timeline::{Recorded, Timeline};
    /// # futures::executor::block_on(async {
    /// let timeline = Timeline::new();
    /// let step: Recorded<_> = timeline.step("answer", async { Some(42) });
    /// assert_eq!(step.await, Some(42));
    /// # });
    /// ```
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct Recorded<F> {
        #[pin]
        future: F,
        timeline: Timeline,
        // Label and group until the first poll starts the entry.
        pending: Option<(String, Option<String>)>,
        index: Option<usize>,
        finished: bool,
    }

    impl<F> PinnedDrop for Recorded<F> {
        fn drop(this: Pin<&mut Self>) {
            let this = this.project();
            if let (Some(index), false) = (*this.index, *this.finished) {
                this.timeline.finish(index, None);
            }
        }
    }
}

impl<F> Future for Recorded<F>
where
    F: Future,
    F::Output: Classify,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        if *this.finished {
            return this.future.poll(cx);
        }
        let index = match (*this.index, this.pending.take()) {
            (Some(index), _) => index,
            (None, Some((label, group))) => *this.index.insert(this.timeline.start(label, group)),
            (None, None) => unreachable!("a recorded future has a label until it starts"),
        };
        let future = this.future;
        let output = polling(this.timeline, index, || future.poll(cx));
        if let Poll::Ready(output) = &output {
            *this.finished = true;
            this.timeline.finish(index, Some(output.succeeded()));
        }
        output
    }
}
