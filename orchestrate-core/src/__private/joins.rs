//! The futures of `settled!`, `parallel!`, `race!` and `first_ok!` of up to
//! 12 branches: one generic struct per join kind and arity, so a call
//! expands to a struct literal of a type compiled here, once. (The arity is
//! `MAX_ARITY` in `orchestrate-macros/src/join/expand.rs`; the 13-branch
//! cases of `tests/integration/expansions/join_arities.rs` cross it.)
//!
//! A struct and `Future` impl made per call (as the macros make for more
//! branches) cost a user's build a pin projection, an `Unpin` impl, type and
//! borrow checks and MIR for every call: about twice the build time of
//! `futures::join!` for a crate of many small joins. Here the user's crate
//! only instantiates them.
//!
//! Fields are public (and hidden) so that the expansion builds the struct
//! without a constructor fn, one function less per call in a debug build.

use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

use pin_project_lite::pin_project;

use super::Branch;
use crate::AllFailed;

macro_rules! joins {
    ($(
        $settled:ident, $parallel:ident, $race:ident, $first_ok:ident:
        $first:ident $(, $f:ident $c:ident $v:ident $F:ident $K:ident $C:ident $V:ident $E:ident $T:ident)+;
    )+) => {$(
        pin_project! {
            #[doc(hidden)]
            #[must_use = "`settled!` does nothing unless you `.await` or poll it"]
            pub struct $settled<$($F, $K),+> {
                $(#[pin] pub $f: Branch<$F, $K>,)+
            }
        }

        impl<$($F: Future<Output = $K>, $K),+> Future for $settled<$($F, $K),+> {
            type Output = ($($K,)+);

            fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
                let mut this = self.project();
                let mut done = true;
                $(done &= this.$f.as_mut().poll_settled(cx);)+
                if !done {
                    return Poll::Pending;
                }
                Poll::Ready(($(match this.$f.as_mut().take() {
                    Some(output) => output,
                    None => panic!("`settled!` polled after completion"),
                },)+))
            }
        }

        pin_project! {
            #[doc(hidden)]
            #[must_use = "`parallel!` does nothing unless you `.await` or poll it"]
            pub struct $parallel<$($F, $K, $C),+> {
                $(#[pin] pub $f: Branch<$F, $K>, pub $c: $C,)+
            }
        }

        impl<$($F, $C, $T, $E,)+ JoinE> Future for $parallel<$($F, Result<$T, $E>, $C),+>
        where
            $($F: Future<Output = Result<$T, $E>>, $C: Fn($E) -> JoinE,)+
        {
            type Output = Result<($($T,)+), JoinE>;

            fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
                let mut this = self.project();
                let mut done = true;
                let failure = 'failure: {
                    $(match this.$f.as_mut().poll_ok(cx) {
                        Poll::Ready(Ok(())) => {}
                        Poll::Ready(Err(error)) => break 'failure Some((this.$c)(error)),
                        Poll::Pending => done = false,
                    })+
                    None
                };
                if let Some(error) = failure {
                    $(this.$f.as_mut().cancel();)+
                    return Poll::Ready(Err(error));
                }
                if !done {
                    return Poll::Pending;
                }
                Poll::Ready(Ok(($(match this.$f.as_mut().take() {
                    Some(Ok(value)) => value,
                    _ => panic!("`parallel!` polled after completion"),
                },)+)))
            }
        }

        pin_project! {
            #[doc(hidden)]
            #[must_use = "`race!` does nothing unless you `.await` or poll it"]
            pub struct $race<$($F, $V),+> {
                $(#[pin] pub $f: Branch<$F, ()>, pub $v: $V,)+
            }
        }

        impl<$($F, $V, $T,)+ JoinT> Future for $race<$($F, $V),+>
        where
            $($F: Future<Output = $T>, $V: Fn($T) -> JoinT,)+
        {
            type Output = JoinT;

            fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
                let mut this = self.project();
                // The first branch is gone only once the race is over.
                if this.$first.is_gone() {
                    panic!("`race!` polled after completion");
                }
                let winner = 'winner: {
                    $(if let Poll::Ready(out) = this.$f.as_mut().poll_race(cx) {
                        break 'winner Some((this.$v)(out));
                    })+
                    None
                };
                let Some(out) = winner else {
                    return Poll::Pending;
                };
                $(this.$f.as_mut().cancel();)+
                Poll::Ready(out)
            }
        }

        pin_project! {
            #[doc(hidden)]
            #[must_use = "`first_ok!` does nothing unless you `.await` or poll it"]
            pub struct $first_ok<$($F, $K, $V, $C),+> {
                $(#[pin] pub $f: Branch<$F, $K>, pub $v: $V, pub $c: $C,)+
            }
        }

        impl<$($F, $V, $C, $T, $E,)+ JoinT, JoinE> Future for $first_ok<$($F, Result<$T, $E>, $V, $C),+>
        where
            $($F: Future<Output = Result<$T, $E>>, $V: Fn($T) -> JoinT, $C: Fn($E) -> JoinE,)+
        {
            type Output = Result<JoinT, AllFailed<JoinE>>;

            fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
                let mut this = self.project();
                let mut done = true;
                let winner = 'winner: {
                    $(match this.$f.as_mut().poll_first_ok(cx) {
                        Poll::Ready(Some(value)) => break 'winner Some((this.$v)(value)),
                        Poll::Ready(None) => {}
                        Poll::Pending => done = false,
                    })+
                    None
                };
                if let Some(value) = winner {
                    $(this.$f.as_mut().cancel();)+
                    return Poll::Ready(Ok(value));
                }
                if !done {
                    return Poll::Pending;
                }
                let errors = Vec::from([$(
                    (this.$c)(match this.$f.as_mut().take() {
                        Some(Err(error)) => error,
                        _ => panic!("`first_ok!` polled after completion"),
                    }),
                )+]);
                Poll::Ready(Err(AllFailed::new(errors)))
            }
        }
    )+};
}

/// `joins!` for every arity: each line names the structs of one arity and the
/// branch it adds to the line before.
macro_rules! joins_up_to {
    (@ [$($branches:tt)*]) => {};
    (@ [$($branches:tt)*]
        $settled:ident $parallel:ident $race:ident $first_ok:ident: $($branch:ident)+;
        $($rest:tt)*
    ) => {
        joins! { $settled, $parallel, $race, $first_ok: f0 $($branches)* , $($branch)+; }
        joins_up_to! { @ [$($branches)* , $($branch)+] $($rest)* }
    };
}

joins_up_to! { @ []
    Settled1 Parallel1 Race1 FirstOk1: f0 c0 v0 F0 K0 C0 V0 E0 T0;
    Settled2 Parallel2 Race2 FirstOk2: f1 c1 v1 F1 K1 C1 V1 E1 T1;
    Settled3 Parallel3 Race3 FirstOk3: f2 c2 v2 F2 K2 C2 V2 E2 T2;
    Settled4 Parallel4 Race4 FirstOk4: f3 c3 v3 F3 K3 C3 V3 E3 T3;
    Settled5 Parallel5 Race5 FirstOk5: f4 c4 v4 F4 K4 C4 V4 E4 T4;
    Settled6 Parallel6 Race6 FirstOk6: f5 c5 v5 F5 K5 C5 V5 E5 T5;
    Settled7 Parallel7 Race7 FirstOk7: f6 c6 v6 F6 K6 C6 V6 E6 T6;
    Settled8 Parallel8 Race8 FirstOk8: f7 c7 v7 F7 K7 C7 V7 E7 T7;
    Settled9 Parallel9 Race9 FirstOk9: f8 c8 v8 F8 K8 C8 V8 E8 T8;
    Settled10 Parallel10 Race10 FirstOk10: f9 c9 v9 F9 K9 C9 V9 E9 T9;
    Settled11 Parallel11 Race11 FirstOk11: f10 c10 v10 F10 K10 C10 V10 E10 T10;
    Settled12 Parallel12 Race12 FirstOk12: f11 c11 v11 F11 K11 C11 V11 E11 T11;
}
