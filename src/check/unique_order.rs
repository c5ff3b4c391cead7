//! `unique-order`: one idempotency key makes at most one order, and every click with that key
//! got the same order id. One fact per key whose create was accepted.

use super::evidence::Evidence;
use super::invariant::{About, Checked, Invariant};
use crate::record::{Call, Cell, Phase, Purpose};
use crate::spec::Op;
use std::collections::{BTreeMap, BTreeSet};

pub struct UniqueOrder;

const ABOUT: About = About {
    id: "unique-order",
    promise: "one idempotency key → at most one order; every click got the same order id",
    unit: "idempotency keys",
    none_because: "no order was created with an idempotency key",
    ..About::BASE
};

impl Invariant for UniqueOrder {
    fn about(&self) -> &'static About {
        &ABOUT
    }

    fn check(&self, e: &Evidence) -> Checked {
        let mut checked = Checked::default();
        for ((_, key), group) in by_key(&e.calls, Op::CreateOrder) {
            let fresh: BTreeSet<&str> = group
                .iter()
                .filter(|c| c.phase == Phase::Ok && !c.response.as_ref().is_some_and(|r| r.replayed))
                .filter_map(|c| c.seen.order_id.as_deref())
                .collect();
            if !group.iter().any(|c| c.phase == Phase::Ok && c.seen.order_id.is_some()) {
                continue;
            }
            checked.facts += 1;
            if fresh.len() > 1 {
                let orders: Vec<_> = fresh.iter().copied().collect();
                let mut v = e.violation(
                    ABOUT.id,
                    Some(orders[0]),
                    format!("one order for idempotency key {key}"),
                    format!("{} orders created: {}", orders.len(), orders.join(", ")),
                );
                v.evidence = group.iter().map(|c| c.id).collect();
                checked.violations.push(v);
            }
        }
        checked
    }
}

/// Step calls of one op grouped by (cell, idempotency key).
pub fn by_key<'a>(calls: &[&'a Call], op: Op) -> BTreeMap<(Cell, String), Vec<&'a Call>> {
    let mut groups: BTreeMap<(Cell, String), Vec<&Call>> = BTreeMap::new();
    for c in calls.iter().filter(|c| c.op == op && c.purpose == Purpose::Step) {
        if let Some(key) = &c.idempotency_key {
            groups.entry((c.cell.clone(), key.clone())).or_default().push(c);
        }
    }
    groups
}

#[cfg(test)]
mod tests {
    use crate::check::fixture::{cell, History, Spec};
    use crate::check::verdict::State;
    use crate::spec::Op;

    fn clicks(orders: &[&str]) -> History {
        let mut h = History::platform();
        let c = cell("DUPLICATE_CLICK");
        for (i, o) in orders.iter().enumerate() {
            h.add(Spec { click: i as u32 + 1, key: Some("k1"), order: Some(o), ..Spec::ok(&c, 1, Op::CreateOrder) });
        }
        h
    }

    #[test]
    fn two_orders_for_one_key_are_a_violation() {
        let r = clicks(&["o1", "o2"]).result("unique-order");
        assert_eq!((r.state, r.checked, r.violations), (State::Violated, 1, 1));
    }

    #[test]
    fn one_order_for_every_click_holds_and_counts_the_key() {
        let r = clicks(&["o1", "o1", "o1"]).result("unique-order");
        assert_eq!((r.state, r.checked), (State::Held, 1));
    }

    #[test]
    fn no_accepted_create_is_not_exercised() {
        let mut h = History::platform();
        let c = cell("X");
        h.add(Spec { key: Some("k1"), status_code: 400, ..Spec::fail(&c, 1, Op::CreateOrder) });
        let r = h.result("unique-order");
        assert!(matches!(r.state, State::NotExercised(_)), "{r:?}");
        assert_eq!(r.checked, 0);
    }
}
