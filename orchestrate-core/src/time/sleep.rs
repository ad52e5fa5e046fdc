use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use super::clock;
use super::timer::Timer;

/// Waits for `duration`, in any executor, on the crate's timer backend.
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
    timer: Option<Timer>,
}

impl Future for Sleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let wake = self.wake;
        let timer = match &mut self.timer {
            Some(timer) => timer,
            none => {
                let left = match wake {
                    Wake::After(duration) => duration,
                    Wake::At(deadline) => deadline.saturating_duration_since(clock::now()),
                };
                if left.is_zero() {
                    self.wake = Wake::After(Duration::ZERO);
                    return Poll::Ready(());
                }
                none.insert(Timer::after(left))
            }
        };
        timer.poll_fired(cx)
    }
}
