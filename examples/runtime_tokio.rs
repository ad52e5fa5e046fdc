//! The same macro code as `runtime_async_std` and `runtime_smol`, under tokio.
//!
//! ```text
//! cargo run --example runtime_tokio
//! ```

#[path = "shared/checkout.rs"]
mod checkout;

fn main() {
    // What `#[tokio::main]` expands to, written out: the attribute macro
    // would be one more proc-macro crate to build for every example.
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
        .block_on(checkout::checkout("tokio"));
}
