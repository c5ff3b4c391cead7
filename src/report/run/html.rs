//! `report.html`: one self-contained page — the matrix, the invariants, each violation with
//! its evidence (the platform calls, the PG ledger entries and the requests the PG received),
//! and per-op latency bars. No scripts, no external assets.

use super::input::RunReport;
use super::matrix::{mark, verdict_line, Matrix};
use crate::record::Call;
use crate::report::escape;
use crate::spec::Op;
use std::collections::HashMap;
use std::fmt::Write;

const STYLE: &str = "body{font:14px/1.45 system-ui,sans-serif;margin:2em;color:#222}h1{font-size:1.4em}\
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left}\
td.ok{background:#e6f6e6;text-align:center}td.skip{background:#f1f1f1;color:#666;text-align:center}td.bad{background:#fbe3e3;text-align:center}\
.violation{border-left:4px solid #c33;padding:.2em 1em;margin:1em 0;background:#fff8f8}\
pre{background:#f4f4f4;padding:.5em;overflow-x:auto;white-space:pre-wrap;word-break:break-all;font-size:12px}\
.pass{color:#180}.fail{color:#c22}.bar{fill:#69c}.label{font-size:11px}";

fn percentile(sorted: &[u64], q: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

fn call_block(c: &Call) -> String {
    let mut s = format!(
        "<b>#{} {} {}</b> step {} click {} — {:?}\n",
        c.id,
        escape(&c.cell.to_string()),
        c.op.as_str(),
        c.step,
        c.click,
        c.phase
    );
    if let Some(r) = &c.request {
        let _ = writeln!(s, "→ {} {}\n  {}", escape(&r.method), escape(&r.url), escape(&r.body));
    }
    match (&c.response, &c.error) {
        (Some(r), _) => {
            let replayed = if r.replayed { " (replayed)" } else { "" };
            let _ = writeln!(s, "← HTTP {}{replayed}\n  {}", r.status, escape(&r.body));
        }
        (None, Some(e)) => {
            let _ = writeln!(s, "← {}", escape(e));
        }
        _ => {}
    }
    s
}

pub fn report_html(input: &RunReport) -> String {
    let v = input.verdict;
    let mut h = String::new();
    let title = verdict_line(input);
    let _ = write!(
        h,
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{}</title><style>{STYLE}</style></head><body>",
        escape(&title)
    );
    let class = if v.passed() { "pass" } else { "fail" };
    let _ = write!(h, "<h1 class=\"{class}\">{}</h1>", escape(&title));
    if let Some(run) = input.history.run() {
        let _ = write!(
            h,
            "<p>Target {} · {} mode · profile {} · started {} · {:.2} s</p>",
            escape(&run.target),
            run.mode.as_str(),
            escape(&run.profile),
            escape(&run.started_at),
            input.seconds
        );
    }

    let matrix = Matrix::of(input);
    let _ = write!(h, "<h2>Matrix</h2><table id=\"matrix\"><tr><th>scenario</th>");
    for pg in &matrix.pgs {
        let _ = write!(h, "<th>{pg}</th>");
    }
    h.push_str("</tr>");
    for s in &matrix.scenarios {
        let _ = write!(h, "<tr><th>{}</th>", escape(s));
        for pg in &matrix.pgs {
            let c = matrix.counts(s, *pg);
            let failed = c.is_some_and(|c| c.failed > 0);
            let cls = match c {
                None => "",
                Some(_) if failed => "bad",
                Some(c) if c.passed == c.total() => "ok",
                Some(_) => "skip",
            };
            let text = mark(c);
            if !failed {
                let _ = write!(h, "<td class=\"{cls}\">{text}</td>");
            } else {
                let _ = write!(h, "<td class=\"{cls}\"><a href=\"#{}-{pg}\">{text}</a></td>", escape(s));
            }
        }
        h.push_str("</tr>");
    }
    h.push_str("</table>");

    h.push_str(
        "<h2>Invariants</h2><table id=\"invariants\"><tr><th>invariant</th><th>meaning</th><th>state</th>\
         <th>checked</th><th>violations</th><th>note</th></tr>",
    );
    for inv in v.results() {
        let _ = write!(
            h,
            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&inv.id),
            escape(&inv.description),
            inv.state.word(),
            escape(&inv.checked_text()),
            inv.violations,
            escape(&inv.note())
        );
    }
    h.push_str("</table>");

    let calls = input.calls;
    let by_id: HashMap<u64, &Call> = calls.iter().map(|c| (c.id, c)).collect();
    let ledgers = input.history.ledger_payments();
    if !v.violations.is_empty() {
        let _ = write!(h, "<h2 id=\"violations\">Violations ({})</h2>", v.violations.len());
        let mut anchored = std::collections::HashSet::new();
        for violation in v.violations.iter().take(300) {
            let anchor = violation.cell.as_ref().map(|c| format!("{}-{}", c.scenario, c.pg)).unwrap_or_default();
            let id_attr = if !anchor.is_empty() && anchored.insert(anchor.clone()) {
                format!(" id=\"{}\"", escape(&anchor))
            } else {
                String::new()
            };
            let _ = write!(h, "<div class=\"violation\"{id_attr}><h3>{}</h3>", escape(&violation.invariant));
            let _ = write!(
                h,
                "<p><b>Where:</b> {} · PG {} · order {} · payment {} · step(s) {:?}</p><p><b>Expected:</b> {}<br><b>Saw:</b> {}</p>",
                escape(&violation.cell.as_ref().map(|c| c.to_string()).unwrap_or_else(|| "whole run".into())),
                violation.pg.map(|p| p.to_string()).unwrap_or_default(),
                escape(violation.order_id.as_deref().unwrap_or("–")),
                escape(violation.payment_id.as_deref().unwrap_or("–")),
                violation.steps,
                escape(&violation.expected),
                escape(&violation.seen)
            );
            let evidence: Vec<_> = violation.evidence.iter().filter_map(|id| by_id.get(id)).collect();
            if !evidence.is_empty() {
                h.push_str("<p><b>Platform calls</b></p><pre>");
                for c in evidence.iter().take(20) {
                    h.push_str(&call_block(c));
                    h.push('\n');
                }
                h.push_str("</pre>");
            }
            if let (Some(order), Some(pg)) = (&violation.order_id, violation.pg) {
                let payments: Vec<_> = ledgers.get(&pg).into_iter().flatten().filter(|p| p.belongs_to(order)).collect();
                if !payments.is_empty() {
                    h.push_str("<p><b>PG ledger</b></p><pre>");
                    for p in &payments {
                        let _ = writeln!(h, "{}", escape(&serde_json::to_string(p).unwrap_or_default()));
                    }
                    h.push_str("</pre>");
                }
                let keys: Vec<String> =
                    std::iter::once(order.clone()).chain(payments.iter().map(|p| p.pg_payment_id.clone())).collect();
                let requests: Vec<_> = input
                    .history
                    .pg_requests()
                    .filter(|r| {
                        r.pg == pg && keys.iter().any(|k| r.path.contains(k.as_str()) || r.body.contains(k.as_str()))
                    })
                    .collect();
                if !requests.is_empty() {
                    h.push_str("<p><b>Requests the PG received</b></p><pre>");
                    for r in requests.iter().take(20) {
                        let _ = writeln!(h, "{} {}\n  {}", escape(&r.method), escape(&r.path), escape(&r.body));
                    }
                    h.push_str("</pre>");
                }
            }
            h.push_str("</div>");
        }
    }

    h.push_str("<h2>Latency per op (ms)</h2>");
    let mut rows = Vec::new();
    for op in Op::ALL {
        let mut lat: Vec<u64> = calls.iter().filter(|c| c.op == op).filter_map(|c| c.latency_us).collect();
        if lat.is_empty() {
            continue;
        }
        lat.sort_unstable();
        rows.push((op, lat.len(), percentile(&lat, 0.5), percentile(&lat, 0.95), percentile(&lat, 0.99)));
    }
    let max = rows.iter().map(|r| r.4).max().unwrap_or(1).max(1) as f64;
    let _ = write!(h, "<svg width=\"640\" height=\"{}\" role=\"img\">", rows.len() * 54 + 10);
    for (i, (op, n, p50, p95, p99)) in rows.iter().enumerate() {
        let y = i * 54 + 5;
        let _ = write!(h, "<text class=\"label\" x=\"0\" y=\"{}\">{} (n={n})</text>", y + 12, op.as_str());
        for (j, (name, value)) in [("p50", p50), ("p95", p95), ("p99", p99)].iter().enumerate() {
            let width = (**value as f64 / max * 440.0).max(1.0);
            let yy = y + 16 + j * 12;
            let _ = write!(
                h,
                "<rect class=\"bar\" x=\"120\" y=\"{yy}\" width=\"{width:.0}\" height=\"10\"/><text class=\"label\" x=\"{:.0}\" y=\"{}\">{name} {:.1}</text>",
                125.0 + width,
                yy + 9,
                **value as f64 / 1000.0
            );
        }
    }
    h.push_str("</svg></body></html>\n");
    h
}
