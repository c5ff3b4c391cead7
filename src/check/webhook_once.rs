//! `webhook-once`: a duplicated, late or reordered PG webhook changes the platform's state and
//! money at most once. Every order a PG sent webhooks about ends with the PG ledger's status and
//! balance, and no forged copy of a signed webhook was taken. One fact per delivery answered.

use super::evidence::Evidence;
use super::invariant::{About, Checked, Invariant};
use crate::pg::{belongs_to, Krw, WebhookDelivery};
use crate::record::Mode;
use std::collections::BTreeMap;

pub struct WebhookOnce;

const ABOUT: About = About {
    id: "webhook-once",
    promise: "a duplicated, late or reordered PG webhook changes the platform's state and money at most once",
    unit: "webhook deliveries",
    none_because: "no PG webhook reached the platform (the Toss, PortOne and NICEPAY fakes send them to a URL the \
                   platform names)",
    needs_ledgers: true,
    ..About::BASE
};

impl Invariant for WebhookOnce {
    fn about(&self) -> &'static About {
        &ABOUT
    }

    /// Direct mode has no platform to send webhooks to.
    fn applies_to(&self, mode: Mode) -> bool {
        mode == Mode::Platform
    }

    fn check(&self, e: &Evidence) -> Checked {
        let mut checked = Checked::default();
        let answered: Vec<&WebhookDelivery> = e.webhooks.iter().filter(|w| w.status.is_some()).collect();
        checked.facts = answered.len();
        // Per platform order, the deliveries about it.
        let mut by_order: BTreeMap<&str, Vec<&WebhookDelivery>> = BTreeMap::new();
        for w in &answered {
            if let Some(order) = e.owners.keys().find(|o| belongs_to(&w.merchant_order_id, o)) {
                by_order.entry(order.as_str()).or_default().push(w);
            }
        }
        for (order, deliveries) in by_order {
            let taken = |w: &&&WebhookDelivery| w.status.is_some_and(|s| (200..300).contains(&s));
            for forged in deliveries.iter().filter(|w| w.forged && w.signed).filter(taken) {
                checked.violations.push(e.violation(
                    ABOUT.id,
                    Some(order),
                    format!("a {} webhook with a wrong signature refused", forged.pg),
                    format!("HTTP {} to the forged copy of {}", forged.status.unwrap_or(0), forged.webhook_id),
                ));
            }
            if !deliveries.iter().any(|w| !w.forged && taken(&w)) {
                continue;
            }
            let (Some(ack), Some(cell)) = (e.acks.get(order), e.owners.get(order)) else { continue };
            if ack.final_from_ledger {
                checked.unobserved += deliveries.len();
                checked.unobserved_why =
                    Some("the platform has no read: its final state came from the PG ledger".into());
                continue;
            }
            let (Some(status), Some(balance)) = (ack.final_status.as_deref(), ack.final_balance) else { continue };
            let payments = e.ledger_payments(cell.pg, order);
            let approved: Vec<_> = payments.iter().filter(|p| p.approval_id.is_some()).collect();
            let pg_balance: Krw = approved.iter().map(|p| p.balance).sum();
            let pg_state = approved.last().map_or("CREATED", |p| p.status.canonical_state());
            if status != pg_state || balance != pg_balance {
                checked.violations.push(e.violation(
                    ABOUT.id,
                    Some(order),
                    format!(
                        "after its webhooks, the platform at the {} ledger's {pg_state} balance {pg_balance}",
                        cell.pg
                    ),
                    format!("platform {status} balance {balance}; webhooks: {}", describe(&deliveries)),
                ));
            }
        }
        if checked.facts > 0 && checked.facts == checked.unobserved {
            checked.not_observable = checked.unobserved_why.clone();
        }
        checked
    }
}

/// `2 of paid (HTTP 200, 200), 1 of partial_cancelled (HTTP 200), 1 forged (HTTP 401)`.
fn describe(deliveries: &[&WebhookDelivery]) -> String {
    let mut events: BTreeMap<(String, bool), Vec<String>> = BTreeMap::new();
    for w in deliveries {
        let status = w.status.map_or("no answer".to_string(), |s| s.to_string());
        events.entry((w.kind.clone(), w.forged)).or_default().push(status);
    }
    let parts: Vec<String> = events
        .into_iter()
        .map(|((event, forged), statuses)| {
            let what = if forged { format!("forged {event}") } else { event };
            format!("{} of {what} (HTTP {})", statuses.len(), statuses.join(", "))
        })
        .collect();
    parts.join(", ")
}
