//! NICEPAY's legacy web-standard API ("NiceEPay"), server side: form bodies, JSON answers
//! (`EdiType=JSON`) with `ResultCode`/`ResultMsg`, always HTTP 200 (404 for an unknown path),
//! amounts as 12-digit zero-padded strings. No auth header: each request's `SignData` is checked
//! against the merchant key, and every success answer carries a `Signature`.
//!
//! From the wire notes: approve `POST /webapi/pay_process.jsp` (`TID, AuthToken, MID, Amt,
//! EdiDate, SignData, CharSet, EdiType`; `SignData` = sha256(`AuthToken+MID+Amt+EdiDate+Key`)),
//! answering `3001` for a card; cancel `POST /webapi/cancel_process.jsp` (`TID, MID, Moid, CancelAmt,
//! CancelMsg, PartialCancelCode, EdiDate, SignData`; sha256(`MID+CancelAmt+EdiDate+Key`)),
//! answering `2001` with `ErrorCD, ErrorMsg, CancelAmt, CancelDate, CancelTime, CancelNum,
//! RemainAmt`; inquiry `POST /webapi/inquery/trans_status.jsp` (`Status` 0 / 1 / 9); answer
//! `Signature` = sha256(`TID+MID+Amt+Key`); `2013` already cancelled, `1682` already approved.
//!
//! Chosen where the notes are silent:
//! - The codes beyond those (`crate::pg::niceepay::codes`) are NICEPAY's published ones where one
//!   fits: `A101` SignData mismatch (how a wrong key shows), `A114` another `MID`, `A210` an
//!   approve of a `TID` no customer got (or an `AuthToken` that is not its `TID`), `A243` a
//!   `Moid` other than the order the `TID` was authorised for, `A123` amount mismatch, `A127`
//!   duplicate order, `A116` / `2010` an amount not above zero, `2011` a full cancel whose
//!   `CancelAmt` is not the balance, `2012` cancel of an unknown `TID`, `2014` cancel of an
//!   unapproved payment, `2032` over the balance, `2156` a cancel `Moid` used before, `A118`
//!   inquiry of an unknown `TID`, `9000` a missing field, `A102` a `PartialCancelCode` other
//!   than 0/1, `A106` an `EdiDate` that is not `YYYYMMDDhhmmss`, `A112` an unknown path (HTTP
//!   404), `2000` the internal error.
//! - paydrill's customer step issues one key (`niceepay_<order>`, the default): it is both the
//!   `TID` and the `AuthToken`. `Moid` (the merchant order id) travels with the approval and,
//!   when sent, must be the `TID`'s order. Only card payments: approvals answer `3001` with
//!   `PayMethod` CARD and fixed card fields; `EdiType` is not read (answers are always JSON).
//! - `PartialCancelCode` 1 requires `CancelAmt`; 0 cancels what is left, and a `CancelAmt` sent
//!   with it must be that balance (`2011` otherwise). Every cancel's `Moid` must be new.
//! - The inquiry's `SignData` is sha256(`TID+MID+EdiDate+Key`); its answer (`ResultCode`
//!   `0000`) carries `TID, MID, Moid, Amt, Status` (`0` approved, partly cancelled or not; `1`
//!   fully cancelled; `9` authorised but never approved), `CancelAmt` (all cancelled so far),
//!   `RemainAmt` (the balance), `CancelCnt, PayMethod, AuthCode, AuthDate, Signature`.
//! - `AuthCode` is the ledger's approval id and `CancelNum` each cancel's id; `AuthDate` is
//!   `YYMMDDhhmmss`, `CancelDate` `YYYYMMDD`, `CancelTime` `hhmmss`, all KST. A cancel answer's
//!   `Signature` signs its `CancelAmt`; `StateCD` is `1` (cancelled before acquisition: the fake
//!   never acquires). `ErrorCD`/`ErrorMsg` are empty on success and repeat the code when the
//!   ledger or the `Moid` check refuses a cancel.

use super::ledger::{LedgerError, Settled};
use super::wire::{FakeReply, FakeRequest, WireCall, WireServer, REPLAY_WINDOW};
use crate::pg::niceepay::{
    amt, answer_signature, approve_sign, cancel_sign, codes, edi_date_of, inquiry_sign, APPROVE_PATH, CANCEL_PATH,
    INQUIRY_PATH,
};
use crate::pg::{Credentials, Krw, PgName, PgStatus};
use serde_json::json;
use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Mutex, OnceLock};

#[derive(Default)]
pub struct NiceepayServer {
    /// The fake's keys, kept from the first request it parses: answers are signed with them.
    creds: OnceLock<Credentials>,
    /// `Moid`s already used by cancels (the newest [`REPLAY_WINDOW`]).
    cancel_moids: Mutex<(HashSet<String>, VecDeque<String>)>,
}

impl NiceepayServer {
    /// Records a cancel `Moid`; false if it was used before.
    fn first_use(&self, moid: String) -> bool {
        let mut guard = crate::locks::lock(&self.cancel_moids);
        let (seen, age) = &mut *guard;
        if !seen.insert(moid.clone()) {
            return false;
        }
        age.push_back(moid);
        while age.len() > REPLAY_WINDOW {
            if let Some(old) = age.pop_front() {
                seen.remove(&old);
            }
        }
        true
    }

    /// `MID` and merchant key for signing answers.
    fn keys(&self) -> (&str, &str) {
        match self.creds.get() {
            Some(c) => (c.merchant_id.as_str(), c.secret.as_str()),
            None => ("", ""),
        }
    }
}

fn result(code: &str, message: &str) -> FakeReply {
    FakeReply::json(200, json!({ "ResultCode": code, "ResultMsg": message }))
}

/// A refusal: a cancel's also carries the detail `ErrorCD`/`ErrorMsg`.
fn refusal(cancel: bool, code: &str, message: &str) -> FakeReply {
    let mut v = json!({ "ResultCode": code, "ResultMsg": message });
    if cancel {
        v["ErrorCD"] = json!(code);
        v["ErrorMsg"] = json!(message);
    }
    FakeReply::json(200, v)
}

fn ledger_error(call: &WireCall, e: &LedgerError) -> FakeReply {
    let (code, message) = match e {
        LedgerError::NotFound => match call {
            WireCall::Cancel { .. } => (codes::CANCEL_NOT_FOUND, "취소 해당거래 없음"),
            WireCall::Inquire { .. } => (codes::INQUIRY_NOT_FOUND, "조회 결과데이터 없음"),
            _ => (codes::NO_AUTH_REQUEST, "인증 요청내역이 존재하지 않습니다"),
        },
        LedgerError::InvalidToken => (codes::NO_AUTH_REQUEST, "인증 요청내역이 존재하지 않습니다"),
        LedgerError::KeyForAnotherOrder => (codes::ORDER_MISMATCH, "주문정보가 존재하지 않습니다"),
        LedgerError::DuplicateOrderId => (codes::DUPLICATE_ORDER, "주문번호 중복 오류"),
        LedgerError::AlreadyApproved => (codes::ALREADY_APPROVED, "이미 승인된 거래입니다"),
        LedgerError::NotApproved => (codes::NOT_CANCELABLE, "취소 불가능 거래"),
        LedgerError::AmountMismatch { .. } => {
            (codes::AMOUNT_MISMATCH, "거래금액 불일치(인증된 금액과 승인요청 금액 불일치)")
        }
        LedgerError::AlreadyCanceled => (codes::ALREADY_CANCELED, "취소 완료 거래"),
        LedgerError::OverBalance { .. } => (codes::OVER_BALANCE, "취소금액이 취소가능금액보다 큼"),
        LedgerError::BalanceMismatch { .. } => (codes::CANCEL_AMOUNT_MISMATCH, "취소 금액 불일치"),
        LedgerError::InvalidAmount => match call {
            WireCall::Cancel { .. } => (codes::CANCEL_AMOUNT_ZERO, "취소 요청금액 0원 이하"),
            _ => (codes::BAD_AMOUNT, "요청 금액이 올바르지 않습니다"),
        },
    };
    refusal(matches!(call, WireCall::Cancel { .. }), code, message)
}

/// `YYYYMMDDhhmmss` in KST, or empty.
fn digits(t: Option<time::OffsetDateTime>) -> String {
    t.map(edi_date_of).unwrap_or_default()
}

/// An `Amt`-like field: digits only (zero-padded), as won.
fn amount_of(text: &str) -> Option<Krw> {
    let text = text.trim();
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// Which request a path is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Op {
    Approve,
    Cancel,
    Inquiry,
}

impl WireServer for NiceepayServer {
    fn pg(&self) -> PgName {
        PgName::Niceepay
    }

    fn parse(&self, req: &FakeRequest, creds: &Credentials) -> Result<WireCall, FakeReply> {
        let _ = self.creds.get_or_init(|| creds.clone());
        let op = match (req.method.as_str(), req.path.as_str()) {
            ("POST", APPROVE_PATH) => Op::Approve,
            ("POST", CANCEL_PATH) => Op::Cancel,
            ("POST", INQUIRY_PATH) => Op::Inquiry,
            _ => {
                return Err(FakeReply::json(
                    404,
                    json!({ "ResultCode": codes::BAD_PATH, "ResultMsg": "비정상적인 경로로 접속되었습니다" }),
                ))
            }
        };
        let form: HashMap<String, String> =
            req.form().ok_or_else(|| result(codes::MISSING_FIELD, "요청 본문이 form 형식이 아닙니다"))?;
        let need = |key: &str| {
            form.get(key)
                .filter(|v| !v.is_empty())
                .cloned()
                .ok_or_else(|| result(codes::MISSING_FIELD, &format!("{key} 필드값이 누락되었습니다")))
        };
        let mid = need("MID")?;
        if mid != creds.merchant_id {
            return Err(result(codes::INVALID_MID, "상점 MID가 유효하지 않습니다"));
        }
        let edi = need("EdiDate")?;
        if edi.len() != 14 || !edi.bytes().all(|b| b.is_ascii_digit()) {
            return Err(result(codes::BAD_DATE, "날짜 형식이 올바르지 않습니다"));
        }
        let sign = need("SignData")?;
        let tid = need("TID")?;
        let sign_mismatch = || result(codes::SIGN_MISMATCH, "SIGN DATA 검증에 실패하였습니다");
        match op {
            Op::Approve => {
                let token = need("AuthToken")?;
                let amount_text = need("Amt")?;
                if sign != approve_sign(&token, &mid, &amount_text, &edi, &creds.secret) {
                    return Err(sign_mismatch());
                }
                let amount = amount_of(&amount_text)
                    .ok_or_else(|| result(codes::BAD_AMOUNT, "요청 금액이 올바르지 않습니다"))?;
                if token != tid {
                    return Err(result(codes::NO_AUTH_REQUEST, "인증 요청내역이 존재하지 않습니다"));
                }
                Ok(WireCall::Approve {
                    pg_payment_id: tid,
                    merchant_order_id: form.get("Moid").filter(|m| !m.is_empty()).cloned(),
                    amount: Some(amount),
                    token: None,
                })
            }
            Op::Cancel => {
                let cancel_text = form.get("CancelAmt").cloned().unwrap_or_default();
                if sign != cancel_sign(&mid, &cancel_text, &edi, &creds.secret) {
                    return Err(sign_mismatch());
                }
                let moid = need("Moid")?;
                let reason = need("CancelMsg")?;
                let cancel_amt = if cancel_text.is_empty() {
                    None
                } else {
                    Some(amount_of(&cancel_text).ok_or_else(|| result(codes::BAD_AMOUNT, "취소금액 형식 오류"))?)
                };
                let (amount, expected_balance) = match need("PartialCancelCode")?.as_str() {
                    "1" => {
                        let amount = cancel_amt
                            .ok_or_else(|| result(codes::MISSING_FIELD, "CancelAmt 필드값이 누락되었습니다"))?;
                        (Some(amount), None)
                    }
                    // A full cancel takes what is left; a CancelAmt sent with it must be that.
                    "0" => (None, cancel_amt),
                    other => {
                        return Err(result(
                            codes::BAD_TYPE,
                            &format!("PartialCancelCode({other}) 은(는) 알 수 없는 TYPE 입니다"),
                        ))
                    }
                };
                if !self.first_use(moid) {
                    return Err(refusal(true, codes::DUPLICATE_CANCEL, "중복등록된거래요청"));
                }
                Ok(WireCall::Cancel { pg_payment_id: tid, amount, expected_balance, reason })
            }
            Op::Inquiry => {
                if sign != inquiry_sign(&tid, &mid, &edi, &creds.secret) {
                    return Err(sign_mismatch());
                }
                Ok(WireCall::Inquire { pg_payment_id: Some(tid), merchant_order_id: None })
            }
        }
    }

    fn render(&self, call: &WireCall, outcome: &Result<Settled, LedgerError>) -> FakeReply {
        let s = match outcome {
            Ok(s) => s,
            Err(e) => return ledger_error(call, e),
        };
        let p = &s.payment;
        let (mid, key) = self.keys();
        let total = amt(p.total);
        let auth_date = digits(p.approved_at);
        let auth_date = auth_date.get(2..).unwrap_or("");
        match (call, &s.cancel) {
            (WireCall::Cancel { .. }, Some(c)) => {
                let cancel_amt = amt(c.amount);
                let when = digits(Some(c.canceled_at));
                FakeReply::json(
                    200,
                    json!({
                        "ResultCode": codes::CANCEL_OK,
                        "ResultMsg": "취소 성공",
                        "ErrorCD": "",
                        "ErrorMsg": "",
                        "TID": p.pg_payment_id,
                        "MID": mid,
                        "PayMethod": "CARD",
                        "CancelAmt": cancel_amt,
                        "CancelDate": when.get(..8).unwrap_or(""),
                        "CancelTime": when.get(8..).unwrap_or(""),
                        "CancelNum": c.cancel_id,
                        "RemainAmt": amt(p.balance),
                        "StateCD": "1",
                        "CcPartCl": "1",
                        "Signature": answer_signature(&p.pg_payment_id, mid, &cancel_amt, key),
                        "MallReserved": "",
                    }),
                )
            }
            (WireCall::Approve { .. }, _) => FakeReply::json(
                200,
                json!({
                    "ResultCode": codes::CARD_OK,
                    "ResultMsg": "카드 결제 성공",
                    "TID": p.pg_payment_id,
                    "MID": mid,
                    "Moid": p.merchant_order_id,
                    "Amt": total,
                    "AuthCode": p.approval_id.clone().unwrap_or_default(),
                    "AuthDate": auth_date,
                    "PayMethod": "CARD",
                    "GoodsName": "paydrill order",
                    "BuyerName": "paydrill",
                    "BuyerEmail": "",
                    "BuyerTel": "",
                    "CardCode": "04",
                    "CardName": "삼성",
                    "CardNo": "53692001****1234",
                    "CardQuota": "00",
                    "CardInterest": "0",
                    "AcquCardCode": "04",
                    "AcquCardName": "삼성",
                    "CardCl": "0",
                    "CcPartCl": "1",
                    "CouponAmt": amt(0),
                    "ClickpayCl": "",
                    "MallReserved": "",
                    "Signature": answer_signature(&p.pg_payment_id, mid, &total, key),
                }),
            ),
            _ => {
                let status = match p.status {
                    PgStatus::Paid | PgStatus::PartialCanceled => "0",
                    PgStatus::Canceled => "1",
                    PgStatus::Ready | PgStatus::Failed => "9",
                };
                FakeReply::json(
                    200,
                    json!({
                        "ResultCode": codes::INQUIRY_OK,
                        "ResultMsg": "조회 성공",
                        "TID": p.pg_payment_id,
                        "MID": mid,
                        "Moid": p.merchant_order_id,
                        "Amt": total,
                        "Status": status,
                        "CancelAmt": amt(p.cancelled),
                        "RemainAmt": amt(p.balance),
                        "CancelCnt": p.cancels.len().to_string(),
                        "PayMethod": "CARD",
                        "AuthCode": p.approval_id.clone().unwrap_or_default(),
                        "AuthDate": auth_date,
                        "Signature": answer_signature(&p.pg_payment_id, mid, &total, key),
                    }),
                )
            }
        }
    }

    fn internal_error(&self) -> FakeReply {
        result(codes::DB_ERROR, "DB오류")
    }
}
