//! KakaoPay (legacy API, `kapi.kakao.com`), client side: form bodies,
//! `Authorization: KakaoAK <admin key>`, `cid` = merchant id. A real `ready` gives the `tid`; then
//! `approve`, `cancel` (`cancel_amount` always spelled out, `cancel_available_amount` asserts the
//! balance) and `order`, all `POST /v1/payment/...`. Errors: 4xx `{code, msg}` ([`super::kakaopay::codes`]).

use super::canonical::{ApproveRequest, CancelRequest, PaymentRef, PgCancel, PgError, PgPayment, PgStatus};
use super::codec::WireCodec;
use super::credentials::Credentials;
use super::http::{HttpCall, HttpReply};
use super::json;
use super::kakaopay::{self, codes};
use super::name::PgName;
use serde_json::Value;

const PG: PgName = PgName::Kakaolegacy;

#[derive(Default)]
pub struct KakaolegacyCodec;

/// `KakaoAK <admin key>`.
pub fn auth(admin_key: &str) -> String {
    format!("KakaoAK {admin_key}")
}

/// The answer's body, or the error it carries: `{code, msg}` (the new API's `error_code` /
/// `error_message` are read too, should a legacy host answer in the new shape).
fn ok_body(reply: &HttpReply) -> Result<Value, PgError> {
    let v = json::body(PG, reply)?;
    if reply.status == 200 {
        return Ok(v);
    }
    let code = v.get("code").or_else(|| v.get("error_code")).and_then(Value::as_i64).unwrap_or(0);
    let message = v.get("msg").or_else(|| v.get("error_message")).and_then(Value::as_str).unwrap_or("").to_string();
    Err(PgError::refusal(
        PG,
        reply.status,
        code.to_string(),
        message,
        kakaopay::rejection(code),
        code == codes::INTERNAL,
    ))
}

/// The approval's `aid` in an `order` answer: the `PAYMENT` entry of `payment_action_details`.
fn approval_aid(v: &Value) -> Option<String> {
    v.get("payment_action_details")?
        .as_array()?
        .iter()
        .find(|d| d.get("payment_action_type").and_then(Value::as_str) == Some("PAYMENT"))?
        .get("aid")?
        .as_str()
        .map(str::to_string)
}

/// An `order` (inquire) or `approve` answer → canonical. An approve answer has no `status` and no
/// `cancel_available_amount`: it is a fresh, fully cancellable payment.
fn payment(v: &Value) -> Result<PgPayment, PgError> {
    let tid = json::string(PG, v, "/tid")?;
    let total = json::krw(PG, v, "/amount/total")?;
    let word = v.get("status").and_then(Value::as_str).unwrap_or("SUCCESS_PAYMENT");
    let status = kakaopay::status(word).ok_or_else(|| PgError::unexpected(PG, format!("unknown status {word}")))?;
    let balance = match json::krw_opt(PG, v, "/cancel_available_amount/total")? {
        Some(b) => b,
        None if status == PgStatus::Paid => total,
        None => 0,
    };
    let transaction_id = json::string(PG, v, "/aid").ok().or_else(|| approval_aid(v)).unwrap_or_else(|| tid.clone());
    Ok(PgPayment {
        pg_payment_id: tid,
        merchant_order_id: json::string(PG, v, "/partner_order_id")?,
        status,
        total,
        balance,
        transaction_id,
    })
}

impl WireCodec for KakaolegacyCodec {
    fn pg(&self) -> PgName {
        PG
    }

    fn prepare(&self, creds: &Credentials, req: &ApproveRequest) -> Option<HttpCall> {
        Some(HttpCall::post("/v1/payment/ready").header("Authorization", auth(&creds.secret)).form([
            ("cid", creds.merchant_id.clone()),
            ("partner_order_id", req.merchant_order_id.clone()),
            ("partner_user_id", "paydrill".to_string()),
            ("item_name", "paydrill order".to_string()),
            ("quantity", "1".to_string()),
            ("total_amount", req.amount.to_string()),
            ("tax_free_amount", "0".to_string()),
            ("approval_url", "http://127.0.0.1/approve".to_string()),
            ("cancel_url", "http://127.0.0.1/cancel".to_string()),
            ("fail_url", "http://127.0.0.1/fail".to_string()),
        ]))
    }

    fn read_prepared(&self, reply: &HttpReply) -> Result<String, PgError> {
        json::string(PG, &ok_body(reply)?, "/tid")
    }

    fn customer_key_names_payment(&self) -> bool {
        false
    }

    fn approve(&self, creds: &Credentials, pg_payment_id: &str, req: &ApproveRequest) -> HttpCall {
        HttpCall::post("/v1/payment/approve").header("Authorization", auth(&creds.secret)).form([
            ("cid", creds.merchant_id.clone()),
            ("tid", pg_payment_id.to_string()),
            ("partner_order_id", req.merchant_order_id.clone()),
            ("partner_user_id", "paydrill".to_string()),
            ("pg_token", req.customer_key.clone().unwrap_or_default()),
        ])
    }

    fn read_approve(&self, reply: &HttpReply) -> Result<Option<PgPayment>, PgError> {
        payment(&ok_body(reply)?).map(Some)
    }

    fn cancel_needs_balance(&self, req: &CancelRequest) -> bool {
        req.amount.is_none()
    }

    fn cancel(&self, creds: &Credentials, payment: &PaymentRef, req: &CancelRequest) -> HttpCall {
        let amount = req.amount.or(req.expected_balance).unwrap_or(0);
        let mut fields = vec![
            ("cid", creds.merchant_id.clone()),
            ("tid", payment.pg_payment_id.clone()),
            ("cancel_amount", amount.to_string()),
            ("cancel_tax_free_amount", "0".to_string()),
        ];
        if let Some(balance) = req.expected_balance {
            fields.push(("cancel_available_amount", balance.to_string()));
        }
        HttpCall::post("/v1/payment/cancel").header("Authorization", auth(&creds.secret)).form(fields)
    }

    fn read_cancel(&self, payment: &PaymentRef, _req: &CancelRequest, reply: &HttpReply) -> Result<PgCancel, PgError> {
        kakaopay::cancel_answer(PG, payment, &ok_body(reply)?)
    }

    fn inquire(&self, creds: &Credentials, payment: &PaymentRef) -> HttpCall {
        HttpCall::post("/v1/payment/order")
            .header("Authorization", auth(&creds.secret))
            .form([("cid", creds.merchant_id.clone()), ("tid", payment.pg_payment_id.clone())])
    }

    fn read_inquire(&self, reply: &HttpReply) -> Result<PgPayment, PgError> {
        payment(&ok_body(reply)?)
    }
}
