//! `single-charge`: one order is approved at its PG at most once. One fact per acknowledged
//! order looked up in its PG's ledger.

use super::evidence::Evidence;
use super::invariant::{About, Checked, Invariant};

pub struct SingleCharge;

const ABOUT: About = About {
    id: "single-charge",
    promise: "one order → at most one successful PG approval",
    unit: "orders",
    none_because: "no order was acknowledged",
    needs_ledgers: true,
    ..About::BASE
};

impl Invariant for SingleCharge {
    fn about(&self) -> &'static About {
        &ABOUT
    }

    fn check(&self, e: &Evidence) -> Checked {
        let mut checked = Checked::default();
        for (order, cell) in &e.owners {
            checked.facts += 1;
            let approved: Vec<_> =
                e.ledger_payments(cell.pg, order).into_iter().filter(|p| p.approval_id.is_some()).collect();
            if approved.len() > 1 {
                let list: Vec<_> = approved.iter().map(|p| format!("{} ({} won)", p.pg_payment_id, p.total)).collect();
                checked.violations.push(e.violation(
                    ABOUT.id,
                    Some(order),
                    "at most one PG approval".into(),
                    format!("{} approvals at {}: {}", approved.len(), cell.pg, list.join(", ")),
                ));
            }
        }
        checked
    }
}

#[cfg(test)]
mod tests {
    use crate::check::fixture::{cell, paid, History, Spec};
    use crate::check::verdict::State;
    use crate::pg::PgName;
    use crate::spec::Op;

    fn order_with_payments(n: usize) -> History {
        let mut h = History::platform();
        h.add(Spec {
            key: Some("k1"),
            order: Some("o1"),
            ..Spec::ok(&cell("APPROVE_TIMEOUT_RETRY"), 1, Op::CreateOrder)
        });
        let payments = (0..n).map(|i| paid(&format!("p{i}"), &format!("o1-r{i}"), 10_000, &[])).collect();
        h.ledger(PgName::Toss, payments);
        h
    }

    #[test]
    fn two_approvals_of_one_order_are_a_double_charge() {
        let r = order_with_payments(2).result("single-charge");
        assert_eq!((r.state, r.checked, r.violations), (State::Violated, 1, 1));
    }

    #[test]
    fn one_approval_holds() {
        let r = order_with_payments(1).result("single-charge");
        assert_eq!((r.state, r.checked), (State::Held, 1));
    }

    #[test]
    fn no_order_is_not_exercised_and_foreign_pgs_are_not_observable() {
        assert!(matches!(History::platform().result("single-charge").state, State::NotExercised(_)));
        let mut h = History::unobservable();
        h.add(Spec { key: Some("k1"), order: Some("o1"), ..Spec::ok(&cell("X"), 1, Op::CreateOrder) });
        assert!(matches!(h.result("single-charge").state, State::NotObservable(_)));
    }
}
