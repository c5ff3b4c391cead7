//! Each step's `expect`: its outcome (accepted or refused), status and balance (read from the
//! step's answer, or from the read right after a multi-click step), distinct order ids, and the
//! PG ledger's approvals and cancels after it. One fact per expectation term checked.

use super::evidence::Evidence;
use super::invariant::{Checked, EXPECTATION};
use crate::record::{Call, Cell, History, Phase, Purpose};
use crate::spec::{Op, Outcome, Scenario, Step};
use std::collections::{BTreeSet, HashMap};

/// Checks every step expectation of the scenarios that ran.
pub fn check(history: &History, e: &Evidence, scenarios: &[Scenario]) -> Checked {
    let mut checked = Checked::default();
    if e.random_faults {
        checked.not_observable = Some("PG faults were drawn at random rates, which no expectation allows for".into());
        return checked;
    }
    let by_name: HashMap<&str, &Scenario> = scenarios.iter().map(|s| (s.name.as_str(), s)).collect();
    let cells: BTreeSet<&Cell> = e.calls.iter().map(|c| &c.cell).collect();
    for cell in cells {
        let Some(scenario) = by_name.get(cell.scenario.as_str()) else { continue };
        let cell_calls: Vec<&Call> = e.calls.iter().copied().filter(|c| c.cell == *cell).collect();
        let order = cell_calls
            .iter()
            .find(|c| c.op == Op::CreateOrder && c.phase == Phase::Ok)
            .and_then(|c| c.seen.order_id.clone());
        for step in &scenario.steps {
            let mut judge = StepJudge { history, e, cell, step, order: order.as_deref(), checked: &mut checked };
            judge.step(&cell_calls);
        }
    }
    checked
}

/// One step of one cell under judgement.
struct StepJudge<'c, 'e> {
    history: &'c History,
    e: &'c Evidence<'e>,
    cell: &'c Cell,
    step: &'c Step,
    order: Option<&'c str>,
    checked: &'c mut Checked,
}

impl StepJudge<'_, '_> {
    fn fail(&mut self, expected: String, seen: String, ids: Vec<u64>) {
        let mut v = self.e.violation(EXPECTATION, self.order, expected, seen);
        v.cell = Some(self.cell.clone());
        v.scenario = self.cell.scenario.clone();
        v.pg = Some(self.cell.pg);
        v.steps = vec![self.step.index];
        v.evidence = ids;
        self.checked.violations.push(v);
    }

    /// An expectation on a field the answer did not show: neither passed nor failed.
    fn unobserved(&mut self, field: &str) {
        self.checked.unobserved += 1;
        self.checked.unobserved_why = Some(format!("an answer showed no {field} the profile can read"));
    }

    fn step(&mut self, cell_calls: &[&Call]) {
        let step = self.step;
        let clicks: Vec<&Call> =
            cell_calls.iter().copied().filter(|c| c.step == step.index && c.purpose == Purpose::Step).collect();
        if clicks.is_empty() {
            if !step.expect.is_empty() || step.index == 1 {
                self.checked.facts += 1;
                self.fail(
                    format!("step {} ({}) to run", step.index, step.op.as_str()),
                    "it never ran: an earlier step left no order".into(),
                    vec![],
                );
            }
            return;
        }
        let ids: Vec<u64> = clicks.iter().map(|c| c.id).collect();
        let e = &step.expect;
        let outcome = e.outcome.unwrap_or(if step.index == 1 { Outcome::Ok } else { Outcome::Any });
        match outcome {
            Outcome::Ok => {
                self.checked.facts += 1;
                if let Some(bad) = clicks.iter().find(|c| c.phase != Phase::Ok) {
                    self.fail(format!("{} accepted", step.op.as_str()), describe(bad), ids.clone());
                }
            }
            Outcome::Rejected => {
                self.checked.facts += 1;
                // Refused: a 4xx/5xx answer, or (PGs that answer HTTP 200 with an error code) a definite failure.
                let refused = |c: &Call| c.phase == Phase::Fail || c.response.as_ref().is_some_and(|r| r.status >= 400);
                if let Some(bad) = clicks.iter().find(|c| !refused(c)) {
                    self.fail(format!("{} rejected", step.op.as_str()), describe(bad), ids.clone());
                }
            }
            Outcome::Any => {}
        }
        let state = if step.clicks > 1 {
            cell_calls.iter().copied().find(|c| c.step == step.index && c.purpose == Purpose::AfterStep)
        } else {
            clicks.first().copied()
        };
        if let Some(state) = state {
            if let Some(want) = &e.status {
                match state.seen.status.as_deref() {
                    // An answer that shows no status the profile can read: not observable.
                    None => self.unobserved("status"),
                    Some(seen) => {
                        self.checked.facts += 1;
                        if seen != want {
                            self.fail(format!("status {want}"), format!("status {seen}"), vec![state.id]);
                        }
                    }
                }
            }
            if let Some(want) = e.balance {
                match state.seen.balance {
                    None => self.unobserved("balance"),
                    Some(seen) => {
                        self.checked.facts += 1;
                        if seen != want {
                            self.fail(format!("balance {want}"), format!("balance {seen}"), vec![state.id]);
                        }
                    }
                }
            }
        }
        if let Some(want) = e.distinct_orders {
            self.checked.facts += 1;
            let orders: BTreeSet<_> =
                clicks.iter().filter(|c| c.phase == Phase::Ok).filter_map(|c| c.seen.order_id.clone()).collect();
            if orders.len() as u32 != want {
                let seen = format!("{} ({})", orders.len(), orders.into_iter().collect::<Vec<_>>().join(", "));
                self.fail(format!("{want} distinct order id(s)"), seen, ids.clone());
            }
        }
        if e.pg_approvals.is_some() || e.pg_cancels.is_some() {
            let pg = self.cell.pg;
            let seen = self.history.observations().find(|o| o.cell == *self.cell && o.step == step.index).cloned();
            match seen {
                Some(o) => {
                    if let Some(want) = e.pg_approvals {
                        self.checked.facts += 1;
                        if want != o.pg_approvals {
                            let seen = o.pg_approvals.to_string();
                            self.fail(format!("{want} approval(s) in the {pg} ledger"), seen, ids.clone());
                        }
                    }
                    if let Some(want) = e.pg_cancels {
                        self.checked.facts += 1;
                        if want != o.pg_cancels {
                            let seen = o.pg_cancels.to_string();
                            self.fail(format!("{want} cancel(s) in the {pg} ledger"), seen, ids.clone());
                        }
                    }
                }
                None if self.e.observable => {
                    self.checked.facts += 1;
                    self.fail("a PG ledger observation".into(), "none recorded".into(), ids.clone());
                }
                None => {}
            }
        }
    }
}

/// A click's answer in a few words, for an expectation's "saw".
fn describe(c: &Call) -> String {
    match (&c.response, &c.error) {
        (Some(r), _) => {
            let what =
                [c.seen.status.as_deref(), c.seen.error_code.as_deref()].into_iter().flatten().collect::<Vec<_>>();
            format!("HTTP {} {}", r.status, what.join(" ")).trim_end().to_string()
        }
        (None, Some(e)) => e.clone(),
        _ => "no answer".into(),
    }
}

#[cfg(test)]
mod tests {
    use crate::check::fixture::{cell, History, Spec};
    use crate::check::invariant::EXPECTATION;
    use crate::check::verdict::State;
    use crate::spec::{Op, Scenario};
    use std::path::Path;

    fn wrong_balance_scenario() -> Scenario {
        let text = "name = \"X\"\n[[steps]]\nop = \"create_order\"\namount = 5000\n\n[[steps]]\nop = \"approve\"\n\
                    expect = { status = \"APPROVED\", balance = 5000 }\n";
        Scenario::parse(Path::new("X.toml"), text).unwrap()
    }

    /// The PGs are not paydrill's here, so only the expectations are judged.
    fn approved_with(balance: i64) -> History {
        let mut h = History::unobservable();
        let c = cell("X");
        h.add(Spec { key: Some("k1"), order: Some("o1"), ..Spec::ok(&c, 1, Op::CreateOrder) });
        h.add(Spec {
            about: Some("o1"),
            order: Some("o1"),
            status: Some("APPROVED"),
            balance: Some(balance),
            ..Spec::ok(&c, 2, Op::Approve)
        });
        h
    }

    #[test]
    fn a_step_that_answers_another_balance_fails_its_expectation() {
        let v = approved_with(4_000).verdict(&[wrong_balance_scenario()]);
        let r = v.invariant(EXPECTATION).unwrap();
        assert_eq!((&r.state, r.violations), (&State::Violated, 1));
        assert!(v.violations[0].headline().contains("expected balance 5000; saw balance 4000"), "{:?}", v.violations);
    }

    #[test]
    fn met_expectations_hold_and_each_term_counts() {
        let v = approved_with(5_000).verdict(&[wrong_balance_scenario()]);
        let r = v.invariant(EXPECTATION).unwrap();
        // step 1 accepted, step 2 status and balance
        assert_eq!((&r.state, r.checked), (&State::Held, 3));
    }

    #[test]
    fn a_pg_ledger_count_off_the_observation_fails() {
        let scenario = Scenario::parse(
            Path::new("Y.toml"),
            "name = \"Y\"\n[[steps]]\nop = \"create_order\"\namount = 5000\n[[steps]]\nop = \"approve\"\nexpect = { pg_approvals = 1 }\n",
        )
        .unwrap();
        let c = cell("Y");
        for (approvals, state) in [(2, State::Violated), (1, State::Held)] {
            let mut h = History::platform();
            h.add(Spec { key: Some("k1"), order: Some("o1"), ..Spec::ok(&c, 1, Op::CreateOrder) });
            h.add(Spec { about: Some("o1"), order: Some("o1"), ..Spec::ok(&c, 2, Op::Approve) });
            h.observe(&c, 2, "o1", approvals, 0);
            let v = h.verdict(std::slice::from_ref(&scenario));
            assert_eq!(v.invariant(EXPECTATION).unwrap().state, state, "{approvals}: {:?}", v.violations);
        }
    }

    #[test]
    fn random_faults_leave_expectations_unchecked() {
        let v = approved_with(4_000).with_random_faults().verdict(&[wrong_balance_scenario()]);
        assert!(matches!(v.invariant(EXPECTATION).unwrap().state, State::NotChecked(_)));
        assert!(v.violations.is_empty());
    }
}
