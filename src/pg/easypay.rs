//! KICC EasyPay, client side: JSON with `resCd` (`0000` ok). Approve `POST
//! /api/v2/trades/approval`, cancel `POST /api/trades/revise` (`reviseTypeCode` 40 full / 32
//! partial, `amount`, `remainAmount` = balance before), status `POST
//! /api/trades/retrieveTransaction`.
//!
//! Every request carries `mallId`, a fresh `shopTransactionId` and `msgAuthValue` (hex SHA-256 of
//! secret|mallId|shopTransactionId).

use super::canonical::{ApproveRequest, CancelRequest, PaymentRef, PgCancel, PgError, PgPayment, PgStatus, Rejection};
use super::codec::WireCodec;
use super::credentials::Credentials;
use super::http::{HttpCall, HttpReply};
use super::json;
use super::name::PgName;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicU64, Ordering};

const PG: PgName = PgName::Easypay;

#[derive(Default)]
pub struct EasypayCodec;

/// `resCd` values: `0000` and `VT00` (retry) are EasyPay's; the others are paydrill's choice.
pub mod codes {
    pub const OK: &str = "0000";
    pub const UNAUTHORIZED: &str = "R101";
    pub const DUPLICATE_ORDER: &str = "R201";
    pub const AMOUNT_MISMATCH: &str = "R202";
    pub const ALREADY_APPROVED: &str = "R203";
    pub const NOT_FOUND: &str = "R301";
    pub const ALREADY_CANCELED: &str = "R302";
    pub const OVER_BALANCE: &str = "R303";
    pub const BALANCE_MISMATCH: &str = "R304";
    /// The payment was never approved, so it cannot be revised.
    pub const NOT_CANCELABLE: &str = "R305";
    pub const INVALID_REQUEST: &str = "R400";
    pub const RETRY: &str = "VT00";
}

/// `msgAuthValue`.
pub fn auth_value(secret: &str, mall_id: &str, shop_transaction_id: &str) -> String {
    super::sha256_hex(&format!("{secret}|{mall_id}|{shop_transaction_id}"))
}

static SEQ: AtomicU64 = AtomicU64::new(1);

fn signed(path: &str, creds: &Credentials, mut body: Value) -> HttpCall {
    let shop_tx =
        format!("pd{}{:08}", time::OffsetDateTime::now_utc().unix_timestamp(), SEQ.fetch_add(1, Ordering::Relaxed));
    body["mallId"] = json!(creds.merchant_id);
    body["msgAuthValue"] = json!(auth_value(&creds.secret, &creds.merchant_id, &shop_tx));
    body["shopTransactionId"] = json!(shop_tx);
    HttpCall::post(path).json(body)
}

fn today() -> String {
    let now = time::OffsetDateTime::now_utc();
    format!("{:04}{:02}{:02}", now.year(), now.month() as u8, now.day())
}

/// EasyPay status codes in paydrill's fake → canonical.
pub fn status(code: &str) -> Option<PgStatus> {
    Some(match code {
        "TS00" => PgStatus::Ready,
        "TS01" => PgStatus::Paid,
        "TS02" => PgStatus::PartialCanceled,
        "TS03" => PgStatus::Canceled,
        "TS09" => PgStatus::Failed,
        _ => return None,
    })
}

fn rejection(code: &str) -> Option<Rejection> {
    Some(match code {
        codes::UNAUTHORIZED => Rejection::Unauthorized,
        codes::DUPLICATE_ORDER => Rejection::DuplicateOrderId,
        codes::AMOUNT_MISMATCH => Rejection::AmountMismatch,
        codes::ALREADY_APPROVED => Rejection::AlreadyApproved,
        codes::NOT_FOUND => Rejection::NotFound,
        codes::ALREADY_CANCELED => Rejection::AlreadyCanceled,
        codes::OVER_BALANCE => Rejection::OverBalance,
        codes::BALANCE_MISMATCH => Rejection::BalanceMismatch,
        codes::NOT_CANCELABLE => Rejection::Other,
        codes::INVALID_REQUEST => Rejection::InvalidRequest,
        _ => return None,
    })
}

const RESULT: json::ResultCode = json::ResultCode {
    code: "/resCd",
    message: "/resMsg",
    ok: &[codes::OK],
    internal: |c| c.starts_with("VT"),
    rejection,
};

fn ok_body(reply: &HttpReply) -> Result<Value, PgError> {
    json::result_code_body(PG, reply, &RESULT)
}

const FIELDS: json::PaymentFields = json::PaymentFields {
    id: "/pgCno",
    status: "/statusCode",
    order: "/shopOrderNo",
    total: "/amount",
    balance: "/remainAmount",
    transaction: "/paymentInfo/approvalNo",
};

fn payment(v: &Value) -> Result<PgPayment, PgError> {
    json::payment(PG, v, &FIELDS, status)
}

impl WireCodec for EasypayCodec {
    fn pg(&self) -> PgName {
        PG
    }

    fn approve(&self, creds: &Credentials, pg_payment_id: &str, req: &ApproveRequest) -> HttpCall {
        signed(
            "/api/v2/trades/approval",
            creds,
            json!({
                "authorizationId": pg_payment_id,
                "shopOrderNo": req.merchant_order_id,
                "approvalReqDate": today(),
                "amount": req.amount,
            }),
        )
    }

    fn read_approve(&self, reply: &HttpReply) -> Result<Option<PgPayment>, PgError> {
        payment(&ok_body(reply)?).map(Some)
    }

    fn cancel(&self, creds: &Credentials, payment: &PaymentRef, req: &CancelRequest) -> HttpCall {
        let mut body = json!({
            "pgCno": payment.pg_payment_id,
            "reviseTypeCode": if req.amount.is_some() { "32" } else { "40" },
            "cancelReqDate": today(),
            "reviseMessage": req.reason,
        });
        if let Some(amount) = req.amount {
            body["amount"] = json!(amount);
        }
        if let Some(balance) = req.expected_balance {
            body["remainAmount"] = json!(balance);
        }
        signed("/api/trades/revise", creds, body)
    }

    fn read_cancel(&self, payment: &PaymentRef, _req: &CancelRequest, reply: &HttpReply) -> Result<PgCancel, PgError> {
        let v = ok_body(reply)?;
        Ok(PgCancel {
            pg_payment_id: payment.pg_payment_id.clone(),
            transaction_id: json::string(PG, &v, "/cancelPgCno")?,
            amount: json::krw(PG, &v, "/cancelAmount")?,
            balance_after: Some(json::krw(PG, &v, "/remainAmount")?),
        })
    }

    fn inquire(&self, creds: &Credentials, payment: &PaymentRef) -> HttpCall {
        signed(
            "/api/trades/retrieveTransaction",
            creds,
            json!({ "pgCno": payment.pg_payment_id, "shopOrderNo": payment.merchant_order_id, "transactionDate": today() }),
        )
    }

    fn read_inquire(&self, reply: &HttpReply) -> Result<PgPayment, PgError> {
        payment(&ok_body(reply)?)
    }
}
