//! KICC EasyPay, server side: JSON bodies, JSON answers with `resCd` (`0000` ok) and `resMsg`,
//! HTTP 200 (404 for an unknown path).
//!
//! From the wire notes: approve `POST /api/v2/trades/approval` (`mallId, shopTransactionId,
//! authorizationId, shopOrderNo, approvalReqDate`), cancel `POST /api/trades/revise` (`mallId,
//! shopTransactionId, pgCno, reviseTypeCode, amount, remainAmount, cancelReqDate,
//! msgAuthValue`), status `POST /api/trades/retrieveTransaction`; answers carry `pgCno,
//! transactionDate, paymentInfo`; `VT00` means retry.
//!
//! Chosen where the notes are silent:
//! - every request (not only revise) is authenticated by `mallId` and `msgAuthValue` = hex
//!   SHA-256 of `secret|mallId|shopTransactionId`; a wrong secret is refused with `R101`;
//! - `amount` on approval (checked against the order's amount); `pgCno` is the widget's
//!   `authorizationId` in paydrill's stand-in for the customer's authentication;
//! - `reviseTypeCode` `40` full cancel, `32` partial cancel (`amount` required);
//!   `remainAmount`, when sent, is the balance BEFORE the cancel and must match the ledger;
//! - answers: `amount`, `remainAmount`, `shopOrderNo`, `statusCode` (`TS00` ready, `TS01` paid,
//!   `TS02` partially cancelled, `TS03` cancelled, `TS09` failed), `paymentInfo.approvalNo`;
//!   a revise answer adds `cancelPgCno` (the ledger's cancel id), `cancelAmount`, `cancelDate`;
//! - the failure codes (`crate::pg::easypay::codes`): `R101` auth failure, `R201` duplicate
//!   `shopOrderNo`, `R202` amount mismatch, `R203` already approved, `R301` no such
//!   transaction, `R302` already cancelled, `R303` over the cancellable balance, `R304`
//!   `remainAmount` mismatch, `R305` cancel of a never-approved payment, `R400` malformed
//!   request; the internal error answers `VT00` (retry).
//! - `shopTransactionId` is EasyPay's idempotency key, but it travels in the body, so the fake
//!   does not replay on it (`idempotency_header` stays None).

use super::ledger::{LedgerError, Settled};
use super::wire::{krw_field, kst, text_field, FakeReply, FakeRequest, WireCall, WireServer};
use crate::pg::easypay::{auth_value, codes};
use crate::pg::{Credentials, PgName, PgStatus};
use serde_json::{json, Value};

#[derive(Default)]
pub struct EasypayServer;

fn result(code: &str, message: &str) -> FakeReply {
    FakeReply::json(200, json!({ "resCd": code, "resMsg": message }))
}

fn status_code(s: PgStatus) -> &'static str {
    match s {
        PgStatus::Ready => "TS00",
        PgStatus::Paid => "TS01",
        PgStatus::PartialCanceled => "TS02",
        PgStatus::Canceled => "TS03",
        PgStatus::Failed => "TS09",
    }
}

fn ledger_error(e: &LedgerError) -> FakeReply {
    match e {
        LedgerError::KeyForAnotherOrder | LedgerError::InvalidToken => result(codes::NOT_FOUND, "거래 없음"),
        LedgerError::NotFound => result(codes::NOT_FOUND, "거래 없음"),
        LedgerError::DuplicateOrderId => result(codes::DUPLICATE_ORDER, "주문번호 중복"),
        LedgerError::AlreadyApproved => result(codes::ALREADY_APPROVED, "기승인 거래"),
        LedgerError::NotApproved => result(codes::NOT_CANCELABLE, "미승인 거래는 취소할 수 없음"),
        LedgerError::AmountMismatch { .. } => result(codes::AMOUNT_MISMATCH, "승인 금액 불일치"),
        LedgerError::AlreadyCanceled => result(codes::ALREADY_CANCELED, "기취소 거래"),
        LedgerError::OverBalance { .. } => result(codes::OVER_BALANCE, "취소 금액 초과"),
        LedgerError::BalanceMismatch { .. } => result(codes::BALANCE_MISMATCH, "잔액(remainAmount) 불일치"),
        LedgerError::InvalidAmount => result(codes::INVALID_REQUEST, "금액 오류"),
    }
}

fn payment_json(s: &Settled) -> Value {
    let p = &s.payment;
    json!({
        "resCd": codes::OK,
        "resMsg": "정상",
        "pgCno": p.pg_payment_id,
        "shopOrderNo": p.merchant_order_id,
        "amount": p.total,
        "remainAmount": p.balance,
        "statusCode": status_code(p.status),
        "transactionDate": p.approved_at.map(kst),
        "paymentInfo": { "payMethodTypeCode": "11", "approvalNo": p.approval_id, "approvalDate": p.approved_at.map(kst) },
    })
}

impl WireServer for EasypayServer {
    fn pg(&self) -> PgName {
        PgName::Easypay
    }

    fn parse(&self, req: &FakeRequest, creds: &Credentials) -> Result<WireCall, FakeReply> {
        let b = req.json().ok_or_else(|| result(codes::INVALID_REQUEST, "JSON 형식 오류"))?;
        let shop_tx = text_field(&b, "shopTransactionId")
            .ok_or_else(|| result(codes::INVALID_REQUEST, "shopTransactionId 누락"))?;
        let expected = auth_value(&creds.secret, &creds.merchant_id, &shop_tx);
        if text_field(&b, "mallId").as_deref() != Some(creds.merchant_id.as_str())
            || text_field(&b, "msgAuthValue").as_deref() != Some(expected.as_str())
        {
            return Err(result(codes::UNAUTHORIZED, "가맹점 인증 실패"));
        }
        let need =
            |key: &str| text_field(&b, key).ok_or_else(|| result(codes::INVALID_REQUEST, &format!("{key} 누락")));
        match (req.method.as_str(), req.path.as_str()) {
            ("POST", "/api/v2/trades/approval") => Ok(WireCall::Approve {
                pg_payment_id: need("authorizationId")?,
                merchant_order_id: Some(need("shopOrderNo")?),
                amount: Some(krw_field(&b, "amount").ok_or_else(|| result(codes::INVALID_REQUEST, "amount 누락"))?),
                token: None,
            }),
            ("POST", "/api/trades/revise") => {
                let amount = match need("reviseTypeCode")?.as_str() {
                    "40" => None,
                    "32" => Some(
                        krw_field(&b, "amount")
                            .ok_or_else(|| result(codes::INVALID_REQUEST, "부분취소 amount 누락"))?,
                    ),
                    other => return Err(result(codes::INVALID_REQUEST, &format!("reviseTypeCode {other} 오류"))),
                };
                Ok(WireCall::Cancel {
                    pg_payment_id: need("pgCno")?,
                    amount,
                    expected_balance: krw_field(&b, "remainAmount"),
                    reason: text_field(&b, "reviseMessage").unwrap_or_default(),
                })
            }
            ("POST", "/api/trades/retrieveTransaction") => Ok(WireCall::Inquire {
                pg_payment_id: text_field(&b, "pgCno"),
                merchant_order_id: text_field(&b, "shopOrderNo"),
            }),
            _ => Err(FakeReply::json(404, json!({ "resCd": codes::INVALID_REQUEST, "resMsg": "존재하지 않는 API" }))),
        }
    }

    fn render(&self, call: &WireCall, outcome: &Result<Settled, LedgerError>) -> FakeReply {
        let s = match outcome {
            Ok(s) => s,
            Err(e) => return ledger_error(e),
        };
        let mut v = payment_json(s);
        if let (WireCall::Cancel { .. }, Some(c)) = (call, &s.cancel) {
            v["cancelPgCno"] = json!(c.cancel_id);
            v["cancelAmount"] = json!(c.amount);
            v["cancelDate"] = json!(kst(c.canceled_at));
        }
        FakeReply::json(200, v)
    }

    fn internal_error(&self) -> FakeReply {
        result(codes::RETRY, "일시적인 오류, 재시도 바랍니다")
    }
}
