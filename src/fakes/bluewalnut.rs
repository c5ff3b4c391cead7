//! Bluewalnut (블루월넛), server side: one CNSPay Lite style endpoint, `POST /dlp/cnspayLite.jsp`,
//! taking form bodies told apart by `actionType` (`PY0` approve, `CL0` cancel, `CI0` inquire),
//! each signed by `MID`, `EdiDate` and `EncryptData`; JSON answers with `ResultCode` and
//! `ResultMsg`, always HTTP 200 (404 for another path).
//!
//! From the wire notes: the payment window's `EncryptData = SHA256Salt(EdiDate+MID+Amt,
//! MerchantKey)`; the `/dlp/` paths match LG CNS's CNSPay Lite (`PY0` / `CL0` / `CI0`); cancel
//! fields `TID, CancelAmt, CancelMsg, PartialCancelCode, CheckRemainAmt, CancelNo`; `3001`
//! approved, `2001` cancelled, `2002` cancel in progress.
//!
//! Chosen where the notes are silent:
//! - the path `/dlp/cnspayLite.jsp` (`crate::pg::bluewalnut::PATH`) for every server call;
//! - `EncryptData` = hex SHA-256 of `EdiDate + MID + amount + MerchantKey` (the key appended as
//!   the salt), where the amount is the request's `Amt` on `PY0`, its `CancelAmt` on `CL0` (empty
//!   when a full cancel sends none) and empty on `CI0`; a wrong `MID` or an `EncryptData` that
//!   does not verify is refused with `9001` before anything else is read;
//! - `PY0` takes `TID` (the payment window's authentication result: `bluewalnut_<Moid>` in
//!   paydrill's stand-in for the customer), `Moid`, `Amt` (checked against the authorised
//!   amount) and an optional `GoodsName`;
//! - `CL0`: `PartialCancelCode` `1` cancels `CancelAmt` (required); `0` cancels all that is
//!   left, and a `CancelAmt` sent with it must be that whole balance. `CheckRemainAmt` is
//!   optional and, when sent, must be the balance BEFORE the cancel (like KCP's `rem_mny`);
//!   `CancelMsg` is required (it may be empty); `CancelNo` is the merchant's own reference,
//!   accepted and not checked; `Moid` is accepted and not checked;
//! - `CI0` reads by `TID`, or by `Moid` when no `TID` is sent; answers `0000`;
//! - every success answer carries the payment: `TID, Moid, PayMethod, Amt, CancelledAmt,
//!   RemainAmt, Status` (`ready | paid | partial_cancelled | cancelled | failed`), `AuthCode`,
//!   `AuthDate` (null until approved) and `Cancels` (`CancelNo` = 1-based order of the cancel on
//!   the payment, `CancelTID`, `CancelAmt`, `RemainAmt` after it, `CancelMsg`, `CancelDate`); a
//!   cancel answer adds the new cancel's `CancelTID, CancelAmt, CancelNo, CancelMsg,
//!   CancelDate`. Amounts are strings of digits, times `YYYYMMDDhhmmss` KST;
//! - the failure codes (`crate::pg::bluewalnut::codes`): `2003` cancel of an unapproved
//!   payment, `2010` an amount not above zero, `2011` `CheckRemainAmt` (or a full cancel's
//!   `CancelAmt`) mismatch, `2012` no such `TID` (also a `TID` authorised for another `Moid`),
//!   `2015` already cancelled, `2032` over the cancellable balance, `3012` `Amt` mismatch,
//!   `3013` duplicate `Moid`, `3014` already approved, `9001` bad `MID` / `EncryptData`, `9002`
//!   malformed request or unknown `actionType`, `9999` internal error. `2002` is never answered.
//! - no webhooks (the notes name none).

use super::ledger::{LedgerError, Settled};
use super::wire::{FakeReply, FakeRequest, WireCall, WireServer};
use crate::pg::bluewalnut::{codes, encrypt_data, kst_stamp, signed_amount_field, PATH};
use crate::pg::{Credentials, Krw, PgName, PgStatus};
use serde_json::{json, Value};
use std::collections::HashMap;

#[derive(Default)]
pub struct BluewalnutServer;

fn result(code: &str, message: &str) -> FakeReply {
    FakeReply::json(200, json!({ "ResultCode": code, "ResultMsg": message }))
}

fn status_word(s: PgStatus) -> &'static str {
    match s {
        PgStatus::Ready => "ready",
        PgStatus::Paid => "paid",
        PgStatus::PartialCanceled => "partial_cancelled",
        PgStatus::Canceled => "cancelled",
        PgStatus::Failed => "failed",
    }
}

fn ledger_error(e: &LedgerError) -> FakeReply {
    match e {
        LedgerError::KeyForAnotherOrder | LedgerError::InvalidToken => result(codes::NOT_FOUND, "해당 거래 없음"),
        LedgerError::NotFound => result(codes::NOT_FOUND, "해당 거래 없음"),
        LedgerError::DuplicateOrderId => result(codes::DUPLICATE_ORDER, "주문번호(Moid) 중복"),
        LedgerError::AlreadyApproved => result(codes::ALREADY_APPROVED, "이미 승인된 거래"),
        LedgerError::NotApproved => result(codes::NOT_CANCELABLE, "승인되지 않은 거래는 취소할 수 없음"),
        LedgerError::AmountMismatch { .. } => result(codes::AMOUNT_MISMATCH, "승인 금액(Amt) 불일치"),
        LedgerError::AlreadyCanceled => result(codes::ALREADY_CANCELED, "기취소 거래"),
        LedgerError::OverBalance { balance } => {
            result(codes::OVER_BALANCE, &format!("취소금액이 취소가능금액({balance})보다 큼"))
        }
        LedgerError::BalanceMismatch { balance } => {
            result(codes::BALANCE_MISMATCH, &format!("취소가능잔액({balance}) 불일치"))
        }
        LedgerError::InvalidAmount => result(codes::INVALID_AMOUNT, "금액 오류"),
    }
}

/// A form field as sent, or empty.
fn text<'a>(form: &'a HashMap<String, String>, key: &str) -> &'a str {
    form.get(key).map(String::as_str).unwrap_or("")
}

/// A field that must be present and not empty.
fn need(form: &HashMap<String, String>, key: &str) -> Result<String, FakeReply> {
    match text(form, key).trim() {
        "" => Err(result(codes::INVALID_REQUEST, &format!("{key} 누락"))),
        value => Ok(value.to_string()),
    }
}

/// An amount field: `None` when absent or empty, a refusal when it is not a whole number.
fn amount(form: &HashMap<String, String>, key: &str) -> Result<Option<Krw>, FakeReply> {
    match text(form, key).trim() {
        "" => Ok(None),
        value => value.parse().map(Some).map_err(|_| result(codes::INVALID_REQUEST, &format!("{key} 금액 형식 오류"))),
    }
}

fn payment_json(s: &Settled, code: &str, message: &str) -> Value {
    let p = &s.payment;
    json!({
        "ResultCode": code,
        "ResultMsg": message,
        "TID": p.pg_payment_id,
        "Moid": p.merchant_order_id,
        "PayMethod": "CARD",
        "Amt": p.total.to_string(),
        "CancelledAmt": p.cancelled.to_string(),
        "RemainAmt": p.balance.to_string(),
        "Status": status_word(p.status),
        "AuthCode": p.approval_id,
        "AuthDate": p.approved_at.map(kst_stamp),
        "Cancels": p.cancels.iter().enumerate().map(|(i, c)| json!({
            "CancelNo": (i + 1).to_string(),
            "CancelTID": c.cancel_id,
            "CancelAmt": c.amount.to_string(),
            "RemainAmt": c.balance_after.to_string(),
            "CancelMsg": c.reason,
            "CancelDate": kst_stamp(c.canceled_at),
        })).collect::<Vec<_>>(),
    })
}

impl WireServer for BluewalnutServer {
    fn pg(&self) -> PgName {
        PgName::Bluewalnut
    }

    fn parse(&self, req: &FakeRequest, creds: &Credentials) -> Result<WireCall, FakeReply> {
        if req.method != "POST" || req.path != PATH {
            return Err(FakeReply::json(
                404,
                json!({ "ResultCode": codes::INVALID_REQUEST, "ResultMsg": "존재하지 않는 API" }),
            ));
        }
        let form = req.form().ok_or_else(|| result(codes::INVALID_REQUEST, "form 요청만 허용됩니다"))?;
        let action = text(&form, "actionType");
        if text(&form, "MID") != creds.merchant_id {
            return Err(result(codes::UNAUTHORIZED, "상점 ID(MID) 오류"));
        }
        let amt = signed_amount_field(action).map(|name| text(&form, name)).unwrap_or("");
        let expected = encrypt_data(text(&form, "EdiDate"), &creds.merchant_id, amt, &creds.secret);
        if text(&form, "EncryptData") != expected {
            return Err(result(codes::UNAUTHORIZED, "EncryptData 위변조 검증 실패"));
        }
        need(&form, "EdiDate")?;
        match action {
            "PY0" => Ok(WireCall::Approve {
                pg_payment_id: need(&form, "TID")?,
                merchant_order_id: Some(need(&form, "Moid")?),
                amount: Some(amount(&form, "Amt")?.ok_or_else(|| result(codes::INVALID_REQUEST, "Amt 누락"))?),
                token: None,
            }),
            "CL0" => {
                let pg_payment_id = need(&form, "TID")?;
                let cancel_amt = amount(&form, "CancelAmt")?;
                let check = amount(&form, "CheckRemainAmt")?;
                let (cancel, expected_balance) = match text(&form, "PartialCancelCode").trim() {
                    "1" => {
                        let amt =
                            cancel_amt.ok_or_else(|| result(codes::INVALID_REQUEST, "부분취소는 CancelAmt 필수"))?;
                        (Some(amt), check)
                    }
                    "0" => match (cancel_amt, check) {
                        (Some(a), Some(c)) if a != c => {
                            return Err(result(
                                codes::INVALID_REQUEST,
                                "전체취소의 CancelAmt 와 CheckRemainAmt 가 다릅니다",
                            ))
                        }
                        // A full cancel's amount is the whole balance: it asserts it.
                        (a, c) => (None, c.or(a)),
                    },
                    other => return Err(result(codes::INVALID_REQUEST, &format!("PartialCancelCode {other} 오류"))),
                };
                if !form.contains_key("CancelMsg") {
                    return Err(result(codes::INVALID_REQUEST, "CancelMsg 누락"));
                }
                let reason = text(&form, "CancelMsg").to_string();
                Ok(WireCall::Cancel { pg_payment_id, amount: cancel, expected_balance, reason })
            }
            "CI0" => {
                let tid = need(&form, "TID").ok();
                let moid = need(&form, "Moid").ok();
                if tid.is_none() && moid.is_none() {
                    return Err(result(codes::INVALID_REQUEST, "TID 또는 Moid 필수"));
                }
                Ok(WireCall::Inquire { pg_payment_id: tid, merchant_order_id: moid })
            }
            other => Err(result(codes::INVALID_REQUEST, &format!("actionType {other} 오류"))),
        }
    }

    fn render(&self, call: &WireCall, outcome: &Result<Settled, LedgerError>) -> FakeReply {
        let s = match outcome {
            Ok(s) => s,
            Err(e) => return ledger_error(e),
        };
        let (code, message) = match call {
            WireCall::Ready { .. } | WireCall::Approve { .. } => (codes::APPROVE_OK, "카드 결제 성공"),
            WireCall::Cancel { .. } => (codes::CANCEL_OK, "취소 성공"),
            WireCall::Inquire { .. } => (codes::INQUIRY_OK, "조회 성공"),
        };
        let mut v = payment_json(s, code, message);
        if let (WireCall::Cancel { .. }, Some(c)) = (call, &s.cancel) {
            let cancels = &s.payment.cancels;
            let no = cancels.iter().position(|x| x.cancel_id == c.cancel_id).map_or(cancels.len(), |i| i + 1);
            v["CancelTID"] = json!(c.cancel_id);
            v["CancelAmt"] = json!(c.amount.to_string());
            v["CancelNo"] = json!(no.to_string());
            v["CancelMsg"] = json!(c.reason);
            v["CancelDate"] = json!(kst_stamp(c.canceled_at));
        }
        FakeReply::json(200, v)
    }

    fn internal_error(&self) -> FakeReply {
        result(codes::INTERNAL, "시스템 오류")
    }
}
