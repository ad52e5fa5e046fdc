//! The expansion: the branches are turned into futures where they are written
//! (so type errors point at the offending branch), then moved into a struct
//! made for this call, whose `Future` impl polls each branch in order.
//!
//! ```text
//! match (into_future(a), into_future(b)) {
//!     (f0, f1) => {
//!         struct Join<F0, K0, F1, K1> { #[pin] f0: Branch<F0, K0>, #[pin] f1: Branch<F1, K1> }
//!         impl<…> Future for Join<…> { … }
//!         Join { f0: Branch::new(f0), f1: Branch::new(f1) }
//!     }
//! }
//! ```
//!
//! The `match` keeps temporaries of the branch expressions alive until the
//! end of the statement that awaits the future, as a plain call would.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

use super::Kind;
use super::input::JoinInput;

pub(crate) fn expand(kind: Kind, input: &JoinInput) -> TokenStream {
    let krate = &input.krate;
    let p = quote!(#krate::__private);
    let n = input.branches.len();
    let name = format_ident!("__Orchestrate{}", camel(kind), span = Span::mixed_site());
    let fields: Vec<Ident> = (0..n).map(|i| format_ident!("__f{}", i, span = Span::mixed_site())).collect();
    let futs: Vec<Ident> = (0..n).map(|i| format_ident!("F{}", i, span = Span::mixed_site())).collect();
    let kept: Vec<Ident> = (0..n).map(|i| format_ident!("K{}", i, span = Span::mixed_site())).collect();
    let errs: Vec<Ident> = (0..n).map(|i| format_ident!("E{}", i, span = Span::mixed_site())).collect();
    let cx = Ident::new("__cx", Span::mixed_site());
    let this = Ident::new("__this", Span::mixed_site());
    let label = syn::Lifetime::new("'__orchestrate", Span::mixed_site());
    let target_ty = input.error.as_ref().map(|target| &target.ty);
    let target = Ident::new("__Target", Span::mixed_site());

    // Branch expressions become futures where they are written.
    let constructor = match kind {
        Kind::Settled => quote!(settled_branch),
        Kind::Race => quote!(race_branch),
        Kind::Parallel => quote!(parallel_branch),
        Kind::FirstOk => quote!(first_ok_branch),
    };
    let made = input.branches.iter().map(|branch| {
        quote_spanned!(branch.span()=> #p::#constructor(#branch))
    });

    // Checks that tie branches together, each on its branch's span.
    let checks = input.branches.iter().zip(&fields).enumerate().map(|(i, (branch, field))| {
        let first = &fields[0];
        let span = branch.span();
        match (kind, target_ty) {
            (Kind::Settled, _) => quote!(),
            (_, Some(ty)) => {
                let check = if kind == Kind::FirstOk && i > 0 {
                    quote_spanned!(span=> #p::same_ok(&#first, &#field);)
                } else {
                    quote!()
                };
                quote_spanned!(span=> #p::error_into::<#ty, _, _>(&#field); #check)
            }
            _ if i == 0 => quote!(),
            (Kind::Race, None) => quote_spanned!(span=> #p::same_output(&#first, &#field);),
            (Kind::Parallel, None) => quote_spanned!(span=> #p::same_error(&#first, &#field);),
            (Kind::FirstOk, None) => quote_spanned!(span=> #p::same_ok(&#first, &#field); #p::same_error(&#first, &#field);),
        }
    });

    let has_target = target_ty.is_some();
    let struct_generics = {
        let target = has_target.then(|| quote!(#target));
        quote!(<#(#futs, #kept,)* #target>)
    };
    let phantom_field = has_target.then(|| quote!(__target: #p::PhantomData<fn() -> #target>,));
    let phantom_init = target_ty.map(|ty| quote!(__target: #p::PhantomData::<fn() -> #ty>,));

    let must_use = format!("`{}!` does nothing unless you `.await` or poll it", kind.name());
    let completed = format!("`{}!` polled after completion", kind.name());
    let cancel_all = quote!(#( #this.#fields.as_mut().cancel(); )*);
    let take_all = quote!(#( #this.#fields.as_mut().take().expect(#completed), )*);
    let convert = |e: TokenStream| if has_target { quote!(#p::Into::into(#e)) } else { e };

    let (impl_generics, bounds, output, body) = match kind {
        Kind::Settled => (
            quote!(<#(#futs, #kept),*>),
            quote!(#(#futs: #p::Future<Output = #kept>,)*),
            quote!((#(#kept,)*)),
            quote! {
                let mut __done = true;
                #( __done &= #this.#fields.as_mut().poll_settled(#cx); )*
                if !__done {
                    return #p::Poll::Pending;
                }
                #p::Poll::Ready((#take_all))
            },
        ),
        Kind::Race => (
            quote!(<#(#futs,)* __T>),
            quote!(#(#futs: #p::Future<Output = __T>,)*),
            quote!(__T),
            {
                let first = &fields[0];
                quote! {
                    if #this.#first.is_gone() {
                        #p::panic!(#completed);
                    }
                    #(
                        if let #p::Poll::Ready(__out) = #this.#fields.as_mut().poll_race(#cx) {
                            #cancel_all
                            return #p::Poll::Ready(__out);
                        }
                    )*
                    #p::Poll::Pending
                }
            },
        ),
        Kind::Parallel => {
            let (generics, bounds, error) = if has_target {
                (
                    quote!(<#(#futs, #kept, #errs,)* #target>),
                    quote!(#(#futs: #p::Future<Output = #p::Result<#kept, #errs>>, #errs: #p::Into<#target>,)*),
                    quote!(#target),
                )
            } else {
                (
                    quote!(<#(#futs, #kept,)* __E>),
                    quote!(#(#futs: #p::Future<Output = #p::Result<#kept, __E>>,)*),
                    quote!(__E),
                )
            };
            let failed = convert(quote!(__error));
            (
                generics,
                bounds,
                quote!(#p::Result<(#(#kept,)*), #error>),
                quote! {
                    let mut __done = true;
                    let __failure = #label: {
                        #(
                            match #this.#fields.as_mut().poll_ok(#cx) {
                                #p::Poll::Ready(#p::Ok(())) => {}
                                #p::Poll::Ready(#p::Err(__error)) => break #label #p::Some(#failed),
                                #p::Poll::Pending => __done = false,
                            }
                        )*
                        #p::None
                    };
                    if let #p::Some(__error) = __failure {
                        #cancel_all
                        return #p::Poll::Ready(#p::Err(__error));
                    }
                    if !__done {
                        return #p::Poll::Pending;
                    }
                    #p::Poll::Ready(#p::Ok((#take_all)))
                },
            )
        }
        Kind::FirstOk => {
            let (generics, bounds, error) = if has_target {
                (
                    quote!(<#(#futs, #errs,)* __T, #target>),
                    quote!(#(#futs: #p::Future<Output = #p::Result<__T, #errs>>, #errs: #p::Into<#target>,)*),
                    quote!(#target),
                )
            } else {
                (
                    quote!(<#(#futs,)* __T, __E>),
                    quote!(#(#futs: #p::Future<Output = #p::Result<__T, __E>>,)*),
                    quote!(__E),
                )
            };
            let errors = fields.iter().map(|field| {
                convert(quote!(#this.#field.as_mut().take().expect(#completed)))
            });
            (
                generics,
                bounds,
                quote!(#p::Result<__T, #p::AllFailed<#error>>),
                quote! {
                    let mut __done = true;
                    let __winner = #label: {
                        #(
                            match #this.#fields.as_mut().poll_first_ok(#cx) {
                                #p::Poll::Ready(#p::Some(__value)) => break #label #p::Some(__value),
                                #p::Poll::Ready(#p::None) => {}
                                #p::Poll::Pending => __done = false,
                            }
                        )*
                        #p::None
                    };
                    if let #p::Some(__value) = __winner {
                        #cancel_all
                        return #p::Poll::Ready(#p::Ok(__value));
                    }
                    if !__done {
                        return #p::Poll::Pending;
                    }
                    #p::Poll::Ready(#p::Err(#p::AllFailed::new(#p::Vec::from([#(#errors),*]))))
                },
            )
        }
    };

    // The struct's arguments as the impl names them.
    let self_args = match (kind, has_target) {
        (Kind::Race, _) => quote!(<#(#futs, (),)*>),
        (Kind::FirstOk, false) => quote!(<#(#futs, __E,)*>),
        (Kind::FirstOk, true) => quote!(<#(#futs, #errs,)* #target>),
        (_, true) => quote!(<#(#futs, #kept,)* #target>),
        (_, false) => quote!(<#(#futs, #kept,)*>),
    };

    quote! {
        match (#(#made,)*) {
            (#(#fields,)*) => {
                #(#checks)*
                #p::pin_project! {
                    #[must_use = #must_use]
                    #[allow(non_camel_case_types)]
                    struct #name #struct_generics {
                        #( #[pin] #fields: #p::Branch<#futs, #kept>, )*
                        #phantom_field
                    }
                }
                impl #impl_generics #p::Future for #name #self_args
                where
                    #bounds
                {
                    type Output = #output;

                    #[allow(unused_mut, clippy::used_underscore_binding)]
                    fn poll(self: #p::Pin<&mut Self>, #cx: &mut #p::Context<'_>) -> #p::Poll<Self::Output> {
                        let mut #this = self.project();
                        #body
                    }
                }
                #name { #( #fields, )* #phantom_init }
            }
        }
    }
}

fn camel(kind: Kind) -> &'static str {
    match kind {
        Kind::Parallel => "Parallel",
        Kind::Settled => "Settled",
        Kind::Race => "Race",
        Kind::FirstOk => "FirstOk",
    }
}
