use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use pin_project_lite::pin_project;

use super::clock;
use super::timer::{self, TimerFuture};

/// Waits for `duration`, in any executor, on the current
/// [timer backend](crate::timer) (a virtual clock's time in tests).
///
/// Like every future here it is lazy: the wait starts at the first poll.
/// A zero duration is ready at once without arming a timer; one longer than
/// about a century (100 × 365 days, such as [`Duration::MAX`]) never ends.
///
/// ```
/// use std::time::{Duration, Instant};
/// use orchestrate::sleep;
///
/// # futures::executor::block_on(async {
/// let start = Instant::now();
/// sleep(Duration::from_millis(20)).await;
/// assert!(start.elapsed() >= Duration::from_millis(20));
/// # });
/// ```
pub fn sleep(duration: Duration) -> Sleep {
    Sleep {
        wake: Wake::After(duration),
        timer: None,
    }
}

/// Waits until `deadline`; ready at once if it has passed.
///
/// ```
/// use std::time::{Duration, Instant};
/// use orchestrate::sleep_until;
///
/// # futures::executor::block_on(async {
/// let at = Instant::now() + Duration::from_millis(20);
/// sleep_until(at).await;
/// assert!(Instant::now() >= at);
/// # });
/// ```
pub fn sleep_until(deadline: Instant) -> Sleep {
    Sleep {
        wake: Wake::At(deadline),
        timer: None,
    }
}

#[derive(Debug, Clone, Copy)]
enum Wake {
    After(Duration),
    At(Instant),
}

pin_project! {
    /// The future of [`sleep`] and [`sleep_until`]. Output: `()`. It stays ready
    /// once it has completed, so polling it again is harmless.
    ///
    /// It is `!Unpin`, like tokio's `Sleep` (it may hold one inline): pin it
    /// to poll it by hand (`std::pin::pin!`, `Box::pin`); `.await` does so
    /// already.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use orchestrate::{sleep, Sleep};
    /// # futures::executor::block_on(async {
    /// let nap: Sleep = sleep(Duration::from_millis(1));
    /// nap.await;
    /// # });
    /// ```
    #[derive(Debug)]
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct Sleep {
        wake: Wake,
        #[pin]
        timer: Option<TimerFuture>,
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut this = self.project();
        if this.timer.is_none() {
            let mut slot = this.timer.as_mut();
            let done = match *this.wake {
                Wake::After(duration) if duration.is_zero() => true,
                Wake::After(duration) => {
                    if timer::arm_after(duration, |timer| slot.set(Some(timer))).is_none() {
                        // Beyond a century or the clock's range: never.
                        return Poll::Pending;
                    }
                    false
                }
                Wake::At(deadline) if deadline <= clock::now() => true,
                Wake::At(deadline) => {
                    timer::arm_at(deadline, |timer| slot.set(Some(timer)));
                    false
                }
            };
            if done {
                *this.wake = Wake::After(Duration::ZERO);
                return Poll::Ready(());
            }
        }
        match this.timer.as_pin_mut() {
            Some(timer) => timer.poll(cx),
            None => unreachable!("armed above"),
        }
    }
}
