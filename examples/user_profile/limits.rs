//! `--api-limit N` and `--rate N`: every API call, at every level (the user,
//! the posts, each post's comments and likes), goes through one `Limiter`
//! (at most N calls in flight) and one `RateLimiter` (N starts a second,
//! evenly spaced). In an application the usual form is the attribute on the
//! fn that calls the API, `#[limit(with = API)]` / `#[rate_limit(with = RATE)]`;
//! here the limits wrap each call outside its timeline entry, so the chart's
//! bars are the calls themselves, not their waits, and show the bound held.

use std::future::IntoFuture;
use std::time::Duration;

use orchestrate::timeline::Entry;
use orchestrate::{Limiter, RateLimiter};

/// The limits shared by every API call; none by default.
#[derive(Debug, Default)]
pub(crate) struct Limits {
    pub(crate) api: Option<Limiter>,
    pub(crate) rate: Option<RateLimiter>,
}

impl Limits {
    pub(crate) fn new(api_limit: Option<usize>, per_sec: Option<u32>) -> Self {
        Limits {
            api: api_limit.map(Limiter::new),
            // A burst of 1: every start a full interval after the last.
            rate: per_sec.map(|n| RateLimiter::per_second(n).burst(1)),
        }
    }

    /// Runs `call` when the rate allows, then under a permit.
    pub(crate) async fn call<F: IntoFuture>(&self, call: F) -> F::Output {
        if let Some(rate) = &self.rate {
            rate.run(async {}).await;
        }
        match &self.api {
            Some(api) => api.run(call).await,
            None => call.await,
        }
    }

    /// What the chart shows of the limits: the most calls in flight at once
    /// and the closest starts.
    pub(crate) fn summary(&self, entries: &[Entry]) -> Option<String> {
        let mut lines = Vec::new();
        if let Some(api) = &self.api {
            lines.push(format!(
                "API calls in flight at once: at most {} (--api-limit {})",
                peak(entries),
                api.limit()
            ));
        }
        if let Some(rate) = &self.rate {
            // Rounded to the millisecond: on a real clock the starts drift
            // by microseconds.
            let closest = closest_starts(entries).unwrap_or_default();
            let closest = Duration::from_millis(
                u64::try_from((closest.as_micros() + 500) / 1000).unwrap_or(u64::MAX),
            );
            lines.push(format!(
                "closest API call starts: {closest:?} apart (--rate: one every {:?})",
                rate.interval()
            ));
        }
        (!lines.is_empty()).then(|| lines.join("\n"))
    }
}

/// The most entries running at the same instant (an end at `t` is before a
/// start at `t`).
pub(crate) fn peak(entries: &[Entry]) -> usize {
    let mut events: Vec<(Duration, i32)> = entries
        .iter()
        .flat_map(|entry| [(entry.start, 1), (entry.end.unwrap_or(Duration::MAX), -1)])
        .collect();
    events.sort();
    let mut now = 0;
    let mut most = 0;
    for (_, change) in events {
        now += change;
        most = most.max(now);
    }
    usize::try_from(most).unwrap_or(0)
}

/// The shortest time between two starts.
pub(crate) fn closest_starts(entries: &[Entry]) -> Option<Duration> {
    let mut starts: Vec<Duration> = entries.iter().map(|entry| entry.start).collect();
    starts.sort();
    starts
        .windows(2)
        .map(|pair| pair[1].saturating_sub(pair[0]))
        .min()
}
