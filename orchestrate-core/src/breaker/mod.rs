//! Circuit breakers: after enough failures, refuse calls at once for a while
//! instead of piling them on a dependency that is down, then probe it.

mod error;
mod run;
mod state;

use std::future::IntoFuture;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

pub use error::{BreakerState, CircuitOpen};
pub use run::BreakerRun;
use state::{Config, Machine, Outcome, Policy, Ticket};

/// A circuit breaker, shared by every call that goes through it.
///
/// - **Closed**: [`run`](Self::run) runs each call and counts its outcome.
///   After [`consecutive_failures(k)`](Self::consecutive_failures) failures
///   in a row, or once the [`failure_rate`](Self::failure_rate) of the recent
///   calls reaches its threshold, the breaker opens.
/// - **Open**: every call fails at once with `Err(E::from(CircuitOpen))`, its
///   future never polled, for [`open_for`](Self::open_for) (default 30 s).
/// - **Half-open**: as soon as `open_for` has passed (no timer: the next call
///   or [`state`](Self::state) sees it), up to
///   [`half_open_calls`](Self::half_open_calls) (default 1) trial calls run and
///   the others are refused; that many successes close it, any failure opens
///   it again for another `open_for`.
///
/// Every builder is a `const fn`, so a breaker can be a `static` shared by
/// every task (or put it in an `Arc`). Time is read from orchestrate's clock
/// ([`timer::now`](crate::timer::now)), so a virtual clock drives it exactly.
///
/// ```
/// use std::time::Duration;
/// use orchestrate::{BreakerState, CircuitBreaker, CircuitOpen};
///
/// static BREAKER: CircuitBreaker =
///     CircuitBreaker::consecutive_failures(2).open_for(Duration::from_secs(30));
///
/// #[derive(Debug, PartialEq)]
/// enum Error { Down, Open }
/// impl From<CircuitOpen> for Error {
///     fn from(_: CircuitOpen) -> Self { Error::Open }
/// }
///
/// # futures::executor::block_on(async {
/// for _ in 0..2 {
///     assert_eq!(BREAKER.run(async { Err::<(), _>(Error::Down) }).await, Err(Error::Down));
/// }
/// assert_eq!(BREAKER.state(), BreakerState::Open);
/// // Refused at once: the call's future is never polled.
/// let refused = BREAKER.run(async { unreachable!("not polled") }).await;
/// assert_eq!(refused, Err::<(), _>(Error::Open));
/// # });
/// ```
///
/// # What counts
///
/// Every `Err` is a failure (a timeout's `Elapsed` converted into `E` too)
/// and every `Ok` a success, unless [`failure_when`](Self::failure_when) says
/// otherwise; a panic in the call is a failure (and goes on unwinding); a
/// call dropped before it finished counts nothing. An outcome that arrives
/// after the breaker changed state since the call started is ignored: a
/// late failure of a call started while closed does not reopen a breaker
/// that is already half-open.
///
/// The type parameter is what [`failure_when`](Self::failure_when) set: a
/// plain `CircuitBreaker` counts every error.
///
/// Inside a [`Timeline`](crate::timeline::Timeline) step, a refused call
/// ends the step (or the retry attempt) as
/// [`Outcome::Refused`](crate::timeline::Outcome::Refused).
#[derive(Debug)]
pub struct CircuitBreaker<C = EveryError> {
    config: Config,
    failure_when: C,
    machine: Mutex<Machine>,
    // What the machine last published, read without its lock: the epoch
    // while closed (`NOT_CLOSED` otherwise), so that a closed breaker admits
    // a call with one load; and whether a success would change nothing, so
    // that recording it takes no lock either.
    closed_epoch: AtomicU64,
    clean: AtomicBool,
}

const NOT_CLOSED: u64 = u64::MAX;

/// The default of [`CircuitBreaker::failure_when`]: every `Err` is a failure.
///
/// ```
/// use orchestrate::{CircuitBreaker, EveryError, IsFailure};
///
/// let breaker: CircuitBreaker<EveryError> = CircuitBreaker::consecutive_failures(3);
/// assert!(EveryError.is_failure(&"any error"));
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EveryError;

/// Decides which errors a [`CircuitBreaker`] counts as failures; implemented
/// by [`EveryError`] and by `fn(&E) -> bool` (see
/// [`failure_when`](CircuitBreaker::failure_when)).
///
/// ```
/// use orchestrate::IsFailure;
///
/// let server_errors: fn(&u16) -> bool = |status| *status >= 500;
/// assert!(server_errors.is_failure(&503));
/// assert!(!server_errors.is_failure(&404));
/// ```
pub trait IsFailure<E> {
    /// Whether `error` counts as a failure.
    fn is_failure(&self, error: &E) -> bool;
}

impl<E> IsFailure<E> for EveryError {
    fn is_failure(&self, _: &E) -> bool {
        true
    }
}

impl<E> IsFailure<E> for fn(&E) -> bool {
    fn is_failure(&self, error: &E) -> bool {
        self(error)
    }
}

const DEFAULT_OPEN_FOR: Duration = Duration::from_secs(30);

impl CircuitBreaker {
    const fn with_policy(policy: Policy) -> Self {
        CircuitBreaker {
            config: Config {
                policy,
                min_calls: None,
                open_for: DEFAULT_OPEN_FOR,
                half_open_calls: 1,
                on_state_change: None,
            },
            failure_when: EveryError,
            machine: Mutex::new(Machine::new()),
            closed_epoch: AtomicU64::new(0),
            clean: AtomicBool::new(matches!(policy, Policy::Consecutive(_))),
        }
    }

    /// A breaker that opens after `k` failures in a row (a success resets the
    /// count).
    ///
    /// # Panics
    ///
    /// If `k` is 0 (at compile time in a `static` or `const`).
    ///
    /// ```
    /// use orchestrate::CircuitBreaker;
    ///
    /// static BREAKER: CircuitBreaker = CircuitBreaker::consecutive_failures(5);
    /// ```
    pub const fn consecutive_failures(k: u32) -> Self {
        assert!(
            k > 0,
            "`CircuitBreaker::consecutive_failures(0)`: a breaker needs at least 1 failure to open"
        );
        Self::with_policy(Policy::Consecutive(k))
    }

    /// A breaker that opens when at least `rate` (in (0, 1]) of the last
    /// `window_calls` counted calls failed, judged once at least
    /// [`min_calls`](Self::min_calls) calls (default: `window_calls`) have
    /// been counted since it last closed.
    ///
    /// # Panics
    ///
    /// If `rate` is not in (0, 1] or `window_calls` is 0.
    ///
    /// ```
    /// use orchestrate::CircuitBreaker;
    ///
    /// // Opens when half of the last 20 calls failed, judged from the 10th call on.
    /// static BREAKER: CircuitBreaker = CircuitBreaker::failure_rate(0.5, 20).min_calls(10);
    /// ```
    pub const fn failure_rate(rate: f64, window_calls: u32) -> Self {
        assert!(
            rate > 0.0 && rate <= 1.0,
            "`CircuitBreaker::failure_rate(rate, ..)`: the rate must be in (0, 1], such as 0.5 for half of the calls"
        );
        assert!(
            window_calls > 0,
            "`CircuitBreaker::failure_rate(.., 0)`: `window_calls` must be at least 1"
        );
        Self::with_policy(Policy::Rate {
            rate,
            window: window_calls,
        })
    }
}

impl<C> CircuitBreaker<C> {
    /// How many counted calls a [`failure_rate`](Self::failure_rate) breaker
    /// waits for before it judges the rate (default: the whole window).
    ///
    /// # Panics
    ///
    /// If `m` is 0 or above the window, or on a `consecutive_failures` breaker.
    ///
    /// ```
    /// use orchestrate::CircuitBreaker;
    ///
    /// let breaker = CircuitBreaker::failure_rate(0.5, 100).min_calls(10);
    /// ```
    #[must_use]
    pub const fn min_calls(mut self, m: u32) -> Self {
        match self.config.policy {
            Policy::Rate { window, .. } => assert!(
                m > 0 && m <= window,
                "`CircuitBreaker::min_calls(m)`: `m` must be between 1 and the `failure_rate` window"
            ),
            Policy::Consecutive(_) => panic!(
                "`CircuitBreaker::min_calls`: only a `failure_rate` breaker has a minimum number of calls"
            ),
        }
        self.config.min_calls = Some(m);
        self
    }

    /// How long the breaker stays open before it lets trial calls through
    /// (default 30 s).
    ///
    /// ```
    /// use std::time::Duration;
    /// use orchestrate::CircuitBreaker;
    ///
    /// let breaker = CircuitBreaker::consecutive_failures(5).open_for(Duration::from_secs(10));
    /// ```
    #[must_use]
    pub const fn open_for(mut self, duration: Duration) -> Self {
        self.config.open_for = duration;
        self
    }

    /// How many trial calls run while half-open (default 1); that many
    /// successes close the breaker.
    ///
    /// # Panics
    ///
    /// If `p` is 0.
    ///
    /// ```
    /// use orchestrate::CircuitBreaker;
    ///
    /// let breaker = CircuitBreaker::consecutive_failures(5).half_open_calls(3);
    /// ```
    #[must_use]
    pub const fn half_open_calls(mut self, p: u32) -> Self {
        assert!(
            p > 0,
            "`CircuitBreaker::half_open_calls(0)`: at least 1 trial call is needed to close again"
        );
        self.config.half_open_calls = p;
        self
    }

    /// Calls `notify(from, to)` on every change of state, as it happens (an
    /// open breaker turns half-open when a call or [`state`](Self::state)
    /// first sees that `open_for` has passed).
    ///
    /// A `fn` pointer, so that the builder stays `const`: a closure that
    /// captures nothing coerces to one; to reach state, use a `static`. It
    /// runs while the breaker is locked, so that the changes are reported in
    /// their order: keep it short, and do not call this breaker from it (that
    /// would deadlock).
    ///
    /// ```
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// use orchestrate::{BreakerState, CircuitBreaker};
    ///
    /// static OPENED: AtomicUsize = AtomicUsize::new(0);
    /// static BREAKER: CircuitBreaker = CircuitBreaker::consecutive_failures(1)
    ///     .on_state_change(|_, to| {
    ///         if to == BreakerState::Open {
    ///             OPENED.fetch_add(1, Ordering::Relaxed);
    ///         }
    ///     });
    ///
    /// # futures::executor::block_on(async {
    /// let _ = BREAKER.run(async { Err::<(), _>(orchestrate::CircuitOpen::from_parts(None)) }).await;
    /// assert_eq!(OPENED.load(Ordering::Relaxed), 1);
    /// # });
    /// ```
    #[must_use]
    pub const fn on_state_change(mut self, notify: fn(BreakerState, BreakerState)) -> Self {
        self.config.on_state_change = Some(notify);
        self
    }

    /// The breaker's state now; reads [`HalfOpen`](BreakerState::HalfOpen)
    /// as soon as `open_for` has passed.
    ///
    /// ```
    /// use orchestrate::{BreakerState, CircuitBreaker};
    ///
    /// assert_eq!(CircuitBreaker::consecutive_failures(1).state(), BreakerState::Closed);
    /// ```
    pub fn state(&self) -> BreakerState {
        self.with_machine(|machine| machine.state(crate::time::now(), &self.config))
    }

    /// Runs `future` through the breaker: when closed or as a half-open
    /// trial, runs it and counts its outcome; otherwise returns
    /// `Err(E::from(CircuitOpen))` at once without polling it.
    ///
    /// The decision is taken at the first poll (futures are lazy).
    ///
    /// ```
    /// use orchestrate::{CircuitBreaker, CircuitOpen};
    ///
    /// # futures::executor::block_on(async {
    /// let breaker = CircuitBreaker::consecutive_failures(3);
    /// let out: Result<u32, CircuitOpen> = breaker.run(async { Ok(7) }).await;
    /// assert_eq!(out, Ok(7));
    /// # });
    /// ```
    pub fn run<F, T, E>(&self, future: F) -> BreakerRun<'_, F::IntoFuture, C>
    where
        F: IntoFuture<Output = Result<T, E>>,
        E: From<CircuitOpen>,
        C: IsFailure<E>,
    {
        BreakerRun::new(self, future.into_future())
    }

    fn lock(&self) -> MutexGuard<'_, Machine> {
        // A panic in `on_state_change` leaves the machine consistent.
        self.machine.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `f` on the locked machine, then publishes what the lock-free
    /// paths read (under the lock, so in the order of the changes). All
    /// `SeqCst`: a lock-free read sees the latest publication, so a change
    /// takes effect for every caller at its publication.
    fn with_machine<R>(&self, f: impl FnOnce(&mut Machine) -> R) -> R {
        let mut machine = self.lock();
        let out = f(&mut machine);
        self.clean
            .store(machine.clean(&self.config), Ordering::SeqCst);
        let epoch = machine.closed_epoch().unwrap_or(NOT_CLOSED);
        self.closed_epoch.store(epoch, Ordering::SeqCst);
        out
    }

    fn admit(&self) -> Result<Ticket, CircuitOpen> {
        // Closed: admitted in this epoch, as if just before any change that
        // races with it (whose new epoch then makes its outcome stale).
        let epoch = self.closed_epoch.load(Ordering::SeqCst);
        if epoch != NOT_CLOSED {
            return Ok(Ticket { epoch });
        }
        self.with_machine(|machine| machine.admit(crate::time::now, &self.config))
            .map_err(CircuitOpen::from_parts)
    }

    fn record(&self, ticket: Ticket, outcome: Outcome) {
        // Closed in the call's epoch, and the outcome changes nothing: a
        // neutral one, or a success with no failure in a row to reset.
        let unchanged = match outcome {
            Outcome::Neutral => true,
            Outcome::Success => self.clean.load(Ordering::SeqCst),
            Outcome::Failure => false,
        };
        if unchanged && self.closed_epoch.load(Ordering::SeqCst) == ticket.epoch {
            return;
        }
        self.with_machine(|machine| {
            machine.record(ticket, outcome, crate::time::now, &self.config);
        });
    }
}

impl CircuitBreaker<EveryError> {
    /// Counts as failures only the errors for which `is_failure` returns
    /// `true`; any other `Err` is neither a success nor a failure (it changes
    /// no count). `CircuitOpen` refusals are never counted.
    ///
    /// A `fn` pointer, so that the builder stays `const` (a closure that
    /// captures nothing coerces to one); the breaker then only runs futures
    /// whose error type is `E`.
    ///
    /// ```
    /// use orchestrate::{BreakerState, CircuitBreaker, CircuitOpen};
    ///
    /// #[derive(Debug)]
    /// enum Error { NotFound, Unavailable, Open }
    /// impl From<CircuitOpen> for Error {
    ///     fn from(_: CircuitOpen) -> Self { Error::Open }
    /// }
    ///
    /// static BREAKER: CircuitBreaker<fn(&Error) -> bool> = CircuitBreaker::consecutive_failures(1)
    ///     .failure_when(|e: &Error| matches!(e, Error::Unavailable));
    ///
    /// # futures::executor::block_on(async {
    /// let _ = BREAKER.run(async { Err::<(), _>(Error::NotFound) }).await;
    /// assert_eq!(BREAKER.state(), BreakerState::Closed);
    /// let _ = BREAKER.run(async { Err::<(), _>(Error::Unavailable) }).await;
    /// assert_eq!(BREAKER.state(), BreakerState::Open);
    /// # });
    /// ```
    #[must_use]
    pub const fn failure_when<E>(
        self,
        is_failure: fn(&E) -> bool,
    ) -> CircuitBreaker<fn(&E) -> bool> {
        let config = self.config;
        // A `const fn` cannot run a destructor; the state is fresh when
        // building (at worst this forgets a few recorded outcomes).
        std::mem::forget(self);
        CircuitBreaker {
            config,
            failure_when: is_failure,
            machine: Mutex::new(Machine::new()),
            closed_epoch: AtomicU64::new(0),
            clean: AtomicBool::new(matches!(config.policy, Policy::Consecutive(_))),
        }
    }
}
