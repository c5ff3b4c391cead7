//! A load test's reports: `summary.md` (printed too), `summary.json` (for machines),
//! `latency.csv` (p50/p95/p99 per op per step), `capacity.csv` (one row per capacity step), `settlement-summary.csv` and
//! `report.html` with the capacity chart; and the summary of a merge of shards. Plain values
//! in, files out.

mod figures;
mod html;
mod input;
mod json;
mod markdown;
mod ops;

pub use input::{LoadReport, MergeReport};
pub use markdown::{merge_markdown, summary_markdown};

use super::write_atomic;
use crate::settle;
use std::path::Path;

/// Writes the load reports into `dir`; returns the Markdown summary.
pub fn write_all(dir: &Path, r: &LoadReport) -> std::io::Result<String> {
    let md = summary_markdown(r);
    write_atomic(dir, "summary.md", md.as_bytes())?;
    write_atomic(dir, "summary.json", json::summary_json(r).as_bytes())?;
    write_atomic(dir, "latency.csv", figures::latency_csv(r.steps).as_bytes())?;
    if r.find_capacity {
        write_atomic(dir, "capacity.csv", figures::capacity_csv(r.steps).as_bytes())?;
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
