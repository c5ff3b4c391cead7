//! Naver Pay, server side: form bodies under `/{partnerId}/naverpay/payments/{version}/{api}`
//! (partnerId = the partner's `merchant_id`), headers `X-Naver-Client-Id` (the partner id) and
//! `X-Naver-Client-Secret`, the `{code, message, body}` envelope with `code: "Success"`.
//!
//! Approve `POST .../v2.2/apply/payment` (form `paymentId`), cancel `POST .../v1/cancel`
//! (`paymentId, cancelAmount, cancelReason, cancelRequester, taxScopeAmount, taxExScopeAmount,
//! doCompareRest, expectedRestAmount`; the answer carries `payHistId`, the cancel's own id, and
//! `totalRestAmount`), history `POST .../v2.2/list/history/{paymentId}`. `X-NaverPay-Idempotency-
//! Key` replays are honoured.
//!
//! Chosen where the public material is silent:
//! - The approve body has no order id or amount, as on the real API. They are fixed earlier by a
//!   reservation, `POST .../v2/reserve` (form `merchantPayKey`, `totalPayAmount`, ...; answer
//!   `body.reserveId`), which Naver Pay has for its server-side flow; in paydrill the
//!   `reserveId` doubles as the `paymentId` the customer's authentication in the Naver Pay
//!   window returns (really a different id). So the codec needs no extra approve field and the
//!   fake no `order_in_payment_id`; a reused `merchantPayKey` is refused at reservation.
//! - Failures: HTTP 200 with a non-`Success` code, except a wrong client id/secret (HTTP 401
//!   `InvalidClient`), an unknown path or partner (HTTP 404 `InvalidParameter`) and the internal
//!   error (HTTP 500 `InternalServerError`). The codes are paydrill's
//!   (`crate::pg::naverpay::codes`): `InvalidPaymentId` unknown payment,
//!   `DuplicatedMerchantPayKey` reused order id, `AlreadyCompleted` already approved,
//!   `AlreadyCanceled`, `NotCancelablePayment` cancel before approval, `CancelAmountExceeded`
//!   over the balance, `RestAmountMismatch` `expectedRestAmount` differs (checked only with
//!   `doCompareRest=1`), `InvalidParameter` missing fields or a bad amount (`AmountMismatch`
//!   exists for completeness; an approval carries no amount to mismatch).
//! - The history answer lists the approval and each cancel (`admissionTypeCode` 01 / 03) and
//!   adds a `payment` summary (`admissionState` SUCCESS / PARTIAL_CANCEL / CANCEL,
//!   `totalPayAmount`, `totalRestAmount`).

use super::ledger::{LedgerError, Settled};
use super::wire::{kst, FakeReply, FakeRequest, WireCall, WireServer};
use crate::pg::naverpay::codes;
use crate::pg::{Credentials, Krw, PgName, PgStatus};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Default)]
pub struct NaverpayServer {
    reserves: AtomicU64,
}

fn envelope(status: u16, code: &str, message: &str, body: Value) -> FakeReply {
    FakeReply::json(status, json!({ "code": code, "message": message, "body": body }))
}

fn fail(code: &str, message: &str) -> FakeReply {
    envelope(200, code, message, Value::Null)
}

fn state(s: PgStatus) -> &'static str {
    match s {
        PgStatus::Ready => "READY",
        PgStatus::Paid => "SUCCESS",
        PgStatus::PartialCanceled => "PARTIAL_CANCEL",
        PgStatus::Canceled => "CANCEL",
        PgStatus::Failed => "FAIL",
    }
}

fn ledger_error(e: &LedgerError) -> FakeReply {
    match e {
        LedgerError::KeyForAnotherOrder | LedgerError::InvalidToken => {
            fail(codes::NOT_FOUND, "존재하지 않는 결제번호입니다.")
        }
        LedgerError::NotFound => fail(codes::NOT_FOUND, "존재하지 않는 결제번호입니다."),
        LedgerError::DuplicateOrderId => fail(codes::DUPLICATE_ORDER, "가맹점 주문번호가 중복되었습니다."),
        LedgerError::AlreadyApproved => fail(codes::ALREADY_APPROVED, "이미 완료된 결제입니다."),
        LedgerError::NotApproved => fail(codes::NOT_CANCELABLE, "승인되지 않은 결제는 취소할 수 없습니다."),
        LedgerError::AmountMismatch { .. } => fail(codes::AMOUNT_MISMATCH, "결제 금액이 일치하지 않습니다."),
        LedgerError::AlreadyCanceled => fail(codes::ALREADY_CANCELED, "이미 취소된 결제입니다."),
        LedgerError::OverBalance { .. } => fail(codes::OVER_BALANCE, "취소 금액이 취소 가능 금액을 초과합니다."),
        LedgerError::BalanceMismatch { .. } => fail(codes::BALANCE_MISMATCH, "남은 금액이 일치하지 않습니다."),
        LedgerError::InvalidAmount => fail(codes::INVALID_REQUEST, "금액이 올바르지 않습니다."),
    }
}

fn detail(s: &Settled) -> Value {
    let p = &s.payment;
    json!({
        "paymentId": p.pg_payment_id,
        "payHistId": p.approval_id,
        "merchantPayKey": p.merchant_order_id,
        "merchantUserKey": "paydrill",
        "admissionState": state(p.status),
        "admissionTypeCode": "01",
        "admissionYmdt": p.approved_at.map(kst),
        "totalPayAmount": p.total,
        "totalRestAmount": p.balance,
        "primaryPayMeans": "CARD",
    })
}

fn number(form: &std::collections::HashMap<String, String>, key: &str) -> Option<Krw> {
    form.get(key).and_then(|v| v.trim().parse().ok())
}

impl WireServer for NaverpayServer {
    fn pg(&self) -> PgName {
        PgName::Naverpay
    }

    fn idempotency_header(&self) -> Option<&'static str> {
        Some("X-NaverPay-Idempotency-Key")
    }

    fn parse(&self, req: &FakeRequest, creds: &Credentials) -> Result<WireCall, FakeReply> {
        let id_ok = req.header("x-naver-client-id") == Some(creds.merchant_id.as_str());
        if !id_ok || req.header("x-naver-client-secret") != Some(creds.secret.as_str()) {
            return Err(envelope(401, codes::UNAUTHORIZED, "인증되지 않은 클라이언트입니다.", Value::Null));
        }
        let form = req.form().ok_or_else(|| fail(codes::INVALID_REQUEST, "form 형식이 아닙니다."))?;
        let need =
            |key: &str| form.get(key).cloned().ok_or_else(|| fail(codes::INVALID_REQUEST, &format!("{key} 누락")));
        let segments = req.segments();
        let partner = creds.merchant_id.as_str();
        match (req.method.as_str(), segments.as_slice()) {
            ("POST", [p, "naverpay", "payments", "v2", "reserve"]) if *p == partner => {
                let n = self.reserves.fetch_add(1, Ordering::Relaxed) + 1;
                Ok(WireCall::Ready {
                    pg_payment_id: format!("2026NP{n:010}"),
                    merchant_order_id: need("merchantPayKey")?,
                    amount: number(&form, "totalPayAmount")
                        .ok_or_else(|| fail(codes::INVALID_REQUEST, "totalPayAmount 누락"))?,
                })
            }
            ("POST", [p, "naverpay", "payments", "v2.2", "apply", "payment"]) if *p == partner => {
                Ok(WireCall::Approve {
                    pg_payment_id: need("paymentId")?,
                    merchant_order_id: None,
                    amount: None,
                    token: None,
                })
            }
            ("POST", [p, "naverpay", "payments", "v1", "cancel"]) if *p == partner => {
                let compare = form.get("doCompareRest").map(String::as_str) == Some("1");
                Ok(WireCall::Cancel {
                    pg_payment_id: need("paymentId")?,
                    amount: Some(
                        number(&form, "cancelAmount")
                            .ok_or_else(|| fail(codes::INVALID_REQUEST, "cancelAmount 누락"))?,
                    ),
                    expected_balance: if compare { number(&form, "expectedRestAmount") } else { None },
                    reason: need("cancelReason")?,
                })
            }
            ("POST", [p, "naverpay", "payments", "v2.2", "list", "history", id]) if *p == partner => {
                Ok(WireCall::Inquire { pg_payment_id: Some(id.to_string()), merchant_order_id: None })
            }
            _ => Err(envelope(404, codes::INVALID_REQUEST, "존재하지 않는 API입니다.", Value::Null)),
        }
    }

    fn render(&self, call: &WireCall, outcome: &Result<Settled, LedgerError>) -> FakeReply {
        let s = match outcome {
            Ok(s) => s,
            Err(e) => return ledger_error(e),
        };
        let p = &s.payment;
        let body = match call {
            WireCall::Ready { .. } => json!({ "reserveId": p.pg_payment_id }),
            WireCall::Approve { .. } => json!({ "paymentId": p.pg_payment_id, "detail": detail(s) }),
            WireCall::Cancel { .. } => {
                let c = s.cancel.as_ref();
                json!({
                    "paymentId": p.pg_payment_id,
                    "payHistId": c.map(|c| c.cancel_id.clone()),
                    "primaryPayMeans": "CARD",
                    "primaryPayCancelAmount": c.map_or(0, |c| c.amount),
                    "primaryPayRestAmount": p.balance,
                    "totalRestAmount": p.balance,
                    "cancelYmdt": c.map(|c| kst(c.canceled_at)),
                })
            }
            WireCall::Inquire { .. } => {
                let mut list = vec![detail(s)];
                list.extend(p.cancels.iter().map(|c| {
                    json!({ "paymentId": p.pg_payment_id, "payHistId": c.cancel_id, "admissionTypeCode": "03",
                            "totalPayAmount": -c.amount, "totalRestAmount": c.balance_after, "admissionYmdt": kst(c.canceled_at) })
                }));
                json!({ "totalCount": list.len(), "list": list, "payment": detail(s) })
            }
        };
        envelope(200, codes::OK, "성공", body)
    }

    fn internal_error(&self) -> FakeReply {
        envelope(500, codes::INTERNAL, "일시적인 오류입니다.", Value::Null)
    }
}
