//! KICC EasyPay, server side: JSON, `resCd`/`resMsg`. Approve `POST /api/v2/trades/approval`,
//! cancel `POST /api/trades/revise` (`reviseTypeCode` 40 full, 32 partial; `remainAmount` is
//! the balance before and must match), status `POST /api/trades/retrieveTransaction`. Chosen
//! where the notes are silent: every request is authenticated by `mallId` and `msgAuthValue`
//! (SHA-256 of secret|mallId|shopTransactionId), refused with `R101`; `amount` on approval;
//! `statusCode` TS01/TS02/TS03; the failure codes in `crate::pg::easypay::codes`; the internal
//! error answers `VT00` (retry). The
//! `pgCno` is the widget's `authorizationId` in paydrill's stand-in for the customer's
//! authentication.

use super::{krw_field, kst, text_field, FakeReply, FakeRequest, LedgerError, Settled, WireCall, WireServer};
use crate::pg::easypay::{auth_value, codes};
use crate::pg::{Credentials, PgName, PgStatus};
use serde_json::{json, Value};

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
        LedgerError::NotFound => result(codes::NOT_FOUND, "거래 없음"),
        LedgerError::DuplicateOrderId => result(codes::DUPLICATE_ORDER, "주문번호 중복"),
        LedgerError::AlreadyApproved | LedgerError::NotApproved => result(codes::ALREADY_APPROVED, "기승인 거래"),
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
