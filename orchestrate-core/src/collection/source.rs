//! Where a driver's branches come from: an iterator, or a stream of them.

use std::fmt;
use std::future::IntoFuture;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;

/// Where a driver's branches come from: an iterator (every next branch is
/// there at once) or a stream (the next branch may not be there yet).
pub(crate) trait Source<F> {
    /// The next branch; `Pending` registers `cx`'s waker with the source.
    fn poll_branch(&mut self, cx: &mut Context<'_>) -> Poll<Option<F>>;
    /// How many branches are left, at least.
    fn left(&self) -> usize;
}

impl<I, F> Source<F> for I
where
    I: Iterator,
    I::Item: IntoFuture<IntoFuture = F>,
{
    #[inline]
    fn poll_branch(&mut self, _: &mut Context<'_>) -> Poll<Option<F>> {
        Poll::Ready(self.next().map(IntoFuture::into_future))
    }

    fn left(&self) -> usize {
        self.size_hint().0
    }
}

/// The branches of a join that come from a [`Stream`]: see
/// [`settled_stream`](crate::settled_stream()) and
/// [`parallel_stream`](crate::parallel_stream()).
///
/// ```
/// use futures::StreamExt;
/// use orchestrate::{settled_stream, SettledStream, StreamInputs};
///
/// # futures::executor::block_on(async {
/// let inputs = futures::stream::iter(1..=3).map(|n| async move { n * 2 });
/// let results: SettledStream<StreamInputs<_>, _> = settled_stream(inputs, 2);
/// let mut all: Vec<_> = results.collect().await;
/// all.sort();
/// assert_eq!(all, [(0, 2), (1, 4), (2, 6)]);
/// # });
/// ```
pub struct StreamInputs<S> {
    // Boxed once so the join stays `Unpin` whatever the stream.
    stream: Pin<Box<S>>,
}

impl<S> StreamInputs<S> {
    pub(crate) fn new(stream: S) -> Self {
        StreamInputs {
            stream: Box::pin(stream),
        }
    }
}

impl<S> fmt::Debug for StreamInputs<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StreamInputs").finish_non_exhaustive()
    }
}

impl<S, F> Source<F> for StreamInputs<S>
where
    S: Stream,
    S::Item: IntoFuture<IntoFuture = F>,
{
    #[inline]
    fn poll_branch(&mut self, cx: &mut Context<'_>) -> Poll<Option<F>> {
        self.stream
            .as_mut()
            .poll_next(cx)
            .map(|next| next.map(IntoFuture::into_future))
    }

    fn left(&self) -> usize {
        self.stream.size_hint().0
    }
}
