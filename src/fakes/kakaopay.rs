//! KakaoPay (new online API), server side: `POST /online/v1/payment/{ready,approve,cancel,order}`
//! with JSON bodies and `Authorization: SECRET_KEY <key>`; a wrong key or `cid` gets 401. KakaoPay
//! publishes no error table, so the negative `error_code`s are paydrill's choice (see
//! `crate::pg::kakaopay::codes`).
//!
//! `ready` makes a READY payment with a `tid`; `approve` takes the amount from it (so a second
//! `ready` of a still-unapproved order replaces it). Chosen codes: -401 bad key/cid (HTTP 401), -2
//! unreadable request, -701 duplicate `partner_order_id`, -702 already approved, -703 cancel of an
//! unapproved payment, -721 no such tid, -780 amount mismatch, -797 already cancelled, -798 over
//! the cancelable amount, -799 `cancel_available_amount` mismatch (all HTTP 400), -9798 internal
//! (HTTP 500).

use super::ledger::{LedgerError, Settled};
use super::wire::{krw_field, kst, text_field, CustomerStep, FakeReply, FakeRequest, WireCall, WireServer};
use crate::pg::kakaopay::{auth, codes};
use crate::pg::{Credentials, PgName, PgStatus};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Default)]
pub struct KakaopayServer {
    tids: AtomicU64,
}

fn err(status: u16, code: i64, message: &str) -> FakeReply {
    FakeReply::json(
        status,
        json!({ "error_code": code, "error_message": message, "extras": { "method_result_code": code.to_string(), "method_result_message": message } }),
    )
}

/// KakaoPay's status words (both API generations).
pub fn status_word(s: PgStatus) -> &'static str {
    match s {
        PgStatus::Ready => "READY",
        PgStatus::Paid => "SUCCESS_PAYMENT",
        PgStatus::PartialCanceled => "PART_CANCEL_PAYMENT",
        PgStatus::Canceled => "CANCEL_PAYMENT",
        PgStatus::Failed => "FAIL_PAYMENT",
    }
}

/// A ledger refusal as KakaoPay answers it (both API generations): HTTP status, code, message.
pub fn ledger_code(e: &LedgerError) -> (u16, i64, &'static str) {
    match e {
        LedgerError::KeyForAnotherOrder | LedgerError::InvalidToken => {
            (400, codes::INVALID_PG_TOKEN, "approval failure: invalid pg_token")
        }
        LedgerError::NotFound => (400, codes::NOT_FOUND, "TID_NOT_EXIST"),
        LedgerError::DuplicateOrderId => (400, codes::DUPLICATE_ORDER, "partner_order_id already paid"),
        LedgerError::AlreadyApproved => (400, codes::ALREADY_APPROVED, "payment already approved"),
        LedgerError::AmountMismatch { .. } => (400, codes::AMOUNT_MISMATCH, "approval failure: amount mismatch"),
        LedgerError::AlreadyCanceled => (400, codes::ALREADY_CANCELED, "payment already cancelled"),
        LedgerError::OverBalance { .. } => (400, codes::OVER_BALANCE, "cancel_amount exceeds the cancelable amount"),
        LedgerError::BalanceMismatch { .. } => (400, codes::BALANCE_MISMATCH, "cancel_available_amount mismatch"),
        LedgerError::InvalidAmount => (400, codes::INVALID_REQUEST, "invalid amount"),
        LedgerError::NotApproved => (400, codes::NOT_CANCELABLE, "payment is not approved: cannot cancel"),
    }
}

fn ledger_error(e: &LedgerError) -> FakeReply {
    let (status, code, message) = ledger_code(e);
    err(status, code, message)
}

fn amount(total: i64) -> Value {
    json!({ "total": total, "tax_free": 0, "vat": total / 11, "point": 0, "discount": 0, "green_deposit": 0 })
}

fn order_json(s: &Settled) -> Value {
    let p = &s.payment;
    json!({
        "tid": p.pg_payment_id,
        "cid": "TC0ONETIME",
        "status": status_word(p.status),
        "partner_order_id": p.merchant_order_id,
        "partner_user_id": "paydrill",
        "payment_method_type": "MONEY",
        "amount": amount(p.total),
        "canceled_amount": amount(p.cancelled),
        "cancel_available_amount": amount(p.balance),
        "item_name": "paydrill order",
        "approved_at": p.approved_at.map(kst),
        "aid": p.approval_id,
        "payment_action_details": p.cancels.iter().map(|c| json!({
            "aid": c.cancel_id, "amount": -c.amount, "payment_action_type": "CANCEL", "approved_at": kst(c.canceled_at)
        })).collect::<Vec<_>>(),
    })
}

impl WireServer for KakaopayServer {
    /// `ready` makes the payment; the customer's approval gives the `pg_token` for `approve`.
    fn customer_step(&self) -> CustomerStep {
        CustomerStep::Token { payment: false }
    }

    fn pg(&self) -> PgName {
        PgName::Kakaopay
    }

    fn parse(&self, req: &FakeRequest, creds: &Credentials) -> Result<WireCall, FakeReply> {
        if req.header("authorization") != Some(auth(&creds.secret).as_str()) {
            return Err(err(401, codes::UNAUTHORIZED, "invalid secret key"));
        }
        let b = req.json().ok_or_else(|| err(400, codes::INVALID_REQUEST, "body must be JSON"))?;
        if text_field(&b, "cid").as_deref() != Some(creds.merchant_id.as_str()) {
            return Err(err(401, codes::UNAUTHORIZED, "invalid cid"));
        }
        let need = |key: &str| {
            text_field(&b, key).ok_or_else(|| err(400, codes::INVALID_REQUEST, &format!("{key} is required")))
        };
        match (req.method.as_str(), req.segments().as_slice()) {
            ("POST", ["online", "v1", "payment", "ready"]) => {
                let amount = krw_field(&b, "total_amount")
                    .ok_or_else(|| err(400, codes::INVALID_REQUEST, "total_amount is required"))?;
                let n = self.tids.fetch_add(1, Ordering::Relaxed) + 1;
                Ok(WireCall::Ready {
                    pg_payment_id: format!("T{:019}", n),
                    merchant_order_id: need("partner_order_id")?,
                    amount,
                })
            }
            ("POST", ["online", "v1", "payment", "approve"]) => Ok(WireCall::Approve {
                pg_payment_id: need("tid")?,
                merchant_order_id: Some(need("partner_order_id")?),
                amount: None,
                token: Some(need("pg_token")?),
            }),
            ("POST", ["online", "v1", "payment", "cancel"]) => {
                let amount = krw_field(&b, "cancel_amount")
                    .ok_or_else(|| err(400, codes::INVALID_REQUEST, "cancel_amount is required"))?;
                krw_field(&b, "cancel_tax_free_amount")
                    .ok_or_else(|| err(400, codes::INVALID_REQUEST, "cancel_tax_free_amount is required"))?;
                Ok(WireCall::Cancel {
                    pg_payment_id: need("tid")?,
                    amount: Some(amount),
                    expected_balance: krw_field(&b, "cancel_available_amount"),
                    reason: "cancel".into(),
                })
            }
            ("POST", ["online", "v1", "payment", "order"]) => {
                Ok(WireCall::Inquire { pg_payment_id: Some(need("tid")?), merchant_order_id: None })
            }
            _ => Err(err(404, codes::INVALID_REQUEST, "no such API")),
        }
    }

    fn render(&self, call: &WireCall, outcome: &Result<Settled, LedgerError>) -> FakeReply {
        let s = match outcome {
            Ok(s) => s,
            Err(e) => return ledger_error(e),
        };
        let p = &s.payment;
        match call {
            WireCall::Ready { .. } => FakeReply::json(
                200,
                json!({
                    "tid": p.pg_payment_id,
                    "next_redirect_pc_url": format!("https://online-pay.kakao.com/mockup/v1/{}/info", p.pg_payment_id),
                    "created_at": kst(time::OffsetDateTime::now_utc()),
                }),
            ),
            WireCall::Cancel { .. } => {
                let c = s.cancel.as_ref();
                let mut v = order_json(s);
                v["aid"] = json!(c.map(|c| c.cancel_id.clone()));
                v["approved_cancel_amount"] = amount(c.map_or(0, |c| c.amount));
                v["canceled_at"] = json!(c.map(|c| kst(c.canceled_at)));
                FakeReply::json(200, v)
            }
            _ => FakeReply::json(200, order_json(s)),
        }
    }

    fn internal_error(&self) -> FakeReply {
        err(500, codes::INTERNAL, "internal server error")
    }
}
