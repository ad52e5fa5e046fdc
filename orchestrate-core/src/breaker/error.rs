use std::fmt;
use std::time::{Duration, Instant};

/// Where a [`CircuitBreaker`](crate::CircuitBreaker) stands.
///
/// ```
/// use orchestrate::{BreakerState, CircuitBreaker};
///
/// let breaker = CircuitBreaker::consecutive_failures(3);
/// assert_eq!(breaker.state(), BreakerState::Closed);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BreakerState {
    /// Calls run and their outcomes are counted.
    Closed,
    /// Calls fail at once with [`CircuitOpen`] until `open_for` has passed.
    Open,
    /// `open_for` has passed: a few trial calls run, the rest are refused.
    HalfOpen,
}

/// The error of a call refused by a [`CircuitBreaker`](crate::CircuitBreaker)
/// that is open (or half-open with all its trial calls in flight). The call's
/// future was never polled.
///
/// `Display` says how long the breaker stays open, in milliseconds:
///
/// ```
/// use std::time::Duration;
/// use orchestrate::{BreakerState, CircuitBreaker, CircuitOpen};
///
/// # futures::executor::block_on(async {
/// let breaker = CircuitBreaker::consecutive_failures(1).open_for(Duration::from_secs(30));
/// let _ = breaker.run(async { Err::<(), _>(CircuitOpen::from_parts(None)) }).await;
/// assert_eq!(breaker.state(), BreakerState::Open);
///
/// let refused = breaker.run(async { Ok::<(), CircuitOpen>(()) }).await.unwrap_err();
/// assert!(refused.to_string().starts_with("circuit breaker open for another "));
/// assert!(refused.remaining() <= Duration::from_secs(30));
/// # });
/// ```
///
/// Two refusals are equal when they name the same reopening instant (the
/// same open period), whatever the time left when each was made.
#[derive(Debug, Clone, Copy)]
pub struct CircuitOpen {
    // `None`: half-open, every trial slot taken.
    until: Option<(Instant, Duration)>,
}

impl CircuitOpen {
    fn reopens(&self) -> Option<Instant> {
        self.until.map(|(at, _)| at)
    }
}

impl PartialEq for CircuitOpen {
    fn eq(&self, other: &Self) -> bool {
        self.reopens() == other.reopens()
    }
}

impl Eq for CircuitOpen {}

impl std::hash::Hash for CircuitOpen {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.reopens().hash(state);
    }
}

impl CircuitOpen {
    /// A `CircuitOpen` refusing until `until` (the instant and the time left
    /// then), or, with `None`, because every half-open trial slot is taken.
    /// Useful in tests and in hand-written wrappers.
    ///
    /// ```
    /// # use orchestrate::CircuitOpen;
    /// let busy = CircuitOpen::from_parts(None);
    /// assert_eq!(busy.to_string(), "circuit breaker half-open: its trial calls are in flight");
    /// ```
    pub const fn from_parts(until: Option<(Instant, Duration)>) -> Self {
        CircuitOpen { until }
    }

    /// The instant (on orchestrate's clock, see [`timer::now`](crate::timer::now))
    /// when the breaker turns half-open; `None` if it was already half-open.
    ///
    /// ```
    /// # use orchestrate::CircuitOpen;
    /// assert_eq!(CircuitOpen::from_parts(None).until(), None);
    /// ```
    pub const fn until(&self) -> Option<Instant> {
        match self.until {
            Some((at, _)) => Some(at),
            None => None,
        }
    }

    /// How long the breaker still stayed open when it refused the call (zero
    /// if it was half-open).
    ///
    /// ```
    /// # use std::time::{Duration, Instant};
    /// # use orchestrate::CircuitOpen;
    /// let open = CircuitOpen::from_parts(Some((Instant::now(), Duration::from_secs(2))));
    /// assert_eq!(open.remaining(), Duration::from_secs(2));
    /// assert_eq!(open.to_string(), "circuit breaker open for another 2000ms");
    /// ```
    pub const fn remaining(&self) -> Duration {
        match self.until {
            Some((_, left)) => left,
            None => Duration::ZERO,
        }
    }
}

impl fmt::Display for CircuitOpen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.until {
            Some((_, left)) => write!(f, "circuit breaker open for another {}ms", left.as_millis()),
            None => f.write_str("circuit breaker half-open: its trial calls are in flight"),
        }
    }
}

impl std::error::Error for CircuitOpen {}
