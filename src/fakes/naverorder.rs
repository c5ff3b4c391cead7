//! Naver Pay 주문형 (order type), server side: SOAP 1.1 at `POST /MallService41`, the operation in
//! `SOAPAction: MallService41#<Operation>` and the body's `<{Operation}Request>`, signed in its
//! `AccessCredentials`; answers `<n:{Operation}Response>` with `ResponseType` SUCCESS / ERROR and
//! `Error{Code, Message, Detail}`, or a SOAP Fault. Place (approve), cancel, read a product order.
//!
//! `AccessCredentials{AccessLicense, Timestamp, Signature}`: AccessLicense is the mock's
//! `merchant_id`, Signature base64 HMAC-SHA256 under its `secret` of Timestamp + "MallService41" +
//! Operation. `PlaceProductOrder` approves, `CancelSale` cancels, `GetProductOrderInfoList` reads.
//!
//! Chosen where the public material is silent:
//! - The path is `/MallService41` under the fake's base URL (Naver's own is
//!   `/Checkout/MallService41`); anything else is a Client Fault with HTTP 404. A Timestamp more
//!   than 5 minutes off the fake's clock is refused (ERR-AUTH-002); any RFC 3339 time is read,
//!   Naver's form being `2026-12-01T12:00:00.000+09:00`. The SOAPAction may be quoted and must
//!   name the operation of the body's request element. `RequestID` is answered empty.
//! - The model: the buyer orders and pays on Naver's side. paydrill's customer step (`POST
//!   /__paydrill/authorize`) stands for that and makes the product order under a 16-digit
//!   `ProductOrderID` (`2026120` + 9 digits of the fake's sequence), shown as `PAYED` with
//!   `PlaceOrderStatus` NOT_YET (canonical READY). The merchant's `PlaceProductOrder` (발주 확인,
//!   accepting the paid order) is the approval: `PlaceOrderStatus` OK (canonical PAID).
//! - `PlaceProductOrder` carries two paydrill elements beside `ProductOrderID`, both required:
//!   `MerchantOrderID` (must be the product order's merchant order, else ERR-PO-002) and
//!   `TotalPaymentAmount` (must be what the buyer paid, else ERR-PO-004). Its answer (on Naver:
//!   the ResponseType alone) adds the product order, as every success answer here does:
//!   `ProductOrderInfoList{Order{OrderID, OrderDate, PaymentMeans, PayLocationType,
//!   GeneralPaymentAmount}, ProductOrder{...}}`.
//! - `CancelSale` (`ProductOrderID`, `CancelReasonCode` one of PRODUCT_UNSATISFIED /
//!   DELAYED_DELIVERY / SOLD_OUT) cancels per product order line, so paydrill adds `CancelAmount`
//!   (a partial cancel; absent = all that is left) and `ExpectedRestAmount` (the balance before
//!   the cancel, checked when sent). Its answer adds `CancelInfo{ClaimID (the cancel's own id),
//!   CancelAmount, RestAmount, CancelReason, ClaimStatus CANCEL_DONE, CancelCompletedDate}`. A
//!   `CancelSale` before `PlaceProductOrder` is refused (ERR-PO-006): in this model the order is
//!   not the merchant's until placed.
//! - `ProductOrder{ProductOrderID, MerchantOrderID, ProductOrderStatus, PlaceOrderStatus,
//!   ProductID, ProductName, Quantity, UnitPrice, TotalProductAmount, TotalPaymentAmount,
//!   CancelledAmount, RestAmount, PaymentDate}`, plus `PlaceOrderID` (paydrill's id of the 발주
//!   확인) and `PlaceOrderDate` once placed. `ProductOrderStatus` stays PAYED while anything is
//!   left; a partial cancel shows as `ClaimType` CANCEL, `ClaimStatus` CANCEL_DONE and a
//!   `RestAmount` below `TotalPaymentAmount`; CANCELED once all is cancelled. Times in Naver's
//!   `2026-12-01T12:00:00.000+09:00` (KST). Success answers are ASCII only (`PaymentMeans`
//!   CREDIT_CARD where Naver writes 신용카드).
//! - `GetProductOrderInfoList` reads the first `ProductOrderIDList`; `GetChangedProductOrderList`
//!   is answered ERROR ERR-PARAM-002 (no change feed here); other operations are a Client Fault.
//! - HTTP and codes (paydrill's, `crate::pg::naverorder::codes`): answers are HTTP 200, an ERROR
//!   one with ERR-PO-001 unknown ProductOrderID, -002 another MerchantOrderID's, -003 already
//!   placed, -004 amount mismatch, -005 duplicate MerchantOrderID, -006 not placed, -007 already
//!   cancelled, -008 over what is left, -009 ExpectedRestAmount mismatch, ERR-PARAM-001 a missing
//!   or bad element. SOAP Faults are HTTP 500 with the code in `detail/Error/Code`: `soap:Client`
//!   ERR-AUTH-001 a wrong AccessLicense or Signature, ERR-AUTH-002 a Timestamp unreadable or more
//!   than 5 minutes off the fake's clock, ERR-MSG-001 an unreadable request (an unknown path is
//!   the same Fault with HTTP 404); `soap:Server` ERR-SYS-001 the internal error. The codec reads
//!   a `soap:Client` Fault as a business refusal (ERR-AUTH-* → Unauthorized) despite the 500.

use super::ledger::{LedgerError, Settled};
use super::wire::{FakeReply, FakeRequest, WireCall, WireServer};
use crate::pg::naverorder::{
    codes, element, escape, inner, ops, parse_timestamp, signature, timestamp, MALL_NS, PATH, SELLER_CANCEL_REASONS,
    SERVICE, SOAP_NS,
};
use crate::pg::{Credentials, Krw, LedgerPayment, PgName, PgStatus};
use std::fmt::Display;
use time::OffsetDateTime;

/// How far a request's Timestamp may be from the fake's clock.
const TIMESTAMP_WINDOW: time::Duration = time::Duration::minutes(5);

#[derive(Default)]
pub struct NaverorderServer;

/// One element in the answer's namespace, its text escaped.
fn leaf(tag: &str, value: impl Display) -> String {
    format!("<n:{tag}>{}</n:{tag}>", escape(&value.to_string()))
}

/// An HTTP 200 `<n:{operation}Response>` answer.
fn answer(operation: &str, response_type: &str, content: &str) -> FakeReply {
    let now = timestamp(OffsetDateTime::now_utc());
    FakeReply::xml(
        200,
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><soap:Envelope xmlns:soap=\"{SOAP_NS}\"><soap:Body>\
<n:{operation}Response xmlns:n=\"{MALL_NS}\"><n:RequestID></n:RequestID><n:ResponseType>{response_type}</n:ResponseType>\
<n:ResponseTime>{now}</n:ResponseTime>{content}</n:{operation}Response></soap:Body></soap:Envelope>"
        ),
    )
}

/// An ERROR answer to `operation`.
fn refuse(operation: &str, code: &str, message: &str, detail: &str) -> FakeReply {
    let error = [leaf("Code", code), leaf("Message", message), leaf("Detail", detail)].concat();
    answer(operation, codes::ERROR, &format!("<n:Error>{error}</n:Error>"))
}

/// A SOAP Fault (`side`: `Client` or `Server`) with Naver's `Error` in its `detail`.
fn fault(status: u16, side: &str, code: &str, message: &str) -> FakeReply {
    let message = escape(message);
    FakeReply::xml(
        status,
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><soap:Envelope xmlns:soap=\"{SOAP_NS}\"><soap:Body><soap:Fault>\
<faultcode>soap:{side}</faultcode><faultstring>{message}</faultstring><detail><n:Error xmlns:n=\"{MALL_NS}\">\
<n:Code>{code}</n:Code><n:Message>{message}</n:Message></n:Error></detail></soap:Fault></soap:Body></soap:Envelope>"
        ),
    )
}

fn unreadable(message: &str) -> FakeReply {
    fault(500, "Client", codes::INVALID_MESSAGE, message)
}

/// The operation whose answer renders `call`.
fn operation_of(call: &WireCall) -> &'static str {
    match call {
        WireCall::Ready { .. } | WireCall::Approve { .. } => ops::PLACE_PRODUCT_ORDER,
        WireCall::Cancel { .. } => ops::CANCEL_SALE,
        WireCall::Inquire { .. } => ops::GET_PRODUCT_ORDER_INFO_LIST,
    }
}

fn product_order_status(s: PgStatus) -> &'static str {
    match s {
        PgStatus::Ready | PgStatus::Paid | PgStatus::PartialCanceled => "PAYED",
        PgStatus::Canceled => "CANCELED",
        PgStatus::Failed => "CANCELED_BY_NOPAYMENT",
    }
}

fn ledger_error(operation: &str, e: &LedgerError) -> FakeReply {
    let (code, message) = match e {
        LedgerError::NotFound | LedgerError::InvalidToken => (codes::NOT_FOUND, "존재하지 않는 상품주문번호입니다."),
        LedgerError::KeyForAnotherOrder => {
            (codes::ORDER_MISMATCH, "상품주문번호가 이 가맹점 주문번호의 것이 아닙니다.")
        }
        LedgerError::DuplicateOrderId => (codes::DUPLICATE_ORDER, "가맹점 주문번호가 중복되었습니다."),
        LedgerError::AlreadyApproved => (codes::ALREADY_PLACED, "이미 발주 확인된 상품주문입니다."),
        LedgerError::AmountMismatch { .. } => (codes::AMOUNT_MISMATCH, "결제 금액이 일치하지 않습니다."),
        LedgerError::NotApproved => (codes::NOT_PLACED, "발주 확인 전의 상품주문은 취소할 수 없습니다."),
        LedgerError::AlreadyCanceled => (codes::ALREADY_CANCELED, "이미 취소된 상품주문입니다."),
        LedgerError::OverBalance { .. } => (codes::OVER_BALANCE, "취소 금액이 남은 금액을 초과합니다."),
        LedgerError::BalanceMismatch { .. } => {
            (codes::REST_AMOUNT_MISMATCH, "남은 금액(ExpectedRestAmount)이 일치하지 않습니다.")
        }
        LedgerError::InvalidAmount => (codes::INVALID_PARAMETER, "금액이 올바르지 않습니다."),
    };
    refuse(operation, code, message, &e.to_string())
}

/// Naver's order (group) id for a product order: the same sequence under `2026110`.
fn order_id(product_order_id: &str) -> String {
    match product_order_id.strip_prefix("2026120") {
        Some(seq) if seq.bytes().all(|b| b.is_ascii_digit()) => format!("2026110{seq}"),
        _ => product_order_id.to_string(),
    }
}

/// `ProductOrderInfoList{Order, ProductOrder}` for a payment.
fn product_order_info(p: &LedgerPayment) -> String {
    let paid_at = p.authorized_at.or(p.approved_at).map(timestamp).unwrap_or_default();
    let order = [
        leaf("OrderID", order_id(&p.pg_payment_id)),
        leaf("OrderDate", &paid_at),
        leaf("PaymentMeans", "CREDIT_CARD"),
        leaf("PayLocationType", "PC"),
        leaf("GeneralPaymentAmount", p.total),
    ]
    .concat();
    let mut po = [
        leaf("ProductOrderID", &p.pg_payment_id),
        leaf("MerchantOrderID", &p.merchant_order_id),
        leaf("ProductOrderStatus", product_order_status(p.status)),
        leaf("PlaceOrderStatus", if p.approval_id.is_some() { "OK" } else { "NOT_YET" }),
        leaf("ProductID", "paydrill-item"),
        leaf("ProductName", "paydrill order"),
        leaf("Quantity", 1),
        leaf("UnitPrice", p.total),
        leaf("TotalProductAmount", p.total),
        leaf("TotalPaymentAmount", p.total),
        leaf("CancelledAmount", p.cancelled),
        leaf("RestAmount", p.balance),
        leaf("PaymentDate", &paid_at),
    ]
    .concat();
    if let Some(id) = &p.approval_id {
        po.push_str(&leaf("PlaceOrderID", id));
    }
    if let Some(at) = p.approved_at {
        po.push_str(&leaf("PlaceOrderDate", timestamp(at)));
    }
    if !p.cancels.is_empty() {
        po.push_str(&leaf("ClaimType", "CANCEL"));
        po.push_str(&leaf("ClaimStatus", "CANCEL_DONE"));
    }
    format!(
        "<n:ProductOrderInfoList><n:Order>{order}</n:Order><n:ProductOrder>{po}</n:ProductOrder>\
</n:ProductOrderInfoList>"
    )
}

/// Checks `AccessCredentials` in the operation's request element.
fn check_credentials(request: &str, operation: &str, creds: &Credentials) -> Result<(), FakeReply> {
    let denied = |code: &str, message: &str| fault(500, "Client", code, message);
    let access = inner(request, "AccessCredentials")
        .ok_or_else(|| denied(codes::INVALID_SIGNATURE, "AccessCredentials 가 없습니다."))?;
    let license = element(access, "AccessLicense").unwrap_or_default();
    let stamp = element(access, "Timestamp").unwrap_or_default();
    let sent = element(access, "Signature").unwrap_or_default();
    if license != creds.merchant_id || sent != signature(&creds.secret, &stamp, operation) {
        return Err(denied(codes::INVALID_SIGNATURE, "AccessLicense 또는 Signature 가 올바르지 않습니다."));
    }
    let fresh = parse_timestamp(&stamp).is_some_and(|t| (OffsetDateTime::now_utc() - t).abs() <= TIMESTAMP_WINDOW);
    if !fresh {
        let message = "Timestamp 가 올바르지 않거나 5분 이상 차이 납니다.";
        return Err(denied(codes::INVALID_TIMESTAMP, message));
    }
    Ok(())
}

impl WireServer for NaverorderServer {
    fn pg(&self) -> PgName {
        PgName::Naverorder
    }

    /// A Naver-like 16-digit ProductOrderID.
    fn customer_key(&self, _merchant_order_id: &str, seq: u64) -> String {
        format!("2026120{seq:09}")
    }

    fn parse(&self, req: &FakeRequest, creds: &Credentials) -> Result<WireCall, FakeReply> {
        if req.method != "POST" || req.path != PATH {
            let message = "존재하지 않는 서비스입니다 (POST /MallService41).";
            return Err(fault(404, "Client", codes::INVALID_MESSAGE, message));
        }
        let action = req.header("soapaction").unwrap_or("").trim().trim_matches('"');
        let operation = action
            .strip_prefix(SERVICE)
            .and_then(|rest| rest.strip_prefix('#'))
            .filter(|op| !op.is_empty())
            .ok_or_else(|| unreadable("SOAPAction 은 MallService41#<Operation> 이어야 합니다."))?;
        let xml = std::str::from_utf8(&req.body).map_err(|_| unreadable("요청 본문이 UTF-8 XML 이 아닙니다."))?;
        let request = inner(xml, &format!("{operation}Request"))
            .ok_or_else(|| unreadable(&format!("요청 본문에 {operation}Request 가 없습니다.")))?;
        check_credentials(request, operation, creds)?;

        let bad = |message: String| refuse(operation, codes::INVALID_PARAMETER, &message, "");
        let need = |tag: &str| {
            element(request, tag).filter(|v| !v.is_empty()).ok_or_else(|| bad(format!("{tag} 는 필수입니다.")))
        };
        let amount = |tag: &str| -> Result<Option<Krw>, FakeReply> {
            match element(request, tag).filter(|v| !v.is_empty()) {
                None => Ok(None),
                Some(v) => v.parse().map(Some).map_err(|_| bad(format!("{tag} 는 원 단위 정수여야 합니다."))),
            }
        };
        match operation {
            ops::PLACE_PRODUCT_ORDER => Ok(WireCall::Approve {
                pg_payment_id: need("ProductOrderID")?,
                merchant_order_id: Some(need("MerchantOrderID")?),
                amount: Some(
                    amount("TotalPaymentAmount")?
                        .ok_or_else(|| bad("TotalPaymentAmount 는 필수입니다.".to_string()))?,
                ),
                token: None,
            }),
            ops::CANCEL_SALE => {
                let pg_payment_id = need("ProductOrderID")?;
                let reason = need("CancelReasonCode")?;
                if !SELLER_CANCEL_REASONS.contains(&reason.as_str()) {
                    return Err(bad(format!("판매 취소에 쓸 수 없는 CancelReasonCode 입니다: {reason}")));
                }
                Ok(WireCall::Cancel {
                    pg_payment_id,
                    amount: amount("CancelAmount")?,
                    expected_balance: amount("ExpectedRestAmount")?,
                    reason,
                })
            }
            ops::GET_PRODUCT_ORDER_INFO_LIST => {
                Ok(WireCall::Inquire { pg_payment_id: Some(need("ProductOrderIDList")?), merchant_order_id: None })
            }
            ops::GET_CHANGED_PRODUCT_ORDER_LIST => Err(refuse(
                operation,
                codes::UNSUPPORTED_OPERATION,
                "paydrill 의 가짜 서버는 변경 상품주문 조회를 제공하지 않습니다.",
                "use GetProductOrderInfoList",
            )),
            _ => Err(unreadable(&format!("알 수 없는 오퍼레이션입니다: {operation}"))),
        }
    }

    fn render(&self, call: &WireCall, outcome: &Result<Settled, LedgerError>) -> FakeReply {
        let operation = operation_of(call);
        let s = match outcome {
            Ok(s) => s,
            Err(e) => return ledger_error(operation, e),
        };
        let mut content = String::new();
        match (call, &s.cancel) {
            (WireCall::Cancel { .. }, Some(c)) => {
                content.push_str("<n:CancelInfo>");
                content.push_str(&leaf("ClaimID", &c.cancel_id));
                content.push_str(&leaf("CancelAmount", c.amount));
                content.push_str(&leaf("RestAmount", c.balance_after));
                content.push_str(&leaf("CancelReason", &c.reason));
                content.push_str(&leaf("ClaimStatus", "CANCEL_DONE"));
                content.push_str(&leaf("CancelCompletedDate", timestamp(c.canceled_at)));
                content.push_str("</n:CancelInfo>");
            }
            (WireCall::Inquire { .. }, _) => content.push_str(&leaf("ReturnedDataCount", 1)),
            _ => {}
        }
        content.push_str(&product_order_info(&s.payment));
        answer(operation, codes::SUCCESS, &content)
    }

    fn internal_error(&self) -> FakeReply {
        fault(500, "Server", codes::INTERNAL, "일시적인 오류가 발생했습니다.")
    }
}
