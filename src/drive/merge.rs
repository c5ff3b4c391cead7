//! `paydrill merge`: joins the shards of one load test run as separate processes (a CI matrix,
//! a Kubernetes Indexed Job): counts add up, percentiles come from the merged histograms, and
//! every invariant is checked again over all the shards' histories together.

use crate::check::{self, Verdict};
use crate::exit::{Exit, Fatal};
use crate::measure::{LatencyBook, ShardFigures, Slo};
use crate::record::{Event, History};
use crate::report::load::{self, MergeReport};
use crate::spec::Scenario;
use std::path::{Path, PathBuf};

/// What a merge produced.
pub struct MergeOutcome {
    /// The merged `summary.md`, also for printing.
    pub summary: String,
    pub verdict: Verdict,
    pub exit: Exit,
}

/// Reads each shard's `load.json` and `history.jsonl`, merges them, and writes the merged
/// summary into `out`.
pub fn merge(dirs: &[PathBuf], scenarios: &[Scenario], out: &Path) -> Result<MergeOutcome, Fatal> {
    if dirs.is_empty() {
        return Err(Fatal::bad_input("merge needs the run folders of the shards"));
    }
    let mut shards = Vec::new();
    let mut book = LatencyBook::default();
    let mut events = Vec::new();
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
        let history = History::read(&dir.join("history.jsonl"))?;
        let first_run = events.iter().any(|e| matches!(e, Event::Run(_)));
        events.extend(history.events.into_iter().filter(|e| !(first_run && matches!(e, Event::Run(_)))));
        shards.push((dir.clone(), saved));
    }
    let slo = Slo::parse(&shards[0].1.slo).unwrap_or_default();
    let verdict = check::check(&History { events }, scenarios);
    let sum = |f: fn(&ShardFigures) -> u64| shards.iter().map(|(_, s)| f(s)).sum::<u64>();
    let slo_broken = slo.broken(&book);
    let report = MergeReport {
        shards: &shards,
        book: &book,
        scheduled: sum(|s| s.scheduled),
        started: sum(|s| s.started),
        completed: sum(|s| s.completed),
        late: sum(|s| s.late),
        verdict: &verdict,
        slo_broken: &slo_broken,
    };
    let summary = load::write_merge(out, &report)
        .map_err(|e| Fatal::bad_input(format!("cannot write in {} (--out): {e}", out.display())))?;
    let exit = if report.passed() { Exit::Held } else { Exit::Failed };
    Ok(MergeOutcome { summary, verdict, exit })
}
