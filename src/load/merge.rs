//! `paydrill merge`: joins the shards of one load test run as separate processes (a CI matrix,
//! a Kubernetes Indexed Job): counts add up, percentiles come from the merged histograms, and
//! every invariant is checked again over all the shards' histories together.

use super::latency::LatencyBook;
use super::slo::{Figures, Slo};
use super::SavedLoad;
use crate::check::{self, Verdict};
use crate::exit::Fatal;
use crate::history::{Event, History};
use crate::spec::{Op, Scenario};
use std::fmt::Write;
use std::path::{Path, PathBuf};

/// The shards merged.
pub struct Merged {
    pub shards: Vec<(PathBuf, SavedLoad)>,
    pub book: LatencyBook,
    pub scheduled: u64,
    pub started: u64,
    pub completed: u64,
    pub late: u64,
    pub verdict: Verdict,
    pub slo_broken: Vec<String>,
}

/// Reads each shard's `load.json` and `history.jsonl` and merges them.
pub fn merge(dirs: &[PathBuf], scenarios: &[Scenario]) -> Result<Merged, Fatal> {
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
        let saved: SavedLoad = serde_json::from_str(&text)
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
    let merged_history = History { events };
    let verdict = check::check(&merged_history, scenarios);
    let sum = |f: fn(&SavedLoad) -> u64| shards.iter().map(|(_, s)| f(s)).sum::<u64>();
    Ok(Merged {
        scheduled: sum(|s| s.scheduled),
        started: sum(|s| s.started),
        completed: sum(|s| s.completed),
        late: sum(|s| s.late),
        slo_broken: slo.broken(&book),
        book,
        verdict,
        shards,
    })
}

/// The merged figures as Markdown.
pub fn summary(m: &Merged) -> String {
    let mut md = String::new();
    let ok = m.verdict.violations.is_empty() && m.slo_broken.is_empty();
    let _ = writeln!(md, "# paydrill merge of {} shard(s): {}\n", m.shards.len(), if ok { "PASSED" } else { "FAILED" });
    for (dir, s) in &m.shards {
        let _ = writeln!(md, "- {} ({}): {} orders started, {} late", dir.display(), s.run_id, s.started, s.late);
    }
    let rate: f64 = m.shards.iter().map(|(_, s)| s.scheduled_per_min).sum();
    let _ = writeln!(
        md,
        "\nOrders: {} scheduled at {rate:.0}/min in all, {} started, {} late, {} completed.\n",
        m.scheduled, m.started, m.late, m.completed
    );
    let _ = writeln!(md, "| op | calls | errors | p50 ms | p95 ms | p99 ms |\n|---|--:|--:|--:|--:|--:|");
    let ms = |us: Option<u64>| us.map_or("–".into(), |u| format!("{:.1}", u as f64 / 1000.0));
    for op in Op::ALL.into_iter().filter(|op| m.book.per_op.contains_key(op)) {
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} | {} |",
            op.as_str(),
            m.book.calls.get(&op).copied().unwrap_or(0),
            m.book.errors.get(&op).copied().unwrap_or(0),
            ms(m.book.percentile_us(Some(op), 50.0)),
            ms(m.book.percentile_us(Some(op), 95.0)),
            ms(m.book.percentile_us(Some(op), 99.0))
        );
    }
    let _ =
        writeln!(md, "\n## Invariants over every shard's history\n\n| invariant | state | violations |\n|---|---|--:|");
    for inv in &m.verdict.invariants {
        let _ = writeln!(md, "| `{}` | {} | {} |", inv.id, inv.state, inv.violations);
    }
    for (i, v) in m.verdict.violations.iter().enumerate().take(20) {
        let _ = writeln!(md, "{}. {}", i + 1, v.headline());
    }
    if !m.slo_broken.is_empty() {
        let _ = writeln!(md, "\nSLO broken: {}", m.slo_broken.join("; "));
    }
    md
}

/// Writes `summary.md` for a merge into `out`.
pub fn write(out: &Path, m: &Merged) -> std::io::Result<String> {
    std::fs::create_dir_all(out)?;
    let md = summary(m);
    crate::report::write_atomic(out, "summary.md", md.as_bytes())?;
    Ok(md)
}
