//! The checkers: the money invariants over the history (what clients saw) joined with the PG
//! ledgers (what the PGs did), and each step's `expect`. Each invariant is one file behind
//! [`Invariant`] and one line of [`INVARIANTS`]; each counts the facts it checked, so one that
//! checked none is "not exercised", never "held". Produces a [`Verdict`]; formats nothing.

mod evidence;
mod expectations;
mod invariant;
mod repro;
mod tally;
mod verdict;

mod converges_within;
mod identical_replay;
mod no_lost_ack;
mod non_negative_balance;
mod pgs_agree;
mod platform_matches_pg;
mod settlement_balances;
mod single_charge;
mod unique_order;
mod webhook_once;

#[cfg(test)]
mod fixture;

pub use evidence::Evidence;
pub use invariant::{About, Checked, Invariant, EXPECTATION};
pub use pgs_agree::{step_answers, PgAnswer, StepSlot};
pub use repro::Repro;
pub use tally::{InvariantTally, Tally};
pub use verdict::{CellVerdict, InvariantResult, State, Verdict, Violation};

use crate::record::{Call, CellNoteKind, History};
use crate::spec::Scenario;
use std::collections::BTreeMap;

/// Every invariant, in report order. A new invariant is a file in `check/` and a line here.
pub static INVARIANTS: &[&dyn Invariant] = &[
    &unique_order::UniqueOrder,
    &single_charge::SingleCharge,
    &non_negative_balance::NonNegativeBalance,
    &platform_matches_pg::PlatformMatchesPg,
    &no_lost_ack::NoLostAck,
    &identical_replay::IdenticalReplay,
    &settlement_balances::SettlementBalances,
    &pgs_agree::PgsAgree,
    &webhook_once::WebhookOnce,
    &converges_within::ConvergesWithin,
];

/// Checks every invariant and expectation over `history`.
pub fn check(history: &History, scenarios: &[Scenario]) -> Verdict {
    check_calls(history, &history.calls(), scenarios)
}

/// [`check`] over calls already joined from `history` (so callers that need them too join once).
pub fn check_calls(history: &History, calls: &[Call], scenarios: &[Scenario]) -> Verdict {
    let evidence = Evidence::new(history, calls);
    let mut violations = Vec::new();
    let mut invariants = Vec::new();
    for inv in INVARIANTS.iter().filter(|inv| inv.applies_to(evidence.mode)) {
        let (state, checked, found) = judge(*inv, &evidence);
        let about = inv.about();
        invariants.push(InvariantResult {
            id: about.id.to_string(),
            description: about.promise.to_string(),
            unit: about.unit.to_string(),
            checked: checked.facts,
            violations: found.len(),
            not_observable: checked.unobserved,
            not_observable_why: checked.unobserved_why.clone(),
            state,
        });
        violations.extend(found);
    }
    let expectations = expectations::check(history, &evidence, scenarios);
    let expectation_result = InvariantResult {
        id: EXPECTATION.to_string(),
        description: "every step's `expect` (status, balance, outcome, orders, PG ledger counts)".to_string(),
        unit: "expectations".to_string(),
        checked: expectations.facts,
        violations: expectations.violations.len(),
        not_observable: expectations.unobserved,
        not_observable_why: expectations.unobserved_why.clone(),
        state: match (&expectations.not_observable, expectations.violations.is_empty(), expectations.facts) {
            (Some(why), _, _) => State::NotChecked(why.clone()),
            (None, false, _) => State::Violated,
            (None, true, 0) => State::NotExercised("no step of the scenarios run has an expectation".into()),
            (None, true, _) => State::Held,
        },
    };
    violations.extend(expectations.violations);

    let mut cells: BTreeMap<_, CellVerdict> =
        evidence.calls.iter().map(|c| (c.cell.clone(), CellVerdict::Passed)).collect();
    for note in history.notes() {
        let verdict = match note.kind {
            CellNoteKind::NotSupported => CellVerdict::NotSupported(note.why.clone()),
            CellNoteKind::NotExercised => CellVerdict::NotExercised(note.why.clone()),
        };
        cells.insert(note.cell.clone(), verdict);
    }
    for v in &violations {
        if let Some(cell) = &v.cell {
            cells.insert(cell.clone(), CellVerdict::Failed);
        }
    }
    Verdict { violations, invariants, expectations: expectation_result, cells, partial: evidence.partial }
}

/// Runs one invariant, or says why it cannot be run on this evidence.
fn judge(inv: &dyn Invariant, evidence: &Evidence) -> (State, Checked, Vec<Violation>) {
    let about = inv.about();
    if about.needs_ledgers && !evidence.observable {
        let why = "the PGs are not paydrill's fakes, so their ledgers cannot be read";
        return (State::NotObservable(why.into()), Checked::default(), Vec::new());
    }
    if about.needs_every_cell && evidence.partial {
        let why = "the run was interrupted before every cell finished";
        return (State::NotChecked(why.into()), Checked::default(), Vec::new());
    }
    let mut checked = inv.check(evidence);
    let found = std::mem::take(&mut checked.violations);
    let state = if !found.is_empty() {
        State::Violated
    } else if let Some(why) = checked.not_observable.clone() {
        State::NotObservable(why)
    } else if checked.facts == 0 {
        State::NotExercised(about.none_because.to_string())
    } else {
        State::Held
    };
    (state, checked, found)
}
