//! The same macro code as `runtime_async_std` and `runtime_smol`, under tokio.
//!
//! ```text
//! cargo run --example runtime_tokio
//! ```

#[path = "shared/checkout.rs"]
mod checkout;

#[tokio::main]
async fn main() {
    checkout::checkout("tokio").await;
}
