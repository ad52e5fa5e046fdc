use std::fmt;

/// The error of [`first_ok`](crate::first_ok()) and `first_ok!` when no branch
/// succeeded (JS `AggregateError`): every branch's error, in branch order.
///
/// ```
/// use orchestrate::{first_ok, AllFailed};
///
/// # futures::executor::block_on(async {
/// let mirrors = ["eu", "us"].map(|name| async move { Err::<(), _>(format!("{name} is down")) });
/// let err: AllFailed<String> = first_ok(mirrors).await.unwrap_err();
/// assert_eq!(err.to_string(), "all 2 branches failed");
/// assert_eq!(err.errors(), ["eu is down", "us is down"]);
/// # });
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AllFailed<E> {
    errors: Vec<E>,
}

impl<E> AllFailed<E> {
    /// Wraps the errors of every branch, in branch order.
    ///
    /// ```
    /// # use orchestrate::AllFailed;
    /// assert_eq!(AllFailed::new(vec!["a", "b"]).len(), 2);
    /// ```
    pub fn new(errors: Vec<E>) -> Self {
        AllFailed { errors }
    }

    /// Every branch's error, in branch order.
    ///
    /// ```
    /// # use orchestrate::AllFailed;
    /// assert_eq!(AllFailed::new(vec![1, 2]).errors(), [1, 2]);
    /// ```
    pub fn errors(&self) -> &[E] {
        &self.errors
    }

    /// The errors, owned.
    ///
    /// ```
    /// # use orchestrate::AllFailed;
    /// assert_eq!(AllFailed::new(vec![1, 2]).into_errors(), vec![1, 2]);
    /// ```
    pub fn into_errors(self) -> Vec<E> {
        self.errors
    }

    /// How many branches failed (zero for an empty input).
    ///
    /// ```
    /// # use orchestrate::AllFailed;
    /// assert_eq!(AllFailed::<()>::new(vec![]).len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        self.errors.len()
    }

    /// Whether there were no branches at all.
    ///
    /// ```
    /// # use orchestrate::AllFailed;
    /// assert!(AllFailed::<()>::new(vec![]).is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }
}

impl<E> fmt::Display for AllFailed<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.errors.len() {
            0 => f.write_str("all branches failed: there were none"),
            1 => f.write_str("all 1 branch failed"),
            n => write!(f, "all {n} branches failed"),
        }
    }
}

impl<E: std::error::Error + 'static> std::error::Error for AllFailed<E> {
    /// The first branch's error, so error reporters show at least one cause.
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.errors.first().map(|e| e as _)
    }
}

impl<E> IntoIterator for AllFailed<E> {
    type Item = E;
    type IntoIter = std::vec::IntoIter<E>;

    fn into_iter(self) -> Self::IntoIter {
        self.errors.into_iter()
    }
}
