use std::fmt;
use std::time::Duration;

/// One recorded step or branch: plain data, times relative to the
/// timeline's start.
///
/// ```
/// use std::time::Duration;
/// use orchestrate::timeline::{Entry, Outcome};
///
/// let entry = Entry {
///     label: "GET /user".into(),
///     group: None,
///     start: Duration::ZERO,
///     end: Some(Duration::from_millis(800)),
///     outcome: Outcome::Ok,
///     attempts: Vec::new(),
/// };
/// assert_eq!(entry.duration(), Some(Duration::from_millis(800)));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// What was recorded, e.g. `GET /user` or `comments[3]`.
    pub label: String,
    /// The fan-out this is one branch of (`comments`), `None` for a step.
    pub group: Option<String>,
    /// When it was first polled, since the timeline started.
    pub start: Duration,
    /// When it finished or was dropped; `None` while it runs.
    pub end: Option<Duration>,
    /// How it ended.
    pub outcome: Outcome,
    /// The attempts of each [`retry`](crate::retry()) or
    /// [`hedge`](crate::hedge()) run inside it (not inside a step nested in
    /// it), in the order they began; empty if none ran. A step retried three
    /// times has three, the waits between them being the gaps; a hedged
    /// step's attempts overlap, the losers cancelled at the winner's end.
    pub attempts: Vec<Attempt>,
}

/// One attempt of a [`retry`](crate::retry()) inside a recorded step or
/// branch: plain data, times relative to the timeline's start.
///
/// ```
/// use std::time::Duration;
/// use orchestrate::{retry, Backoff};
/// use orchestrate::timeline::{Outcome, Timeline};
///
/// # futures::executor::block_on(async {
/// let timeline = Timeline::new();
/// let mut calls = 0;
/// let posts = timeline.step("GET /posts", retry(Backoff::constant(Duration::from_millis(5)), || {
///     calls += 1;
///     let fails = calls < 3;
///     async move { if fails { Err("503") } else { Ok(vec![1, 2]) } }
/// }));
/// assert_eq!(posts.await, Ok(vec![1, 2]));
/// let attempts = &timeline.entries()[0].attempts;
/// let outcomes: Vec<Outcome> = attempts.iter().map(|a| a.outcome).collect();
/// assert_eq!(outcomes, [Outcome::Error, Outcome::Error, Outcome::Ok]);
/// assert!(attempts[1].start >= attempts[0].end.unwrap() + Duration::from_millis(5));
/// # });
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attempt {
    /// When it began, since the timeline started.
    pub start: Duration,
    /// When it ended; `None` while it runs.
    pub end: Option<Duration>,
    /// How it ended: ok, error, timed out (a timeout inside it fired),
    /// refused (an open circuit breaker inside it refused the call), or
    /// cancelled (dropped, e.g. by an overall limit, or a hedged attempt
    /// that lost to another).
    pub outcome: Outcome,
}

impl Entry {
    /// How long it ran, once it has ended.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use orchestrate::timeline::{Entry, Outcome};
    /// let running = Entry {
    ///     label: "x".into(), group: None, start: Duration::ZERO, end: None,
    ///     outcome: Outcome::Running, attempts: Vec::new(),
    /// };
    /// assert_eq!(running.duration(), None);
    /// ```
    pub fn duration(&self) -> Option<Duration> {
        self.end.map(|end| end.saturating_sub(self.start))
    }
}

/// How a recorded step ended.
///
/// ```
/// use orchestrate::timeline::Outcome;
///
/// assert_eq!(Outcome::TimedOut.to_string(), "timed out");
/// assert!(Outcome::Error.is_failure() && !Outcome::Ok.is_failure());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Outcome {
    /// Still running.
    Running,
    /// Finished successfully.
    Ok,
    /// Finished with an error.
    Error,
    /// Finished with an error after a timeout inside it fired.
    TimedOut,
    /// Dropped before it finished (fail-fast, a race lost, a limit hit).
    Cancelled,
    /// Finished with an error after a circuit breaker inside it refused a
    /// call (it was open): the call itself never ran.
    Refused,
}

impl Outcome {
    /// Whether the step failed (error, timed out, or refused by an open
    /// circuit breaker).
    ///
    /// ```
    /// # use orchestrate::timeline::Outcome;
    /// assert!(Outcome::TimedOut.is_failure());
    /// assert!(!Outcome::Cancelled.is_failure());
    /// ```
    pub fn is_failure(self) -> bool {
        matches!(self, Outcome::Error | Outcome::TimedOut | Outcome::Refused)
    }

    /// The word used in charts and reports.
    ///
    /// ```
    /// # use orchestrate::timeline::Outcome;
    /// assert_eq!(Outcome::Cancelled.as_str(), "cancelled");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Running => "running",
            Outcome::Ok => "ok",
            Outcome::Error => "error",
            Outcome::TimedOut => "timed out",
            Outcome::Cancelled => "cancelled",
            Outcome::Refused => "refused",
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether a recorded output counts as a success: implemented for `Result`
/// (`Err` is a failure), `Option` (`None` is), `bool` (`false` is) and `()`.
/// Implement it for your own output types to record them.
///
/// ```
/// use orchestrate::timeline::Classify;
///
/// assert!(Ok::<u8, ()>(1).succeeded());
/// assert!(!None::<u8>.succeeded());
/// ```
#[diagnostic::on_unimplemented(
    message = "a timeline records whether a step succeeded, and cannot tell for `{Self}`",
    label = "this future outputs `{Self}`",
    note = "record a future whose output is a `Result`, an `Option`, a `bool` or `()`: e.g. `timeline.step(\"count\", async {{ Ok::<_, Infallible>(count().await) }})`, or implement `orchestrate::timeline::Classify` for `{Self}`"
)]
pub trait Classify {
    /// `true` for a success.
    fn succeeded(&self) -> bool;
}

impl<T, E> Classify for Result<T, E> {
    fn succeeded(&self) -> bool {
        self.is_ok()
    }
}

impl<T> Classify for Option<T> {
    fn succeeded(&self) -> bool {
        self.is_some()
    }
}

impl Classify for bool {
    fn succeeded(&self) -> bool {
        *self
    }
}

impl Classify for () {
    fn succeeded(&self) -> bool {
        true
    }
}
