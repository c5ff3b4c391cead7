//! `junit.xml`: a testsuite per scenario, a testcase per PG (and repetition), and a failure
//! naming the failing step for every cell that broke an invariant or expectation.

use super::markdown::ordered_cells;
use super::{escape, ReportInput};
use std::collections::BTreeMap;
use std::fmt::Write;

pub fn junit_xml(input: &ReportInput) -> String {
    let v = input.verdict;
    let mut suites: BTreeMap<usize, (String, Vec<String>, usize)> = BTreeMap::new();
    let cells = ordered_cells(input);
    let order: Vec<String> = {
        let mut seen = Vec::new();
        for c in &cells {
            if !seen.contains(&c.scenario) {
                seen.push(c.scenario.clone());
            }
        }
        seen
    };
    let calls = input.history.calls();
    for cell in &cells {
        let idx = order.iter().position(|s| *s == cell.scenario).unwrap_or(0);
        let suite = suites.entry(idx).or_insert_with(|| (cell.scenario.clone(), Vec::new(), 0));
        let seconds: f64 =
            calls.iter().filter(|c| c.cell == *cell).filter_map(|c| c.latency_us).sum::<u64>() as f64 / 1e6;
        let name = if input.history.run().is_some_and(|r| r.repeat > 1) {
            format!("{}#{}", cell.pg, cell.repeat)
        } else {
            cell.pg.to_string()
        };
        let mut case = format!(
            "    <testcase name=\"{}\" classname=\"{}\" time=\"{seconds:.3}\">",
            escape(&name),
            escape(&cell.scenario)
        );
        let failures: Vec<_> = v.violations_in(cell).collect();
        if !failures.is_empty() {
            suite.2 += 1;
            let mut text = String::new();
            for f in &failures {
                let _ = writeln!(text, "{}", f.headline());
                if let (Some(step), Some(scenario)) = (f.steps.first(), Some(&f.scenario)) {
                    let _ = writeln!(text, "  failing step: {scenario} step {step}");
                }
                if !f.evidence.is_empty() {
                    let ids: Vec<_> = f.evidence.iter().map(|i| format!("#{i}")).collect();
                    let _ = writeln!(text, "  evidence: calls {} in history.jsonl", ids.join(" "));
                }
            }
            let _ = write!(
                case,
                "\n      <failure message=\"{}\" type=\"{}\">{}</failure>\n    ",
                escape(&failures[0].headline()),
                escape(&failures[0].invariant),
                escape(&text)
            );
        }
        case.push_str("</testcase>");
        suite.1.push(case);
    }
    let total: usize = suites.values().map(|s| s.1.len()).sum();
    let failed: usize = suites.values().map(|s| s.2).sum();
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        xml,
        "<testsuites name=\"paydrill\" tests=\"{total}\" failures=\"{failed}\" time=\"{:.3}\">",
        input.seconds
    );
    for (name, cases, failures) in suites.values() {
        let _ = writeln!(
            xml,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\" errors=\"0\">",
            escape(name),
            cases.len()
        );
        for c in cases {
            let _ = writeln!(xml, "{c}");
        }
        let _ = writeln!(xml, "  </testsuite>");
    }
    // Run-level violations (no single cell) fail a suite of their own.
    let global: Vec<_> = v.violations.iter().filter(|x| x.cell.is_none()).collect();
    if !global.is_empty() {
        let _ = writeln!(
            xml,
            "  <testsuite name=\"invariants\" tests=\"{}\" failures=\"{}\" errors=\"0\">",
            global.len(),
            global.len()
        );
        for g in global {
            let _ = writeln!(
                xml,
                "    <testcase name=\"{}\" classname=\"invariants\"><failure message=\"{}\" type=\"{}\">{}</failure></testcase>",
                escape(&g.invariant),
                escape(&g.headline()),
                escape(&g.invariant),
                escape(&g.headline())
            );
        }
        let _ = writeln!(xml, "  </testsuite>");
    }
    xml.push_str("</testsuites>\n");
    xml
}
