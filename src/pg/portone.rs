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
use super::webhook::{header, WebhookNotice, WebhookRefusal};
use serde_json::{json, Value};

const PG: PgName = PgName::Portone;

#[derive(Default)]
pub struct PortoneCodec;

pub fn auth(secret: &str) -> String {
    format!("PortOne {secret}")
}

/// A Standard Webhooks signature, `v1,<base64 HMAC-SHA256>` of `{id}.{timestamp}.{body}`
/// under a `whsec_<base64>` secret (the prefix optional); `None` when the secret is not base64.
pub fn webhook_signature(secret: &str, id: &str, timestamp: &str, body: &str) -> Option<String> {
    use base64::Engine;
    use hmac::Mac;
    let engine = base64::engine::general_purpose::STANDARD;
    let key = engine.decode(secret.strip_prefix("whsec_").unwrap_or(secret)).ok().filter(|k| !k.is_empty())?;
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(&key).ok()?;
    mac.update(format!("{id}.{timestamp}.{body}").as_bytes());
    Some(format!("v1,{}", engine.encode(mac.finalize().into_bytes())))
}

/// How far a webhook's timestamp may be from now (Standard Webhooks: five minutes).
const WEBHOOK_TOLERANCE_S: i64 = 5 * 60;

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
    if key.len() > 256 {
        super::sha256_hex(key)
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

    /// Standard Webhooks: `webhook-id`, `webhook-timestamp` (within five minutes) and a
    /// `webhook-signature` list, one of which must be this body's `v1` signature.
    fn read_webhook(
        &self,
        headers: &[(String, String)],
        body: &str,
        secret: &str,
    ) -> Result<WebhookNotice, WebhookRefusal> {
        let (Some(id), Some(ts), Some(signatures)) =
            (header(headers, "webhook-id"), header(headers, "webhook-timestamp"), header(headers, "webhook-signature"))
        else {
            return Err(WebhookRefusal::BadSignature(
                "webhook-id, webhook-timestamp and webhook-signature are required".into(),
            ));
        };
        let sent: i64 = ts.parse().map_err(|_| WebhookRefusal::BadSignature(format!("webhook-timestamp `{ts}`")))?;
        if (time::OffsetDateTime::now_utc().unix_timestamp() - sent).abs() > WEBHOOK_TOLERANCE_S {
            return Err(WebhookRefusal::BadSignature(format!("webhook-timestamp {sent} is too far from now")));
        }
        let expected = webhook_signature(secret, id, ts, body)
            .ok_or_else(|| WebhookRefusal::BadSignature("the webhook secret is not base64".into()))?;
        if !signatures.split(' ').any(|s| constant_time_eq(s.as_bytes(), expected.as_bytes())) {
            return Err(WebhookRefusal::BadSignature("no signature matches".into()));
        }
        let v: Value = serde_json::from_str(body).map_err(|e| WebhookRefusal::Unreadable(e.to_string()))?;
        let payment_id = v["data"]["paymentId"].as_str().map(str::to_string);
        Ok(WebhookNotice { event_id: id.to_string(), merchant_order_id: payment_id.clone(), pg_payment_id: payment_id })
    }
}

/// Compares without stopping at the first difference.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
