//! The scenario × PG matrix and the verdict line, as every run report shows them: which cells
//! passed, in the run's scenario order and the PG table's order.

use super::input::RunReport;
use crate::check::CellVerdict;
use crate::pg::PgName;
use crate::record::Cell;
use std::collections::{BTreeMap, BTreeSet};

/// How the cells of one scenario on one PG fared.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CellCounts {
    pub passed: u32,
    pub failed: u32,
    pub not_supported: u32,
    pub not_exercised: u32,
}

impl CellCounts {
    pub fn total(&self) -> u32 {
        self.passed + self.failed + self.not_supported + self.not_exercised
    }
}

/// The cells per scenario and PG.
pub struct Matrix {
    pub scenarios: Vec<String>,
    pub pgs: Vec<PgName>,
    counts: BTreeMap<(String, PgName), CellCounts>,
}

impl Matrix {
    pub fn of(report: &RunReport) -> Matrix {
        let mut scenarios = Vec::new();
        let mut pgs = BTreeSet::new();
        let mut counts: BTreeMap<(String, PgName), CellCounts> = BTreeMap::new();
        if let Some(run) = report.history.run() {
            scenarios = run.scenarios.clone();
            pgs.extend(run.pgs.iter().copied());
        }
        for (cell, verdict) in &report.verdict.cells {
            if !scenarios.contains(&cell.scenario) {
                scenarios.push(cell.scenario.clone());
            }
            pgs.insert(cell.pg);
            let entry = counts.entry((cell.scenario.clone(), cell.pg)).or_default();
            match verdict {
                CellVerdict::Passed => entry.passed += 1,
                CellVerdict::Failed => entry.failed += 1,
                CellVerdict::NotSupported(_) => entry.not_supported += 1,
                CellVerdict::NotExercised(_) => entry.not_exercised += 1,
            }
        }
        let mut pgs: Vec<_> = pgs.into_iter().collect();
        pgs.sort_by_key(|pg| PgName::ALL.iter().position(|p| p == pg));
        Matrix { scenarios, pgs, counts }
    }

    /// How the cells of one scenario on one PG fared, if there were any.
    pub fn counts(&self, scenario: &str, pg: PgName) -> Option<&CellCounts> {
        self.counts.get(&(scenario.to_string(), pg))
    }

    /// The run's cells in display order: scenario, then PG, then repeat.
    pub fn ordered_cells(&self, report: &RunReport) -> Vec<Cell> {
        let mut cells: Vec<Cell> = report.verdict.cells.keys().cloned().collect();
        cells.sort_by_key(|c| {
            (self.scenarios.iter().position(|s| *s == c.scenario), self.pgs.iter().position(|p| *p == c.pg), c.repeat)
        });
        cells
    }
}

/// The mark for a matrix cell: ✓ passed, ✗ failed, `n/s` not supported by the platform, `n/e`
/// ran without what it exists to test; with counts when the cell ran more than once.
pub fn mark(counts: Option<&CellCounts>) -> String {
    let Some(c) = counts else { return "–".into() };
    let total = c.total();
    let of = |n: u32| if total == 1 { String::new() } else { format!(" {n}/{total}") };
    if c.failed > 0 {
        format!("✗{}", of(c.passed))
    } else if c.not_supported == total {
        "n/s".into()
    } else if c.passed == 0 {
        format!("n/e{}", of(c.not_exercised))
    } else if c.passed < total {
        format!("✓{} n/e {}", of(c.passed), c.not_exercised + c.not_supported)
    } else {
        format!("✓{}", of(c.passed))
    }
}

/// `paydrill run <id>: PASSED` (or FAILED with the count, NOTHING CHECKED, or INTERRUPTED).
pub fn verdict_line(report: &RunReport) -> String {
    let v = report.verdict;
    let run_id = report.history.run().map(|r| r.run_id.as_str()).unwrap_or("?");
    let state = if v.passed() {
        "PASSED".to_string()
    } else if v.checked_nothing() {
        "NOTHING CHECKED (no invariant or expectation had a fact to check: every cell was not supported or \
         not exercised)"
            .to_string()
    } else if v.violations.is_empty() {
        "INTERRUPTED".to_string()
    } else {
        format!("FAILED — {} violation{}", v.violations.len(), if v.violations.len() == 1 { "" } else { "s" })
    };
    let partial = if v.partial { " (partial: interrupted before every cell finished)" } else { "" };
    format!("paydrill run {run_id}: {state}{partial}")
}
