//! Verdicts added up over many histories checked one by one — a load run's orders as they
//! finish, a merge's shards order by order — so the checking memory stays one order's worth
//! however long the run: per invariant what was checked, violated or could not be observed,
//! and the first violations as evidence.

use super::verdict::{State, Verdict, Violation};
use std::collections::BTreeMap;

/// How many violations a tally keeps as evidence.
pub const EVIDENCE_KEPT: usize = 200;

/// How one invariant fared over many separately checked histories.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InvariantTally {
    /// Facts checked, in the invariant's unit.
    pub checked: u64,
    pub violations: u64,
    /// Facts (or whole histories) it would have checked but could not see.
    pub not_observable: u64,
    /// Why it could not see them, as the first history that said so put it.
    pub not_observable_why: Option<String>,
}

impl InvariantTally {
    /// How it fared, in the words the reports use: held only on evidence.
    pub fn state_word(&self) -> &'static str {
        if self.violations > 0 {
            "violated"
        } else if self.checked > 0 {
            "held"
        } else if self.not_observable > 0 {
            "not observable"
        } else {
            "not exercised"
        }
    }
}

/// Verdicts added up: violations, per invariant (and `expectation`) tallies, first evidence.
#[derive(Debug, Clone, Default)]
pub struct Tally {
    pub violations: u64,
    /// The first violations found (at most [`EVIDENCE_KEPT`]), as evidence.
    pub first: Vec<Violation>,
    pub invariants: BTreeMap<String, InvariantTally>,
    /// Histories added.
    pub histories: u64,
}

impl Tally {
    /// Adds one history's verdict.
    pub fn add(&mut self, verdict: Verdict) {
        self.histories += 1;
        for r in verdict.results() {
            let t = self.invariants.entry(r.id.clone()).or_default();
            t.checked += r.checked as u64;
            t.violations += r.violations as u64;
            let (unseen, why) = match &r.state {
                State::NotObservable(why) => (r.not_observable.max(1), Some(why)),
                _ => (r.not_observable, r.not_observable_why.as_ref()),
            };
            t.not_observable += unseen as u64;
            if unseen > 0 && t.not_observable_why.is_none() {
                t.not_observable_why = why.cloned();
            }
        }
        self.violations += verdict.violations.len() as u64;
        let room = EVIDENCE_KEPT.saturating_sub(self.first.len());
        self.first.extend(verdict.violations.into_iter().take(room));
    }

    /// Whether anything was checked on evidence and nothing was violated.
    pub fn passed(&self) -> bool {
        self.violations == 0 && self.invariants.values().any(|t| t.checked > 0)
    }
}
