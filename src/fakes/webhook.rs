//! The webhooks one fake sends: made in its PG's format by the wire server, delivered to the URL
//! the platform named with the PG's retries, scripted per step (duplicated, late, out of order,
//! forged, before the answer), and logged as evidence. Without a URL nothing is sent.

use super::fault::CallIdentity;
use crate::locks::lock;
use crate::pg::{belongs_to, LedgerCancel, LedgerPayment, PgName, PgOp, WebhookDelivery};
use crate::spec::{WebhookScript, WebhookSettings};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use time::OffsetDateTime;

/// What happened to a payment that the PG tells the merchant about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebhookKind {
    Paid,
    PartialCancelled,
    Cancelled,
}

impl WebhookKind {
    pub fn as_str(self) -> &'static str {
        match self {
            WebhookKind::Paid => "paid",
            WebhookKind::PartialCancelled => "partial_cancelled",
            WebhookKind::Cancelled => "cancelled",
        }
    }
}

/// One event, for the wire server to put in its PG's format.
#[derive(Debug, Clone)]
pub struct WebhookEvent {
    /// Unique per event; every copy and retry of it carries the same id.
    pub id: String,
    pub kind: WebhookKind,
    pub payment: LedgerPayment,
    pub cancel: Option<LedgerCancel>,
    pub at: OffsetDateTime,
}

/// A webhook as it goes on the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookMessage {
    pub headers: Vec<(String, String)>,
    pub body: String,
}

/// How much sooner than its answer a `before_confirm` webhook goes out.
pub const BEFORE_ANSWER: Duration = Duration::from_millis(150);
/// A webhook held `out_of_order` goes out anyway if nothing follows it within this.
const HOLD_AT_MOST: Duration = Duration::from_secs(2);
/// How many deliveries a fake's log keeps (the oldest dropped: flat memory under load).
const LOG_KEPT: usize = 20_000;

/// A script waiting for the call it is for.
struct ScriptedHook {
    ticket: u64,
    ids: Vec<String>,
    op: PgOp,
    script: WebhookScript,
    used: bool,
}

/// One webhook on its way: what to send, where, and how.
#[derive(Clone)]
struct Outgoing {
    event_id: String,
    kind: WebhookKind,
    order: String,
    pg_payment_id: String,
    message: WebhookMessage,
    forged: Option<WebhookMessage>,
    signed: bool,
    script: WebhookScript,
}

struct DeskState {
    scripted: Vec<ScriptedHook>,
    log: Vec<WebhookDelivery>,
    /// Merchant order id → webhooks not yet done (held, waiting or retrying).
    pending: HashMap<String, usize>,
    /// PG payment id → webhooks held until the payment's next one has gone out.
    held: HashMap<String, Vec<Outgoing>>,
}

struct Desk {
    pg: PgName,
    settings: Mutex<WebhookSettings>,
    retries: &'static [u32],
    state: Mutex<DeskState>,
    seq: AtomicU64,
    next_ticket: AtomicU64,
    http: reqwest::Client,
    runtime: Option<tokio::runtime::Handle>,
}

/// The webhook side of one fake. Cheap to clone.
#[derive(Clone)]
pub struct WebhookDesk {
    desk: Arc<Desk>,
}

impl WebhookDesk {
    /// A desk for `pg`, retrying a refused delivery after each of `retries` units of
    /// `settings.retry_unit`. Deliveries run on the runtime current at creation.
    pub fn new(pg: PgName, settings: WebhookSettings, retries: &'static [u32]) -> Self {
        let http = reqwest::Client::builder().timeout(Duration::from_secs(5)).build().unwrap_or_default();
        WebhookDesk {
            desk: Arc::new(Desk {
                pg,
                settings: Mutex::new(settings),
                retries,
                state: Mutex::new(DeskState {
                    scripted: Vec::new(),
                    log: Vec::new(),
                    pending: HashMap::new(),
                    held: HashMap::new(),
                }),
                seq: AtomicU64::new(0),
                next_ticket: AtomicU64::new(1),
                http,
                runtime: tokio::runtime::Handle::try_current().ok(),
            }),
        }
    }

    /// Where webhooks go from now on (`{pg}` is replaced by the PG's name).
    pub fn set_url(&self, url: Option<String>) {
        lock(&self.desk.settings).url = url;
    }

    pub fn url(&self) -> Option<String> {
        let pg = self.desk.pg.as_str();
        lock(&self.desk.settings).url.as_ref().map(|u| u.replace("{pg}", pg))
    }

    pub fn secret(&self) -> String {
        lock(&self.desk.settings).secret.clone()
    }

    /// Scripts how the webhook after the next `op` call naming one of `ids` is delivered;
    /// returns a ticket for [`WebhookDesk::used`].
    pub fn script(&self, ids: &[&str], op: PgOp, script: WebhookScript) -> u64 {
        let ticket = self.desk.next_ticket.fetch_add(1, Ordering::Relaxed);
        let ids = ids.iter().filter(|i| !i.is_empty()).map(|i| i.to_string()).collect();
        lock(&self.desk.state).scripted.push(ScriptedHook { ticket, ids, op, script, used: false });
        ticket
    }

    /// Whether the ticket's webhook went out (false: the PG sent none, or no call came).
    pub fn used(&self, ticket: u64) -> bool {
        lock(&self.desk.state).scripted.iter().any(|s| s.ticket == ticket && s.used)
    }

    /// Forgets a script that is no longer wanted.
    pub fn cancel(&self, ticket: u64) {
        lock(&self.desk.state).scripted.retain(|s| s.ticket != ticket);
    }

    /// A new event id, unique within this fake and across processes.
    pub fn next_event_id(&self) -> String {
        let seq = self.desk.seq.fetch_add(1, Ordering::Relaxed) + 1;
        format!("{}_wh_{:08x}{seq:06}", self.desk.pg.as_str(), fastrand::u32(..))
    }

    /// The script for a call's webhook, if one waits for it (marked used).
    pub fn take_script(&self, call: &CallIdentity, op: PgOp) -> Option<WebhookScript> {
        let mut st = lock(&self.desk.state);
        let hook = st.scripted.iter_mut().find(|s| {
            !s.used
                && s.op == op
                && s.ids.iter().any(|id| {
                    call.merchant_order_id.is_some_and(|m| belongs_to(m, id)) || call.pg_payment_id == Some(id.as_str())
                })
        })?;
        hook.used = true;
        Some(hook.script)
    }

    /// Sends `message` (and its `forged` copy; `signed`: whether the PG signs) the way
    /// `script` says. Returns at once.
    pub fn send(
        &self,
        event: &WebhookEvent,
        (message, forged, signed): (WebhookMessage, Option<WebhookMessage>, bool),
        script: WebhookScript,
    ) {
        let Some(url) = self.url() else { return };
        let Some(runtime) = self.desk.runtime.clone() else { return };
        let out = Outgoing {
            event_id: event.id.clone(),
            kind: event.kind,
            order: event.payment.merchant_order_id.clone(),
            pg_payment_id: event.payment.pg_payment_id.clone(),
            message,
            forged: forged.filter(|_| script.bad_signature),
            signed,
            script,
        };
        let released = {
            let mut st = lock(&self.desk.state);
            *st.pending.entry(out.order.clone()).or_default() += 1;
            if script.out_of_order {
                st.held.entry(out.pg_payment_id.clone()).or_default().push(out.clone());
                Vec::new()
            } else {
                st.held.remove(&out.pg_payment_id).unwrap_or_default()
            }
        };
        let desk = self.desk.clone();
        if script.out_of_order {
            // Goes out after the payment's next webhook, or on its own after a while.
            let (desk, payment) = (desk.clone(), out.pg_payment_id.clone());
            runtime.spawn(async move {
                tokio::time::sleep(HOLD_AT_MOST).await;
                let still = lock(&desk.state).held.remove(&payment).unwrap_or_default();
                for held in still {
                    deliver(&desk, &url_of(&desk), held).await;
                }
            });
        } else {
            runtime.spawn(async move {
                deliver(&desk, &url, out).await;
                for held in released {
                    deliver(&desk, &url, held).await;
                }
            });
        }
    }

    /// Whether every webhook about `order` is done (delivered, given up, or never sent).
    pub fn idle(&self, order: &str) -> bool {
        let st = lock(&self.desk.state);
        st.pending.iter().all(|(o, n)| *n == 0 || !belongs_to(o, order))
    }

    /// Every delivery attempt so far.
    pub fn deliveries(&self) -> Vec<WebhookDelivery> {
        lock(&self.desk.state).log.clone()
    }
}

fn url_of(desk: &Desk) -> String {
    lock(&desk.settings).url.clone().unwrap_or_default().replace("{pg}", desk.pg.as_str())
}

/// Delivers one webhook: the forged copy once, then each copy with the PG's retries.
async fn deliver(desk: &Desk, url: &str, out: Outgoing) {
    if let Some(late) = out.script.late {
        tokio::time::sleep(late).await;
    } else if !out.script.before_confirm {
        // After the answer to the call that caused it, as a PG's queue sends it.
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    if let Some(forged) = &out.forged {
        attempt(desk, url, &out, forged, 0, true).await;
    }
    let unit = lock(&desk.settings).retry_unit;
    for copy in 1..=out.script.copies.max(1) {
        let mut tries = 0usize;
        loop {
            let ok = attempt(desk, url, &out, &out.message, copy, false).await;
            if ok || tries >= desk.retries.len() {
                break;
            }
            tokio::time::sleep(unit * desk.retries[tries]).await;
            tries += 1;
        }
    }
    let mut st = lock(&desk.state);
    if let Some(n) = st.pending.get_mut(&out.order) {
        *n = n.saturating_sub(1);
    }
}

/// One POST; logs it and says whether the platform took it (2xx).
async fn attempt(desk: &Desk, url: &str, out: &Outgoing, message: &WebhookMessage, copy: u32, forged: bool) -> bool {
    let mut req = desk.http.post(url).body(message.body.clone());
    for (k, v) in &message.headers {
        req = req.header(k, v);
    }
    let (status, error) = match req.send().await {
        Ok(resp) => (Some(resp.status().as_u16()), None),
        Err(e) => (None, Some(crate::pg::error_chain(&e))),
    };
    let mut st = lock(&desk.state);
    let attempt =
        st.log.iter().filter(|d| d.webhook_id == out.event_id && d.copy == copy && d.forged == forged).count();
    if st.log.len() >= LOG_KEPT {
        st.log.drain(..LOG_KEPT / 2);
    }
    st.log.push(WebhookDelivery {
        pg: desk.pg,
        webhook_id: out.event_id.clone(),
        kind: out.kind.as_str().to_string(),
        merchant_order_id: out.order.clone(),
        pg_payment_id: out.pg_payment_id.clone(),
        copy,
        forged,
        signed: out.signed,
        attempt: attempt as u32 + 1,
        status,
        error,
        at: OffsetDateTime::now_utc(),
    });
    status.is_some_and(|s| (200..300).contains(&s))
}
