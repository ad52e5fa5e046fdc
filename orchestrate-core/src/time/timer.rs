//! The timer backend: a future that completes at an instant. Everything in the
//! core that waits for time goes through [`Timer`], so swapping the backend
//! touches this file only.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_timer::Delay;

/// A one-shot timer, armed when it is created.
#[derive(Debug)]
pub(crate) struct Timer {
    delay: Delay,
}

impl Timer {
    /// Arms a timer that fires `after` from now. A duration too large for the
    /// clock never fires.
    #[inline]
    pub(crate) fn after(after: Duration) -> Self {
        Timer {
            delay: Delay::new(after),
        }
    }

    /// `Ready` once the timer has fired. Every call checks the backend's
    /// state, so a busy future around the timer cannot starve it.
    #[inline]
    pub(crate) fn poll_fired(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        Pin::new(&mut self.delay).poll(cx)
    }
}
