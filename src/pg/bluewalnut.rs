//! Bluewalnut (블루월넛), client side: one CNSPay Lite style endpoint, `POST /dlp/cnspayLite.jsp`,
//! form bodies with `actionType` (`PY0` approve, `CL0` cancel, `CI0` inquire), `MID`, `EdiDate`
//! and `EncryptData` (hex SHA-256 of `EdiDate + MID + amount + MerchantKey`); JSON answers with
//! `ResultCode` (`3001` approved, `2001` cancelled, `0000` inquired) and `ResultMsg`.

use super::canonical::{
    ApproveRequest, CancelRequest, ErrorCategory, PaymentRef, PgCancel, PgError, PgPayment, PgStatus, Rejection,
};
use super::codec::WireCodec;
use super::credentials::Credentials;
use super::http::{HttpCall, HttpReply};
use super::json;
use super::name::PgName;
use serde_json::Value;

const PG: PgName = PgName::Bluewalnut;

/// The one server endpoint (chosen: the payment window lives under `/dlp/`, and CNSPay Lite
/// serves every server call from one page, told apart by `actionType`).
pub const PATH: &str = "/dlp/cnspayLite.jsp";

#[derive(Default)]
pub struct BluewalnutCodec;

/// `ResultCode` values. `3001`, `2001` and `2002` come from the CNSPay Lite material the wire
/// notes infer; every other code is paydrill's choice, in the same 4-digit style (2xxx cancel,
/// 3xxx approval, 9xxx request and system).
pub mod codes {
    /// Inquiry answered (조회 성공). Chosen.
    pub const INQUIRY_OK: &str = "0000";
    /// Cancel done (취소 성공).
    pub const CANCEL_OK: &str = "2001";
    /// The cancel is still being processed (취소 진행중): its outcome is unknown until inquired.
    /// The fake never answers it; the codec sorts it as a timeout (outcome unknown).
    pub const CANCEL_IN_PROGRESS: &str = "2002";
    /// A cancel of a payment that was never approved (미승인 거래 취소 불가). Chosen.
    pub const NOT_CANCELABLE: &str = "2003";
    /// An amount not above zero (금액 오류). Chosen.
    pub const INVALID_AMOUNT: &str = "2010";
    /// `CheckRemainAmt` (or a full cancel's `CancelAmt`) differs from the balance before the
    /// cancel (취소가능잔액 불일치). Chosen.
    pub const BALANCE_MISMATCH: &str = "2011";
    /// No payment with this `TID` / `Moid` (해당 거래 없음). Chosen.
    pub const NOT_FOUND: &str = "2012";
    /// The payment is fully cancelled already (기취소 거래). Chosen.
    pub const ALREADY_CANCELED: &str = "2015";
    /// `CancelAmt` exceeds the cancellable balance (취소금액이 취소가능금액보다 큼). Chosen.
    pub const OVER_BALANCE: &str = "2032";
    /// Card payment approved (카드 결제 성공).
    pub const APPROVE_OK: &str = "3001";
    /// `Amt` differs from the amount the customer authorised (승인 금액 불일치). Chosen.
    pub const AMOUNT_MISMATCH: &str = "3012";
    /// `Moid` already used by another payment (주문번호 중복). Chosen.
    pub const DUPLICATE_ORDER: &str = "3013";
    /// The `TID` was already approved (이미 승인된 거래). Chosen.
    pub const ALREADY_APPROVED: &str = "3014";
    /// Wrong `MID` or an `EncryptData` that does not verify (위변조 검증 실패). Chosen.
    pub const UNAUTHORIZED: &str = "9001";
    /// A missing or malformed field, or an unknown `actionType` (요청 전문 오류). Chosen.
    pub const INVALID_REQUEST: &str = "9002";
    /// Bluewalnut failed internally; nothing happened and a retry may work (시스템 오류). Chosen.
    pub const INTERNAL: &str = "9999";
}

/// `EncryptData`: hex SHA-256 of `EdiDate + MID + amount + MerchantKey` (paydrill's reading of
/// the window's `SHA256Salt(EdiDate+MID+Amt, MerchantKey)`: the key appended as the salt).
pub fn encrypt_data(edi_date: &str, mid: &str, amt: &str, merchant_key: &str) -> String {
    super::sha256_hex(&format!("{edi_date}{mid}{amt}{merchant_key}"))
}

/// The form field whose value `EncryptData` signs as the amount for `action_type`: `Amt` on an
/// approval, `CancelAmt` on a cancel (empty when a full cancel sends none), none on an inquiry.
pub fn signed_amount_field(action_type: &str) -> Option<&'static str> {
    match action_type {
        "PY0" => Some("Amt"),
        "CL0" => Some("CancelAmt"),
        _ => None,
    }
}

/// A time as Bluewalnut writes it (`EdiDate`, `AuthDate`, `CancelDate`): `YYYYMMDDhhmmss`, KST.
pub fn kst_stamp(t: time::OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::from_hms(9, 0, 0).expect("valid offset"));
    format!("{:04}{:02}{:02}{:02}{:02}{:02}", t.year(), t.month() as u8, t.day(), t.hour(), t.minute(), t.second())
}

fn field(name: &str, value: impl ToString) -> (String, String) {
    (name.to_string(), value.to_string())
}

/// A signed request: `actionType`, `MID`, the call's fields, `EdiDate`, `EncryptData`.
fn signed(creds: &Credentials, action_type: &str, fields: Vec<(String, String)>) -> HttpCall {
    let edi_date = kst_stamp(time::OffsetDateTime::now_utc());
    let amt = signed_amount_field(action_type)
        .and_then(|name| fields.iter().find(|(k, _)| k == name))
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let mut all = vec![field("actionType", action_type), field("MID", &creds.merchant_id)];
    all.extend(fields);
    all.push(field("EdiDate", &edi_date));
    all.push(field("EncryptData", encrypt_data(&edi_date, &creds.merchant_id, &amt, &creds.secret)));
    HttpCall::post(PATH).form(all)
}

/// Bluewalnut payment states in paydrill's fake (`Status`) → canonical.
pub fn status(word: &str) -> Option<PgStatus> {
    Some(match word {
        "ready" => PgStatus::Ready,
        "paid" => PgStatus::Paid,
        "partial_cancelled" => PgStatus::PartialCanceled,
        "cancelled" => PgStatus::Canceled,
        "failed" => PgStatus::Failed,
        _ => return None,
    })
}

fn rejection(code: &str) -> Option<Rejection> {
    Some(match code {
        codes::UNAUTHORIZED => Rejection::Unauthorized,
        codes::NOT_FOUND => Rejection::NotFound,
        codes::ALREADY_APPROVED => Rejection::AlreadyApproved,
        codes::AMOUNT_MISMATCH => Rejection::AmountMismatch,
        codes::DUPLICATE_ORDER => Rejection::DuplicateOrderId,
        codes::ALREADY_CANCELED => Rejection::AlreadyCanceled,
        codes::OVER_BALANCE => Rejection::OverBalance,
        codes::BALANCE_MISMATCH => Rejection::BalanceMismatch,
        codes::INVALID_AMOUNT | codes::INVALID_REQUEST => Rejection::InvalidRequest,
        codes::NOT_CANCELABLE => Rejection::Other,
        _ => return None,
    })
}

/// The body when its `ResultCode` is one of `ok`, else the refusal it carries. `2002` (cancel
/// in progress) is not a refusal: the cancel may yet happen, so it is sorted as a timeout.
fn ok_body(reply: &HttpReply, ok: &'static [&'static str]) -> Result<Value, PgError> {
    let rc = json::ResultCode {
        code: "/ResultCode",
        message: "/ResultMsg",
        ok,
        internal: |c| c == codes::INTERNAL,
        rejection,
    };
    json::result_code_body(PG, reply, &rc).map_err(|e| {
        if e.code == codes::CANCEL_IN_PROGRESS {
            PgError { category: ErrorCategory::Timeout, rejection: None, ..e }
        } else {
            e
        }
    })
}

const FIELDS: json::PaymentFields = json::PaymentFields {
    id: "/TID",
    status: "/Status",
    order: "/Moid",
    total: "/Amt",
    balance: "/RemainAmt",
    transaction: "/AuthCode",
};

fn payment(v: &Value) -> Result<PgPayment, PgError> {
    json::payment(PG, v, &FIELDS, status)
}

impl WireCodec for BluewalnutCodec {
    fn pg(&self) -> PgName {
        PG
    }

    fn approve(&self, creds: &Credentials, pg_payment_id: &str, req: &ApproveRequest) -> HttpCall {
        let fields = vec![
            field("TID", pg_payment_id),
            field("Moid", &req.merchant_order_id),
            field("Amt", req.amount),
            field("GoodsName", "paydrill order"),
        ];
        signed(creds, "PY0", fields)
    }

    fn read_approve(&self, reply: &HttpReply) -> Result<Option<PgPayment>, PgError> {
        payment(&ok_body(reply, &[codes::APPROVE_OK])?).map(Some)
    }

    /// `PartialCancelCode` 1 with `CancelAmt` for a partial cancel, 0 for all that is left (with
    /// `CancelAmt` = the balance when it is known); `CheckRemainAmt` asserts the balance before
    /// the cancel whenever the caller knows it; `CancelNo` is the merchant's idempotency key.
    fn cancel(&self, creds: &Credentials, payment: &PaymentRef, req: &CancelRequest) -> HttpCall {
        let mut fields = vec![field("TID", &payment.pg_payment_id), field("Moid", &payment.merchant_order_id)];
        if let Some(amount) = req.amount.or(req.expected_balance) {
            fields.push(field("CancelAmt", amount));
        }
        fields.push(field("CancelMsg", &req.reason));
        fields.push(field("PartialCancelCode", if req.amount.is_some() { "1" } else { "0" }));
        if let Some(balance) = req.expected_balance {
            fields.push(field("CheckRemainAmt", balance));
        }
        if let Some(key) = &req.idempotency_key {
            fields.push(field("CancelNo", key));
        }
        signed(creds, "CL0", fields)
    }

    fn read_cancel(&self, payment: &PaymentRef, _req: &CancelRequest, reply: &HttpReply) -> Result<PgCancel, PgError> {
        let v = ok_body(reply, &[codes::CANCEL_OK])?;
        Ok(PgCancel {
            pg_payment_id: payment.pg_payment_id.clone(),
            transaction_id: json::string(PG, &v, "/CancelTID")?,
            amount: json::krw(PG, &v, "/CancelAmt")?,
            balance_after: Some(json::krw(PG, &v, "/RemainAmt")?),
        })
    }

    fn inquire(&self, creds: &Credentials, payment: &PaymentRef) -> HttpCall {
        let fields = vec![field("TID", &payment.pg_payment_id), field("Moid", &payment.merchant_order_id)];
        signed(creds, "CI0", fields)
    }

    fn read_inquire(&self, reply: &HttpReply) -> Result<PgPayment, PgError> {
        payment(&ok_body(reply, &[codes::INQUIRY_OK])?)
    }
}
