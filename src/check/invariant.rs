//! What an invariant is to the checkers: its id, promise and needs, and a check that counts
//! the facts it looked at beside what it found.

use super::evidence::Evidence;
use super::verdict::Violation;
use crate::record::Mode;

/// What an invariant says of itself: its id, its promise, what it counts, and what it needs.
#[derive(Debug, Clone, Copy)]
pub struct About {
    /// The id reports and tests name it by (`unique-order`).
    pub id: &'static str,
    /// What it promises, in one line.
    pub promise: &'static str,
    /// What one checked fact is, plural (`idempotency keys`).
    pub unit: &'static str,
    /// Why a run may check none: shown after "not exercised".
    pub none_because: &'static str,
    /// It reads the PG ledgers, so it is "not observable" when the PGs are not paydrill's.
    pub needs_ledgers: bool,
    /// It needs every cell of the run, so an interrupted run cannot check it.
    pub needs_every_cell: bool,
}

impl About {
    /// The defaults an invariant's `About` starts from: needs neither ledgers nor every cell.
    pub const BASE: About =
        About { id: "", promise: "", unit: "", none_because: "", needs_ledgers: false, needs_every_cell: false };
}

/// One money invariant: what it is, where it applies, and its check.
pub trait Invariant: Sync {
    fn about(&self) -> &'static About;
    /// Whether it belongs to runs of this mode at all.
    fn applies_to(&self, _mode: Mode) -> bool {
        true
    }
    fn check(&self, evidence: &Evidence) -> Checked;
}

/// What one invariant's check found.
#[derive(Debug, Clone, Default)]
pub struct Checked {
    /// How many facts (keys, orders, balances, PGs...) it looked at.
    pub facts: usize,
    pub violations: Vec<Violation>,
    /// Set when there were facts to check but the target does not show what the check needs.
    pub not_observable: Option<String>,
    /// Facts skipped because an answer did not show them (checked the rest), and why.
    pub unobserved: usize,
    pub unobserved_why: Option<String>,
}

/// The id under which step expectations are reported beside the invariants.
pub const EXPECTATION: &str = "expectation";
