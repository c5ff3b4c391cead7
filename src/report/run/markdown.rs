//! `summary.md`: the verdict, the scenario × PG matrix, the invariants with what each checked,
//! the violations and the settlement totals, fit for a terminal and a CI step summary.

use super::input::RunReport;
use super::matrix::{mark, verdict_line, Matrix};
use crate::check::step_answers;
use crate::pg::PgName;
use crate::record::{Mode, Purpose};
use crate::report::tables::{invariants_table, settlement_table};
use crate::settle::SummaryBook;
use std::collections::BTreeSet;
use std::fmt::Write;

pub fn summary_markdown(report: &RunReport) -> String {
    let mut md = String::new();
    let v = report.verdict;
    let _ = writeln!(md, "# {}\n", verdict_line(report));
    let run = report.history.run();
    if let Some(run) = run {
        let _ = writeln!(
            md,
            "Target: {} ({} mode, profile {}) · {} scenario(s) × {} PG(s) × {} = {} cells · {:.2} s\n",
            run.target,
            run.mode.as_str(),
            run.profile,
            run.scenarios.len(),
            run.pgs.len(),
            run.repeat,
            v.cells.len(),
            report.seconds
        );
    }
    let matrix = Matrix::of(report);
    pg_columns(&mut md, &matrix.pgs, ":-:");
    for s in &matrix.scenarios {
        let _ = write!(md, "| {s} |");
        for pg in &matrix.pgs {
            let _ = write!(md, " {} |", mark(matrix.counts(s, *pg)));
        }
        md.push('\n');
    }
    if run.is_some_and(|r| r.mode == Mode::Direct) {
        side_by_side(report, &matrix, &mut md);
    }
    if let Some(s) = super::spread::spreads(report.calls) {
        let source = if s.server_stamped { "arrival at the server" } else { "release of the last bytes" };
        let _ = writeln!(
            md,
            "\nClicks released together: {} step(s) of up to {} clicks; first to last {source}: median {} µs, max {} µs.",
            s.steps, s.most_clicks, s.p50_us, s.max_us
        );
    }
    invariants_table(&mut md, v.results());
    let converged = crate::measure::ConvergenceBook::of(report.history.convergences());
    crate::report::convergence::table(&mut md, &converged.per_pg());
    if !v.violations.is_empty() {
        let _ = writeln!(md, "\n## Violations\n");
        for (i, violation) in v.violations.iter().enumerate().take(200) {
            let repro = report.repros.iter().find(|r| r.covers(&violation.invariant));
            let link = match repro.and_then(|r| r.file.as_deref()) {
                Some(file) => format!(" → [{file}]({file})"),
                None => String::new(),
            };
            let _ = writeln!(md, "{}. {}{link}", i + 1, violation.headline());
        }
        if v.violations.len() > 200 {
            let _ = writeln!(md, "\n… and {} more (see report.html)", v.violations.len() - 200);
        }
    }
    repros_table(&mut md, report.repros);
    if !report.rows.is_empty() {
        let mut book = SummaryBook::default();
        book.add_all(report.rows);
        settlement_table(&mut md, &book);
        let unreconciled = report.rows.iter().filter(|r| r.reconciled == "N").count();
        let _ = writeln!(md, "\n{} movement(s), {unreconciled} not reconciled with the PG ledgers.", report.rows.len());
    }
    md
}

/// Each violated invariant's minimal repro: the file, how far the shrink cut, how often it
/// reproduces and how to replay it.
fn repros_table(md: &mut String, repros: &[crate::check::Repro]) {
    if repros.is_empty() {
        return;
    }
    let _ = writeln!(md, "\n## Minimal repros\n");
    let _ = writeln!(md, "| invariant | from | repro | steps | shrink runs | reproduces |\n|---|---|---|--:|--:|---|");
    for r in repros {
        let from = if r.from.is_empty() { "–" } else { r.from.as_str() };
        let (file, steps) = match &r.file {
            Some(file) => (format!("[{file}]({file})"), format!("{} → {}", r.steps_before, r.steps_after)),
            None => ("–".into(), "–".into()),
        };
        let _ = writeln!(
            md,
            "| `{}` | {from}/{} | {file} | {steps} | {} | {} |",
            r.invariant,
            r.pg,
            r.runs,
            r.reproduces_text()
        );
    }
    for r in repros.iter().filter(|r| r.file.is_some()) {
        let _ = writeln!(md, "\nReplay `{}`: `{}`", r.invariant, r.replay);
    }
}

/// The head of a scenario × PG table, each PG's column aligned by `align` (`:-:`, `---`).
fn pg_columns(md: &mut String, pgs: &[PgName], align: &str) {
    let _ = write!(md, "| scenario |");
    for pg in pgs {
        let _ = write!(md, " {pg} |");
    }
    let _ = write!(md, "\n|---|");
    for _ in pgs {
        let _ = write!(md, "{align}|");
    }
    md.push('\n');
}

/// Direct mode: each PG's final status and balance per scenario, side by side; a PG that
/// disagrees with the others is marked ⚠.
fn side_by_side(report: &RunReport, matrix: &Matrix, md: &mut String) {
    let answers = step_answers(report.calls);
    let disagreeing: BTreeSet<(String, PgName)> = report
        .verdict
        .violations
        .iter()
        .filter(|v| v.invariant == "pgs-agree")
        .filter_map(|v| v.pg.map(|pg| (v.scenario.clone(), pg)))
        .collect();
    let _ = writeln!(md, "\n## Side by side: final status and balance per PG (repeat 1)\n");
    pg_columns(md, &matrix.pgs, "---");
    for s in &matrix.scenarios {
        let _ = write!(md, "| {s} |");
        let finals: Vec<_> = answers
            .iter()
            .filter(|(slot, _)| slot.scenario == *s && slot.repeat == 1 && slot.purpose == Purpose::Final)
            .flat_map(|(_, a)| a.iter())
            .collect();
        for pg in &matrix.pgs {
            let text = finals
                .iter()
                .find(|a| a.pg == *pg)
                .map(|a| format!("{} {}", a.status, a.balance))
                .unwrap_or_else(|| "–".into());
            let flag = if disagreeing.contains(&(s.clone(), *pg)) { " ⚠" } else { "" };
            let _ = write!(md, " {text}{flag} |");
        }
        md.push('\n');
    }
}
