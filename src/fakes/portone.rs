//! PortOne V2, server side: JSON, `Authorization: PortOne <secret>` (401 `UNAUTHORIZED`), errors as
//! HTTP status + `{type, message}` with PortOne's types; an `Idempotency-Key` (16–256 characters,
//! else 400 `INVALID_REQUEST`) replays the first answer.
//!
//! Cancel `POST /payments/{paymentId}/cancel` (`amount` absent = full, `reason`,
//! `currentCancellableAmount`) answers `{cancellation: {status: SUCCEEDED, id, totalAmount,
//! cancelledAt}}`; `GET /payments/{paymentId}` answers the Payment with `amount{total, paid,
//! cancelled}`, `cancellations[]` and the status words READY, PAID, FAILED, PARTIAL_CANCELLED,
//! CANCELLED. Errors from the notes: 409 `CANCEL_AMOUNT_EXCEEDS_CANCELLABLE_AMOUNT`, 409
//! `PAYMENT_ALREADY_CANCELLED`, 409 `CANCELLABLE_AMOUNT_CONSISTENCY_BROKEN`, 404 `PAYMENT_NOT_FOUND`,
//! 400 `INVALID_REQUEST`, 401 `UNAUTHORIZED`, 502 `PG_PROVIDER` (the internal error).
//!
//! Chosen where the notes are silent:
//! - Confirm is `POST /payments/{paymentId}/confirm` with `totalAmount` (required: the fake has
//!   no payment token to take the amount from) and `orderName` carrying the merchant order id
//!   (in real PortOne `orderName` is the order's title and the merchant-chosen paymentId is the
//!   order number; without `orderName` the fake recovers the order id from a
//!   `portone_<order>` paymentId). Real PortOne's manual confirm answers a summary
//!   `{payment: {pgTxId, paidAt}}`; the fake answers `{payment: <the whole Payment>}`, which
//!   includes those two fields.
//! - 409 `ALREADY_PAID` (a real PortOne type) for a re-confirm AND for a merchant order id
//!   already used by another paymentId: PortOne has no separate order-id uniqueness error,
//!   since its paymentId is the merchant's order number.
//! - 409 `PAYMENT_AMOUNT_MISMATCH` for a confirm whose `totalAmount` differs, 409
//!   `PAYMENT_NOT_PAID` for a cancel of an unpaid payment, 400 `INVALID_REQUEST` for a
//!   non-positive amount or an unknown path.
//! - A `storeId` in the body other than the merchant's is refused with 403 `FORBIDDEN`.

use super::ledger::{LedgerError, Settled};
use super::wire::{krw_field, kst, order_in_payment_id, text_field, FakeReply, FakeRequest, WireCall, WireServer};
use crate::pg::portone::auth;
use crate::pg::{Credentials, PgName, PgStatus};
use serde_json::{json, Value};

#[derive(Default)]
pub struct PortoneServer;

fn err(status: u16, kind: &str, message: &str) -> FakeReply {
    FakeReply::json(status, json!({ "type": kind, "message": message }))
}

fn status_word(s: PgStatus) -> &'static str {
    match s {
        PgStatus::Ready => "READY",
        PgStatus::Paid => "PAID",
        PgStatus::PartialCanceled => "PARTIAL_CANCELLED",
        PgStatus::Canceled => "CANCELLED",
        PgStatus::Failed => "FAILED",
    }
}

fn ledger_error(e: &LedgerError) -> FakeReply {
    match e {
        LedgerError::NotFound => err(404, "PAYMENT_NOT_FOUND", "결제 건이 존재하지 않습니다."),
        LedgerError::DuplicateOrderId | LedgerError::AlreadyApproved => {
            err(409, "ALREADY_PAID", "결제가 이미 완료되었습니다.")
        }
        LedgerError::AmountMismatch { .. } => err(409, "PAYMENT_AMOUNT_MISMATCH", "결제 금액이 일치하지 않습니다."),
        LedgerError::AlreadyCanceled => err(409, "PAYMENT_ALREADY_CANCELLED", "결제가 이미 취소되었습니다."),
        LedgerError::OverBalance { .. } => {
            err(409, "CANCEL_AMOUNT_EXCEEDS_CANCELLABLE_AMOUNT", "결제 취소 금액이 취소 가능 금액을 초과합니다.")
        }
        LedgerError::BalanceMismatch { .. } => {
            err(409, "CANCELLABLE_AMOUNT_CONSISTENCY_BROKEN", "취소 가능 잔액 검증에 실패했습니다.")
        }
        LedgerError::InvalidAmount => err(400, "INVALID_REQUEST", "금액이 올바르지 않습니다."),
        LedgerError::NotApproved => err(409, "PAYMENT_NOT_PAID", "결제가 완료되지 않았습니다."),
    }
}

fn payment_json(s: &Settled) -> Value {
    let p = &s.payment;
    let paid = if p.approved_at.is_some() { p.total } else { 0 };
    let cancellations: Vec<Value> = p
        .cancels
        .iter()
        .map(|c| {
            json!({
                "status": "SUCCEEDED",
                "id": c.cancel_id,
                "totalAmount": c.amount,
                "reason": c.reason,
                "cancelledAt": kst(c.canceled_at),
            })
        })
        .collect();
    json!({
        "status": status_word(p.status),
        "id": p.pg_payment_id,
        "transactionId": p.approval_id,
        "pgTxId": p.approval_id,
        "orderName": p.merchant_order_id,
        "amount": { "total": p.total, "paid": paid, "cancelled": p.cancelled, "taxFree": 0, "vat": p.total / 11 },
        "currency": "KRW",
        "paidAt": p.approved_at.map(kst),
        "cancellations": cancellations,
    })
}

impl WireServer for PortoneServer {
    fn pg(&self) -> PgName {
        PgName::Portone
    }

    fn idempotency_header(&self) -> Option<&'static str> {
        Some("Idempotency-Key")
    }

    fn parse(&self, req: &FakeRequest, creds: &Credentials) -> Result<WireCall, FakeReply> {
        if req.header("authorization") != Some(auth(&creds.secret).as_str()) {
            return Err(err(401, "UNAUTHORIZED", "인증 정보가 올바르지 않습니다."));
        }
        if let Some(key) = req.header("idempotency-key") {
            if !(16..=256).contains(&key.len()) {
                return Err(err(400, "INVALID_REQUEST", "Idempotency-Key 는 16~256자여야 합니다."));
            }
        }
        let body = || {
            let b = req.json().ok_or_else(|| err(400, "INVALID_REQUEST", "요청 본문이 JSON이 아닙니다."))?;
            match text_field(&b, "storeId") {
                Some(store) if store != creds.merchant_id => {
                    Err(err(403, "FORBIDDEN", "요청한 상점에 대한 접근 권한이 없습니다."))
                }
                _ => Ok(b),
            }
        };
        match (req.method.as_str(), req.segments().as_slice()) {
            ("GET", ["payments", id]) => {
                Ok(WireCall::Inquire { pg_payment_id: Some(id.to_string()), merchant_order_id: None })
            }
            ("POST", ["payments", id, "confirm"]) => {
                let b = body()?;
                let order = text_field(&b, "orderName").or_else(|| order_in_payment_id(PgName::Portone, id));
                let amount = krw_field(&b, "totalAmount")
                    .ok_or_else(|| err(400, "INVALID_REQUEST", "totalAmount 가 필요합니다."))?;
                Ok(WireCall::Approve { pg_payment_id: id.to_string(), merchant_order_id: order, amount: Some(amount) })
            }
            ("POST", ["payments", id, "cancel"]) => {
                let b = body()?;
                let reason =
                    text_field(&b, "reason").ok_or_else(|| err(400, "INVALID_REQUEST", "reason 이 필요합니다."))?;
                Ok(WireCall::Cancel {
                    pg_payment_id: id.to_string(),
                    amount: krw_field(&b, "amount"),
                    expected_balance: krw_field(&b, "currentCancellableAmount"),
                    reason,
                })
            }
            _ => Err(err(404, "INVALID_REQUEST", "존재하지 않는 API 입니다.")),
        }
    }

    fn render(&self, call: &WireCall, outcome: &Result<Settled, LedgerError>) -> FakeReply {
        let s = match outcome {
            Ok(s) => s,
            Err(e) => return ledger_error(e),
        };
        match (call, &s.cancel) {
            (WireCall::Cancel { .. }, Some(c)) => FakeReply::json(
                200,
                json!({ "cancellation": {
                    "status": "SUCCEEDED", "id": c.cancel_id, "totalAmount": c.amount, "taxFreeAmount": 0,
                    "reason": c.reason, "cancelledAt": kst(c.canceled_at), "requestedAt": kst(c.canceled_at),
                }}),
            ),
            (WireCall::Approve { .. }, _) => FakeReply::json(200, json!({ "payment": payment_json(s) })),
            _ => FakeReply::json(200, payment_json(s)),
        }
    }

    fn internal_error(&self) -> FakeReply {
        err(502, "PG_PROVIDER", "PG사에서 오류가 발생했습니다.")
    }
}
