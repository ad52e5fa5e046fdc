//! Model-checks of the time-stamp counter's measure with loom: a measure is
//! published by several atomics (the scale, where it starts, its window), so
//! a reader racing a measure must get no reading or the reading of one whole
//! measure, and two measures at once must leave one whole. Run with
//! `RUSTFLAGS="--cfg loom" cargo test -p orchestrate-core --release --lib loom`.

use std::time::Duration;

use loom::sync::Arc;
use loom::thread;

use super::tsc::{Measure, scaled};

/// A made-up 1 GHz counter that read `START` at the epoch.
const START: u64 = 1_000;
/// Measure A, 1 s after the epoch: one nanosecond per tick.
const A_AT: u64 = START + 1_000_000_000;
/// Measure B, 2 s after the epoch: the clock 0.05 % faster than A says (a
/// change a measure may make).
const B_AT: u64 = START + 2_000_000_000;
const B_ELAPSED: Duration = Duration::from_nanos(2_001_000_000);

fn measure_a(measure: &Measure) {
    measure.measured(START, A_AT, A_AT, Duration::from_secs(1));
}

fn measure_b(measure: &Measure) {
    measure.measured(START, B_AT, B_AT, B_ELAPSED);
}

/// What A and B read at `ticks`.
fn by_a(ticks: u64) -> i64 {
    i64::try_from(ticks - START).unwrap()
}

fn by_b(ticks: u64) -> i64 {
    let scale = super::tsc::scale_of(B_ELAPSED, B_AT - START).unwrap();
    scaled(ticks - START, scale)
}

#[test]
fn loom_a_reader_racing_the_first_measure_reads_nothing_or_all_of_it() {
    loom::model(|| {
        let measure = Arc::new(Measure::new());
        let writer = {
            let measure = Arc::clone(&measure);
            thread::spawn(move || measure_a(&measure))
        };
        let at = A_AT + 500;
        let read = measure.nanos(at);
        assert!(read.is_none() || read == Some(by_a(at)), "{read:?}");
        writer.join().unwrap();
        assert_eq!(measure.nanos(at), Some(by_a(at)));
    });
}

#[test]
fn loom_a_reader_racing_a_new_measure_reads_one_whole_measure() {
    loom::model(|| {
        let measure = Arc::new(Measure::new());
        measure_a(&measure);
        let writer = {
            let measure = Arc::clone(&measure);
            thread::spawn(move || measure_b(&measure))
        };
        // In A's window, then in B's.
        let (in_a, in_b) = (A_AT + 500, B_AT + 500);
        let read = measure.nanos(in_a);
        assert!(
            [None, Some(by_a(in_a)), Some(by_b(in_a))].contains(&read),
            "{read:?}"
        );
        let read = measure.nanos(in_b);
        assert!([None, Some(by_b(in_b))].contains(&read), "{read:?}");
        writer.join().unwrap();
        assert_eq!(measure.nanos(in_b), Some(by_b(in_b)));
    });
}

#[test]
fn loom_two_measures_at_once_leave_one_whole() {
    loom::model(|| {
        let measure = Arc::new(Measure::new());
        let other = {
            let measure = Arc::clone(&measure);
            thread::spawn(move || measure_b(&measure))
        };
        measure_a(&measure);
        other.join().unwrap();
        let (in_a, in_b) = (A_AT + 500, B_AT + 500);
        let reads = (measure.nanos(in_a), measure.nanos(in_b));
        assert!(
            reads == (Some(by_a(in_a)), None) || reads == (None, Some(by_b(in_b))),
            "{reads:?}"
        );
    });
}
