use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use super::clock;
use super::timer::{self, TimerFuture};

/// Waits for `duration`, in any executor, on the current
/// [timer backend](crate::timer) (a virtual clock's time in tests).
///
/// Like every future here it is lazy: the wait starts at the first poll.
/// A zero duration is ready at once without arming a timer.
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

/// The future of [`sleep`] and [`sleep_until`]. Output: `()`. It stays ready
/// once it has completed, so polling it again is harmless.
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
    timer: Option<TimerFuture>,
}

impl Future for Sleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let wake = self.wake;
        let timer = match &mut self.timer {
            Some(timer) => timer,
            none => {
                let armed = match wake {
                    Wake::After(duration) if duration.is_zero() => None,
                    // Beyond the clock's range: never.
                    Wake::After(duration) => Some(timer::timer_after(duration)),
                    Wake::At(deadline) if deadline <= clock::now() => None,
                    Wake::At(deadline) => Some(Some(timer::timer_at(deadline))),
                };
                match armed {
                    None => {
                        self.wake = Wake::After(Duration::ZERO);
                        return Poll::Ready(());
                    }
                    Some(None) => return Poll::Pending,
                    Some(Some(timer)) => none.insert(timer),
                }
            }
        };
        Pin::new(timer).poll(cx)
    }
}
