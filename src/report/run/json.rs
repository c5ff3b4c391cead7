//! `summary.json`: the run's verdict for machines — cells, every invariant with its state and
//! count, the violations and the settlement totals — under a schema version.

use super::input::RunReport;
use super::matrix::verdict_line;
use crate::check::CellVerdict;
use crate::settle::SummaryBook;
use serde_json::json;

/// The version of `summary.json`'s shape; it changes when a field changes meaning or goes.
pub const SCHEMA_VERSION: u32 = 1;

pub fn summary_json(report: &RunReport) -> String {
    let v = report.verdict;
    let run = report.history.run();
    let mut book = SummaryBook::default();
    book.add_all(report.rows);
    let verdict = if v.passed() {
        "passed"
    } else if v.checked_nothing() {
        "nothing_checked"
    } else if v.violations.is_empty() {
        "interrupted"
    } else {
        "failed"
    };
    let value = json!({
        "schema_version": SCHEMA_VERSION,
        "kind": "run",
        "run_id": run.map(|r| r.run_id.as_str()),
        "headline": verdict_line(report),
        "verdict": verdict,
        "partial": v.partial,
        "mode": run.map(|r| r.mode),
        "target": run.map(|r| r.target.as_str()),
        "profile": run.map(|r| r.profile.as_str()),
        "seconds": report.seconds,
        "cells": {
            "total": v.cells.len(),
            "passed": v.count_cells(CellVerdict::passed),
            "failed": v.count_cells(CellVerdict::failed),
            "not_supported": v.count_cells(|c| matches!(c, CellVerdict::NotSupported(_))),
            "not_exercised": v.count_cells(|c| matches!(c, CellVerdict::NotExercised(_))),
            "list": v.cell_results(),
        },
        "invariants": v.results().collect::<Vec<_>>(),
        "convergence": crate::measure::ConvergenceBook::of(report.history.convergences()).per_pg(),
        "together": super::spread::spreads(report.calls),
        "violations": &v.violations,
        "repros": report.repros,
        "settlement": {
            "movements": report.rows.len(),
            "unreconciled": report.rows.iter().filter(|r| r.reconciled == "N").count(),
            "per_pg": book.per_pg(),
        },
    });
    serde_json::to_string_pretty(&value).unwrap_or_default() + "\n"
}
