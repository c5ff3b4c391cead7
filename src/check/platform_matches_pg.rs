//! `platform-matches-pg`: at the end, each order's status and balance on the platform equal
//! what its PG's ledger holds. One fact per acknowledged order whose final read showed both.

use super::evidence::Evidence;
use super::invariant::{About, Checked, Invariant};
use crate::pg::OrderAtPg;
use crate::record::Purpose;

pub struct PlatformMatchesPg;

const LEDGER_ONLY: &str = "the platform has no read: its orders' final state came from the PG ledger";

const ABOUT: About = About {
    id: "platform-matches-pg",
    promise: "at the end, each payment's status and balance on the platform equal the PG ledger",
    unit: "orders",
    none_because: "no acknowledged order was read at the end",
    needs_ledgers: true,
    ..About::BASE
};

impl Invariant for PlatformMatchesPg {
    fn about(&self) -> &'static About {
        &ABOUT
    }

    fn check(&self, e: &Evidence) -> Checked {
        let mut checked = Checked::default();
        let mut unreadable = 0;
        for (order, ack) in &e.acks {
            let Some(cell) = e.owners.get(order) else { continue };
            if ack.final_from_ledger {
                checked.unobserved += 1;
                checked.unobserved_why = Some(LEDGER_ONLY.into());
                continue;
            }
            let (Some(status), Some(balance)) = (ack.final_status.as_deref(), ack.final_balance) else {
                let read = e.calls.iter().any(|c| {
                    c.purpose == Purpose::Final && c.order_id.as_deref() == Some(order.as_str()) && c.answered()
                });
                unreadable += read as usize;
                continue;
            };
            checked.facts += 1;
            let at_pg = OrderAtPg::of(e.ledger_payments(cell.pg, order));
            if !at_pg.agrees(status, Some(balance)) {
                checked.violations.push(e.violation(
                    ABOUT.id,
                    Some(order),
                    format!("the platform to show the {} ledger: {}", cell.pg, at_pg.describe()),
                    format!("platform {status} balance {balance}"),
                ));
            }
        }
        if checked.facts == 0 && unreadable > 0 {
            checked.not_observable =
                Some("the platform's final reads carried no status and balance the profile can read".into());
        } else if checked.facts == 0 && checked.unobserved > 0 {
            checked.not_observable = Some(LEDGER_ONLY.into());
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

    fn cancelled_at_pg_then_read(status: &str, balance: i64) -> History {
        let mut h = History::platform();
        let c = cell("FULL_FLOW");
        h.add(Spec { key: Some("k1"), order: Some("o1"), ..Spec::ok(&c, 1, Op::CreateOrder) });
        h.add(Spec::final_read(&c, "o1", status, balance));
        h.ledger(PgName::Toss, vec![paid("p1", "o1", 10_000, &[3_000, 7_000])]);
        h
    }

    #[test]
    fn a_platform_that_disagrees_with_the_ledger_is_a_violation() {
        let r = cancelled_at_pg_then_read("PARTIAL_CANCELED", 7_000).result("platform-matches-pg");
        assert_eq!((r.state, r.checked, r.violations), (State::Violated, 1, 1));
    }

    #[test]
    fn a_platform_that_agrees_holds() {
        let r = cancelled_at_pg_then_read("CANCELED", 0).result("platform-matches-pg");
        assert_eq!((r.state, r.checked), (State::Held, 1));
    }

    #[test]
    fn never_approved_matches_created() {
        let mut h = History::platform();
        let c = cell("IDEMPOTENCY_KEY_REUSE");
        h.add(Spec { key: Some("k1"), order: Some("o1"), ..Spec::ok(&c, 1, Op::CreateOrder) });
        h.add(Spec::final_read(&c, "o1", "CREATED", 0));
        assert_eq!(h.result("platform-matches-pg").state, State::Held);
    }

    #[test]
    fn no_final_read_is_not_exercised_and_an_unreadable_one_is_not_observable() {
        let mut h = History::platform();
        let c = cell("X");
        h.add(Spec { key: Some("k1"), order: Some("o1"), ..Spec::ok(&c, 1, Op::CreateOrder) });
        assert!(matches!(h.result("platform-matches-pg").state, State::NotExercised(_)));
        h.add(Spec { status: None, balance: None, ..Spec::final_read(&c, "o1", "", 0) });
        assert!(
            matches!(h.result("platform-matches-pg").state, State::NotObservable(_)),
            "{:?}",
            h.result("platform-matches-pg")
        );
    }
}
