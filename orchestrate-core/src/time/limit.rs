//! The timer path of every timed primitive: a limit, the timer that enforces
//! it, and what happens when it fires. [`Timeout`](crate::Timeout) (and so
//! `Deadline::run`, `try_timeout`, `#[timeout]` and a retry's overall limit)
//! waits on an [`Expiry`]; a primitive built on it reports its expiry to the
//! timeline without having to remember to.

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use pin_project_lite::pin_project;

use super::deadline::DeadlineScope;
use super::timer::{self, TimerFuture};
use super::{Deadline, Elapsed, clock};

/// How a limit learns when to give up.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Limit {
    /// `limit` from the first poll.
    After(Duration),
    /// A fixed instant (`None`: never), reporting `budget` when it passes;
    /// `run` when a [`Deadline::run`] set it (not a timeout settled under
    /// one): only those stop retries early.
    At {
        deadline: Option<Instant>,
        budget: Duration,
        run: bool,
    },
}

impl Limit {
    fn elapsed(self) -> Elapsed {
        match self {
            Limit::After(limit) => Elapsed::new(limit),
            Limit::At { budget, .. } => Elapsed::new(budget),
        }
    }

    /// Fixes the limit against the deadline in scope, at the first poll and
    /// before the bounded work is polled: a relative limit under a deadline
    /// becomes an instant (one clock read) and the tighter of the two wins,
    /// so the work sees the same deadline in scope from its first poll on.
    /// Without a deadline in scope a relative limit stays relative: no clock
    /// read until a timer must be armed.
    fn settle(&mut self, scoped: Option<Deadline>) {
        let Some(scoped) = scoped else {
            return;
        };
        if let Limit::After(limit) = *self {
            *self = Limit::At {
                deadline: if limit > timer::NEVER_AFTER {
                    None
                } else {
                    clock::now().checked_add(limit)
                },
                budget: limit,
                run: false,
            };
        }
        self.tighten(scoped);
    }

    /// Arms what the (settled) limit asks for, in `slot` (in place: a timer
    /// may be large).
    fn arm(self, mut slot: Pin<&mut TimerState>) {
        match self {
            Limit::After(limit) if limit.is_zero() => slot.set(TimerState::Expired),
            Limit::After(limit) => {
                // The common case: no clock read of our own.
                let armed = timer::arm_after(limit, |timer| slot.set(TimerState::Armed { timer }));
                if armed.is_none() {
                    slot.set(TimerState::Never);
                }
            }
            Limit::At { deadline: None, .. } => slot.set(TimerState::Never),
            Limit::At {
                deadline: Some(deadline),
                ..
            } => match deadline.checked_duration_since(clock::now()) {
                Some(left) if !left.is_zero() => {
                    timer::arm_at(deadline, |timer| slot.set(TimerState::Armed { timer }));
                }
                _ => slot.set(TimerState::Expired),
            },
        }
    }

    /// Becomes `scoped` if that comes first.
    fn tighten(&mut self, scoped: Deadline) {
        let Limit::At { deadline, .. } = *self else {
            return;
        };
        let earlier = match (scoped.instant(), deadline) {
            (Some(theirs), Some(ours)) => theirs < ours,
            (Some(_), None) => true,
            (None, _) => false,
        };
        if earlier {
            *self = Limit::At {
                deadline: scoped.instant(),
                budget: scoped.budget(),
                run: false,
            };
        }
    }
}

pin_project! {
    #[project = TimerStateProj]
    #[derive(Debug)]
    enum TimerState {
        // Not polled to `Pending` yet: no clock read, no timer.
        Unarmed,
        // Pinned in place: a timer may be `!Unpin` (tokio's `Sleep`).
        Armed { #[pin] timer: TimerFuture },
        // The limit had passed by the time it was armed, or has fired.
        Expired,
        // The limit lies beyond `timer::NEVER_AFTER` or the clock's range,
        // or the work finished and the timer was released.
        Never,
    }
}

pin_project! {
    /// A limit and the timer that enforces it, armed lazily: the work it
    /// bounds is polled first, and only work still pending reads the clock.
    #[derive(Debug)]
    pub(crate) struct Expiry {
        limit: Limit,
        #[pin]
        timer: TimerState,
    }
}

impl Expiry {
    pub(crate) fn new(limit: Limit) -> Self {
        Expiry {
            limit,
            timer: TimerState::Unarmed,
        }
    }

    /// The deadline to put in scope while the bounded work is polled: the
    /// tighter of this limit and the deadline already in scope, the same at
    /// every poll (settled at the first), or `None` for a relative limit
    /// with no deadline in scope.
    pub(crate) fn scope(self: Pin<&mut Self>) -> Option<DeadlineScope> {
        let this = self.project();
        if let TimerState::Unarmed = *this.timer {
            this.limit.settle(Deadline::current());
        }
        match *this.limit {
            Limit::After(_) => None,
            Limit::At {
                deadline,
                budget,
                run,
            } => Some(DeadlineScope::enter(
                Deadline::from_parts(deadline, budget),
                run,
            )),
        }
    }

    /// Called after the bounded work returned `Pending`: arms the timer at
    /// the first call, then `Ready(elapsed)` once the limit has passed. An
    /// expiry is noted on the timeline here, so every primitive built on
    /// this reports it the same way.
    pub(crate) fn poll_expired(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Elapsed> {
        let mut this = self.project();
        if let TimerState::Unarmed = *this.timer {
            this.limit.arm(this.timer.as_mut());
        }
        let fired = match this.timer.as_mut().project() {
            TimerStateProj::Armed { timer } => timer.poll(cx).is_ready(),
            TimerStateProj::Expired => true,
            TimerStateProj::Never | TimerStateProj::Unarmed => false,
        };
        if !fired {
            return Poll::Pending;
        }
        this.timer.set(TimerState::Expired);
        crate::timeline::note_timeout();
        Poll::Ready(this.limit.elapsed())
    }

    /// The bounded work finished: releases the timer now, not when the
    /// primitive holding it is dropped.
    pub(crate) fn release(self: Pin<&mut Self>) {
        let mut timer = self.project().timer;
        if let TimerState::Armed { .. } = *timer {
            timer.set(TimerState::Never);
        }
    }
}
