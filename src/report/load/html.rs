//! The load run's `report.html`, one self-contained page (inline SVG, no script, nothing
//! fetched): the verdict and key figures, per step the arrivals scheduled against achieved,
//! late starts, refused and unknown calls, each op's p99 over time, the latency table and the
//! invariants with their counts; for a capacity search the p99 against the scheduled rate with
//! the SLO line and the capacity marked. The Markdown summary is folded at the end.

use super::input::LoadReport;
use super::ops::{op_figures, ops_of};
use crate::measure::StepFigures;
use crate::report::escape;
use crate::report::svg::{Chart, Series, PALETTE, STYLE};
use std::fmt::Write;

const PAGE_STYLE: &str = "body{font:14px/1.45 system-ui,sans-serif;margin:1.5em 2em;color:#222;max-width:1100px}\
h1{font-size:1.5em}h1 .verdict{padding:.1em .5em;border-radius:4px;color:#fff}.pass{background:#2b8a3e}\
.fail{background:#c92a2a}.part{background:#e67700}table{border-collapse:collapse;margin:.5em 0 1em}\
td,th{border:1px solid #ddd;padding:.25em .6em;text-align:right}th:first-child,td:first-child{text-align:left}\
th{background:#f4f4f4}.held{color:#2b8a3e}.violated{color:#c92a2a;font-weight:600}.none{color:#777}\
details pre{background:#f6f6f6;padding:.6em;white-space:pre-wrap}.figures{color:#444}";

pub fn load_html(r: &LoadReport, summary_md: &str) -> String {
    let mut h = String::from("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>paydrill load ");
    let _ = write!(h, "{}</title><style>{PAGE_STYLE}{STYLE}</style></head><body>", escape(r.run_id));
    let (word, class) = if r.partial {
        ("INTERRUPTED (partial)".to_string(), "part")
    } else if r.find_capacity {
        match r.best_rate {
            Some(rate) => (format!("capacity {rate:.0} orders/min"), "pass"),
            None => ("no rate met the SLO".to_string(), "fail"),
        }
    } else if r.passed() {
        ("PASSED".to_string(), "pass")
    } else {
        ("FAILED".to_string(), "fail")
    };
    let _ = write!(
        h,
        "<h1>paydrill load {} <span class=\"verdict {class}\">{}</span></h1>",
        escape(r.run_id),
        escape(&word)
    );
    let mix: Vec<_> = r.mix.iter().map(|(n, w)| format!("{n}={w}")).collect();
    let pgs: Vec<_> = r.pgs.iter().map(|pg| pg.as_str()).collect();
    let slo = if r.slo.is_empty() { "none" } else { r.slo };
    let _ = write!(
        h,
        "<p class=\"figures\">Mix {} · SLO {} · PGs {}</p>",
        escape(&mix.join(", ")),
        escape(slo),
        escape(&pgs.join(", "))
    );
    if r.find_capacity && !r.steps.is_empty() {
        h.push_str(&capacity_chart(r).svg());
    }
    for step in r.steps {
        if r.find_capacity {
            let _ = write!(
                h,
                "<details><summary>Step {}: {:.0} orders/min scheduled — {}</summary>",
                step.index,
                step.scheduled_per_min,
                if step.held() { "held" } else { "not held" }
            );
        }
        step_section(&mut h, step);
        if r.find_capacity {
            h.push_str("</details>");
        }
    }
    let _ =
        write!(h, "<details><summary>summary.md</summary><pre>{}</pre></details></body></html>", escape(summary_md));
    h
}

fn step_section(h: &mut String, step: &StepFigures) {
    let _ = write!(
        h,
        "<p class=\"figures\">{} scheduled · {} started ({:.2}% on time, {} late) · {} completed · achieved {:.0} of {:.0} orders/min · {} violations</p>",
        step.scheduled,
        step.started,
        step.on_time_share() * 100.0,
        step.late,
        step.completed,
        step.achieved_per_min,
        step.scheduled_per_min,
        step.found.violations
    );
    if let Some(warning) = step.rate_warning() {
        let _ = write!(h, "<p class=\"violated\">Warning: {}.</p>", escape(&warning));
    }
    let seconds = |f: &dyn Fn(&crate::measure::TimelinePoint) -> Option<f64>| -> Vec<(f64, f64)> {
        step.timeline.iter().filter_map(|p| f(p).map(|v| (p.second as f64, v))).collect()
    };
    let arrivals = Chart {
        title: "Arrivals per second: scheduled against achieved, and late starts".into(),
        x_label: "seconds since the first arrival was due".into(),
        y_label: "orders / s".into(),
        series: vec![
            Series {
                name: "achieved".into(),
                colour: PALETTE[0],
                points: seconds(&|p| Some(p.started as f64)),
                dashed: false,
            },
            Series {
                name: "late (>10 ms)".into(),
                colour: PALETTE[1],
                points: seconds(&|p| Some(p.late as f64)),
                dashed: false,
            },
        ],
        horizontal: vec![(step.scheduled_per_min / 60.0, format!("scheduled {:.0}/s", step.scheduled_per_min / 60.0))],
        ..Chart::default()
    };
    h.push_str(&arrivals.svg());
    let mut latency = Chart {
        title: "p99 latency per op, second by second (orders: from their scheduled start)".into(),
        x_label: "seconds since the first arrival was due".into(),
        y_label: "ms".into(),
        ..Chart::default()
    };
    for (i, op) in ops_of(&step.book).into_iter().enumerate() {
        let points = seconds(&|p| p.per_op.get(&op).map(|(_, p99)| *p99 as f64 / 1000.0));
        latency.series.push(Series {
            name: op.as_str().into(),
            colour: PALETTE[i % PALETTE.len()],
            points,
            dashed: false,
        });
    }
    let order = seconds(&|p| p.order.map(|(_, p99)| p99 as f64 / 1000.0));
    latency.series.push(Series { name: "whole order".into(), colour: PALETTE[7], points: order, dashed: true });
    h.push_str(&latency.svg());
    let unknown = Chart {
        title: "Calls per second that did not succeed: refused (4xx, a decline) and unknown (timeout, 5xx, reset)"
            .into(),
        x_label: "seconds since the first arrival was due".into(),
        y_label: "calls / s".into(),
        series: vec![
            Series {
                name: "unknown".into(),
                colour: PALETTE[6],
                points: seconds(&|p| Some(p.unknown as f64)),
                dashed: false,
            },
            Series {
                name: "refused".into(),
                colour: PALETTE[4],
                points: seconds(&|p| Some(p.refused as f64)),
                dashed: false,
            },
        ],
        ..Chart::default()
    };
    h.push_str(&unknown.svg());
    h.push_str("<table><tr><th>op</th><th>calls</th><th>unknown</th><th>p50 ms</th><th>p95 ms</th><th>p99 ms</th><th>max ms</th></tr>");
    for op in ops_of(&step.book) {
        h.push_str("<tr>");
        for cell in op_figures(&step.book, op) {
            let _ = write!(h, "<td>{}</td>", escape(&cell));
        }
        h.push_str("</tr>");
    }
    h.push_str("</table><table><tr><th>invariant</th><th>state</th><th>checked</th><th>violations</th></tr>");
    for (id, t) in &step.found.invariants {
        let state = t.state_word();
        let class = if t.checked == 0 && t.violations == 0 { "none" } else { state };
        let _ = write!(
            h,
            "<tr><td><code>{}</code></td><td class=\"{class}\">{state}</td><td>{}</td><td>{}</td></tr>",
            escape(id),
            t.checked,
            t.violations
        );
    }
    h.push_str("</table>");
    if !step.slo_broken.is_empty() {
        let _ = write!(h, "<p class=\"violated\">SLO broken: {}</p>", escape(&step.slo_broken.join("; ")));
    }
    if !step.found.first.is_empty() {
        h.push_str("<ol>");
        for v in step.found.first.iter().take(20) {
            let _ = write!(h, "<li>{}</li>", escape(&v.headline()));
        }
        h.push_str("</ol>");
    }
}

/// p99 of every op against the scheduled rate, a point per step (the ones that held marked),
/// with the SLO's p99 bound and the capacity found.
fn capacity_chart(r: &LoadReport) -> Chart {
    let mut points: Vec<(f64, f64, bool)> = r
        .steps
        .iter()
        .filter_map(|s| s.book.percentile_us(None, 99.0).map(|p| (s.scheduled_per_min, p as f64 / 1000.0, s.held())))
        .collect();
    points.sort_by(|a, b| a.0.total_cmp(&b.0));
    let line = |held: Option<bool>| -> Vec<(f64, f64)> {
        points.iter().filter(|p| held.is_none_or(|h| p.2 == h)).map(|p| (p.0, p.1)).collect()
    };
    let mut chart = Chart {
        title: "Capacity search: p99 of every op against the scheduled rate".into(),
        x_label: "scheduled orders / min".into(),
        y_label: "p99 ms".into(),
        series: vec![
            Series { name: "every step".into(), colour: PALETTE[7], points: line(None), dashed: true },
            Series { name: "held".into(), colour: PALETTE[2], points: line(Some(true)), dashed: false },
            Series { name: "not held".into(), colour: PALETTE[6], points: line(Some(false)), dashed: false },
        ],
        ..Chart::default()
    };
    if let Some(best) = r.best_rate {
        chart.vertical.push((best, format!("capacity {best:.0}/min")));
    }
    if let Some(bound) = slo_p99_ms(r.slo) {
        chart.horizontal.push((bound, format!("SLO p99 < {bound} ms")));
    }
    chart
}

/// The SLO's overall p99 bound in ms (`p99<200ms`), when it has one.
fn slo_p99_ms(slo: &str) -> Option<f64> {
    let term = slo.split(',').map(str::trim).find_map(|t| t.strip_prefix("p99<"))?;
    crate::units::parse_duration(term).ok().map(|d| d.as_secs_f64() * 1000.0)
}
