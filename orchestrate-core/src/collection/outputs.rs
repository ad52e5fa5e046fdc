//! Outputs gathered by input index, whatever order they arrive in.

pub(crate) struct Outputs<T> {
    slots: Vec<Option<T>>,
}

impl<T> Outputs<T> {
    pub(crate) fn new() -> Self {
        Outputs { slots: Vec::new() }
    }

    /// Makes room for `additional` more outputs.
    pub(crate) fn reserve(&mut self, additional: usize) {
        self.slots.reserve(additional);
    }

    #[inline]
    pub(crate) fn put(&mut self, index: usize, value: T) {
        if self.slots.len() <= index {
            self.slots.resize_with(index + 1, || None);
        }
        self.slots[index] = Some(value);
    }

    /// Every output in input order; call once every index has been put.
    pub(crate) fn into_vec(self) -> Vec<T> {
        self.slots
            .into_iter()
            .map(|slot| {
                slot.expect("a join finished with a branch that has no output (a bug in orchestrate: please report it)")
            })
            .collect()
    }
}
