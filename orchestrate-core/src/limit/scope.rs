//! The limiters whose permits the future being polled holds: the ambient
//! scope that makes a [`Limiter`](super::Limiter) re-entrant.
//!
//! As a `Deadline`'s scope, it is set for the duration of one poll, on the
//! thread doing the poll, so it follows the future on any executor (but not
//! into futures spawned from inside it).
//!
//! Every `run` looks it up, enters it and leaves it, so the first few levels
//! live in plain cells of a thread-local with no destructor: each of those is
//! a load or a store, with no borrow flag and no check that the thread-local
//! is still alive. Deeper levels spill to a `Vec`.

use std::cell::{Cell, RefCell};

/// How many nested limiters fit in the cells before the spill.
const INLINE: usize = 4;

/// The addresses of the limiters held by the futures being polled on this
/// thread, outermost first: the first `INLINE` in `inline`, the rest in
/// `SPILL`.
struct Held {
    len: Cell<usize>,
    inline: [Cell<usize>; INLINE],
}

thread_local! {
    static HELD: Held = const {
        Held {
            len: Cell::new(0),
            inline: [const { Cell::new(0) }; INLINE],
        }
    };

    /// Levels past `INLINE`; past `len` what is left is stale, and is
    /// overwritten before it is read again.
    static SPILL: RefCell<Vec<usize>> = const { RefCell::new(Vec::new()) };
}

/// Whether the future being polled runs under a permit of the limiter at `id`.
#[inline]
pub(crate) fn holds(id: usize) -> bool {
    HELD.with(|held| {
        let len = held.len.get();
        len != 0
            && (held.inline[..len.min(INLINE)]
                .iter()
                .any(|cell| cell.get() == id)
                || (len > INLINE && spilled(len - INLINE, id)))
    })
}

/// Whether `id` is among the first `len` spilled levels.
#[cold]
#[inline(never)]
fn spilled(len: usize, id: usize) -> bool {
    SPILL
        .try_with(|spill| spill.borrow()[..len].contains(&id))
        .unwrap_or(false)
}

/// Puts `id` at spilled level `at`; `false` if the thread is exiting.
#[cold]
#[inline(never)]
fn spill(at: usize, id: usize) -> bool {
    SPILL
        .try_with(|spill| {
            let mut spill = spill.borrow_mut();
            spill.truncate(at);
            spill.push(id);
        })
        .is_ok()
}

/// Puts a limiter in scope for one poll; takes it out when dropped (on a
/// panic too).
pub(crate) struct HeldScope {
    /// The depth to return to.
    depth: usize,
}

impl HeldScope {
    #[inline]
    pub(crate) fn enter(id: usize) -> Self {
        HELD.with(|held| {
            let depth = held.len.get();
            if let Some(cell) = held.inline.get(depth) {
                cell.set(id);
            } else if !spill(depth - INLINE, id) {
                // No scope, as no poll can nest in an exiting thread's.
                return HeldScope { depth };
            }
            held.len.set(depth + 1);
            HeldScope { depth }
        })
    }
}

impl Drop for HeldScope {
    #[inline]
    fn drop(&mut self) {
        HELD.with(|held| held.len.set(self.depth));
    }
}
