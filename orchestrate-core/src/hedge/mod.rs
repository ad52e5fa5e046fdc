//! Hedged calls: when an answer is slow, send another attempt and take the
//! first good answer ("The Tail at Scale").

mod future;

use std::collections::VecDeque;
use std::future::IntoFuture;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

pub use future::Hedged;

/// How many recent latencies an adaptive [`Hedge`] keeps.
const WINDOW: usize = 100;
/// How many it needs before it trusts their percentile over `after`.
const MIN_SAMPLES: usize = 20;

/// Runs `make()`'s future; if it has not succeeded within `after`, starts a
/// second attempt (another `make()`), and takes the first `Ok`.
///
/// - Each attempt's successor is due `after` its own start; an attempt that
///   fails before then starts it at once. At most
///   [`max_extra`](Hedged::max_extra) (default 1) extra attempts run.
/// - The first `Ok` wins and every other attempt is dropped at that instant.
/// - If every attempt fails, the output is the **last** error to arrive (of
///   the same type `E`, so nothing needs converting).
///
/// All attempts run concurrently inside the calling task, on orchestrate's
/// timers (no runtime crate); the closure is called once per attempt, so
/// what it captures must serve several attempts at once. Like every future
/// here it is lazy: the first attempt starts at the first poll.
///
/// For a delay that follows the observed latencies, share a [`Hedge`].
/// Inside a [`Timeline`](crate::timeline::Timeline) step, each attempt is
/// recorded as one of the step's [`attempts`](crate::timeline::Entry::attempts),
/// the losers cancelled at the winner's instant.
///
/// ```
/// use std::time::Duration;
/// use orchestrate::{hedge, sleep};
///
/// # futures::executor::block_on(async {
/// let mut calls = 0;
/// let answer = hedge(Duration::from_millis(10), || {
///     calls += 1;
///     let slow = calls == 1;
///     async move {
///         // The first attempt hangs; the second one answers.
///         if slow { sleep(Duration::from_secs(60)).await; }
///         Ok::<_, std::io::Error>(calls)
///     }
/// })
/// .await;
/// assert_eq!(answer.unwrap(), 2);
/// # });
/// ```
pub fn hedge<F, Fut, T, E>(after: Duration, make: F) -> Hedged<'static, F, Fut>
where
    F: FnMut() -> Fut,
    Fut: IntoFuture<Output = Result<T, E>>,
{
    Hedged::new(make, after, 1, None)
}

/// A hedging policy kept across calls: [`run`](Self::run) hedges like
/// [`hedge`], and an [`adaptive`](Self::adaptive) one sets its delay from the
/// latencies it observed.
///
/// Every builder is a `const fn`, so it can be a `static` (or share it in an
/// `Arc`).
///
/// ```
/// use std::time::Duration;
/// use orchestrate::Hedge;
///
/// // Hedge at the 95th percentile of recent latencies, never before 5 ms,
/// // and at 50 ms until enough calls were seen.
/// static HEDGE: Hedge = Hedge::after(Duration::from_millis(50))
///     .adaptive(0.95)
///     .min_delay(Duration::from_millis(5));
///
/// # futures::executor::block_on(async {
/// let answer = HEDGE.run(|| async { Ok::<_, std::io::Error>(42) }).await;
/// assert_eq!(answer.unwrap(), 42);
/// # });
/// ```
#[derive(Debug)]
pub struct Hedge {
    pub(crate) after: Duration,
    pub(crate) max_extra: u32,
    percentile: Option<f64>,
    min_delay: Duration,
    // The latest first-attempt latencies, oldest first, `true` for a lower
    // bound (dropped before it answered).
    latencies: Mutex<VecDeque<(Duration, bool)>>,
}

impl Hedge {
    /// A policy that starts another attempt when none has succeeded `after`
    /// the latest one started.
    ///
    /// ```
    /// use std::time::Duration;
    /// use orchestrate::Hedge;
    ///
    /// static HEDGE: Hedge = Hedge::after(Duration::from_millis(50));
    /// assert_eq!(HEDGE.delay(), Duration::from_millis(50));
    /// ```
    pub const fn after(after: Duration) -> Self {
        Hedge {
            after,
            max_extra: 1,
            percentile: None,
            min_delay: Duration::ZERO,
            latencies: Mutex::new(VecDeque::new()),
        }
    }

    /// At most `k` extra attempts per call (default 1).
    ///
    /// # Panics
    ///
    /// If `k` is 0 (that is no hedging).
    ///
    /// ```
    /// use std::time::Duration;
    /// use orchestrate::Hedge;
    ///
    /// static HEDGE: Hedge = Hedge::after(Duration::from_millis(50)).max_extra(2);
    /// ```
    #[must_use]
    pub const fn max_extra(mut self, k: u32) -> Self {
        assert!(
            k > 0,
            "`Hedge::max_extra(0)`: hedging needs at least 1 extra attempt"
        );
        self.max_extra = k;
        self
    }

    /// Sets the delay to the `percentile` (in (0, 1), such as 0.95) of the
    /// latencies of the first attempts of the last 100 calls. A first
    /// attempt dropped before it answered (another won) was slower than the
    /// time it ran: it counts for its rank, and when the percentile falls on
    /// such a lower bound, the delay is the largest latency actually seen
    /// below it (so a slow tail does not push the delay up to the hedged
    /// answers' times). Until 20 calls were seen, the delay is `after`.
    ///
    /// # Panics
    ///
    /// If `percentile` is not in (0, 1).
    ///
    /// ```
    /// use std::time::Duration;
    /// use orchestrate::Hedge;
    ///
    /// static HEDGE: Hedge = Hedge::after(Duration::from_millis(50)).adaptive(0.95);
    /// ```
    #[must_use]
    pub const fn adaptive(mut self, percentile: f64) -> Self {
        assert!(
            percentile > 0.0 && percentile < 1.0,
            "`Hedge::adaptive(p)`: the percentile must be in (0, 1), such as 0.95"
        );
        self.percentile = Some(percentile);
        self
    }

    /// The delay is never below `min_delay` (default zero), whatever
    /// [`adaptive`](Self::adaptive) observed.
    ///
    /// ```
    /// use std::time::Duration;
    /// use orchestrate::Hedge;
    ///
    /// let hedge = Hedge::after(Duration::from_millis(1)).min_delay(Duration::from_millis(5));
    /// assert_eq!(hedge.delay(), Duration::from_millis(5));
    /// ```
    #[must_use]
    pub const fn min_delay(mut self, min_delay: Duration) -> Self {
        self.min_delay = min_delay;
        self
    }

    /// The delay the next call will hedge after.
    ///
    /// ```
    /// use std::time::Duration;
    /// use orchestrate::Hedge;
    ///
    /// assert_eq!(Hedge::after(Duration::from_millis(50)).delay(), Duration::from_millis(50));
    /// ```
    pub fn delay(&self) -> Duration {
        let observed = self.percentile.and_then(|percentile| {
            let latencies = self
                .latencies
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            if latencies.len() < MIN_SAMPLES {
                return None;
            }
            let mut sorted: Vec<(Duration, bool)> = latencies.iter().copied().collect();
            sorted.sort_unstable();
            // The nearest-rank percentile, or the largest answered latency
            // below it if it is a lower bound.
            #[allow(
                clippy::cast_possible_truncation,
                clippy::cast_sign_loss,
                clippy::cast_precision_loss
            )]
            let rank = (percentile * sorted.len() as f64).ceil() as usize;
            sorted[..rank.clamp(1, sorted.len())]
                .iter()
                .rev()
                .find(|(_, lower_bound)| !lower_bound)
                .map(|&(latency, _)| latency)
        });
        observed.unwrap_or(self.after).max(self.min_delay)
    }

    /// Hedges `make()`'s futures as [`hedge`] does, with this policy.
    ///
    /// ```
    /// use std::time::Duration;
    /// use orchestrate::Hedge;
    ///
    /// # futures::executor::block_on(async {
    /// let policy = Hedge::after(Duration::from_millis(50));
    /// assert_eq!(policy.run(|| async { Ok::<_, ()>(1) }).await, Ok(1));
    /// # });
    /// ```
    pub fn run<F, Fut, T, E>(&self, make: F) -> Hedged<'_, F, Fut>
    where
        F: FnMut() -> Fut,
        Fut: IntoFuture<Output = Result<T, E>>,
    {
        Hedged::new(make, self.after, self.max_extra, Some(self))
    }

    fn observe(&self, latency: Duration, lower_bound: bool) {
        if self.percentile.is_none() {
            return;
        }
        let mut latencies = self
            .latencies
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if latencies.len() == WINDOW {
            latencies.pop_front();
        }
        latencies.push_back((latency, lower_bound));
    }
}
