//! One load shard's figures as `load.json` keeps them, for `paydrill merge` to add up: counts,
//! the latency book (histograms, not percentiles, so they merge exactly) and the SLO it ran under.

use super::latency::SavedBook;
use serde::{Deserialize, Serialize};

/// What `load.json` keeps for `merge`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ShardFigures {
    pub run_id: String,
    pub shard: Option<(u32, u32)>,
    pub scheduled_per_min: f64,
    pub seconds: f64,
    pub scheduled: u64,
    pub started: u64,
    pub completed: u64,
    pub late: u64,
    pub violations: u64,
    pub book: SavedBook,
    pub slo: String,
}
