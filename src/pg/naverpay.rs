//! Naver Pay, client side: form bodies, headers `X-Naver-Client-Id`, `X-Naver-Client-Secret`,
//! `X-NaverPay-Chain-Id`, `X-NaverPay-Idempotency-Key`; envelope `{code: "Success", message,
//! body}`.
//!
//! A `reserve` call gives the payment id, then `POST /{partnerId}/naverpay/payments/
//! v2.2/apply/payment`; cancel `.../v1/cancel` (`cancelAmount` always spelled out,
//! `doCompareRest=1` with `expectedRestAmount` when the balance is asserted); history
//! `.../v2.2/list/history/{paymentId}`.

use super::canonical::{ApproveRequest, CancelRequest, PaymentRef, PgCancel, PgError, PgPayment, PgStatus, Rejection};
use super::codec::WireCodec;
use super::credentials::Credentials;
use super::http::{HttpCall, HttpReply};
use super::json;
use super::name::PgName;
use serde_json::Value;

const PG: PgName = PgName::Naverpay;

#[derive(Default)]
pub struct NaverpayCodec;

/// Envelope codes: `Success`, and paydrill's choice of failure codes (Naver Pay's public
/// material names few), in the style of its CamelCase codes.
pub mod codes {
    /// The call succeeded; the answer is in `body`.
    pub const OK: &str = "Success";
    /// Client id / secret headers do not match the partner (HTTP 401).
    pub const UNAUTHORIZED: &str = "InvalidClient";
    /// No payment with this `paymentId`.
    pub const NOT_FOUND: &str = "InvalidPaymentId";
    /// `merchantPayKey` already used by another payment.
    pub const DUPLICATE_ORDER: &str = "DuplicatedMerchantPayKey";
    /// The payment was already approved.
    pub const ALREADY_APPROVED: &str = "AlreadyCompleted";
    /// The approved amount differs from the reserved one.
    pub const AMOUNT_MISMATCH: &str = "AmountMismatch";
    /// The payment is fully cancelled already.
    pub const ALREADY_CANCELED: &str = "AlreadyCanceled";
    /// A cancel of a payment that was never approved.
    pub const NOT_CANCELABLE: &str = "NotCancelablePayment";
    /// `cancelAmount` exceeds what is left.
    pub const OVER_BALANCE: &str = "CancelAmountExceeded";
    /// `doCompareRest=1` and `expectedRestAmount` differs from what is left.
    pub const BALANCE_MISMATCH: &str = "RestAmountMismatch";
    /// A missing or malformed form field, or an amount not above zero.
    pub const INVALID_REQUEST: &str = "InvalidParameter";
    /// Naver Pay failed internally (HTTP 500); nothing happened, a retry may work.
    pub const INTERNAL: &str = "InternalServerError";
}

/// The base of every path for a partner.
pub fn base(creds: &Credentials) -> String {
    format!("/{}/naverpay/payments", creds.merchant_id)
}

fn headers(call: HttpCall, creds: &Credentials, key: Option<&str>) -> HttpCall {
    call.header("X-Naver-Client-Id", &creds.merchant_id)
        .header("X-Naver-Client-Secret", &creds.secret)
        .header("X-NaverPay-Chain-Id", "paydrill-chain")
        .header_opt("X-NaverPay-Idempotency-Key", key)
}

/// Naver Pay's admission states → canonical.
pub fn status(word: &str) -> Option<PgStatus> {
    Some(match word {
        "READY" => PgStatus::Ready,
        "SUCCESS" => PgStatus::Paid,
        "PARTIAL_CANCEL" => PgStatus::PartialCanceled,
        "CANCEL" => PgStatus::Canceled,
        "FAIL" => PgStatus::Failed,
        _ => return None,
    })
}

fn rejection(code: &str) -> Option<Rejection> {
    Some(match code {
        codes::UNAUTHORIZED => Rejection::Unauthorized,
        codes::NOT_FOUND => Rejection::NotFound,
        codes::DUPLICATE_ORDER => Rejection::DuplicateOrderId,
        codes::ALREADY_APPROVED => Rejection::AlreadyApproved,
        codes::AMOUNT_MISMATCH => Rejection::AmountMismatch,
        codes::ALREADY_CANCELED => Rejection::AlreadyCanceled,
        codes::NOT_CANCELABLE => Rejection::Other,
        codes::OVER_BALANCE => Rejection::OverBalance,
        codes::BALANCE_MISMATCH => Rejection::BalanceMismatch,
        codes::INVALID_REQUEST => Rejection::InvalidRequest,
        _ => return None,
    })
}

/// The envelope's `body`, or the error its `code` names.
fn ok_body(reply: &HttpReply) -> Result<Value, PgError> {
    let v = json::body(PG, reply)?;
    let code = v.get("code").and_then(Value::as_str).unwrap_or("").to_string();
    if reply.status == 200 && code == codes::OK {
        return Ok(v.get("body").cloned().unwrap_or(Value::Null));
    }
    let message = v.get("message").and_then(Value::as_str).unwrap_or("").to_string();
    Err(PgError::refusal(PG, reply.status, code.clone(), message, rejection(&code), code == codes::INTERNAL))
}

/// A payment detail (`apply` answer or history summary) → canonical.
fn payment(detail: &Value) -> Result<PgPayment, PgError> {
    let id = json::string(PG, detail, "/paymentId")?;
    let word = json::string(PG, detail, "/admissionState")?;
    Ok(PgPayment {
        status: status(&word).ok_or_else(|| PgError::unexpected(PG, format!("unknown admissionState {word}")))?,
        merchant_order_id: json::string(PG, detail, "/merchantPayKey")?,
        total: json::krw(PG, detail, "/totalPayAmount")?,
        balance: json::krw(PG, detail, "/totalRestAmount")?,
        transaction_id: json::string(PG, detail, "/payHistId").unwrap_or_else(|_| id.clone()),
        pg_payment_id: id,
    })
}

impl WireCodec for NaverpayCodec {
    fn pg(&self) -> PgName {
        PG
    }

    fn prepare(&self, creds: &Credentials, req: &ApproveRequest) -> Option<HttpCall> {
        let call = HttpCall::post(format!("{}/v2/reserve", base(creds))).form([
            ("merchantPayKey", req.merchant_order_id.clone()),
            ("productName", "paydrill order".to_string()),
            ("totalPayAmount", req.amount.to_string()),
            ("taxScopeAmount", req.amount.to_string()),
            ("taxExScopeAmount", "0".to_string()),
            ("returnUrl", "http://127.0.0.1/return".to_string()),
        ]);
        Some(headers(call, creds, None))
    }

    fn read_prepared(&self, reply: &HttpReply) -> Result<String, PgError> {
        json::string(PG, &ok_body(reply)?, "/reserveId")
    }

    fn approve(&self, creds: &Credentials, pg_payment_id: &str, req: &ApproveRequest) -> HttpCall {
        let call = HttpCall::post(format!("{}/v2.2/apply/payment", base(creds))).form([("paymentId", pg_payment_id)]);
        headers(call, creds, req.idempotency_key.as_deref())
    }

    fn read_approve(&self, reply: &HttpReply) -> Result<Option<PgPayment>, PgError> {
        payment(json::at(PG, &ok_body(reply)?, "/detail")?).map(Some)
    }

    /// `cancelAmount` is always spelled out, so a full cancel needs the balance; a partial one
    /// asserts the balance (`doCompareRest=1`) only when the caller gave one.
    fn cancel_needs_balance(&self, req: &CancelRequest) -> bool {
        req.amount.is_none()
    }

    fn cancel(&self, creds: &Credentials, payment: &PaymentRef, req: &CancelRequest) -> HttpCall {
        let amount = req.amount.or(req.expected_balance).unwrap_or(0);
        let mut form = vec![
            ("paymentId", payment.pg_payment_id.clone()),
            ("cancelAmount", amount.to_string()),
            ("cancelReason", req.reason.clone()),
            ("cancelRequester", "2".to_string()),
            ("taxScopeAmount", amount.to_string()),
            ("taxExScopeAmount", "0".to_string()),
        ];
        match req.expected_balance {
            Some(balance) => {
                form.push(("doCompareRest", "1".to_string()));
                form.push(("expectedRestAmount", balance.to_string()));
            }
            None => form.push(("doCompareRest", "0".to_string())),
        }
        let call = HttpCall::post(format!("{}/v1/cancel", base(creds))).form(form);
        headers(call, creds, req.idempotency_key.as_deref())
    }

    fn read_cancel(&self, payment: &PaymentRef, _req: &CancelRequest, reply: &HttpReply) -> Result<PgCancel, PgError> {
        let body = ok_body(reply)?;
        Ok(PgCancel {
            pg_payment_id: payment.pg_payment_id.clone(),
            transaction_id: json::string(PG, &body, "/payHistId")?,
            amount: json::krw(PG, &body, "/primaryPayCancelAmount")?,
            balance_after: Some(json::krw(PG, &body, "/totalRestAmount")?),
        })
    }

    fn inquire(&self, creds: &Credentials, payment: &PaymentRef) -> HttpCall {
        let call = HttpCall::post(format!("{}/v2.2/list/history/{}", base(creds), payment.pg_payment_id))
            .form([("pageNumber", "1")]);
        headers(call, creds, None)
    }

    fn read_inquire(&self, reply: &HttpReply) -> Result<PgPayment, PgError> {
        payment(json::at(PG, &ok_body(reply)?, "/payment")?)
    }
}
