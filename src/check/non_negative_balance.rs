//! `non-negative-balance`: no balance the platform reported and no PG ledger balance ever went
//! below zero, and the cancels acknowledged never exceed the approval. One fact per balance
//! reading, per acknowledged approval and per ledger payment.

use super::evidence::Evidence;
use super::invariant::{About, Checked, Invariant};
use crate::pg::Krw;
use std::collections::BTreeSet;

pub struct NonNegativeBalance;

const ABOUT: About = About {
    id: "non-negative-balance",
    promise: "no balance ever went below zero; cancels never exceed the approval",
    unit: "balances",
    none_because: "no answer carried a balance the profile can read, and no PG ledger was read",
    ..About::BASE
};

impl Invariant for NonNegativeBalance {
    fn about(&self) -> &'static About {
        &ABOUT
    }

    fn check(&self, e: &Evidence) -> Checked {
        let mut checked = Checked::default();
        let mut flagged = BTreeSet::new();
        for c in &e.calls {
            let (Some(b), Some(order)) = (c.seen.balance, c.order()) else { continue };
            checked.facts += 1;
            if b < 0 && flagged.insert(order.to_string()) {
                let mut v = e.violation(
                    ABOUT.id,
                    Some(order),
                    "a balance of 0 or more".into(),
                    format!("the platform reported balance {b} ({} step {})", c.op.as_str(), c.step),
                );
                v.evidence = vec![c.id];
                checked.violations.push(v);
            }
        }
        for (order, ack) in &e.acks {
            let Some(approved) = ack.approved else { continue };
            checked.facts += 1;
            let cancelled: Krw = ack.cancels.iter().sum();
            if cancelled > approved && flagged.insert(order.clone()) {
                checked.violations.push(e.violation(
                    ABOUT.id,
                    Some(order),
                    format!("acknowledged cancels of at most the approved {approved}"),
                    format!("cancels of {cancelled} acknowledged ({:?})", ack.cancels),
                ));
            }
        }
        for (pg, payments) in &e.ledgers {
            for p in payments {
                checked.facts += 1;
                if (p.balance < 0 || p.cancelled > p.total) && flagged.insert(p.merchant_order_id.clone()) {
                    let mut v = e.violation(
                        ABOUT.id,
                        Some(&p.merchant_order_id),
                        "a PG balance of 0 or more".into(),
                        format!("{pg} ledger: balance {}, cancelled {} of {}", p.balance, p.cancelled, p.total),
                    );
                    v.pg.get_or_insert(*pg);
                    checked.violations.push(v);
                }
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

    fn cancel_answering(balance: i64) -> History {
        let mut h = History::platform();
        let c = cell("CONCURRENT_PARTIAL_CANCEL");
        h.add(Spec {
            key: Some("k1"),
            order: Some("o1"),
            status: Some("CREATED"),
            balance: Some(0),
            ..Spec::ok(&c, 1, Op::CreateOrder)
        });
        h.add(Spec {
            about: Some("o1"),
            order: Some("o1"),
            balance: Some(balance),
            ..Spec::ok(&c, 3, Op::PartialCancel)
        });
        h
    }

    #[test]
    fn a_negative_platform_balance_is_a_violation() {
        let r = cancel_answering(-2_000).result("non-negative-balance");
        assert_eq!((r.state, r.violations), (State::Violated, 1));
    }

    #[test]
    fn balances_of_zero_or_more_hold_and_each_reading_counts() {
        let r = cancel_answering(4_000).result("non-negative-balance");
        assert_eq!((r.state, r.checked), (State::Held, 2));
    }

    #[test]
    fn a_pg_ledger_over_cancelled_is_a_violation() {
        let mut h = History::platform();
        let mut p = paid("p1", "o1", 10_000, &[6_000]);
        p.cancelled = 12_000;
        p.balance = -2_000;
        h.ledger(PgName::Toss, vec![p]);
        assert_eq!(h.result("non-negative-balance").state, State::Violated);
    }

    #[test]
    fn nothing_with_a_balance_is_not_exercised() {
        let mut h = History::unobservable();
        h.add(Spec { key: Some("k1"), order: Some("o1"), ..Spec::ok(&cell("X"), 1, Op::CreateOrder) });
        assert!(matches!(h.result("non-negative-balance").state, State::NotExercised(_)));
    }
}
