//! One branch of a join, fixed-set or collection: the running future, then
//! what the join keeps of its output, then nothing.

use std::pin::Pin;

use pin_project_lite::pin_project;

pin_project! {
    /// One branch of a join: the running future, then what the join keeps
    /// of its output (`O`), then nothing once taken or cancelled. Only the
    /// future is pinned: a kept value may move (`collection/raw.rs` relies
    /// on it, and `take` moves it out through a projection). No
    /// `project_replace`: in a user's debug build, it would be a dozen
    /// functions more to compile for every branch type of every join.
    #[project = BranchProj]
    #[derive(Debug)]
    // The variants' docs say what their one field is.
    #[allow(missing_docs)]
    pub enum Branch<F, O> {
        /// Not finished.
        Running { #[pin] future: F },
        /// Finished; what the join keeps of the output (`None` only for the
        /// moment `take` takes it).
        Kept { value: Option<O> },
        /// Taken, cancelled, or finished with nothing to keep.
        Gone,
    }
}

impl<F, O> Branch<F, O> {
    /// Drops the future (or the kept value) in place.
    #[inline]
    pub fn cancel(mut self: Pin<&mut Self>) {
        self.set(Branch::Gone);
    }

    /// Whether the branch was taken or cancelled.
    #[inline]
    pub fn is_gone(&self) -> bool {
        matches!(self, Branch::Gone)
    }

    /// Takes the kept value, if any.
    #[inline]
    pub fn take(mut self: Pin<&mut Self>) -> Option<O> {
        let value = match self.as_mut().project() {
            BranchProj::Kept { value } => value.take(),
            _ => None,
        };
        self.set(Branch::Gone);
        value
    }

    /// The running future, if any.
    #[inline]
    pub(crate) fn running(self: Pin<&mut Self>) -> Option<Pin<&mut F>> {
        match self.project() {
            BranchProj::Running { future } => Some(future),
            _ => None,
        }
    }

    /// Keeps `value` in place of the future.
    #[inline]
    pub(crate) fn keep(mut self: Pin<&mut Self>, value: O) {
        self.set(Branch::Kept { value: Some(value) });
    }
}
