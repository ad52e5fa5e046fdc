//! What `#[circuit_breaker(with = …)]` accepts, reported on the expression
//! the user wrote when it is no breaker.

use std::sync::{Arc, LazyLock};

use crate::CircuitBreaker;

/// A [`CircuitBreaker`], or anything that leads to one by reference
/// (`&'static`, `Arc`, `Box`, `LazyLock`).
#[diagnostic::on_unimplemented(
    message = "`#[circuit_breaker(with = …)]` needs a `CircuitBreaker`, not `{Self}`",
    label = "not an `orchestrate::CircuitBreaker` (nor a reference, `Arc`, `Box` or `LazyLock` of one)",
    note = "for example `static API: orchestrate::CircuitBreaker = orchestrate::CircuitBreaker::consecutive_failures(5);` and `#[circuit_breaker(with = API)]`; behind another `Deref` wrapper, write `with = *API`"
)]
pub trait AsBreaker {
    /// What the breaker counts as a failure.
    type Policy;
    /// The breaker.
    fn as_breaker(&self) -> &CircuitBreaker<Self::Policy>;
}

impl<C> AsBreaker for CircuitBreaker<C> {
    type Policy = C;

    #[inline]
    fn as_breaker(&self) -> &CircuitBreaker<C> {
        self
    }
}

impl<T: AsBreaker + ?Sized> AsBreaker for &T {
    type Policy = T::Policy;

    #[inline]
    fn as_breaker(&self) -> &CircuitBreaker<T::Policy> {
        (**self).as_breaker()
    }
}

impl<T: AsBreaker + ?Sized> AsBreaker for Arc<T> {
    type Policy = T::Policy;

    #[inline]
    fn as_breaker(&self) -> &CircuitBreaker<T::Policy> {
        (**self).as_breaker()
    }
}

impl<T: AsBreaker + ?Sized> AsBreaker for Box<T> {
    type Policy = T::Policy;

    #[inline]
    fn as_breaker(&self) -> &CircuitBreaker<T::Policy> {
        (**self).as_breaker()
    }
}

/// A breaker built at first use (from configuration, say).
impl<T: AsBreaker, F: FnOnce() -> T> AsBreaker for LazyLock<T, F> {
    type Policy = T::Policy;

    #[inline]
    fn as_breaker(&self) -> &CircuitBreaker<T::Policy> {
        (**self).as_breaker()
    }
}

/// The breaker `with` leads to.
#[inline]
pub fn as_breaker<B: AsBreaker + ?Sized>(with: &B) -> &CircuitBreaker<B::Policy> {
    with.as_breaker()
}
