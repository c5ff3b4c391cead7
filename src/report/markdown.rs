//! `summary.md`: the verdict, the scenario × PG matrix, the invariants, the violations and the
//! settlement totals, fit for a terminal and a CI step summary.

use super::ReportInput;
use crate::history::Cell;
use crate::pg::PgName;
use crate::settlement;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

/// Passed and total cells per scenario and PG.
pub type MatrixCounts = BTreeMap<(String, PgName), (u32, u32)>;

/// The matrix: scenario → PG → (passed cells, total cells).
pub fn matrix(input: &ReportInput) -> (Vec<String>, Vec<PgName>, MatrixCounts) {
    let mut scenarios = Vec::new();
    let mut pgs = BTreeSet::new();
    let mut counts: BTreeMap<(String, PgName), (u32, u32)> = BTreeMap::new();
    if let Some(run) = input.history.run() {
        scenarios = run.scenarios.clone();
        pgs.extend(run.pgs.iter().copied());
    }
    for (cell, passed) in &input.verdict.cells {
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
    (scenarios, pgs, counts)
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

pub fn verdict_line(input: &ReportInput) -> String {
    let v = input.verdict;
    let run_id = input.history.run().map(|r| r.run_id.as_str()).unwrap_or("?");
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

pub fn summary_markdown(input: &ReportInput) -> String {
    let mut md = String::new();
    let v = input.verdict;
    let _ = writeln!(md, "# {}\n", verdict_line(input));
    if let Some(run) = input.history.run() {
        let cells = v.cells.len();
        let _ = writeln!(
            md,
            "Target: {} ({} mode, profile {}) · {} scenario(s) × {} PG(s) × {} = {cells} cells · {:.2} s\n",
            run.target,
            run.mode,
            run.profile,
            run.scenarios.len(),
            run.pgs.len(),
            run.repeat,
            input.seconds
        );
    }
    let (scenarios, pgs, counts) = matrix(input);
    let _ = write!(md, "| scenario |");
    for pg in &pgs {
        let _ = write!(md, " {pg} |");
    }
    let _ = write!(md, "\n|---|");
    for _ in &pgs {
        let _ = write!(md, ":-:|");
    }
    md.push('\n');
    for s in &scenarios {
        let _ = write!(md, "| {s} |");
        for pg in &pgs {
            let _ = write!(md, " {} |", mark(counts.get(&(s.clone(), *pg))));
        }
        md.push('\n');
    }
    if !v.expectations_checked {
        let _ = writeln!(
            md,
            "\nStep expectations were not checked: PG faults were drawn at random rates; every invariant was."
        );
    }
    if input.history.run().is_some_and(|r| r.mode == "direct") {
        side_by_side(input, &mut md);
    }
    let _ = writeln!(md, "\n## Invariants\n\n| invariant | state | violations |\n|---|---|--:|");
    for inv in &v.invariants {
        let _ = writeln!(md, "| `{}` | {} | {} |", inv.id, inv.state, inv.violations);
    }
    if !v.violations.is_empty() {
        let _ = writeln!(md, "\n## Violations\n");
        for (i, violation) in v.violations.iter().enumerate().take(200) {
            let _ = writeln!(md, "{}. {}", i + 1, violation.headline());
        }
        if v.violations.len() > 200 {
            let _ = writeln!(md, "\n… and {} more (see report.html)", v.violations.len() - 200);
        }
    }
    let rows = settlement::rows(input.history);
    if !rows.is_empty() {
        let _ = writeln!(
            md,
            "\n## Settlement\n\n| pg | approvals | approved | cancels | cancelled | net |\n|---|--:|--:|--:|--:|--:|"
        );
        let mut per_pg: BTreeMap<String, (u64, i64, u64, i64, i64)> = BTreeMap::new();
        for s in settlement::summary(&rows) {
            let e = per_pg.entry(s.pg.clone()).or_default();
            e.0 += s.approvals_count;
            e.1 += s.approvals_sum;
            e.2 += s.cancels_count;
            e.3 += s.cancels_sum;
            e.4 += s.net;
        }
        for (pg, (ac, asum, cc, csum, net)) in per_pg {
            let _ = writeln!(md, "| {pg} | {ac} | {asum} | {cc} | {csum} | {net} |");
        }
        let unreconciled = rows.iter().filter(|r| r.reconciled == "N").count();
        let _ = writeln!(md, "\n{} movement(s), {unreconciled} not reconciled with the PG ledgers.", rows.len());
    }
    md
}

/// Cells in display order (scenario order of the run, then PG order, then repeat).
pub fn ordered_cells(input: &ReportInput) -> Vec<Cell> {
    let (scenarios, pgs, _) = matrix(input);
    let mut cells: Vec<Cell> = input.verdict.cells.keys().cloned().collect();
    cells.sort_by_key(|c| {
        (scenarios.iter().position(|s| *s == c.scenario), pgs.iter().position(|p| *p == c.pg), c.repeat)
    });
    cells
}

/// Direct mode: each PG's final status and balance per scenario, side by side; a PG that
/// disagrees with the others is marked ⚠.
fn side_by_side(input: &ReportInput, md: &mut String) {
    let (scenarios, pgs, _) = matrix(input);
    let calls = input.history.calls();
    let answers = crate::check::step_answers(&calls);
    let disagreeing: BTreeSet<(String, PgName)> = input
        .verdict
        .violations
        .iter()
        .filter(|v| v.invariant == crate::check::PGS_AGREE.0)
        .filter_map(|v| v.pg.map(|pg| (v.scenario.clone(), pg)))
        .collect();
    let _ = writeln!(md, "\n## Side by side: final status and balance per PG (repeat 1)\n");
    let _ = write!(md, "| scenario |");
    for pg in &pgs {
        let _ = write!(md, " {pg} |");
    }
    let _ = write!(md, "\n|---|");
    for _ in &pgs {
        let _ = write!(md, "---|");
    }
    md.push('\n');
    for s in &scenarios {
        let _ = write!(md, "| {s} |");
        let finals: Vec<_> = answers
            .iter()
            .filter(|((scenario, repeat, _, slot), _)| scenario == s && *repeat == 1 && *slot == 2)
            .flat_map(|(_, a)| a.iter())
            .collect();
        for pg in &pgs {
            let text = finals
                .iter()
                .find(|(p, ..)| p == pg)
                .map(|(_, status, balance, _)| format!("{status} {balance}"))
                .unwrap_or_else(|| "–".into());
            let flag = if disagreeing.contains(&(s.clone(), *pg)) { " ⚠" } else { "" };
            let _ = write!(md, " {text}{flag} |");
        }
        md.push('\n');
    }
}
