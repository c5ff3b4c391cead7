//! What to run, read from files: scenarios (steps and expectations) and profiles (how ops map
//! onto a platform's HTTP API). Parsed and validated here, with file:line on every error.

pub mod profile;
pub mod scenario;

pub use profile::{Profile, Vars};
pub use scenario::{Expect, Op, Outcome, Scenario, Step, StepFault};
