//! Charts drawn as inline SVG: no script and nothing fetched at view time, so a report page
//! opens the same offline. Lines over a shared x axis with labelled ticks and a legend, and
//! marks: a vertical line with a label (the capacity found) and horizontal thresholds (an SLO).

use super::escape;
use std::fmt::Write;

/// One line of a chart.
pub struct Series {
    pub name: String,
    pub colour: &'static str,
    pub points: Vec<(f64, f64)>,
    pub dashed: bool,
}

/// A chart: its title, axis labels, lines and marks.
#[derive(Default)]
pub struct Chart {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    pub series: Vec<Series>,
    /// Vertical marks: x and label.
    pub vertical: Vec<(f64, String)>,
    /// Horizontal marks: y and label.
    pub horizontal: Vec<(f64, String)>,
}

const W: f64 = 760.0;
const H: f64 = 260.0;
const LEFT: f64 = 64.0;
const RIGHT: f64 = 160.0;
const TOP: f64 = 30.0;
const BOTTOM: f64 = 40.0;

/// Colours that stay apart for up to eight lines.
pub const PALETTE: [&str; 8] = ["#1f6fb2", "#d9480f", "#2b8a3e", "#862e9c", "#e67700", "#0b7285", "#c2255c", "#495057"];

impl Chart {
    pub fn svg(&self) -> String {
        let xs = self.series.iter().flat_map(|s| s.points.iter().map(|p| p.0)).chain(self.vertical.iter().map(|v| v.0));
        let (x_min, x_max) = xs.fold((f64::MAX, f64::MIN), |(a, b), x| (a.min(x), b.max(x)));
        let (x_min, x_max) = if x_min > x_max {
            (0.0, 1.0)
        } else if x_min == x_max {
            (x_min - 1.0, x_max + 1.0)
        } else {
            (x_min, x_max)
        };
        let y_top = self
            .series
            .iter()
            .flat_map(|s| s.points.iter().map(|p| p.1))
            .chain(self.horizontal.iter().map(|h| h.0))
            .fold(0.0_f64, f64::max);
        let y_max = nice_ceiling(if y_top > 0.0 { y_top * 1.1 } else { 1.0 });
        let x = |v: f64| LEFT + (v - x_min) / (x_max - x_min) * (W - LEFT - RIGHT);
        let y = |v: f64| H - BOTTOM - v / y_max * (H - TOP - BOTTOM);
        let mut s = format!(
            "<svg class=\"chart\" viewBox=\"0 0 {W} {H}\" width=\"{W}\" height=\"{H}\" role=\"img\" aria-label=\"{}\">",
            escape(&self.title)
        );
        let _ = write!(s, "<text x=\"{LEFT}\" y=\"18\" class=\"title\">{}</text>", escape(&self.title));
        for i in 0..=4 {
            let v = y_max * i as f64 / 4.0;
            let _ = write!(
                s,
                "<line x1=\"{LEFT}\" x2=\"{:.1}\" y1=\"{:.1}\" y2=\"{:.1}\" class=\"grid\"/><text x=\"{:.1}\" y=\"{:.1}\" class=\"tick\" text-anchor=\"end\">{}</text>",
                W - RIGHT,
                y(v),
                y(v),
                LEFT - 6.0,
                y(v) + 4.0,
                number(v)
            );
            let xv = x_min + (x_max - x_min) * i as f64 / 4.0;
            let _ = write!(
                s,
                "<text x=\"{:.1}\" y=\"{:.1}\" class=\"tick\" text-anchor=\"middle\">{}</text>",
                x(xv),
                H - BOTTOM + 16.0,
                number(xv)
            );
        }
        let _ = write!(
            s,
            "<line x1=\"{LEFT}\" x2=\"{LEFT}\" y1=\"{TOP}\" y2=\"{:.1}\" class=\"axis\"/><line x1=\"{LEFT}\" x2=\"{:.1}\" y1=\"{:.1}\" y2=\"{:.1}\" class=\"axis\"/>",
            H - BOTTOM,
            W - RIGHT,
            H - BOTTOM,
            H - BOTTOM
        );
        let _ = write!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\" class=\"label\" text-anchor=\"middle\">{}</text><text x=\"14\" y=\"{:.1}\" class=\"label\" transform=\"rotate(-90 14 {:.1})\" text-anchor=\"middle\">{}</text>",
            (LEFT + W - RIGHT) / 2.0,
            H - 6.0,
            escape(&self.x_label),
            (TOP + H - BOTTOM) / 2.0,
            (TOP + H - BOTTOM) / 2.0,
            escape(&self.y_label)
        );
        for (v, label) in &self.horizontal {
            let _ = write!(
                s,
                "<line x1=\"{LEFT}\" x2=\"{:.1}\" y1=\"{:.1}\" y2=\"{:.1}\" class=\"mark\"/><text x=\"{:.1}\" y=\"{:.1}\" class=\"marklabel\">{}</text>",
                W - RIGHT,
                y(*v),
                y(*v),
                LEFT + 4.0,
                y(*v) - 4.0,
                escape(label)
            );
        }
        for (v, label) in &self.vertical {
            let _ = write!(
                s,
                "<line x1=\"{:.1}\" x2=\"{:.1}\" y1=\"{TOP}\" y2=\"{:.1}\" class=\"mark\"/><text x=\"{:.1}\" y=\"{:.1}\" class=\"marklabel\">{}</text>",
                x(*v),
                x(*v),
                H - BOTTOM,
                x(*v) + 4.0,
                TOP + 10.0,
                escape(label)
            );
        }
        for (i, series) in self.series.iter().enumerate() {
            let dash = if series.dashed { " stroke-dasharray=\"5 3\"" } else { "" };
            let points: Vec<String> =
                series.points.iter().map(|(px, py)| format!("{:.1},{:.1}", x(*px), y(*py))).collect();
            if points.len() == 1 {
                let (px, py) = series.points[0];
                let _ =
                    write!(s, "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3\" fill=\"{}\"/>", x(px), y(py), series.colour);
            } else if !points.is_empty() {
                let _ = write!(
                    s,
                    "<polyline class=\"line\" fill=\"none\" stroke=\"{}\" stroke-width=\"2\"{dash} points=\"{}\"/>",
                    series.colour,
                    points.join(" ")
                );
            }
            let ly = TOP + 14.0 * i as f64 + 6.0;
            let _ = write!(
                s,
                "<line x1=\"{:.1}\" x2=\"{:.1}\" y1=\"{ly:.1}\" y2=\"{ly:.1}\" stroke=\"{}\" stroke-width=\"2\"{dash}/><text x=\"{:.1}\" y=\"{:.1}\" class=\"legend\">{}</text>",
                W - RIGHT + 10.0,
                W - RIGHT + 28.0,
                series.colour,
                W - RIGHT + 32.0,
                ly + 4.0,
                escape(&series.name)
            );
        }
        s.push_str("</svg>");
        s
    }
}

/// The CSS the charts' classes need.
pub const STYLE: &str = ".chart{display:block;margin:.4em 0 1.2em;max-width:100%;height:auto}\
.chart .title{font:600 13px system-ui,sans-serif}.chart .tick,.chart .legend{font:11px system-ui,sans-serif;fill:#333}\
.chart .label{font:11px system-ui,sans-serif;fill:#555}.chart .grid{stroke:#e6e6e6}.chart .axis{stroke:#333}\
.chart .mark{stroke:#c92a2a;stroke-dasharray:4 3}.chart .marklabel{font:11px system-ui,sans-serif;fill:#c92a2a}";

/// A round number at or above `v` (1, 2 or 5 times a power of ten).
fn nice_ceiling(v: f64) -> f64 {
    let power = 10f64.powf(v.log10().floor());
    [1.0, 2.0, 5.0, 10.0].iter().map(|m| m * power).find(|c| *c >= v).unwrap_or(10.0 * power)
}

/// A tick label: whole numbers plain, small ones with a decimal.
fn number(v: f64) -> String {
    if v.abs() >= 100.0 || v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chart_draws_its_lines_marks_and_legend() {
        let chart = Chart {
            title: "p99".into(),
            x_label: "s".into(),
            y_label: "ms".into(),
            series: vec![Series {
                name: "approve".into(),
                colour: PALETTE[0],
                points: vec![(0.0, 1.0), (1.0, 3.0)],
                dashed: false,
            }],
            vertical: vec![(0.5, "capacity".into())],
            horizontal: vec![(2.0, "SLO p99 < 2 ms".into())],
        };
        let svg = chart.svg();
        assert!(svg.starts_with("<svg class=\"chart\"") && svg.ends_with("</svg>"));
        assert!(
            svg.contains("<polyline") && svg.contains("approve") && svg.contains("capacity") && svg.contains("SLO p99")
        );
        assert_eq!(nice_ceiling(3.3), 5.0);
        assert_eq!(nice_ceiling(120.0), 200.0);
    }
}
