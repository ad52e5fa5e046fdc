//! [`Rejected`]: the error of a limiter's bounded wait.

use std::fmt;

/// The error of [`Limiter::try_run`](crate::Limiter::try_run): the limiter already had as many waiters
/// as its [`max_waiting`](crate::Limiter::max_waiting) bound.
///
/// ```
/// use orchestrate::{Limiter, Rejected};
///
/// let rejected = Rejected::new(3);
/// assert_eq!(rejected.max_waiting(), 3);
/// assert_eq!(rejected.to_string(), "rejected: 3 calls already waiting for the limiter");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rejected {
    max_waiting: usize,
}

impl Rejected {
    /// A rejection by a limiter whose bound on waiters is `max_waiting`.
    ///
    /// ```
    /// # use orchestrate::Rejected;
    /// assert_eq!(Rejected::new(0).max_waiting(), 0);
    /// ```
    pub const fn new(max_waiting: usize) -> Self {
        Rejected { max_waiting }
    }

    /// The bound on waiters that was reached.
    ///
    /// ```
    /// # use orchestrate::Rejected;
    /// assert_eq!(Rejected::new(8).max_waiting(), 8);
    /// ```
    pub const fn max_waiting(&self) -> usize {
        self.max_waiting
    }
}

impl fmt::Display for Rejected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "rejected: {} calls already waiting for the limiter",
            self.max_waiting
        )
    }
}

impl std::error::Error for Rejected {}
