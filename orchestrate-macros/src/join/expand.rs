//! The expansion. Each branch is turned into a future where it is written (so
//! type errors point at the offending branch), then moved into a struct whose
//! `Future` impl polls each branch in order:
//!
//! ```text
//! match ([limit(dur),] parallel_branch(a), parallel_branch(b)) {
//!     ([__limit,] (f0, _, e0), (f1, _, e1)) => {
//!         [f0.set_limit(__limit); f1.set_limit(__limit);]
//!         let c0 = same_as_first(&e0);
//!         let c1 = move |x| pair(&e0, &e1).same_error(x);
//!         __private::Parallel2 { f0, c0, f1, c1 }
//!     }
//! }
//! ```
//!
//! Up to 12 branches the struct is one of `orchestrate-core`'s
//! (`__private/joins.rs`), so the user's crate only instantiates it: a struct
//! and impl made for each call cost about as much build time again as the
//! rest of a small flow. Past 12 the expansion makes them for the call
//! (`struct Join<F0, K0, C0, …>` and `impl Future for Join<…>`), polled the
//! same way.
//!
//! The converters are zero-sized and turn each branch's error (or value)
//! into the one type of the whole call. They are built by checks that infer
//! one branch's type from another's, and report two known, different types
//! as one error at the branch (see `__private::Pair`). The `match` keeps the
//! temporaries of the branch expressions (and of the `timeout = …` option)
//! alive until the end of the statement that awaits the future, as a plain
//! call would.

use proc_macro2::{Group, Ident, Span, TokenStream, TokenTree};
use quote::{format_ident, quote};
use syn::spanned::Spanned;

use super::Kind;
use super::input::JoinInput;

/// The names of one branch's pieces in the expansion (all hygienic).
struct Piece {
    span: Span,
    field: Ident,
    future: Ident,
    kept: Ident,
    /// The value converter (`race!`: output, `first_ok!`: `Ok`), its type,
    /// the type it takes, and the witness of that type.
    value: Ident,
    value_ty: Ident,
    value_in: Ident,
    value_witness: Ident,
    /// The same four for the error.
    error: Ident,
    error_ty: Ident,
    error_in: Ident,
    error_witness: Ident,
}

impl Piece {
    fn new(index: usize, span: Span) -> Self {
        let name = |prefix: &str| format_ident!("{}{}", prefix, index, span = Span::mixed_site());
        Piece {
            span,
            field: name("__f"),
            future: name("F"),
            kept: name("K"),
            value: name("__v"),
            value_ty: name("V"),
            value_in: name("T"),
            value_witness: name("__wv"),
            error: name("__c"),
            error_ty: name("C"),
            error_in: name("E"),
            error_witness: name("__we"),
        }
    }
}

/// The struct made for a call: which converters each branch carries, and
/// the generics, fields and bounds that follow from it.
struct JoinStruct {
    kind: Kind,
    /// Converts each branch's value (or output) into one type.
    values: bool,
    /// Converts each branch's error into one type.
    errors: bool,
}

impl JoinStruct {
    fn of(kind: Kind) -> Self {
        JoinStruct {
            kind,
            values: kind.same_value().is_some(),
            errors: kind.joins_errors(),
        }
    }

    /// `F0, K0, [V0,] [C0,]`: the struct's parameters for one branch.
    fn params(&self, piece: &Piece) -> TokenStream {
        let Piece {
            future,
            kept,
            value_ty,
            error_ty,
            ..
        } = piece;
        let value = self.values.then(|| quote!(#value_ty,));
        let error = self.errors.then(|| quote!(#error_ty,));
        quote!(#future, #kept, #value #error)
    }

    /// The struct's fields for one branch: the branch in place, then its
    /// zero-sized converters.
    fn fields(&self, piece: &Piece, private: &TokenStream) -> TokenStream {
        let Piece {
            field,
            future,
            kept,
            value,
            value_ty,
            error,
            error_ty,
            ..
        } = piece;
        let value = self.values.then(|| quote!(#value: #value_ty,));
        let error = self.errors.then(|| quote!(#error: #error_ty,));
        quote!(#[pin] #field: #private::Branch<#future, #kept>, #value #error)
    }

    /// `field, [value,] [error,]`: the struct literal's fields for one branch.
    fn init(&self, piece: &Piece) -> TokenStream {
        let Piece {
            field,
            value,
            error,
            ..
        } = piece;
        let value = self.values.then(|| quote!(#value,));
        let error = self.errors.then(|| quote!(#error,));
        quote!(#field, #value #error)
    }

    /// The struct's arguments in the impl (`race!` keeps nothing: `()`).
    fn self_args(&self, piece: &Piece, private: &TokenStream) -> TokenStream {
        let Piece {
            future,
            kept,
            value_ty,
            error_ty,
            error_in,
            ..
        } = piece;
        // `parallel!` and `first_ok!` keep the whole `Result`.
        match self.kind {
            Kind::Settled => self.params(piece),
            Kind::Race => quote!(#future, (), #value_ty,),
            Kind::Parallel => quote!(#future, #private::Result<#kept, #error_in>, #error_ty,),
            Kind::FirstOk => {
                let value_in = &piece.value_in;
                quote!(#future, #private::Result<#value_in, #kept>, #value_ty, #error_ty,)
            }
        }
    }

    /// The impl's parameters for one branch.
    fn impl_params(&self, piece: &Piece) -> TokenStream {
        let Piece {
            future,
            kept,
            value_ty,
            value_in,
            error_ty,
            error_in,
            ..
        } = piece;
        match self.kind {
            Kind::Settled => quote!(#future, #kept,),
            Kind::Race => quote!(#future, #value_ty, #value_in,),
            Kind::Parallel => quote!(#future, #kept, #error_ty, #error_in,),
            Kind::FirstOk => quote!(#future, #kept, #value_ty, #error_ty, #value_in,),
        }
    }

    /// What one branch must be, in the impl's `where` clause.
    fn bounds(&self, piece: &Piece, private: &TokenStream, names: &Names) -> TokenStream {
        let Piece {
            future,
            kept,
            value_ty,
            value_in,
            error_ty,
            error_in,
            ..
        } = piece;
        let Names {
            value_out,
            error_out,
            ..
        } = names;
        match self.kind {
            Kind::Settled => quote!(#future: #private::Future<Output = #kept>,),
            Kind::Race => quote! {
                #future: #private::Future<Output = #value_in>,
                #value_ty: #private::Fn(#value_in) -> #value_out,
            },
            Kind::Parallel => quote! {
                #future: #private::Future<Output = #private::Result<#kept, #error_in>>,
                #error_ty: #private::Fn(#error_in) -> #error_out,
            },
            Kind::FirstOk => quote! {
                #future: #private::Future<Output = #private::Result<#value_in, #kept>>,
                #value_ty: #private::Fn(#value_in) -> #value_out,
                #error_ty: #private::Fn(#kept) -> #error_out,
            },
        }
    }

    /// The impl's parameters for the call's one value and error types, and
    /// the future's output.
    fn output(
        &self,
        pieces: &[Piece],
        private: &TokenStream,
        names: &Names,
    ) -> (TokenStream, TokenStream) {
        let Names {
            value_out,
            error_out,
            ..
        } = names;
        let kept = pieces.iter().map(|piece| &piece.kept);
        match self.kind {
            Kind::Settled => (quote!(), quote!((#(#kept,)*))),
            Kind::Race => (quote!(#value_out), quote!(#value_out)),
            Kind::Parallel => (
                quote!(#error_out),
                quote!(#private::Result<(#(#kept,)*), #error_out>),
            ),
            Kind::FirstOk => (
                quote!(#value_out, #error_out),
                quote!(#private::Result<#value_out, #private::AllFailed<#error_out>>),
            ),
        }
    }
}

/// Hygienic names shared by the whole expansion.
struct Names {
    strukt: Ident,
    cx: Ident,
    this: Ident,
    limit: Ident,
    label: syn::Lifetime,
    /// The one output (`race!`) or value (`first_ok!`) type, and error type.
    value_out: Ident,
    error_out: Ident,
}

impl Names {
    fn new(kind: Kind) -> Self {
        let site = Span::mixed_site();
        Names {
            strukt: format_ident!("__Orchestrate{}", kind.type_name(), span = site),
            cx: Ident::new("__cx", site),
            this: Ident::new("__this", site),
            limit: Ident::new("__limit", site),
            label: syn::Lifetime::new("'__orchestrate", site),
            value_out: Ident::new("__T", site),
            error_out: Ident::new("__E", site),
        }
    }
}

pub(crate) fn expand(kind: Kind, input: &JoinInput) -> TokenStream {
    let krate = &input.krate;
    let private = quote!(#krate::__private);
    let join = JoinStruct::of(kind);
    let names = Names::new(kind);
    let pieces: Vec<Piece> = input
        .branches
        .iter()
        .enumerate()
        .map(|(i, b)| Piece::new(i, b.span()))
        .collect();

    // `$crate::__private` located at a branch (resolving as before), so that
    // errors from a call through it are reported on that branch.
    let private_at = |span: Span| located(private.clone(), span);

    let limit = &names.limit;
    let made = input.branches.iter().zip(&pieces).map(|(branch, piece)| {
        let private = private_at(piece.span);
        let constructor = Ident::new(kind.constructor(), piece.span);
        let x = Ident::new("__x", Span::mixed_site());
        let branch = match (&input.timeout, &input.error) {
            (None, _) => quote!(#branch),
            (Some(_), None) => quote! {
                #private::limited(#branch, |#x| #private::elapsed_into(#x), #private::identity)
            },
            (Some(_), Some(_)) => quote! {
                #private::limited(#branch, #private::LimitedError::TimedOut, #private::LimitedError::Failed)
            },
        };
        quote!(#private::#constructor(#branch))
    });
    let binding = input.timeout.is_some().then(|| quote!(mut));
    let bound = pieces.iter().map(
        |Piece {
             field,
             value_witness,
             error_witness,
             ..
         }| {
            if kind == Kind::Settled {
                quote!(#binding #field)
            } else {
                quote!((#binding #field, #value_witness, #error_witness))
            }
        },
    );
    let (limit_value, limit_binding, set_limits) = match &input.timeout {
        Some(expr) => {
            let fields = pieces.iter().map(|piece| &piece.field);
            (
                quote!(#private::limit(#expr),),
                quote!(#limit,),
                quote!(#( #fields.set_limit(#limit); )*),
            )
        }
        None => (quote!(), quote!(), quote!()),
    };
    let converters = pieces.iter().enumerate().map(|(i, piece)| {
        let first = (i > 0).then_some(&pieces[0]);
        converters(&join, piece, first, input, &private_at(piece.span))
    });

    let future = if pieces.len() <= MAX_ARITY {
        compiled_join(kind, &pieces, &private)
    } else {
        call_struct(&join, &pieces, &names, &private)
    };

    quote! {
        match (#limit_value #(#made,)*) {
            (#limit_binding #(#bound,)*) => {
                #set_limits
                #(#converters)*
                #future
            }
        }
    }
}

/// A struct and `Future` impl made for this call, and its literal.
fn call_struct(
    join: &JoinStruct,
    pieces: &[Piece],
    names: &Names,
    private: &TokenStream,
) -> TokenStream {
    let Names {
        strukt, cx, this, ..
    } = names;
    let params = pieces.iter().map(|piece| join.params(piece));
    let fields = pieces.iter().map(|piece| join.fields(piece, private));
    let init = pieces.iter().map(|piece| join.init(piece));
    let impl_params = pieces.iter().map(|piece| join.impl_params(piece));
    let self_args = pieces.iter().map(|piece| join.self_args(piece, private));
    let bounds = pieces
        .iter()
        .map(|piece| join.bounds(piece, private, names));
    let (out_params, output) = join.output(pieces, private, names);
    let body = poll_body(join.kind, pieces, names, private);
    let must_use = format!(
        "`{}!` does nothing unless you `.await` or poll it",
        join.kind.name()
    );
    quote! {
        #private::pin_project! {
            #[must_use = #must_use]
            struct #strukt<#(#params)*> {
                #(#fields)*
            }
        }
        impl<#(#impl_params)* #out_params> #private::Future for #strukt<#(#self_args)*>
        where
            #(#bounds)*
        {
            type Output = #output;

            // An uninhabited error type makes the arms that handle
            // an error unreachable, which is fine.
            #[allow(unreachable_code, unreachable_patterns)]
            fn poll(self: #private::Pin<&mut Self>, #cx: &mut #private::Context<'_>) -> #private::Poll<Self::Output> {
                #[allow(unused_mut)]
                let mut #this = self.project();
                #body
            }
        }
        #strukt { #(#init)* }
    }
}

/// The most branches `orchestrate-core` has a compiled join struct for
/// (`__private/joins.rs`, up to `Parallel12`); a call with more makes its
/// own struct.
const MAX_ARITY: usize = 12;

/// A literal of the compiled join struct of this kind and arity, for
/// example `__private::Parallel2 { f0: __f0, c0: __c0, f1: __f1, c1: __c1 }`.
fn compiled_join(kind: Kind, pieces: &[Piece], private: &TokenStream) -> TokenStream {
    let strukt = format_ident!("{}{}", kind.type_name(), pieces.len());
    let fields = pieces.iter().enumerate().map(|(i, piece)| {
        let at = |prefix: &str| format_ident!("{}{}", prefix, i);
        let (f, v, c) = (at("f"), at("v"), at("c"));
        let Piece {
            field,
            value,
            error,
            ..
        } = piece;
        match kind {
            Kind::Settled => quote!(#f: #field,),
            Kind::Parallel => quote!(#f: #field, #c: #error,),
            Kind::Race => quote!(#f: #field, #v: #value,),
            Kind::FirstOk => quote!(#f: #field, #v: #value, #c: #error,),
        }
    });
    quote!(#private::#strukt { #(#fields)* })
}

/// The `let`s that build one branch's converters, at the branch. `first` is
/// the first branch, or `None` for the first branch itself: its converters
/// keep its types (`same_as_first`, one function per type for the whole
/// crate, not a closure per call).
fn converters(
    join: &JoinStruct,
    piece: &Piece,
    first: Option<&Piece>,
    input: &JoinInput,
    private: &TokenStream,
) -> TokenStream {
    let x = Ident::new("__x", Span::mixed_site());
    let mut lets = TokenStream::new();
    if let Some(same) = join.kind.same_value() {
        let (value, witness) = (&piece.value, &piece.value_witness);
        let same = Ident::new(same, Span::call_site());
        lets.extend(match first {
            None => quote!(let #value = #private::same_as_first(&#witness);),
            Some(Piece {
                value_witness: first_witness,
                ..
            }) => quote! {
                #[allow(unreachable_code)]
                let #value = move |#x| #private::pair(&#first_witness, &#witness).#same(#x);
            },
        });
    }
    if join.errors {
        let (error, witness) = (&piece.error, &piece.error_witness);
        lets.extend(match (&input.error, first) {
            (Some(target), _) => {
                let convert = if input.timeout.is_some() {
                    quote!(#private::LimitedError::into_target(#x))
                } else {
                    quote!(#private::Into::into(#x))
                };
                quote! {
                    #[allow(unreachable_code)]
                    let #error = #private::convert_into::<#target, _, _>(&#witness, |#x| #convert);
                }
            }
            (None, None) => quote!(let #error = #private::same_as_first(&#witness);),
            (
                None,
                Some(Piece {
                    error_witness: first_witness,
                    ..
                }),
            ) => quote! {
                // An uninhabited error type makes the call unreachable.
                #[allow(unreachable_code)]
                let #error = move |#x| #private::pair(&#first_witness, &#witness).same_error(#x);
            },
        });
    }
    located(lets, piece.span)
}

/// The body of `poll`: poll every branch in order, then decide.
fn poll_body(kind: Kind, pieces: &[Piece], names: &Names, private: &TokenStream) -> TokenStream {
    let Names {
        cx, this, label, ..
    } = names;
    let fields: Vec<&Ident> = pieces.iter().map(|piece| &piece.field).collect();
    let values = pieces.iter().map(|piece| &piece.value);
    let errors = pieces.iter().map(|piece| &piece.error);
    let completed = format!("`{}!` polled after completion", kind.name());
    let cancel_all = quote!(#( #this.#fields.as_mut().cancel(); )*);
    // What the join kept of each branch: its output, `Ok` value or error.
    let kept = match kind {
        Kind::Parallel => quote!(#private::Some(#private::Ok(__kept))),
        Kind::FirstOk => quote!(#private::Some(#private::Err(__kept))),
        Kind::Settled | Kind::Race => quote!(#private::Some(__kept)),
    };
    let take_all: Vec<TokenStream> = fields
        .iter()
        .map(|field| {
            quote! {
                match #this.#field.as_mut().take() {
                    #kept => __kept,
                    _ => #private::panic!(#completed),
                }
            }
        })
        .collect();
    match kind {
        Kind::Settled => quote! {
            let mut __done = true;
            #( __done &= #this.#fields.as_mut().poll_settled(#cx); )*
            if !__done {
                return #private::Poll::Pending;
            }
            #private::Poll::Ready((#(#take_all,)*))
        },
        Kind::Race => {
            let first = fields[0];
            quote! {
                if #this.#first.is_gone() {
                    #private::panic!(#completed);
                }
                #(
                    if let #private::Poll::Ready(__out) = #this.#fields.as_mut().poll_race(#cx) {
                        #cancel_all
                        return #private::Poll::Ready((#this.#values)(__out));
                    }
                )*
                #private::Poll::Pending
            }
        }
        Kind::Parallel => quote! {
            let mut __done = true;
            let __failure = #label: {
                #(
                    match #this.#fields.as_mut().poll_ok(#cx) {
                        #private::Poll::Ready(#private::Ok(())) => {}
                        #private::Poll::Ready(#private::Err(__error)) => break #label #private::Some((#this.#errors)(__error)),
                        #private::Poll::Pending => __done = false,
                    }
                )*
                #private::None
            };
            if let #private::Some(__error) = __failure {
                #cancel_all
                return #private::Poll::Ready(#private::Err(__error));
            }
            if !__done {
                return #private::Poll::Pending;
            }
            #private::Poll::Ready(#private::Ok((#(#take_all,)*)))
        },
        Kind::FirstOk => quote! {
            let mut __done = true;
            let __winner = #label: {
                #(
                    match #this.#fields.as_mut().poll_first_ok(#cx) {
                        #private::Poll::Ready(#private::Some(__value)) => break #label #private::Some((#this.#values)(__value)),
                        #private::Poll::Ready(#private::None) => {}
                        #private::Poll::Pending => __done = false,
                    }
                )*
                #private::None
            };
            if let #private::Some(__value) = __winner {
                #cancel_all
                return #private::Poll::Ready(#private::Ok(__value));
            }
            if !__done {
                return #private::Poll::Pending;
            }
            let __errors = #private::Vec::from([#( (#this.#errors)(#take_all), )*]);
            #private::Poll::Ready(#private::Err(#private::AllFailed::new(__errors)))
        },
    }
}

/// `tokens` with every span moved to `span`'s location, each still resolving
/// as before (so `$crate` still names the facade).
fn located(tokens: TokenStream, span: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|token| match token {
            TokenTree::Group(group) => {
                let mut moved = Group::new(group.delimiter(), located(group.stream(), span));
                moved.set_span(group.span().located_at(span));
                TokenTree::Group(moved)
            }
            mut other => {
                other.set_span(other.span().located_at(span));
                other
            }
        })
        .collect()
}
