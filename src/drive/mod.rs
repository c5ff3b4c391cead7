//! The drivers: each turns plain options into work and a plain outcome — `run` (the scenario
//! × PG matrix), `load` (an arrival rate on goose), `merge` (load shards joined), `bench` (the
//! fake servers measured), `fuzz` (the readers of user input fed mutated files), `probe` (a profile tried once on a live platform), `reconcile` (a platform's settlement export against the PGs' reports) — sharing one
//! [`setup`] of scenarios, mocks and targets. They emit
//! progress as events and print nothing.

pub mod bench;
pub mod fuzz;
pub mod load;
pub mod merge;
pub mod probe;
pub mod reconcile;
pub mod run;
pub mod setup;
pub mod shrink;
