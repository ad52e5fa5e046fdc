//! `#[timeout(ms = N)]`: parse the arguments and the item, validate, expand.
//! On any error the item is emitted unchanged next to the error, so the rest
//! of the crate still compiles against it and no follow-on errors appear.

pub(crate) mod args;
mod expand;

pub(crate) use expand::timed;

use proc_macro2::TokenStream;

use crate::errors;
use crate::item::FnItem;

pub(crate) fn attribute(args: TokenStream, item: TokenStream) -> TokenStream {
    let raw_args = args.clone();
    let args = args::parse(args);
    let parsed = FnItem::parse("timeout", item.clone());
    let expanded = if let (Ok(args), Ok(parsed)) = (&args, &parsed) {
        // Above a `#[retry]`: the limit is for the whole retried call, which
        // only the retry expansion can wrap; hand it over.
        match crate::retry::take_overall_timeout(parsed, &raw_args) {
            Some(forwarded) => Ok(forwarded),
            None => expand::expand(args, parsed),
        }
    } else {
        Err(errors::both(args, parsed))
    };
    errors::or_item(expanded, item)
}
