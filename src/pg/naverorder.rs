//! Naver Pay 주문형 (order type), client side: SOAP 1.1 to `POST /MallService41` with `SOAPAction:
//! MallService41#<Operation>`, signed `AccessCredentials` (base64 HMAC-SHA256 of Timestamp, Service
//! and Operation). Approve `PlaceProductOrder` (발주 확인), cancel `CancelSale`, inquire
//! `GetProductOrderInfoList`. Also the tiny XML reader and escaper the fake shares (no XML crate).

use super::canonical::{
    ApproveRequest, CancelRequest, Krw, PaymentRef, PgCancel, PgError, PgPayment, PgStatus, Rejection,
};
use super::codec::WireCodec;
use super::credentials::Credentials;
use super::http::{HttpCall, HttpReply};
use super::name::PgName;
use base64::Engine;
use hmac::Mac;
use time::OffsetDateTime;

pub use super::xml::{closes, element, escape, inner, local, unescape};

const PG: PgName = PgName::Naverorder;

/// The SOAP service every call goes to (the `Service` in the signature).
pub const SERVICE: &str = "MallService41";
/// Where the service is posted (chosen: the service name under the PG's base URL; for Naver's
/// own servers that base URL is `https://ec.api.naver.com/Checkout`).
pub const PATH: &str = "/MallService41";
/// The API version each request names.
pub const VERSION: &str = "4.1";
pub const SOAP_NS: &str = "http://schemas.xmlsoap.org/soap/envelope/";
pub const MALL_NS: &str = "http://mall.checkout.platform.nhncorp.com/";
pub const BASE_NS: &str = "http://base.checkout.platform.nhncorp.com/";

/// The MallService41 operations paydrill knows.
pub mod ops {
    /// The change feed of product orders (the fake does not serve it).
    pub const GET_CHANGED_PRODUCT_ORDER_LIST: &str = "GetChangedProductOrderList";
    /// Read product orders by `ProductOrderIDList` (inquire).
    pub const GET_PRODUCT_ORDER_INFO_LIST: &str = "GetProductOrderInfoList";
    /// 발주 확인: the merchant accepts a paid product order (approve).
    pub const PLACE_PRODUCT_ORDER: &str = "PlaceProductOrder";
    /// 판매 취소: the merchant cancels a product order (cancel).
    pub const CANCEL_SALE: &str = "CancelSale";
}

/// The `CancelReasonCode`s Naver allows a seller's 판매 취소.
pub const SELLER_CANCEL_REASONS: [&str; 3] = ["PRODUCT_UNSATISFIED", "DELAYED_DELIVERY", "SOLD_OUT"];
/// The reason code paydrill's cancels give.
pub const CANCEL_REASON: &str = "PRODUCT_UNSATISFIED";

/// `ResponseType` values and `Error/Code`s. Naver's public material names no error table; these
/// codes are paydrill's choice (ERR-AUTH credentials, ERR-MSG the message, ERR-PARAM elements,
/// ERR-PO the product order, ERR-SYS Naver itself).
pub mod codes {
    /// `ResponseType` of an answer that carries its result.
    pub const SUCCESS: &str = "SUCCESS";
    /// `ResponseType` of an answer that carries an `Error` instead.
    pub const ERROR: &str = "ERROR";
    /// The AccessLicense is not the merchant's or the Signature does not match (SOAP Fault, HTTP 500).
    pub const INVALID_SIGNATURE: &str = "ERR-AUTH-001";
    /// The Timestamp is unreadable or more than five minutes off the server's clock (SOAP Fault).
    pub const INVALID_TIMESTAMP: &str = "ERR-AUTH-002";
    /// Not a MallService41 SOAP request: wrong path, SOAPAction, envelope or operation (SOAP Fault).
    pub const INVALID_MESSAGE: &str = "ERR-MSG-001";
    /// A required element missing or malformed, an unknown `CancelReasonCode`, or an amount not
    /// above zero.
    pub const INVALID_PARAMETER: &str = "ERR-PARAM-001";
    /// An operation paydrill's fake does not serve (`GetChangedProductOrderList`).
    pub const UNSUPPORTED_OPERATION: &str = "ERR-PARAM-002";
    /// No product order with this `ProductOrderID`.
    pub const NOT_FOUND: &str = "ERR-PO-001";
    /// The `ProductOrderID` belongs to another `MerchantOrderID`.
    pub const ORDER_MISMATCH: &str = "ERR-PO-002";
    /// The product order was already placed (발주 확인 done).
    pub const ALREADY_PLACED: &str = "ERR-PO-003";
    /// `TotalPaymentAmount` differs from what the buyer paid.
    pub const AMOUNT_MISMATCH: &str = "ERR-PO-004";
    /// `MerchantOrderID` already used by another product order.
    pub const DUPLICATE_ORDER: &str = "ERR-PO-005";
    /// A `CancelSale` of a product order not placed yet.
    pub const NOT_PLACED: &str = "ERR-PO-006";
    /// The product order is fully cancelled already.
    pub const ALREADY_CANCELED: &str = "ERR-PO-007";
    /// `CancelAmount` exceeds what is left.
    pub const OVER_BALANCE: &str = "ERR-PO-008";
    /// `ExpectedRestAmount` differs from what is left before the cancel.
    pub const REST_AMOUNT_MISMATCH: &str = "ERR-PO-009";
    /// Naver failed internally (SOAP Fault `soap:Server`, HTTP 500); a retry may work.
    pub const INTERNAL: &str = "ERR-SYS-001";
}

#[derive(Default)]
pub struct NaverorderCodec;

fn rejection(code: &str) -> Option<Rejection> {
    Some(match code {
        codes::INVALID_SIGNATURE | codes::INVALID_TIMESTAMP => Rejection::Unauthorized,
        codes::INVALID_MESSAGE | codes::INVALID_PARAMETER | codes::UNSUPPORTED_OPERATION => Rejection::InvalidRequest,
        codes::NOT_FOUND => Rejection::NotFound,
        codes::ORDER_MISMATCH | codes::NOT_PLACED => Rejection::Other,
        codes::ALREADY_PLACED => Rejection::AlreadyApproved,
        codes::AMOUNT_MISMATCH => Rejection::AmountMismatch,
        codes::DUPLICATE_ORDER => Rejection::DuplicateOrderId,
        codes::ALREADY_CANCELED => Rejection::AlreadyCanceled,
        codes::OVER_BALANCE => Rejection::OverBalance,
        codes::REST_AMOUNT_MISMATCH => Rejection::BalanceMismatch,
        _ => return None,
    })
}

/// A product order's state → canonical. `PAYED` is READY until the merchant placed it
/// (`PlaceOrderStatus` OK); a placed order's amounts tell paid from partly cancelled.
pub fn status(product_order_status: &str, place_order_status: &str, total: Krw, rest: Krw) -> Option<PgStatus> {
    Some(match product_order_status {
        "PAY_WAITING" => PgStatus::Ready,
        "PAYED" if place_order_status != "OK" => PgStatus::Ready,
        "PAYED" | "DISPATCHED" | "DELIVERING" | "DELIVERED" | "PURCHASE_DECIDED" | "CANCEL_REQUESTED"
        | "RETURN_REQUESTED" | "EXCHANGE_REQUESTED" | "EXCHANGED" => PgStatus::after_cancel(total, rest),
        "CANCELED" | "RETURNED" => PgStatus::Canceled,
        "CANCELED_BY_NOPAYMENT" => PgStatus::Failed,
        _ => return None,
    })
}

/// `Signature`: base64 of HMAC-SHA256 under `secret` over `Timestamp + Service + Operation`.
pub fn signature(secret: &str, timestamp: &str, operation: &str) -> String {
    let mut mac =
        hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes a key of any length");
    mac.update(timestamp.as_bytes());
    mac.update(SERVICE.as_bytes());
    mac.update(operation.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// Naver's SOAP time: KST to the millisecond, `2026-12-01T12:00:00.000+09:00`.
pub fn timestamp(t: OffsetDateTime) -> String {
    let kst = t.to_offset(time::UtcOffset::from_hms(9, 0, 0).expect("a valid offset"));
    let format =
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]+09:00");
    kst.format(format).unwrap_or_default()
}

/// Reads a SOAP time (any RFC 3339 time, so any offset and fraction).
pub fn parse_timestamp(text: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(text.trim(), &time::format_description::well_known::Rfc3339).ok()
}

/// The `SOAPAction` header of `operation`.
pub fn soap_action(operation: &str) -> String {
    format!("{SERVICE}#{operation}")
}

/// A signed MallService41 request envelope for `operation`, its own elements `fields` (in the
/// mall namespace, escaped here) after the common `AccessCredentials, RequestID, DetailLevel,
/// Version`.
pub fn envelope(license: &str, secret: &str, operation: &str, timestamp: &str, fields: &[(&str, String)]) -> String {
    let signed = signature(secret, timestamp, operation);
    let own: String = fields.iter().map(|(tag, value)| format!("<mall:{tag}>{}</mall:{tag}>", escape(value))).collect();
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
<soapenv:Envelope xmlns:soapenv=\"{SOAP_NS}\" xmlns:mall=\"{MALL_NS}\" xmlns:base=\"{BASE_NS}\">\
<soapenv:Header/><soapenv:Body><mall:{operation}Request>\
<base:AccessCredentials><base:AccessLicense>{}</base:AccessLicense><base:Timestamp>{}</base:Timestamp>\
<base:Signature>{}</base:Signature></base:AccessCredentials>\
<base:RequestID></base:RequestID><base:DetailLevel>Full</base:DetailLevel><base:Version>{VERSION}</base:Version>\
{own}</mall:{operation}Request></soapenv:Body></soapenv:Envelope>",
        escape(license),
        escape(timestamp),
        escape(&signed),
    )
}

fn call(creds: &Credentials, operation: &str, fields: &[(&str, String)]) -> HttpCall {
    let stamp = timestamp(OffsetDateTime::now_utc());
    HttpCall::post(PATH).header("SOAPAction", soap_action(operation)).xml(envelope(
        &creds.merchant_id,
        &creds.secret,
        operation,
        &stamp,
        fields,
    ))
}

// ---- Reading answers. ----

fn text(scope: &str, tag: &str) -> Result<String, PgError> {
    element(scope, tag).ok_or_else(|| PgError::unexpected(PG, format!("answer has no `{tag}`")))
}

fn krw(scope: &str, tag: &str) -> Result<Krw, PgError> {
    let value = text(scope, tag)?;
    value.parse().map_err(|_| PgError::unexpected(PG, format!("`{tag}` is not a whole amount in won: {value:?}")))
}

/// A SOAP Fault: `soap:Client` is the caller's fault (bad credentials: Unauthorized), anything
/// else Naver's own failure.
fn fault_error(fault: &str) -> PgError {
    let faultcode = element(fault, "faultcode").unwrap_or_default();
    let message = element(fault, "faultstring").unwrap_or_default();
    let code = inner(fault, "detail").and_then(|d| element(d, "Code")).unwrap_or_else(|| faultcode.clone());
    if local(&faultcode) == "Client" {
        PgError::business(PG, rejection(&code).unwrap_or(Rejection::InvalidRequest), code, message)
    } else {
        PgError::system(PG, code, message)
    }
}

/// The answer's `<{operation}Response>` when its `ResponseType` is SUCCESS, else the refusal it
/// (or a SOAP Fault) carries.
fn ok_response<'a>(reply: &'a HttpReply, operation: &str) -> Result<&'a str, PgError> {
    let body = reply.body.as_str();
    if !closes(body, "Envelope") {
        let start: String = body.chars().take(80).collect();
        let message = format!("HTTP {} with a body that is not a whole SOAP envelope: {start:?}", reply.status);
        return Err(PgError::unexpected(PG, message));
    }
    if let Some(fault) = inner(body, "Fault") {
        return Err(fault_error(fault));
    }
    let name = format!("{operation}Response");
    let response = inner(body, &name).ok_or_else(|| PgError::unexpected(PG, format!("answer has no `{name}`")))?;
    let kind = element(response, "ResponseType").unwrap_or_default();
    if reply.status == 200 && kind == codes::SUCCESS {
        return Ok(response);
    }
    let error = inner(response, "Error").unwrap_or("");
    let code = element(error, "Code").unwrap_or_default();
    if code.is_empty() {
        let message = format!("HTTP {} with ResponseType `{kind}` and no Error code", reply.status);
        return Err(PgError::unexpected(PG, message));
    }
    let message = element(error, "Message").unwrap_or_default();
    let internal = code == codes::INTERNAL;
    Err(PgError::refusal(PG, reply.status, code.clone(), message, rejection(&code), internal))
}

/// The `ProductOrder` in an answer → canonical.
fn product_order(response: &str) -> Result<PgPayment, PgError> {
    let po = inner(response, "ProductOrder").ok_or_else(|| PgError::unexpected(PG, "answer has no `ProductOrder`"))?;
    let id = text(po, "ProductOrderID")?;
    let word = text(po, "ProductOrderStatus")?;
    let place = element(po, "PlaceOrderStatus").unwrap_or_default();
    let total = krw(po, "TotalPaymentAmount")?;
    let rest = krw(po, "RestAmount")?;
    let status = status(&word, &place, total, rest)
        .ok_or_else(|| PgError::unexpected(PG, format!("unknown ProductOrderStatus `{word}`")))?;
    Ok(PgPayment {
        merchant_order_id: text(po, "MerchantOrderID")?,
        status,
        total,
        balance: rest,
        transaction_id: element(po, "PlaceOrderID").filter(|t| !t.is_empty()).unwrap_or_else(|| id.clone()),
        pg_payment_id: id,
    })
}

impl WireCodec for NaverorderCodec {
    fn pg(&self) -> PgName {
        PG
    }

    /// `PlaceProductOrder` names the product order the buyer paid, with paydrill's
    /// `MerchantOrderID` and `TotalPaymentAmount` so the fake can hold it to the order.
    fn approve(&self, creds: &Credentials, pg_payment_id: &str, req: &ApproveRequest) -> HttpCall {
        call(
            creds,
            ops::PLACE_PRODUCT_ORDER,
            &[
                ("ProductOrderID", pg_payment_id.to_string()),
                ("MerchantOrderID", req.merchant_order_id.clone()),
                ("TotalPaymentAmount", req.amount.to_string()),
            ],
        )
    }

    fn read_approve(&self, reply: &HttpReply) -> Result<Option<PgPayment>, PgError> {
        product_order(ok_response(reply, ops::PLACE_PRODUCT_ORDER)?).map(Some)
    }

    /// A partial cancel asserts the balance before it (`ExpectedRestAmount`), as KCP's `rem_mny`:
    /// 주문형 has no idempotency key, so a repeated partial cancel is refused, not applied twice.
    fn cancel_needs_balance(&self, req: &CancelRequest) -> bool {
        req.amount.is_some()
    }

    fn cancel(&self, creds: &Credentials, payment: &PaymentRef, req: &CancelRequest) -> HttpCall {
        let mut fields =
            vec![("ProductOrderID", payment.pg_payment_id.clone()), ("CancelReasonCode", CANCEL_REASON.to_string())];
        if let Some(amount) = req.amount {
            fields.push(("CancelAmount", amount.to_string()));
        }
        if let Some(balance) = req.expected_balance {
            fields.push(("ExpectedRestAmount", balance.to_string()));
        }
        call(creds, ops::CANCEL_SALE, &fields)
    }

    fn read_cancel(&self, payment: &PaymentRef, _req: &CancelRequest, reply: &HttpReply) -> Result<PgCancel, PgError> {
        let response = ok_response(reply, ops::CANCEL_SALE)?;
        let info =
            inner(response, "CancelInfo").ok_or_else(|| PgError::unexpected(PG, "answer has no `CancelInfo`"))?;
        Ok(PgCancel {
            pg_payment_id: payment.pg_payment_id.clone(),
            transaction_id: text(info, "ClaimID")?,
            amount: krw(info, "CancelAmount")?,
            balance_after: Some(krw(info, "RestAmount")?),
        })
    }

    fn inquire(&self, creds: &Credentials, payment: &PaymentRef) -> HttpCall {
        call(creds, ops::GET_PRODUCT_ORDER_INFO_LIST, &[("ProductOrderIDList", payment.pg_payment_id.clone())])
    }

    fn read_inquire(&self, reply: &HttpReply) -> Result<PgPayment, PgError> {
        product_order(ok_response(reply, ops::GET_PRODUCT_ORDER_INFO_LIST)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_kst_to_the_millisecond() {
        let t = time::macros::datetime!(2026-12-01 03:00:00.5 UTC);
        assert_eq!(timestamp(t), "2026-12-01T12:00:00.500+09:00");
        assert_eq!(parse_timestamp(&timestamp(t)), Some(t));
    }
}
