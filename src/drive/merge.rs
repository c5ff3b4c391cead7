//! `paydrill merge`: joins the shards of one load test run as separate processes (a CI matrix,
//! a Kubernetes Indexed Job): counts add up, percentiles come from the merged histograms (never
//! averaged), and every shard's history is checked again order by order as it streams past, so
//! memory stays one order's worth however many shards and orders.

use crate::check::{self, Tally};
use crate::exit::{Exit, Fatal};
use crate::measure::{ConvergenceBook, LatencyBook, ShardFigures, Slo};
use crate::record::{self, HistoryReader};
use crate::report::load::{self, MergeReport};
use crate::spec::Scenario;
use std::path::{Path, PathBuf};

/// What a merge produced.
pub struct MergeOutcome {
    /// The merged `summary.md`, also for printing.
    pub summary: String,
    pub found: Tally,
    pub exit: Exit,
}

/// Reads each shard's `load.json` and streams its history, merges them, and writes the merged
/// summary into `out`.
pub fn merge(dirs: &[PathBuf], scenarios: &[Scenario], out: &Path) -> Result<MergeOutcome, Fatal> {
    if dirs.is_empty() {
        return Err(Fatal::bad_input("merge needs the run folders of the shards"));
    }
    let mut shards = Vec::new();
    let mut book = LatencyBook::default();
    let mut found = Tally::default();
    let mut converged = ConvergenceBook::default();
    let mut unfinished = Vec::new();
    for dir in dirs {
        let file = dir.join("load.json");
        let text = std::fs::read_to_string(&file).map_err(|e| {
            Fatal::bad_input(format!("{}: cannot read ({e}); is this a `paydrill load` run folder?", file.display()))
        })?;
        let saved: ShardFigures = serde_json::from_str(&text)
            .map_err(|e| Fatal::bad_input(format!("{}: not a load summary: {e}", file.display())))?;
        let shard_book = LatencyBook::from_saved(&saved.book)
            .map_err(|e| Fatal::bad_input(format!("{}: bad histogram: {e}", file.display())))?;
        book.merge(&shard_book);
        let path = record::history_in(dir);
        let mut orders = HistoryReader::open(&path)?.orders();
        for order in orders.by_ref() {
            let order = order?;
            for c in order.convergences() {
                converged.add(c);
            }
            found.add(check::check(&order, scenarios));
        }
        if orders.header().is_none() {
            return Err(Fatal::bad_input(format!("{}: no run header: not a paydrill history", path.display())));
        }
        if orders.end().is_none_or(|end| end.partial) {
            unfinished.push(path.display().to_string());
        }
        shards.push((dir.clone(), saved));
    }
    let slo = Slo::parse(&shards[0].1.slo).unwrap_or_default();
    let sum = |f: fn(&ShardFigures) -> u64| shards.iter().map(|(_, s)| f(s)).sum::<u64>();
    let slo_broken = slo.broken(&book);
    let report = MergeReport {
        shards: &shards,
        book: &book,
        scheduled: sum(|s| s.scheduled),
        started: sum(|s| s.started),
        completed: sum(|s| s.completed),
        late: sum(|s| s.late),
        found: &found,
        converged: &converged,
        unfinished: &unfinished,
        slo_broken: &slo_broken,
    };
    let summary = load::write_merge(out, &report)
        .map_err(|e| Fatal::bad_input(format!("cannot write in {} (--out): {e}", out.display())))?;
    let exit = if report.passed() { Exit::Held } else { Exit::Failed };
    Ok(MergeOutcome { summary, found, exit })
}
