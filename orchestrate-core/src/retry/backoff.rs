use std::hash::{BuildHasher, RandomState};
use std::time::{Duration, Instant};

use crate::Deadline;
use crate::time::timer;

/// When to retry, and how long to wait before each retry: the policy of
/// [`retry`](crate::retry()) and `#[retry]`.
///
/// A policy is a shape of delays ([`constant`](Backoff::constant),
/// [`exponential`](Backoff::exponential), [`fibonacci`](Backoff::fibonacci),
/// [`immediate`](Backoff::immediate)) and limits:
///
/// - [`attempts(n)`](Backoff::attempts): the operation runs at most `n` times
///   in all, the first run included (3 unless set; [`forever`](Backoff::forever)
///   lifts it);
/// - [`max_delay(cap)`](Backoff::max_delay): no delay is longer than `cap`;
/// - [`jitter(j)`](Backoff::jitter): each delay is drawn at random from
///   `[delay × (1 − j), delay]`, so clients that failed together do not retry
///   together;
/// - [`max_elapsed(total)`](Backoff::max_elapsed): no retry starts once
///   `total` has passed since the first attempt began (including the wait
///   before it).
///
/// A [`Deadline`] in scope (see [`Deadline::run`]) is a limit too: a retry
/// whose wait would end past it is not started, and the last error is
/// returned at once.
///
/// Every builder method checks its input and panics with a message naming
/// the call when it makes no sense (zero attempts, a cap below the first
/// delay, a jitter outside `0.0..=1.0`, a factor below 1).
///
/// ```
/// use std::time::Duration;
/// use orchestrate::Backoff;
///
/// let policy = Backoff::exponential(Duration::from_millis(100))
///     .max_delay(Duration::from_secs(1))
///     .attempts(6);
/// let waits: Vec<u128> = policy.delays().map(|d| d.as_millis()).collect();
/// assert_eq!(waits, [100, 200, 400, 800, 1000]); // 6 runs, 5 waits between them
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Backoff {
    growth: Growth,
    attempts: Option<u32>,
    max_delay: Option<Duration>,
    jitter: f64,
    seed: Option<u64>,
    max_elapsed: Option<Duration>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Growth {
    Constant(Duration),
    Exponential { base: Duration, factor: f64 },
    Fibonacci(Duration),
}

impl Growth {
    fn base(self) -> Duration {
        match self {
            Growth::Constant(base) | Growth::Exponential { base, .. } | Growth::Fibonacci(base) => {
                base
            }
        }
    }
}

const DEFAULT_ATTEMPTS: u32 = 3;

impl Backoff {
    const fn with_growth(growth: Growth) -> Self {
        Backoff {
            growth,
            attempts: Some(DEFAULT_ATTEMPTS),
            max_delay: None,
            jitter: 0.0,
            seed: None,
            max_elapsed: None,
        }
    }

    /// The same `delay` before every retry.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use orchestrate::Backoff;
    /// let waits: Vec<_> = Backoff::constant(Duration::from_millis(50)).delays().collect();
    /// assert_eq!(waits, [Duration::from_millis(50); 2]); // 3 attempts by default
    /// ```
    pub const fn constant(delay: Duration) -> Self {
        Self::with_growth(Growth::Constant(delay))
    }

    /// `base` before the first retry, then twice as long each time (see
    /// [`factor`](Backoff::factor)); cap it with [`max_delay`](Backoff::max_delay).
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use orchestrate::Backoff;
    /// let waits: Vec<_> = Backoff::exponential(Duration::from_secs(1)).attempts(4).delays().collect();
    /// assert_eq!(waits, [1, 2, 4].map(Duration::from_secs));
    /// ```
    pub const fn exponential(base: Duration) -> Self {
        Self::with_growth(Growth::Exponential { base, factor: 2.0 })
    }

    /// Delays that grow like the Fibonacci numbers: `base`, `base`, `2 × base`,
    /// `3 × base`, `5 × base`, …
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use orchestrate::Backoff;
    /// let waits: Vec<_> = Backoff::fibonacci(Duration::from_secs(1)).attempts(6).delays().collect();
    /// assert_eq!(waits, [1, 1, 2, 3, 5].map(Duration::from_secs));
    /// ```
    pub const fn fibonacci(base: Duration) -> Self {
        Self::with_growth(Growth::Fibonacci(base))
    }

    /// Retries at once, without waiting.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use orchestrate::Backoff;
    /// assert!(Backoff::immediate().delays().all(|d| d.is_zero()));
    /// ```
    pub const fn immediate() -> Self {
        Self::constant(Duration::ZERO)
    }

    /// Runs the operation at most `attempts` times in all, the first run
    /// included: `attempts(3)` is one call and up to two retries.
    ///
    /// # Panics
    ///
    /// If `attempts` is 0: the operation would never run.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use orchestrate::Backoff;
    /// assert_eq!(Backoff::immediate().attempts(5).delays().count(), 4);
    /// assert_eq!(Backoff::immediate().attempts(1).delays().count(), 0);
    /// ```
    #[must_use]
    #[track_caller]
    pub const fn attempts(mut self, attempts: u32) -> Self {
        assert!(
            attempts > 0,
            "`Backoff::attempts(0)`: the operation would never run; `attempts` counts every run, the first included, so pass 1 or more"
        );
        self.attempts = Some(attempts);
        self
    }

    /// Lifts the limit on attempts: retries go on until the operation
    /// succeeds, fails with an error that is not retried, or runs past
    /// [`max_elapsed`](Backoff::max_elapsed) or a [`Deadline`] in scope.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use orchestrate::Backoff;
    /// assert_eq!(Backoff::immediate().forever().delays().take(1000).count(), 1000);
    /// ```
    #[must_use]
    pub const fn forever(mut self) -> Self {
        self.attempts = None;
        self
    }

    /// No delay is longer than `cap` (before jitter).
    ///
    /// # Panics
    ///
    /// If `cap` is below the first delay: every delay would be `cap`, so the
    /// base delay would mean nothing.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use orchestrate::Backoff;
    /// let policy = Backoff::exponential(Duration::from_secs(1)).max_delay(Duration::from_secs(3)).attempts(5);
    /// assert_eq!(policy.delays().last(), Some(Duration::from_secs(3)));
    /// ```
    #[must_use]
    #[track_caller]
    pub fn max_delay(mut self, cap: Duration) -> Self {
        let base = self.growth.base();
        assert!(
            cap >= base,
            "`Backoff::max_delay({cap:?})`: the cap is below the first delay ({base:?}); raise the cap or lower the base delay"
        );
        self.max_delay = Some(cap);
        self
    }

    /// How much each delay of an exponential backoff grows: `factor` times
    /// the one before (2 unless set).
    ///
    /// # Panics
    ///
    /// If `factor` is below 1 or not a number, or if the backoff is not
    /// exponential.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use orchestrate::Backoff;
    /// let policy = Backoff::exponential(Duration::from_millis(100)).factor(3.0).attempts(4);
    /// let waits: Vec<u128> = policy.delays().map(|d| d.as_millis()).collect();
    /// assert_eq!(waits, [100, 300, 900]);
    /// ```
    #[must_use]
    #[track_caller]
    pub fn factor(mut self, factor: f64) -> Self {
        assert!(
            factor >= 1.0,
            "`Backoff::factor({factor})`: delays would shrink; pass a factor of 1.0 or more (1.0 is a constant backoff)"
        );
        let Growth::Exponential { base, .. } = self.growth else {
            panic!(
                "`Backoff::factor({factor})`: only an exponential backoff has a factor; start from `Backoff::exponential(base)`"
            );
        };
        self.growth = Growth::Exponential { base, factor };
        self
    }

    /// Spreads retries out: each delay is drawn uniformly from
    /// `[delay × (1 − jitter), delay]`. `0.0` (the default) keeps delays as
    /// they are, `1.0` draws from `[0, delay]` ("full jitter"), `0.5` from
    /// `[delay / 2, delay]`.
    ///
    /// # Panics
    ///
    /// If `jitter` is outside `0.0..=1.0` or not a number.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use orchestrate::Backoff;
    /// let policy = Backoff::constant(Duration::from_millis(100)).jitter(0.5).attempts(50);
    /// assert!(policy.delays().all(|d| d >= Duration::from_millis(50) && d <= Duration::from_millis(100)));
    /// ```
    #[must_use]
    #[track_caller]
    pub fn jitter(mut self, jitter: f64) -> Self {
        assert!(
            (0.0..=1.0).contains(&jitter),
            "`Backoff::jitter({jitter})`: jitter is the fraction of each delay left to chance, from 0.0 (none) to 1.0 (full); pass a value in 0.0..=1.0"
        );
        self.jitter = jitter;
        self
    }

    /// Seeds the jitter's random numbers, for delays that repeat from run to
    /// run (in tests), or that differ between clients seeded by their id:
    /// the seed is mixed, so seeds that differ in one bit (2k and 2k + 1)
    /// give unrelated delays. Unseeded, each retry loop draws a fresh seed.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use orchestrate::Backoff;
    /// let policy = Backoff::exponential(Duration::from_millis(10)).jitter(1.0).jitter_seed(7).attempts(5);
    /// assert_eq!(policy.delays().collect::<Vec<_>>(), policy.delays().collect::<Vec<_>>());
    /// ```
    #[must_use]
    pub const fn jitter_seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// No retry starts once `total` has passed since the first attempt
    /// began: a retry whose wait would end past it is not started, and the
    /// last error is returned at once. An attempt already running is not cut
    /// short; for that, put the retry under a timeout or a [`Deadline`].
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use orchestrate::Backoff;
    /// let policy = Backoff::constant(Duration::from_secs(1)).forever().max_elapsed(Duration::from_secs(10));
    /// assert_eq!(policy.max_elapsed_limit(), Some(Duration::from_secs(10)));
    /// ```
    #[must_use]
    pub const fn max_elapsed(mut self, total: Duration) -> Self {
        self.max_elapsed = Some(total);
        self
    }

    /// The most times the operation runs, `None` for [`forever`](Backoff::forever).
    ///
    /// ```
    /// # use orchestrate::Backoff;
    /// assert_eq!(Backoff::immediate().max_attempts(), Some(3));
    /// assert_eq!(Backoff::immediate().forever().max_attempts(), None);
    /// ```
    pub const fn max_attempts(&self) -> Option<u32> {
        self.attempts
    }

    /// The limit set by [`max_elapsed`](Backoff::max_elapsed), if any.
    ///
    /// ```
    /// # use orchestrate::Backoff;
    /// assert_eq!(Backoff::immediate().max_elapsed_limit(), None);
    /// ```
    pub const fn max_elapsed_limit(&self) -> Option<Duration> {
        self.max_elapsed
    }

    /// The waits between attempts, in order, jitter included (one fewer than
    /// the attempts; endless after [`forever`](Backoff::forever)). Ignores
    /// [`max_elapsed`](Backoff::max_elapsed), which depends on how long the
    /// attempts take.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use orchestrate::Backoff;
    /// let total: Duration = Backoff::exponential(Duration::from_secs(1)).attempts(4).delays().sum();
    /// assert_eq!(total, Duration::from_secs(7)); // the worst case, not counting the attempts
    /// ```
    pub fn delays(&self) -> Delays {
        Delays::new(*self)
    }
}

/// The delays of a [`Backoff`], from [`Backoff::delays`].
///
/// ```
/// # use std::time::Duration;
/// # use orchestrate::{Backoff, Delays};
/// let mut delays: Delays = Backoff::constant(Duration::from_secs(1)).attempts(2).delays();
/// assert_eq!(delays.next(), Some(Duration::from_secs(1)));
/// assert_eq!(delays.next(), None);
/// ```
#[derive(Debug, Clone)]
pub struct Delays {
    policy: Backoff,
    /// Retries handed out so far.
    retries: u32,
    /// The next two Fibonacci multiples.
    fib: (u64, u64),
    rng: u64,
}

impl Delays {
    fn new(policy: Backoff) -> Self {
        let seed = policy
            .seed
            .unwrap_or_else(|| RandomState::new().hash_one(0x5EED_u64));
        Delays {
            policy,
            retries: 0,
            fib: (1, 1),
            rng: mix(seed),
        }
    }

    /// A uniform draw from `[0, 1)` (xorshift64*).
    fn unit(&mut self) -> f64 {
        self.rng ^= self.rng >> 12;
        self.rng ^= self.rng << 25;
        self.rng ^= self.rng >> 27;
        let bits = self.rng.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11;
        #[allow(clippy::cast_precision_loss)] // 53 bits fit an f64 exactly
        let unit = bits as f64 / (1_u64 << 53) as f64;
        unit
    }

    fn raw(&mut self) -> Duration {
        let n = self.retries;
        match self.policy.growth {
            Growth::Constant(delay) => delay,
            Growth::Exponential { base, factor } => {
                let exponent = i32::try_from(n).unwrap_or(i32::MAX);
                Duration::try_from_secs_f64(base.as_secs_f64() * factor.powi(exponent))
                    .unwrap_or(Duration::MAX)
            }
            Growth::Fibonacci(base) => {
                let (now, next) = self.fib;
                self.fib = (next, now.saturating_add(next));
                base.saturating_mul(u32::try_from(now).unwrap_or(u32::MAX))
            }
        }
    }
}

/// splitmix64's finaliser: every bit of `seed` moves about half the bits of
/// the state, so neighbouring seeds (ids) give unrelated delays. Never zero,
/// which xorshift's state must not be.
fn mix(seed: u64) -> u64 {
    let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    if z == 0 { 0x9E37_79B9_7F4A_7C15 } else { z }
}

impl Iterator for Delays {
    type Item = Duration;

    fn next(&mut self) -> Option<Duration> {
        if let Some(attempts) = self.policy.attempts
            && self.retries.saturating_add(1) >= attempts
        {
            return None;
        }
        let mut delay = self.raw();
        self.retries = self.retries.saturating_add(1);
        if let Some(cap) = self.policy.max_delay {
            delay = delay.min(cap);
        }
        if self.policy.jitter > 0.0 && !delay.is_zero() {
            let keep = 1.0 - self.policy.jitter * self.unit();
            delay = delay.mul_f64(keep);
        }
        Some(delay)
    }
}

/// The state of one retry loop: counts attempts, plans delays, and checks
/// the time limits. Shared by [`Retry`](crate::Retry) and `#[retry]`.
#[derive(Debug, Clone)]
pub(crate) struct Attempts {
    delays: Delays,
    /// When the first attempt began (read only with `max_elapsed`).
    started: Option<Instant>,
    /// Attempts begun so far: the 1-based number of the current one.
    attempt: u32,
}

impl Attempts {
    pub(crate) fn new(policy: Backoff) -> Self {
        Attempts {
            delays: Delays::new(policy),
            started: None,
            attempt: 0,
        }
    }

    /// Called as each attempt begins.
    pub(crate) fn begin(&mut self) {
        self.attempt = self.attempt.saturating_add(1);
        if self.started.is_none() && self.delays.policy.max_elapsed.is_some() {
            self.started = Some(timer::now());
        }
    }

    /// The 1-based number of the attempt begun last.
    pub(crate) fn attempt(&self) -> u32 {
        self.attempt
    }

    /// After a failed attempt: the wait before the next one, `adjust`ed, or
    /// `None` to give up.
    pub(crate) fn next_delay(
        &mut self,
        adjust: impl FnOnce(Duration) -> Duration,
    ) -> Option<Duration> {
        let planned = self.delays.next()?;
        let delay = adjust(planned);
        if let (Some(total), Some(started)) = (self.delays.policy.max_elapsed, self.started) {
            let spent = timer::now().saturating_duration_since(started);
            if spent.saturating_add(delay) > total {
                return None;
            }
        }
        // Only a `Deadline::run` around stops retries early: a timeout's own
        // limit is the outcome of the call it bounds (see `current_run`).
        if let Some(deadline) = Deadline::current_run()
            && (deadline.remaining() < delay || deadline.is_expired())
        {
            return None;
        }
        Some(delay)
    }
}
