//! NicePay (Start API), client side: JSON, `Authorization: Basic base64(clientKey:secretKey)`,
//! HTTP 200 with `resultCode` (`0000` ok). Approve `POST /v1/payments/{tid}` with `amount`;
//! cancel `POST /v1/payments/{tid}/cancel` with `reason`, `orderId` (new for every partial
//! cancel) and `cancelAmt` (absent = full); inquire `GET /v1/payments/{tid}`.

use super::canonical::{ApproveRequest, CancelRequest, PaymentRef, PgCancel, PgError, PgPayment, PgStatus, Rejection};
use super::codec::WireCodec;
use super::credentials::Credentials;
use super::http::{HttpCall, HttpReply};
use super::json;
use super::name::PgName;
use super::webhook::{WebhookNotice, WebhookRefusal};
use base64::Engine;
use serde_json::{json, Value};

const PG: PgName = PgName::Nicepay;

#[derive(Default)]
pub struct NicepayCodec;

/// `Basic base64(clientKey:secretKey)`.
pub fn auth(creds: &Credentials) -> String {
    let raw = format!("{}:{}", creds.merchant_id, creds.secret);
    format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(raw))
}

/// NicePay status words → canonical.
pub fn status(word: &str) -> Option<PgStatus> {
    Some(match word {
        "ready" => PgStatus::Ready,
        "paid" => PgStatus::Paid,
        "partialCancelled" => PgStatus::PartialCanceled,
        "cancelled" => PgStatus::Canceled,
        "failed" | "expired" => PgStatus::Failed,
        _ => return None,
    })
}

/// Result codes: NicePay's own where its docs name them, paydrill's choice otherwise.
pub mod codes {
    pub const OK: &str = "0000";
    pub const CANCEL_OK: &str = "2001";
    pub const ALREADY_CANCELED: &str = "2015";
    pub const OVER_BALANCE: &str = "2032";
    pub const BAD_AMOUNT: &str = "2010";
    pub const NOT_FOUND: &str = "2012";
    pub const DUPLICATE_ORDER: &str = "A127";
    pub const AMOUNT_MISMATCH: &str = "A123";
    pub const DB_ERROR: &str = "2000";
    /// Chosen: an unauthorised key.
    pub const UNAUTHORIZED: &str = "U104";
    /// Chosen: the transaction was already approved.
    pub const ALREADY_APPROVED: &str = "A118";
    /// Chosen: a cancel of a transaction that was never approved.
    pub const NOT_CANCELABLE: &str = "2003";
    /// Chosen: a partial cancel repeated an orderId.
    pub const DUPLICATE_CANCEL_ORDER: &str = "2041";
    /// Chosen: a request NicePay cannot read.
    pub const INVALID_REQUEST: &str = "9001";
}

fn rejection(code: &str) -> Option<Rejection> {
    Some(match code {
        codes::ALREADY_CANCELED | "2013" => Rejection::AlreadyCanceled,
        codes::OVER_BALANCE => Rejection::OverBalance,
        codes::BAD_AMOUNT | codes::INVALID_REQUEST => Rejection::InvalidRequest,
        codes::NOT_FOUND => Rejection::NotFound,
        codes::DUPLICATE_ORDER => Rejection::DuplicateOrderId,
        codes::AMOUNT_MISMATCH => Rejection::AmountMismatch,
        codes::UNAUTHORIZED => Rejection::Unauthorized,
        codes::ALREADY_APPROVED => Rejection::AlreadyApproved,
        codes::DUPLICATE_CANCEL_ORDER | codes::NOT_CANCELABLE => Rejection::Other,
        _ => return None,
    })
}

fn ok_body(reply: &HttpReply, ok: &'static [&'static str]) -> Result<Value, PgError> {
    let rc = json::ResultCode {
        code: "/resultCode",
        message: "/resultMsg",
        ok,
        internal: |c| c == codes::DB_ERROR,
        rejection,
    };
    json::result_code_body(PG, reply, &rc)
}

const FIELDS: json::PaymentFields = json::PaymentFields {
    id: "/tid",
    status: "/status",
    order: "/orderId",
    total: "/amount",
    balance: "/balanceAmt",
    transaction: "/tid",
};

fn payment(v: &Value) -> Result<PgPayment, PgError> {
    json::payment(PG, v, &FIELDS, status)
}

impl WireCodec for NicepayCodec {
    fn pg(&self) -> PgName {
        PG
    }

    fn approve(&self, creds: &Credentials, pg_payment_id: &str, req: &ApproveRequest) -> HttpCall {
        HttpCall::post(format!("/v1/payments/{pg_payment_id}"))
            .header("Authorization", auth(creds))
            .json(json!({ "amount": req.amount }))
    }

    fn read_approve(&self, reply: &HttpReply) -> Result<Option<PgPayment>, PgError> {
        payment(&ok_body(reply, &[codes::OK])?).map(Some)
    }

    fn cancel(&self, creds: &Credentials, payment: &PaymentRef, req: &CancelRequest) -> HttpCall {
        // Every partial cancel needs an orderId of its own; the idempotency key is one.
        let cancel_order = match &req.idempotency_key {
            Some(key) => format!("{}-{key}", payment.merchant_order_id),
            None => {
                format!("{}-c{}", payment.merchant_order_id, time::OffsetDateTime::now_utc().unix_timestamp_nanos())
            }
        };
        let mut body = json!({ "reason": req.reason, "orderId": cancel_order });
        if let Some(amount) = req.amount {
            body["cancelAmt"] = json!(amount);
        }
        HttpCall::post(format!("/v1/payments/{}/cancel", payment.pg_payment_id))
            .header("Authorization", auth(creds))
            .json(body)
    }

    fn read_cancel(&self, payment: &PaymentRef, _req: &CancelRequest, reply: &HttpReply) -> Result<PgCancel, PgError> {
        let v = ok_body(reply, &[codes::OK, codes::CANCEL_OK])?;
        let last = v.get("cancels").and_then(Value::as_array).and_then(|c| c.last()).cloned().unwrap_or(Value::Null);
        Ok(PgCancel {
            pg_payment_id: payment.pg_payment_id.clone(),
            transaction_id: json::string(PG, &v, "/cancelledTid")?,
            amount: json::krw(PG, &last, "/amount")?,
            balance_after: Some(json::krw(PG, &v, "/balanceAmt")?),
        })
    }

    fn inquire(&self, creds: &Credentials, payment: &PaymentRef) -> HttpCall {
        HttpCall::get(format!("/v1/payments/{}", payment.pg_payment_id)).header("Authorization", auth(creds))
    }

    fn read_inquire(&self, reply: &HttpReply) -> Result<PgPayment, PgError> {
        payment(&ok_body(reply, &[codes::OK])?)
    }

    /// The payment object with `signature` = hex SHA-256 of `tid + amount + ediDate + secret
    /// key`; one event per status and `ediDate`.
    fn read_webhook(
        &self,
        _headers: &[(String, String)],
        body: &str,
        secret: &str,
    ) -> Result<WebhookNotice, WebhookRefusal> {
        let v: Value = serde_json::from_str(body).map_err(|e| WebhookRefusal::Unreadable(e.to_string()))?;
        let field = |k: &str| match &v[k] {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        };
        let (Some(tid), Some(amount), Some(edi_date), Some(signature)) =
            (field("tid"), field("amount"), field("ediDate"), field("signature"))
        else {
            return Err(WebhookRefusal::Unreadable("tid, amount, ediDate and signature are required".into()));
        };
        if signature != webhook_signature(&tid, &amount, &edi_date, secret) {
            return Err(WebhookRefusal::BadSignature("signature is not sha256(tid+amount+ediDate+key)".into()));
        }
        Ok(WebhookNotice {
            event_id: format!("{tid}:{}:{edi_date}", field("status").unwrap_or_default()),
            pg_payment_id: Some(tid),
            merchant_order_id: field("orderId"),
        })
    }
}

/// A NICEPAY webhook's `signature`: hex SHA-256 of `tid + amount + ediDate + secret key`.
pub fn webhook_signature(tid: &str, amount: &str, edi_date: &str, secret: &str) -> String {
    super::sha256_hex(&format!("{tid}{amount}{edi_date}{secret}"))
}
