//! KG Inicis (INIAPI v1), client side: form requests, JSON answers with `resultCode` (`00`
//! ok); every request carries `mid`, `timestamp`, `clientIp` and `hashData`, the hex SHA-512
//! of the hash key followed by the request's fields in a fixed order. Refund
//! `POST /api/v1/refund` (`type=Refund|PartialRefund`, `price`, `confirmPrice` = balance after).

use super::canonical::{ApproveRequest, CancelRequest, PaymentRef, PgCancel, PgError, PgPayment, PgStatus, Rejection};
use super::codec::WireCodec;
use super::credentials::Credentials;
use super::http::{HttpCall, HttpReply};
use super::json;
use super::name::PgName;
use serde_json::Value;
use sha2::{Digest, Sha512};

const PG: PgName = PgName::Inicis;

#[derive(Default)]
pub struct InicisCodec;

/// Result codes: `00` is Inicis's; the failures are paydrill's choice.
pub mod codes {
    pub const OK: &str = "00";
    pub const HASH_MISMATCH: &str = "500";
    pub const NOT_FOUND: &str = "410";
    pub const ALREADY_CANCELED: &str = "420";
    pub const OVER_BALANCE: &str = "430";
    pub const CONFIRM_MISMATCH: &str = "440";
    pub const DUPLICATE_ORDER: &str = "450";
    pub const AMOUNT_MISMATCH: &str = "460";
    pub const ALREADY_APPROVED: &str = "470";
    /// The payment was never approved, so there is nothing to refund.
    pub const NOT_CANCELABLE: &str = "480";
    pub const INVALID_REQUEST: &str = "400";
    pub const INTERNAL: &str = "999";
}

/// The fields each request type hashes, after the key, in order.
pub fn hashed_fields(kind: &str) -> &'static [&'static str] {
    match kind {
        "Approve" => &["type", "paymethod", "timestamp", "clientIp", "mid", "tid", "moid", "price"],
        "PartialRefund" => &["type", "paymethod", "timestamp", "clientIp", "mid", "tid", "price", "confirmPrice"],
        "Refund" => &["type", "paymethod", "timestamp", "clientIp", "mid", "tid"],
        _ => &["type", "timestamp", "clientIp", "mid", "tid"],
    }
}

/// `hashData`: hex SHA-512 of the key and the type's fields.
pub fn hash(key: &str, fields: &[(String, String)]) -> String {
    let kind = fields.iter().find(|(k, _)| k == "type").map(|(_, v)| v.as_str()).unwrap_or("");
    let mut text = key.to_string();
    for name in hashed_fields(kind) {
        if let Some((_, v)) = fields.iter().find(|(k, _)| k == name) {
            text.push_str(v);
        }
    }
    Sha512::digest(text.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

fn signed(path: &str, creds: &Credentials, mut fields: Vec<(String, String)>) -> HttpCall {
    let base = [
        ("paymethod", "Card".to_string()),
        ("timestamp", timestamp()),
        ("clientIp", "127.0.0.1".to_string()),
        ("mid", creds.merchant_id.clone()),
    ];
    fields.extend(base.into_iter().map(|(k, v)| (k.to_string(), v)));
    let digest = hash(&creds.secret, &fields);
    fields.push(("hashData".into(), digest));
    HttpCall::post(path).form(fields)
}

/// INIAPI's `timestamp`: `YYYYMMDDhhmmss` in KST.
fn timestamp() -> String {
    let t = time::OffsetDateTime::now_utc().to_offset(time::macros::offset!(+9));
    format!("{:04}{:02}{:02}{:02}{:02}{:02}", t.year(), t.month() as u8, t.day(), t.hour(), t.minute(), t.second())
}

fn field(name: &str, value: impl ToString) -> (String, String) {
    (name.to_string(), value.to_string())
}

/// Inicis payment states in paydrill's fake → canonical.
pub fn status(word: &str) -> Option<PgStatus> {
    Some(match word {
        "ready" => PgStatus::Ready,
        "paid" => PgStatus::Paid,
        "partial" => PgStatus::PartialCanceled,
        "cancelled" => PgStatus::Canceled,
        "failed" => PgStatus::Failed,
        _ => return None,
    })
}

fn rejection(code: &str) -> Option<Rejection> {
    Some(match code {
        codes::HASH_MISMATCH => Rejection::Unauthorized,
        codes::NOT_FOUND => Rejection::NotFound,
        codes::ALREADY_CANCELED => Rejection::AlreadyCanceled,
        codes::OVER_BALANCE => Rejection::OverBalance,
        codes::CONFIRM_MISMATCH => Rejection::BalanceMismatch,
        codes::DUPLICATE_ORDER => Rejection::DuplicateOrderId,
        codes::AMOUNT_MISMATCH => Rejection::AmountMismatch,
        codes::ALREADY_APPROVED => Rejection::AlreadyApproved,
        codes::NOT_CANCELABLE => Rejection::Other,
        codes::INVALID_REQUEST => Rejection::InvalidRequest,
        _ => return None,
    })
}

const RESULT: json::ResultCode = json::ResultCode {
    code: "/resultCode",
    message: "/resultMsg",
    ok: &[codes::OK],
    internal: |c| c == codes::INTERNAL,
    rejection,
};

fn ok_body(reply: &HttpReply) -> Result<Value, PgError> {
    json::result_code_body(PG, reply, &RESULT)
}

const FIELDS: json::PaymentFields = json::PaymentFields {
    id: "/tid",
    status: "/status",
    order: "/moid",
    total: "/price",
    balance: "/remainPrice",
    transaction: "/applNum",
};

fn payment(v: &Value) -> Result<PgPayment, PgError> {
    json::payment(PG, v, &FIELDS, status)
}

impl WireCodec for InicisCodec {
    fn pg(&self) -> PgName {
        PG
    }

    fn approve(&self, creds: &Credentials, pg_payment_id: &str, req: &ApproveRequest) -> HttpCall {
        let fields = vec![
            field("type", "Approve"),
            field("tid", pg_payment_id),
            field("moid", &req.merchant_order_id),
            field("price", req.amount),
        ];
        signed("/api/v1/approve", creds, fields)
    }

    fn read_approve(&self, reply: &HttpReply) -> Result<Option<PgPayment>, PgError> {
        payment(&ok_body(reply)?).map(Some)
    }

    fn cancel_needs_balance(&self, req: &CancelRequest) -> bool {
        req.amount.is_some()
    }

    fn cancel(&self, creds: &Credentials, payment: &PaymentRef, req: &CancelRequest) -> HttpCall {
        let mut fields = vec![field("tid", &payment.pg_payment_id), field("msg", &req.reason)];
        match req.amount {
            Some(amount) => {
                fields.insert(0, field("type", "PartialRefund"));
                fields.push(field("price", amount));
                fields.push(field("confirmPrice", req.expected_balance.unwrap_or(0) - amount));
            }
            None => fields.insert(0, field("type", "Refund")),
        }
        signed("/api/v1/refund", creds, fields)
    }

    fn read_cancel(&self, payment: &PaymentRef, req: &CancelRequest, reply: &HttpReply) -> Result<PgCancel, PgError> {
        let v = ok_body(reply)?;
        Ok(PgCancel {
            pg_payment_id: payment.pg_payment_id.clone(),
            transaction_id: json::string(PG, &v, "/tid")?,
            amount: match req.amount {
                Some(_) => json::krw(PG, &v, "/prtcPrice")?,
                None => json::krw(PG, &v, "/cancelPrice")?,
            },
            balance_after: Some(json::krw(PG, &v, "/prtcRemains")?),
        })
    }

    fn inquire(&self, creds: &Credentials, payment: &PaymentRef) -> HttpCall {
        signed("/api/v1/inquiry", creds, vec![field("type", "Inquiry"), field("tid", &payment.pg_payment_id)])
    }

    fn read_inquire(&self, reply: &HttpReply) -> Result<PgPayment, PgError> {
        payment(&ok_body(reply)?)
    }
}
