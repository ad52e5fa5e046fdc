//! The input of the function-like macros, as the facade's trampoline passes it:
//! `($crate) [option = value, …;] branch, branch, …`.

use proc_macro2::{Span, TokenStream, TokenTree};
use syn::parse::{ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::{Expr, ExprAssign, Ident, Token, Type, parenthesized};

use super::Kind;

pub(crate) struct JoinInput {
    /// The path of the facade, as `$crate` resolved in the trampoline.
    pub(crate) krate: TokenStream,
    /// `error = Type`: the one error type every branch's error converts into.
    pub(crate) error: Option<Type>,
    /// `timeout = Duration`: a limit on each branch.
    pub(crate) timeout: Option<Expr>,
    pub(crate) branches: Vec<Expr>,
}

impl JoinInput {
    pub(crate) fn parse(kind: Kind, tokens: TokenStream) -> syn::Result<Self> {
        (|input: ParseStream<'_>| parse_input(kind, input)).parse2(tokens)
    }
}

fn parse_input(kind: Kind, input: ParseStream<'_>) -> syn::Result<JoinInput> {
    let content;
    parenthesized!(content in input);
    let krate: TokenStream = content.parse()?;
    let rest: TokenStream = input.parse()?;
    let mut join = JoinInput {
        krate,
        error: None,
        timeout: None,
        branches: Vec::new(),
    };
    // Branches are expressions, which hold a `;` only inside a group: a `;`
    // at the top ends the options.
    let mut tokens: Vec<TokenTree> = rest.into_iter().collect();
    let branches: TokenStream = match tokens.iter().position(is_semicolon) {
        Some(end) => {
            let branches = tokens.split_off(end + 1).into_iter().collect();
            tokens.pop();
            let options: TokenStream = tokens.into_iter().collect();
            (|input: ParseStream<'_>| parse_options(kind, input, &mut join)).parse2(options)?;
            branches
        }
        None => tokens.into_iter().collect(),
    };
    join.branches = Punctuated::<Expr, Token![,]>::parse_terminated
        .parse2(branches)?
        .into_iter()
        .collect();
    validate(kind, &join)?;
    Ok(join)
}

fn is_semicolon(token: &TokenTree) -> bool {
    matches!(token, TokenTree::Punct(p) if p.as_char() == ';')
}

fn parse_options(kind: Kind, input: ParseStream<'_>, join: &mut JoinInput) -> syn::Result<()> {
    let name = kind.name();
    let unknown = |span: Span, what: &str| {
        syn::Error::new(
            span,
            format!(
                "{what}: `{name}!` takes {}, before the branches, ending with `;`: `{name}!(timeout = Duration::from_secs(1); {})`",
                kind.options(),
                kind.example()
            ),
        )
    };
    while !input.is_empty() {
        let key: Ident = input
            .parse()
            .map_err(|error| unknown(error.span(), "expected an option"))?;
        let twice = || syn::Error::new(key.span(), format!("`{key}` is given twice"));
        input.parse::<Token![=]>()?;
        if key == "error" {
            if !kind.joins_errors() {
                return Err(syn::Error::new(
                    key.span(),
                    format!(
                        "`{name}!` takes no `error = …`: {}",
                        kind.why_no_error_target()
                    ),
                ));
            }
            let ty: Type = input.parse()?;
            if join.error.replace(ty).is_some() {
                return Err(twice());
            }
        } else if key == "timeout" {
            let limit: Expr = input.parse()?;
            if join.timeout.replace(limit).is_some() {
                return Err(twice());
            }
        } else {
            return Err(unknown(key.span(), &format!("unknown option `{key}`")));
        }
        if !input.is_empty() {
            input.parse::<Token![,]>()?;
        }
    }
    Ok(())
}

/// Checks what parsing cannot: an option written like a branch, and at
/// least one branch.
fn validate(kind: Kind, join: &JoinInput) -> syn::Result<()> {
    let name = kind.name();
    if let Some(Expr::Assign(ExprAssign { left, .. })) = join.branches.first()
        && let Expr::Path(path) = &**left
        && let Some(key) = path.path.get_ident()
        && (key == "error" || key == "timeout")
    {
        let message = if key == "error" {
            format!("to name the error type, end it with `;`: `{name}!(error = MyError; a, b)`")
        } else {
            format!(
                "to limit each branch, end the option with `;`: `{name}!(timeout = Duration::from_secs(1); a, b)`"
            )
        };
        return Err(syn::Error::new_spanned(&join.branches[0], message));
    }
    if join.branches.is_empty() {
        return Err(syn::Error::new(
            Span::call_site(),
            format!(
                "`{name}!` needs at least one branch, like `{name}!({})`",
                kind.example()
            ),
        ));
    }
    Ok(())
}
