//! `pgs-agree` (direct mode): at every step each PG's status and balance agree with what most
//! PGs answered, so one PG that misreports stands out. One fact per step answered by three or
//! more PGs.

use super::evidence::Evidence;
use super::invariant::{About, Checked, Invariant};
use super::verdict::Violation;
use crate::pg::{Krw, PgName};
use crate::record::{Call, Cell, Mode, Phase, Purpose};
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

/// Under random PG faults, the cells whose course differs from most PGs' in the same scenario
/// and repetition: a click answered, refused or left unknown where the others' were not. Their
/// answers rightly differ, so comparing them would blame the PG for the dice.
fn off_course(calls: &[&Call]) -> BTreeSet<Cell> {
    type Course = Vec<(usize, u32, Purpose, Phase)>;
    let mut courses: BTreeMap<&Cell, Course> = BTreeMap::new();
    for c in calls {
        courses.entry(&c.cell).or_default().push((c.step, c.click, c.purpose, c.phase));
    }
    let mut by_run: BTreeMap<(&str, u32), Vec<(&Cell, Course)>> = BTreeMap::new();
    for (cell, mut course) in courses {
        course.sort();
        by_run.entry((cell.scenario.as_str(), cell.repeat)).or_default().push((cell, course));
    }
    let mut off = BTreeSet::new();
    for cells in by_run.values() {
        let mut tally: BTreeMap<&Course, usize> = BTreeMap::new();
        for (_, course) in cells {
            *tally.entry(course).or_default() += 1;
        }
        let usual = tally.iter().max_by_key(|(_, n)| **n).map(|(c, _)| *c);
        off.extend(cells.iter().filter(|(_, c)| Some(c) != usual).map(|(cell, _)| (*cell).clone()));
    }
    off
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
        // A cell that did not run as scripted rightly answers otherwise: a scripted fault that
        // never reached its PG, or (under random faults) a course the dice changed.
        let mut left_out = e.not_exercised.clone();
        left_out.extend(e.drawn_fault_cells.iter().cloned());
        if e.random_faults {
            // A drawn fault at a call that named no order (a token call) is found by its effect.
            left_out.extend(off_course(&e.calls));
        }
        let compared: Vec<&Call> = e.calls.iter().copied().filter(|c| !left_out.contains(&c.cell)).collect();
        let mut left_out_steps = BTreeSet::new();
        for (slot, answers) in step_answers(e.calls.iter().copied().filter(|c| left_out.contains(&c.cell))) {
            left_out_steps.extend(answers.iter().map(|a| (slot.clone(), a.pg)));
        }
        checked.unobserved = left_out_steps.len();
        if checked.unobserved > 0 {
            checked.unobserved_why = Some(
                "answers of cells that did not run as scripted (a scripted fault that never reached the PG, or a \
                 course a randomly drawn PG fault changed) are left out"
                    .into(),
            );
        }
        for (slot, answers) in step_answers(compared) {
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
    fn under_random_faults_a_cell_the_dice_sent_elsewhere_is_left_out_not_blamed() {
        // kcp's cancel met a drawn fault (refused) and its balance stayed: its answer differs
        // from the others' because its course did. A fourth PG keeps three to compare.
        let mut h = three_pgs_answer(10_000).with_random_faults();
        let kcp = cell_on("PARTIAL_CANCEL", PgName::Kcp);
        h.add(Spec { about: Some("o"), ..Spec::fail(&kcp, 3, Op::PartialCancel) });
        let inicis = cell_on("PARTIAL_CANCEL", PgName::Inicis);
        h.add(Spec { key: Some("k"), order: Some("o"), ..Spec::ok(&inicis, 1, Op::CreateOrder) });
        h.add(Spec {
            about: Some("o"),
            order: Some("o"),
            status: Some("PARTIAL_CANCELED"),
            balance: Some(7_000),
            ..Spec::ok(&inicis, 3, Op::PartialCancel)
        });
        let r = h.result("pgs-agree");
        assert_eq!((&r.state, r.checked, r.violations, r.not_observable), (&State::Held, 1, 0, 1));
    }

    #[test]
    fn a_cell_whose_scripted_fault_never_reached_its_pg_is_left_out() {
        let mut h = three_pgs_answer(8_000);
        h.not_exercised(&cell_on("PARTIAL_CANCEL", PgName::Kcp), "the timeout fault never reached kcp");
        let r = h.result("pgs-agree");
        assert_eq!((r.violations, r.not_observable), (0, 1));
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
