//! KakaoPay (new online API), client side: JSON bodies, `Authorization: SECRET_KEY <key>`, `cid` =
//! merchant id. A real `ready` call gives the `tid`; then `approve`, `cancel` (`cancel_amount`
//! always spelled out, `cancel_available_amount` asserts the balance) and `order` (inquire), all
//! `POST /online/v1/payment/...`. Errors: 4xx with a negative `error_code`.

use super::canonical::{ApproveRequest, CancelRequest, PaymentRef, PgCancel, PgError, PgPayment, PgStatus, Rejection};
use super::codec::WireCodec;
use super::credentials::Credentials;
use super::http::{HttpCall, HttpReply};
use super::json;
use super::name::PgName;
use serde_json::{json, Value};

const PG: PgName = PgName::Kakaopay;

#[derive(Default)]
pub struct KakaopayCodec;

pub fn auth(secret: &str) -> String {
    format!("SECRET_KEY {secret}")
}

/// KakaoPay status words → canonical.
pub fn status(word: &str) -> Option<PgStatus> {
    Some(match word {
        "READY" | "SEND_TMS" | "OPEN_PAYMENT" | "SELECT_METHOD" | "ARS_WAITING" | "AUTH_PASSWORD" => PgStatus::Ready,
        "SUCCESS_PAYMENT" => PgStatus::Paid,
        "PART_CANCEL_PAYMENT" => PgStatus::PartialCanceled,
        "CANCEL_PAYMENT" => PgStatus::Canceled,
        "FAIL_AUTH_PASSWORD" | "QUIT_PAYMENT" | "FAIL_PAYMENT" => PgStatus::Failed,
        _ => return None,
    })
}

/// The error codes paydrill's KakaoPay fake uses (no official table is public).
pub mod codes {
    pub const UNAUTHORIZED: i64 = -401;
    pub const INVALID_REQUEST: i64 = -2;
    pub const DUPLICATE_ORDER: i64 = -701;
    pub const ALREADY_APPROVED: i64 = -702;
    /// A cancel of a payment that was never approved.
    pub const NOT_CANCELABLE: i64 = -703;
    pub const NOT_FOUND: i64 = -721;
    pub const AMOUNT_MISMATCH: i64 = -780;
    /// An approve whose `pg_token` the customer's approval did not give for this payment.
    pub const INVALID_PG_TOKEN: i64 = -782;
    pub const ALREADY_CANCELED: i64 = -797;
    pub const OVER_BALANCE: i64 = -798;
    pub const BALANCE_MISMATCH: i64 = -799;
    pub const INTERNAL: i64 = -9798;
}

/// KakaoPay's error codes → canonical rejections (both API generations).
pub fn rejection(code: i64) -> Option<Rejection> {
    Some(match code {
        codes::UNAUTHORIZED => Rejection::Unauthorized,
        codes::DUPLICATE_ORDER => Rejection::DuplicateOrderId,
        codes::ALREADY_APPROVED => Rejection::AlreadyApproved,
        codes::NOT_FOUND => Rejection::NotFound,
        codes::AMOUNT_MISMATCH => Rejection::AmountMismatch,
        codes::ALREADY_CANCELED => Rejection::AlreadyCanceled,
        codes::OVER_BALANCE => Rejection::OverBalance,
        codes::BALANCE_MISMATCH => Rejection::BalanceMismatch,
        codes::INVALID_REQUEST => Rejection::InvalidRequest,
        codes::NOT_CANCELABLE => Rejection::Other,
        _ => return None,
    })
}

/// The answer's body, or the error it carries.
fn ok_body(reply: &HttpReply) -> Result<Value, PgError> {
    let v = json::body(PG, reply)?;
    if reply.status == 200 {
        return Ok(v);
    }
    let code = v.get("error_code").and_then(Value::as_i64).unwrap_or(0);
    let message = v.get("error_message").and_then(Value::as_str).unwrap_or("").to_string();
    Err(PgError::refusal(PG, reply.status, code.to_string(), message, rejection(code), false))
}

/// An `order` (inquire) or `approve` answer → canonical.
fn payment(v: &Value) -> Result<PgPayment, PgError> {
    let tid = json::string(PG, v, "/tid")?;
    let total = json::krw(PG, v, "/amount/total")?;
    let word = v.get("status").and_then(Value::as_str).unwrap_or("SUCCESS_PAYMENT");
    let status = status(word).ok_or_else(|| PgError::unexpected(PG, format!("unknown status {word}")))?;
    let balance = match json::krw_opt(PG, v, "/cancel_available_amount/total")? {
        Some(b) => b,
        None if status == PgStatus::Paid => total,
        None => 0,
    };
    Ok(PgPayment {
        pg_payment_id: tid.clone(),
        merchant_order_id: json::string(PG, v, "/partner_order_id")?,
        status,
        total,
        balance,
        transaction_id: json::string(PG, v, "/aid").unwrap_or(tid),
    })
}

impl WireCodec for KakaopayCodec {
    fn pg(&self) -> PgName {
        PG
    }

    fn prepare(&self, creds: &Credentials, req: &ApproveRequest) -> Option<HttpCall> {
        Some(HttpCall::post("/online/v1/payment/ready").header("Authorization", auth(&creds.secret)).json(json!({
            "cid": creds.merchant_id,
            "partner_order_id": req.merchant_order_id,
            "partner_user_id": "paydrill",
            "item_name": "paydrill order",
            "quantity": 1,
            "total_amount": req.amount,
            "tax_free_amount": 0,
            "approval_url": "http://127.0.0.1/approve",
            "cancel_url": "http://127.0.0.1/cancel",
            "fail_url": "http://127.0.0.1/fail",
        })))
    }

    fn read_prepared(&self, reply: &HttpReply) -> Result<String, PgError> {
        json::string(PG, &ok_body(reply)?, "/tid")
    }

    fn customer_key_names_payment(&self) -> bool {
        false
    }

    fn approve(&self, creds: &Credentials, pg_payment_id: &str, req: &ApproveRequest) -> HttpCall {
        HttpCall::post("/online/v1/payment/approve").header("Authorization", auth(&creds.secret)).json(json!({
            "cid": creds.merchant_id,
            "tid": pg_payment_id,
            "partner_order_id": req.merchant_order_id,
            "partner_user_id": "paydrill",
            "pg_token": req.customer_key.as_deref().unwrap_or(""),
        }))
    }

    fn read_approve(&self, reply: &HttpReply) -> Result<Option<PgPayment>, PgError> {
        payment(&ok_body(reply)?).map(Some)
    }

    fn cancel_needs_balance(&self, req: &CancelRequest) -> bool {
        req.amount.is_none()
    }

    fn cancel(&self, creds: &Credentials, payment: &PaymentRef, req: &CancelRequest) -> HttpCall {
        let amount = req.amount.or(req.expected_balance).unwrap_or(0);
        let mut body = json!({
            "cid": creds.merchant_id,
            "tid": payment.pg_payment_id,
            "cancel_amount": amount,
            "cancel_tax_free_amount": 0,
        });
        if let Some(balance) = req.expected_balance {
            body["cancel_available_amount"] = json!(balance);
        }
        HttpCall::post("/online/v1/payment/cancel").header("Authorization", auth(&creds.secret)).json(body)
    }

    fn read_cancel(&self, payment: &PaymentRef, _req: &CancelRequest, reply: &HttpReply) -> Result<PgCancel, PgError> {
        cancel_answer(PG, payment, &ok_body(reply)?)
    }

    fn inquire(&self, creds: &Credentials, payment: &PaymentRef) -> HttpCall {
        HttpCall::post("/online/v1/payment/order")
            .header("Authorization", auth(&creds.secret))
            .json(json!({ "cid": creds.merchant_id, "tid": payment.pg_payment_id }))
    }

    fn read_inquire(&self, reply: &HttpReply) -> Result<PgPayment, PgError> {
        payment(&ok_body(reply)?)
    }
}

/// A cancel answer, the object both KakaoPay APIs (the new and `kapi.kakao.com`) give.
pub(super) fn cancel_answer(pg: PgName, payment: &PaymentRef, v: &Value) -> Result<PgCancel, PgError> {
    Ok(PgCancel {
        pg_payment_id: payment.pg_payment_id.clone(),
        transaction_id: json::string(pg, v, "/aid")?,
        amount: json::krw(pg, v, "/approved_cancel_amount/total")?,
        balance_after: json::krw_opt(pg, v, "/cancel_available_amount/total")?,
    })
}
