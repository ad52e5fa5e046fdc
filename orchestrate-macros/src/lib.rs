//! Procedural macros of [orchestrate](https://docs.rs/orchestrate). Depend on
//! `orchestrate` and use them from there.
