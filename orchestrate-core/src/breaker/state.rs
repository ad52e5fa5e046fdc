//! The breaker's state machine, kept apart from its future so that one lock
//! guards every decision.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use super::BreakerState;

#[derive(Debug, Clone, Copy)]
pub(crate) enum Policy {
    Consecutive(u32),
    Rate { rate: f64, window: u32 },
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Config {
    pub(crate) policy: Policy,
    pub(crate) min_calls: Option<u32>,
    pub(crate) open_for: Duration,
    pub(crate) half_open_calls: u32,
    pub(crate) on_state_change: Option<fn(BreakerState, BreakerState)>,
}

#[derive(Debug, Clone, Copy)]
enum Phase {
    Closed,
    Open { until: Instant },
    HalfOpen { admitted: u32, succeeded: u32 },
}

/// A call let through: the epoch it started in (an outcome from an older
/// epoch is stale and ignored) and whether it is a half-open trial.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ticket {
    pub(crate) epoch: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    Success,
    Failure,
    // An excluded error or a cancelled call: counts nothing.
    Neutral,
}

#[derive(Debug)]
pub(crate) struct Machine {
    phase: Phase,
    // Bumped on every transition.
    epoch: u64,
    consecutive: u32,
    // Recent outcomes of a failure-rate breaker, `true` for a failure.
    window: VecDeque<bool>,
    failures: u32,
}

impl Machine {
    pub(crate) const fn new() -> Self {
        Machine {
            phase: Phase::Closed,
            epoch: 0,
            consecutive: 0,
            window: VecDeque::new(),
            failures: 0,
        }
    }

    fn go(&mut self, to: Phase, config: &Config) {
        let from = state_of(self.phase);
        self.phase = to;
        self.epoch += 1;
        self.consecutive = 0;
        self.window.clear();
        self.failures = 0;
        if let Some(notify) = config.on_state_change {
            notify(from, state_of(to));
        }
    }

    /// Turns an open breaker whose time is up half-open. The clock is read
    /// only when open: a closed breaker's calls read no clock.
    fn refresh(&mut self, now: impl FnOnce() -> Instant, config: &Config) -> Option<Instant> {
        let Phase::Open { until } = self.phase else {
            return None;
        };
        let now = now();
        if now >= until {
            self.go(
                Phase::HalfOpen {
                    admitted: 0,
                    succeeded: 0,
                },
                config,
            );
        }
        Some(now)
    }

    /// The epoch, if closed: a call admitted in it needs no lock.
    pub(crate) fn closed_epoch(&self) -> Option<u64> {
        matches!(self.phase, Phase::Closed).then_some(self.epoch)
    }

    /// Whether a success recorded now would change nothing: closed, and no
    /// failure in a row to reset (a failure-rate breaker counts every call).
    pub(crate) fn clean(&self, config: &Config) -> bool {
        matches!(self.phase, Phase::Closed)
            && matches!(config.policy, Policy::Consecutive(_))
            && self.consecutive == 0
    }

    pub(crate) fn state(&mut self, now: Instant, config: &Config) -> BreakerState {
        self.refresh(|| now, config);
        state_of(self.phase)
    }

    /// Lets a call through, or says until when it is refused.
    pub(crate) fn admit(
        &mut self,
        now: impl FnOnce() -> Instant,
        config: &Config,
    ) -> Result<Ticket, Option<(Instant, Duration)>> {
        let read = self.refresh(now, config);
        match &mut self.phase {
            Phase::Closed => {}
            Phase::Open { until } => {
                // Open: `refresh` read the clock.
                let now = read.unwrap_or(*until);
                return Err(Some((*until, until.saturating_duration_since(now))));
            }
            Phase::HalfOpen { admitted, .. } => {
                if *admitted >= config.half_open_calls {
                    return Err(None);
                }
                *admitted += 1;
            }
        }
        Ok(Ticket { epoch: self.epoch })
    }

    pub(crate) fn record(
        &mut self,
        ticket: Ticket,
        outcome: Outcome,
        now: impl FnOnce() -> Instant,
        config: &Config,
    ) {
        if ticket.epoch != self.epoch {
            return;
        }
        // The clock is read only to open.
        let open = || {
            let now = now();
            Phase::Open {
                until: now
                    .checked_add(config.open_for)
                    .unwrap_or(now + Duration::from_secs(86_400 * 365 * 100)),
            }
        };
        match &mut self.phase {
            // Stale by construction: the epoch changed on opening.
            Phase::Open { .. } => {}
            Phase::HalfOpen {
                admitted,
                succeeded,
            } => match outcome {
                Outcome::Failure => self.go(open(), config),
                Outcome::Success => {
                    *succeeded += 1;
                    if *succeeded >= config.half_open_calls {
                        self.go(Phase::Closed, config);
                    }
                }
                // Frees the slot for another trial, or it would stay half-open.
                Outcome::Neutral => *admitted -= 1,
            },
            Phase::Closed => {
                let trip = match (config.policy, outcome) {
                    (_, Outcome::Neutral) => false,
                    (Policy::Consecutive(k), Outcome::Failure) => {
                        self.consecutive += 1;
                        self.consecutive >= k
                    }
                    (Policy::Consecutive(_), Outcome::Success) => {
                        self.consecutive = 0;
                        false
                    }
                    (Policy::Rate { rate, window }, _) => {
                        let failed = outcome == Outcome::Failure;
                        self.window.push_back(failed);
                        self.failures += u32::from(failed);
                        if self.window.len() > window as usize
                            && self.window.pop_front() == Some(true)
                        {
                            self.failures -= 1;
                        }
                        let calls = u32::try_from(self.window.len()).unwrap_or(u32::MAX);
                        calls >= config.min_calls.unwrap_or(window)
                            && f64::from(self.failures) >= rate * f64::from(calls)
                    }
                };
                if trip {
                    self.go(open(), config);
                }
            }
        }
    }
}

fn state_of(phase: Phase) -> BreakerState {
    match phase {
        Phase::Closed => BreakerState::Closed,
        Phase::Open { .. } => BreakerState::Open,
        Phase::HalfOpen { .. } => BreakerState::HalfOpen,
    }
}
