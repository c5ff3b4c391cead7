//! NICEPAY's legacy web-standard API ("NiceEPay"), client side: forms (`EdiType=JSON`), JSON
//! answers with `ResultCode`, 12-digit zero-padded amounts, no auth header but a `SignData` (hex
//! SHA-256 ending in the merchant key) in every request. Approve `POST /webapi/pay_process.jsp`,
//! cancel `POST /webapi/cancel_process.jsp`, inquire `POST /webapi/inquery/trans_status.jsp`.

use super::canonical::{
    ApproveRequest, CancelRequest, Krw, PaymentRef, PgCancel, PgError, PgPayment, PgStatus, Rejection,
};
use super::codec::WireCodec;
use super::credentials::Credentials;
use super::http::{HttpCall, HttpReply};
use super::json;
use super::name::PgName;
use serde_json::Value;

const PG: PgName = PgName::Niceepay;

/// Approval: in production the `NextAppURL` the authentication answer names; served here.
pub const APPROVE_PATH: &str = "/webapi/pay_process.jsp";
pub const CANCEL_PATH: &str = "/webapi/cancel_process.jsp";
pub const INQUIRY_PATH: &str = "/webapi/inquery/trans_status.jsp";

#[derive(Default)]
pub struct NiceepayCodec;

/// `ResultCode`s, from NICEPAY's published code table where it has one (the meaning quoted);
/// "chosen" marks paydrill's pick where the table has nothing closer.
pub mod codes {
    /// 카드 결제 성공.
    pub const CARD_OK: &str = "3001";
    /// 계좌이체 결제 성공.
    pub const BANK_OK: &str = "4000";
    /// 취소 성공.
    pub const CANCEL_OK: &str = "2001";
    /// 환불 성공 (an account-transfer cancel; success like 2001).
    pub const REFUND_OK: &str = "2211";
    /// 결제성공 / a successful read: chosen for the inquiry answer.
    pub const INQUIRY_OK: &str = "0000";
    /// SIGN DATA 검증에 실패하였습니다 (a wrong merchant key shows as this).
    pub const SIGN_MISMATCH: &str = "A101";
    /// 알 수 없는 TYPE (an unknown `PartialCancelCode`).
    pub const BAD_TYPE: &str = "A102";
    /// 날짜 형식이 올바르지 않습니다 (`EdiDate` not `YYYYMMDDhhmmss`).
    pub const BAD_DATE: &str = "A106";
    /// 비정상적인 경로로 접속되었습니다 (an unknown path).
    pub const BAD_PATH: &str = "A112";
    /// 상점 MID가 유효하지 않습니다 (another merchant's `MID`).
    pub const INVALID_MID: &str = "A114";
    /// 요청 금액이 올바르지 않습니다 (`Amt` not a positive whole amount).
    pub const BAD_AMOUNT: &str = "A116";
    /// 조회 결과데이터 없음 (an inquiry of an unknown `TID`).
    pub const INQUIRY_NOT_FOUND: &str = "A118";
    /// 거래금액 불일치(인증된 금액과 승인요청 금액 불일치).
    pub const AMOUNT_MISMATCH: &str = "A123";
    /// 주문번호 중복 오류.
    pub const DUPLICATE_ORDER: &str = "A127";
    /// 인증 요청내역이 존재하지 않습니다 (an approve of a `TID`/`AuthToken` no customer got).
    pub const NO_AUTH_REQUEST: &str = "A210";
    /// 주문정보가 존재하지 않습니다 (chosen: the `Moid` is not the order the `TID` was authorised for).
    pub const ORDER_MISMATCH: &str = "A243";
    /// Already approved.
    pub const ALREADY_APPROVED: &str = "1682";
    /// 기승인존재 (read as already approved too).
    pub const APPROVAL_EXISTS: &str = "2201";
    /// 취소 요청금액 0원 이하.
    pub const CANCEL_AMOUNT_ZERO: &str = "2010";
    /// 취소 금액 불일치 (a full cancel's `CancelAmt` is not the remaining balance).
    pub const CANCEL_AMOUNT_MISMATCH: &str = "2011";
    /// 취소 해당거래 없음.
    pub const CANCEL_NOT_FOUND: &str = "2012";
    /// 취소 완료 거래 (already cancelled).
    pub const ALREADY_CANCELED: &str = "2013";
    /// 취소 불가능 거래 (a cancel of a payment never approved).
    pub const NOT_CANCELABLE: &str = "2014";
    /// 기 취소 요청 (already cancelled).
    pub const CANCEL_REQUESTED: &str = "2015";
    /// 취소금액이 취소가능금액보다 큼.
    pub const OVER_BALANCE: &str = "2032";
    /// 중복등록된거래요청 (chosen: a cancel `Moid` used before).
    pub const DUPLICATE_CANCEL: &str = "2156";
    /// 필드값이 누락되었습니다 (a required field missing, or a body that is not a form).
    pub const MISSING_FIELD: &str = "9000";
    /// DB오류: NICEPAY failed internally; nothing happened and a retry may work.
    pub const DB_ERROR: &str = "2000";
    /// Try-Catch-Exception (read as an internal failure too).
    pub const EXCEPTION: &str = "9002";
}

fn rejection(code: &str) -> Option<Rejection> {
    Some(match code {
        codes::SIGN_MISMATCH | codes::INVALID_MID => Rejection::Unauthorized,
        codes::NO_AUTH_REQUEST | codes::ORDER_MISMATCH | codes::CANCEL_NOT_FOUND | codes::INQUIRY_NOT_FOUND => {
            Rejection::NotFound
        }
        codes::AMOUNT_MISMATCH => Rejection::AmountMismatch,
        codes::DUPLICATE_ORDER => Rejection::DuplicateOrderId,
        codes::ALREADY_APPROVED | codes::APPROVAL_EXISTS => Rejection::AlreadyApproved,
        codes::ALREADY_CANCELED | codes::CANCEL_REQUESTED => Rejection::AlreadyCanceled,
        codes::OVER_BALANCE => Rejection::OverBalance,
        codes::CANCEL_AMOUNT_MISMATCH => Rejection::BalanceMismatch,
        codes::BAD_AMOUNT
        | codes::CANCEL_AMOUNT_ZERO
        | codes::MISSING_FIELD
        | codes::BAD_DATE
        | codes::BAD_PATH
        | codes::BAD_TYPE => Rejection::InvalidRequest,
        codes::NOT_CANCELABLE | codes::DUPLICATE_CANCEL => Rejection::Other,
        _ => return None,
    })
}

fn ok_body(reply: &HttpReply, ok: &'static [&'static str]) -> Result<Value, PgError> {
    let rc = json::ResultCode {
        code: "/ResultCode",
        message: "/ResultMsg",
        ok,
        internal: |c| c == codes::DB_ERROR || c == codes::EXCEPTION,
        rejection,
    };
    json::result_code_body(PG, reply, &rc)
}

/// An amount the NICEPAY way: 12 digits, zero-padded (`000000010000`).
pub fn amt(value: Krw) -> String {
    format!("{value:012}")
}

/// `EdiDate`: `YYYYMMDDhhmmss` in KST.
pub fn edi_date_of(t: time::OffsetDateTime) -> String {
    let t = t.to_offset(time::macros::offset!(+9));
    format!("{:04}{:02}{:02}{:02}{:02}{:02}", t.year(), t.month() as u8, t.day(), t.hour(), t.minute(), t.second())
}

fn edi_date() -> String {
    edi_date_of(time::OffsetDateTime::now_utc())
}

/// An approval's `SignData`: hex SHA-256 of `AuthToken + MID + Amt + EdiDate + merchant key`.
pub fn approve_sign(auth_token: &str, mid: &str, amt: &str, edi_date: &str, key: &str) -> String {
    super::sha256_hex(&format!("{auth_token}{mid}{amt}{edi_date}{key}"))
}

/// A cancel's `SignData`: hex SHA-256 of `MID + CancelAmt + EdiDate + merchant key`.
pub fn cancel_sign(mid: &str, cancel_amt: &str, edi_date: &str, key: &str) -> String {
    super::sha256_hex(&format!("{mid}{cancel_amt}{edi_date}{key}"))
}

/// An inquiry's `SignData`: hex SHA-256 of `TID + MID + EdiDate + merchant key`.
pub fn inquiry_sign(tid: &str, mid: &str, edi_date: &str, key: &str) -> String {
    super::sha256_hex(&format!("{tid}{mid}{edi_date}{key}"))
}

/// An answer's `Signature`: hex SHA-256 of `TID + MID + Amt + merchant key` (a cancel answer
/// signs its `CancelAmt` as the amount). The codec's readers hold no key, so paydrill's client
/// does not check it; the raw-HTTP tests do.
pub fn answer_signature(tid: &str, mid: &str, amt: &str, key: &str) -> String {
    super::sha256_hex(&format!("{tid}{mid}{amt}{key}"))
}

/// An inquiry's `Status` (`0` approved, `1` cancelled, `9` no approved transaction) with the
/// amounts → canonical: an approved payment with less than its total left is partly cancelled.
pub fn status(word: &str, total: Krw, balance: Krw) -> Option<PgStatus> {
    Some(match word {
        "0" if balance < total => PgStatus::PartialCanceled,
        "0" => PgStatus::Paid,
        "1" => PgStatus::Canceled,
        "9" => PgStatus::Ready,
        _ => return None,
    })
}

/// The approval's number, the payment id standing in when the answer has none.
fn auth_code(v: &Value, tid: &str) -> String {
    json::string(PG, v, "/AuthCode").ok().filter(|s| !s.is_empty()).unwrap_or_else(|| tid.to_string())
}

/// A form with the fields every request ends in.
fn signed_form(path: &str, mut fields: Vec<(&str, String)>) -> HttpCall {
    fields.push(("CharSet", "utf-8".to_string()));
    fields.push(("EdiType", "JSON".to_string()));
    HttpCall::post(path).form(fields)
}

impl WireCodec for NiceepayCodec {
    fn pg(&self) -> PgName {
        PG
    }

    /// The customer's authentication gives one key: it is sent as the `TID` and as the
    /// `AuthToken`.
    fn approve(&self, creds: &Credentials, pg_payment_id: &str, req: &ApproveRequest) -> HttpCall {
        let amount = amt(req.amount);
        let edi = edi_date();
        let sign = approve_sign(pg_payment_id, &creds.merchant_id, &amount, &edi, &creds.secret);
        signed_form(
            APPROVE_PATH,
            vec![
                ("TID", pg_payment_id.to_string()),
                ("AuthToken", pg_payment_id.to_string()),
                ("MID", creds.merchant_id.clone()),
                ("Amt", amount),
                ("Moid", req.merchant_order_id.clone()),
                ("EdiDate", edi),
                ("SignData", sign),
            ],
        )
    }

    fn read_approve(&self, reply: &HttpReply) -> Result<Option<PgPayment>, PgError> {
        let v = ok_body(reply, &[codes::CARD_OK, codes::BANK_OK])?;
        let tid = json::string(PG, &v, "/TID")?;
        let total = json::krw(PG, &v, "/Amt")?;
        Ok(Some(PgPayment {
            merchant_order_id: json::string(PG, &v, "/Moid")?,
            status: PgStatus::Paid,
            total,
            balance: total,
            transaction_id: auth_code(&v, &tid),
            pg_payment_id: tid,
        }))
    }

    /// A full cancel spells out what is left as its `CancelAmt` (signed, and checked by NICEPAY).
    fn cancel_needs_balance(&self, req: &CancelRequest) -> bool {
        req.amount.is_none()
    }

    fn cancel(&self, creds: &Credentials, payment: &PaymentRef, req: &CancelRequest) -> HttpCall {
        let (code, amount) = match req.amount {
            Some(a) => ("1", Some(a)),
            None => ("0", req.expected_balance),
        };
        let cancel_amt = amount.map(amt).unwrap_or_default();
        // Every cancel needs a Moid of its own; the idempotency key is one.
        let moid = match &req.idempotency_key {
            Some(key) => format!("{}-{key}", payment.merchant_order_id),
            None => {
                format!("{}-c{}", payment.merchant_order_id, time::OffsetDateTime::now_utc().unix_timestamp_nanos())
            }
        };
        let reason = if req.reason.is_empty() { "취소".to_string() } else { req.reason.clone() };
        let edi = edi_date();
        let sign = cancel_sign(&creds.merchant_id, &cancel_amt, &edi, &creds.secret);
        signed_form(
            CANCEL_PATH,
            vec![
                ("TID", payment.pg_payment_id.clone()),
                ("MID", creds.merchant_id.clone()),
                ("Moid", moid),
                ("CancelAmt", cancel_amt),
                ("CancelMsg", reason),
                ("PartialCancelCode", code.to_string()),
                ("EdiDate", edi),
                ("SignData", sign),
            ],
        )
    }

    fn read_cancel(&self, payment: &PaymentRef, _req: &CancelRequest, reply: &HttpReply) -> Result<PgCancel, PgError> {
        let v = ok_body(reply, &[codes::CANCEL_OK, codes::REFUND_OK])?;
        Ok(PgCancel {
            pg_payment_id: payment.pg_payment_id.clone(),
            transaction_id: json::string(PG, &v, "/CancelNum")?,
            amount: json::krw(PG, &v, "/CancelAmt")?,
            balance_after: Some(json::krw(PG, &v, "/RemainAmt")?),
        })
    }

    fn inquire(&self, creds: &Credentials, payment: &PaymentRef) -> HttpCall {
        let edi = edi_date();
        let sign = inquiry_sign(&payment.pg_payment_id, &creds.merchant_id, &edi, &creds.secret);
        signed_form(
            INQUIRY_PATH,
            vec![
                ("TID", payment.pg_payment_id.clone()),
                ("MID", creds.merchant_id.clone()),
                ("EdiDate", edi),
                ("SignData", sign),
            ],
        )
    }

    fn read_inquire(&self, reply: &HttpReply) -> Result<PgPayment, PgError> {
        let v = ok_body(reply, &[codes::INQUIRY_OK])?;
        let tid = json::string(PG, &v, "/TID")?;
        let total = json::krw(PG, &v, "/Amt")?;
        let balance = json::krw(PG, &v, "/RemainAmt")?;
        let word = json::string(PG, &v, "/Status")?;
        let status =
            status(&word, total, balance).ok_or_else(|| PgError::unexpected(PG, format!("unknown Status `{word}`")))?;
        Ok(PgPayment {
            merchant_order_id: json::string(PG, &v, "/Moid")?,
            status,
            total,
            balance,
            transaction_id: auth_code(&v, &tid),
            pg_payment_id: tid,
        })
    }
}
