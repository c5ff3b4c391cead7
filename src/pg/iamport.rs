//! PortOne V1 (I'mport REST), client side: `POST /users/getToken {imp_key, imp_secret}` gives an
//! access token every other call carries as `Authorization`; envelope `{code, message,
//! response}` (`code` 0 = ok). The payment completes in the customer's browser, so "approve" is
//! the merchant's check of it (`GET /payments/{imp_uid}`, paid for the order's amount); cancel
//! `POST /payments/cancel {imp_uid, amount?, checksum?, reason}`; read `GET /payments/{imp_uid}`.

use super::canonical::{
    ApproveRequest, CancelRequest, ErrorCategory, PaymentRef, PgCancel, PgError, PgPayment, PgStatus, Rejection,
};
use super::codec::WireCodec;
use super::credentials::Credentials;
use super::http::{HttpCall, HttpReply};
use super::json;
use super::name::PgName;
use serde_json::{json, Value};

const PG: PgName = PgName::Iamport;

#[derive(Default)]
pub struct IamportCodec;

/// I'mport's refusals carry `code` -1 (or 1 for a cancel it will not do) and a message; these
/// are the messages paydrill's fake uses, and how the codec tells them apart.
pub mod messages {
    pub const NOT_FOUND: &str = "존재하지 않는 결제정보입니다.";
    pub const UNAUTHORIZED: &str = "Unauthorized";
    pub const BAD_KEYS: &str = "imp_key, imp_secret 파라미터가 올바르지 않습니다.";
    pub const ALREADY_CANCELED: &str = "이미 전액취소된 주문입니다.";
    pub const OVER_BALANCE: &str = "취소요청금액이 취소가능잔액보다 큽니다.";
    pub const CHECKSUM_MISMATCH: &str = "checksum 값이 취소가능잔액과 일치하지 않습니다.";
    pub const NOT_PAID: &str = "결제완료되지 않은 거래는 취소할 수 없습니다.";
    pub const INVALID_REQUEST: &str = "요청 파라미터가 올바르지 않습니다.";
    pub const INTERNAL: &str = "일시적인 오류가 발생했습니다.";
}

/// The payment's canonical state: I'mport keeps `paid` until all of it is cancelled.
fn state(word: &str, amount: i64, cancelled: i64) -> Option<PgStatus> {
    Some(match word {
        "ready" => PgStatus::Ready,
        "paid" if cancelled > 0 => PgStatus::PartialCanceled,
        "paid" => PgStatus::Paid,
        "cancelled" if cancelled < amount => PgStatus::PartialCanceled,
        "cancelled" => PgStatus::Canceled,
        "failed" => PgStatus::Failed,
        _ => return None,
    })
}

fn rejection(message: &str) -> Option<Rejection> {
    use messages::*;
    Some(match message {
        NOT_FOUND => Rejection::NotFound,
        UNAUTHORIZED | BAD_KEYS => Rejection::Unauthorized,
        ALREADY_CANCELED => Rejection::AlreadyCanceled,
        OVER_BALANCE => Rejection::OverBalance,
        CHECKSUM_MISMATCH => Rejection::BalanceMismatch,
        INVALID_REQUEST => Rejection::InvalidRequest,
        NOT_PAID => Rejection::Other,
        _ => return None,
    })
}

/// The `response` of a `code` 0 answer, or the refusal.
fn ok_response(reply: &HttpReply) -> Result<Value, PgError> {
    let v = json::body(PG, reply)?;
    if v["code"].as_i64() == Some(0) && reply.status == 200 {
        return Ok(v["response"].clone());
    }
    let message = v["message"].as_str().unwrap_or("").to_string();
    let code = v["code"].as_i64().map_or("?".to_string(), |c| c.to_string());
    Err(PgError::refusal(PG, reply.status, code, message.clone(), rejection(&message), message == messages::INTERNAL))
}

/// An I'mport payment → canonical.
fn payment(v: &Value) -> Result<PgPayment, PgError> {
    let amount = json::krw(PG, v, "/amount")?;
    let cancelled = json::krw_opt(PG, v, "/cancel_amount")?.unwrap_or(0);
    let word = json::string(PG, v, "/status")?;
    let id = json::string(PG, v, "/imp_uid")?;
    Ok(PgPayment {
        status: state(&word, amount, cancelled)
            .ok_or_else(|| PgError::unexpected(PG, format!("unknown status `{word}` at /status")))?,
        merchant_order_id: json::string(PG, v, "/merchant_uid")?,
        total: amount,
        balance: amount - cancelled,
        transaction_id: json::string(PG, v, "/pg_tid").unwrap_or_else(|_| id.clone()),
        pg_payment_id: id,
    })
}

impl WireCodec for IamportCodec {
    fn pg(&self) -> PgName {
        PG
    }

    fn token_call(&self, creds: &Credentials) -> Option<HttpCall> {
        Some(
            HttpCall::post("/users/getToken").json(json!({ "imp_key": creds.merchant_id, "imp_secret": creds.secret })),
        )
    }

    fn read_token(&self, reply: &HttpReply) -> Result<(String, String), PgError> {
        let response = ok_response(reply)?;
        Ok(("Authorization".into(), json::string(PG, &response, "/access_token")?))
    }

    /// The payment was made in the customer's browser: the merchant reads it back.
    fn approve(&self, _creds: &Credentials, pg_payment_id: &str, _req: &ApproveRequest) -> HttpCall {
        HttpCall::get(format!("/payments/{pg_payment_id}"))
    }

    fn read_approve(&self, reply: &HttpReply) -> Result<Option<PgPayment>, PgError> {
        // The payment stands whatever this read meets: a PG fault leaves its state unknown to the
        // merchant, never failed.
        let response = ok_response(reply).map_err(|e| match e.category {
            ErrorCategory::System => PgError { category: ErrorCategory::Unexpected, ..e },
            _ => e,
        })?;
        let paid = payment(&response)?;
        match paid.status {
            PgStatus::Paid => Ok(Some(paid)),
            // Approved before and cancelled since: not a payment to take again.
            PgStatus::PartialCanceled | PgStatus::Canceled => Err(PgError::business(
                PG,
                Rejection::AlreadyApproved,
                "ALREADY_PROCESSED",
                format!("the payment {} was approved and has been cancelled since", paid.pg_payment_id),
            )),
            other => Err(PgError::business(
                PG,
                Rejection::Other,
                "NOT_PAID",
                format!("the customer's payment {} is {other:?}, not paid", paid.pg_payment_id),
            )),
        }
    }

    fn cancel(&self, _creds: &Credentials, payment: &PaymentRef, req: &CancelRequest) -> HttpCall {
        let mut body = json!({ "imp_uid": payment.pg_payment_id, "reason": req.reason });
        if let Some(amount) = req.amount {
            body["amount"] = json!(amount);
        }
        if let Some(balance) = req.expected_balance {
            body["checksum"] = json!(balance);
        }
        HttpCall::post("/payments/cancel").json(body)
    }

    fn read_cancel(&self, payment: &PaymentRef, _req: &CancelRequest, reply: &HttpReply) -> Result<PgCancel, PgError> {
        let response = ok_response(reply)?;
        let after = self::payment(&response)?;
        let last = response["cancel_history"].as_array().and_then(|h| h.last()).cloned().unwrap_or(Value::Null);
        Ok(PgCancel {
            pg_payment_id: payment.pg_payment_id.clone(),
            transaction_id: json::string(PG, &last, "/pg_tid")?,
            amount: json::krw(PG, &last, "/amount")?,
            balance_after: Some(after.balance),
        })
    }

    fn inquire(&self, _creds: &Credentials, payment: &PaymentRef) -> HttpCall {
        HttpCall::get(format!("/payments/{}", payment.pg_payment_id))
    }

    fn read_inquire(&self, reply: &HttpReply) -> Result<PgPayment, PgError> {
        payment(&ok_response(reply)?)
    }
}
