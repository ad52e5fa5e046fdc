//! Wakes of a `Timeout` in adversarial orders, under the hand-written
//! executor of `tests/wakes.rs`: the latest waker is woken when the timer
//! fires or the future completes from another thread; spurious polls and
//! wakes neither fire it nor lose its output; a late wake after it fired
//! polls nothing.

use std::sync::Arc;
use std::task::Poll;
use std::thread;
use std::time::{Duration, Instant};

use orchestrate::{Elapsed, timeout};
use support::{Exec, LOST_WAKE, Log, Policy, Remote, Switch, remote};

/// A timeout over a [`Remote`] branch.
fn limited(limit: Duration) -> (Log, Switch<u32>, Exec<orchestrate::Timeout<Remote<u32>>>) {
    let log = Log::new();
    let (branch, switch) = remote(0, &log);
    let policy = Policy {
        fresh_waker_each_poll: true,
        spurious_polls: 0,
    };
    (log, switch, Exec::new(timeout(limit, branch), policy))
}

#[test]
fn timeout_wakes_the_latest_waker_when_its_timer_fires() {
    let (log, switch, mut exec) = limited(Duration::from_millis(30));
    let start = Instant::now();
    for _ in 0..3 {
        assert!(exec.poll().is_pending());
    }
    let first = Arc::clone(&exec.flags[0]);
    assert_eq!(exec.run(), Err(Elapsed::new(Duration::from_millis(30))));
    assert!(start.elapsed() >= Duration::from_millis(30));
    assert_eq!(first.wakes(), 0, "the timer woke a stale waker");
    assert!(switch.is_cancelled());
    log.assert_no_poll_after_the_end();
}

#[test]
fn timeout_wakes_the_latest_waker_when_its_future_completes_from_another_thread() {
    let (log, switch, mut exec) = limited(Duration::from_secs(60));
    for _ in 0..3 {
        assert!(exec.poll().is_pending());
    }
    let first = Arc::clone(&exec.flags[0]);
    let remote_switch = switch.clone();
    thread::spawn(move || remote_switch.complete(7))
        .join()
        .unwrap();
    assert_eq!(exec.run(), Ok(7));
    assert_eq!(first.wakes(), 0);
    assert!(switch.is_completed());
    log.assert_no_poll_after_the_end();
}

#[test]
fn timeout_spurious_polls_and_wakes_neither_fire_it_nor_lose_the_output() {
    let (log, switch, mut exec) = limited(Duration::from_secs(60));
    switch.self_wake(5);
    switch.clone_storm(1000);
    for _ in 0..20 {
        assert!(exec.poll().is_pending());
        switch.wake();
    }
    assert!(switch.complete(3));
    assert_eq!(exec.run(), Ok(3));
    let flags = exec.flags.clone();
    drop(exec);
    // Wakes after the end are harmless.
    assert!(switch.wake());
    drop(switch);
    // The timer backend may hold its clone until its thread has seen the
    // timer dropped; it must let go soon after.
    let start = Instant::now();
    while !flags.iter().all(|f| Arc::strong_count(f) == 1) {
        assert!(start.elapsed() < LOST_WAKE, "a waker clone leaked");
        thread::sleep(Duration::from_millis(1));
    }
    log.assert_no_poll_after_the_end();
}

#[test]
fn timeout_polled_after_it_fired_by_a_late_wake_is_not_repolled() {
    // The inner future's waker fires after the timeout expired and dropped it.
    let (log, switch, mut exec) = limited(Duration::ZERO);
    assert_eq!(exec.poll(), Poll::Ready(Err(Elapsed::new(Duration::ZERO))));
    assert!(switch.is_cancelled());
    assert!(switch.wake(), "the waker is kept past the end");
    assert!(!switch.complete(1), "a dropped branch takes no output");
    log.assert_no_poll_after_the_end();
}
