// Bad counts and rates in a `static` breaker or hedge are compile errors.
use std::time::Duration;
use orchestrate::{CircuitBreaker, Hedge};

static NEVER_OPENS: CircuitBreaker = CircuitBreaker::consecutive_failures(0);
static RATE: CircuitBreaker = CircuitBreaker::failure_rate(1.5, 10);
static NO_TRIALS: CircuitBreaker = CircuitBreaker::consecutive_failures(3).half_open_calls(0);
static PERCENT: Hedge = Hedge::after(Duration::from_millis(50)).adaptive(95.0);

fn main() {}
