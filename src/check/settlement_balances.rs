//! `settlement-balances`: per PG, the platform's balances, the settlement rows' net and the PG
//! ledger's net are one number. One fact per PG.

use super::evidence::Evidence;
use super::invariant::{About, Checked, Invariant};
use crate::pg::{Krw, PgName};
use crate::settle;
use std::collections::BTreeSet;

pub struct SettlementBalances;

const ABOUT: About = About {
    id: "settlement-balances",
    promise: "per PG, settlement net = approvals − cancels = PG ledger net",
    unit: "PG nets",
    none_because: "no PG took a payment or an order in the run",
    needs_ledgers: true,
    needs_every_cell: true,
};

impl Invariant for SettlementBalances {
    fn about(&self) -> &'static About {
        &ABOUT
    }

    fn check(&self, e: &Evidence) -> Checked {
        let mut checked = Checked::default();
        let ledgers: Vec<_> = e.ledgers.iter().map(|(pg, ps)| (*pg, ps.as_slice())).collect();
        let rows = settle::rows_from(&e.run_id, &e.acks, &ledgers);
        let settled = settle::net_by_pg(&rows);
        let mut pgs: BTreeSet<PgName> = e.ledgers.keys().copied().collect();
        pgs.extend(e.owners.values().map(|c| c.pg));
        for pg in pgs {
            // A PG that took no payment and no order has nothing to balance: no fact.
            let moved = e.ledgers.get(&pg).is_some_and(|ps| !ps.is_empty()) || e.owners.values().any(|c| c.pg == pg);
            if !moved {
                continue;
            }
            checked.facts += 1;
            let ledger_net: Krw = e
                .ledgers
                .get(&pg)
                .map(|ps| ps.iter().filter(|p| p.approval_id.is_some()).map(|p| p.total - p.cancelled).sum())
                .unwrap_or(0);
            let platform_net: Krw = e
                .acks
                .iter()
                .filter(|(order, _)| e.owners.get(*order).is_some_and(|c| c.pg == pg))
                .map(|(_, a)| {
                    a.final_balance.unwrap_or_else(|| a.approved.unwrap_or(0) - a.cancels.iter().sum::<Krw>())
                })
                .sum();
            let settlement_net = settled.get(pg.as_str()).copied().unwrap_or(0);
            if ledger_net != platform_net || settlement_net != ledger_net {
                let mut v = e.violation(
                    ABOUT.id,
                    None,
                    format!("{pg}: platform balances = settlement net = PG ledger net"),
                    format!("platform {platform_net}, settlement {settlement_net}, {pg} ledger {ledger_net}"),
                );
                v.pg = Some(pg);
                checked.violations.push(v);
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
    use crate::record::Phase;
    use crate::spec::Op;

    fn approved_then_read(final_balance: i64) -> History {
        let mut h = History::platform();
        let c = cell("ONLY_CREATE_APPROVE");
        h.add(Spec { key: Some("k1"), order: Some("o1"), ..Spec::ok(&c, 1, Op::CreateOrder) });
        h.add(Spec {
            key: Some("k2"),
            about: Some("o1"),
            order: Some("o1"),
            status: Some("APPROVED"),
            balance: Some(15_000),
            ..Spec::ok(&c, 2, Op::Approve)
        });
        h.add(Spec::final_read(&c, "o1", "APPROVED", final_balance));
        h.ledger(PgName::Toss, vec![paid("p1", "o1", 15_000, &[])]);
        h
    }

    #[test]
    fn a_platform_balance_off_the_ledger_net_is_a_violation() {
        let r = approved_then_read(25_000).result("settlement-balances");
        assert_eq!((r.state, r.violations), (State::Violated, 1));
    }

    #[test]
    fn balanced_books_hold_per_pg() {
        let r = approved_then_read(15_000).result("settlement-balances");
        assert_eq!((r.state, r.checked), (State::Held, 1));
    }

    /// The starvation false alarm: a partial cancel answered 504 (it went through at the PG),
    /// then a full cancel. The PG holds 3,000 and 7,000; the platform saw one drop of 10,000.
    #[test]
    fn a_cancel_of_unknown_outcome_settled_inside_the_next_one_balances_and_reconciles() {
        let mut h = History::platform();
        let c = cell("PARTIAL_CANCEL");
        h.add(Spec { key: Some("k1"), order: Some("o1"), ..Spec::ok(&c, 1, Op::CreateOrder) });
        let paid_10k = |step, op, status: &'static str, balance| Spec {
            key: Some(if op == Op::Approve { "k2" } else { "k4" }),
            about: Some("o1"),
            order: Some("o1"),
            status: Some(status),
            balance: Some(balance),
            ..Spec::ok(&c, step, op)
        };
        h.add(paid_10k(2, Op::Approve, "APPROVED", 10_000));
        h.add(Spec {
            key: Some("k3"),
            about: Some("o1"),
            amount: Some(3_000),
            phase: Phase::Info,
            status_code: 504,
            ..Spec::ok(&c, 3, Op::PartialCancel)
        });
        h.add(paid_10k(4, Op::Cancel, "CANCELED", 0));
        h.add(Spec::final_read(&c, "o1", "CANCELED", 0));
        h.ledger(PgName::Toss, vec![paid("p1", "o1", 10_000, &[3_000, 7_000])]);
        let r = h.result("settlement-balances");
        assert_eq!((r.state, r.violations), (State::Held, 0));
        let history = h.build();
        let rows = crate::settle::rows(&history);
        assert_eq!(rows.len(), 3, "{rows:?}");
        assert!(rows.iter().all(|r| r.reconciled == "Y"), "no phantom row: {rows:?}");
    }

    #[test]
    fn no_pg_is_not_exercised_and_an_interrupted_run_is_not_checked() {
        assert!(matches!(History::platform().result("settlement-balances").state, State::NotExercised(_)));
        let h = History::platform().interrupted();
        assert!(matches!(h.result("settlement-balances").state, State::NotChecked(_)));
    }
}
