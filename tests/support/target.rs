//! Every combinator under test as a [`Target`], which builds it over a vector
//! of [`Remote`] branches and normalizes its output to an [`Outcome`], so one
//! scenario runs against the eight joins and the two `.limit` ones.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::remote::Remote;

/// The value every test branch outputs.
pub type Out = Result<u32, u32>;

/// A combinator under test, over [`Remote`] branches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// `parallel!`.
    ParallelMacro,
    /// `settled!`.
    SettledMacro,
    /// `race!`.
    RaceMacro,
    /// `first_ok!`.
    FirstOkMacro,
    /// `parallel(..)`.
    Parallel,
    /// `settled(..)`.
    Settled,
    /// `race(..)`.
    Race,
    /// `first_ok(..)`.
    FirstOk,
    /// `parallel(..).limit(n)`.
    ParallelLimit(usize),
    /// `settled(..).limit(n)`.
    SettledLimit(usize),
}

/// The macros build over exactly this many branches.
pub const MACRO_ARITY: usize = 12;

/// Every combinator, the `.limit` ones at `limit`.
pub fn targets(limit: usize) -> [Target; 10] {
    [
        Target::ParallelMacro,
        Target::SettledMacro,
        Target::RaceMacro,
        Target::FirstOkMacro,
        Target::Parallel,
        Target::Settled,
        Target::Race,
        Target::FirstOk,
        Target::ParallelLimit(limit),
        Target::SettledLimit(limit),
    ]
}

/// The output of any target, normalized.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// `parallel`: every value in order, or the error that arrived first.
    All(Result<Vec<u32>, u32>),
    /// `settled`: every output in order.
    Settled(Vec<Out>),
    /// `race`: the first output.
    Race(Out),
    /// `first_ok`: the first `Ok`, or every error in order.
    FirstOk(Result<u32, Vec<u32>>),
}

/// A boxed combinator.
pub type Joined = Pin<Box<dyn Future<Output = Outcome> + Send>>;

impl Target {
    /// Whether it is one of the fixed-set macros.
    pub fn is_macro(self) -> bool {
        matches!(
            self,
            Target::ParallelMacro | Target::SettledMacro | Target::RaceMacro | Target::FirstOkMacro
        )
    }

    /// Whether the combinator stops early (and so cancels) at all.
    pub fn short_circuits(self) -> bool {
        !matches!(
            self,
            Target::SettledMacro | Target::Settled | Target::SettledLimit(_)
        )
    }

    /// How many branches it builds over: any number for the functions,
    /// [`MACRO_ARITY`] for the macros.
    pub fn arity(self, wanted: usize) -> usize {
        if self.is_macro() { MACRO_ARITY } else { wanted }
    }

    /// The combinator over `branches` (exactly [`MACRO_ARITY`] for a macro).
    pub fn build(self, branches: Vec<Remote<Out>>) -> Joined {
        use orchestrate::{first_ok, parallel, race, settled};
        if self.is_macro() {
            let Ok([b0, b1, b2, b3, b4, b5, b6, b7, b8, b9, b10, b11]) =
                <[Remote<Out>; MACRO_ARITY]>::try_from(branches)
            else {
                panic!("the macros take exactly {MACRO_ARITY} branches here");
            };
            return match self {
                Target::ParallelMacro => kept_alive(
                    parallel!(b0, b1, b2, b3, b4, b5, b6, b7, b8, b9, b10, b11),
                    |all| {
                        Outcome::All(all.map(|t| {
                            vec![t.0, t.1, t.2, t.3, t.4, t.5, t.6, t.7, t.8, t.9, t.10, t.11]
                        }))
                    },
                ),
                Target::SettledMacro => kept_alive(
                    settled!(b0, b1, b2, b3, b4, b5, b6, b7, b8, b9, b10, b11),
                    |t| {
                        Outcome::Settled(vec![
                            t.0, t.1, t.2, t.3, t.4, t.5, t.6, t.7, t.8, t.9, t.10, t.11,
                        ])
                    },
                ),
                Target::RaceMacro => kept_alive(
                    race!(b0, b1, b2, b3, b4, b5, b6, b7, b8, b9, b10, b11),
                    Outcome::Race,
                ),
                Target::FirstOkMacro => kept_alive(
                    first_ok!(b0, b1, b2, b3, b4, b5, b6, b7, b8, b9, b10, b11),
                    |any| Outcome::FirstOk(any.map_err(orchestrate::AllFailed::into_errors)),
                ),
                _ => unreachable!(),
            };
        }
        match self {
            Target::Parallel => kept_alive(parallel(branches), Outcome::All),
            Target::ParallelLimit(n) => kept_alive(parallel(branches).limit(n), Outcome::All),
            Target::Settled => kept_alive(settled(branches), Outcome::Settled),
            Target::SettledLimit(n) => kept_alive(settled(branches).limit(n), Outcome::Settled),
            Target::Race => kept_alive(race(branches), Outcome::Race),
            Target::FirstOk => kept_alive(first_ok(branches), |any| {
                Outcome::FirstOk(any.map_err(orchestrate::AllFailed::into_errors))
            }),
            _ => unreachable!(),
        }
    }

    /// Whether the combinator, having received `arrived` (outputs in arrival
    /// order), must have completed.
    pub fn is_decided(self, n: usize, arrived: &[(usize, Out)]) -> bool {
        match self {
            Target::ParallelMacro | Target::Parallel | Target::ParallelLimit(_) => {
                arrived.len() == n || arrived.iter().any(|(_, out)| out.is_err())
            }
            Target::SettledMacro | Target::Settled | Target::SettledLimit(_) => arrived.len() == n,
            Target::RaceMacro | Target::Race => !arrived.is_empty(),
            Target::FirstOkMacro | Target::FirstOk => {
                arrived.len() == n || arrived.iter().any(|(_, out)| out.is_ok())
            }
        }
    }

    /// What the combinator must output, given every output it received, in
    /// the order it received them (by the branches' logs), and each branch's
    /// output by index.
    pub fn expected(self, outputs: &[Out], arrivals: &[usize]) -> Outcome {
        let arrived = || arrivals.iter().map(|&i| (i, outputs[i]));
        match self {
            Target::ParallelMacro | Target::Parallel | Target::ParallelLimit(_) => {
                Outcome::All(match arrived().find_map(|(_, out)| out.err()) {
                    Some(error) => Err(error),
                    None => Ok(outputs.iter().map(|out| out.expect("all ok")).collect()),
                })
            }
            Target::SettledMacro | Target::Settled | Target::SettledLimit(_) => {
                Outcome::Settled(outputs.to_vec())
            }
            Target::RaceMacro | Target::Race => {
                Outcome::Race(outputs[*arrivals.first().expect("a winner arrived")])
            }
            Target::FirstOkMacro | Target::FirstOk => {
                Outcome::FirstOk(match arrived().find_map(|(_, out)| out.ok()) {
                    Some(value) => Ok(value),
                    None => Err(outputs
                        .iter()
                        .map(|out| out.expect_err("all failed"))
                        .collect()),
                })
            }
        }
    }
}

/// `future` with its output mapped by `map`, boxed. Unlike an `async` block
/// that awaits it, this keeps the combinator alive after it returned `Ready`
/// (until the [`Joined`] is dropped), so a test that looks at the branches
/// then sees what the combinator itself dropped before completing.
fn kept_alive<F, G>(future: F, map: G) -> Joined
where
    F: Future + Send + 'static,
    G: FnOnce(F::Output) -> Outcome + Send + Unpin + 'static,
{
    Box::pin(KeptAlive {
        future: Box::pin(future),
        map: Some(map),
    })
}

struct KeptAlive<F, G> {
    future: Pin<Box<F>>,
    map: Option<G>,
}

impl<F, G> Future for KeptAlive<F, G>
where
    F: Future,
    G: FnOnce(F::Output) -> Outcome + Unpin,
{
    type Output = Outcome;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Outcome> {
        let output = std::task::ready!(self.future.as_mut().poll(cx));
        let map = self
            .map
            .take()
            .expect("the test polled a finished combinator");
        Poll::Ready(map(output))
    }
}
