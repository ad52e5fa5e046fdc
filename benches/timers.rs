//! What a pending timeout costs on each timer backend: arm the timer (the
//! inner future is pending at its first poll), poll once, drop it (which
//! cancels the timer). The ready case is the baseline: it arms nothing.
//!
//! Run: `cargo bench --bench timers` in `benches/`. Each backend but the default is
//! measured inside its `with_timer` scope, whose cost (two thread-local
//! swaps per poll) is included.

use std::future::{Future, pending, poll_fn};
use std::hint::black_box;
use std::pin::{Pin, pin};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use orchestrate::testing::VirtualClock;
use orchestrate::timer::{AsyncIoTimer, FuturesTimer, TimerBackend, TokioTimer, with_timer};
use orchestrate::{Deadline, timeout};

const LIMIT: Duration = Duration::from_secs(30);

/// One pending timeout: armed at its first poll, dropped after it.
fn pending_timeout(cx: &mut Context<'_>) {
    let mut limited = pin!(timeout(LIMIT, pending::<()>()));
    let _ = black_box(limited.as_mut().poll(cx));
}

/// A future that runs one pending timeout per poll, never completing.
fn each_poll() -> impl Future<Output = ()> {
    poll_fn(|cx| {
        pending_timeout(cx);
        Poll::Pending
    })
}

fn in_scope<B: TimerBackend>(c: &mut Criterion, name: &str, backend: B) {
    let mut cx = Context::from_waker(Waker::noop());
    let mut scoped = pin!(with_timer(backend, each_poll()));
    c.bench_function(&format!("pending timeout/{name}"), |b| {
        b.iter(|| black_box(Pin::as_mut(&mut scoped).poll(&mut cx)));
    });
}

fn timers(c: &mut Criterion) {
    let mut cx = Context::from_waker(Waker::noop());

    c.bench_function("ready timeout (baseline, arms nothing)", |b| {
        b.iter(|| {
            let limited = pin!(timeout(LIMIT, async { black_box(1) }));
            black_box(limited.poll(&mut cx))
        });
    });

    c.bench_function("pending timeout/futures-timer (default, no scope)", |b| {
        b.iter(|| pending_timeout(&mut cx));
    });
    in_scope(c, "futures-timer (with_timer)", FuturesTimer);

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("a tokio runtime");
    {
        let _inside = runtime.enter();
        in_scope(c, "tokio", TokioTimer);
    }

    in_scope(c, "async-io", AsyncIoTimer);
    in_scope(c, "virtual clock", VirtualClock::new());

    // A timeout under a deadline in scope: one more clock read to compare.
    let deadline = Deadline::after(Duration::from_hours(1));
    let mut under = pin!(deadline.run(each_poll()));
    c.bench_function("pending timeout/futures-timer under a Deadline", |b| {
        b.iter(|| black_box(Pin::as_mut(&mut under).poll(&mut cx)));
    });
}

criterion_group!(benches, timers);
criterion_main!(benches);
