//! [`Limiter`]: at most `n` futures at once, shared by every caller.

use std::collections::VecDeque;
use std::fmt;
use std::future::IntoFuture;
use std::sync::PoisonError;
use std::task::Waker;

use super::gate::{Acquire, Permit, Run, TryRun};
use super::scope;
use crate::sync::{AtomicU64, AtomicUsize, Mutex, MutexGuard, Ordering};

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
    pub(super) max_waiting: usize,
    /// The free permits, shifted left by one, with [`QUEUED`] in the low bit.
    /// A permit is taken and returned here by one compare-and-swap while no
    /// one waits; while someone does, only holders of `state`'s lock change
    /// it, and returned permits go to the waiters.
    count: AtomicUsize,
    /// One past the id of the last waiter granted a permit: a waiter whose
    /// id is below it has its permit (grants go in arrival order, and a
    /// granted waiter leaves the queue), so it takes it without the lock.
    granted: AtomicU64,
    state: Mutex<State>,
}

/// In `count`: someone is queued. Set and cleared under the lock; while it
/// is set no permit is free (returned ones are granted), so a free permit
/// alone says no one waits.
const QUEUED: usize = 1;
/// One permit in `count`.
const ONE: usize = 2;

/// The largest limit: the permits count in `count` above [`QUEUED`].
const MAX_PERMITS: usize = usize::MAX >> 1;

struct State {
    /// The waiters without a permit, in arrival order (so by id); `QUEUED`
    /// is set while there are any.
    queue: VecDeque<Waiter>,
    next_id: u64,
}

struct Waiter {
    id: u64,
    waker: Waker,
}

/// How a caller that found no permit free at once fared, from
/// [`Limiter::wait_or_take`].
pub(super) enum Slow {
    /// A permit was free after all: the caller holds it.
    Taken,
    /// Queued under this id, to poll with [`Limiter::poll_granted`].
    Queued(u64),
    /// This many waiters (the `reject` bound) already wait.
    Rejected(usize),
}

/// A limiter of `n` permits with no one waiting: the body of
/// [`Limiter::new`], for its `const` build and its loom build.
macro_rules! limiter_of {
    ($n:expr) => {
        Limiter {
            permits: $n,
            max_waiting: usize::MAX,
            count: AtomicUsize::new($n * ONE),
            granted: AtomicU64::new(0),
            state: Mutex::new(State::new()),
        }
    };
}

impl Limiter {
    /// A limiter that lets at most `n` futures run at once, with no bound on
    /// how many wait.
    ///
    /// # Panics
    ///
    /// If `n` is 0 (in a `static` or `const`, a compile error instead), or
    /// above `usize::MAX / 2`.
    ///
    /// ```
    /// # use orchestrate::Limiter;
    /// static DB: Limiter = Limiter::new(10);
    /// assert_eq!(DB.in_flight(), 0);
    /// ```
    #[cfg(not(loom))]
    pub const fn new(n: usize) -> Limiter {
        assert!(
            n > 0,
            "`Limiter::new(0)`: the limit is how many futures may run at once, so it must be at least 1"
        );
        assert!(
            n <= MAX_PERMITS,
            "`Limiter::new(n)`: the limit must be at most `usize::MAX / 2`"
        );
        limiter_of!(n)
    }

    /// As above; loom's atomics and locks are not `const`.
    #[cfg(loom)]
    pub fn new(n: usize) -> Limiter {
        assert!(n > 0 && n <= MAX_PERMITS);
        limiter_of!(n)
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
        Run::new(self, future.into_future())
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
        TryRun::new(self, future.into_future())
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
        Acquire::new(self)
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
            return Some(Permit::new(None));
        }
        self.try_take().then(|| Permit::new(Some(self)))
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
        self.permits - self.free()
    }

    /// How many callers are queued for a permit.
    ///
    /// ```
    /// # use orchestrate::Limiter;
    /// assert_eq!(Limiter::new(3).waiting(), 0);
    /// ```
    pub fn waiting(&self) -> usize {
        self.lock().queue.len()
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
    pub(super) fn id(&self) -> usize {
        std::ptr::from_ref(self) as usize
    }

    fn free(&self) -> usize {
        self.count.load(Ordering::Relaxed) / ONE
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // No user code runs under the lock: a poisoned state is still whole.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Takes a free permit, without the lock. A free permit means no one
    /// waits (returned permits go to waiters first), so this never goes
    /// ahead of a queued waiter.
    #[inline]
    pub(super) fn try_take(&self) -> bool {
        let mut count = self.count.load(Ordering::Relaxed);
        while count >= ONE {
            // Acquire: what the permit's last holder did happens before.
            match self.count.compare_exchange_weak(
                count,
                count - ONE,
                Ordering::Acquire,
                Ordering::Relaxed,
            ) {
                Ok(_) => return true,
                Err(now) => count = now,
            }
        }
        false
    }

    /// The slow way in, once [`try_take`](Self::try_take) found no permit:
    /// under the lock, takes a permit freed since, or rejects when `reject`
    /// waiters already wait, or queues behind them with `waker`.
    pub(super) fn wait_or_take(&self, waker: &Waker, reject: Option<usize>) -> Slow {
        let mut state = self.lock();
        let mut count = self.count.load(Ordering::Relaxed);
        loop {
            if count >= ONE {
                // Freed by a release that saw no one queued.
                match self.count.compare_exchange_weak(
                    count,
                    count - ONE,
                    Ordering::Acquire,
                    Ordering::Relaxed,
                ) {
                    Ok(_) => return Slow::Taken,
                    Err(now) => count = now,
                }
            } else if let Some(max_waiting) = reject
                && state.queue.len() >= max_waiting
            {
                return Slow::Rejected(max_waiting);
            } else if count == QUEUED {
                break;
            } else {
                // A compare-and-swap, not a store: a release racing it either
                // freed its permit first (seen here, and taken above) or sees
                // the bit and hands the permit over under the lock.
                match self.count.compare_exchange_weak(
                    count,
                    QUEUED,
                    Ordering::Relaxed,
                    Ordering::Relaxed,
                ) {
                    Ok(_) => break,
                    Err(now) => count = now,
                }
            }
        }
        let id = state.next_id;
        state.next_id += 1;
        state.queue.push_back(Waiter {
            id,
            waker: waker.clone(),
        });
        Slow::Queued(id)
    }

    /// Whether the waiter queued as `id` was granted its permit (it then
    /// holds it); if not, it will be woken with `waker`.
    pub(super) fn poll_granted(&self, id: u64, waker: &Waker) -> bool {
        // Acquire: what the permit's last holder did happens before.
        if id < self.granted.load(Ordering::Acquire) {
            return true;
        }
        let mut state = self.lock();
        // Granted since: grants are made under the lock.
        if id < self.granted.load(Ordering::Acquire) {
            return true;
        }
        let Ok(at) = state.queue.binary_search_by_key(&id, |waiter| waiter.id) else {
            unreachable!("a waiter stays queued until it is granted a permit or leaves")
        };
        let queued = &mut state.queue[at].waker;
        if !queued.will_wake(waker) {
            queued.clone_from(waker);
        }
        false
    }

    /// The waiter queued as `id` gives up: it leaves the queue, or passes on
    /// the permit it was granted and did not take.
    pub(super) fn leave(&self, id: u64) {
        let waker = {
            let mut state = self.lock();
            if id < self.granted.load(Ordering::Acquire) {
                self.pass_on(&mut state)
            } else {
                if let Ok(at) = state.queue.binary_search_by_key(&id, |waiter| waiter.id) {
                    state.queue.remove(at);
                }
                if state.queue.is_empty() {
                    self.count.fetch_and(!QUEUED, Ordering::Relaxed);
                }
                None
            }
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// Returns a permit: to the pool by one compare-and-swap while no one
    /// waits, or else to the first waiter without one, under the lock.
    #[inline]
    pub(super) fn release(&self) {
        let mut count = self.count.load(Ordering::Relaxed);
        while count & QUEUED == 0 {
            // Release: what the holder did happens before the next taker.
            match self.count.compare_exchange_weak(
                count,
                count + ONE,
                Ordering::Release,
                Ordering::Relaxed,
            ) {
                Ok(_) => return,
                Err(now) => count = now,
            }
        }
        self.release_to_waiter();
    }

    #[cold]
    #[inline(never)]
    fn release_to_waiter(&self) {
        let waker = {
            let mut state = self.lock();
            self.pass_on(&mut state)
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// Under the lock: gives one permit to the first waiter (returning its
    /// waker), or to the pool.
    fn pass_on(&self, state: &mut State) -> Option<Waker> {
        let Some(Waiter { id, waker }) = state.queue.pop_front() else {
            // No one waits, so `QUEUED` is clear and takers may race this.
            self.count.fetch_add(ONE, Ordering::Release);
            return None;
        };
        // Release: what the holder did happens before the waiter takes it.
        self.granted.store(id + 1, Ordering::Release);
        if state.queue.is_empty() {
            self.count.fetch_and(!QUEUED, Ordering::Relaxed);
        }
        Some(waker)
    }
}

impl State {
    const fn new() -> State {
        State {
            queue: VecDeque::new(),
            next_id: 0,
        }
    }
}

impl fmt::Debug for Limiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // One snapshot: while anyone waits, only the lock's holder changes
        // the count.
        let (in_flight, waiting) = {
            let state = self.lock();
            (self.in_flight(), state.queue.len())
        };
        let mut out = f.debug_struct("Limiter");
        out.field("limit", &self.permits)
            .field("in_flight", &in_flight)
            .field("waiting", &waiting);
        if self.max_waiting != usize::MAX {
            out.field("max_waiting", &self.max_waiting);
        }
        out.finish_non_exhaustive()
    }
}

#[cfg(all(test, loom))]
#[path = "limiter_loom.rs"]
mod limiter_loom;
