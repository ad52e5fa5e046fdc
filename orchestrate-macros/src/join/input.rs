//! The input of the function-like macros, as the facade's trampoline passes it:
//! `($crate) [error = Type;] branch, branch, …`.

use proc_macro2::TokenStream;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Expr, ExprAssign, Ident, Token, Type, parenthesized};

use super::Kind;

pub(crate) struct JoinInput {
    /// The path of the facade, as `$crate` resolved in the trampoline.
    pub(crate) krate: TokenStream,
    /// `error = Type;`: the one error type every branch's error converts into.
    pub(crate) error: Option<ErrorTarget>,
    pub(crate) branches: Vec<Expr>,
}

pub(crate) struct ErrorTarget {
    pub(crate) key: Ident,
    pub(crate) ty: Type,
}

impl Parse for JoinInput {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let content;
        parenthesized!(content in input);
        let krate: TokenStream = content.parse()?;
        let error = if starts_error_option(input) {
            let key: Ident = input.parse()?;
            input.parse::<Token![=]>()?;
            let ty: Type = input.parse()?;
            input.parse::<Token![;]>()?;
            Some(ErrorTarget { key, ty })
        } else {
            None
        };
        let branches = Punctuated::<Expr, Token![,]>::parse_terminated(input)?;
        Ok(JoinInput {
            krate,
            error,
            branches: branches.into_iter().collect(),
        })
    }
}

/// `error = Type;`, told apart from a branch by the `;` after the type.
fn starts_error_option(input: ParseStream<'_>) -> bool {
    let fork = input.fork();
    fork.parse::<Ident>().is_ok_and(|key| key == "error")
        && fork.parse::<Token![=]>().is_ok()
        && fork.parse::<Type>().is_ok()
        && fork.peek(Token![;])
}

impl JoinInput {
    /// Checks what parsing cannot: at least one branch, `error = …` only where
    /// it means something, and the `;` after it.
    pub(crate) fn validate(&self, kind: Kind) -> syn::Result<()> {
        let name = kind.name();
        if let Some(target) = &self.error
            && !kind.takes_error_target()
        {
            return Err(syn::Error::new_spanned(
                &target.key,
                format!(
                    "`{name}!` takes no `error = …`: {}",
                    kind.why_no_error_target()
                ),
            ));
        }
        if let Some(Expr::Assign(ExprAssign { left, .. })) = self.branches.first()
            && matches!(&**left, Expr::Path(p) if p.path.is_ident("error"))
        {
            return Err(syn::Error::new_spanned(
                &self.branches[0],
                format!(
                    "to name the error type, end it with `;`: `{name}!(error = MyError; a, b)`"
                ),
            ));
        }
        if self.branches.is_empty() {
            return Err(syn::Error::new(
                proc_macro2::Span::call_site(),
                format!(
                    "`{name}!` needs at least one branch, like `{name}!({})`",
                    kind.example()
                ),
            ));
        }
        Ok(())
    }
}
