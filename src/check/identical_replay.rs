//! `identical-replay`: a replayed request got the original answer (the same order id, and for
//! a create the same amount). A replay is any accepted answer to a key after the first, marked
//! by the platform or not. One fact per replay compared with its original.

use super::evidence::Evidence;
use super::invariant::{About, Checked, Invariant};
use super::unique_order::by_key;
use crate::record::{Call, Phase};
use crate::spec::Op;

pub struct IdenticalReplay;

const ABOUT: About = About {
    id: "identical-replay",
    promise: "a replayed request got the original answer (same order id and amount)",
    unit: "replays",
    none_because: "no request was answered as a replay (no click or retry reused a key)",
    ..About::BASE
};

impl Invariant for IdenticalReplay {
    fn about(&self) -> &'static About {
        &ABOUT
    }

    fn check(&self, e: &Evidence) -> Checked {
        let mut checked = Checked::default();
        for op in [Op::CreateOrder, Op::Approve] {
            for ((_, key), group) in by_key(&e.calls, op) {
                // Every accepted answer to a key after the first is a replay, whether or not
                // the platform marks it as one.
                let oks: Vec<&&Call> = group.iter().filter(|c| c.phase == Phase::Ok).collect();
                let Some(first) = oks.iter().find(|c| !replayed(c)).or(oks.first()) else { continue };
                for c in oks.iter().filter(|c| c.id != first.id) {
                    checked.facts += 1;
                    let same_order = c.seen.order_id == first.seen.order_id;
                    let same_amount = op != Op::CreateOrder || c.seen.amount == first.seen.amount;
                    if !(same_order && same_amount) {
                        let mut v = e.violation(
                            ABOUT.id,
                            first.seen.order_id.as_deref(),
                            format!(
                                "the replay of {} (key {key}) to answer order {} amount {}",
                                op.as_str(),
                                first.seen.order_id.as_deref().unwrap_or("?"),
                                first.seen.amount.map_or("?".into(), |a| a.to_string())
                            ),
                            format!(
                                "order {} amount {}",
                                c.seen.order_id.as_deref().unwrap_or("?"),
                                c.seen.amount.map_or("?".into(), |a| a.to_string())
                            ),
                        );
                        v.evidence = vec![first.id, c.id];
                        v.steps = vec![c.step];
                        checked.violations.push(v);
                    }
                }
            }
        }
        checked
    }
}

/// Whether the platform said this answer replays an earlier one.
fn replayed(c: &Call) -> bool {
    c.response.as_ref().is_some_and(|r| r.replayed)
}

#[cfg(test)]
mod tests {
    use crate::check::fixture::{cell, History, Spec};
    use crate::check::verdict::State;
    use crate::spec::Op;

    fn create_then_replay(replay_order: &str) -> History {
        let mut h = History::platform();
        let c = cell("DUPLICATE_CLICK");
        h.add(Spec { key: Some("k1"), order: Some("o1"), amount: Some(10_000), ..Spec::ok(&c, 1, Op::CreateOrder) });
        h.add(Spec {
            click: 2,
            key: Some("k1"),
            order: Some(replay_order),
            amount: Some(10_000),
            replayed: true,
            ..Spec::ok(&c, 1, Op::CreateOrder)
        });
        h
    }

    #[test]
    fn a_replay_with_another_order_is_a_violation() {
        let r = create_then_replay("o9").result("identical-replay");
        assert_eq!((r.state, r.checked, r.violations), (State::Violated, 1, 1));
    }

    #[test]
    fn a_faithful_replay_holds_and_is_counted() {
        let r = create_then_replay("o1").result("identical-replay");
        assert_eq!((r.state, r.checked), (State::Held, 1));
    }

    #[test]
    fn a_run_without_replays_is_not_exercised() {
        let mut h = History::platform();
        let c = cell("ONLY_CREATE_APPROVE");
        h.add(Spec { key: Some("k1"), order: Some("o1"), ..Spec::ok(&c, 1, Op::CreateOrder) });
        let r = h.result("identical-replay");
        assert!(matches!(r.state, State::NotExercised(_)), "{r:?}");
    }
}
