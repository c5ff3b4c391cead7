//! Direct mode's target: the harness's ops sent straight at a PG through paydrill's own PG
//! clients, no platform in between. `create_order` becomes a merchant order id; the answers are
//! the PG's canonical ones, with the raw exchanges kept beside them as evidence.

use super::answer::TargetAnswer;
use super::minted::{local, MintedOrders};
use crate::locks::{lock, KeyedLocks};
use crate::pg::{
    ApproveRequest, CancelRequest, ErrorCategory, Krw, PaymentRef, PgCall, PgClient, PgError, PgName, PgPayment,
    PgStatus, Rejection,
};
use crate::record::{cap, AnswerFields, Phase, RequestRecord, ResponseRecord};
use crate::spec::{Op, Vars};
use std::collections::HashMap;
use std::sync::Mutex;

/// What the harness, acting as the merchant, knows of one order.
#[derive(Debug, Clone)]
struct MerchantOrder {
    amount: Krw,
    pg_payment_id: Option<String>,
    /// The balance the last definite answer showed.
    balance: Option<Krw>,
}

/// Every PG's client, and the merchant-side memory of orders and keys.
pub struct DirectTarget {
    minted: MintedOrders,
    clients: HashMap<PgName, PgClient>,
    state: Mutex<DirectState>,
    preparing: KeyedLocks,
}

#[derive(Default)]
struct DirectState {
    orders: HashMap<String, MerchantOrder>,
    /// `op:key` → the definite answer a cancel got, replayed for the same key.
    answers: HashMap<String, TargetAnswer>,
    /// `op:key` → the balance before a cancel whose outcome is unknown (no answer, a timeout).
    uncertain: HashMap<String, Krw>,
}

impl DirectTarget {
    pub fn new(run_id: &str, clients: Vec<PgClient>) -> Self {
        DirectTarget {
            minted: MintedOrders::new(run_id),
            clients: clients.into_iter().map(|c| (c.pg(), c)).collect(),
            state: Mutex::new(DirectState::default()),
            preparing: KeyedLocks::default(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, DirectState> {
        lock(&self.state)
    }

    /// What the invoke event records before the call.
    pub fn describe(&self, pg: PgName, op: Op, vars: &Vars<'_>) -> RequestRecord {
        let body = match (vars.order_id, vars.amount) {
            (Some(o), Some(a)) => format!("merchant order {o}, amount {a}"),
            (Some(o), None) => format!("merchant order {o}"),
            (None, Some(a)) => format!("amount {a}"),
            (None, None) => String::new(),
        };
        let url = match self.clients.get(&pg) {
            Some(c) => format!("{} ({pg} {})", c.base_url(), op.as_str()),
            None => format!("{pg} {}", op.as_str()),
        };
        RequestRecord { method: "PG".into(), url, body }
    }

    /// Sends `op` to `pg`. A cancel sent again with a key whose answer was definite gets that
    /// answer back, as a merchant's own idempotency table would give it (most PGs keep none for
    /// cancels); one whose outcome was unknown is first looked up at the PG, so a cancel that
    /// went through is not sent twice.
    pub async fn call(&self, pg: PgName, op: Op, vars: &Vars<'_>) -> TargetAnswer {
        let answer = self.call_once(pg, op, vars).await;
        if let (Phase::Ok, Some(order), Some(balance)) = (answer.phase, vars.order_id, answer.seen.balance) {
            if let Some(o) = self.lock().orders.get_mut(order) {
                o.balance = Some(balance);
            }
        }
        answer
    }

    async fn call_once(&self, pg: PgName, op: Op, vars: &Vars<'_>) -> TargetAnswer {
        let request = self.describe(pg, op, vars);
        if op == Op::CreateOrder {
            return self.create_order(request, vars);
        }
        let Some(key) = vars.idempotency_key.filter(|_| matches!(op, Op::PartialCancel | Op::Cancel)) else {
            return self.call_pg(pg, op, vars, request).await;
        };
        let key = format!("{}:{key}", op.as_str());
        let _serial = self.preparing.lock(key.clone()).await;
        if let Some(stored) = self.lock().answers.get(&key).cloned() {
            let mut replay = stored;
            if let Some(r) = replay.response.as_mut() {
                r.replayed = true;
            }
            replay.raw.clear();
            return replay;
        }
        let uncertain = self.lock().uncertain.get(&key).copied();
        if let Some(before) = uncertain {
            let after = match (op, vars.amount) {
                (Op::PartialCancel, Some(amount)) => before - amount,
                _ => 0,
            };
            let read = self.call_pg(pg, Op::Inquire, vars, request.clone()).await;
            if read.phase == Phase::Ok && read.seen.balance == Some(after) {
                let mut state = self.lock();
                state.uncertain.remove(&key);
                state.answers.insert(key, read.clone());
                return read;
            }
        }
        let before = vars.order_id.and_then(|o| self.lock().orders.get(o).and_then(|o| o.balance));
        let answer = self.call_pg(pg, op, vars, request).await;
        let mut state = self.lock();
        if answer.phase != Phase::Info {
            state.uncertain.remove(&key);
            state.answers.insert(key, answer.clone());
        } else if let (Some(before), None) = (before, uncertain) {
            state.uncertain.insert(key, before);
        }
        answer
    }

    async fn call_pg(&self, pg: PgName, op: Op, vars: &Vars<'_>, request: RequestRecord) -> TargetAnswer {
        let Some(client) = self.clients.get(&pg) else {
            return local(request, 400, Phase::Fail, format!("no client for {pg}"), AnswerFields::default());
        };
        let Some(order_id) = vars.order_id.map(str::to_string) else {
            return local(request, 400, Phase::Fail, "no merchant order id".into(), AnswerFields::default());
        };
        let order = self.lock().orders.get(&order_id).cloned();
        let Some(order) = order else {
            return local(
                request,
                404,
                Phase::Fail,
                format!("unknown merchant order {order_id}"),
                AnswerFields::default(),
            );
        };
        let payment = PaymentRef {
            pg_payment_id: order.pg_payment_id.clone().unwrap_or_else(|| pg.codec().payment_id_for(&order_id)),
            merchant_order_id: order_id.clone(),
        };
        let key = vars.idempotency_key.map(str::to_string);
        let mut raw = Vec::new();
        let outcome: Result<PgPayment, PgError> = match op {
            Op::Approve => {
                let req = ApproveRequest {
                    merchant_order_id: order_id.clone(),
                    amount: order.amount,
                    idempotency_key: key,
                    customer_key: vars.pg_payment_key.map(str::to_string),
                };
                // The order is prepared once (clicks send the same approval again).
                let pg_payment_id = {
                    let _once = self.preparing.lock(order_id.clone()).await;
                    let known = self.lock().orders.get(&order_id).and_then(|o| o.pg_payment_id.clone());
                    match known {
                        Some(id) => Ok(id),
                        None => {
                            let prepared = client.prepare(&req).await;
                            raw.extend(prepared.exchanges);
                            if let Ok(id) = &prepared.result {
                                self.remember_payment(&order_id, id);
                            }
                            prepared.result
                        }
                    }
                };
                let call = match pg_payment_id {
                    Ok(id) => waiting_out(&mut raw, || client.approve_prepared(&id, &req)).await,
                    Err(e) => PgCall { result: Err(e), exchanges: Vec::new(), pg_payment_id: None },
                };
                let result = self.settle_duplicate(client, &order_id, call, &mut raw).await;
                if let Ok(p) = &result {
                    self.remember_payment(&order_id, &p.pg_payment_id);
                }
                result
            }
            Op::PartialCancel | Op::Cancel => {
                let req = CancelRequest {
                    amount: if op == Op::PartialCancel { vars.amount } else { None },
                    expected_balance: None,
                    reason: op.as_str().into(),
                    idempotency_key: key,
                };
                let call = waiting_out(&mut raw, || client.cancel(&payment, &req)).await;
                raw.extend(call.exchanges);
                match call.result {
                    Ok(c) => match c.balance_after {
                        Some(balance) => Ok(PgPayment {
                            pg_payment_id: c.pg_payment_id,
                            merchant_order_id: order_id.clone(),
                            status: PgStatus::after_cancel(order.amount, balance),
                            total: order.amount,
                            balance,
                            transaction_id: c.transaction_id,
                        }),
                        // The PG's cancel answer has no balance: read it.
                        None => {
                            let read = client.inquire(&payment).await;
                            raw.extend(read.exchanges);
                            read.result
                        }
                    },
                    Err(e) => Err(e),
                }
            }
            Op::Inquire => {
                let call = client.inquire(&payment).await;
                raw.extend(call.exchanges);
                match call.result {
                    // The PG has no payment: the order exists only on the merchant's side.
                    Err(e) if e.rejection == Some(Rejection::NotFound) => Ok(PgPayment {
                        pg_payment_id: payment.pg_payment_id.clone(),
                        merchant_order_id: order_id.clone(),
                        status: PgStatus::Ready,
                        total: order.amount,
                        balance: 0,
                        transaction_id: String::new(),
                    }),
                    other => other,
                }
            }
            Op::CreateOrder => unreachable!("handled above"),
        };
        let last = raw.last();
        let response = last.and_then(|x| {
            x.status.map(|status| ResponseRecord {
                status,
                body: cap(x.response_body.clone().unwrap_or_default()),
                replayed: false,
            })
        });
        let request = last
            .map(|x| RequestRecord { method: x.method.clone(), url: x.url.clone(), body: x.request_body.clone() })
            .unwrap_or(request);
        match outcome {
            Ok(p) => TargetAnswer {
                request,
                response,
                seen: AnswerFields {
                    order_id: Some(order_id),
                    payment_id: Some(p.pg_payment_id.clone()),
                    status: Some(p.status.canonical_state().into()),
                    balance: Some(p.balance),
                    amount: Some(p.total),
                    ..AnswerFields::default()
                },
                phase: Phase::Ok,
                error: None,
                raw,
                released_ns: None,
                arrived_ns: None,
            },
            Err(e) => {
                let phase = match e.category {
                    ErrorCategory::Business | ErrorCategory::System => Phase::Fail,
                    _ => Phase::Info,
                };
                // A refused cancel still tells where the payment stands: read it.
                let mut seen = AnswerFields { order_id: Some(order_id.clone()), ..AnswerFields::default() };
                if phase == Phase::Fail && matches!(op, Op::PartialCancel | Op::Cancel) {
                    let read = client.inquire(&payment).await;
                    raw.extend(read.exchanges);
                    if let Ok(p) = read.result {
                        seen.status = Some(p.status.canonical_state().into());
                        seen.balance = Some(p.balance);
                        seen.payment_id = Some(p.pg_payment_id);
                    }
                }
                TargetAnswer {
                    request,
                    response,
                    seen,
                    phase,
                    error: Some(e.to_string()),
                    raw,
                    released_ns: None,
                    arrived_ns: None,
                }
            }
        }
    }

    /// `create_order`: a merchant order id for this intent, minted by paydrill as the merchant.
    fn create_order(&self, request: RequestRecord, vars: &Vars<'_>) -> TargetAnswer {
        let (answer, new) = self.minted.mint(request, vars);
        if let Some(new) = new {
            self.lock()
                .orders
                .insert(new.order_id, MerchantOrder { amount: new.amount, pg_payment_id: None, balance: None });
        }
        answer
    }

    fn remember_payment(&self, order_id: &str, pg_payment_id: &str) {
        if let Some(o) = self.lock().orders.get_mut(order_id) {
            o.pg_payment_id = Some(pg_payment_id.to_string());
        }
    }

    /// A duplicate approval refused by a PG without idempotency keys is settled the way a
    /// merchant's client would: by reading the payment.
    async fn settle_duplicate(
        &self,
        client: &PgClient,
        order_id: &str,
        call: PgCall<PgPayment>,
        raw: &mut Vec<crate::pg::RawExchange>,
    ) -> Result<PgPayment, PgError> {
        raw.extend(call.exchanges);
        match call.result {
            Err(e) if matches!(e.rejection, Some(Rejection::AlreadyApproved | Rejection::DuplicateOrderId)) => {
                let Some(id) = call
                    .pg_payment_id
                    .or_else(|| self.lock().orders.get(order_id).and_then(|o| o.pg_payment_id.clone()))
                else {
                    return Err(e);
                };
                let read =
                    client.inquire(&PaymentRef { pg_payment_id: id, merchant_order_id: order_id.to_string() }).await;
                raw.extend(read.exchanges);
                match read.result {
                    Ok(p) if p.status != PgStatus::Ready && p.status != PgStatus::Failed => Ok(p),
                    _ => Err(e),
                }
            }
            other => other,
        }
    }
}

/// How long a merchant waits out "still in progress" answers to a request sent again.
const IN_PROGRESS_AT_MOST: std::time::Duration = std::time::Duration::from_secs(10);

/// Sends again while the PG answers that the first request under the key is still being
/// worked on (Toss `IDEMPOTENT_REQUEST_PROCESSING`), as a merchant's client waits it out; the
/// answers waited out are kept in `raw`.
async fn waiting_out<T, F, Fut>(raw: &mut Vec<crate::pg::RawExchange>, mut send: F) -> PgCall<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = PgCall<T>>,
{
    let deadline = std::time::Instant::now() + IN_PROGRESS_AT_MOST;
    loop {
        let call = send().await;
        let busy = matches!(&call.result, Err(e) if e.rejection == Some(Rejection::InProgress));
        if !busy || std::time::Instant::now() >= deadline {
            return call;
        }
        raw.extend(call.exchanges);
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}
