//! A load test's reports: `summary.md` (printed too), `latency.csv` (p50/p95/p99 per op per
//! step), `capacity.csv` (one row per capacity step), `settlement-summary.csv` and
//! `report.html` with the capacity chart; and the summary of a merge of shards. Plain values
//! in, files out.

mod csv;
mod html;
mod markdown;

pub use markdown::{merge_markdown, summary_markdown};

use super::write_atomic;
use crate::check::Verdict;
use crate::measure::{LatencyBook, ShardFigures, StepFigures};
use crate::pg::PgName;
use crate::settle::{self, SummaryBook};
use std::path::{Path, PathBuf};

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
}

impl LoadReport<'_> {
    /// Whether the run passed: every step passed, or for a capacity search, some rate held.
    pub fn passed(&self) -> bool {
        if self.find_capacity {
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
    /// Every invariant over every shard's history.
    pub verdict: &'a Verdict,
    pub slo_broken: &'a [String],
}

impl MergeReport<'_> {
    pub fn passed(&self) -> bool {
        self.verdict.violations.is_empty() && self.slo_broken.is_empty()
    }
}

/// Writes the load reports into `dir`; returns the Markdown summary.
pub fn write_all(dir: &Path, r: &LoadReport) -> std::io::Result<String> {
    let md = summary_markdown(r);
    write_atomic(dir, "summary.md", md.as_bytes())?;
    write_atomic(dir, "latency.csv", csv::latency_csv(r.steps).as_bytes())?;
    if r.find_capacity {
        write_atomic(dir, "capacity.csv", csv::capacity_csv(r.steps).as_bytes())?;
    }
    let totals = settle::to_csv(&r.settlement.rows(), &settle::SUMMARY_HEADER).map_err(std::io::Error::other)?;
    write_atomic(dir, "settlement-summary.csv", totals.as_bytes())?;
    write_atomic(dir, "report.html", html::load_html(r, &md).as_bytes())?;
    Ok(md)
}

/// Writes a merge's `summary.md` into `out`; returns it.
pub fn write_merge(out: &Path, m: &MergeReport) -> std::io::Result<String> {
    std::fs::create_dir_all(out)?;
    let md = merge_markdown(m);
    write_atomic(out, "summary.md", md.as_bytes())?;
    Ok(md)
}

/// A latency in ms with one decimal, or `–`.
fn ms(us: Option<u64>) -> String {
    us.map_or("–".into(), |u| format!("{:.1}", u as f64 / 1000.0))
}

/// One op's figures: name, calls, errors, p50, p95, p99 and max in ms.
fn op_figures(b: &LatencyBook, op: crate::spec::Op) -> [String; 7] {
    [
        op.as_str().to_string(),
        b.calls.get(&op).copied().unwrap_or(0).to_string(),
        b.errors.get(&op).copied().unwrap_or(0).to_string(),
        ms(b.percentile_us(Some(op), 50.0)),
        ms(b.percentile_us(Some(op), 95.0)),
        ms(b.percentile_us(Some(op), 99.0)),
        ms(b.max_us(Some(op))),
    ]
}

/// The ops a book has figures for, in vocabulary order.
fn ops_of(book: &LatencyBook) -> Vec<crate::spec::Op> {
    crate::spec::Op::ALL.into_iter().filter(|op| book.per_op.contains_key(op)).collect()
}
