//! A run's reports: `summary.md` (also printed), `junit.xml`, `report.html`, `summary.json`,
//! `settlement.csv` and `settlement-summary.csv`, all from one [`RunReport`] value.

mod html;
mod input;
mod json;
mod junit;
mod markdown;
mod matrix;
mod spread;
mod triage;

pub use input::RunReport;
pub use markdown::summary_markdown;
pub use matrix::{mark, verdict_line, Matrix};
pub use spread::{spreads, Spreads};

use super::write_atomic;
use crate::settle::{self, SettlementRow};
use std::path::Path;

/// Writes every report file into `dir`; returns the Markdown summary (also printed).
pub fn write_all(dir: &Path, report: &RunReport) -> std::io::Result<String> {
    let summary = summary_markdown(report);
    write_atomic(dir, "summary.md", summary.as_bytes())?;
    write_atomic(dir, "junit.xml", junit::junit_xml(report).as_bytes())?;
    write_atomic(dir, "summary.json", json::summary_json(report).as_bytes())?;
    let (rows, totals) = settlement_csvs(report.rows).map_err(std::io::Error::other)?;
    write_atomic(dir, "settlement.csv", rows.as_bytes())?;
    write_atomic(dir, "settlement-summary.csv", totals.as_bytes())?;
    write_atomic(dir, "report.html", html::report_html(report).as_bytes())?;
    Ok(summary)
}

/// `settlement.csv` and `settlement-summary.csv` as text.
pub fn settlement_csvs(rows: &[SettlementRow]) -> Result<(String, String), csv::Error> {
    Ok((settle::to_csv(rows, &settle::ROW_HEADER)?, settle::to_csv(&settle::summary(rows), &settle::SUMMARY_HEADER)?))
}
