use std::cell::RefCell;
use std::fmt;
use std::future::{Future, IntoFuture};
use std::mem;
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
/// is dropped (*cancelled*). A [`retry`](crate::retry()) inside it records
/// each of its attempts on the entry ([`Entry::attempts`]), and the chart
/// draws them apart. Code that records nothing pays nothing.
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
///
/// # Tracing
///
/// With the feature `tracing`, each entry is also a
/// [`tracing`](https://docs.rs/tracing) span (target `orchestrate::timeline`,
/// level `INFO`): `orchestrate.step` with the field `label`, or
/// `orchestrate.branch` with `label`, `group` and `key`; both with an
/// `outcome` (`ok`, `error`, `timed out` or `cancelled`) recorded when the
/// entry ends. The span opens at the first poll, as a child of the span current
/// then; it is entered around every poll of the recorded future, so the events
/// and spans inside nest under it, and it closes when the entry ends. Without
/// the feature none of this is compiled in.
///
/// ```
/// # use orchestrate::timeline::Timeline;
/// # futures::executor::block_on(async {
/// let timeline = Timeline::new();
/// // With the feature, this event's parent is the span `orchestrate.step`
/// // (label "GET /user"), whose outcome reads "ok" once the step is done.
/// let user = timeline.step("GET /user", async {
///     tracing::info!("asking the user service");
///     Ok::<_, ()>("ada")
/// }).await;
/// assert_eq!(user, Ok("ada"));
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

pub(super) struct Record {
    pub(super) entry: Entry,
    /// How many orchestrate timeouts fired while this was being polled.
    pub(super) timeouts: usize,
    /// How many calls a circuit breaker refused while this was being polled.
    pub(super) refusals: usize,
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
            stage: Stage::Unstarted { label, group },
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

    pub(super) fn records(&self) -> std::sync::MutexGuard<'_, Vec<Record>> {
        // A panic while holding the lock cannot leave a record half-written.
        self.inner
            .records
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    pub(super) fn now(&self) -> Duration {
        self.elapsed()
    }

    fn start(&self, label: String, group: Option<String>) -> Started {
        #[cfg(feature = "tracing")]
        let span = super::tracing::EntrySpan::new(&label, group.as_deref());
        let start = self.now();
        let mut records = self.records();
        records.push(Record {
            entry: Entry {
                label,
                group,
                start,
                end: None,
                outcome: Outcome::Running,
                attempts: Vec::new(),
            },
            timeouts: 0,
            refusals: 0,
        });
        Started {
            index: records.len() - 1,
            #[cfg(feature = "tracing")]
            span,
        }
    }

    fn finish(&self, started: &Started, succeeded: Option<bool>) {
        let end = self.now();
        let mut records = self.records();
        let record = &mut records[started.index];
        record.entry.end = Some(end);
        record.entry.outcome = match succeeded {
            None => Outcome::Cancelled,
            Some(true) => Outcome::Ok,
            Some(false) if record.refusals > 0 => Outcome::Refused,
            Some(false) if record.timeouts > 0 => Outcome::TimedOut,
            Some(false) => Outcome::Error,
        };
        #[cfg(feature = "tracing")]
        {
            let outcome = record.entry.outcome;
            drop(records);
            started.span.end(outcome);
        }
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
            timeline.records()[*index].timeouts += 1;
        }
    });
}

/// Called by a circuit breaker when it refuses a call: the recorded future
/// being polled (if any) ends as *refused* rather than *error*.
pub(crate) fn note_refused() {
    let _ = CURRENT.try_with(|current| {
        if let Some((timeline, index)) = &*current.borrow() {
            timeline.records()[*index].refusals += 1;
        }
    });
}

/// The entry being polled on this thread, if any: where a retry inside it
/// records its attempts.
pub(super) fn current() -> Option<(Timeline, usize)> {
    CURRENT
        .try_with(|current| current.borrow().clone())
        .ok()
        .flatten()
}

/// Where a recorded future's entry is.
enum Stage {
    /// Not polled yet: the entry starts at the first poll.
    Unstarted {
        label: String,
        group: Option<String>,
    },
    Started(Started),
    /// Completed or dropped: the entry has its end and outcome.
    Ended,
}

/// An entry started by the first poll of its recorded future.
struct Started {
    index: usize,
    /// Open until the entry ends (the recorded future drops this then).
    #[cfg(feature = "tracing")]
    span: super::tracing::EntrySpan,
}

/// Makes `started` the current record while `poll` runs (and, with the
/// feature `tracing`, its span the current span).
fn polling<T>(timeline: &Timeline, started: &Started, poll: impl FnOnce() -> T) -> T {
    struct Restore(Option<(Timeline, usize)>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let previous = self.0.take();
            let _ = CURRENT.try_with(|current| *current.borrow_mut() = previous);
        }
    }
    let previous = CURRENT
        .try_with(|current| current.replace(Some((timeline.clone(), started.index))))
        .ok()
        .flatten();
    let _restore = Restore(previous);
    #[cfg(feature = "tracing")]
    let _entered = started.span.enter();
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
        stage: Stage,
    }

    impl<F> PinnedDrop for Recorded<F> {
        fn drop(this: Pin<&mut Self>) {
            let this = this.project();
            if let Stage::Started(started) = mem::replace(this.stage, Stage::Ended) {
                this.timeline.finish(&started, None);
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
        if let Stage::Unstarted { label, group } = this.stage {
            let started = this.timeline.start(mem::take(label), group.take());
            *this.stage = Stage::Started(started);
        }
        let Stage::Started(started) = &*this.stage else {
            // The entry has ended: poll the future as it is.
            return this.future.poll(cx);
        };
        let future = this.future;
        let output = polling(this.timeline, started, || future.poll(cx));
        if let Poll::Ready(output) = &output
            && let Stage::Started(started) = mem::replace(this.stage, Stage::Ended)
        {
            this.timeline.finish(&started, Some(output.succeeded()));
        }
        output
    }
}
