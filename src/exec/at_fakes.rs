//! What a cell arranges at the PG fakes: the faults and webhooks a step scripts (and the note
//! when one never happened), the customer's step in the PG's window, and waiting for the PG's
//! webhooks before the final read.

use super::context::{CellState, ExecContext};
use crate::fakes::{FaultBook, Ledger, WebhookDesk};
use crate::pg::{Krw, PgOp};
use crate::record::{Cell, CellNote, CellNoteKind, CustomerStep, Event};
use crate::spec::{Op, Step};
use std::time::Instant;

/// How long the final read waits for the PG's webhooks about the order to be delivered.
const WEBHOOKS_AT_MOST: std::time::Duration = std::time::Duration::from_secs(10);

impl ExecContext<'_> {
    /// Scripts the step's fault at its PG for the calls that name what paydrill knows of the
    /// order: its id, its payment id and the PG key paydrill got as the customer. Returns what
    /// is needed to ask afterwards whether the fault reached the PG.
    pub(super) fn script_fault<'f>(
        &'f self,
        cell: &Cell,
        step: &Step,
        state: &CellState,
    ) -> Option<(&'f FaultBook, u64, u32)> {
        let (fault, order) = (step.fault?, state.order_id.as_deref()?);
        let faults = self.fleet?.endpoint(cell.pg)?.fake.faults();
        let ids: Vec<&str> =
            [Some(order), state.payment_id.as_deref(), state.pg_payment_key.as_deref()].into_iter().flatten().collect();
        let ticket = faults.script(&ids, Some(pg_op(step.op)), fault.fault, fault.times);
        Some((faults, ticket, fault.times))
    }

    /// Scripts how the webhook after the step's PG call is delivered, for the calls naming
    /// the order's ids. Returns what is needed to ask afterwards whether it was sent.
    pub(super) fn script_webhook<'f>(
        &'f self,
        cell: &Cell,
        step: &Step,
        state: &CellState,
    ) -> Option<(&'f WebhookDesk, u64)> {
        let (script, order) = (step.webhook?, state.order_id.as_deref()?);
        let desk = self.fleet?.endpoint(cell.pg)?.fake.webhooks();
        let ids: Vec<&str> =
            [Some(order), state.payment_id.as_deref(), state.pg_payment_key.as_deref()].into_iter().flatten().collect();
        Some((desk, desk.script(&ids, pg_op(step.op), script)))
    }

    /// Waits (a while at most) until every webhook about `order` is delivered or given up, so
    /// the final read sees what they did.
    pub(super) async fn settle_webhooks(&self, cell: &Cell, order: &str) {
        let Some(desk) = self.fleet.and_then(|f| f.endpoint(cell.pg)).map(|e| e.fake.webhooks()) else { return };
        let deadline = Instant::now() + WEBHOOKS_AT_MOST;
        while !desk.idle(order) && Instant::now() < deadline {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }

    /// Plays the customer: authorises the order's payment at its PG fake, the way the PG's
    /// browser window would, and returns the key the PG issued (recorded as evidence).
    pub(super) async fn authorize(&self, cell: &Cell, step: &Step, order: &str, amount: Krw) -> Option<String> {
        let endpoint = self.fleet.and_then(|f| f.endpoint(cell.pg))?;
        let url = format!("{}{}", endpoint.base_url, crate::fakes::AUTHORIZE_PATH);
        let body = serde_json::json!({ "order_id": order, "amount": amount });
        let answer = customer_http().post(&url).json(&body).send().await;
        let (payment_key, error) = match answer {
            Ok(resp) => {
                let status = resp.status();
                let json: serde_json::Value = resp.json().await.unwrap_or_default();
                match json["payment_key"].as_str() {
                    Some(key) if status.is_success() => (Some(key.to_string()), None),
                    _ => (None, Some(format!("HTTP {status}: {json}"))),
                }
            }
            Err(e) => (None, Some(crate::pg::error_chain(&e))),
        };
        self.recorder.record(Event::Authorized(CustomerStep {
            cell: cell.clone(),
            step: step.index,
            order_id: order.to_string(),
            amount,
            payment_key: payment_key.clone(),
            error,
        }));
        payment_key
    }

    /// Notes the cell as not exercised when what a step scripted at the PG never happened: a
    /// fault no call reached, a webhook the PG never sent.
    pub(super) fn note_unreached(
        &self,
        cell: &Cell,
        step: &Step,
        fault: Option<(&FaultBook, u64, u32)>,
        webhook: Option<(&WebhookDesk, u64)>,
    ) {
        let mut why = Vec::new();
        if let Some((faults, ticket, times)) = fault {
            if faults.unspent(ticket) == times {
                faults.cancel(ticket);
                why.push(format!(
                    "the {} fault scripted on step {} never reached {}'s {} call: no such call came, or it named \
                     none of the order's ids paydrill knows",
                    step.fault.map_or("", |f| f.fault.name()),
                    step.index,
                    cell.pg,
                    pg_op_word(step.op)
                ));
            }
        }
        if let Some((desk, ticket)) = webhook {
            if !desk.used(ticket) {
                desk.cancel(ticket);
                why.push(match desk.url() {
                    None => format!(
                        "the webhook scripted on step {} was not sent: {} has no webhook URL",
                        step.index, cell.pg
                    ),
                    Some(_) => format!(
                        "the webhook scripted on step {} was not sent: {} sends no webhook for a {} (or the call never \
                         reached it)",
                        step.index,
                        cell.pg,
                        pg_op_word(step.op)
                    ),
                });
            }
        }
        for why in why {
            self.recorder.record(Event::Note(CellNote { cell: cell.clone(), kind: CellNoteKind::NotExercised, why }));
        }
    }
}

/// The HTTP client paydrill uses as the customer at the PG fakes.
fn customer_http() -> &'static reqwest::Client {
    static CLIENT: std::sync::OnceLock<reqwest::Client> = std::sync::OnceLock::new();
    CLIENT.get_or_init(|| {
        reqwest::Client::builder().timeout(std::time::Duration::from_secs(5)).build().expect("static client settings")
    })
}

/// The PG call a step's op makes, in words.
fn pg_op_word(op: Op) -> &'static str {
    match pg_op(op) {
        PgOp::Approve => "approve",
        PgOp::Cancel => "cancel",
        PgOp::Inquire => "inquiry",
    }
}

/// The PG call a step's op makes.
pub fn pg_op(op: Op) -> PgOp {
    match op {
        Op::CreateOrder | Op::Approve => PgOp::Approve,
        Op::PartialCancel | Op::Cancel => PgOp::Cancel,
        Op::Inquire => PgOp::Inquire,
    }
}

/// Approvals and cancels a PG ledger holds for a platform order.
pub fn activity(ledger: &Ledger, order_id: &str) -> (u32, u32) {
    let payments = ledger.payments_of_order(order_id);
    let approvals = payments.iter().filter(|p| p.approval_id.is_some()).count() as u32;
    let cancels = payments.iter().map(|p| p.cancels.len()).sum::<usize>() as u32;
    (approvals, cancels)
}
