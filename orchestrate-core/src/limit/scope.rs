//! The limiters whose permits the future being polled holds: the ambient
//! scope that makes a [`Limiter`](super::Limiter) re-entrant.
//!
//! As a `Deadline`'s scope, it is set for the duration of one poll, on the
//! thread doing the poll, so it follows the future on any executor (but not
//! into futures spawned from inside it).

use std::cell::RefCell;

thread_local! {
    /// The addresses of the limiters held by the futures being polled on this
    /// thread, outermost first.
    static HELD: RefCell<Vec<usize>> = const { RefCell::new(Vec::new()) };
}

/// Whether the future being polled runs under a permit of the limiter at `id`.
pub(crate) fn holds(id: usize) -> bool {
    HELD.try_with(|held| held.borrow().contains(&id))
        .unwrap_or(false)
}

/// Puts a limiter in scope for one poll; takes it out when dropped (on a
/// panic too).
pub(crate) struct HeldScope {
    depth: Option<usize>,
}

impl HeldScope {
    pub(crate) fn enter(id: usize) -> Self {
        let depth = HELD
            .try_with(|held| {
                let mut held = held.borrow_mut();
                held.push(id);
                held.len() - 1
            })
            .ok();
        HeldScope { depth }
    }
}

impl Drop for HeldScope {
    fn drop(&mut self) {
        if let Some(depth) = self.depth {
            let _ = HELD.try_with(|held| held.borrow_mut().truncate(depth));
        }
    }
}
