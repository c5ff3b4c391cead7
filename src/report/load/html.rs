//! The load run's `report.html`: for a capacity search, the p99 of every op against the
//! scheduled rate with each step marked held or not; then the summary.

use super::input::LoadReport;
use crate::report::escape;
use std::fmt::Write;

pub fn load_html(r: &LoadReport, summary_md: &str) -> String {
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
