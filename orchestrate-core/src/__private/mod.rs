//! Support for the expansions of `orchestrate-macros`. Not public API: only the
//! macros name these items, through `orchestrate::__private`.

mod branch;

pub use branch::Branch;
pub use pin_project_lite::pin_project;
