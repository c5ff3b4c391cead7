//! `junit.xml`: a testsuite per scenario with a testcase per PG (and repetition), failing with
//! the failing step for every cell that broke an invariant or expectation; and a testsuite
//! `invariants` with a testcase per invariant: passed with what it checked, failed with its
//! violations, or skipped with why it was not checked. The root's counts are the suites' sums.

use super::input::RunReport;
use super::matrix::Matrix;
use crate::check::{CellVerdict, State};
use crate::report::escape;
use std::fmt::Write;

/// One testsuite being written.
struct Suite {
    name: String,
    cases: Vec<String>,
    failures: usize,
    skipped: usize,
    seconds: f64,
}

impl Suite {
    fn new(name: &str) -> Suite {
        Suite { name: name.to_string(), cases: Vec::new(), failures: 0, skipped: 0, seconds: 0.0 }
    }
}

pub fn junit_xml(report: &RunReport) -> String {
    let v = report.verdict;
    let matrix = Matrix::of(report);
    let repeats = report.history.run().is_some_and(|r| r.repeat > 1);
    let mut suites: Vec<Suite> = Vec::new();
    for cell in matrix.ordered_cells(report) {
        if suites.last().is_none_or(|s| s.name != cell.scenario) {
            suites.push(Suite::new(&cell.scenario));
        }
        let suite = suites.last_mut().expect("pushed above");
        let seconds: f64 =
            report.calls.iter().filter(|c| c.cell == cell).filter_map(|c| c.latency_us).sum::<u64>() as f64 / 1e6;
        suite.seconds += seconds;
        // Unique across the file: `SCENARIO[pg]`, repetitions numbered.
        let name = match repeats {
            true => format!("{}[{}]#{}", cell.scenario, cell.pg, cell.repeat),
            false => format!("{}[{}]", cell.scenario, cell.pg),
        };
        let mut case = format!(
            "    <testcase name=\"{}\" classname=\"{}\" time=\"{seconds:.3}\">",
            escape(&name),
            escape(&cell.scenario)
        );
        let failures: Vec<_> = v.violations_in(&cell).collect();
        if let Some(CellVerdict::NotSupported(why) | CellVerdict::NotExercised(why)) = v.cells.get(&cell) {
            suite.skipped += 1;
            let word = if matches!(v.cells.get(&cell), Some(CellVerdict::NotSupported(_))) {
                "not supported"
            } else {
                "not exercised"
            };
            let _ = write!(case, "<skipped message=\"{}\"/>", escape(&format!("{word}: {why}")));
        } else if !failures.is_empty() {
            suite.failures += 1;
            let mut text = String::new();
            for f in &failures {
                let _ = writeln!(text, "{}", f.headline());
                if let Some(step) = f.steps.first() {
                    let _ = writeln!(text, "  failing step: {} step {step}", f.scenario);
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
        suite.cases.push(case);
    }

    let mut invariants = Suite::new("invariants");
    for r in v.results() {
        let mut case = format!("    <testcase name=\"{}\" classname=\"invariants\" time=\"0\">", escape(&r.id));
        match &r.state {
            State::Held => {
                let _ = write!(case, "<system-out>held: checked {}</system-out>", escape(&r.checked_text()));
            }
            State::Violated => {
                invariants.failures += 1;
                let found: Vec<_> = v.violations.iter().filter(|x| x.invariant == r.id).collect();
                let mut text = String::new();
                for f in found.iter().take(50) {
                    let _ = writeln!(text, "{}", f.headline());
                }
                if found.len() > 50 {
                    let _ = writeln!(text, "… and {} more (see report.html)", found.len() - 50);
                }
                let message = format!("{} violation(s) in {} checked", r.violations, r.checked_text());
                let _ = write!(
                    case,
                    "\n      <failure message=\"{}\" type=\"{}\">{}</failure>\n    ",
                    escape(&message),
                    escape(&r.id),
                    escape(&text)
                );
            }
            other => {
                invariants.skipped += 1;
                let message = format!("{}: {}", other.word(), other.why().unwrap_or(""));
                let _ = write!(case, "<skipped message=\"{}\"/>", escape(&message));
            }
        }
        case.push_str("</testcase>");
        invariants.cases.push(case);
    }
    suites.push(invariants);

    let total: usize = suites.iter().map(|s| s.cases.len()).sum();
    let failed: usize = suites.iter().map(|s| s.failures).sum();
    // The root carries no `skipped`: JUnit's schema has none there (the suites carry theirs).
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        xml,
        "<testsuites name=\"paydrill\" tests=\"{total}\" failures=\"{failed}\" errors=\"0\" time=\"{:.3}\">",
        report.seconds
    );
    for s in &suites {
        let _ = writeln!(
            xml,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"{}\" time=\"{:.3}\">",
            escape(&s.name),
            s.cases.len(),
            s.failures,
            s.skipped,
            s.seconds
        );
        for c in &s.cases {
            let _ = writeln!(xml, "{c}");
        }
        let _ = writeln!(xml, "  </testsuite>");
    }
    xml.push_str("</testsuites>\n");
    xml
}
