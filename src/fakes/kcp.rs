//! NHN KCP, server side: JSON bodies carrying `site_cd` and `kcp_cert_info` (a wrong pair is
//! refused with HTTP 200 and `res_cd` 8001), answers HTTP 200 with `res_cd`/`res_msg`.
//!
//! Approve `POST /gw/enc/v1/payment` (`enc_data`, `ordr_idxx`, `ordr_mony`), cancel `POST
//! /gw/mod/v1/cancel` (`tno`, `mod_type` STSC full / STPC partial, `mod_mny`, `rem_mny`,
//! `mod_desc`), inquiry `POST /std/inquery` (`tno`).
//!
//! Chosen where the public material is silent:
//! - KCP publishes no error table, so the `res_cd` values are paydrill's
//!   (`crate::pg::kcp::codes`): 8001 bad site/cert, 8002 already approved, 8101 unknown `tno`,
//!   8105 amount mismatch, 8128 duplicate `ordr_idxx`, 8133 already cancelled, 8134 cancel of an
//!   unapproved payment, 8143 cancel over the balance, 8144 `rem_mny` mismatch, 8900 invalid
//!   request, 9999 system error. An unknown path gets HTTP 404 with 8900.
//! - `rem_mny` (the balance before the cancel) is required for STPC and checked when sent
//!   with STSC.
//! - The inquiry answer's fields `pay_status` (ready / paid / partial_canceled / canceled /
//!   failed), `amount` (approved total) and `rem_mny` (balance); a cancel answer adds
//!   `mod_tno` (the cancel's own id), `mod_mny` and `canc_time`.
//! - `ordr_idxx` travels with the approval (KCP keeps it from the order form); the `tno` is the
//!   widget's `enc_data` token in paydrill's stand-in for the customer's authentication.

use super::ledger::{LedgerError, Settled};
use super::wire::{krw_field, kst, text_field, FakeReply, FakeRequest, WireCall, WireServer};
use crate::pg::kcp::codes;
use crate::pg::{Credentials, PgName, PgStatus};
use serde_json::json;

#[derive(Default)]
pub struct KcpServer;

fn result(code: &str, message: &str) -> FakeReply {
    FakeReply::json(200, json!({ "res_cd": code, "res_msg": message }))
}

fn status_word(s: PgStatus) -> &'static str {
    match s {
        PgStatus::Ready => "ready",
        PgStatus::Paid => "paid",
        PgStatus::PartialCanceled => "partial_canceled",
        PgStatus::Canceled => "canceled",
        PgStatus::Failed => "failed",
    }
}

fn ledger_error(e: &LedgerError) -> FakeReply {
    match e {
        LedgerError::KeyForAnotherOrder | LedgerError::InvalidToken => result(codes::NOT_FOUND, "거래번호 오류"),
        LedgerError::NotFound => result(codes::NOT_FOUND, "거래번호 오류"),
        LedgerError::DuplicateOrderId => result(codes::DUPLICATE_ORDER, "주문번호 중복"),
        LedgerError::AlreadyApproved => result(codes::ALREADY_APPROVED, "이미 승인된 거래"),
        LedgerError::NotApproved => result(codes::NOT_APPROVED, "미승인 거래는 취소할 수 없음"),
        LedgerError::AmountMismatch { .. } => result(codes::AMOUNT_MISMATCH, "결제 금액 불일치"),
        LedgerError::AlreadyCanceled => result(codes::ALREADY_CANCELED, "이미 취소된 거래"),
        LedgerError::OverBalance { .. } => result(codes::OVER_BALANCE, "취소 금액이 잔액을 초과"),
        LedgerError::BalanceMismatch { .. } => result(codes::BALANCE_MISMATCH, "잔액(rem_mny) 불일치"),
        LedgerError::InvalidAmount => result(codes::INVALID_REQUEST, "금액 오류"),
    }
}

impl WireServer for KcpServer {
    fn pg(&self) -> PgName {
        PgName::Kcp
    }

    fn parse(&self, req: &FakeRequest, creds: &Credentials) -> Result<WireCall, FakeReply> {
        let b = req.json().ok_or_else(|| result(codes::INVALID_REQUEST, "JSON 형식 오류"))?;
        let site = text_field(&b, "site_cd");
        let cert = text_field(&b, "kcp_cert_info");
        if site.as_deref() != Some(creds.merchant_id.as_str()) || cert.as_deref() != Some(creds.secret.as_str()) {
            return Err(result(codes::UNAUTHORIZED, "사이트 인증 오류"));
        }
        let need =
            |key: &str| text_field(&b, key).ok_or_else(|| result(codes::INVALID_REQUEST, &format!("{key} 누락")));
        match (req.method.as_str(), req.path.as_str()) {
            ("POST", "/gw/enc/v1/payment") => Ok(WireCall::Approve {
                pg_payment_id: need("enc_data")?,
                merchant_order_id: Some(need("ordr_idxx")?),
                amount: Some(
                    krw_field(&b, "ordr_mony").ok_or_else(|| result(codes::INVALID_REQUEST, "ordr_mony 누락"))?,
                ),
                token: None,
            }),
            ("POST", "/gw/mod/v1/cancel") => {
                let partial = match need("mod_type")?.as_str() {
                    "STPC" => true,
                    "STSC" => false,
                    other => return Err(result(codes::INVALID_REQUEST, &format!("mod_type {other} 오류"))),
                };
                let amount = if partial {
                    Some(krw_field(&b, "mod_mny").ok_or_else(|| result(codes::INVALID_REQUEST, "mod_mny 누락"))?)
                } else {
                    None
                };
                let rem = krw_field(&b, "rem_mny");
                if partial && rem.is_none() {
                    return Err(result(codes::INVALID_REQUEST, "부분취소는 rem_mny 필수"));
                }
                Ok(WireCall::Cancel {
                    pg_payment_id: need("tno")?,
                    amount,
                    expected_balance: rem,
                    reason: text_field(&b, "mod_desc").unwrap_or_default(),
                })
            }
            ("POST", "/std/inquery") => {
                Ok(WireCall::Inquire { pg_payment_id: Some(need("tno")?), merchant_order_id: None })
            }
            _ => Err(FakeReply::json(404, json!({ "res_cd": codes::INVALID_REQUEST, "res_msg": "존재하지 않는 API" }))),
        }
    }

    fn render(&self, call: &WireCall, outcome: &Result<Settled, LedgerError>) -> FakeReply {
        let s = match outcome {
            Ok(s) => s,
            Err(e) => return ledger_error(e),
        };
        let p = &s.payment;
        let mut v = json!({
            "res_cd": codes::OK,
            "res_msg": "정상처리",
            "tno": p.pg_payment_id,
            "ordr_idxx": p.merchant_order_id,
            "amount": p.total.to_string(),
            "rem_mny": p.balance.to_string(),
            "pay_status": status_word(p.status),
            "app_no": p.approval_id,
            "app_time": p.approved_at.map(kst),
            "pay_method": "PACA",
        });
        if let (WireCall::Cancel { .. }, Some(c)) = (call, &s.cancel) {
            v["mod_tno"] = json!(c.cancel_id);
            v["mod_mny"] = json!(c.amount.to_string());
            v["canc_time"] = json!(kst(c.canceled_at));
        }
        FakeReply::json(200, v)
    }

    fn internal_error(&self) -> FakeReply {
        result(codes::INTERNAL, "시스템 오류")
    }
}
