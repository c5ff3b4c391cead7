//! The scenario × PG matrix and the verdict line, as every run report shows them: which cells
//! passed, in the run's scenario order and the PG table's order.

use super::input::RunReport;
use crate::pg::PgName;
use crate::record::Cell;
use std::collections::{BTreeMap, BTreeSet};

/// Passed and total cells per scenario and PG.
pub struct Matrix {
    pub scenarios: Vec<String>,
    pub pgs: Vec<PgName>,
    counts: BTreeMap<(String, PgName), (u32, u32)>,
}

impl Matrix {
    pub fn of(report: &RunReport) -> Matrix {
        let mut scenarios = Vec::new();
        let mut pgs = BTreeSet::new();
        let mut counts: BTreeMap<(String, PgName), (u32, u32)> = BTreeMap::new();
        if let Some(run) = report.history.run() {
            scenarios = run.scenarios.clone();
            pgs.extend(run.pgs.iter().copied());
        }
        for (cell, passed) in &report.verdict.cells {
            if !scenarios.contains(&cell.scenario) {
                scenarios.push(cell.scenario.clone());
            }
            pgs.insert(cell.pg);
            let entry = counts.entry((cell.scenario.clone(), cell.pg)).or_default();
            entry.1 += 1;
            if *passed {
                entry.0 += 1;
            }
        }
        let mut pgs: Vec<_> = pgs.into_iter().collect();
        pgs.sort_by_key(|pg| PgName::ALL.iter().position(|p| p == pg));
        Matrix { scenarios, pgs, counts }
    }

    /// (passed, total) cells of one scenario on one PG, if any ran.
    pub fn counts(&self, scenario: &str, pg: PgName) -> Option<&(u32, u32)> {
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

/// The mark for a matrix cell.
pub fn mark(counts: Option<&(u32, u32)>) -> String {
    match counts {
        None => "–".into(),
        Some((passed, total)) if passed == total && *total == 1 => "✓".into(),
        Some((passed, total)) if passed == total => format!("✓ {total}/{total}"),
        Some((_, 1)) => "✗".into(),
        Some((passed, total)) => format!("✗ {passed}/{total}"),
    }
}

/// `paydrill run <id>: PASSED` (or FAILED with the count, or INTERRUPTED).
pub fn verdict_line(report: &RunReport) -> String {
    let v = report.verdict;
    let run_id = report.history.run().map(|r| r.run_id.as_str()).unwrap_or("?");
    let state = if v.passed() {
        "PASSED".to_string()
    } else if v.violations.is_empty() {
        "INTERRUPTED".to_string()
    } else {
        format!("FAILED — {} violation{}", v.violations.len(), if v.violations.len() == 1 { "" } else { "s" })
    };
    let partial = if v.partial { " (partial: interrupted before every cell finished)" } else { "" };
    format!("paydrill run {run_id}: {state}{partial}")
}
