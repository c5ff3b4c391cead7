//! Toss Payments, server side. Paths, fields, status words and error codes follow Toss's public
//! docs (see shared/pg-wire-formats.md).
//!
//! Chosen where the notes are silent: a confirm whose amount differs from the authenticated one is
//! refused with 400 `NOT_MATCHES_AMOUNT`; a confirm of a key no customer got, or got for another
//! order, with 404 `NOT_FOUND_PAYMENT_SESSION`; the Payment's card is a fixed test card.
//! A replay of a request still held (a slow or timeout fault) is 409
//! `IDEMPOTENT_REQUEST_PROCESSING`. `FORBIDDEN_CONSECUTIVE_REQUEST` (two cancels within 1 s) is not
//! simulated, since it would refuse every scripted back-to-back cancel.

use super::ledger::{LedgerError, Settled};
use super::report::SettlementRow;
use super::webhook::{WebhookEvent, WebhookMessage};
use super::wire::{kst, FakeReply, FakeRequest, WireCall, WireServer};
use crate::pg::toss::basic_auth;
use crate::pg::{Credentials, PgName, PgStatus};
use serde_json::{json, Value};

#[derive(Default)]
pub struct TossServer;

fn err(status: u16, code: &str, message: &str) -> FakeReply {
    FakeReply::json(status, json!({ "code": code, "message": message }))
}

/// The answer for a `TossPayments-Test-Code` header: the named error, as a test key gets it.
pub fn test_code_reply(code: &str) -> FakeReply {
    let status = match code {
        "NOT_CANCELABLE_AMOUNT" | "NOT_CANCELABLE_PAYMENT" | "FORBIDDEN_CONSECUTIVE_REQUEST" => 403,
        "NOT_FOUND_PAYMENT" => 404,
        "UNAUTHORIZED_KEY" => 401,
        "FAILED_INTERNAL_SYSTEM_PROCESSING" => 500,
        _ => 400,
    };
    err(status, code, "test code requested by TossPayments-Test-Code")
}

fn status_word(s: PgStatus) -> &'static str {
    match s {
        PgStatus::Ready => "READY",
        PgStatus::Paid => "DONE",
        PgStatus::PartialCanceled => "PARTIAL_CANCELED",
        PgStatus::Canceled => "CANCELED",
        PgStatus::Failed => "ABORTED",
    }
}

/// Toss writes times to the second in KST: `2024-02-13T12:18:14+09:00`.
fn toss_time(t: time::OffsetDateTime) -> String {
    kst(t.replace_nanosecond(0).unwrap_or(t))
}

/// VAT inside an amount of won, the way Toss splits a taxable amount (1/11, rounded).
fn vat_of(amount: i64) -> i64 {
    (amount * 10 + 55) / 110
}

/// A Payment object with every field Toss documents as always present (`null` where the
/// payment has none, as Toss sends it). Card details are a fixed test card.
fn payment_json(s: &Settled) -> Value {
    let p = &s.payment;
    let requested = p.authorized_at.or(p.approved_at).map(toss_time);
    let approved_at = p.approved_at.map(toss_time);
    let cancels: Vec<Value> = p
        .cancels
        .iter()
        .map(|c| {
            json!({
                "transactionKey": c.cancel_id,
                "cancelReason": c.reason,
                "taxExemptionAmount": 0,
                "canceledAt": toss_time(c.canceled_at),
                "transferDiscountAmount": 0,
                "easyPayDiscountAmount": 0,
                "receiptKey": null,
                "cancelAmount": c.amount,
                "taxFreeAmount": 0,
                "refundableAmount": c.balance_after,
                "cancelStatus": "DONE",
                "cancelRequestId": null,
            })
        })
        .collect();
    let last = p.cancels.last().map(|c| c.cancel_id.clone()).or_else(|| p.approval_id.clone());
    let paid = p.approved_at.is_some();
    // Supplied amount and VAT are of what is left after cancels, once paid.
    let taxable = if paid { p.balance } else { p.total };
    let card = paid.then(|| {
        json!({
            "issuerCode": "61", "acquirerCode": "31", "number": "43301234****123*", "installmentPlanMonths": 0,
            "isInterestFree": false, "interestPayer": null, "approveNo": "00000000", "useCardPoint": false,
            "cardType": "신용", "ownerType": "개인", "acquireStatus": "READY", "amount": p.total,
        })
    });
    json!({
        "mId": "tvivarepublica",
        "lastTransactionKey": last,
        "paymentKey": p.pg_payment_id,
        "orderId": p.merchant_order_id,
        "orderName": "paydrill order",
        "taxExemptionAmount": 0,
        "status": status_word(p.status),
        "requestedAt": requested,
        "approvedAt": approved_at,
        "useEscrow": false,
        "cultureExpense": false,
        "card": card,
        "virtualAccount": null,
        "transfer": null,
        "mobilePhone": null,
        "giftCertificate": null,
        "cashReceipt": null,
        "cashReceipts": null,
        "discount": null,
        "cancels": if cancels.is_empty() { Value::Null } else { Value::Array(cancels) },
        "secret": null,
        "type": "NORMAL",
        "easyPay": null,
        "country": "KR",
        "failure": null,
        "isPartialCancelable": true,
        "receipt": paid.then(|| json!({ "url": format!("https://dashboard.tosspayments.com/receipt/redirection?transactionId={}", p.pg_payment_id) })),
        "checkout": { "url": format!("https://api.tosspayments.com/v1/payments/{}/checkout", p.pg_payment_id) },
        "currency": "KRW",
        "totalAmount": p.total,
        "balanceAmount": p.balance,
        "suppliedAmount": taxable - vat_of(taxable),
        "vat": vat_of(taxable),
        "taxFreeAmount": 0,
        "metadata": null,
        "method": "카드",
        "version": "2022-11-16",
    })
}

fn ledger_error(e: &LedgerError) -> FakeReply {
    match e {
        LedgerError::KeyForAnotherOrder => {
            err(404, "NOT_FOUND_PAYMENT_SESSION", "결제 시간이 만료되어 결제 진행 데이터가 존재하지 않습니다.")
        }
        LedgerError::InvalidToken => err(400, "INVALID_REQUEST", "잘못된 요청입니다."),
        LedgerError::NotFound => err(404, "NOT_FOUND_PAYMENT", "존재하지 않는 결제 정보 입니다."),
        LedgerError::DuplicateOrderId => {
            err(400, "DUPLICATED_ORDER_ID", "이미 승인 및 취소가 진행된 중복된 주문번호 입니다.")
        }
        LedgerError::AlreadyApproved => err(400, "ALREADY_PROCESSED_PAYMENT", "이미 처리된 결제 입니다."),
        LedgerError::AmountMismatch { .. } => err(400, "NOT_MATCHES_AMOUNT", "결제 금액이 일치하지 않습니다."),
        LedgerError::AlreadyCanceled => err(400, "ALREADY_CANCELED_PAYMENT", "이미 취소된 결제 입니다."),
        LedgerError::OverBalance { .. } => err(403, "NOT_CANCELABLE_AMOUNT", "취소 할 수 없는 금액 입니다."),
        LedgerError::BalanceMismatch { .. } => {
            err(400, "NOT_MATCHES_REFUNDABLE_AMOUNT", "잔액 결과가 일치하지 않습니다.")
        }
        LedgerError::InvalidAmount => err(400, "BELOW_ZERO_AMOUNT", "금액은 0보다 커야 합니다."),
        LedgerError::NotApproved => err(403, "NOT_CANCELABLE_PAYMENT", "취소 할 수 없는 결제 입니다."),
    }
}

/// An optional amount field that, when present, must be a whole number of won; anything else
/// is refused rather than read as absent (which would turn a partial cancel into a full one).
fn amount_field(b: &Value, key: &str) -> Result<Option<i64>, FakeReply> {
    match b.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => {
            v.as_i64().map(Some).ok_or_else(|| err(400, "INVALID_REQUEST", &format!("{key} 는 정수여야 합니다.")))
        }
    }
}

impl WireServer for TossServer {
    /// Toss issues `paymentKey`s like `tgen_20241201123456AbCd1`.
    fn customer_key(&self, _merchant_order_id: &str, seq: u64) -> String {
        let now = time::OffsetDateTime::now_utc();
        // Random letters as Toss's own keys have them, so fakes in two processes (load shards)
        // never issue the same key; the sequence keeps one fake's keys apart.
        let letters: String = (0..5).map(|_| fastrand::alphanumeric()).collect();
        format!(
            "tgen_{:04}{:02}{:02}{:02}{:02}{:02}{letters}{seq}",
            now.year(),
            now.month() as u8,
            now.day(),
            now.hour(),
            now.minute(),
            now.second()
        )
    }

    fn pg(&self) -> PgName {
        PgName::Toss
    }

    fn idempotency_header(&self) -> Option<&'static str> {
        Some("Idempotency-Key")
    }

    fn parse(&self, req: &FakeRequest, creds: &Credentials) -> Result<WireCall, FakeReply> {
        if req.header("authorization") != Some(basic_auth(&creds.secret).as_str()) {
            return Err(err(401, "UNAUTHORIZED_KEY", "인증되지 않은 시크릿 키 혹은 클라이언트 키 입니다."));
        }
        let invalid = |m: &str| err(400, "INVALID_REQUEST", m);
        let body = || req.json().ok_or_else(|| invalid("요청 본문이 JSON이 아닙니다."));
        match (req.method.as_str(), req.segments().as_slice()) {
            ("POST", ["v1", "payments", "confirm"]) => {
                let b = body()?;
                let key = b.get("paymentKey").and_then(Value::as_str);
                let order = b.get("orderId").and_then(Value::as_str);
                let amount = amount_field(&b, "amount")?;
                match (key, order, amount) {
                    (Some(k), Some(o), Some(a)) => Ok(WireCall::Approve {
                        pg_payment_id: k.to_string(),
                        merchant_order_id: Some(o.to_string()),
                        amount: Some(a),
                        token: None,
                    }),
                    _ => Err(invalid("paymentKey, orderId, amount 는 필수입니다.")),
                }
            }
            // The legacy approve path, still served (SDKs generated from older docs call it).
            ("POST", ["v1", "payments", key]) if *key != "confirm" => {
                let b = body()?;
                match (b.get("orderId").and_then(Value::as_str), amount_field(&b, "amount")?) {
                    (Some(o), Some(a)) => Ok(WireCall::Approve {
                        pg_payment_id: key.to_string(),
                        merchant_order_id: Some(o.to_string()),
                        amount: Some(a),
                        token: None,
                    }),
                    _ => Err(invalid("orderId, amount 는 필수입니다.")),
                }
            }
            ("POST", ["v1", "payments", key, "cancel"]) => {
                let b = body()?;
                let reason = b
                    .get("cancelReason")
                    .and_then(Value::as_str)
                    .ok_or_else(|| invalid("cancelReason 은 필수입니다."))?;
                Ok(WireCall::Cancel {
                    pg_payment_id: key.to_string(),
                    amount: amount_field(&b, "cancelAmount")?,
                    expected_balance: amount_field(&b, "refundableAmount")?,
                    reason: reason.to_string(),
                })
            }
            ("GET", ["v1", "payments", "orders", order]) => {
                Ok(WireCall::Inquire { pg_payment_id: None, merchant_order_id: Some(order.to_string()) })
            }
            ("GET", ["v1", "payments", key]) => {
                Ok(WireCall::Inquire { pg_payment_id: Some(key.to_string()), merchant_order_id: None })
            }
            _ => Err(err(404, "NOT_FOUND", "존재하지 않는 API 입니다.")),
        }
    }

    fn render(&self, call: &WireCall, outcome: &Result<Settled, LedgerError>) -> FakeReply {
        match (call, outcome) {
            (_, Ok(settled)) => FakeReply::json(200, payment_json(settled)),
            // A confirm of a key no customer got: the payment session does not exist.
            (WireCall::Approve { .. }, Err(LedgerError::NotFound)) => ledger_error(&LedgerError::KeyForAnotherOrder),
            (_, Err(e)) => ledger_error(e),
        }
    }

    /// `PAYMENT_STATUS_CHANGED` with the Payment as `data`; Toss signs none of it (a receiver
    /// checks it by reading the payment back).
    fn webhook(&self, event: &WebhookEvent, _secret: &str) -> Option<WebhookMessage> {
        let settled = Settled { payment: event.payment.clone(), cancel: event.cancel.clone() };
        // Toss writes the event's time in KST without an offset: `2022-01-01T00:00:00.000000`.
        let format =
            time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]");
        let kst_offset = time::UtcOffset::from_hms(9, 0, 0).expect("a valid offset");
        let created = event.at.to_offset(kst_offset).format(format).unwrap_or_default();
        let body = json!({
            "eventType": "PAYMENT_STATUS_CHANGED",
            "createdAt": created,
            "data": payment_json(&settled),
        });
        Some(WebhookMessage {
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: body.to_string(),
        })
    }

    fn webhooks_signed(&self) -> bool {
        false
    }

    /// `GET /v1/settlements?startDate&endDate[&dateType=soldDate|paidOutDate][&page][&size]`:
    /// the rows whose date falls in the range, a page at a time (size at most 10,000).
    fn settlements(
        &self,
        req: &FakeRequest,
        creds: &Credentials,
        rows: &dyn Fn() -> Vec<SettlementRow>,
    ) -> Option<FakeReply> {
        if req.method != "GET" || req.path != "/v1/settlements" {
            return None;
        }
        if req.header("authorization") != Some(basic_auth(&creds.secret).as_str()) {
            return Some(err(401, "UNAUTHORIZED_KEY", "인증되지 않은 시크릿 키 혹은 클라이언트 키 입니다."));
        }
        let invalid = |m: &str| Some(err(400, "INVALID_REQUEST", m));
        let date = |name: &str| req.query_param(name).filter(|d| d.len() == 10 && d.as_bytes()[4] == b'-');
        let (Some(start), Some(end)) = (date("startDate"), date("endDate")) else {
            return invalid("startDate, endDate 는 필수입니다 (yyyy-MM-dd).");
        };
        let by_payout = match req.query_param("dateType").unwrap_or("soldDate") {
            "soldDate" => false,
            "paidOutDate" => true,
            _ => return invalid("dateType 은 soldDate 또는 paidOutDate 입니다."),
        };
        let (Ok(page), Ok(size)) = (
            req.query_param("page").unwrap_or("1").parse::<usize>(),
            req.query_param("size").unwrap_or("100").parse::<usize>(),
        ) else {
            return invalid("page, size 는 숫자입니다.");
        };
        if page == 0 || size == 0 || size > 10_000 {
            return invalid("page 는 1 이상, size 는 1~10000 입니다.");
        }
        let listed: Vec<Value> = rows()
            .into_iter()
            .filter(|r| {
                let d = if by_payout { &r.paid_out_date } else { &r.sold_date };
                start <= d.as_str() && d.as_str() <= end
            })
            .skip((page - 1) * size)
            .take(size)
            .map(|r| {
                let cancel = r.cancel_amount.map(|c| json!({ "cancelAmount": c }));
                let mut v = serde_json::to_value(&r).unwrap_or_default();
                v["fees"] = json!([{ "type": "BASE", "fee": r.fee }]);
                v["cancel"] = cancel.unwrap_or(Value::Null);
                v["currency"] = json!("KRW");
                if let Some(o) = v.as_object_mut() {
                    o.remove("cancelAmount");
                }
                v
            })
            .collect();
        Some(FakeReply::json(200, Value::Array(listed)))
    }

    fn in_progress(&self) -> Option<FakeReply> {
        Some(err(409, "IDEMPOTENT_REQUEST_PROCESSING", "이전 멱등 요청이 아직 처리 중입니다."))
    }

    /// Nothing is signed: a forged webhook is one that claims what did not happen.
    fn forge(&self, message: &WebhookMessage) -> WebhookMessage {
        let mut body: Value = serde_json::from_str(&message.body).unwrap_or_default();
        body["data"]["status"] = json!("CANCELED");
        body["data"]["balanceAmount"] = json!(0);
        WebhookMessage { headers: message.headers.clone(), body: body.to_string() }
    }

    /// Toss sends a refused webhook again up to 7 times, after 1, 4, 16, 64, 256, 1024 and
    /// 4096 minutes.
    fn webhook_retries(&self) -> &'static [u32] {
        &[1, 4, 16, 64, 256, 1024, 4096]
    }

    fn internal_error(&self) -> FakeReply {
        err(
            500,
            "FAILED_INTERNAL_SYSTEM_PROCESSING",
            "내부 시스템 처리 작업이 실패했습니다. 잠시 후 다시 시도해주세요.",
        )
    }
}
