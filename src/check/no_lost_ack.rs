//! `no-lost-ack`: every order the platform acknowledged can still be read at the end. One fact
//! per acknowledged order whose final read was made.

use super::evidence::Evidence;
use super::invariant::{About, Checked, Invariant};
use crate::record::{cap, Call, Purpose};

pub struct NoLostAck;

const ABOUT: About = About {
    id: "no-lost-ack",
    promise: "every order the platform acknowledged can still be read at the end",
    unit: "acknowledged orders",
    none_because: "no order was acknowledged, or none was read at the end",
    ..About::BASE
};

impl Invariant for NoLostAck {
    fn about(&self) -> &'static About {
        &ABOUT
    }

    fn check(&self, e: &Evidence) -> Checked {
        let mut checked = Checked::default();
        let mut unreadable = 0;
        for order in e.owners.keys() {
            let finals: Vec<&Call> = e
                .calls
                .iter()
                .copied()
                .filter(|c| c.purpose == Purpose::Final && c.order_id.as_deref() == Some(order.as_str()))
                .collect();
            let Some(last) = finals.last().copied() else { continue };
            if last.from_pg_ledger() {
                checked.unobserved += 1;
                checked.unobserved_why =
                    Some("the platform has no read: the order's state came from the PG ledger".into());
                continue;
            }
            // Readable: the platform answered some final read with its view of the order (an
            // answer that names another order is not this one).
            let read = |c: &&Call| c.answered() && c.seen.order_id.as_deref().is_none_or(|o| o == order);
            if finals.iter().any(read) {
                checked.facts += 1;
                continue;
            }
            // No final read got an answer about the order at all (connection refused, a reset,
            // only server errors): it is unreadable, not lost — paydrill cannot tell which. A
            // 404 or another refusal is the platform saying it has no such order: lost.
            if finals.iter().all(|c| c.response.as_ref().is_none_or(|r| r.status >= 500)) {
                unreadable += 1;
                checked.unobserved += 1;
                checked.unobserved_why = Some(format!(
                    "{unreadable} unreadable at the end: no final read got an answer ({}), so whether they \
                     were kept cannot be told",
                    answer_text(last)
                ));
                continue;
            }
            checked.facts += 1;
            {
                let mut v = e.violation(
                    ABOUT.id,
                    Some(order),
                    format!("acknowledged order {order} readable at the end"),
                    answer_text(last),
                );
                v.evidence.push(last.id);
                checked.violations.push(v);
            }
        }
        if checked.facts == 0 && checked.unobserved > 0 {
            checked.not_observable = checked.unobserved_why.clone();
        }
        checked
    }
}

/// A call's answer in a few words: status and the start of the body, or the transport error.
fn answer_text(c: &Call) -> String {
    match (&c.response, &c.error) {
        (Some(r), _) => format!("HTTP {} {}", r.status, cap(r.body.chars().take(120).collect())),
        (None, Some(e)) => e.clone(),
        (None, None) => "no answer".into(),
    }
}

#[cfg(test)]
mod tests {
    use crate::check::fixture::{cell, History, Spec};
    use crate::check::verdict::State;
    use crate::record::{Phase, Purpose};
    use crate::spec::Op;

    fn created_then_read(status_code: u16, seen: Option<&str>) -> History {
        let mut h = History::platform();
        let c = cell("FULL_FLOW");
        h.add(Spec { key: Some("k1"), order: Some("o1"), ..Spec::ok(&c, 1, Op::CreateOrder) });
        let phase = if status_code == 200 { Phase::Ok } else { Phase::Fail };
        h.add(Spec {
            purpose: Purpose::Final,
            about: Some("o1"),
            order: seen,
            status_code,
            phase,
            ..Spec::ok(&c, 0, Op::Inquire)
        });
        h
    }

    #[test]
    fn an_acknowledged_order_that_reads_404_is_lost() {
        let r = created_then_read(404, None).result("no-lost-ack");
        assert_eq!((r.state, r.checked, r.violations), (State::Violated, 1, 1));
    }

    #[test]
    fn an_order_no_final_read_could_reach_is_unreadable_not_lost() {
        assert_eq!(created_then_read(503, None).result("no-lost-ack").violations, 0, "only server errors: unreadable");
        let mut h = created_then_read(0, None);
        let r = h.result("no-lost-ack");
        assert_eq!((r.violations, r.not_observable), (0, 1));
        assert!(matches!(r.state, State::NotObservable(ref why) if why.contains("unreadable")), "{:?}", r.state);
        // One later read that reached the platform and found nothing: lost after all.
        h.add(Spec {
            purpose: Purpose::Final,
            about: Some("o1"),
            status_code: 404,
            phase: Phase::Fail,
            ..Spec::ok(&cell("FULL_FLOW"), 0, Op::Inquire)
        });
        assert_eq!(h.result("no-lost-ack").violations, 1);
    }

    #[test]
    fn a_readable_order_holds() {
        let r = created_then_read(200, Some("o1")).result("no-lost-ack");
        assert_eq!((r.state, r.checked), (State::Held, 1));
    }

    #[test]
    fn no_final_read_is_not_exercised() {
        let mut h = History::platform();
        h.add(Spec { key: Some("k1"), order: Some("o1"), ..Spec::ok(&cell("X"), 1, Op::CreateOrder) });
        assert!(matches!(h.result("no-lost-ack").state, State::NotExercised(_)));
    }
}
