//! The collection driver's only `unsafe`, in two small pieces it needs to keep
//! its branches in one allocation and its wakers in another:
//!
//! - [`Slots`]: the running branches (then their kept outputs), pinned in one
//!   boxed slice: the pin projection from the slice to one slot, and the
//!   unpinning of the slice once no branch is left in it;
//! - [`Wakers`]: a waker per slot without an `Arc` per slot. Each waker's data
//!   is the slot's [`Node`] inside the one `Arc`'d [`ReadySet`], and its vtable
//!   counts references on that `Arc`.
//!
//! Why not safe code: pinning a slice's elements has no safe API (each branch
//! would need a `Box` of its own), and a `Waker` without `unsafe` is an
//! `Arc<impl Wake>` per distinct waker (an allocation and 32 bytes per branch,
//! plus the `Waker` itself). `benches/compare.rs` and `benches/memory.rs`
//! measure what this saves; `benches/RESULTS.md` has the before and after.

use std::mem::ManuallyDrop;
use std::pin::Pin;
use std::ptr;
use std::sync::Arc;
use std::sync::atomic::{AtomicPtr, Ordering};
use std::task::{RawWaker, RawWakerVTable, Waker};

use super::ready_set::ReadySet;
use crate::branch::Branch;

/// The data of one slot's waker: where its set is. The slot is the node's
/// position in [`ReadySet::nodes`]. Its pointer is private to this module, so
/// only [`Wakers::new`] ever sets it.
#[derive(Debug)]
pub(crate) struct Node {
    /// The set that holds this node, as `Arc::into_raw` gave it.
    set: AtomicPtr<ReadySet>,
}

impl Node {
    /// A node that points nowhere yet: [`Wakers::new`] points it at its set.
    pub(crate) fn unset() -> Self {
        Node {
            set: AtomicPtr::new(ptr::null_mut()),
        }
    }
}

/// The slots, one [`Branch`] each, pinned in place in one allocation.
pub(crate) struct Slots<F, K> {
    slots: Pin<Box<[Branch<F, K>]>>,
}

impl<F, K> Slots<F, K> {
    pub(crate) fn new(slots: Vec<Branch<F, K>>) -> Self {
        Slots {
            slots: Box::into_pin(slots.into_boxed_slice()),
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.slots.len()
    }

    /// The slot `slot`, pinned. Panics if out of range.
    #[inline]
    pub(crate) fn get(&mut self, slot: usize) -> Pin<&mut Branch<F, K>> {
        // SAFETY: structural pinning of the slice's elements. The boxed slice
        // is pinned and owned by `self` alone; `Slots` never hands out an
        // unpinned `&mut` to the slice or to an element, never moves an element
        // (a slot changes only through `Pin::set`, which drops the old value in
        // place), and never reallocates the slice. The slice leaves its pin
        // only in `into_kept`, once no slot holds a branch. Dropping a boxed
        // slice drops every element in place first. So every branch placed in
        // a slot stays at its address until it is dropped, as `Pin` promises.
        // Indexing out of range panics inside the closure, before any pinned
        // reference exists.
        unsafe {
            self.slots
                .as_mut()
                .map_unchecked_mut(|slots| &mut slots[slot])
        }
    }

    /// Every slot, pinned, in order: the same projection as [`Slots::get`],
    /// without a bounds check per slot.
    #[inline]
    pub(crate) fn iter_mut(&mut self) -> impl Iterator<Item = Pin<&mut Branch<F, K>>> {
        // SAFETY: as in `get`: each element of the pinned slice is projected
        // once, and is never moved through the projection.
        unsafe { self.slots.as_mut().get_unchecked_mut() }
            .iter_mut()
            .map(|slot| {
                // SAFETY: `slot` is an element of the pinned slice, which
                // `Slots` never moves (see `get`).
                unsafe { Pin::new_unchecked(slot) }
            })
    }

    /// Every kept value, in slot order. Panics (dropping the slots in place)
    /// unless every slot holds a kept value.
    pub(crate) fn into_kept(self) -> Vec<K> {
        assert!(
            self.slots
                .iter()
                .all(|slot| matches!(slot, Branch::Kept { value: Some(_) })),
            "a join finished with a branch that has no output (a bug in orchestrate: please report it)"
        );
        // SAFETY: no slot holds a branch (checked just above), so no pinned
        // value is left: the kept values were never pinned (only `Running`'s
        // `future` is structurally pinned), so they may move.
        let slots = unsafe { Pin::into_inner_unchecked(self.slots) };
        slots
            .into_vec()
            .into_iter()
            .map(|slot| match slot {
                Branch::Kept { value: Some(value) } => value,
                _ => unreachable!("checked above"),
            })
            .collect()
    }
}

/// The wakers of every slot: one `Arc<ReadySet>`, whose nodes the wakers point
/// at.
#[derive(Debug)]
pub(crate) struct Wakers {
    /// Made from `Arc::into_raw` (see [`Wakers::new`]).
    set: Arc<ReadySet>,
}

impl Wakers {
    pub(crate) fn new(slots: usize) -> Self {
        let raw = Arc::into_raw(Arc::new(ReadySet::new(slots)));
        // SAFETY: `raw` comes from `Arc::into_raw` just above, and is turned
        // back into the one `Arc` it was, once.
        let set = unsafe { Arc::from_raw(raw) };
        for node in set.nodes() {
            // Every node points at its set with the pointer `Arc::into_raw`
            // gave, the one the vtable below hands to
            // `Arc::{increment,decrement}_strong_count`.
            node.set.store(raw.cast_mut(), Ordering::Relaxed);
        }
        Wakers { set }
    }

    pub(crate) fn set(&self) -> &ReadySet {
        &self.set
    }

    /// The waker of `slot`, borrowed for as long as `self` is: it holds no
    /// reference count, and `ManuallyDrop` keeps it from releasing one.
    /// Panics if `slot` is out of range.
    #[inline]
    pub(crate) fn waker(&self, slot: usize) -> ManuallyDrop<Waker> {
        let node = ptr::from_ref::<Node>(&self.set.nodes()[slot]);
        let raw = RawWaker::new(node.cast(), &VTABLE);
        // SAFETY: the `RawWaker` contract, for the data and vtable of `raw`:
        // `node` points at a `Node` of the live `ReadySet` behind `self.set`,
        // whose `set` field is that `Arc`'s `into_raw` pointer. The returned
        // waker never runs `drop` (it is `ManuallyDrop`) and cannot outlive the
        // `Arc` `self` holds (the borrow of `self`), so while it lives the node
        // is valid without a count of its own; every clone made from it takes
        // a count (see `clone_waker`). The vtable's functions are thread-safe: they
        // touch only atomics of the `ReadySet`, which is `Send + Sync`.
        ManuallyDrop::new(unsafe { Waker::from_raw(raw) })
    }
}

static VTABLE: RawWakerVTable = RawWakerVTable::new(clone_waker, wake, wake_by_ref, drop_waker);

// SAFETY (for the four functions below, which only the `RawWaker`s built by
// `Wakers::waker` and by `clone_waker` use): `data` points at a `Node` inside
// `ReadySet::nodes` of a `ReadySet` that is alive, because either the
// `Wakers` that owns an `Arc` of it is borrowed (a borrowed waker), or the
// waker holds one strong count of it (a clone). `node.set` is the set's
// `Arc::into_raw` pointer, so `Arc::increment_strong_count` and
// `Arc::decrement_strong_count` may be called on it, each clone taking one
// count and each drop (or `wake`, which consumes) giving back exactly one.

unsafe fn clone_waker(data: *const ()) -> RawWaker {
    // SAFETY: see above; the node is alive while this waker is.
    let node = unsafe { &*data.cast::<Node>() };
    // SAFETY: see above: the `into_raw` pointer of a live `Arc`; the new
    // count belongs to the waker returned.
    unsafe { Arc::increment_strong_count(node.set.load(Ordering::Relaxed)) };
    RawWaker::new(data, &VTABLE)
}

unsafe fn wake(data: *const ()) {
    // SAFETY: `wake` gets an owned waker: mark by reference, then release the
    // count it owned, exactly as `wake_by_ref` + `drop`.
    unsafe {
        wake_by_ref(data);
        drop_waker(data);
    }
}

unsafe fn wake_by_ref(data: *const ()) {
    // SAFETY: see above; the node and its set are alive while this waker is.
    let node = unsafe { &*data.cast::<Node>() };
    // SAFETY: `node.set` points at the live set that holds `node`.
    let set = unsafe { &*node.set.load(Ordering::Relaxed) };
    set.mark(set.slot_of(node));
}

unsafe fn drop_waker(data: *const ()) {
    // SAFETY: see above; read the pointer before giving the count back, as
    // that may free the set (and the node with it).
    let set = unsafe { &*data.cast::<Node>() }
        .set
        .load(Ordering::Relaxed)
        .cast_const();
    // SAFETY: the count this owned waker held, given back once.
    unsafe { Arc::decrement_strong_count(set) };
}
