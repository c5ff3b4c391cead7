//! Load reports: `summary.md` (printed too), `latency.csv` (p50/p95/p99 per op per step),
//! `capacity.csv` (one row per capacity step), `settlement-summary.csv` and `report.html` with
//! the latency and capacity charts. Formats what the load driver measured; runs nothing.

use super::{escape, write_atomic};
use crate::load::slo::Figures;
use crate::load::{LoadOptions, StepResult};
use crate::settlement::{self, SummaryRow};
use crate::spec::Op;
use std::fmt::Write;
use std::path::Path;

pub struct LoadReport<'a> {
    pub run_id: &'a str,
    pub opts: &'a LoadOptions,
    pub steps: &'a [StepResult],
    pub best_rate: Option<f64>,
    pub settlement: &'a [SummaryRow],
}

fn ms(us: Option<u64>) -> String {
    us.map_or("–".into(), |u| format!("{:.1}", u as f64 / 1000.0))
}

/// One op's figures: name, calls, errors, p50, p95, p99 and max in ms.
fn op_figures(b: &crate::load::latency::LatencyBook, op: Op) -> [String; 7] {
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

fn ops_of(step: &StepResult) -> Vec<Op> {
    Op::ALL.into_iter().filter(|op| step.book.per_op.contains_key(op)).collect()
}

pub fn summary(r: &LoadReport) -> String {
    let mut md = String::new();
    let verdict = if r.opts.find_capacity {
        match r.best_rate {
            Some(rate) => format!("highest rate that met the SLO: {rate:.0} orders/min"),
            None => "no rate met the SLO".into(),
        }
    } else if r.steps.iter().all(StepResult::passed) {
        "PASSED".into()
    } else {
        "FAILED".into()
    };
    let _ = writeln!(md, "# paydrill load {}: {verdict}\n", r.run_id);
    let mix: Vec<_> = r.opts.mix.iter().map(|(n, w)| format!("{n}={w}")).collect();
    let _ = writeln!(md, "Mix {} · SLO {} · PGs {}\n", mix.join(","), slo_text(r.opts), r.opts.pgs.len().max(8));
    for step in r.steps {
        if r.opts.find_capacity {
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
        let _ =
            writeln!(md, "| op | calls | errors | p50 ms | p95 ms | p99 ms | max ms |\n|---|--:|--:|--:|--:|--:|--:|");
        for op in ops_of(step) {
            let _ = writeln!(md, "| {} |", op_figures(&step.book, op).join(" | "));
        }
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
        let _ = writeln!(md, "Invariant and expectation violations: {}\n", step.violations);
        let _ = writeln!(md, "| invariant | violations |\n|---|--:|");
        for (id, _) in crate::check::INVARIANTS {
            let _ = writeln!(md, "| `{id}` | {} |", step.by_invariant.get(id).copied().unwrap_or(0));
        }
        let _ =
            writeln!(md, "| step expectations | {} |\n", step.by_invariant.get("expectation").copied().unwrap_or(0));
        for (i, v) in step.first_violations.iter().enumerate().take(20) {
            let _ = writeln!(md, "{}. {}", i + 1, v.headline());
        }
        if !step.first_violations.is_empty() {
            md.push('\n');
        }
    }
    if !r.settlement.is_empty() {
        let _ = writeln!(
            md,
            "## Settlement\n\n| pg | approvals | approved | cancels | cancelled | net |\n|---|--:|--:|--:|--:|--:|"
        );
        for s in r.settlement {
            let _ = writeln!(
                md,
                "| {} | {} | {} | {} | {} | {} |",
                s.pg, s.approvals_count, s.approvals_sum, s.cancels_count, s.cancels_sum, s.net
            );
        }
    }
    md
}

fn slo_text(opts: &LoadOptions) -> String {
    if opts.slo.terms.is_empty() {
        "none".into()
    } else {
        opts.slo.terms.iter().map(|t| t.text.clone()).collect::<Vec<_>>().join(",")
    }
}

fn latency_csv(steps: &[StepResult]) -> String {
    let mut out = String::from("step,scheduled_per_min,op,calls,errors,p50_ms,p95_ms,p99_ms,max_ms\n");
    for s in steps {
        for op in ops_of(s) {
            let _ = writeln!(out, "{},{:.0},{}", s.index, s.scheduled_per_min, op_figures(&s.book, op).join(","));
        }
    }
    out
}

fn capacity_csv(steps: &[StepResult]) -> String {
    let mut out = String::from("step,scheduled_per_min,achieved_per_min,error_rate,late_starts,violations,slo_met");
    for op in Op::ALL {
        let _ = write!(out, ",{0}_p50_ms,{0}_p95_ms,{0}_p99_ms", op.as_str());
    }
    out.push('\n');
    for s in steps {
        let _ = write!(
            out,
            "{},{:.0},{:.0},{:.5},{},{},{}",
            s.index,
            s.scheduled_per_min,
            s.achieved_per_min,
            s.book.error_share(None),
            s.late,
            s.violations,
            if s.slo_broken.is_empty() { "Y" } else { "N" }
        );
        for op in Op::ALL {
            for q in [50.0, 95.0, 99.0] {
                let _ = write!(out, ",{}", ms(s.book.percentile_us(Some(op), q)));
            }
        }
        out.push('\n');
    }
    out
}

fn html(r: &LoadReport, summary_md: &str) -> String {
    let mut h = String::from("<!doctype html><html><head><meta charset=\"utf-8\"><title>paydrill load</title><style>");
    h.push_str(
        "body{font:14px/1.45 system-ui,sans-serif;margin:2em}pre{background:#f4f4f4;padding:.6em;white-space:pre-wrap}",
    );
    h.push_str("</style></head><body>");
    let _ = write!(h, "<h1>paydrill load {}</h1>", escape(r.run_id));
    if r.steps.len() > 1 {
        // p99 (all ops) against scheduled rate.
        let max_rate = r.steps.iter().map(|s| s.scheduled_per_min).fold(1.0, f64::max);
        let max_p99 = r.steps.iter().filter_map(|s| s.book.percentile_us(None, 99.0)).max().unwrap_or(1).max(1) as f64;
        let mut points: Vec<_> = r
            .steps
            .iter()
            .filter_map(|s| s.book.percentile_us(None, 99.0).map(|p| (s.scheduled_per_min, p as f64, s.held())))
            .collect();
        points.sort_by(|a, b| a.0.total_cmp(&b.0));
        h.push_str("<h2>Capacity: p99 of every op against the scheduled rate</h2><svg width=\"680\" height=\"320\">");
        h.push_str("<line x1=\"60\" y1=\"280\" x2=\"660\" y2=\"280\" stroke=\"#333\"/><line x1=\"60\" y1=\"20\" x2=\"60\" y2=\"280\" stroke=\"#333\"/>");
        let xy = |rate: f64, p99: f64| (60.0 + rate / max_rate * 580.0, 280.0 - p99 / max_p99 * 250.0);
        let path: Vec<String> = points
            .iter()
            .map(|(r, p, _)| {
                let (x, y) = xy(*r, *p);
                format!("{x:.0},{y:.0}")
            })
            .collect();
        let _ = write!(h, "<polyline fill=\"none\" stroke=\"#69c\" stroke-width=\"2\" points=\"{}\"/>", path.join(" "));
        for (rate, p99, ok) in &points {
            let (x, y) = xy(*rate, *p99);
            let colour = if *ok { "#180" } else { "#c22" };
            let _ = write!(
                h,
                "<circle cx=\"{x:.0}\" cy=\"{y:.0}\" r=\"4\" fill=\"{colour}\"/><text x=\"{x:.0}\" y=\"{:.0}\" font-size=\"10\">{:.0}/min {:.1}ms</text>",
                y - 8.0,
                rate,
                p99 / 1000.0
            );
        }
        let _ =
            write!(h, "<text x=\"300\" y=\"310\" font-size=\"11\">scheduled orders/min (green: held — SLO met, no violation, 99% on time)</text>");
        h.push_str("</svg>");
    }
    let _ = writeln!(h, "<pre>{}</pre></body></html>", escape(summary_md));
    h
}

/// Writes the load reports into `dir`; returns the Markdown summary.
pub fn write_all(dir: &Path, r: &LoadReport) -> std::io::Result<String> {
    let md = summary(r);
    write_atomic(dir, "summary.md", md.as_bytes())?;
    write_atomic(dir, "latency.csv", latency_csv(r.steps).as_bytes())?;
    if r.opts.find_capacity {
        write_atomic(dir, "capacity.csv", capacity_csv(r.steps).as_bytes())?;
    }
    let totals = settlement::to_csv(r.settlement, &settlement::SUMMARY_HEADER).map_err(std::io::Error::other)?;
    write_atomic(dir, "settlement-summary.csv", totals.as_bytes())?;
    write_atomic(dir, "report.html", html(r, &md).as_bytes())?;
    Ok(md)
}
