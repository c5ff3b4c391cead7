//! Scenario files (`scenarios/*.toml`): a named list of steps, parsed and validated so that
//! every mistake (bad TOML, unknown key or op, a non-positive amount, an expectation that
//! cannot hold) is reported as `file:line: message` before anything runs.

mod step;
mod write;

use super::op::Op;
use crate::input::{self, line_of, InputError};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use step::{build_step, RawStep};

pub use step::{Expect, Outcome, Step, StepFault};
use toml::Spanned;

/// What a repro file (`repro/<invariant>-<n>.toml`, written by the shrinker) says about itself:
/// the invariant it breaks, where it came from, and how to replay it. Informational: a run
/// checks every invariant whatever this says.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct ReproNote {
    /// The invariant id the scenario breaks.
    pub invariant: String,
    /// The scenario (and PG) it was shrunk from.
    pub from: String,
    /// The embedded platform's defects it was found with (none: the target as it was).
    #[serde(default)]
    pub defects: Vec<String>,
    /// How many repetitions a replay takes to show it (a race or a every-n-th-order bug
    /// needs more than one).
    pub repeat: u32,
    /// Runs that broke the invariant, of the runs tried after shrinking: `k/n`.
    pub reproduces: String,
    /// Candidate runs the shrink took.
    pub shrink_runs: u32,
    /// The command that replays it.
    pub replay: String,
}

/// A parsed, validated scenario.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scenario {
    pub name: String,
    pub description: String,
    pub tags: Vec<String>,
    pub steps: Vec<Step>,
    pub file: PathBuf,
    /// Only on this PG (`pg = "toss"`; a repro names the PG it broke on).
    pub pg: Option<crate::pg::PgName>,
    pub repro: Option<ReproNote>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScenario {
    name: Spanned<String>,
    #[serde(default)]
    description: String,
    #[serde(default)]
    tags: Vec<String>,
    pg: Option<Spanned<String>>,
    steps: Spanned<Vec<Spanned<RawStep>>>,
    repro: Option<ReproNote>,
}

impl Scenario {
    pub fn load(file: &Path) -> Result<Scenario, InputError> {
        Scenario::parse(file, &input::read(file)?)
    }

    pub fn parse(file: &Path, text: &str) -> Result<Scenario, InputError> {
        let raw: RawScenario = input::parse_toml(file, text)?;
        let at = |offset: usize| Some(line_of(text, offset));
        let name = raw.name.get_ref().trim().to_string();
        if name.is_empty() || name.chars().any(|c| !(c.is_ascii_alphanumeric() || c == '_' || c == '-')) {
            return Err(InputError::new(
                file,
                at(raw.name.span().start),
                format!("name `{name}`: use letters, digits, `_` and `-` only (e.g. FULL_FLOW)"),
            ));
        }
        if raw.steps.get_ref().is_empty() {
            return Err(InputError::new(file, at(raw.steps.span().start), "a scenario needs at least one step"));
        }
        let pg = match &raw.pg {
            Some(pg) => Some(
                pg.get_ref()
                    .parse::<crate::pg::PgName>()
                    .map_err(|e| InputError::new(file, at(pg.span().start), format!("pg: {e}")))?,
            ),
            None => None,
        };
        let mut steps = Vec::new();
        for (i, spanned) in raw.steps.into_inner().into_iter().enumerate() {
            let line = line_of(text, spanned.span().start);
            let step = build_step(i + 1, line, spanned.into_inner(), text)
                .map_err(|(line, message)| InputError::new(file, Some(line), format!("step {}: {message}", i + 1)))?;
            steps.push(step);
        }
        validate_flow(&steps).map_err(|(line, message)| InputError::new(file, Some(line), message))?;
        Ok(Scenario {
            name,
            description: raw.description,
            tags: raw.tags,
            steps,
            file: file.to_path_buf(),
            pg,
            repro: raw.repro,
        })
    }
}

/// Rules across steps: the first step creates the order, and every expected balance fits it.
fn validate_flow(steps: &[Step]) -> Result<(), (usize, String)> {
    let first = &steps[0];
    if first.op != Op::CreateOrder {
        return Err((first.line, "step 1 must be create_order: every other op acts on the order it creates".into()));
    }
    let order_amount = first.amount.unwrap_or(0);
    for step in &steps[1..] {
        if step.op == Op::CreateOrder && step.reuse_key.is_none() {
            return Err((
                step.line,
                format!("step {}: only step 1 creates the order; a later create_order must set reuse_key (a replayed or reused key)", step.index),
            ));
        }
        if let Some(b) = step.expect.balance {
            if b > order_amount {
                return Err((
                    step.line,
                    format!("step {}: expect.balance = {b} exceeds the order amount {order_amount}", step.index),
                ));
            }
        }
        if let (Op::PartialCancel, Some(a)) = (step.op, step.amount) {
            if a > order_amount
                && step.expect.outcome != Some(Outcome::Rejected)
                && step.expect.outcome != Some(Outcome::Any)
            {
                return Err((
                    step.line,
                    format!("step {}: cancelling {a} of a {order_amount} order can only be rejected; say expect.outcome = \"rejected\"", step.index),
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::fault::Fault;

    fn parse(text: &str) -> Result<Scenario, InputError> {
        Scenario::parse(Path::new("s.toml"), text)
    }

    #[test]
    fn errors_carry_the_line() {
        let base = "name = \"X\"\n[[steps]]\nop = \"create_order\"\namount = 100\n";
        assert!(parse(base).is_ok());
        let e = parse(&format!("{base}[[steps]]\nop = \"refund\"\n")).unwrap_err();
        assert_eq!((e.line, e.message.contains("unknown op `refund`")), (Some(6), true), "{e}");
        let e = parse("name = \"X\"\n[[steps]]\nop = \"create_order\"\namount = -5\n").unwrap_err();
        assert_eq!(e.line, Some(4), "{e}");
        let e = parse(&format!("{base}colour = \"red\"\n")).unwrap_err();
        assert_eq!(e.line, Some(5), "{e}");
        let e = parse(&format!("{base}[[steps]]\nop = \"approve\"\nexpect = {{ balance = 500 }}\n")).unwrap_err();
        assert!(e.message.contains("exceeds the order amount"), "{e}");
        let e = parse("name = \"X\"\n[[steps]]\nop = \"approve\"\n").unwrap_err();
        assert!(e.message.contains("step 1 must be create_order"), "{e}");
        let e = parse("name = \"X\"\nsteps = [\n").unwrap_err();
        assert!(e.line.is_some(), "{e}");
    }

    #[test]
    fn faults_and_clicks() {
        let s = parse(
            "name = \"X\"\n[[steps]]\nop = \"create_order\"\namount = 100\nclicks = 3\ntogether = true\n\
             [[steps]]\nop = \"approve\"\nfault = { slow = \"2s\", times = 2 }\n[[steps]]\nop = \"cancel\"\nfault = \"timeout\"\n",
        )
        .unwrap();
        assert_eq!(s.steps[0].clicks, 3);
        assert_eq!(
            s.steps[1].fault,
            Some(StepFault { fault: Fault::Slow(std::time::Duration::from_secs(2)), times: 2 })
        );
        assert_eq!(s.steps[2].fault.unwrap().fault, Fault::Timeout);
        let held = parse("name = \"X\"\n[[steps]]\nop = \"create_order\"\namount = 100\n[[steps]]\nop = \"approve\"\nfault = { timeout = \"5s\" }\n").unwrap();
        assert_eq!(held.steps[1].fault.unwrap().fault, Fault::TimeoutFor(std::time::Duration::from_secs(5)));
        assert!(parse("name = \"X\"\n[[steps]]\nop = \"create_order\"\namount = 1\nclicks = 0\n").is_err());
    }
}
