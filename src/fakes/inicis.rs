//! KG Inicis (INIAPI v1), server side: form requests only, JSON answers with `resultCode`
//! (`00` ok) and `resultMsg`, always HTTP 200.
//!
//! From the wire notes: refund `POST /api/v1/refund` with `type=Refund|PartialRefund`,
//! `paymethod, timestamp, clientIp, mid, tid, msg, price, confirmPrice, hashData`, where
//! `confirmPrice` is what is left AFTER the partial refund (the fake hands the ledger
//! `price + confirmPrice` as the balance before, so a stale `confirmPrice` is refused);
//! `hashData` = hex SHA-512 of the hash key followed by the type's fields (Refund: `type,
//! paymethod, timestamp, clientIp, mid, tid`; PartialRefund adds `price, confirmPrice`). A
//! partial answer carries `cancelDate, cancelTime`, the new `tid` (the ledger's cancel id),
//! `prtcTid` (the original), `prtcPrice, prtcRemains, prtcCnt`.
//!
//! Chosen where the notes are silent:
//! - approve `POST /api/v1/approve` (`type=Approve`, `tid` = the widget's authentication id,
//!   `moid` = merchant order id, `price`; hashed as `type, paymethod, timestamp, clientIp, mid,
//!   tid, moid, price`) and inquiry `POST /api/v1/inquiry` (`type=Inquiry`, `tid`; hashed as
//!   `type, timestamp, clientIp, mid, tid`), both answering `tid, moid, price, remainPrice,
//!   status (ready|paid|partial|cancelled|failed), applNum, applDate, applTime`;
//! - a full refund's answer also carries the cancel's own `tid`, `cancelPrice` and
//!   `prtcRemains` (0), so every cancel has an id and a balance;
//! - the failure codes (`crate::pg::inicis::codes`): `500` hash mismatch or wrong `mid` (how a
//!   wrong key shows), `400` malformed request, `410` no such transaction, `420` already
//!   refunded, `430` over the refundable balance, `440` `confirmPrice` mismatch, `450`
//!   duplicate `moid`, `460` approve amount mismatch, `470` already approved, `480` refund of a
//!   never-approved payment, `999` internal error.

use super::ledger::{LedgerError, Settled};
use super::wire::{kst, FakeReply, FakeRequest, WireCall, WireServer};
use crate::pg::inicis::{codes, hash};
use crate::pg::{Credentials, Krw, PgName, PgStatus};
use serde_json::{json, Value};

#[derive(Default)]
pub struct InicisServer;

fn result(code: &str, message: &str) -> FakeReply {
    FakeReply::json(200, json!({ "resultCode": code, "resultMsg": message }))
}

fn status_word(s: PgStatus) -> &'static str {
    match s {
        PgStatus::Ready => "ready",
        PgStatus::Paid => "paid",
        PgStatus::PartialCanceled => "partial",
        PgStatus::Canceled => "cancelled",
        PgStatus::Failed => "failed",
    }
}

fn ledger_error(e: &LedgerError) -> FakeReply {
    match e {
        LedgerError::KeyForAnotherOrder | LedgerError::InvalidToken => result(codes::NOT_FOUND, "거래 정보가 없습니다"),
        LedgerError::NotFound => result(codes::NOT_FOUND, "거래 정보가 없습니다"),
        LedgerError::DuplicateOrderId => result(codes::DUPLICATE_ORDER, "주문번호(moid) 중복"),
        LedgerError::AlreadyApproved => result(codes::ALREADY_APPROVED, "이미 승인된 거래"),
        LedgerError::NotApproved => result(codes::NOT_CANCELABLE, "승인되지 않은 거래는 취소할 수 없습니다"),
        LedgerError::AmountMismatch { .. } => result(codes::AMOUNT_MISMATCH, "승인 금액 불일치"),
        LedgerError::AlreadyCanceled => result(codes::ALREADY_CANCELED, "기취소 거래"),
        LedgerError::OverBalance { .. } => result(codes::OVER_BALANCE, "취소 가능 금액 초과"),
        LedgerError::BalanceMismatch { .. } => result(codes::CONFIRM_MISMATCH, "재승인 금액(confirmPrice) 불일치"),
        LedgerError::InvalidAmount => result(codes::INVALID_REQUEST, "금액 오류"),
    }
}

fn payment_json(s: &Settled) -> Value {
    let p = &s.payment;
    let now = p.approved_at.map(kst).unwrap_or_default();
    json!({
        "resultCode": codes::OK,
        "resultMsg": "정상처리",
        "tid": p.pg_payment_id,
        "moid": p.merchant_order_id,
        "price": p.total,
        "remainPrice": p.balance,
        "status": status_word(p.status),
        "applNum": p.approval_id,
        "applDate": now.get(..10).unwrap_or("").replace('-', ""),
        "applTime": now.get(11..19).unwrap_or("").replace(':', ""),
    })
}

fn number(form: &std::collections::HashMap<String, String>, key: &str) -> Option<Krw> {
    form.get(key).and_then(|v| v.trim().parse().ok())
}

impl WireServer for InicisServer {
    fn pg(&self) -> PgName {
        PgName::Inicis
    }

    fn parse(&self, req: &FakeRequest, creds: &Credentials) -> Result<WireCall, FakeReply> {
        let form = req.form().ok_or_else(|| result(codes::INVALID_REQUEST, "form 요청만 허용됩니다"))?;
        if form.get("mid") != Some(&creds.merchant_id) {
            return Err(result(codes::HASH_MISMATCH, "상점아이디(mid) 오류"));
        }
        let fields: Vec<(String, String)> = form.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        if form.get("hashData").map(String::as_str) != Some(hash(&creds.secret, &fields).as_str()) {
            return Err(result(codes::HASH_MISMATCH, "hashData 검증 실패"));
        }
        let need =
            |key: &str| form.get(key).cloned().ok_or_else(|| result(codes::INVALID_REQUEST, &format!("{key} 누락")));
        let kind = need("type")?;
        match (req.method.as_str(), req.path.as_str(), kind.as_str()) {
            ("POST", "/api/v1/approve", "Approve") => Ok(WireCall::Approve {
                pg_payment_id: need("tid")?,
                merchant_order_id: Some(need("moid")?),
                amount: Some(number(&form, "price").ok_or_else(|| result(codes::INVALID_REQUEST, "price 오류"))?),
                token: None,
            }),
            ("POST", "/api/v1/refund", "Refund") => Ok(WireCall::Cancel {
                pg_payment_id: need("tid")?,
                amount: None,
                expected_balance: None,
                reason: need("msg")?,
            }),
            ("POST", "/api/v1/refund", "PartialRefund") => {
                let price = number(&form, "price").ok_or_else(|| result(codes::INVALID_REQUEST, "price 오류"))?;
                let confirm =
                    number(&form, "confirmPrice").ok_or_else(|| result(codes::INVALID_REQUEST, "confirmPrice 오류"))?;
                Ok(WireCall::Cancel {
                    pg_payment_id: need("tid")?,
                    amount: Some(price),
                    // confirmPrice is what is left after this cancel: the balance before is their sum.
                    expected_balance: Some(confirm + price),
                    reason: need("msg")?,
                })
            }
            ("POST", "/api/v1/inquiry", "Inquiry") => {
                Ok(WireCall::Inquire { pg_payment_id: Some(need("tid")?), merchant_order_id: None })
            }
            _ => Err(result(codes::INVALID_REQUEST, &format!("지원하지 않는 요청 ({kind})"))),
        }
    }

    fn render(&self, call: &WireCall, outcome: &Result<Settled, LedgerError>) -> FakeReply {
        let s = match outcome {
            Ok(s) => s,
            Err(e) => return ledger_error(e),
        };
        let p = &s.payment;
        match (call, &s.cancel) {
            (WireCall::Cancel { amount, .. }, Some(c)) => {
                let when = kst(c.canceled_at);
                let mut v = json!({
                    "resultCode": codes::OK,
                    "resultMsg": "정상처리",
                    "cancelDate": when.get(..10).unwrap_or("").replace('-', ""),
                    "cancelTime": when.get(11..19).unwrap_or("").replace(':', ""),
                    "tid": c.cancel_id,
                    "prtcRemains": p.balance,
                });
                if amount.is_some() {
                    v["prtcTid"] = json!(p.pg_payment_id);
                    v["prtcPrice"] = json!(c.amount);
                    v["prtcCnt"] = json!(p.cancels.len());
                } else {
                    v["cancelPrice"] = json!(c.amount);
                }
                FakeReply::json(200, v)
            }
            _ => FakeReply::json(200, payment_json(s)),
        }
    }

    fn internal_error(&self) -> FakeReply {
        result(codes::INTERNAL, "시스템 오류")
    }
}
