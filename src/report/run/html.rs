//! `report.html`: one self-contained page — the matrix (a failing cell links to its card), the
//! invariants, the failures sorted into cards ([`triage`]), and per-op latency bars. No
//! scripts, no external assets.

use super::input::RunReport;
use super::matrix::{mark, verdict_line, Matrix};
use super::triage::{self, card_anchor};
use crate::report::escape;
use crate::spec::Op;
use std::fmt::Write;

const STYLE: &str = "body{font:14px/1.45 system-ui,sans-serif;margin:2em;color:#222}h1{font-size:1.4em}\
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left}\
td.ok{background:#e6f6e6;text-align:center}td.skip{background:#f1f1f1;color:#666;text-align:center}td.bad{background:#fbe3e3;text-align:center}\
pre{background:#f4f4f4;padding:.5em;overflow-x:auto;white-space:pre-wrap;word-break:break-all;font-size:12px}\
.pass{color:#180}.fail{color:#c22}.bar{fill:#69c}.label{font-size:11px}";

fn percentile(sorted: &[u64], q: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

pub fn report_html(input: &RunReport) -> String {
    let v = input.verdict;
    let mut h = String::new();
    let title = verdict_line(input);
    let _ = write!(
        h,
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{}</title><style>{STYLE}{}</style></head><body>",
        escape(&title),
        triage::STYLE
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
                let _ = write!(h, "<td class=\"{cls}\"><a href=\"#{}\">{text}</a></td>", card_anchor(s, pg.as_str()));
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

    h.push_str(&triage::violations_html(input));

    let calls = input.calls;
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
