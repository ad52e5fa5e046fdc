//! The `tracing` span of a recorded entry (feature `tracing`).

use ::tracing::field::Empty;
use ::tracing::span::Entered;
use ::tracing::{Level, Span, span};

use super::entry::Outcome;

/// The target of every span here.
const TARGET: &str = "orchestrate::timeline";

/// The span of one entry: opened when the entry starts (first poll), entered
/// around each poll of the recorded future, given its `outcome` and closed
/// when the entry ends.
pub(super) struct EntrySpan(Span);

impl EntrySpan {
    /// `orchestrate.step` with its `label`, or `orchestrate.branch` with its
    /// `label`, `group` and `key`; a child of the current span.
    pub(super) fn new(label: &str, group: Option<&str>) -> Self {
        EntrySpan(match group {
            None => span!(
                target: TARGET,
                Level::INFO,
                "orchestrate.step",
                label,
                outcome = Empty,
            ),
            Some(group) => {
                // A branch's label is `group[key]`.
                let key = label
                    .strip_prefix(group)
                    .and_then(|rest| rest.strip_prefix('['))
                    .and_then(|rest| rest.strip_suffix(']'))
                    .unwrap_or(label);
                span!(
                    target: TARGET,
                    Level::INFO,
                    "orchestrate.branch",
                    label,
                    group,
                    key,
                    outcome = Empty,
                )
            }
        })
    }

    /// Enters the span until the guard drops.
    pub(super) fn enter(&self) -> Entered<'_> {
        self.0.enter()
    }

    /// Records how the entry ended; dropping the span then closes it.
    pub(super) fn end(&self, outcome: Outcome) {
        self.0.record("outcome", outcome.as_str());
    }
}
