//! What a load run tells whoever displays it while it runs: the target up, each step starting,
//! its figures so far about once a second, and its figures when it is done.

use crate::measure::StepFigures;
use std::time::Duration;

/// Progress, for whoever displays it.
#[derive(Debug, Clone)]
pub enum LoadEvent {
    /// The target is up. `notes` are lines worth showing first.
    Started { run_id: String, notes: Vec<String> },
    /// A step begins: its rate (orders/min, this process's share) and length.
    StepStarted { index: u32, per_min: f64, duration: Duration, warmup: Duration, capacity: bool },
    /// A step's figures so far, about once a second while it runs.
    Progress(LoadProgress),
    /// A step finished with these figures.
    StepDone { figures: Box<StepFigures> },
}

/// A running step's figures so far.
#[derive(Debug, Clone)]
pub struct LoadProgress {
    pub index: u32,
    /// Since the first arrival was due (warm-up included), and the step's whole length.
    pub elapsed: Duration,
    pub total: Duration,
    pub scheduled_per_min: f64,
    /// Orders started per minute over the elapsed time.
    pub achieved_per_min: f64,
    pub started: u64,
    pub late: u64,
    pub completed: u64,
    /// Measured so far (after the warm-up), from the scheduled start of each order.
    pub order_p50_ms: Option<f64>,
    pub order_p99_ms: Option<f64>,
    /// Calls whose outcome stayed unknown.
    pub errors: u64,
    pub violations: u64,
}
