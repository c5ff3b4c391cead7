//! Toss Payments, client side: JSON bodies, `Authorization: Basic base64(secretKey + ":")`,
//! errors as HTTP status + `{code, message}`, `Idempotency-Key` on POST.
//! confirm `POST /v1/payments/confirm`, cancel `POST /v1/payments/{paymentKey}/cancel`,
//! inquire `GET /v1/payments/{paymentKey}`.

use super::canonical::{
    ApproveRequest, CancelRequest, ErrorCategory, PaymentRef, PgCancel, PgError, PgPayment, PgStatus, Rejection,
};
use super::codec::WireCodec;
use super::credentials::Credentials;
use super::http::{HttpCall, HttpReply};
use super::json;
use super::name::PgName;
use super::webhook::{WebhookNotice, WebhookRefusal};
use base64::Engine;
use serde_json::{json, Value};

const PG: PgName = PgName::Toss;

#[derive(Default)]
pub struct TossCodec;

/// `Basic base64(secretKey + ":")`.
pub fn basic_auth(secret: &str) -> String {
    format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{secret}:")))
}

/// Toss status words → canonical.
pub fn status(word: &str) -> Option<PgStatus> {
    Some(match word {
        "DONE" => PgStatus::Paid,
        "PARTIAL_CANCELED" => PgStatus::PartialCanceled,
        "CANCELED" => PgStatus::Canceled,
        "READY" | "IN_PROGRESS" | "WAITING_FOR_DEPOSIT" => PgStatus::Ready,
        "ABORTED" | "EXPIRED" => PgStatus::Failed,
        _ => return None,
    })
}

/// Toss error codes → canonical rejection (None: not a business refusal).
fn rejection(code: &str) -> Option<Rejection> {
    Some(match code {
        "NOT_CANCELABLE_AMOUNT" => Rejection::OverBalance,
        "ALREADY_CANCELED_PAYMENT" => Rejection::AlreadyCanceled,
        "DUPLICATED_ORDER_ID" => Rejection::DuplicateOrderId,
        "NOT_MATCHES_REFUNDABLE_AMOUNT" => Rejection::BalanceMismatch,
        "NOT_FOUND_PAYMENT" => Rejection::NotFound,
        "UNAUTHORIZED_KEY" => Rejection::Unauthorized,
        "ALREADY_PROCESSED_PAYMENT" => Rejection::AlreadyApproved,
        "NOT_MATCHES_AMOUNT" => Rejection::AmountMismatch,
        "INVALID_REQUEST" | "BELOW_ZERO_AMOUNT" => Rejection::InvalidRequest,
        "NOT_CANCELABLE_PAYMENT" => Rejection::Other,
        _ => return None,
    })
}

fn error(reply: &HttpReply, v: &Value) -> PgError {
    let code = v.get("code").and_then(Value::as_str).unwrap_or("UNKNOWN").to_string();
    let message = v.get("message").and_then(Value::as_str).unwrap_or("").to_string();
    if code == "IDEMPOTENT_REQUEST_PROCESSING" {
        // The first request under this key is still being worked on: its outcome is unknown.
        return PgError {
            pg: PG,
            category: ErrorCategory::Timeout,
            rejection: Some(Rejection::InProgress),
            code,
            message,
        };
    }
    // Toss's own "try again" answers: nothing happened, a retry may work.
    let system = matches!(
        code.as_str(),
        "FAILED_INTERNAL_SYSTEM_PROCESSING" | "PROVIDER_ERROR" | "FORBIDDEN_CONSECUTIVE_REQUEST"
    );
    PgError::refusal(PG, reply.status, code.clone(), message, rejection(&code), system)
}

/// The Payment object → canonical.
const FIELDS: json::PaymentFields = json::PaymentFields {
    id: "/paymentKey",
    status: "/status",
    order: "/orderId",
    total: "/totalAmount",
    balance: "/balanceAmount",
    transaction: "/lastTransactionKey",
};

/// The Payment object → canonical.
fn payment(v: &Value) -> Result<PgPayment, PgError> {
    json::payment(PG, v, &FIELDS, status)
}

fn read_payment(reply: &HttpReply) -> Result<(PgPayment, Value), PgError> {
    let v = json::body(PG, reply)?;
    if reply.status != 200 {
        return Err(error(reply, &v));
    }
    Ok((payment(&v)?, v))
}

impl WireCodec for TossCodec {
    fn pg(&self) -> PgName {
        PG
    }

    fn approve(&self, creds: &Credentials, pg_payment_id: &str, req: &ApproveRequest) -> HttpCall {
        HttpCall::post("/v1/payments/confirm")
            .header("Authorization", basic_auth(&creds.secret))
            .header_opt("Idempotency-Key", req.idempotency_key.as_deref())
            .json(json!({ "paymentKey": pg_payment_id, "orderId": req.merchant_order_id, "amount": req.amount }))
    }

    fn read_approve(&self, reply: &HttpReply) -> Result<Option<PgPayment>, PgError> {
        read_payment(reply).map(|(p, _)| Some(p))
    }

    fn cancel(&self, creds: &Credentials, payment: &PaymentRef, req: &CancelRequest) -> HttpCall {
        let mut body = json!({ "cancelReason": req.reason });
        if let Some(amount) = req.amount {
            body["cancelAmount"] = json!(amount);
        }
        if let Some(balance) = req.expected_balance {
            body["refundableAmount"] = json!(balance);
        }
        HttpCall::post(format!("/v1/payments/{}/cancel", payment.pg_payment_id))
            .header("Authorization", basic_auth(&creds.secret))
            .header_opt("Idempotency-Key", req.idempotency_key.as_deref())
            .json(body)
    }

    fn read_cancel(&self, _payment: &PaymentRef, _req: &CancelRequest, reply: &HttpReply) -> Result<PgCancel, PgError> {
        let (p, v) = read_payment(reply)?;
        let last = v
            .get("cancels")
            .and_then(Value::as_array)
            .and_then(|c| c.last())
            .ok_or_else(|| PgError::unexpected(PG, "cancel answer has no cancels[]"))?;
        Ok(PgCancel {
            pg_payment_id: p.pg_payment_id,
            transaction_id: json::string(PG, last, "/transactionKey")?,
            amount: json::krw(PG, last, "/cancelAmount")?,
            balance_after: Some(p.balance),
        })
    }

    fn inquire(&self, creds: &Credentials, payment: &PaymentRef) -> HttpCall {
        HttpCall::get(format!("/v1/payments/{}", payment.pg_payment_id))
            .header("Authorization", basic_auth(&creds.secret))
    }

    fn read_inquire(&self, reply: &HttpReply) -> Result<PgPayment, PgError> {
        read_payment(reply).map(|(p, _)| p)
    }

    /// `PAYMENT_STATUS_CHANGED {eventType, createdAt, data: Payment}`. Toss signs none of it, so
    /// a receiver reads the payment back before believing it. One event per status and last
    /// transaction of a payment.
    fn read_webhook(
        &self,
        _headers: &[(String, String)],
        body: &str,
        _secret: &str,
    ) -> Result<WebhookNotice, WebhookRefusal> {
        let v: Value = serde_json::from_str(body).map_err(|e| WebhookRefusal::Unreadable(e.to_string()))?;
        if v["eventType"] != "PAYMENT_STATUS_CHANGED" {
            return Err(WebhookRefusal::Unreadable(format!("eventType {}", v["eventType"])));
        }
        let data = &v["data"];
        let key = data["paymentKey"].as_str().ok_or_else(|| WebhookRefusal::Unreadable("no data.paymentKey".into()))?;
        let event_id = format!(
            "{key}:{}:{}",
            data["status"].as_str().unwrap_or(""),
            data["lastTransactionKey"].as_str().unwrap_or("")
        );
        Ok(WebhookNotice {
            event_id,
            pg_payment_id: Some(key.to_string()),
            merchant_order_id: data["orderId"].as_str().map(str::to_string),
        })
    }
}
