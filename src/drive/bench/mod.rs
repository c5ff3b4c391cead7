//! The benchmarks: `bench fakes` (the PG-fake servers), `bench harness` (paydrill's load path
//! against a bare goose program on a minimal target), and the two processes the harness bench
//! starts besides `paydrill load`: the bench target and the bare goose program.

pub mod baseline;
mod fakes;
pub mod harness;
pub mod target;

pub use fakes::{bench_fake, BenchResult};
