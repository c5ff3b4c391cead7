//! What a load run's reports and a merge's summary are made of: plain values the drivers fill,
//! and whether each passed.

use crate::check::Tally;
use crate::measure::{ConvergenceBook, LatencyBook, ShardFigures, StepFigures};
use crate::pg::PgName;
use crate::settle::SummaryBook;
use std::path::PathBuf;

/// What a load run produced, for its reports.
pub struct LoadReport<'a> {
    pub run_id: &'a str,
    /// Scenario name → weight.
    pub mix: &'a [(String, u32)],
    /// The SLO as given (`p99<200ms,errors<0.1%`), empty for none.
    pub slo: &'a str,
    /// The PGs the orders went to.
    pub pgs: &'a [PgName],
    pub find_capacity: bool,
    pub steps: &'a [StepFigures],
    /// The highest rate that held, for a capacity search.
    pub best_rate: Option<f64>,
    pub settlement: &'a SummaryBook,
    /// The size of `history.jsonl`.
    pub history_bytes: u64,
    /// A stop signal ended the run before its end: it neither passed nor failed.
    pub partial: bool,
}

impl LoadReport<'_> {
    /// Orders that ran to their end, over every step.
    pub fn orders(&self) -> u64 {
        self.steps.iter().map(|s| s.completed).sum()
    }

    /// The history's size per order that ran to its end.
    pub fn history_bytes_per_order(&self) -> Option<u64> {
        (self.orders() > 0).then(|| self.history_bytes / self.orders())
    }

    /// Whether the run passed: every step passed, or for a capacity search, some rate held. A
    /// run cut short never passed.
    pub fn passed(&self) -> bool {
        if self.partial {
            false
        } else if self.find_capacity {
            self.best_rate.is_some()
        } else {
            self.steps.iter().all(StepFigures::passed)
        }
    }
}

/// Shards merged into one set of figures.
pub struct MergeReport<'a> {
    pub shards: &'a [(PathBuf, ShardFigures)],
    pub book: &'a LatencyBook,
    pub scheduled: u64,
    pub started: u64,
    pub completed: u64,
    pub late: u64,
    /// Every invariant over every order of every shard's history.
    pub found: &'a Tally,
    /// Time-to-converge per PG over every shard's orders.
    pub converged: &'a ConvergenceBook,
    /// Histories that do not end as a finished run (a shard cut short): never a pass.
    pub unfinished: &'a [String],
    pub slo_broken: &'a [String],
}

impl MergeReport<'_> {
    pub fn passed(&self) -> bool {
        self.found.passed() && self.unfinished.is_empty() && self.slo_broken.is_empty()
    }
}
