//! `converges-within`: after every outcome that came back unknown (a timeout, a reset, a 5xx,
//! an "unknown" answer), the platform comes to show what its PG's ledger holds before the
//! deadline (`--converge-within`). One fact per such order; one that never did is a violation
//! with what each side showed. Time-to-converge is reported per PG beside it.

use super::evidence::Evidence;
use super::invariant::{About, Checked, Invariant};

pub struct ConvergesWithin;

const ABOUT: About = About {
    id: "converges-within",
    promise: "after an unknown outcome, the platform shows what the PG's ledger holds before the deadline",
    unit: "unknown outcomes",
    none_because: "no money step's outcome came back unknown",
    needs_ledgers: true,
    ..About::BASE
};

impl Invariant for ConvergesWithin {
    fn about(&self) -> &'static About {
        &ABOUT
    }

    fn check(&self, e: &Evidence) -> Checked {
        let mut checked = Checked::default();
        for c in &e.convergences {
            checked.facts += 1;
            if !c.converged {
                checked.violations.push(e.violation(
                    ABOUT.id,
                    Some(&c.order_id),
                    format!("the platform to show the {} ledger ({}) within {} ms", c.cell.pg, c.pg, c.within_ms),
                    format!("platform {} after {} ms and {} read(s)", c.platform, c.after_ms, c.reads),
                ));
            }
        }
        checked
    }
}

#[cfg(test)]
mod tests {
    use crate::check::fixture::{cell, History, Spec};
    use crate::check::verdict::State;
    use crate::record::{Convergence, Event};
    use crate::spec::Op;

    fn converged(ok: bool) -> History {
        let mut h = History::platform();
        let c = cell("APPROVE_TIMEOUT");
        h.add(Spec { key: Some("k1"), order: Some("o1"), ..Spec::ok(&c, 1, Op::CreateOrder) });
        h.event(Event::Converge(Convergence {
            cell: c.clone(),
            order_id: "o1".into(),
            after_ms: 120,
            converged: ok,
            reads: 3,
            within_ms: 30_000,
            pg: "APPROVED balance 10000".into(),
            platform: if ok { "APPROVED balance 10000" } else { "UNKNOWN balance 0" }.into(),
        }));
        h
    }

    #[test]
    fn an_order_that_never_converged_is_a_violation_and_one_that_did_holds() {
        let r = converged(false).result("converges-within");
        assert_eq!((r.state, r.checked, r.violations), (State::Violated, 1, 1));
        let r = converged(true).result("converges-within");
        assert_eq!((r.state, r.checked), (State::Held, 1));
    }

    #[test]
    fn without_an_unknown_outcome_it_is_not_exercised() {
        let mut h = History::platform();
        let c = cell("FULL_FLOW");
        h.add(Spec { key: Some("k1"), order: Some("o1"), ..Spec::ok(&c, 1, Op::CreateOrder) });
        assert!(matches!(h.result("converges-within").state, State::NotExercised(_)));
    }
}
