//! PortOne V2, client side: JSON, `Authorization: PortOne <secret>`, errors as HTTP status +
//! `{type, message}`, `Idempotency-Key` on POST. The merchant chooses the `paymentId` (its own
//! order id here); the customer's approval in PortOne's window gives a `paymentToken`.
//!
//! Confirm `POST /payments/{paymentId}/confirm` (`paymentToken`, `totalAmount` and `currency` to
//! verify) answers a summary `{pgTxId, paidAt}`, so the client reads the payment after it; cancel
//! `POST /payments/{paymentId}/cancel` (`amount` absent = full, `currentCancellableAmount`
//! asserts the balance) answers `{cancellation}` without the balance (`PgCancel::balance_after`
//! is `None`); read `GET /payments/{paymentId}`. `Idempotency-Key` must be 16–256 characters:
//! shorter caller keys get a fixed prefix, longer ones are hashed ([`idempotency_key`]).

use super::canonical::{ApproveRequest, CancelRequest, PaymentRef, PgCancel, PgError, PgPayment, PgStatus, Rejection};
use super::codec::WireCodec;
use super::credentials::Credentials;
use super::http::{HttpCall, HttpReply};
use super::json;
use super::name::PgName;
use serde_json::{json, Value};

const PG: PgName = PgName::Portone;

#[derive(Default)]
pub struct PortoneCodec;

pub fn auth(secret: &str) -> String {
    format!("PortOne {secret}")
}

/// PortOne status words → canonical.
pub fn status(word: &str) -> Option<PgStatus> {
    Some(match word {
        "READY" | "PAY_PENDING" | "VIRTUAL_ACCOUNT_ISSUED" => PgStatus::Ready,
        "PAID" => PgStatus::Paid,
        "PARTIAL_CANCELLED" => PgStatus::PartialCanceled,
        "CANCELLED" => PgStatus::Canceled,
        "FAILED" => PgStatus::Failed,
        _ => return None,
    })
}

/// An `Idempotency-Key` PortOne accepts (16–256 characters) for any caller key, the same
/// one every time.
pub fn idempotency_key(key: &str) -> String {
    use sha2::{Digest, Sha256};
    if key.len() > 256 {
        Sha256::digest(key.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
    } else if key.len() < 16 {
        format!("paydrill-idem-{key:0>2}")
    } else {
        key.to_string()
    }
}

fn rejection(kind: &str) -> Option<Rejection> {
    Some(match kind {
        "UNAUTHORIZED" | "FORBIDDEN" => Rejection::Unauthorized,
        "PAYMENT_NOT_FOUND" => Rejection::NotFound,
        "PAYMENT_ALREADY_CANCELLED" => Rejection::AlreadyCanceled,
        "CANCEL_AMOUNT_EXCEEDS_CANCELLABLE_AMOUNT" => Rejection::OverBalance,
        "CANCELLABLE_AMOUNT_CONSISTENCY_BROKEN" => Rejection::BalanceMismatch,
        "ALREADY_PAID" => Rejection::AlreadyApproved,
        "INFORMATION_MISMATCH" => Rejection::AmountMismatch,
        "INVALID_REQUEST" | "INVALID_PAYMENT_TOKEN" => Rejection::InvalidRequest,
        "PAYMENT_NOT_PAID" | "IDEMPOTENCY_OUTSTANDING_REQUEST" => Rejection::Other,
        _ => return None,
    })
}

fn ok_body(reply: &HttpReply) -> Result<Value, PgError> {
    let v = json::body(PG, reply)?;
    if reply.status == 200 {
        return Ok(v);
    }
    let kind = v.get("type").and_then(Value::as_str).unwrap_or("UNKNOWN").to_string();
    let message = v.get("message").and_then(Value::as_str).unwrap_or("").to_string();
    Err(PgError::refusal(PG, reply.status, kind.clone(), message, rejection(&kind), kind == "PG_PROVIDER"))
}

fn payment(p: &Value) -> Result<PgPayment, PgError> {
    let id = json::string(PG, p, "/id")?;
    let word = json::string(PG, p, "/status")?;
    let total = json::krw(PG, p, "/amount/total")?;
    let cancelled = json::krw_opt(PG, p, "/amount/cancelled")?.unwrap_or(0);
    let status = status(&word).ok_or_else(|| PgError::unexpected(PG, format!("unknown status {word}")))?;
    Ok(PgPayment {
        // The merchant's own order id is the paymentId.
        merchant_order_id: id.clone(),
        balance: match status {
            PgStatus::Ready | PgStatus::Failed => 0,
            _ => total - cancelled,
        },
        total,
        status,
        transaction_id: json::string(PG, p, "/transactionId").unwrap_or_else(|_| id.clone()),
        pg_payment_id: id,
    })
}

impl WireCodec for PortoneCodec {
    fn pg(&self) -> PgName {
        PG
    }

    /// The merchant's paymentId is its own order id.
    fn payment_id_for(&self, merchant_order_id: &str) -> String {
        merchant_order_id.to_string()
    }

    fn customer_key_names_payment(&self) -> bool {
        false
    }

    fn approve(&self, creds: &Credentials, pg_payment_id: &str, req: &ApproveRequest) -> HttpCall {
        HttpCall::post(format!("/payments/{pg_payment_id}/confirm"))
            .header("Authorization", auth(&creds.secret))
            .header_opt("Idempotency-Key", req.idempotency_key.as_deref().map(idempotency_key).as_deref())
            .json(json!({
                "storeId": creds.merchant_id,
                "paymentToken": req.customer_key.as_deref().unwrap_or(""),
                "totalAmount": req.amount,
                "currency": "KRW",
            }))
    }

    fn read_approve(&self, reply: &HttpReply) -> Result<Option<PgPayment>, PgError> {
        let summary = ok_body(reply)?;
        json::string(PG, &summary, "/pgTxId")?;
        json::string(PG, &summary, "/paidAt")?;
        Ok(None)
    }

    fn cancel(&self, creds: &Credentials, payment: &PaymentRef, req: &CancelRequest) -> HttpCall {
        let mut body = json!({ "storeId": creds.merchant_id, "reason": req.reason });
        if let Some(amount) = req.amount {
            body["amount"] = json!(amount);
        }
        if let Some(balance) = req.expected_balance {
            body["currentCancellableAmount"] = json!(balance);
        }
        HttpCall::post(format!("/payments/{}/cancel", payment.pg_payment_id))
            .header("Authorization", auth(&creds.secret))
            .header_opt("Idempotency-Key", req.idempotency_key.as_deref().map(idempotency_key).as_deref())
            .json(body)
    }

    fn read_cancel(&self, payment: &PaymentRef, _req: &CancelRequest, reply: &HttpReply) -> Result<PgCancel, PgError> {
        let v = ok_body(reply)?;
        let c = json::at(PG, &v, "/cancellation")?;
        let state = json::string(PG, c, "/status")?;
        if state != "SUCCEEDED" {
            return Err(PgError::unexpected(PG, format!("cancellation status {state}")));
        }
        Ok(PgCancel {
            pg_payment_id: payment.pg_payment_id.clone(),
            transaction_id: json::string(PG, c, "/id")?,
            amount: json::krw(PG, c, "/totalAmount")?,
            // PortOne's cancel answer does not carry the balance.
            balance_after: None,
        })
    }

    fn inquire(&self, creds: &Credentials, payment: &PaymentRef) -> HttpCall {
        HttpCall::get(format!("/payments/{}", payment.pg_payment_id)).header("Authorization", auth(&creds.secret))
    }

    fn read_inquire(&self, reply: &HttpReply) -> Result<PgPayment, PgError> {
        payment(&ok_body(reply)?)
    }
}
