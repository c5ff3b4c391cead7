//! NHN KCP, client side: JSON, HTTP 200 with `res_cd` (`0000` ok), `site_cd` and
//! `kcp_cert_info` in every body. Approve `POST /gw/enc/v1/payment`, cancel
//! `POST /gw/mod/v1/cancel` (`mod_type` STSC full / STPC partial with `mod_mny` and `rem_mny`,
//! the balance before the cancel), inquire `POST /std/inquery`.

use super::canonical::{ApproveRequest, CancelRequest, PaymentRef, PgCancel, PgError, PgPayment, PgStatus, Rejection};
use super::codec::WireCodec;
use super::credentials::Credentials;
use super::http::{HttpCall, HttpReply};
use super::json;
use super::name::PgName;
use serde_json::{json, Value};

const PG: PgName = PgName::Kcp;

#[derive(Default)]
pub struct KcpCodec;

/// KCP publishes no error table; these 4-character `res_cd` values are paydrill's choice, in the
/// style of KCP's numeric codes (`0000` ok, 8xxx refusals, 9999 system failure).
pub mod codes {
    /// Processed normally (정상처리).
    pub const OK: &str = "0000";
    /// `site_cd` / `kcp_cert_info` do not match the site (사이트 인증 오류).
    pub const UNAUTHORIZED: &str = "8001";
    /// The payment token was already approved (이미 승인된 거래).
    pub const ALREADY_APPROVED: &str = "8002";
    /// No payment with this `tno` (거래번호 오류).
    pub const NOT_FOUND: &str = "8101";
    /// `ordr_mony` differs from the authenticated amount (결제 금액 불일치).
    pub const AMOUNT_MISMATCH: &str = "8105";
    /// `ordr_idxx` already used by another payment (주문번호 중복).
    pub const DUPLICATE_ORDER: &str = "8128";
    /// The payment is fully cancelled already (이미 취소된 거래).
    pub const ALREADY_CANCELED: &str = "8133";
    /// The payment was never approved, so it cannot be cancelled (미승인 거래 취소 불가).
    pub const NOT_APPROVED: &str = "8134";
    /// `mod_mny` exceeds the cancellable balance (취소 금액 초과).
    pub const OVER_BALANCE: &str = "8143";
    /// `rem_mny` differs from the balance before the cancel (잔액 불일치).
    pub const BALANCE_MISMATCH: &str = "8144";
    /// A missing or malformed field, unknown `mod_type`, or an amount not above zero.
    pub const INVALID_REQUEST: &str = "8900";
    /// KCP failed internally; nothing happened and a retry may work (시스템 오류).
    pub const INTERNAL: &str = "9999";
}

/// KCP payment states in paydrill's fake (`pay_status`) → canonical.
pub fn status(word: &str) -> Option<PgStatus> {
    Some(match word {
        "ready" => PgStatus::Ready,
        "paid" => PgStatus::Paid,
        "partial_canceled" => PgStatus::PartialCanceled,
        "canceled" => PgStatus::Canceled,
        "failed" => PgStatus::Failed,
        _ => return None,
    })
}

fn rejection(code: &str) -> Option<Rejection> {
    Some(match code {
        codes::UNAUTHORIZED => Rejection::Unauthorized,
        codes::ALREADY_APPROVED => Rejection::AlreadyApproved,
        codes::NOT_FOUND => Rejection::NotFound,
        codes::AMOUNT_MISMATCH => Rejection::AmountMismatch,
        codes::DUPLICATE_ORDER => Rejection::DuplicateOrderId,
        codes::ALREADY_CANCELED => Rejection::AlreadyCanceled,
        codes::OVER_BALANCE => Rejection::OverBalance,
        codes::BALANCE_MISMATCH => Rejection::BalanceMismatch,
        codes::INVALID_REQUEST => Rejection::InvalidRequest,
        _ => return None,
    })
}

const RESULT: json::ResultCode = json::ResultCode {
    code: "/res_cd",
    message: "/res_msg",
    ok: &[codes::OK],
    internal: |c| c == codes::INTERNAL,
    rejection,
};

fn ok_body(reply: &HttpReply) -> Result<Value, PgError> {
    json::result_code_body(PG, reply, &RESULT)
}

const FIELDS: json::PaymentFields = json::PaymentFields {
    id: "/tno",
    status: "/pay_status",
    order: "/ordr_idxx",
    total: "/amount",
    balance: "/rem_mny",
    transaction: "/app_no",
};

fn payment(v: &Value) -> Result<PgPayment, PgError> {
    json::payment(PG, v, &FIELDS, status)
}

impl WireCodec for KcpCodec {
    fn pg(&self) -> PgName {
        PG
    }

    fn approve(&self, creds: &Credentials, pg_payment_id: &str, req: &ApproveRequest) -> HttpCall {
        HttpCall::post("/gw/enc/v1/payment").json(json!({
            "tran_cd": "00100000",
            "site_cd": creds.merchant_id,
            "kcp_cert_info": creds.secret,
            "enc_data": pg_payment_id,
            "enc_info": "paydrill",
            "ordr_mony": req.amount.to_string(),
            "ordr_idxx": req.merchant_order_id,
            "pay_method": "CARD",
        }))
    }

    fn read_approve(&self, reply: &HttpReply) -> Result<Option<PgPayment>, PgError> {
        payment(&ok_body(reply)?).map(Some)
    }

    fn cancel_needs_balance(&self, req: &CancelRequest) -> bool {
        req.amount.is_some()
    }

    fn cancel(&self, creds: &Credentials, payment: &PaymentRef, req: &CancelRequest) -> HttpCall {
        let mut body = json!({
            "site_cd": creds.merchant_id,
            "kcp_cert_info": creds.secret,
            "tno": payment.pg_payment_id,
            "mod_type": if req.amount.is_some() { "STPC" } else { "STSC" },
            "mod_desc": req.reason,
        });
        if let Some(amount) = req.amount {
            body["mod_mny"] = json!(amount.to_string());
        }
        if let Some(balance) = req.expected_balance {
            body["rem_mny"] = json!(balance.to_string());
        }
        HttpCall::post("/gw/mod/v1/cancel").json(body)
    }

    fn read_cancel(&self, payment: &PaymentRef, _req: &CancelRequest, reply: &HttpReply) -> Result<PgCancel, PgError> {
        let v = ok_body(reply)?;
        Ok(PgCancel {
            pg_payment_id: payment.pg_payment_id.clone(),
            transaction_id: json::string(PG, &v, "/mod_tno")?,
            amount: json::krw(PG, &v, "/mod_mny")?,
            balance_after: Some(json::krw(PG, &v, "/rem_mny")?),
        })
    }

    fn inquire(&self, creds: &Credentials, payment: &PaymentRef) -> HttpCall {
        HttpCall::post("/std/inquery").json(json!({
            "site_cd": creds.merchant_id,
            "kcp_cert_info": creds.secret,
            "tno": payment.pg_payment_id,
        }))
    }

    fn read_inquire(&self, reply: &HttpReply) -> Result<PgPayment, PgError> {
        payment(&ok_body(reply)?)
    }
}
