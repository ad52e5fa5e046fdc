//! What the benchmarks of orchestrate share: the workloads every contender
//! runs and the report `compare.rs` prints. The benchmarks live in their own
//! workspace member, so that their peers (criterion, futures-buffered,
//! futures-concurrency, …) are built only by `cargo bench`, never by
//! `cargo run --example …` or `cargo test`.

pub mod report;
pub mod workloads;
