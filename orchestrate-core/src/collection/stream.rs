//! Completion streams: the outputs of `settled` and `parallel` as they arrive,
//! over an iterator or a stream of branches, on the same driver as the joins.
//!
//! Memory: the stream holds the running branches (at most the limit), each
//! with its input index; an output is returned the moment it arrives, and
//! nothing is kept per input (`driver/hand.rs`).

use std::fmt;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::{FusedStream, Stream};

use super::Fallible;
use super::driver::{Driver, HandOut};
use super::parallel::Parallel;
use super::settled::Settled;
use super::source::{Source, StreamInputs};

impl<I, F> Settled<I, F>
where
    I: Iterator,
    I::Item: IntoFuture<IntoFuture = F>,
    F: Future,
{
    /// Every output as it arrives, as a [`Stream`] of `(index, output)`: in
    /// completion order, each with its branch's input index, and no `Vec` at
    /// the end. With [`.limit(n)`](Settled::limit) set first, at most `n`
    /// branches run at once and a consumer that stops pulling stops the
    /// branches from being started; memory stays bounded by the limit, not
    /// the number of inputs.
    ///
    /// Enough to drive a progress bar: count the items.
    ///
    /// # Panics
    ///
    /// If called after the first poll.
    ///
    /// ```
    /// use futures::StreamExt;
    /// use orchestrate::settled;
    ///
    /// # futures::executor::block_on(async {
    /// let pages = (0..100).map(|page| async move { page * 10 });
    /// let mut done = 0;
    /// let mut results = settled(pages).limit(8).stream();
    /// while let Some((index, body)) = results.next().await {
    ///     assert_eq!(body, index * 10);
    ///     done += 1; // e.g. `bar.inc(1)`
    /// }
    /// assert_eq!(done, 100);
    /// # });
    /// ```
    pub fn stream(mut self) -> SettledStream<I, F> {
        SettledStream {
            driver: self
                .driver
                .take()
                .map(|driver| driver.hand_out("settled(..).stream()")),
        }
    }
}

impl<I, F> Parallel<I, F>
where
    I: Iterator,
    I::Item: IntoFuture<IntoFuture = F>,
    F: Future,
    F::Output: Fallible,
{
    /// The outputs as they arrive, as a [`Stream`] of `(index, Result<T, E>)`
    /// in completion order: every `Ok`, until the first `Err`, which is the
    /// last item; the branches still running are dropped when it arrives.
    /// With [`.limit(n)`](Parallel::limit) set first, at most `n` branches
    /// run at once, and memory stays bounded by the limit.
    ///
    /// # Panics
    ///
    /// If called after the first poll.
    ///
    /// ```
    /// use futures::StreamExt;
    /// use orchestrate::parallel;
    ///
    /// # futures::executor::block_on(async {
    /// let calls = (1..=5).map(|n| async move { if n == 3 { Err("no 3") } else { Ok(n) } });
    /// let items: Vec<_> = parallel(calls).limit(1).stream().collect().await;
    /// assert_eq!(items, [(0, Ok(1)), (1, Ok(2)), (2, Err("no 3"))]);
    /// # });
    /// ```
    pub fn stream(mut self) -> ParallelStream<I, F> {
        ParallelStream {
            driver: self
                .driver
                .take()
                .map(|driver| driver.hand_out("parallel(..).stream()")),
        }
    }
}

/// Runs the branches a [`Stream`] yields, at most `limit` at once, and yields
/// every output as it arrives: `(index, output)` in completion order, `index`
/// counting the input stream's items from 0. Inputs that never end are fine:
/// the input is pulled only to fill a free slot, so a consumer that stops
/// pulling pauses it, and memory stays bounded by `limit`.
///
/// The stream-input form of [`settled(iter).limit(n).stream()`](Settled::stream);
/// the input stream's items are futures (or `IntoFuture`s): map inputs to
/// calls with `StreamExt::map`. Ends when the input has ended and every branch
/// has finished.
///
/// # Panics
///
/// If `limit` is 0, naming `settled_stream`.
///
/// ```
/// use futures::StreamExt;
/// use orchestrate::settled_stream;
///
/// # futures::executor::block_on(async {
/// // An endless input: the consumer decides when to stop.
/// let lines = futures::stream::iter(0..).map(|n: u64| async move { n * n });
/// let first: Vec<_> = settled_stream(lines, 50).take(1000).collect().await;
/// assert_eq!(first.len(), 1000);
/// assert!(first.iter().all(|&(index, square)| square == (index as u64).pow(2)));
/// # });
/// ```
pub fn settled_stream<S>(
    inputs: S,
    limit: usize,
) -> SettledStream<StreamInputs<S>, <S::Item as IntoFuture>::IntoFuture>
where
    S: Stream,
    S::Item: IntoFuture,
{
    let mut driver: Driver<_, _, ()> = Driver::new(StreamInputs::new(inputs));
    assert!(
        limit > 0,
        "`settled_stream(inputs, 0)`: the limit is how many branches may run at once, so it must be at least 1"
    );
    driver.set_limit(limit, "settled_stream");
    SettledStream {
        driver: Some(driver.hand_out("settled_stream")),
    }
}

/// Runs the branches a [`Stream`] yields, at most `limit` at once, and yields
/// `(index, Result<T, E>)` as they arrive: every `Ok`, until the first `Err`,
/// which is the last item (the branches still running are dropped, and the
/// input is not pulled again).
///
/// The stream-input form of [`parallel(iter).limit(n).stream()`](Parallel::stream).
///
/// # Panics
///
/// If `limit` is 0, naming `parallel_stream`.
///
/// ```
/// use futures::StreamExt;
/// use orchestrate::parallel_stream;
///
/// # futures::executor::block_on(async {
/// let ids = futures::stream::iter(1..=100).map(|id| async move {
///     if id < 4 { Ok(id) } else { Err(format!("no post {id}")) }
/// });
/// let items: Vec<_> = parallel_stream(ids, 1).collect().await;
/// assert_eq!(items.last(), Some(&(3, Err("no post 4".to_string()))));
/// assert_eq!(items.len(), 4);
/// # });
/// ```
pub fn parallel_stream<S>(
    inputs: S,
    limit: usize,
) -> ParallelStream<StreamInputs<S>, <S::Item as IntoFuture>::IntoFuture>
where
    S: Stream,
    S::Item: IntoFuture,
    <S::Item as IntoFuture>::Output: Fallible,
{
    let mut driver: Driver<_, _, ()> = Driver::new(StreamInputs::new(inputs));
    assert!(
        limit > 0,
        "`parallel_stream(inputs, 0)`: the limit is how many branches may run at once, so it must be at least 1"
    );
    driver.set_limit(limit, "parallel_stream");
    ParallelStream {
        driver: Some(driver.hand_out("parallel_stream")),
    }
}

/// The completion stream of [`settled(..).stream()`](Settled::stream) and
/// [`settled_stream`]: `(index, output)` in completion order. `I` is the
/// iterator of branches, or [`StreamInputs`] for a stream of them.
///
/// Once it has ended it keeps returning `None` (it is a [`FusedStream`]).
/// Dropping it drops every branch still running.
///
/// ```
/// use futures::StreamExt;
/// use orchestrate::{settled, SettledStream};
///
/// # futures::executor::block_on(async {
/// let each: SettledStream<_, _> = settled([1, 2].map(std::future::ready)).stream();
/// assert_eq!(each.collect::<Vec<_>>().await, [(0, 1), (1, 2)]);
/// # });
/// ```
#[must_use = "streams do nothing unless polled"]
pub struct SettledStream<I, F: Future> {
    /// `None` once the stream has ended.
    driver: Option<HandOut<I, F>>,
}

/// The completion stream of [`parallel(..).stream()`](Parallel::stream) and
/// [`parallel_stream`]: `(index, Result<T, E>)` in completion order, ending
/// after the first `Err`. `I` is the iterator of branches, or
/// [`StreamInputs`] for a stream of them.
///
/// Once it has ended it keeps returning `None` (it is a [`FusedStream`]).
/// Dropping it drops every branch still running.
///
/// ```
/// use futures::StreamExt;
/// use orchestrate::{parallel, ParallelStream};
///
/// # futures::executor::block_on(async {
/// let each: ParallelStream<_, _> = parallel([Ok::<_, ()>(1)].map(std::future::ready)).stream();
/// assert_eq!(each.collect::<Vec<_>>().await, [(0, Ok(1))]);
/// # });
/// ```
#[must_use = "streams do nothing unless polled"]
pub struct ParallelStream<I, F: Future>
where
    F::Output: Fallible,
{
    /// `None` once the stream has ended (after the first `Err`, at once).
    driver: Option<HandOut<I, F>>,
}

// The branches live pinned in the driver's heap slice, and a stream of inputs
// in a box of its own: moving the stream moves none of them.
impl<I, F: Future> Unpin for SettledStream<I, F> {}
impl<I, F: Future> Unpin for ParallelStream<I, F> where F::Output: Fallible {}

impl<I, F: Future> fmt::Debug for SettledStream<I, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        Driver::debug(
            self.driver.as_ref().map(HandOut::driver),
            "SettledStream",
            f,
        )
    }
}

impl<I, F: Future> fmt::Debug for ParallelStream<I, F>
where
    F::Output: Fallible,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        Driver::debug(
            self.driver.as_ref().map(HandOut::driver),
            "ParallelStream",
            f,
        )
    }
}

fn poll_settled<I, F>(
    this: &mut SettledStream<I, F>,
    cx: &mut Context<'_>,
) -> Poll<Option<(usize, F::Output)>>
where
    I: Source<F>,
    F: Future,
{
    let Some(driver) = &mut this.driver else {
        return Poll::Ready(None);
    };
    let next = driver.poll_next(cx);
    if let Poll::Ready(None) = next {
        this.driver = None;
    }
    next
}

type ParallelItem<F> = (
    usize,
    Result<<<F as Future>::Output as Fallible>::Ok, <<F as Future>::Output as Fallible>::Err>,
);

fn poll_parallel<I, F>(
    this: &mut ParallelStream<I, F>,
    cx: &mut Context<'_>,
) -> Poll<Option<ParallelItem<F>>>
where
    I: Source<F>,
    F: Future,
    F::Output: Fallible,
{
    let Some(driver) = &mut this.driver else {
        return Poll::Ready(None);
    };
    let Poll::Ready(next) = driver.poll_next(cx) else {
        return Poll::Pending;
    };
    let item = next.map(|(index, output)| (index, output.into_result()));
    if matches!(item, None | Some((_, Err(_)))) {
        // On a failure, every branch still running is dropped now.
        this.driver = None;
    }
    Poll::Ready(item)
}

macro_rules! streams {
    ($stream:ident, $poll:ident, $item:ty, [$($bound:tt)*]) => {
        impl<I, F> Stream for $stream<I, F>
        where
            I: Iterator,
            I::Item: IntoFuture<IntoFuture = F>,
            F: Future,
            $($bound)*
        {
            type Item = $item;

            fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
                $poll(self.get_mut(), cx)
            }
        }

        impl<S, F> Stream for $stream<StreamInputs<S>, F>
        where
            S: Stream,
            S::Item: IntoFuture<IntoFuture = F>,
            F: Future,
            $($bound)*
        {
            type Item = $item;

            fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
                $poll(self.get_mut(), cx)
            }
        }

    };
}

streams!(SettledStream, poll_settled, (usize, F::Output), []);
streams!(ParallelStream, poll_parallel, ParallelItem<F>, [F::Output: Fallible,]);

impl<I, F: Future> FusedStream for SettledStream<I, F>
where
    Self: Stream,
{
    fn is_terminated(&self) -> bool {
        self.driver.is_none()
    }
}

impl<I, F: Future> FusedStream for ParallelStream<I, F>
where
    Self: Stream,
    F::Output: Fallible,
{
    fn is_terminated(&self) -> bool {
        self.driver.is_none()
    }
}
