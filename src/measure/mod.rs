//! What load measures and judges figures by: latency books (HDR histograms per op that merge
//! across processes), time-to-converge per PG, what the process itself costs, SLO rules, the open-model arrival schedule, a step's figures and the rule
//! for a rate that held, and a shard's saved figures.

pub mod convergence;
pub mod latency;
pub mod pacing;
pub mod process;
pub mod shard;
pub mod slo;
pub mod step;
pub mod timeline;

pub use convergence::{ConvergenceBook, PgConvergence};
pub use latency::{LatencyBook, SavedBook};
pub use pacing::{Schedule, Slot, ON_TIME};
pub use process::{ProcessCost, ProcessReading};
pub use shard::ShardFigures;
pub use slo::Slo;
pub use step::StepFigures;
pub use timeline::TimelinePoint;
