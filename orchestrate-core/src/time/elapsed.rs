use std::fmt;
use std::time::Duration;

/// The error of a timeout or deadline that ran out before its future finished.
///
/// `Display` names the limit in milliseconds, so it reads well in a log line or
/// as the cause in an error chain:
///
/// ```
/// use std::time::Duration;
/// use orchestrate::{Elapsed, timeout};
///
/// # futures::executor::block_on(async {
/// let never = std::future::pending::<()>();
/// let err: Elapsed = timeout(Duration::from_millis(20), never).await.unwrap_err();
/// assert_eq!(err.duration(), Duration::from_millis(20));
/// assert_eq!(err.to_string(), "timed out after 20ms");
///
/// // `?` turns it into an `io::Error` of kind `TimedOut`.
/// let io: std::io::Error = err.into();
/// assert_eq!(io.kind(), std::io::ErrorKind::TimedOut);
/// # });
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Elapsed {
    limit: Duration,
}

impl Elapsed {
    /// An `Elapsed` for a limit of `limit`. Useful in tests and in hand-written
    /// futures that report a timeout the same way as the crate does.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use orchestrate::Elapsed;
    /// assert_eq!(Elapsed::new(Duration::from_secs(2)).to_string(), "timed out after 2000ms");
    /// ```
    pub const fn new(limit: Duration) -> Self {
        Elapsed { limit }
    }

    /// The limit that was exceeded: the timeout's duration, or a deadline's
    /// whole budget.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use orchestrate::Elapsed;
    /// assert_eq!(Elapsed::new(Duration::from_millis(5)).duration(), Duration::from_millis(5));
    /// ```
    pub const fn duration(&self) -> Duration {
        self.limit
    }
}

impl fmt::Display for Elapsed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.limit.subsec_nanos().is_multiple_of(1_000_000) {
            write!(f, "timed out after {}ms", self.limit.as_millis())
        } else {
            // Sub-millisecond limits keep their precision: "timed out after 1.5ms".
            write!(f, "timed out after {:?}", self.limit)
        }
    }
}

impl std::error::Error for Elapsed {}

impl From<Elapsed> for std::io::Error {
    fn from(elapsed: Elapsed) -> Self {
        std::io::Error::new(std::io::ErrorKind::TimedOut, elapsed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_is_in_milliseconds() {
        let cases = [
            (Duration::from_secs(2), "timed out after 2000ms"),
            (Duration::ZERO, "timed out after 0ms"),
            (Duration::from_micros(1500), "timed out after 1.5ms"),
            (Duration::from_micros(250), "timed out after 250µs"),
        ];
        for (limit, text) in cases {
            assert_eq!(Elapsed::new(limit).to_string(), text);
        }
    }

    #[test]
    fn io_error_keeps_kind_and_message() {
        let io: std::io::Error = Elapsed::new(Duration::from_millis(7)).into();
        assert_eq!(io.kind(), std::io::ErrorKind::TimedOut);
        assert_eq!(io.to_string(), "timed out after 7ms");
    }
}
