//! A load run's `summary.json`, for machines (the same `schema_version` family as a run's):
//! the verdict, each step's figures (rates, on-time share, latency percentiles per op), the
//! invariants with what they checked, and the capacity found.

use super::input::LoadReport;
use crate::measure::StepFigures;
use crate::spec::Op;
use serde_json::{json, Value};

/// The version of this file's shape; it changes when a field changes meaning or goes.
pub const SCHEMA_VERSION: u32 = 1;

pub fn summary_json(r: &LoadReport) -> String {
    let verdict = if r.partial {
        "interrupted"
    } else if r.passed() {
        "passed"
    } else {
        "failed"
    };
    let value = json!({
        "schema_version": SCHEMA_VERSION,
        "kind": "load",
        "run_id": r.run_id,
        "verdict": verdict,
        "partial": r.partial,
        "mix": r.mix.iter().map(|(name, weight)| json!({ "scenario": name, "weight": weight })).collect::<Vec<_>>(),
        "slo": r.slo,
        "pgs": r.pgs.iter().map(|pg| pg.as_str()).collect::<Vec<_>>(),
        "find_capacity": r.find_capacity,
        "best_rate_per_min": r.best_rate,
        "steps": r.steps.iter().map(step).collect::<Vec<_>>(),
        "history": { "bytes": r.history_bytes, "orders": r.orders(), "bytes_per_order": r.history_bytes_per_order() },
    });
    serde_json::to_string_pretty(&value).unwrap_or_default()
}

fn step(s: &StepFigures) -> Value {
    let ms = |op: Option<Op>, q: f64| s.book.percentile_us(op, q).map(|us| us as f64 / 1000.0);
    let op_figures = |op: Option<Op>| json!({ "p50_ms": ms(op, 50.0), "p95_ms": ms(op, 95.0), "p99_ms": ms(op, 99.0) });
    let order_ms = |q: f64| s.book.order_percentile_us(q).map(|us| us as f64 / 1000.0);
    let mut ops = serde_json::Map::new();
    for op in Op::ALL {
        if s.book.calls.get(&op).copied().unwrap_or(0) > 0 {
            let mut f = op_figures(Some(op));
            f["calls"] = json!(s.book.calls.get(&op));
            f["errors"] = json!(s.book.errors.get(&op).copied().unwrap_or(0));
            ops.insert(op.as_str().to_string(), f);
        }
    }
    json!({
        "index": s.index,
        "passed": s.passed(),
        "held": s.held(),
        "cut_short": s.cut_short,
        "scheduled_per_min": s.scheduled_per_min,
        "achieved_per_min": s.achieved_per_min,
        "scheduled": s.scheduled,
        "started": s.started,
        "completed": s.completed,
        "late": s.late,
        "on_time_share": s.on_time_share(),
        "kept_its_rate": s.kept_its_rate(),
        "violations": s.found.violations,
        "slo_broken": s.slo_broken,
        "goose_failed": s.goose_failed,
        "seconds": s.seconds,
        "process": {
            "cpu_ms": s.cost.cpu_ms,
            "rss_start_kb": s.cost.rss_start_kb,
            "rss_end_kb": s.cost.rss_end_kb,
            "peak_rss_kb": s.cost.peak_rss_kb,
        },
        "ops": ops,
        "calls_all_ops": op_figures(None),
        "order_from_scheduled_start": json!({ "p50_ms": order_ms(50.0), "p95_ms": order_ms(95.0), "p99_ms": order_ms(99.0) }),
        "convergence": s.converged.per_pg(),
        "invariants": s.found.invariants.iter().map(|(id, t)| json!({ "id": id, "state": t.state_word(), "checked": t.checked, "violations": t.violations, "not_observable": t.not_observable, "not_observable_why": t.not_observable_why })).collect::<Vec<_>>(),
    })
}
