//! The same macro code as `runtime_tokio` and `runtime_smol`, under async-std.
//!
//! ```text
//! cargo run --example runtime_async_std
//! ```

#[path = "shared/checkout.rs"]
mod checkout;

fn main() {
    // `async_std::task::block_on` is what `#[async_std::main]` expands to;
    // calling it keeps the attribute macro (and its syn 1) out of the build.
    async_std::task::block_on(checkout::checkout("async-std"));
}
