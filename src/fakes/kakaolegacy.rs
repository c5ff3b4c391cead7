//! KakaoPay (legacy API, `kapi.kakao.com`), server side: `POST /v1/payment/{ready,approve,cancel,
//! order}` with form-encoded bodies (`Content-Type: application/x-www-form-urlencoded`) and
//! `Authorization: KakaoAK <admin key>`; JSON answers shaped like the new API's (see
//! `super::kakaopay`), errors `{code, msg}` with HTTP 4xx (a wrong admin key: 401, code -401).
//!
//! `ready` makes a READY payment with a 20-character `tid`; the customer's approval gives the
//! `pg_token` that `approve` must carry (checked in `Fake::apply`), and `approve` takes the amount
//! from the ready. Pykakaopay (PyPI) is a published client of this API, but it hard-codes the
//! `kapi.kakao.com` URLs (and sends its fields as a query string), so it is not driven at this fake.
//!
//! Chosen where the facts are silent:
//! - The codes are the new API fake's (`crate::pg::kakaopay::codes`), in `{"code", "msg"}`
//!   without `extras`: -401 bad admin key or `cid` (HTTP 401), -2 missing or malformed field, a
//!   body that is not a form, or an amount not above zero, -701 duplicate `partner_order_id`,
//!   -702 already approved, -703 cancel of an unapproved payment, -721 no such `tid`, -780
//!   amount mismatch, -782 a `pg_token` the customer's approval did not give for this payment,
//!   -797 already cancelled, -798 over the cancelable amount, -799 `cancel_available_amount`
//!   mismatch (all HTTP 400), -2 with HTTP 404 for an unknown path, -9798 internal (HTTP 500).
//! - `ready` requires, as Kakao's developer docs mark them, `cid, partner_order_id,
//!   partner_user_id, item_name, quantity, total_amount, tax_free_amount, approval_url,
//!   cancel_url, fail_url` (optional `vat_amount`); `approve` requires `cid, tid,
//!   partner_order_id, partner_user_id, pg_token` (`partner_user_id` is not compared with the
//!   ready's); `cancel` requires `cid, tid, cancel_amount, cancel_tax_free_amount` and checks the
//!   optional `cancel_available_amount` (the balance before the cancel).
//! - The answers echo the ready's `cid, partner_user_id, item_name, quantity` and
//!   `tax_free_amount` (kept for the newest 20,000 tids); `payment_method_type` is `MONEY` (so no
//!   `card_info`); `vat` is `(total - tax_free) / 11` rounded, unless `vat_amount` was sent.
//!   Tax-free splits are not tracked past the ready: canceled, cancel-available and
//!   approved-cancel amounts report `tax_free` 0.
//! - Timestamps are KST without an offset (`2016-11-15T21:18:22`), as Kakao writes them;
//!   `created_at` is the ready's time. The ready answer's redirect URLs point at
//!   `mockup-pg-web.kakao.com` (nothing is served there).
//! - A cancel answer carries the cancel's own `aid`; `order` lists the approval (`PAYMENT`) and
//!   each cancel (`CANCEL`, negative amount, as the new API fake) in `payment_action_details`.

use super::kakaopay::status_word;
use super::ledger::{LedgerError, Settled};
use super::wire::{kst, CustomerStep, FakeReply, FakeRequest, WireCall, WireServer};
use crate::locks::lock;
use crate::pg::kakaolegacy::auth;
use crate::pg::kakaopay::codes;
use crate::pg::{Credentials, Krw, LedgerPayment, PgName};
use serde_json::{json, Value};
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use time::OffsetDateTime;

/// How many readies' details a fake remembers (the oldest are forgotten past it: flat memory
/// under load; a forgotten tid answers with the codec's defaults).
const ORDERS_KEPT: usize = 20_000;

#[derive(Default)]
pub struct KakaolegacyServer {
    tids: AtomicU64,
    orders: Mutex<Orders>,
}

/// What a `ready` said beyond what the ledger keeps, by tid.
#[derive(Default)]
struct Orders {
    by_tid: HashMap<String, Order>,
    age: VecDeque<String>,
}

#[derive(Debug, Clone)]
struct Order {
    cid: String,
    partner_user_id: String,
    item_name: String,
    quantity: i64,
    tax_free: Krw,
    vat: Option<Krw>,
}

impl Default for Order {
    fn default() -> Self {
        Order {
            cid: "TC0ONETIME".into(),
            partner_user_id: "paydrill".into(),
            item_name: "paydrill order".into(),
            quantity: 1,
            tax_free: 0,
            vat: None,
        }
    }
}

impl KakaolegacyServer {
    fn remember(&self, tid: String, order: Order) {
        let mut orders = lock(&self.orders);
        if orders.by_tid.insert(tid.clone(), order).is_none() {
            orders.age.push_back(tid);
        }
        while orders.age.len() > ORDERS_KEPT {
            if let Some(old) = orders.age.pop_front() {
                orders.by_tid.remove(&old);
            }
        }
    }

    fn order(&self, tid: &str) -> Order {
        lock(&self.orders).by_tid.get(tid).cloned().unwrap_or_default()
    }

    /// The fields every payment answer shares.
    fn base_json(&self, p: &LedgerPayment) -> Value {
        let o = self.order(&p.pg_payment_id);
        let vat_total = o.vat.unwrap_or_else(|| vat(p.total - o.tax_free));
        json!({
            "tid": p.pg_payment_id,
            "cid": o.cid,
            "status": status_word(p.status),
            "partner_order_id": p.merchant_order_id,
            "partner_user_id": o.partner_user_id,
            "payment_method_type": "MONEY",
            "amount": amount(p.total, o.tax_free, vat_total),
            "item_name": o.item_name,
            "quantity": o.quantity,
            "created_at": p.authorized_at.map(kakao_time),
            "approved_at": p.approved_at.map(kakao_time),
        })
    }

    fn approve_json(&self, p: &LedgerPayment) -> Value {
        let mut v = self.base_json(p);
        if let Some(fields) = v.as_object_mut() {
            // The approve answer has no status field.
            fields.remove("status");
        }
        v["aid"] = json!(p.approval_id);
        v
    }

    fn cancel_json(&self, s: &Settled) -> Value {
        let p = &s.payment;
        let c = s.cancel.as_ref();
        let mut v = self.base_json(p);
        v["aid"] = json!(c.map(|c| c.cancel_id.clone()));
        v["approved_cancel_amount"] = plain_amount(c.map_or(0, |c| c.amount));
        v["canceled_amount"] = plain_amount(p.cancelled);
        v["cancel_available_amount"] = plain_amount(p.balance);
        v["canceled_at"] = json!(c.map(|c| kakao_time(c.canceled_at)));
        v
    }

    fn order_json(&self, p: &LedgerPayment) -> Value {
        let mut v = self.base_json(p);
        v["canceled_amount"] = plain_amount(p.cancelled);
        v["cancel_available_amount"] = plain_amount(p.balance);
        v["canceled_at"] = json!(p.cancels.last().map(|c| kakao_time(c.canceled_at)));
        let mut details = Vec::new();
        if let (Some(aid), Some(at)) = (&p.approval_id, p.approved_at) {
            details.push(action(aid, at, p.total, "PAYMENT"));
        }
        details.extend(p.cancels.iter().map(|c| action(&c.cancel_id, c.canceled_at, -c.amount, "CANCEL")));
        v["payment_action_details"] = Value::Array(details);
        v
    }
}

fn err(status: u16, code: i64, message: &str) -> FakeReply {
    FakeReply::json(status, json!({ "code": code, "msg": message }))
}

fn invalid(message: &str) -> FakeReply {
    err(400, codes::INVALID_REQUEST, message)
}

fn ledger_error(e: &LedgerError) -> FakeReply {
    let (status, code, message) = super::kakaopay::ledger_code(e);
    err(status, code, message)
}

/// `taxable / 11`, rounded half up (Kakao's automatic VAT).
fn vat(taxable: Krw) -> Krw {
    (2 * taxable.max(0) + 11) / 22
}

fn amount(total: Krw, tax_free: Krw, vat: Krw) -> Value {
    json!({ "total": total, "tax_free": tax_free, "vat": vat, "point": 0, "discount": 0, "green_deposit": 0 })
}

/// An amount with no tax-free part.
fn plain_amount(total: Krw) -> Value {
    amount(total, 0, vat(total))
}

fn action(aid: &str, at: OffsetDateTime, amount: Krw, kind: &str) -> Value {
    json!({
        "aid": aid,
        "approved_at": kakao_time(at),
        "amount": amount,
        "point_amount": 0,
        "discount_amount": 0,
        "green_deposit": 0,
        "payment_action_type": kind,
    })
}

/// KST without an offset, `2016-11-15T21:18:22`, the way Kakao writes times.
fn kakao_time(t: OffsetDateTime) -> String {
    let full = kst(t);
    full.get(..19).unwrap_or(&full).to_string()
}

fn whole(form: &HashMap<String, String>, key: &str) -> Result<Option<Krw>, FakeReply> {
    match form.get(key).map(|v| v.trim()).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => v.parse().map(Some).map_err(|_| invalid(&format!("{key} must be a whole number"))),
    }
}

impl WireServer for KakaolegacyServer {
    fn pg(&self) -> PgName {
        PgName::Kakaolegacy
    }

    /// `ready` makes the payment; the customer's approval gives the `pg_token` for `approve`.
    fn customer_step(&self) -> CustomerStep {
        CustomerStep::Token { payment: false }
    }

    fn parse(&self, req: &FakeRequest, creds: &Credentials) -> Result<WireCall, FakeReply> {
        if req.header("authorization") != Some(auth(&creds.secret).as_str()) {
            return Err(err(401, codes::UNAUTHORIZED, "invalid admin key"));
        }
        let segments = req.segments();
        let api = match (req.method.as_str(), segments.as_slice()) {
            ("POST", ["v1", "payment", api]) if matches!(*api, "ready" | "approve" | "cancel" | "order") => *api,
            _ => return Err(err(404, codes::INVALID_REQUEST, "no such API")),
        };
        let form_typed = req
            .header("content-type")
            .is_some_and(|t| t.trim().to_ascii_lowercase().starts_with("application/x-www-form-urlencoded"));
        if !form_typed {
            return Err(invalid("Content-Type must be application/x-www-form-urlencoded"));
        }
        let form = req.form().ok_or_else(|| invalid("unreadable form body"))?;
        if form.get("cid") != Some(&creds.merchant_id) {
            return Err(err(401, codes::UNAUTHORIZED, "invalid cid"));
        }
        let need = |key: &str| {
            form.get(key)
                .filter(|v| !v.trim().is_empty())
                .cloned()
                .ok_or_else(|| invalid(&format!("{key} is required")))
        };
        let number = |key: &str| -> Result<Krw, FakeReply> {
            whole(&form, key)?.ok_or_else(|| invalid(&format!("{key} is required")))
        };
        match api {
            "ready" => {
                let merchant_order_id = need("partner_order_id")?;
                let partner_user_id = need("partner_user_id")?;
                let item_name = need("item_name")?;
                let quantity = number("quantity")?;
                let amount = number("total_amount")?;
                let tax_free = number("tax_free_amount")?;
                let vat_amount = whole(&form, "vat_amount")?;
                for url in ["approval_url", "cancel_url", "fail_url"] {
                    need(url)?;
                }
                if quantity <= 0 {
                    return Err(invalid("quantity must be above zero"));
                }
                if !(0..=amount).contains(&tax_free) {
                    return Err(invalid("tax_free_amount must be between 0 and total_amount"));
                }
                let n = self.tids.fetch_add(1, Ordering::Relaxed) + 1;
                let tid = format!("T{n:019}");
                let order = Order {
                    cid: creds.merchant_id.clone(),
                    partner_user_id,
                    item_name,
                    quantity,
                    tax_free,
                    vat: vat_amount,
                };
                self.remember(tid.clone(), order);
                Ok(WireCall::Ready { pg_payment_id: tid, merchant_order_id, amount })
            }
            "approve" => {
                need("partner_user_id")?;
                Ok(WireCall::Approve {
                    pg_payment_id: need("tid")?,
                    merchant_order_id: Some(need("partner_order_id")?),
                    amount: None,
                    token: Some(need("pg_token")?),
                })
            }
            "cancel" => {
                let amount = number("cancel_amount")?;
                let tax_free = number("cancel_tax_free_amount")?;
                if !(0..=amount.max(0)).contains(&tax_free) {
                    return Err(invalid("cancel_tax_free_amount must be between 0 and cancel_amount"));
                }
                Ok(WireCall::Cancel {
                    pg_payment_id: need("tid")?,
                    amount: Some(amount),
                    expected_balance: whole(&form, "cancel_available_amount")?,
                    reason: "cancel".into(),
                })
            }
            "order" => Ok(WireCall::Inquire { pg_payment_id: Some(need("tid")?), merchant_order_id: None }),
            _ => Err(err(404, codes::INVALID_REQUEST, "no such API")),
        }
    }

    fn render(&self, call: &WireCall, outcome: &Result<Settled, LedgerError>) -> FakeReply {
        let s = match outcome {
            Ok(s) => s,
            Err(e) => return ledger_error(e),
        };
        let p = &s.payment;
        let body = match call {
            WireCall::Ready { .. } => {
                let web = format!("https://mockup-pg-web.kakao.com/v1/{}", p.pg_payment_id);
                json!({
                    "tid": p.pg_payment_id,
                    "tms_result": false,
                    "next_redirect_app_url": format!("{web}/aInfo"),
                    "next_redirect_mobile_url": format!("{web}/mInfo"),
                    "next_redirect_pc_url": format!("{web}/info"),
                    "android_app_scheme": format!("kakaotalk://kakaopay/pg?url={web}/order"),
                    "ios_app_scheme": format!("kakaotalk://kakaopay/pg?url={web}/order"),
                    "created_at": kakao_time(p.authorized_at.unwrap_or_else(OffsetDateTime::now_utc)),
                })
            }
            WireCall::Approve { .. } => self.approve_json(p),
            WireCall::Cancel { .. } => self.cancel_json(s),
            WireCall::Inquire { .. } => self.order_json(p),
        };
        FakeReply::json(200, body)
    }

    fn internal_error(&self) -> FakeReply {
        err(500, codes::INTERNAL, "internal server error")
    }
}
