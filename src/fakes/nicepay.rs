//! NicePay (Start API), server side: JSON, Basic auth of `clientKey:secretKey`, HTTP 200 with
//! `resultCode`. Approve `POST /v1/payments/{tid}` (`amount`), cancel `POST
//! /v1/payments/{tid}/cancel` (`reason`, `orderId` required and never reused, `cancelAmt`), read
//! `GET /v1/payments/{tid}` or `GET /v1/payments/find/{orderId}`.
//!
//! Codes from NicePay's docs; chosen where they are silent (see `crate::pg::nicepay::codes`): a bad
//! key answers `U104` with HTTP 401, `A118` already approved, `2003` cancel of an unapproved
//! transaction, `2041` a reused cancel orderId, `9001` an unreadable request; NicePay has no
//! balance-assertion field, so `2032` also stands for a balance mismatch. The approve body has no
//! orderId: the tid is the authentication result, `nicepay_<orderId>` in paydrill's stand-in.

use super::ledger::{LedgerError, Settled};
use super::webhook::{WebhookEvent, WebhookMessage};
use super::wire::{krw_field, kst, text_field, FakeReply, FakeRequest, WireCall, WireServer};
use crate::pg::nicepay::{self, auth, codes};
use crate::pg::{Credentials, PgName, PgStatus};
use serde_json::{json, Value};
use std::collections::{HashSet, VecDeque};
use std::sync::Mutex;

#[derive(Default)]
pub struct NicepayServer {
    /// orderIds already used by cancels (the newest [`super::wire::REPLAY_WINDOW`]).
    cancel_orders: Mutex<(HashSet<String>, VecDeque<String>)>,
}

impl NicepayServer {
    /// Records a cancel orderId; false if it was used before.
    fn first_use(&self, order: String) -> bool {
        let mut guard = crate::locks::lock(&self.cancel_orders);
        let (seen, age) = &mut *guard;
        if !seen.insert(order.clone()) {
            return false;
        }
        age.push_back(order);
        while age.len() > super::wire::REPLAY_WINDOW {
            if let Some(old) = age.pop_front() {
                seen.remove(&old);
            }
        }
        true
    }
}

fn result(code: &str, message: &str) -> FakeReply {
    FakeReply::json(200, json!({ "resultCode": code, "resultMsg": message }))
}

fn status_word(s: PgStatus) -> &'static str {
    match s {
        PgStatus::Ready => "ready",
        PgStatus::Paid => "paid",
        PgStatus::PartialCanceled => "partialCancelled",
        PgStatus::Canceled => "cancelled",
        PgStatus::Failed => "failed",
    }
}

fn ledger_error(e: &LedgerError) -> FakeReply {
    match e {
        LedgerError::KeyForAnotherOrder | LedgerError::InvalidToken => {
            result(codes::NOT_FOUND, "해당 거래가 존재하지 않습니다.")
        }
        LedgerError::NotFound => result(codes::NOT_FOUND, "해당 거래가 존재하지 않습니다."),
        LedgerError::DuplicateOrderId => result(codes::DUPLICATE_ORDER, "주문번호 중복 오류"),
        LedgerError::AlreadyApproved => result(codes::ALREADY_APPROVED, "이미 승인된 거래입니다."),
        LedgerError::NotApproved => result(codes::NOT_CANCELABLE, "승인되지 않은 거래는 취소할 수 없습니다."),
        LedgerError::AmountMismatch { .. } => result(codes::AMOUNT_MISMATCH, "인증 금액과 승인 금액이 다릅니다."),
        LedgerError::AlreadyCanceled => result(codes::ALREADY_CANCELED, "이미 취소된 거래입니다."),
        LedgerError::OverBalance { .. } | LedgerError::BalanceMismatch { .. } => {
            result(codes::OVER_BALANCE, "취소 금액이 취소 가능 금액보다 큽니다.")
        }
        LedgerError::InvalidAmount => result(codes::BAD_AMOUNT, "취소 금액이 0원 이하입니다."),
    }
}

fn payment_json(s: &Settled, code: &str, message: &str) -> Value {
    let p = &s.payment;
    json!({
        "resultCode": code,
        "resultMsg": message,
        "tid": p.pg_payment_id,
        "cancelledTid": s.cancel.as_ref().map(|c| c.cancel_id.clone()),
        "orderId": p.merchant_order_id,
        "status": status_word(p.status),
        "amount": p.total,
        "balanceAmt": p.balance,
        "payMethod": "card",
        "paidAt": p.approved_at.map(kst).unwrap_or_else(|| "0".into()),
        "cancels": if p.cancels.is_empty() { Value::Null } else {
            Value::Array(p.cancels.iter().map(|c| json!({
                "tid": c.cancel_id, "amount": c.amount, "cancelledAt": kst(c.canceled_at), "reason": c.reason,
            })).collect())
        },
    })
}

impl WireServer for NicepayServer {
    fn pg(&self) -> PgName {
        PgName::Nicepay
    }

    fn parse(&self, req: &FakeRequest, creds: &Credentials) -> Result<WireCall, FakeReply> {
        if req.header("authorization") != Some(auth(creds).as_str()) {
            return Err(FakeReply::json(
                401,
                json!({ "resultCode": codes::UNAUTHORIZED, "resultMsg": "인증되지 않은 키입니다." }),
            ));
        }
        let body = || req.json().ok_or_else(|| result(codes::INVALID_REQUEST, "요청 본문이 JSON이 아닙니다."));
        match (req.method.as_str(), req.segments().as_slice()) {
            ("GET", ["v1", "payments", "find", order]) => {
                Ok(WireCall::Inquire { pg_payment_id: None, merchant_order_id: Some(order.to_string()) })
            }
            ("GET", ["v1", "payments", tid]) => {
                Ok(WireCall::Inquire { pg_payment_id: Some(tid.to_string()), merchant_order_id: None })
            }
            ("POST", ["v1", "payments", tid]) => {
                let amount = krw_field(&body()?, "amount")
                    .ok_or_else(|| result(codes::INVALID_REQUEST, "amount 는 필수입니다."))?;
                Ok(WireCall::Approve {
                    pg_payment_id: tid.to_string(),
                    merchant_order_id: None,
                    amount: Some(amount),
                    token: None,
                })
            }
            ("POST", ["v1", "payments", tid, "cancel"]) => {
                let b = body()?;
                let reason =
                    text_field(&b, "reason").ok_or_else(|| result(codes::INVALID_REQUEST, "reason 은 필수입니다."))?;
                let order = text_field(&b, "orderId")
                    .ok_or_else(|| result(codes::INVALID_REQUEST, "orderId 는 필수입니다."))?;
                if !self.first_use(order) {
                    return Err(result(codes::DUPLICATE_CANCEL_ORDER, "이미 사용된 취소 주문번호입니다."));
                }
                Ok(WireCall::Cancel {
                    pg_payment_id: tid.to_string(),
                    amount: krw_field(&b, "cancelAmt"),
                    expected_balance: None,
                    reason,
                })
            }
            _ => Err(FakeReply::json(
                404,
                json!({ "resultCode": codes::INVALID_REQUEST, "resultMsg": "존재하지 않는 API" }),
            )),
        }
    }

    fn render(&self, call: &WireCall, outcome: &Result<Settled, LedgerError>) -> FakeReply {
        match outcome {
            Ok(s) => match call {
                WireCall::Cancel { .. } => FakeReply::json(200, payment_json(s, codes::CANCEL_OK, "취소 성공")),
                _ => FakeReply::json(200, payment_json(s, codes::OK, "정상 처리되었습니다.")),
            },
            Err(e) => ledger_error(e),
        }
    }

    fn internal_error(&self) -> FakeReply {
        result(codes::DB_ERROR, "DB 오류")
    }

    /// The payment object, signed in the body: `signature` = hex SHA-256 of `tid + amount +
    /// ediDate + secret key`.
    fn webhook(&self, event: &WebhookEvent, secret: &str) -> Option<WebhookMessage> {
        let settled = Settled { payment: event.payment.clone(), cancel: event.cancel.clone() };
        let mut body = payment_json(&settled, codes::OK, "정상 처리되었습니다.");
        let edi_date = kst(event.at);
        let tid = event.payment.pg_payment_id.as_str();
        body["ediDate"] = json!(edi_date);
        body["signature"] = json!(nicepay::webhook_signature(tid, &event.payment.total.to_string(), &edi_date, secret));
        Some(WebhookMessage {
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: body.to_string(),
        })
    }

    /// NICEPAY's retries are not documented: five, a unit apart (chosen).
    fn webhook_retries(&self) -> &'static [u32] {
        &[1, 1, 1, 1, 1]
    }
}
