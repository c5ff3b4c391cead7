//! `pgs-agree` (direct mode): at every step each PG's status and balance agree with what most
//! PGs answered, so one PG that misreports stands out. One fact per step answered by three or
//! more PGs.

use super::evidence::Evidence;
use super::invariant::{About, Checked, Invariant};
use super::verdict::Violation;
use crate::pg::{Krw, PgName};
use crate::record::{Call, Cell, Mode, Purpose};
use crate::spec::Op;
use std::collections::{BTreeMap, BTreeSet};

pub struct PgsAgree;

const ABOUT: About = About {
    id: "pgs-agree",
    promise: "direct mode: at every step, each PG's status and balance agree with the other PGs'",
    unit: "steps",
    none_because: "fewer than three PGs answered the same step",
    ..About::BASE
};

/// Where in a run an answer was given: which step of which repetition, and why it was asked.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct StepSlot {
    pub scenario: String,
    pub repeat: u32,
    /// 1-based step; 0 for the final read.
    pub step: usize,
    pub purpose: Purpose,
}

/// One PG's canonical answer at a slot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PgAnswer {
    pub pg: PgName,
    pub status: String,
    pub balance: Krw,
    /// The call that gave it.
    pub call: u64,
}

/// Each slot's canonical answer per PG (first clicks of steps other than create, reads after
/// steps, final reads), for comparing PGs.
pub fn step_answers<'a>(calls: impl IntoIterator<Item = &'a Call>) -> BTreeMap<StepSlot, Vec<PgAnswer>> {
    let mut groups: BTreeMap<StepSlot, Vec<PgAnswer>> = BTreeMap::new();
    for c in calls {
        let compared = match c.purpose {
            Purpose::Step => c.click == 1 && c.op != Op::CreateOrder,
            Purpose::AfterStep | Purpose::Final => true,
        };
        if let (true, Some(status), Some(balance)) = (compared, &c.seen.status, c.seen.balance) {
            let slot =
                StepSlot { scenario: c.cell.scenario.clone(), repeat: c.cell.repeat, step: c.step, purpose: c.purpose };
            groups.entry(slot).or_default().push(PgAnswer {
                pg: c.cell.pg,
                status: status.clone(),
                balance,
                call: c.id,
            });
        }
    }
    groups
}

impl Invariant for PgsAgree {
    fn about(&self) -> &'static About {
        &ABOUT
    }

    fn applies_to(&self, mode: Mode) -> bool {
        mode == Mode::Direct
    }

    fn check(&self, e: &Evidence) -> Checked {
        let mut checked = Checked::default();
        let mut reported = BTreeSet::new();
        for (slot, answers) in step_answers(e.calls.iter().copied()) {
            if answers.len() < 3 {
                continue;
            }
            checked.facts += 1;
            let mut tally: BTreeMap<(&str, Krw), usize> = BTreeMap::new();
            for a in &answers {
                *tally.entry((a.status.as_str(), a.balance)).or_default() += 1;
            }
            let Some(((status, balance), votes)) = tally.iter().max_by_key(|(_, n)| **n).map(|(k, n)| (*k, *n)) else {
                continue;
            };
            if votes * 2 <= answers.len() {
                continue;
            }
            for a in &answers {
                if (a.status.as_str(), a.balance) != (status, balance) && reported.insert((slot.scenario.clone(), a.pg))
                {
                    let cell = Cell { scenario: slot.scenario.clone(), pg: a.pg, repeat: slot.repeat };
                    checked.violations.push(Violation {
                        invariant: ABOUT.id.into(),
                        scenario: slot.scenario.clone(),
                        pg: Some(a.pg),
                        cell: Some(cell),
                        order_id: e.calls.iter().find(|c| c.id == a.call).and_then(|c| c.seen.order_id.clone()),
                        payment_id: None,
                        steps: if slot.step > 0 { vec![slot.step] } else { vec![] },
                        expected: format!("{status} balance {balance}, as {votes} of {} PGs answered", answers.len()),
                        seen: format!("{} answered {} balance {}", a.pg, a.status, a.balance),
                        evidence: vec![a.call],
                    });
                }
            }
        }
        checked
    }
}

#[cfg(test)]
mod tests {
    use crate::check::fixture::{cell_on, History, Spec};
    use crate::check::verdict::State;
    use crate::pg::PgName;
    use crate::spec::Op;

    fn three_pgs_answer(kcp_balance: i64) -> History {
        let mut h = History::direct();
        for (pg, balance) in [(PgName::Toss, 7_000), (PgName::Nicepay, 7_000), (PgName::Kcp, kcp_balance)] {
            let c = cell_on("PARTIAL_CANCEL", pg);
            h.add(Spec { key: Some("k"), order: Some("o"), ..Spec::ok(&c, 1, Op::CreateOrder) });
            h.add(Spec {
                about: Some("o"),
                order: Some("o"),
                status: Some("PARTIAL_CANCELED"),
                balance: Some(balance),
                ..Spec::ok(&c, 3, Op::PartialCancel)
            });
        }
        h
    }

    #[test]
    fn the_pg_that_answers_otherwise_is_named() {
        let verdict = three_pgs_answer(8_000).verdict(&[]);
        let r = verdict.invariant("pgs-agree").unwrap();
        assert_eq!((&r.state, r.checked, r.violations), (&State::Violated, 1, 1));
        assert_eq!(verdict.violations.iter().find(|v| v.invariant == "pgs-agree").unwrap().pg, Some(PgName::Kcp));
    }

    #[test]
    fn agreeing_pgs_hold() {
        let r = three_pgs_answer(7_000).result("pgs-agree");
        assert_eq!((r.state, r.checked), (State::Held, 1));
    }

    #[test]
    fn two_pgs_are_not_enough_and_platform_runs_do_not_report_it() {
        let mut h = History::direct();
        h.add(Spec { key: Some("k"), order: Some("o"), ..Spec::ok(&cell_on("X", PgName::Toss), 1, Op::CreateOrder) });
        assert!(matches!(h.result("pgs-agree").state, State::NotExercised(_)));
        assert!(History::platform().verdict(&[]).invariant("pgs-agree").is_none());
    }
}
