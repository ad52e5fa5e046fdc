use std::fmt;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use pin_project_lite::pin_project;

use super::Hedge;
use crate::timeline::AttemptMark;
use crate::{Sleep, sleep_until};

struct Attempt<F> {
    future: Pin<Box<F>>,
    index: u32,
    // Its bar on the timeline, if one records; dropped unfinished (a loser),
    // it ends as cancelled.
    mark: AttemptMark,
}

/// The first attempt's start, for an adaptive [`Hedge`] to learn its latency:
/// exact if it answers, a lower bound if it is dropped first.
struct FirstAttempt<'h> {
    hedge: &'h Hedge,
    start: Instant,
    answered: bool,
}

impl FirstAttempt<'_> {
    fn answered(mut self) {
        self.answered = true;
    }
}

impl Drop for FirstAttempt<'_> {
    fn drop(&mut self) {
        let took = crate::time::now().saturating_duration_since(self.start);
        self.hedge.observe(took, !self.answered);
    }
}

pin_project! {
    /// The future of [`hedge`](crate::hedge()) and [`Hedge::run`]. Output: the
    /// first `Ok` of any attempt, or the last error if every attempt failed.
    ///
    /// Polling it again after it has returned `Ready` panics with a message
    /// naming `hedge`.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use orchestrate::{hedge, Hedged};
    /// # futures::executor::block_on(async {
    /// let call = hedge(Duration::from_millis(5), || async { Ok::<_, ()>(1) });
    /// assert_eq!(call.await, Ok(1));
    /// # });
    /// ```
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct Hedged<'h, F, Fut: IntoFuture> {
        make: F,
        policy: Option<&'h Hedge>,
        after: Duration,
        max_extra: u32,
        // Set at the first poll.
        delay: Duration,
        launched: u32,
        // The first attempt, in place: a call that never hedges allocates
        // nothing. The others are boxed in `running`.
        #[pin]
        lead: Option<Fut::IntoFuture>,
        lead_mark: Option<AttemptMark>,
        running: Vec<Attempt<Fut::IntoFuture>>,
        latest_start: Option<Instant>,
        latest_failed: bool,
        first: Option<FirstAttempt<'h>>,
        last_error: Option<Fut::Output>,
        done: bool,
        // When the next attempt is due.
        #[pin]
        timer: Option<Sleep>,
    }
}

impl<'h, F, Fut: IntoFuture> Hedged<'h, F, Fut> {
    pub(crate) fn new(make: F, after: Duration, max_extra: u32, policy: Option<&'h Hedge>) -> Self {
        Hedged {
            make,
            policy,
            after,
            max_extra,
            delay: after,
            launched: 0,
            lead: None,
            lead_mark: None,
            running: Vec::new(),
            latest_start: None,
            latest_failed: false,
            first: None,
            last_error: None,
            done: false,
            timer: None,
        }
    }

    /// At most `k` extra attempts (default 1, or the [`Hedge`]'s).
    ///
    /// # Panics
    ///
    /// If `k` is 0 (that is no hedging).
    ///
    /// ```
    /// use std::time::Duration;
    /// use orchestrate::hedge;
    ///
    /// # futures::executor::block_on(async {
    /// let answer = hedge(Duration::from_millis(5), || async { Err::<(), _>("down") })
    ///     .max_extra(2)
    ///     .await;
    /// // Three attempts, all failed: the last error.
    /// assert_eq!(answer, Err("down"));
    /// # });
    /// ```
    pub fn max_extra(mut self, k: u32) -> Self {
        assert!(
            k > 0,
            "`hedge(..).max_extra(0)`: hedging needs at least 1 extra attempt"
        );
        self.max_extra = k;
        self
    }
}

impl<F, Fut: IntoFuture> fmt::Debug for Hedged<'_, F, Fut> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Hedged")
            .field("after", &self.after)
            .field("max_extra", &self.max_extra)
            .field("launched", &self.launched)
            .field(
                "running",
                &(self.running.len() + usize::from(self.lead.is_some())),
            )
            .finish_non_exhaustive()
    }
}

impl<F, Fut, T, E> Future for Hedged<'_, F, Fut>
where
    F: FnMut() -> Fut,
    Fut: IntoFuture<Output = Result<T, E>>,
{
    type Output = Result<T, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        assert!(!*this.done, "`hedge` polled after completion");
        if *this.launched == 0
            && let Some(policy) = this.policy
        {
            *this.delay = policy.delay();
        }
        loop {
            let more = *this.launched <= *this.max_extra;
            let due = if *this.launched == 0 {
                true
            } else if !more {
                false
            } else if *this.latest_failed {
                true
            } else {
                // The first attempt's start is read only now that it is
                // pending (the same instant on a virtual clock): a call it
                // answers at once reads no clock.
                let start = *this.latest_start.get_or_insert_with(crate::time::now);
                if this.timer.is_none() {
                    this.timer.set(Some(sleep_until(start + *this.delay)));
                }
                match this.timer.as_mut().as_pin_mut() {
                    Some(timer) => timer.poll(cx).is_ready(),
                    None => unreachable!("set above"),
                }
            };
            if due {
                let index = *this.launched;
                *this.launched += 1;
                *this.latest_start = (index > 0).then(crate::time::now);
                *this.latest_failed = false;
                this.timer.set(None);
                if index == 0 {
                    *this.first = this.policy.map(|hedge| FirstAttempt {
                        hedge,
                        start: crate::time::now(),
                        answered: false,
                    });
                    this.lead.set(Some((this.make)().into_future()));
                    *this.lead_mark = Some(AttemptMark::begin());
                } else {
                    this.running.push(Attempt {
                        future: Box::pin((this.make)().into_future()),
                        index,
                        mark: AttemptMark::begin(),
                    });
                }
            }
            match poll_lead(this.lead.as_mut(), this.lead_mark, this.first, cx) {
                None => {}
                Some(Ok(value)) => {
                    // The winner's instant: drop the others now.
                    this.running.clear();
                    this.timer.set(None);
                    *this.done = true;
                    return Poll::Ready(Ok(value));
                }
                Some(Err(error)) => {
                    if *this.launched == 1 {
                        *this.latest_failed = true;
                    }
                    *this.last_error = Some(Err(error));
                }
            }
            let mut i = 0;
            while i < this.running.len() {
                let attempt = &mut this.running[i];
                match attempt.future.as_mut().poll(cx) {
                    Poll::Pending => i += 1,
                    Poll::Ready(Ok(value)) => {
                        attempt.mark.end(Some(true));
                        // The first attempt, if it still runs, is dropped
                        // unanswered: its latency is a lower bound.
                        *this.first = None;
                        // The winner's instant: drop the others now.
                        this.lead.set(None);
                        *this.lead_mark = None;
                        this.running.clear();
                        this.timer.set(None);
                        *this.done = true;
                        return Poll::Ready(Ok(value));
                    }
                    Poll::Ready(Err(error)) => {
                        let mut ended = this.running.remove(i);
                        ended.mark.end(Some(false));
                        if ended.index + 1 == *this.launched {
                            *this.latest_failed = true;
                        }
                        *this.last_error = Some(Err(error));
                    }
                }
            }
            let more = *this.launched <= *this.max_extra;
            if this.lead.is_none() && this.running.is_empty() && !more {
                *this.done = true;
                return Poll::Ready(this.last_error.take().expect("every attempt failed"));
            }
            // Loop again only to start a successor that is due now.
            if !(due || more && *this.latest_failed) {
                return Poll::Pending;
            }
        }
    }
}

/// Polls the first attempt if it still runs: its output once it has one
/// (then it is dropped, its bar ended and its latency observed).
fn poll_lead<Fut, T, E>(
    mut lead: Pin<&mut Option<Fut>>,
    mark: &mut Option<AttemptMark>,
    first: &mut Option<FirstAttempt<'_>>,
    cx: &mut Context<'_>,
) -> Option<Result<T, E>>
where
    Fut: Future<Output = Result<T, E>>,
{
    let output = match lead.as_mut().as_pin_mut()?.poll(cx) {
        Poll::Pending => return None,
        Poll::Ready(output) => output,
    };
    lead.set(None);
    if let Some(mut mark) = mark.take() {
        mark.end(Some(output.is_ok()));
    }
    if let Some(first) = first.take() {
        first.answered();
    }
    Some(output)
}
