//! The same macro code as `runtime_tokio` and `runtime_async_std`, under smol.
//!
//! ```text
//! cargo run --example runtime_smol
//! ```

#[path = "shared/checkout.rs"]
mod checkout;

fn main() {
    smol::block_on(checkout::checkout("smol"));
}
