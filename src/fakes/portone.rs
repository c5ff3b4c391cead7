//! PortOne V2, server side, to the published OpenAPI document (`tests/fixtures/portone/`):
//! JSON, `Authorization: PortOne <secret>`, errors as HTTP status + `{type, message}` with each
//! endpoint's own types, an `Idempotency-Key` (16–256 characters) that replays the first answer.
//!
//! - `GET /payments/{paymentId}` answers the `Payment` of its status (`READY`, `PAID`,
//!   `PARTIAL_CANCELLED`, `CANCELLED`, `FAILED`) with every field the schema requires, optional
//!   fields left out (never `null`); times in KST with an offset.
//! - The customer's approval (the test-only authorise endpoint) makes the payment READY under
//!   the merchant's paymentId (its order id unless given) and gives a `paymentToken`;
//!   `POST /payments/{paymentId}/confirm` needs that token (400 `INVALID_PAYMENT_TOKEN`
//!   otherwise), checks `totalAmount` (409 `INFORMATION_MISMATCH`) and answers the summary
//!   `{pgTxId, paidAt}`; an unknown paymentId is 404 `PAYMENT_NOT_FOUND`, a second confirm 409
//!   `ALREADY_PAID`.
//! - `POST /payments/{paymentId}/cancel` (`reason` required, `amount` absent = full,
//!   `currentCancellableAmount`) answers `{cancellation: SucceededPaymentCancellation}`.
//!
//! Chosen where the document is silent: the channel is a TEST Toss Payments channel, the method a
//! card; a `storeId` other than the merchant's is 403 `FORBIDDEN`; the internal-error fault is
//! 502 `PG_PROVIDER` with a `pgCode`.

use super::ledger::{LedgerError, Settled};
use super::webhook::{WebhookEvent, WebhookKind, WebhookMessage};
use super::wire::{krw_field, text_field, CustomerStep, FakeReply, FakeRequest, WireCall, WireServer};
use crate::pg::portone::{auth, webhook_signature};
use crate::pg::{Credentials, LedgerPayment, PgName, PgStatus};
use serde_json::{json, Map, Value};
use time::OffsetDateTime;

#[derive(Default)]
pub struct PortoneServer;

fn err(status: u16, kind: &str, message: &str) -> FakeReply {
    FakeReply::json(status, json!({ "type": kind, "message": message }))
}

fn status_word(s: PgStatus) -> &'static str {
    match s {
        PgStatus::Ready => "READY",
        PgStatus::Paid => "PAID",
        PgStatus::PartialCanceled => "PARTIAL_CANCELLED",
        PgStatus::Canceled => "CANCELLED",
        PgStatus::Failed => "FAILED",
    }
}

fn ledger_error(e: &LedgerError) -> FakeReply {
    match e {
        LedgerError::KeyForAnotherOrder | LedgerError::InvalidToken => {
            err(400, "INVALID_PAYMENT_TOKEN", "유효하지 않은 결제 토큰입니다.")
        }
        LedgerError::NotFound => err(404, "PAYMENT_NOT_FOUND", "결제 건이 존재하지 않습니다."),
        LedgerError::DuplicateOrderId | LedgerError::AlreadyApproved => {
            err(409, "ALREADY_PAID", "결제가 이미 완료되었습니다.")
        }
        LedgerError::AmountMismatch { .. } => err(409, "INFORMATION_MISMATCH", "결제 정보가 일치하지 않습니다."),
        LedgerError::AlreadyCanceled => err(409, "PAYMENT_ALREADY_CANCELLED", "결제가 이미 취소되었습니다."),
        LedgerError::OverBalance { .. } => {
            err(409, "CANCEL_AMOUNT_EXCEEDS_CANCELLABLE_AMOUNT", "결제 취소 금액이 취소 가능 금액을 초과합니다.")
        }
        LedgerError::BalanceMismatch { .. } => {
            err(409, "CANCELLABLE_AMOUNT_CONSISTENCY_BROKEN", "취소 가능 잔액 검증에 실패했습니다.")
        }
        LedgerError::InvalidAmount => err(400, "INVALID_REQUEST", "금액이 올바르지 않습니다."),
        LedgerError::NotApproved => err(409, "PAYMENT_NOT_PAID", "결제가 완료되지 않았습니다."),
    }
}

/// PortOne's date-time: RFC 3339 in KST, to the millisecond.
fn at(t: OffsetDateTime) -> String {
    let kst = t.to_offset(time::UtcOffset::from_hms(9, 0, 0).expect("a valid offset"));
    let format =
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]+09:00");
    kst.format(format).unwrap_or_default()
}

/// The VAT inside a tax-inclusive amount (1/11, rounded down).
fn vat(amount: i64) -> i64 {
    amount / 11
}

fn cancellation(c: &crate::pg::LedgerCancel) -> Value {
    json!({
        "status": "SUCCEEDED",
        "id": c.cancel_id,
        "pgCancellationId": format!("pg-{}", c.cancel_id),
        "totalAmount": c.amount,
        "taxFreeAmount": 0,
        "vatAmount": vat(c.amount),
        "reason": c.reason,
        "requestedAt": at(c.canceled_at),
        "cancelledAt": at(c.canceled_at),
        "trigger": "API",
    })
}

/// The `Payment` of `p`'s status, with every field the schema requires for it.
fn payment_json(p: &LedgerPayment, store_id: &str) -> Value {
    let requested = p.authorized_at.or(p.approved_at).unwrap_or(OffsetDateTime::UNIX_EPOCH);
    let changed = p.cancels.last().map(|c| c.canceled_at).or(p.approved_at).unwrap_or(requested);
    let paid = if p.approved_at.is_some() { p.total } else { 0 };
    let mut v = Map::new();
    let mut put = |k: &str, x: Value| {
        v.insert(k.to_string(), x);
    };
    put("status", json!(status_word(p.status)));
    put("id", json!(p.pg_payment_id));
    put("transactionId", json!(format!("tx-{}", p.pg_payment_id)));
    put("merchantId", json!(format!("merchant-{store_id}")));
    put("storeId", json!(store_id));
    put("version", json!("V2"));
    put("requestedAt", json!(at(requested)));
    put("updatedAt", json!(at(changed)));
    put("statusChangedAt", json!(at(changed)));
    put("orderName", json!(format!("paydrill order {}", p.merchant_order_id)));
    put(
        "amount",
        json!({
            "total": p.total,
            "taxFree": 0,
            "vat": vat(p.total),
            "supply": p.total - vat(p.total),
            "discount": 0,
            "paid": paid,
            "cancelled": p.cancelled,
            "cancelledTaxFree": 0,
        }),
    );
    put("currency", json!("KRW"));
    put("customer", json!({ "id": "paydrill-customer" }));
    put("origin", json!({ "platformType": "PC", "ipAddress": "127.0.0.1" }));
    if p.status != PgStatus::Ready {
        put(
            "channel",
            json!({ "type": "TEST", "id": "channel-paydrill", "key": "channel-key-paydrill",
                    "name": "paydrill test channel", "pgProvider": "TOSSPAYMENTS", "pgMerchantId": "tosstest" }),
        );
        put(
            "method",
            json!({ "type": "PaymentMethodCard", "approvalNumber": "00000000",
                    "card": { "publisher": "국민", "issuer": "국민", "brand": "LOCAL", "type": "CREDIT",
                              "ownerType": "PERSONAL", "bin": "943645", "name": "KB국민카드", "number": "9436450000000000" },
                    "installment": { "month": 0, "isInterestFree": false } }),
        );
    }
    if let Some(paid_at) = p.approved_at {
        put("paidAt", json!(at(paid_at)));
        put("pgTxId", json!(p.approval_id));
        put("receiptUrl", json!(format!("https://receipt.paydrill.test/{}", p.pg_payment_id)));
    }
    match p.status {
        PgStatus::Paid => put("disputes", json!([])),
        PgStatus::PartialCanceled | PgStatus::Canceled => {
            put("cancellations", Value::Array(p.cancels.iter().map(cancellation).collect()));
            put("cancelledAt", json!(at(changed)));
        }
        PgStatus::Failed => {
            put("failedAt", json!(at(changed)));
            put("failure", json!({ "reason": "the payment failed" }));
        }
        PgStatus::Ready => {}
    }
    Value::Object(v)
}

impl WireServer for PortoneServer {
    fn pg(&self) -> PgName {
        PgName::Portone
    }

    fn idempotency_header(&self) -> Option<&'static str> {
        Some("Idempotency-Key")
    }

    /// The merchant chooses the paymentId: its own order id.
    fn customer_key(&self, merchant_order_id: &str, _seq: u64) -> String {
        merchant_order_id.to_string()
    }

    fn customer_step(&self) -> CustomerStep {
        CustomerStep::Token { payment: true }
    }

    fn parse(&self, req: &FakeRequest, creds: &Credentials) -> Result<WireCall, FakeReply> {
        if req.header("authorization") != Some(auth(&creds.secret).as_str()) {
            return Err(err(401, "UNAUTHORIZED", "인증 정보가 올바르지 않습니다."));
        }
        if let Some(key) = req.header("idempotency-key") {
            if !(16..=256).contains(&key.len()) {
                return Err(err(400, "INVALID_REQUEST", "Idempotency-Key 는 16~256자여야 합니다."));
            }
        }
        let body = || {
            let b = req.json().ok_or_else(|| err(400, "INVALID_REQUEST", "요청 본문이 JSON이 아닙니다."))?;
            match text_field(&b, "storeId") {
                Some(store) if store != creds.merchant_id => {
                    Err(err(403, "FORBIDDEN", "요청한 상점에 대한 접근 권한이 없습니다."))
                }
                _ => Ok(b),
            }
        };
        match (req.method.as_str(), req.segments().as_slice()) {
            ("GET", ["payments", id]) => {
                Ok(WireCall::Inquire { pg_payment_id: Some(id.to_string()), merchant_order_id: None })
            }
            ("POST", ["payments", id, "confirm"]) => {
                let b = body()?;
                let token = text_field(&b, "paymentToken")
                    .ok_or_else(|| err(400, "INVALID_REQUEST", "paymentToken 이 필요합니다."))?;
                if text_field(&b, "currency").is_some_and(|c| c != "KRW") {
                    return Err(err(409, "INFORMATION_MISMATCH", "결제 정보가 일치하지 않습니다."));
                }
                Ok(WireCall::Approve {
                    pg_payment_id: id.to_string(),
                    merchant_order_id: None,
                    amount: krw_field(&b, "totalAmount"),
                    token: Some(token),
                })
            }
            ("POST", ["payments", id, "cancel"]) => {
                let b = body()?;
                let reason =
                    text_field(&b, "reason").ok_or_else(|| err(400, "INVALID_REQUEST", "reason 이 필요합니다."))?;
                Ok(WireCall::Cancel {
                    pg_payment_id: id.to_string(),
                    amount: krw_field(&b, "amount"),
                    expected_balance: krw_field(&b, "currentCancellableAmount"),
                    reason,
                })
            }
            _ => Err(err(400, "INVALID_REQUEST", "존재하지 않는 API 입니다.")),
        }
    }

    fn render(&self, call: &WireCall, outcome: &Result<Settled, LedgerError>) -> FakeReply {
        let s = match outcome {
            Ok(s) => s,
            Err(e) => return ledger_error(e),
        };
        match (call, &s.cancel) {
            (WireCall::Cancel { .. }, Some(c)) => FakeReply::json(200, json!({ "cancellation": cancellation(c) })),
            (WireCall::Approve { .. }, _) => FakeReply::json(
                200,
                json!({ "pgTxId": s.payment.approval_id, "paidAt": at(s.payment.approved_at.unwrap_or(OffsetDateTime::UNIX_EPOCH)) }),
            ),
            _ => FakeReply::json(200, payment_json(&s.payment, STORE_ID)),
        }
    }

    /// Standard Webhooks: `{type, timestamp, data{paymentId, storeId, transactionId,
    /// cancellationId}}` with `webhook-id`, `webhook-timestamp` and `webhook-signature` headers.
    fn webhook(&self, event: &WebhookEvent, secret: &str) -> Option<WebhookMessage> {
        let p = &event.payment;
        let kind = match event.kind {
            WebhookKind::Paid => "Transaction.Paid",
            WebhookKind::PartialCancelled => "Transaction.PartialCancelled",
            WebhookKind::Cancelled => "Transaction.Cancelled",
        };
        let mut data = json!({
            "paymentId": p.pg_payment_id,
            "storeId": STORE_ID,
            "transactionId": format!("tx-{}", p.pg_payment_id),
        });
        if let Some(c) = &event.cancel {
            data["cancellationId"] = json!(c.cancel_id);
        }
        let format =
            time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");
        let at = event.at.to_offset(time::UtcOffset::UTC).format(format).unwrap_or_default();
        let body = json!({ "type": kind, "timestamp": at, "data": data }).to_string();
        let id = format!("msg_{}", event.id);
        let ts = event.at.unix_timestamp().to_string();
        let signature = webhook_signature(secret, &id, &ts, &body)?;
        Some(WebhookMessage {
            headers: vec![
                ("Content-Type".into(), "application/json".into()),
                ("webhook-id".into(), id),
                ("webhook-timestamp".into(), ts),
                ("webhook-signature".into(), signature),
            ],
            body,
        })
    }

    /// Up to five retries (PortOne's schedule is not published: 1, 2, 4, 8 and 16 units, chosen).
    fn webhook_retries(&self) -> &'static [u32] {
        &[1, 2, 4, 8, 16]
    }

    fn internal_error(&self) -> FakeReply {
        FakeReply::json(
            502,
            json!({ "type": "PG_PROVIDER", "message": "PG사에서 오류가 발생했습니다.", "pgCode": "9999", "pgMessage": "PG 내부 오류" }),
        )
    }
}

/// The store every answer names (the shipped mock's `merchant_id`).
const STORE_ID: &str = "store-paydrill-test";
