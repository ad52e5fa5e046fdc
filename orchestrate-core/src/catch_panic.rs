//! An opt-in wrapper that turns a future's panic into a value, so that a
//! `settled` join loses nothing, not even to a panicking branch.

use std::any::Any;
use std::fmt;
use std::future::{Future, IntoFuture};
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::pin::Pin;
use std::task::{Context, Poll};

use pin_project_lite::pin_project;

/// Runs `future`, turning a panic in it into `Err(Panicked)` instead of
/// unwinding into the caller.
///
/// Output: `Ok(output)` if the future finished, `Err(Panicked)` if one of its
/// polls panicked; the future is then dropped at once and never polled again.
///
/// Every combinator lets a branch's panic unwind to the task that awaits it
/// (dropping every other branch on the way), as a plain `.await` would. Wrap
/// the branches whose panics you would rather keep as values, typically those
/// of a `settled` join, which then keeps every outcome. Nothing changes for the
/// futures you do not wrap: the wrapper costs nothing unless used.
///
/// Unlike `futures::FutureExt::catch_unwind`, the future need not be
/// [`UnwindSafe`](std::panic::UnwindSafe), as for `std::thread::spawn` and
/// `tokio::spawn`: the future that panicked is dropped, never seen again, but
/// state it shared with others (through a `Mutex` or a `RefCell`) may have
/// been left half-updated by the panic.
///
/// The panic hook still runs as for any panic (by default, the message is
/// printed to stderr).
///
/// ```
/// use orchestrate::{catch_panic, settled};
///
/// async fn fetch(id: u32) -> u32 {
///     assert!(id != 2, "no such id: {id}");
///     id * 10
/// }
///
/// # futures::executor::block_on(async {
/// let all = settled([1, 2, 3].map(|id| catch_panic(fetch(id)))).await;
/// assert_eq!(all[0].as_ref().ok(), Some(&10));
/// assert_eq!(all[1].as_ref().unwrap_err().message(), Some("no such id: 2"));
/// assert_eq!(all[2].as_ref().ok(), Some(&30));
/// # });
/// ```
pub fn catch_panic<F: IntoFuture>(future: F) -> CatchPanic<F::IntoFuture> {
    CatchPanic {
        future: Some(future.into_future()),
    }
}

pin_project! {
    /// The future of [`catch_panic`]. Output: `Result<F::Output, Panicked>`.
    ///
    /// Polling it again after it has returned `Ready` panics with a message
    /// naming `CatchPanic`.
    ///
    /// ```
    /// # use orchestrate::{catch_panic, CatchPanic};
    /// # futures::executor::block_on(async {
    /// let guarded: CatchPanic<_> = catch_panic(async { 7 });
    /// assert_eq!(guarded.await.ok(), Some(7));
    /// # });
    /// ```
    #[derive(Debug)]
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct CatchPanic<F> {
        // `None` once finished or panicked.
        #[pin]
        future: Option<F>,
    }
}

impl<F: Future> Future for CatchPanic<F> {
    type Output = Result<F::Output, Panicked>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        let Some(future) = this.future.as_mut().as_pin_mut() else {
            panic!("`CatchPanic` (orchestrate::catch_panic) polled after completion");
        };
        match catch_unwind(AssertUnwindSafe(|| future.poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(output)) => {
                this.future.set(None);
                Poll::Ready(Ok(output))
            }
            Err(payload) => {
                // A future that panicked must not be polled again; drop it now.
                this.future.set(None);
                Poll::Ready(Err(Panicked { payload }))
            }
        }
    }
}

/// The panic of a future run under [`catch_panic`].
///
/// Holds the panic's payload: [`message`](Panicked::message) reads it as text
/// (as `panic!("…")` and `assert!` produce), [`resume`](Panicked::resume)
/// unwinds with it again. `Display` reads `panicked: <message>`.
///
/// ```
/// # use orchestrate::catch_panic;
/// # futures::executor::block_on(async {
/// let panicked = catch_panic(async { panic!("out of cheese") }).await.unwrap_err();
/// assert_eq!(panicked.to_string(), "panicked: out of cheese");
/// # });
/// ```
pub struct Panicked {
    payload: Box<dyn Any + Send + 'static>,
}

impl Panicked {
    /// The panic message, when the payload is text (a `&'static str` or a
    /// `String`, as `panic!` with or without arguments gives).
    ///
    /// ```
    /// # use orchestrate::catch_panic;
    /// # futures::executor::block_on(async {
    /// let panicked = catch_panic(async { panic!("disk {} is gone", 3) }).await.unwrap_err();
    /// assert_eq!(panicked.message(), Some("disk 3 is gone"));
    /// # });
    /// ```
    pub fn message(&self) -> Option<&str> {
        if let Some(text) = self.payload.downcast_ref::<&'static str>() {
            Some(text)
        } else {
            self.payload.downcast_ref::<String>().map(String::as_str)
        }
    }

    /// The payload, as `std::panic::catch_unwind` gives it.
    ///
    /// ```
    /// # use orchestrate::catch_panic;
    /// # futures::executor::block_on(async {
    /// let panicked = catch_panic(async { std::panic::panic_any(42_u8) }).await.unwrap_err();
    /// assert_eq!(panicked.into_payload().downcast_ref::<u8>(), Some(&42));
    /// # });
    /// ```
    pub fn into_payload(self) -> Box<dyn Any + Send + 'static> {
        self.payload
    }

    /// Unwinds again with the same payload, as if the panic had never been
    /// caught.
    ///
    /// ```should_panic
    /// # use orchestrate::catch_panic;
    /// # futures::executor::block_on(async {
    /// let panicked = catch_panic(async { panic!("not mine to handle") }).await.unwrap_err();
    /// panicked.resume();
    /// # });
    /// ```
    pub fn resume(self) -> ! {
        resume_unwind(self.payload)
    }
}

impl fmt::Debug for Panicked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Panicked")
            .field("message", &self.message())
            .finish_non_exhaustive()
    }
}

impl fmt::Display for Panicked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.message() {
            Some(message) => write!(f, "panicked: {message}"),
            None => f.write_str("panicked with a non-text payload"),
        }
    }
}

impl std::error::Error for Panicked {}
