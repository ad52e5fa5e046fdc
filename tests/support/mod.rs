//! Machinery for the reliability tests (`cancellation`, `panics`, `wakes`,
//! `proptest`): branches completed by hand ([`remote`]), an event log of what
//! each branch saw, and a hand-written executor ([`Exec`]) that polls only
//! when it was woken, can hand a fresh waker to every poll, and reports a lost
//! wake instead of hanging.
//!
//! Every combinator is driven through [`Target`], which builds it over a
//! vector of branches and normalizes its output to an [`Outcome`], so one
//! scenario runs against the eight joins (and `Timeout`).
#![allow(dead_code)]

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::task::{Context, Poll, Wake, Waker};
use std::time::{Duration, Instant};

/// How long the executor waits for a wake before it calls the wake lost.
/// Only a failing test ever waits this long.
pub(crate) const LOST_WAKE: Duration = Duration::from_secs(5);

/// What a branch saw, in the order it happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Event {
    /// Polled (to `Pending` or to `Ready`).
    Polled(usize),
    /// Polled to `Ready`: the combinator now has its output.
    Completed(usize),
    /// Dropped before it completed: cancelled.
    Cancelled(usize),
    /// Dropped after it completed.
    Released(usize),
}

/// A shared, ordered record of [`Event`]s.
#[derive(Debug, Clone, Default)]
pub(crate) struct Log {
    events: Arc<Mutex<Vec<Event>>>,
}

impl Log {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    fn push(&self, event: Event) {
        lock(&self.events).push(event);
    }

    pub(crate) fn events(&self) -> Vec<Event> {
        lock(&self.events).clone()
    }

    /// The branches in the order the combinator received their outputs.
    pub(crate) fn arrivals(&self) -> Vec<usize> {
        self.events()
            .into_iter()
            .filter_map(|event| match event {
                Event::Completed(id) => Some(id),
                _ => None,
            })
            .collect()
    }

    /// Panics if a branch was polled after it completed or was dropped, or
    /// dropped twice.
    pub(crate) fn assert_no_poll_after_the_end(&self) {
        let mut ended = std::collections::HashSet::new();
        for event in self.events() {
            match event {
                Event::Polled(id) => {
                    assert!(
                        !ended.contains(&id),
                        "branch {id} polled after its end: {self:?}"
                    );
                }
                Event::Completed(id) => {
                    assert!(!ended.contains(&id), "branch {id} completed twice");
                }
                Event::Cancelled(id) | Event::Released(id) => {
                    assert!(
                        ended.insert(id) || matches!(event, Event::Released(_)),
                        "branch {id} dropped twice"
                    );
                }
            }
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[derive(Debug)]
struct RemoteState<T> {
    value: Option<T>,
    /// The waker of the latest poll.
    waker: Option<Waker>,
    polls: usize,
    completed: bool,
    dropped: bool,
    /// Call `wake_by_ref` on the poll's waker before returning `Pending`,
    /// this many more times.
    self_wakes: usize,
    /// Clone the poll's waker this many times, wake through every clone from
    /// another thread, then drop the clones.
    clone_storm: usize,
    /// Wake the latest waker (by reference, by a clone, and from another
    /// thread) while being dropped.
    wake_on_drop: bool,
}

/// The test's side of a [`Remote`] branch: completes it, wakes it, and tells
/// what happened to it.
#[derive(Debug)]
pub(crate) struct Switch<T> {
    id: usize,
    state: Arc<Mutex<RemoteState<T>>>,
}

impl<T> Clone for Switch<T> {
    fn clone(&self) -> Self {
        Switch {
            id: self.id,
            state: Arc::clone(&self.state),
        }
    }
}

/// A branch that completes when its [`Switch`] says so, waking the waker of
/// its latest poll (from whatever thread calls the switch). It logs every
/// poll and its drop, and panics if polled after it completed.
#[derive(Debug)]
pub(crate) struct Remote<T> {
    id: usize,
    state: Arc<Mutex<RemoteState<T>>>,
    log: Log,
    done: bool,
}

/// A branch numbered `id` and its switch.
pub(crate) fn remote<T>(id: usize, log: &Log) -> (Remote<T>, Switch<T>) {
    let state = Arc::new(Mutex::new(RemoteState {
        value: None,
        waker: None,
        polls: 0,
        completed: false,
        dropped: false,
        self_wakes: 0,
        clone_storm: 0,
        wake_on_drop: false,
    }));
    (
        Remote {
            id,
            state: Arc::clone(&state),
            log: log.clone(),
            done: false,
        },
        Switch { id, state },
    )
}

/// `n` branches numbered `0..n` and their switches.
pub(crate) fn remotes<T>(n: usize, log: &Log) -> (Vec<Remote<T>>, Vec<Switch<T>>) {
    remotes_from(0, n, log)
}

/// `n` branches numbered `first..first + n` and their switches.
pub(crate) fn remotes_from<T>(
    first: usize,
    n: usize,
    log: &Log,
) -> (Vec<Remote<T>>, Vec<Switch<T>>) {
    (first..first + n).map(|id| remote(id, log)).unzip()
}

impl<T> Switch<T> {
    pub(crate) fn id(&self) -> usize {
        self.id
    }

    /// Gives the branch its output and wakes its latest waker. `false` (and
    /// nothing done) if the branch was dropped or already has an output.
    pub(crate) fn complete(&self, value: T) -> bool {
        let waker = {
            let mut state = lock(&self.state);
            if state.dropped || state.completed || state.value.is_some() {
                return false;
            }
            state.value = Some(value);
            state.waker.clone()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
        true
    }

    /// Wakes the latest waker without giving an output: a spurious wake.
    /// `false` if the branch was never polled.
    pub(crate) fn wake(&self) -> bool {
        let waker = lock(&self.state).waker.clone();
        waker.map(Waker::wake).is_some()
    }

    /// The waker of the branch's latest poll, even after the branch is gone.
    pub(crate) fn waker(&self) -> Option<Waker> {
        lock(&self.state).waker.clone()
    }

    /// Makes the next polls wake their own waker before returning `Pending`.
    pub(crate) fn self_wake(&self, times: usize) {
        lock(&self.state).self_wakes = times;
    }

    /// Makes the next poll clone its waker `clones` times and wake through
    /// every clone from another thread.
    pub(crate) fn clone_storm(&self, clones: usize) {
        lock(&self.state).clone_storm = clones;
    }

    /// Makes the branch wake its latest waker while it is being dropped.
    pub(crate) fn wake_on_drop(&self) {
        lock(&self.state).wake_on_drop = true;
    }

    pub(crate) fn polls(&self) -> usize {
        lock(&self.state).polls
    }

    pub(crate) fn was_polled(&self) -> bool {
        self.polls() > 0
    }

    pub(crate) fn is_completed(&self) -> bool {
        lock(&self.state).completed
    }

    pub(crate) fn is_dropped(&self) -> bool {
        lock(&self.state).dropped
    }

    /// Dropped without having completed.
    pub(crate) fn is_cancelled(&self) -> bool {
        let state = lock(&self.state);
        state.dropped && !state.completed
    }

    /// Completed or dropped: the combinator is done with it.
    pub(crate) fn is_over(&self) -> bool {
        let state = lock(&self.state);
        state.dropped || state.completed
    }

    /// Whether it has an output the combinator has not taken yet.
    pub(crate) fn has_output_waiting(&self) -> bool {
        let state = lock(&self.state);
        state.value.is_some() && !state.dropped
    }
}

impl<T> Future for Remote<T> {
    type Output = T;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        let id = self.id;
        assert!(!self.done, "branch {id} polled after it completed");
        self.log.push(Event::Polled(id));
        let (self_wake, storm) = {
            let mut state = lock(&self.state);
            state.polls += 1;
            if let Some(value) = state.value.take() {
                // The waker is kept, so that a test can wake it after the end.
                state.completed = true;
                drop(state);
                self.done = true;
                self.log.push(Event::Completed(id));
                return Poll::Ready(value);
            }
            // Always the latest waker, as a well-behaved future does.
            state.waker = Some(cx.waker().clone());
            let self_wake = state.self_wakes > 0;
            state.self_wakes = state.self_wakes.saturating_sub(1);
            (self_wake, std::mem::take(&mut state.clone_storm))
        };
        if storm > 0 {
            let clones: Vec<Waker> = (0..storm).map(|_| cx.waker().clone()).collect();
            std::thread::spawn(move || {
                for waker in clones {
                    waker.wake();
                }
            })
            .join()
            .expect("the waking thread");
        }
        if self_wake {
            // A wake before `Pending` is returned.
            cx.waker().wake_by_ref();
        }
        Poll::Pending
    }
}

impl<T> Drop for Remote<T> {
    fn drop(&mut self) {
        let (completed, waker) = {
            let mut state = lock(&self.state);
            state.dropped = true;
            let waker = state.wake_on_drop.then(|| state.waker.clone()).flatten();
            (state.completed, waker)
        };
        if let Some(waker) = waker {
            // Wakes from inside the combinator's cancellation (or its own drop).
            waker.wake_by_ref();
            let clone = waker.clone();
            clone.wake();
            std::thread::spawn(move || waker.wake())
                .join()
                .expect("the waking thread");
        }
        self.log.push(if completed {
            Event::Released(self.id)
        } else {
            Event::Cancelled(self.id)
        });
    }
}

// ------------------------------------------------------------------ executor

/// A waker that records its wakes and lets a thread wait for one.
#[derive(Debug, Default)]
pub(crate) struct Flag {
    woken: Mutex<bool>,
    ready: Condvar,
    wakes: AtomicUsize,
}

impl Flag {
    pub(crate) fn new() -> Arc<Self> {
        Arc::default()
    }

    /// Whether woken since the last [`take`](Flag::take).
    pub(crate) fn is_woken(&self) -> bool {
        *lock(&self.woken)
    }

    /// Clears the flag, telling whether it was set.
    pub(crate) fn take(&self) -> bool {
        std::mem::take(&mut *lock(&self.woken))
    }

    /// Every wake so far.
    pub(crate) fn wakes(&self) -> usize {
        self.wakes.load(Ordering::SeqCst)
    }

    /// Waits until woken (and clears the flag); `false` after `timeout`.
    pub(crate) fn wait(&self, timeout: Duration) -> bool {
        let end = Instant::now() + timeout;
        let mut woken = lock(&self.woken);
        while !*woken {
            let left = end.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            woken = self
                .ready
                .wait_timeout(woken, left)
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .0;
        }
        *woken = false;
        true
    }
}

impl Wake for Flag {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.wakes.fetch_add(1, Ordering::SeqCst);
        *lock(&self.woken) = true;
        self.ready.notify_all();
    }
}

/// How the [`Exec`] treats the future it drives.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Policy {
    /// A new waker for every poll; the executor then waits on the newest
    /// only, so a combinator that wakes a stale waker is caught.
    pub(crate) fresh_waker_each_poll: bool,
    /// Polls this many more times after each poll, unwoken.
    pub(crate) spurious_polls: usize,
}

/// A hand-written executor for one future, polled by the test.
pub(crate) struct Exec<F: Future> {
    future: Pin<Box<F>>,
    policy: Policy,
    /// The waker of the latest poll.
    flag: Arc<Flag>,
    /// Every waker handed out so far (the latest last).
    pub(crate) flags: Vec<Arc<Flag>>,
    polls: usize,
    finished: bool,
}

impl<F: Future> fmt::Debug for Exec<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Exec")
            .field("polls", &self.polls)
            .field("finished", &self.finished)
            .finish_non_exhaustive()
    }
}

impl<F: Future> Exec<F> {
    pub(crate) fn new(future: F, policy: Policy) -> Self {
        let flag = Flag::new();
        Exec {
            future: Box::pin(future),
            policy,
            flags: vec![Arc::clone(&flag)],
            flag,
            polls: 0,
            finished: false,
        }
    }

    /// The flag of the waker the executor now waits on.
    pub(crate) fn flag(&self) -> &Arc<Flag> {
        &self.flag
    }

    pub(crate) fn polls(&self) -> usize {
        self.polls
    }

    pub(crate) fn is_finished(&self) -> bool {
        self.finished
    }

    /// Polls once (plus the policy's spurious polls, while pending).
    pub(crate) fn poll(&mut self) -> Poll<F::Output> {
        assert!(!self.finished, "the test polled a finished future");
        for round in 0..=self.policy.spurious_polls {
            if self.policy.fresh_waker_each_poll && self.polls > 0 {
                self.flag = Flag::new();
                self.flags.push(Arc::clone(&self.flag));
            }
            self.flag.take();
            let waker = Waker::from(Arc::clone(&self.flag));
            self.polls += 1;
            if let Poll::Ready(output) = self.future.as_mut().poll(&mut Context::from_waker(&waker))
            {
                self.finished = true;
                return Poll::Ready(output);
            }
            let _ = round;
        }
        Poll::Pending
    }

    /// Polls if woken since the last poll; `None` if not woken.
    pub(crate) fn poll_if_woken(&mut self) -> Option<Poll<F::Output>> {
        self.flag.is_woken().then(|| self.poll())
    }

    /// Polls until ready, waiting for a wake between polls; panics naming
    /// a lost wake if none comes within [`LOST_WAKE`].
    pub(crate) fn run(&mut self) -> F::Output {
        loop {
            if let Poll::Ready(output) = self.poll() {
                return output;
            }
            assert!(
                self.flag.wait(LOST_WAKE),
                "lost wake: pending, and the latest waker was not woken within {LOST_WAKE:?} \
                 (after {} polls; stale wakers woken {} times)",
                self.polls,
                self.stale_wakes(),
            );
        }
    }

    /// Wakes of wakers older than the latest one.
    pub(crate) fn stale_wakes(&self) -> usize {
        self.flags[..self.flags.len() - 1]
            .iter()
            .map(|flag| flag.wakes())
            .sum()
    }

    /// Gives the future back, to drop it mid-flight.
    pub(crate) fn into_future(self) -> Pin<Box<F>> {
        self.future
    }
}

// ------------------------------------------------------------------- targets

/// The value every test branch outputs.
pub(crate) type Out = Result<u32, u32>;

/// A combinator under test, over [`Remote`] branches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Target {
    ParallelMacro,
    SettledMacro,
    RaceMacro,
    FirstOkMacro,
    Parallel,
    Settled,
    Race,
    FirstOk,
    /// `parallel(..).limit(n)`.
    ParallelLimit(usize),
    /// `settled(..).limit(n)`.
    SettledLimit(usize),
}

/// The macros build over exactly this many branches.
pub(crate) const MACRO_ARITY: usize = 12;

/// Every combinator, the `.limit` ones at `limit`.
pub(crate) fn targets(limit: usize) -> [Target; 10] {
    [
        Target::ParallelMacro,
        Target::SettledMacro,
        Target::RaceMacro,
        Target::FirstOkMacro,
        Target::Parallel,
        Target::Settled,
        Target::Race,
        Target::FirstOk,
        Target::ParallelLimit(limit),
        Target::SettledLimit(limit),
    ]
}

/// The output of any target, normalized.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// `parallel`: every value in order, or the error that arrived first.
    All(Result<Vec<u32>, u32>),
    /// `settled`: every output in order.
    Settled(Vec<Out>),
    /// `race`: the first output.
    Race(Out),
    /// `first_ok`: the first `Ok`, or every error in order.
    FirstOk(Result<u32, Vec<u32>>),
}

/// A boxed combinator.
pub(crate) type Joined = Pin<Box<dyn Future<Output = Outcome> + Send>>;

impl Target {
    pub(crate) fn is_macro(self) -> bool {
        matches!(
            self,
            Target::ParallelMacro | Target::SettledMacro | Target::RaceMacro | Target::FirstOkMacro
        )
    }

    /// Whether the combinator stops early (and so cancels) at all.
    pub(crate) fn short_circuits(self) -> bool {
        !matches!(
            self,
            Target::SettledMacro | Target::Settled | Target::SettledLimit(_)
        )
    }

    /// How many branches it builds over: any number for the functions,
    /// [`MACRO_ARITY`] for the macros.
    pub(crate) fn arity(self, wanted: usize) -> usize {
        if self.is_macro() { MACRO_ARITY } else { wanted }
    }

    /// The combinator over `branches` (exactly [`MACRO_ARITY`] for a macro).
    pub(crate) fn build(self, branches: Vec<Remote<Out>>) -> Joined {
        use orchestrate::{first_ok, parallel, race, settled};
        if self.is_macro() {
            let Ok([b0, b1, b2, b3, b4, b5, b6, b7, b8, b9, b10, b11]) =
                <[Remote<Out>; MACRO_ARITY]>::try_from(branches)
            else {
                panic!("the macros take exactly {MACRO_ARITY} branches here");
            };
            return match self {
                Target::ParallelMacro => kept_alive(
                    parallel!(b0, b1, b2, b3, b4, b5, b6, b7, b8, b9, b10, b11),
                    |all| {
                        Outcome::All(all.map(|t| {
                            vec![t.0, t.1, t.2, t.3, t.4, t.5, t.6, t.7, t.8, t.9, t.10, t.11]
                        }))
                    },
                ),
                Target::SettledMacro => kept_alive(
                    settled!(b0, b1, b2, b3, b4, b5, b6, b7, b8, b9, b10, b11),
                    |t| {
                        Outcome::Settled(vec![
                            t.0, t.1, t.2, t.3, t.4, t.5, t.6, t.7, t.8, t.9, t.10, t.11,
                        ])
                    },
                ),
                Target::RaceMacro => kept_alive(
                    race!(b0, b1, b2, b3, b4, b5, b6, b7, b8, b9, b10, b11),
                    Outcome::Race,
                ),
                Target::FirstOkMacro => kept_alive(
                    first_ok!(b0, b1, b2, b3, b4, b5, b6, b7, b8, b9, b10, b11),
                    |any| Outcome::FirstOk(any.map_err(orchestrate::AllFailed::into_errors)),
                ),
                _ => unreachable!(),
            };
        }
        match self {
            Target::Parallel => kept_alive(parallel(branches), Outcome::All),
            Target::ParallelLimit(n) => kept_alive(parallel(branches).limit(n), Outcome::All),
            Target::Settled => kept_alive(settled(branches), Outcome::Settled),
            Target::SettledLimit(n) => kept_alive(settled(branches).limit(n), Outcome::Settled),
            Target::Race => kept_alive(race(branches), Outcome::Race),
            Target::FirstOk => kept_alive(first_ok(branches), |any| {
                Outcome::FirstOk(any.map_err(orchestrate::AllFailed::into_errors))
            }),
            _ => unreachable!(),
        }
    }

    /// Whether the combinator, having received `arrived` (outputs in arrival
    /// order), must have completed.
    pub(crate) fn is_decided(self, n: usize, arrived: &[(usize, Out)]) -> bool {
        match self {
            Target::ParallelMacro | Target::Parallel | Target::ParallelLimit(_) => {
                arrived.len() == n || arrived.iter().any(|(_, out)| out.is_err())
            }
            Target::SettledMacro | Target::Settled | Target::SettledLimit(_) => arrived.len() == n,
            Target::RaceMacro | Target::Race => !arrived.is_empty(),
            Target::FirstOkMacro | Target::FirstOk => {
                arrived.len() == n || arrived.iter().any(|(_, out)| out.is_ok())
            }
        }
    }

    /// What the combinator must output, given every output it received, in
    /// the order it received them (by the branches' logs), and each branch's
    /// output by index.
    pub(crate) fn expected(self, outputs: &[Out], arrivals: &[usize]) -> Outcome {
        let arrived = || arrivals.iter().map(|&i| (i, outputs[i]));
        match self {
            Target::ParallelMacro | Target::Parallel | Target::ParallelLimit(_) => {
                Outcome::All(match arrived().find_map(|(_, out)| out.err()) {
                    Some(error) => Err(error),
                    None => Ok(outputs.iter().map(|out| out.expect("all ok")).collect()),
                })
            }
            Target::SettledMacro | Target::Settled | Target::SettledLimit(_) => {
                Outcome::Settled(outputs.to_vec())
            }
            Target::RaceMacro | Target::Race => {
                Outcome::Race(outputs[*arrivals.first().expect("a winner arrived")])
            }
            Target::FirstOkMacro | Target::FirstOk => {
                Outcome::FirstOk(match arrived().find_map(|(_, out)| out.ok()) {
                    Some(value) => Ok(value),
                    None => Err(outputs
                        .iter()
                        .map(|out| out.expect_err("all failed"))
                        .collect()),
                })
            }
        }
    }
}

/// `future` with its output mapped by `map`, boxed. Unlike an `async` block
/// that awaits it, this keeps the combinator alive after it returned `Ready`
/// (until the [`Joined`] is dropped), so a test that looks at the branches
/// then sees what the combinator itself dropped before completing.
fn kept_alive<F, G>(future: F, map: G) -> Joined
where
    F: Future + Send + 'static,
    G: FnOnce(F::Output) -> Outcome + Send + Unpin + 'static,
{
    Box::pin(KeptAlive {
        future: Box::pin(future),
        map: Some(map),
    })
}

struct KeptAlive<F, G> {
    future: Pin<Box<F>>,
    map: Option<G>,
}

impl<F, G> Future for KeptAlive<F, G>
where
    F: Future,
    G: FnOnce(F::Output) -> Outcome + Unpin,
{
    type Output = Outcome;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Outcome> {
        let output = std::task::ready!(self.future.as_mut().poll(cx));
        let map = self
            .map
            .take()
            .expect("the test polled a finished combinator");
        Poll::Ready(map(output))
    }
}

/// Whether every switch says its branch is over (completed or dropped).
pub(crate) fn all_over<T>(switches: &[Switch<T>]) -> bool {
    switches.iter().all(Switch::is_over)
}

/// Counts the switches whose branch was cancelled.
pub(crate) fn cancelled<T>(switches: &[Switch<T>]) -> usize {
    switches.iter().filter(|s| s.is_cancelled()).count()
}

/// A flag set once, readable from anywhere.
#[derive(Debug, Default, Clone)]
pub(crate) struct Once(Arc<AtomicBool>);

impl Once {
    pub(crate) fn set(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    pub(crate) fn is_set(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}
