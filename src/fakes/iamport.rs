//! PortOne V1 (I'mport REST), server side: `POST /users/getToken` issues access tokens; every
//! other call carries one as `Authorization` (bare, or `Bearer <token>`); answers are the
//! envelope `{code, message, response}` with `code` 0 for success.
//!
//! - The customer's payment completes in I'mport's window: the test-only authorise step leaves it
//!   PAID under an `imp_uid`, and the merchant reads it back (`GET /payments/{imp_uid}`,
//!   `GET /payments/find/{merchant_uid}[/{status}]`). There is no server-side approve.
//! - `POST /payments/cancel` (`imp_uid` or `merchant_uid`, `reason`, `amount` absent = all that is
//!   left, `checksum` = the cancellable amount the caller believes is left), JSON or form.
//!
//! Chosen where the public material is silent: refusals are HTTP 200 with `code` 1 and the
//! messages in `crate::pg::iamport::messages` (a missing payment is 404 and a bad token 401,
//! both `code` -1); a payment stays `paid` while partly cancelled (`cancel_amount` says how
//! much), `cancelled` once all is; times are unix seconds; tokens live 30 minutes.

use super::ledger::{LedgerError, Settled};
use super::wire::{krw_field, text_field, CustomerStep, FakeReply, FakeRequest, WireCall, WireServer};
use crate::locks::lock;
use crate::pg::iamport::messages;
use crate::pg::{Credentials, PgName, PgStatus};
use serde_json::{json, Map, Value};
use std::collections::VecDeque;
use std::sync::Mutex;

/// How many access tokens the fake remembers (the oldest forgotten: flat memory).
const TOKENS_KEPT: usize = 10_000;
/// How long a token lives, in seconds.
const TOKEN_LIFE_S: i64 = 30 * 60;

#[derive(Default)]
pub struct IamportServer {
    tokens: Mutex<VecDeque<String>>,
}

fn envelope(status: u16, code: i64, message: Option<&str>, response: Value) -> FakeReply {
    FakeReply::json(status, json!({ "code": code, "message": message, "response": response }))
}

fn refuse(message: &str) -> FakeReply {
    envelope(200, 1, Some(message), Value::Null)
}

fn unix(t: Option<time::OffsetDateTime>) -> i64 {
    t.map_or(0, |t| t.unix_timestamp())
}

fn payment_json(s: &Settled) -> Value {
    let p = &s.payment;
    let status = match p.status {
        PgStatus::Ready => "ready",
        PgStatus::Paid | PgStatus::PartialCanceled => "paid",
        PgStatus::Canceled => "cancelled",
        PgStatus::Failed => "failed",
    };
    let history: Vec<Value> = p
        .cancels
        .iter()
        .map(|c| {
            json!({
                "pg_tid": c.cancel_id, "amount": c.amount, "cancelled_at": c.canceled_at.unix_timestamp(),
                "reason": c.reason, "receipt_url": format!("https://iamport.paydrill.test/receipt/{}", c.cancel_id),
            })
        })
        .collect();
    json!({
        "imp_uid": p.pg_payment_id,
        "merchant_uid": p.merchant_order_id,
        "pay_method": "card",
        "channel": "pc",
        "pg_provider": "html5_inicis",
        "pg_tid": p.approval_id,
        "escrow": false,
        "apply_num": "00000000",
        "card_code": "361",
        "card_name": "BC카드",
        "card_quota": 0,
        "name": "paydrill order",
        "amount": p.total,
        "cancel_amount": p.cancelled,
        "currency": "KRW",
        "buyer_name": "paydrill customer",
        "status": status,
        "started_at": unix(p.authorized_at),
        "paid_at": unix(p.approved_at),
        "failed_at": 0,
        "cancelled_at": p.cancels.last().map_or(0, |c| c.canceled_at.unix_timestamp()),
        "cancel_history": history,
        "receipt_url": format!("https://iamport.paydrill.test/receipt/{}", p.pg_payment_id),
    })
}

fn ledger_error(e: &LedgerError) -> FakeReply {
    match e {
        LedgerError::NotFound => envelope(404, -1, Some(messages::NOT_FOUND), Value::Null),
        LedgerError::AlreadyCanceled => refuse(messages::ALREADY_CANCELED),
        LedgerError::OverBalance { .. } => refuse(messages::OVER_BALANCE),
        LedgerError::BalanceMismatch { .. } => refuse(messages::CHECKSUM_MISMATCH),
        LedgerError::NotApproved => refuse(messages::NOT_PAID),
        LedgerError::InvalidAmount
        | LedgerError::AmountMismatch { .. }
        | LedgerError::DuplicateOrderId
        | LedgerError::AlreadyApproved
        | LedgerError::KeyForAnotherOrder
        | LedgerError::InvalidToken => refuse(messages::INVALID_REQUEST),
    }
}

impl IamportServer {
    /// `POST /users/getToken`: a new token for the right `imp_key` / `imp_secret`.
    fn issue_token(&self, fields: &Map<String, Value>, creds: &Credentials) -> FakeReply {
        let (key, secret) = (
            text_field(&Value::Object(fields.clone()), "imp_key"),
            text_field(&Value::Object(fields.clone()), "imp_secret"),
        );
        if key.as_deref() != Some(creds.merchant_id.as_str()) || secret.as_deref() != Some(creds.secret.as_str()) {
            return envelope(401, -1, Some(messages::BAD_KEYS), Value::Null);
        }
        let token = format!("{:016x}{:016x}", fastrand::u64(..), fastrand::u64(..));
        let mut tokens = lock(&self.tokens);
        if tokens.len() >= TOKENS_KEPT {
            tokens.pop_front();
        }
        tokens.push_back(token.clone());
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        envelope(200, 0, None, json!({ "access_token": token, "now": now, "expired_at": now + TOKEN_LIFE_S }))
    }

    fn knows(&self, req: &FakeRequest) -> bool {
        let Some(header) = req.header("authorization") else { return false };
        let token = header.strip_prefix("Bearer ").unwrap_or(header).trim();
        lock(&self.tokens).iter().any(|t| t == token)
    }
}

/// The body's fields, JSON or form.
fn fields(req: &FakeRequest) -> Map<String, Value> {
    match req.json() {
        Some(Value::Object(m)) => m,
        _ => req.form().unwrap_or_default().into_iter().map(|(k, v)| (k, Value::String(v))).collect(),
    }
}

impl WireServer for IamportServer {
    fn pg(&self) -> PgName {
        PgName::Iamport
    }

    /// I'mport's `imp_uid`s look like `imp_` and 12 digits.
    fn customer_key(&self, _merchant_order_id: &str, seq: u64) -> String {
        format!("imp_{:04}{seq:08}", fastrand::u32(..10_000))
    }

    fn customer_step(&self) -> CustomerStep {
        CustomerStep::Pays
    }

    fn parse(&self, req: &FakeRequest, creds: &Credentials) -> Result<WireCall, FakeReply> {
        let segments = req.segments();
        if req.method == "POST" && segments == ["users", "getToken"] {
            return Err(self.issue_token(&fields(req), creds));
        }
        if !self.knows(req) {
            return Err(envelope(401, -1, Some(messages::UNAUTHORIZED), Value::Null));
        }
        match (req.method.as_str(), segments.as_slice()) {
            ("GET", ["payments", "find", merchant_uid]) => {
                Ok(WireCall::Inquire { pg_payment_id: None, merchant_order_id: Some(merchant_uid.to_string()) })
            }
            // With a payment status (`ready`, `paid`, `cancelled`, `failed`): checked, not filtered by.
            ("GET", ["payments", "find", merchant_uid, status]) => {
                if !["ready", "paid", "cancelled", "failed"].contains(status) {
                    return Err(refuse(messages::INVALID_REQUEST));
                }
                Ok(WireCall::Inquire { pg_payment_id: None, merchant_order_id: Some(merchant_uid.to_string()) })
            }
            ("GET", ["payments", imp_uid]) => {
                Ok(WireCall::Inquire { pg_payment_id: Some(imp_uid.to_string()), merchant_order_id: None })
            }
            ("POST", ["payments", "cancel"]) => {
                let body = Value::Object(fields(req));
                let imp_uid = text_field(&body, "imp_uid").filter(|s| !s.is_empty());
                let Some(imp_uid) = imp_uid else { return Err(refuse(messages::INVALID_REQUEST)) };
                let amount = match body.get("amount") {
                    None | Some(Value::Null) => None,
                    Some(_) => Some(krw_field(&body, "amount").ok_or_else(|| refuse(messages::INVALID_REQUEST))?),
                };
                Ok(WireCall::Cancel {
                    pg_payment_id: imp_uid,
                    amount,
                    expected_balance: krw_field(&body, "checksum"),
                    reason: text_field(&body, "reason").unwrap_or_default(),
                })
            }
            _ => Err(envelope(404, -1, Some("존재하지 않는 API입니다."), Value::Null)),
        }
    }

    fn render(&self, _call: &WireCall, outcome: &Result<Settled, LedgerError>) -> FakeReply {
        match outcome {
            Ok(settled) => envelope(200, 0, None, payment_json(settled)),
            Err(e) => ledger_error(e),
        }
    }

    fn internal_error(&self) -> FakeReply {
        envelope(500, -1, Some(messages::INTERNAL), Value::Null)
    }
}
