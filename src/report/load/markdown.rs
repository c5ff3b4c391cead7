//! The Markdown summaries of a load run (per step: arrivals, per-op latency, the SLO, the
//! invariants with what each checked over every order) and of a merge of shards.

use super::input::{LoadReport, MergeReport};
use super::ops::{op_figures, ops_of};
use crate::check::{InvariantTally, EXPECTATION, INVARIANTS};
use crate::measure::LatencyBook;
use crate::report::tables::settlement_table;
use std::fmt::Write;

pub fn summary_markdown(r: &LoadReport) -> String {
    let mut md = String::new();
    let verdict = if r.partial {
        "INTERRUPTED (partial: stopped by a signal before the end; these figures cover what ran)".into()
    } else if r.find_capacity {
        match r.best_rate {
            Some(rate) => format!("highest rate that met the SLO: {rate:.0} orders/min"),
            None => "no rate met the SLO".into(),
        }
    } else if r.passed() {
        "PASSED".into()
    } else {
        "FAILED".into()
    };
    let _ = writeln!(md, "# paydrill load {}: {verdict}\n", r.run_id);
    let mix: Vec<_> = r.mix.iter().map(|(n, w)| format!("{n}={w}")).collect();
    let pgs: Vec<_> = r.pgs.iter().map(|pg| pg.as_str()).collect();
    let slo = if r.slo.is_empty() { "none" } else { r.slo };
    let _ = writeln!(md, "Mix {} · SLO {slo} · PGs {} ({})\n", mix.join(","), pgs.len(), pgs.join(", "));
    for step in r.steps {
        if r.find_capacity {
            let _ = writeln!(md, "## Step {}: {:.0} orders/min scheduled\n", step.index, step.scheduled_per_min);
        }
        let _ = writeln!(
            md,
            "Orders: {} scheduled, {} started ({:.2}% on time, {} late by more than 10 ms), {} completed; \
             achieved {:.0} orders/min.\n",
            step.scheduled,
            step.started,
            step.on_time_share() * 100.0,
            step.late,
            step.completed,
            step.achieved_per_min
        );
        if let Some(warning) = step.rate_warning() {
            let _ = writeln!(md, "**Warning:** {warning}.\n");
        }
        op_table(&mut md, &step.book, true);
        let o = &step.book.order;
        if !o.is_empty() {
            let _ = writeln!(
                md,
                "| order (from scheduled start) | {} | – | {:.1} | {:.1} | {:.1} | {:.1} |",
                o.len(),
                o.value_at_quantile(0.5) as f64 / 1000.0,
                o.value_at_quantile(0.95) as f64 / 1000.0,
                o.value_at_quantile(0.99) as f64 / 1000.0,
                o.max() as f64 / 1000.0
            );
        }
        let _ = writeln!(md);
        if !step.slo_broken.is_empty() {
            let _ = writeln!(md, "SLO broken: {}\n", step.slo_broken.join("; "));
        }
        if let Some(g) = &step.goose_failed {
            let _ = writeln!(md, "{g}\n");
        }
        let _ = writeln!(md, "Invariant and expectation violations: {}", step.found.violations);
        invariant_tallies(&mut md, &step.found.invariants);
        crate::report::convergence::table(&mut md, &step.converged.per_pg());
        for (i, v) in step.found.first.iter().enumerate().take(20) {
            let _ = writeln!(md, "{}. {}", i + 1, v.headline());
        }
        if !step.found.first.is_empty() {
            md.push('\n');
        }
    }
    if !r.settlement.rows().is_empty() {
        settlement_table(&mut md, r.settlement);
    }
    md
}

/// Per invariant over every order of a step: state, facts checked, violations.
fn invariant_tallies(md: &mut String, tallies: &std::collections::BTreeMap<String, InvariantTally>) {
    let _ = writeln!(md, "\n| invariant | state | checked | violations | note |\n|---|---|--:|--:|---|");
    let units = INVARIANTS.iter().map(|inv| (inv.about().id, inv.about().unit)).chain([(EXPECTATION, "expectations")]);
    for (id, unit) in units {
        let Some(t) = tallies.get(id) else { continue };
        let note = match (&t.not_observable_why, t.not_observable) {
            (Some(why), n) if n > 0 => format!("{n} not observable: {why}"),
            _ => String::new(),
        };
        let _ = writeln!(md, "| `{id}` | {} | {} {unit} | {} | {note} |", t.state_word(), t.checked, t.violations);
    }
    md.push('\n');
}

/// Calls, errors and latency percentiles per op (with the max column when `with_max`).
fn op_table(md: &mut String, book: &LatencyBook, with_max: bool) {
    if with_max {
        let _ =
            writeln!(md, "| op | calls | errors | p50 ms | p95 ms | p99 ms | max ms |\n|---|--:|--:|--:|--:|--:|--:|");
    } else {
        let _ = writeln!(md, "| op | calls | errors | p50 ms | p95 ms | p99 ms |\n|---|--:|--:|--:|--:|--:|");
    }
    for op in ops_of(book) {
        let figures = op_figures(book, op);
        let shown = if with_max { &figures[..] } else { &figures[..6] };
        let _ = writeln!(md, "| {} |", shown.join(" | "));
    }
}

pub fn merge_markdown(m: &MergeReport) -> String {
    let mut md = String::new();
    let verdict = if m.passed() { "PASSED" } else { "FAILED" };
    let _ = writeln!(md, "# paydrill merge of {} shard(s): {verdict}\n", m.shards.len());
    for (dir, s) in m.shards {
        let _ = writeln!(md, "- {} ({}): {} orders started, {} late", dir.display(), s.run_id, s.started, s.late);
    }
    let rate: f64 = m.shards.iter().map(|(_, s)| s.scheduled_per_min).sum();
    let _ = writeln!(
        md,
        "\nOrders: {} scheduled at {rate:.0}/min in all, {} started, {} late, {} completed.\n",
        m.scheduled, m.started, m.late, m.completed
    );
    op_table(&mut md, m.book, false);
    let _ =
        writeln!(md, "\n## Invariants\n\nOver every order of every shard's history ({} orders):", m.found.histories);
    invariant_tallies(&mut md, &m.found.invariants);
    crate::report::convergence::table(&mut md, &m.converged.per_pg());
    for (i, v) in m.found.first.iter().enumerate().take(20) {
        let _ = writeln!(md, "{}. {}", i + 1, v.headline());
    }
    for path in m.unfinished {
        let _ =
            writeln!(md, "\n{path} does not end as a finished run: a shard was cut short, so this merge cannot pass.");
    }
    if !m.slo_broken.is_empty() {
        let _ = writeln!(md, "\nSLO broken: {}", m.slo_broken.join("; "));
    }
    md
}
