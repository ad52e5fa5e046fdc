//! The default backend's timers, coalesced: the timers a thread arms for the
//! same millisecond share one futures-timer `Delay`.
//!
//! A `Delay` per timer costs a heap node (an `Arc`) and two wake-ups of
//! futures-timer's helper thread, one to arm and one to cancel: most of what
//! a timeout that never fires costs. Here arming joins the slot of its
//! millisecond (made, with its one `Delay`, by the first timer of that
//! millisecond) and cancelling leaves it, each under an uncontended lock.
//! A timer fires at the end of its millisecond: never early, at most 1 ms
//! late, as tokio's timers.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::task::{Context, Poll, Wake, Waker};
use std::time::{Duration, Instant};

use futures_timer::Delay;

/// A timer of the default backend: a place in the slot of its millisecond.
pub(super) struct Coalesced {
    slot: Arc<Slot>,
    index: usize,
}

impl Coalesced {
    /// A timer that fires at the end of the millisecond `at` falls in.
    pub(super) fn at(at: Instant) -> Self {
        let slot = match tick_of(at) {
            Some(tick) => CURRENT
                .try_with(|current| current.borrow_mut().slot_for(tick))
                // Armed in a thread-local's destructor: a slot of its own.
                .unwrap_or_else(|_| Slot::new(tick.1, false)),
            // Beyond the clock's range: a slot of its own.
            None => Slot::new(at, false),
        };
        let index = slot.lock().join();
        Coalesced { slot, index }
    }
}

impl Future for Coalesced {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut state = self.slot.lock();
        if state.fired {
            return Poll::Ready(());
        }
        match &mut state.waiters[self.index] {
            Waiter::Waiting(Some(waker)) if waker.will_wake(cx.waker()) => {}
            waiter => *waiter = Waiter::Waiting(Some(cx.waker().clone())),
        }
        Poll::Pending
    }
}

impl Drop for Coalesced {
    fn drop(&mut self) {
        let idle_delay = self.slot.lock().leave(self.index);
        // Dropped outside the lock: it pushes to futures-timer's list.
        drop(idle_delay);
    }
}

/// One millisecond's timers (of one thread).
struct Slot {
    state: Mutex<State>,
}

struct State {
    fired: bool,
    /// The one futures-timer `Delay`, polled once with this slot as its
    /// waker; dropped when it fires, or when no timer may join any more.
    delay: Option<Delay>,
    waiters: Vec<Waiter>,
    vacant: Vec<usize>,
    joined: usize,
    /// Whether its thread may still add timers to it.
    current: bool,
}

enum Waiter {
    Vacant,
    Waiting(Option<Waker>),
}

impl Slot {
    fn new(at: Instant, current: bool) -> Arc<Slot> {
        let slot = Arc::new(Slot {
            state: Mutex::new(State {
                fired: false,
                delay: None,
                waiters: Vec::new(),
                vacant: Vec::new(),
                joined: 0,
                current,
            }),
        });
        let mut delay = Delay::new(at.saturating_duration_since(Instant::now()));
        let waker = Waker::from(Arc::clone(&slot));
        // Registers the slot's waker; a `Delay` is never ready at its first
        // poll (the helper thread has not seen it yet), but if it were, the
        // slot has fired.
        let fired = Pin::new(&mut delay)
            .poll(&mut Context::from_waker(&waker))
            .is_ready();
        let mut state = slot.lock();
        // The helper thread may have fired it already, between the poll and
        // this lock: then the `Delay` is dropped here.
        state.fired |= fired;
        let spent = if state.fired {
            Some(delay)
        } else {
            state.delay.replace(delay)
        };
        drop(state);
        drop(spent);
        slot
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // No code under this lock can panic midway (no user code runs in it).
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Wakes every timer of the slot; futures-timer wakes a `Delay` only
    /// when it fires (or when its helper thread is gone, which never fires).
    fn fire(&self) {
        let mut state = self.lock();
        state.fired = true;
        let delay = state.delay.take();
        let waiters = std::mem::take(&mut state.waiters);
        state.vacant.clear();
        drop(state);
        drop(delay);
        for waiter in waiters {
            if let Waiter::Waiting(Some(waker)) = waiter {
                waker.wake();
            }
        }
    }
}

impl Wake for Slot {
    fn wake(self: Arc<Self>) {
        self.fire();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.fire();
    }
}

impl State {
    fn join(&mut self) -> usize {
        self.joined += 1;
        if self.fired {
            return usize::MAX;
        }
        if let Some(index) = self.vacant.pop() {
            self.waiters[index] = Waiter::Waiting(None);
            index
        } else {
            self.waiters.push(Waiter::Waiting(None));
            self.waiters.len() - 1
        }
    }

    /// Leaves the slot; its `Delay` when no timer is in it and none may join.
    fn leave(&mut self, index: usize) -> Option<Delay> {
        self.joined -= 1;
        if !self.fired {
            self.waiters[index] = Waiter::Vacant;
            self.vacant.push(index);
        }
        self.idle_delay()
    }

    fn idle_delay(&mut self) -> Option<Delay> {
        if self.joined == 0 && !self.current {
            self.delay.take()
        } else {
            None
        }
    }
}

/// The tick `at` falls in (milliseconds since the process's first timer,
/// rounded up), and the instant it ends.
fn tick_of(at: Instant) -> Option<(u64, Instant)> {
    let epoch = epoch();
    let since = at.saturating_duration_since(epoch);
    let millis = since
        .as_secs()
        .checked_mul(1000)?
        .checked_add(u64::from(since.subsec_nanos().div_ceil(1_000_000)))?;
    Some((millis, epoch.checked_add(Duration::from_millis(millis))?))
}

fn epoch() -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
}

/// The slot this thread arms new timers in: timers armed one after another
/// for the same millisecond (a loop of timeouts) share it.
struct Current {
    slot: Option<(u64, Arc<Slot>)>,
}

thread_local! {
    static CURRENT: RefCell<Current> = const { RefCell::new(Current { slot: None }) };
}

impl Current {
    fn slot_for(&mut self, (tick, end): (u64, Instant)) -> Arc<Slot> {
        if let Some((current, slot)) = &self.slot
            && *current == tick
            && !slot.lock().fired
        {
            return Arc::clone(slot);
        }
        let slot = Slot::new(end, true);
        self.retire();
        self.slot = Some((tick, Arc::clone(&slot)));
        slot
    }

    /// No timer joins the current slot any more: its `Delay` goes with its
    /// last timer.
    fn retire(&mut self) {
        if let Some((_, slot)) = self.slot.take() {
            let idle_delay = {
                let mut state = slot.lock();
                state.current = false;
                state.idle_delay()
            };
            drop(idle_delay);
        }
    }
}

impl Drop for Current {
    fn drop(&mut self) {
        self.retire();
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use futures::executor::block_on;

    fn delay_of(timer: &Coalesced) -> bool {
        timer.slot.lock().delay.is_some()
    }

    #[test]
    fn fires_at_the_end_of_its_millisecond_never_before() {
        let start = Instant::now();
        let at = start + Duration::from_millis(20);
        block_on(Coalesced::at(at));
        let (_, end) = tick_of(at).unwrap();
        let now = Instant::now();
        assert!(now >= at && now >= end, "fired {:?} early", end - now);
    }

    #[test]
    fn timers_of_one_millisecond_share_a_slot_and_all_fire() {
        let at = Instant::now() + Duration::from_millis(10);
        let timers: Vec<_> = (0..5).map(|_| Coalesced::at(at)).collect();
        assert!(timers.iter().all(|t| Arc::ptr_eq(&t.slot, &timers[0].slot)));
        block_on(futures::future::join_all(timers));
        assert!(Instant::now() >= at);
    }

    #[test]
    fn another_millisecond_takes_a_new_slot() {
        let now = Instant::now();
        let a = Coalesced::at(now + Duration::from_millis(50));
        let b = Coalesced::at(now + Duration::from_millis(60));
        assert!(!Arc::ptr_eq(&a.slot, &b.slot));
        // The first is no longer current; its `Delay` stays for its timer.
        assert!(delay_of(&a) && delay_of(&b));
    }

    #[test]
    fn a_cancelled_timer_leaves_its_place_to_the_next() {
        let at = Instant::now() + Duration::from_millis(30);
        let first = Coalesced::at(at);
        let slot = Arc::clone(&first.slot);
        drop(first);
        // The slot is still current: its `Delay` waits for the next timer.
        assert!(slot.lock().delay.is_some());
        let second = Coalesced::at(at);
        assert!(Arc::ptr_eq(&slot, &second.slot));
        assert_eq!(second.index, 0, "the vacant place is reused");
        block_on(second);
    }

    #[test]
    fn an_idle_slot_no_longer_current_gives_its_delay_back() {
        let now = Instant::now();
        let old = Coalesced::at(now + Duration::from_secs(60));
        let slot = Arc::clone(&old.slot);
        let _new = Coalesced::at(now + Duration::from_secs(70));
        assert!(slot.lock().delay.is_some(), "kept for its timer");
        drop(old);
        assert!(slot.lock().delay.is_none(), "released with its last timer");
    }

    #[test]
    fn a_timer_moved_to_another_thread_still_fires() {
        let timer = Coalesced::at(Instant::now() + Duration::from_millis(10));
        std::thread::spawn(move || block_on(timer)).join().unwrap();
    }

    #[test]
    fn a_timer_in_the_past_fires_at_once() {
        let timer = Coalesced::at(
            Instant::now()
                .checked_sub(Duration::from_secs(1))
                .unwrap_or_else(Instant::now),
        );
        block_on(timer);
    }

    #[test]
    fn a_timer_past_the_clock_range_never_panics() {
        let far = Instant::now() + Duration::from_secs(u64::from(u32::MAX) * 1000);
        let mut timer = Coalesced::at(far);
        let waker = Waker::noop();
        assert!(
            Pin::new(&mut timer)
                .poll(&mut Context::from_waker(waker))
                .is_pending()
        );
    }
}
