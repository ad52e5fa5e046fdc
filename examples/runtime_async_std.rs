//! The same macro code as `runtime_tokio` and `runtime_smol`, under async-std.
//!
//! ```text
//! cargo run --example runtime_async_std
//! ```

#[path = "shared/checkout.rs"]
mod checkout;

#[async_std::main]
async fn main() {
    checkout::checkout("async-std").await;
}
