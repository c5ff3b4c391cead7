//! What the checkers found: each broken invariant or expectation as a [`Violation`] with what a
//! reader needs to find it, each invariant's [`State`] with the number of facts it checked, and
//! which cells passed.

use crate::pg::PgName;
use crate::record::Cell;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;

/// One broken invariant or expectation, with what a reader needs to find it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Violation {
    /// An invariant id, or `expectation`.
    pub invariant: String,
    pub scenario: String,
    pub pg: Option<PgName>,
    pub cell: Option<Cell>,
    pub order_id: Option<String>,
    pub payment_id: Option<String>,
    /// The scenario steps involved (1-based).
    pub steps: Vec<usize>,
    pub expected: String,
    pub seen: String,
    /// Ids of the calls that show it (see the history / report evidence).
    pub evidence: Vec<u64>,
}

impl Violation {
    /// One line for a terminal or a JUnit message.
    pub fn headline(&self) -> String {
        let mut where_ = Vec::new();
        if let Some(cell) = &self.cell {
            where_.push(cell.to_string());
        } else if let Some(pg) = self.pg {
            where_.push(pg.to_string());
        }
        if let Some(o) = &self.order_id {
            where_.push(format!("order {o}"));
        }
        if !self.steps.is_empty() {
            let steps: Vec<_> = self.steps.iter().map(|s| s.to_string()).collect();
            where_.push(format!("step {}", steps.join(",")));
        }
        format!("{} [{}]: expected {}; saw {}", self.invariant, where_.join(", "), self.expected, self.seen)
    }
}

/// How one invariant fared. Only `Held` and `Violated` mean it was checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", content = "why", rename_all = "snake_case")]
pub enum State {
    /// Checked on at least one fact, and every fact held.
    Held,
    Violated,
    /// Nothing in this run gave it a fact to check.
    NotExercised(String),
    /// The target does not show what it needs.
    NotObservable(String),
    /// Deliberately not checked in this run (interrupted, random faults...).
    NotChecked(String),
}

impl State {
    /// The state in one or two words, as reports show it.
    pub fn word(&self) -> &'static str {
        match self {
            State::Held => "held",
            State::Violated => "violated",
            State::NotExercised(_) => "not exercised",
            State::NotObservable(_) => "not observable",
            State::NotChecked(_) => "not checked",
        }
    }

    /// Why it was not checked, when it was not.
    pub fn why(&self) -> Option<&str> {
        match self {
            State::Held | State::Violated => None,
            State::NotExercised(why) | State::NotObservable(why) | State::NotChecked(why) => Some(why),
        }
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.word())
    }
}

/// One invariant's result, with its count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InvariantResult {
    pub id: String,
    pub description: String,
    #[serde(flatten)]
    pub state: State,
    /// How many facts were checked, in `unit`.
    pub checked: usize,
    pub unit: String,
    pub violations: usize,
    /// Facts it would have checked but the target's answers could not show (and why).
    #[serde(skip_serializing_if = "is_zero")]
    pub not_observable: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_observable_why: Option<String>,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl InvariantResult {
    /// "72 idempotency keys", for a report's count column.
    pub fn checked_text(&self) -> String {
        format!("{} {}", self.checked, self.unit)
    }

    /// Why it was not checked, or what of it could not be: a report's note.
    pub fn note(&self) -> String {
        match (self.state.why(), &self.not_observable_why) {
            (Some(why), _) => why.to_string(),
            (None, Some(why)) if self.not_observable > 0 => {
                format!("{} more not observable: {why}", self.not_observable)
            }
            _ => String::new(),
        }
    }
}

/// How one cell fared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "result", content = "why", rename_all = "snake_case")]
pub enum CellVerdict {
    Passed,
    Failed,
    /// The scenario needs an op the platform does not have; the cell did not run.
    NotSupported(String),
    /// It ran without what it exists to test (never a pass).
    NotExercised(String),
}

impl CellVerdict {
    pub fn passed(&self) -> bool {
        matches!(self, CellVerdict::Passed)
    }

    pub fn failed(&self) -> bool {
        matches!(self, CellVerdict::Failed)
    }
}

/// Everything the checkers found.
#[derive(Debug, Clone)]
pub struct Verdict {
    pub violations: Vec<Violation>,
    pub invariants: Vec<InvariantResult>,
    /// The step expectations, reported like an invariant.
    pub expectations: InvariantResult,
    /// Every cell, and how it fared.
    pub cells: BTreeMap<Cell, CellVerdict>,
    pub partial: bool,
}

impl Verdict {
    /// Ran to its end, found nothing wrong, and checked something: a run that checked nothing
    /// cannot pass.
    pub fn passed(&self) -> bool {
        self.violations.is_empty() && !self.partial && self.checked_anything()
    }

    /// Ran to its end and found nothing wrong because nothing had a fact to check.
    pub fn checked_nothing(&self) -> bool {
        self.violations.is_empty() && !self.partial && !self.checked_anything()
    }

    /// Whether any invariant or expectation was checked on at least one fact.
    pub fn checked_anything(&self) -> bool {
        self.results().any(|r| matches!(r.state, State::Held | State::Violated))
    }

    pub fn violations_in(&self, cell: &Cell) -> impl Iterator<Item = &Violation> {
        let cell = cell.clone();
        self.violations.iter().filter(move |v| v.cell.as_ref() == Some(&cell))
    }

    /// The invariant results, then the expectations, for a report's table.
    pub fn results(&self) -> impl Iterator<Item = &InvariantResult> {
        self.invariants.iter().chain(std::iter::once(&self.expectations))
    }

    /// Every cell with how it fared, as a list (for `summary.json`).
    pub fn cell_results(&self) -> Vec<CellResult<'_>> {
        self.cells.iter().map(|(cell, verdict)| CellResult { cell, verdict }).collect()
    }

    /// How many cells fared as `pick` says.
    pub fn count_cells(&self, pick: impl Fn(&CellVerdict) -> bool) -> usize {
        self.cells.values().filter(|v| pick(v)).count()
    }

    /// One invariant's result by id.
    pub fn invariant(&self, id: &str) -> Option<&InvariantResult> {
        self.results().find(|r| r.id == id)
    }
}

/// One cell and how it fared.
#[derive(Debug, Clone, Serialize)]
pub struct CellResult<'a> {
    #[serde(flatten)]
    pub cell: &'a Cell,
    #[serde(flatten)]
    pub verdict: &'a CellVerdict,
}

#[cfg(test)]
mod tests {
    use super::CellVerdict;
    use crate::check::fixture::{cell, History, Spec};
    use crate::spec::Op;

    #[test]
    fn a_cell_whose_fault_never_reached_the_pg_is_not_exercised_never_passed() {
        let mut h = History::unobservable();
        let c = cell("APPROVE_TIMEOUT_RETRY");
        h.add(Spec { key: Some("k1"), order: Some("o1"), ..Spec::ok(&c, 1, Op::CreateOrder) });
        h.not_exercised(&c, "the timeout fault never reached toss");
        let v = h.verdict(&[]);
        assert!(
            matches!(&v.cells[&c], CellVerdict::NotExercised(why) if why.contains("never reached")),
            "{:?}",
            v.cells
        );
        assert!(!v.cells[&c].passed());
        assert_eq!(v.count_cells(CellVerdict::passed), 0);
    }
}
