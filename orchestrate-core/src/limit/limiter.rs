//! [`Limiter`]: at most `n` futures at once, shared by every caller.

use std::collections::VecDeque;
use std::fmt;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};

use pin_project_lite::pin_project;

use super::scope::{self, HeldScope};

/// A concurrency limit shared across calls (a bulkhead): at most `n` futures
/// run through it at once, whoever calls them.
///
/// `.limit(n)` on a collection bounds one fan-out; a `Limiter` bounds every
/// fan-out, handler and nested call that goes through it, such as every call
/// to one API. Waiters get permits in arrival order (fair), and it works on
/// any executor.
///
/// # Sharing
///
/// `new` is a `const fn`, so the usual home of a limiter is a `static`
/// (`&'static` is then free to pass around); an `Arc<Limiter>` works too
/// (methods take `&self`). It is not `Clone`: a clone would be a second,
/// independent bound.
///
/// ```
/// use orchestrate::{settled, Limiter};
///
/// /// The API allows 2 requests at once, whoever makes them.
/// static API: Limiter = Limiter::new(2);
///
/// async fn fetch(id: u32) -> u32 {
///     API.run(async move { id * 10 }).await
/// }
///
/// # futures::executor::block_on(async {
/// let pages = settled((1..=5).map(fetch)).await;
/// assert_eq!(pages, [10, 20, 30, 40, 50]);
/// assert_eq!(API.in_flight(), 0);
/// # });
/// ```
///
/// A limit of 0 in a `static` does not compile:
///
/// ```compile_fail
/// static NONE: orchestrate::Limiter = orchestrate::Limiter::new(0);
/// # let _ = &NONE;
/// ```
///
/// # Re-entrant
///
/// A future already running under a permit of a limiter (through
/// [`run`](Limiter::run) or [`try_run`](Limiter::try_run), at any depth) does
/// not take a second permit of it: nested `run`s, [`acquire`](Limiter::acquire)s
/// and [`limit_with`](crate::Settled::limit_with)s of the same limiter inside
/// it pass straight through. So one limiter used at two levels of a nested
/// fan-out never deadlocks. The bound is meant for the leaf calls (the fns
/// that call the API): put the limiter there, and the levels above it need
/// none. Like a [`Deadline`](crate::Deadline)'s scope, this follows the future
/// on any executor, but not into futures spawned from inside it.
///
/// ```
/// use orchestrate::{settled, Limiter};
///
/// static API: Limiter = Limiter::new(1);
///
/// async fn comments(post: u32) -> u32 {
///     API.run(async move { post + 1 }).await // nested: no second permit
/// }
///
/// # futures::executor::block_on(async {
/// // One permit, two levels: does not deadlock.
/// let posts = settled([1, 2].map(|post| API.run(comments(post)))).await;
/// assert_eq!(posts, [2, 3]);
/// # });
/// ```
///
/// # Cancellation and panics
///
/// A waiter dropped while queued takes no permit and passes on any permit it
/// was just granted, so no other waiter misses its turn. A permit is returned
/// when its holder finishes, is dropped, or panics.
pub struct Limiter {
    permits: usize,
    max_waiting: usize,
    state: Mutex<State>,
}

struct State {
    free: usize,
    /// Queued waiters that have no permit yet.
    waiting: usize,
    /// In arrival order; a granted waiter stays until it takes its permit.
    queue: VecDeque<Waiter>,
    next_id: u64,
}

struct Waiter {
    id: u64,
    waker: Waker,
    granted: bool,
}

/// The error of [`Limiter::try_run`]: the limiter already had as many waiters
/// as its [`max_waiting`](Limiter::max_waiting) bound.
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

impl Limiter {
    /// A limiter that lets at most `n` futures run at once, with no bound on
    /// how many wait.
    ///
    /// # Panics
    ///
    /// If `n` is 0 (in a `static` or `const`, a compile error instead).
    ///
    /// ```
    /// # use orchestrate::Limiter;
    /// static DB: Limiter = Limiter::new(10);
    /// assert_eq!(DB.in_flight(), 0);
    /// ```
    pub const fn new(n: usize) -> Limiter {
        assert!(
            n > 0,
            "`Limiter::new(0)`: the limit is how many futures may run at once, so it must be at least 1"
        );
        Limiter {
            permits: n,
            max_waiting: usize::MAX,
            state: Mutex::new(State {
                free: n,
                waiting: 0,
                queue: VecDeque::new(),
                next_id: 0,
            }),
        }
    }

    /// Bounds the waiters: [`try_run`](Limiter::try_run) returns
    /// `Err(Rejected)` at once when `k` are already queued.
    /// ([`run`](Limiter::run) and [`acquire`](Limiter::acquire) ignore the
    /// bound and wait.)
    ///
    /// ```
    /// # use orchestrate::Limiter;
    /// static API: Limiter = Limiter::new(4).max_waiting(16);
    /// # futures::executor::block_on(async {
    /// assert_eq!(API.try_run(async { 1 }).await, Ok(1));
    /// # });
    /// ```
    #[must_use]
    pub const fn max_waiting(mut self, k: usize) -> Limiter {
        self.max_waiting = k;
        self
    }

    /// Runs `future` while holding a permit, waiting for one first as long
    /// as it takes. Output: `F::Output`.
    ///
    /// The permit is returned when the future finishes, panics or is dropped.
    /// Waiting is cancellation-safe: under a [`Deadline`](crate::Deadline) or a
    /// timeout, a wait that runs out gives up its place without taking a
    /// permit.
    ///
    /// ```
    /// use std::time::Duration;
    /// use orchestrate::{Deadline, Limiter};
    ///
    /// static API: Limiter = Limiter::new(1);
    ///
    /// # futures::executor::block_on(async {
    /// assert_eq!(API.run(async { "ok" }).await, "ok");
    ///
    /// let held = API.acquire().await;
    /// // No permit is free: the wait gives up at the deadline.
    /// let late = Deadline::after(Duration::from_millis(10)).run(API.run(async { "late" })).await;
    /// assert!(late.is_err());
    /// drop(held);
    /// assert_eq!(API.waiting(), 0);
    /// # });
    /// ```
    pub fn run<F: IntoFuture>(&self, future: F) -> Run<'_, F::IntoFuture> {
        Run {
            future: future.into_future(),
            gate: Gate::new(self, false),
        }
    }

    /// As [`run`](Limiter::run), but with [`max_waiting(k)`](Limiter::max_waiting)
    /// set, `Err(Rejected)` at once (without running `future`) when `k`
    /// waiters are already queued. Output: `Result<F::Output, Rejected>`.
    /// Without `max_waiting` it never rejects.
    ///
    /// ```
    /// use orchestrate::{Limiter, Rejected};
    ///
    /// static API: Limiter = Limiter::new(1).max_waiting(0);
    ///
    /// # futures::executor::block_on(async {
    /// let held = API.acquire().await;
    /// assert_eq!(API.try_run(async { 1 }).await, Err(Rejected::new(0)));
    /// drop(held);
    /// assert_eq!(API.try_run(async { 1 }).await, Ok(1));
    /// # });
    /// ```
    pub fn try_run<F: IntoFuture>(&self, future: F) -> TryRun<'_, F::IntoFuture> {
        TryRun {
            future: future.into_future(),
            gate: Gate::new(self, true),
        }
    }

    /// Waits for a permit (in arrival order). Output: a [`Permit`], returned
    /// to the limiter when dropped.
    ///
    /// A permit does not put the limiter in scope for the code that holds it
    /// (it is not a future): prefer [`run`](Limiter::run) for work that may
    /// nest calls through the same limiter. Inside a `run` of this limiter,
    /// `acquire` is re-entrant and gives a permit that holds nothing.
    ///
    /// ```
    /// # use orchestrate::Limiter;
    /// static API: Limiter = Limiter::new(2);
    /// # futures::executor::block_on(async {
    /// let permit = API.acquire().await;
    /// assert_eq!(API.in_flight(), 1);
    /// drop(permit);
    /// assert_eq!(API.in_flight(), 0);
    /// # });
    /// ```
    pub fn acquire(&self) -> Acquire<'_> {
        Acquire {
            gate: Gate::new(self, false),
        }
    }

    /// A permit if one is free and no one is queued for it, without waiting
    /// (it never goes ahead of a queued waiter); `None` otherwise.
    ///
    /// ```
    /// # use orchestrate::Limiter;
    /// let limiter = Limiter::new(1);
    /// let first = limiter.try_acquire();
    /// assert!(first.is_some());
    /// assert!(limiter.try_acquire().is_none());
    /// drop(first);
    /// assert!(limiter.try_acquire().is_some());
    /// ```
    pub fn try_acquire(&self) -> Option<Permit<'_>> {
        if scope::holds(self.id()) {
            return Some(Permit { limiter: None });
        }
        let mut state = self.lock();
        // A free permit means no one waits: releases go to waiters first.
        if state.free > 0 {
            state.free -= 1;
            Some(Permit {
                limiter: Some(self),
            })
        } else {
            None
        }
    }

    /// How many permits are held (granted, taken or not yet).
    ///
    /// ```
    /// # use orchestrate::Limiter;
    /// let limiter = Limiter::new(3);
    /// let _permit = limiter.try_acquire();
    /// assert_eq!(limiter.in_flight(), 1);
    /// ```
    pub fn in_flight(&self) -> usize {
        self.permits - self.lock().free
    }

    /// How many callers are queued for a permit.
    ///
    /// ```
    /// # use orchestrate::Limiter;
    /// assert_eq!(Limiter::new(3).waiting(), 0);
    /// ```
    pub fn waiting(&self) -> usize {
        self.lock().waiting
    }

    /// The limit: how many futures may run through it at once.
    ///
    /// ```
    /// # use orchestrate::Limiter;
    /// assert_eq!(Limiter::new(3).limit(), 3);
    /// ```
    pub const fn limit(&self) -> usize {
        self.permits
    }

    /// What identifies this limiter in the ambient scope: its address, fixed
    /// while anything borrows it.
    fn id(&self) -> usize {
        std::ptr::from_ref(self) as usize
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // No user code runs under the lock: a poisoned state is still whole.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Hands a returned permit to the first waiter without one, or frees it.
    fn release(&self) {
        let waker = {
            let mut state = self.lock();
            state.pass_on()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

impl State {
    /// Gives one permit to the first waiter that has none (returning its
    /// waker), or to the pool.
    fn pass_on(&mut self) -> Option<Waker> {
        if let Some(waiter) = self.queue.iter_mut().find(|waiter| !waiter.granted) {
            waiter.granted = true;
            self.waiting -= 1;
            Some(waiter.waker.clone())
        } else {
            self.free += 1;
            None
        }
    }
}

impl fmt::Debug for Limiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.lock();
        let mut out = f.debug_struct("Limiter");
        out.field("limit", &self.permits)
            .field("in_flight", &(self.permits - state.free))
            .field("waiting", &state.waiting);
        if self.max_waiting != usize::MAX {
            out.field("max_waiting", &self.max_waiting);
        }
        out.finish_non_exhaustive()
    }
}

/// A permit of a [`Limiter`], from [`acquire`](Limiter::acquire) or
/// [`try_acquire`](Limiter::try_acquire): returned to the limiter (to the
/// first waiter) when dropped.
///
/// ```
/// # use orchestrate::Limiter;
/// let limiter = Limiter::new(1);
/// let permit = limiter.try_acquire().unwrap();
/// assert_eq!(limiter.in_flight(), 1);
/// drop(permit);
/// assert_eq!(limiter.in_flight(), 0);
/// ```
#[must_use = "the permit is returned as soon as it is dropped"]
pub struct Permit<'a> {
    /// `None`: re-entrant, the permit of an enclosing `run` covers it.
    limiter: Option<&'a Limiter>,
}

impl fmt::Debug for Permit<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Permit")
            .field("reentrant", &self.limiter.is_none())
            .finish()
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        if let Some(limiter) = self.limiter {
            limiter.release();
        }
    }
}

/// Where a caller stands with the limiter.
enum Stage<'a> {
    Start,
    Queued(u64),
    Holding(Permit<'a>),
    Done,
}

/// The waiting shared by `acquire`, `run` and `try_run`.
struct Gate<'a> {
    limiter: &'a Limiter,
    reject: bool,
    stage: Stage<'a>,
}

impl<'a> Gate<'a> {
    fn new(limiter: &'a Limiter, reject: bool) -> Self {
        Gate {
            limiter,
            reject,
            stage: Stage::Start,
        }
    }

    /// Ready once the gate holds a permit (`Ok`), or rejects (`Err`).
    fn poll_permit(&mut self, cx: &mut Context<'_>, call: &str) -> Poll<Result<(), Rejected>> {
        let limiter = self.limiter;
        match self.stage {
            Stage::Holding(_) => return Poll::Ready(Ok(())),
            Stage::Done => panic!("`{call}` polled after completion"),
            Stage::Start if scope::holds(limiter.id()) => {
                self.stage = Stage::Holding(Permit { limiter: None });
                return Poll::Ready(Ok(()));
            }
            Stage::Start => {
                let mut state = limiter.lock();
                if state.free > 0 {
                    state.free -= 1;
                } else if self.reject && state.waiting >= limiter.max_waiting {
                    drop(state);
                    self.stage = Stage::Done;
                    return Poll::Ready(Err(Rejected::new(limiter.max_waiting)));
                } else {
                    let id = state.next_id;
                    state.next_id += 1;
                    state.waiting += 1;
                    state.queue.push_back(Waiter {
                        id,
                        waker: cx.waker().clone(),
                        granted: false,
                    });
                    drop(state);
                    self.stage = Stage::Queued(id);
                    return Poll::Pending;
                }
            }
            Stage::Queued(id) => {
                let mut state = limiter.lock();
                let Some(at) = state.queue.iter().position(|waiter| waiter.id == id) else {
                    unreachable!("a queued waiter stays queued until it takes its permit")
                };
                if !state.queue[at].granted {
                    let waker = &mut state.queue[at].waker;
                    if !waker.will_wake(cx.waker()) {
                        waker.clone_from(cx.waker());
                    }
                    return Poll::Pending;
                }
                state.queue.remove(at);
            }
        }
        self.stage = Stage::Holding(Permit {
            limiter: Some(limiter),
        });
        Poll::Ready(Ok(()))
    }

    /// The permit, once `poll_permit` is ready.
    fn take(&mut self) -> Option<Permit<'a>> {
        match std::mem::replace(&mut self.stage, Stage::Done) {
            Stage::Holding(permit) => Some(permit),
            _ => None,
        }
    }

    /// Whether the holder puts the limiter in scope (a re-entrant gate does
    /// not need to: it is there already).
    fn holds_own(&self) -> bool {
        matches!(&self.stage, Stage::Holding(Permit { limiter: Some(_) }))
    }
}

impl Drop for Gate<'_> {
    fn drop(&mut self) {
        let Stage::Queued(id) = self.stage else {
            return;
        };
        let waker = {
            let mut state = self.limiter.lock();
            let Some(at) = state.queue.iter().position(|waiter| waiter.id == id) else {
                return;
            };
            let waiter = state.queue.remove(at);
            match waiter {
                // Granted but never taken: pass the permit on.
                Some(Waiter { granted: true, .. }) => state.pass_on(),
                Some(_) => {
                    state.waiting -= 1;
                    None
                }
                None => None,
            }
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

/// The future of [`Limiter::acquire`]. Output: a [`Permit`].
///
/// ```
/// # use orchestrate::{Limiter, limit::Acquire};
/// let limiter = Limiter::new(1);
/// # futures::executor::block_on(async {
/// let waiting: Acquire<'_> = limiter.acquire();
/// let _permit = waiting.await;
/// # });
/// ```
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Acquire<'a> {
    gate: Gate<'a>,
}

impl fmt::Debug for Acquire<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Acquire").finish_non_exhaustive()
    }
}

impl<'a> Future for Acquire<'a> {
    type Output = Permit<'a>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Permit<'a>> {
        match self.gate.poll_permit(cx, "Limiter::acquire") {
            Poll::Ready(_) => Poll::Ready(self.gate.take().unwrap_or(Permit { limiter: None })),
            Poll::Pending => Poll::Pending,
        }
    }
}

pin_project! {
    /// The future of [`Limiter::run`]. Output: `F::Output`.
    ///
    /// ```
    /// # use orchestrate::{Limiter, limit::Run};
    /// let limiter = Limiter::new(1);
    /// # futures::executor::block_on(async {
    /// let run: Run<'_, _> = limiter.run(async { 7 });
    /// assert_eq!(run.await, 7);
    /// # });
    /// ```
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct Run<'a, F> {
        #[pin]
        future: F,
        gate: Gate<'a>,
    }
}

pin_project! {
    /// The future of [`Limiter::try_run`]. Output: `Result<F::Output, Rejected>`.
    ///
    /// ```
    /// # use orchestrate::{Limiter, limit::TryRun};
    /// let limiter = Limiter::new(1).max_waiting(0);
    /// # futures::executor::block_on(async {
    /// let run: TryRun<'_, _> = limiter.try_run(async { 7 });
    /// assert_eq!(run.await, Ok(7));
    /// # });
    /// ```
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct TryRun<'a, F> {
        #[pin]
        future: F,
        gate: Gate<'a>,
    }
}

/// Polls `future` under the gate's permit, with the limiter in scope.
fn poll_under<F: Future>(
    future: Pin<&mut F>,
    gate: &mut Gate<'_>,
    cx: &mut Context<'_>,
    call: &str,
) -> Poll<Result<F::Output, Rejected>> {
    if let Err(rejected) = std::task::ready!(gate.poll_permit(cx, call)) {
        return Poll::Ready(Err(rejected));
    }
    let output = {
        let _scope = gate
            .holds_own()
            .then(|| HeldScope::enter(gate.limiter.id()));
        std::task::ready!(future.poll(cx))
    };
    // Returns the permit before completing.
    drop(gate.take());
    Poll::Ready(Ok(output))
}

impl<F: Future> Future for Run<'_, F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        poll_under(this.future, this.gate, cx, "Limiter::run").map(|output| match output {
            Ok(output) => output,
            Err(_) => unreachable!("`run` never rejects"),
        })
    }
}

impl<F: Future> Future for TryRun<'_, F> {
    type Output = Result<F::Output, Rejected>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        poll_under(this.future, this.gate, cx, "Limiter::try_run")
    }
}

impl<F> fmt::Debug for Run<'_, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Run").finish_non_exhaustive()
    }
}

impl<F> fmt::Debug for TryRun<'_, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TryRun").finish_non_exhaustive()
    }
}
