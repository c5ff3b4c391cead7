//! The Naver Pay 주문형 fake straight at its SOAP API: requests signed by hand in
//! `AccessCredentials`, `ResponseType` answers with Naver-style `Error` codes, SOAP Faults for bad
//! credentials.

use crate::{customer_key, endpoint, fake_and_client};
use paydrill::fakes::ServerKind;
use paydrill::pg::naverorder::{element, inner, timestamp};
use paydrill::pg::{PgName, PgStatus};
use time::OffsetDateTime;

/// The documented signature, computed here apart from the codec: base64 of HMAC-SHA256 under
/// the secret over `Timestamp + "MallService41" + Operation`.
fn sign(secret: &str, stamp: &str, operation: &str) -> String {
    use base64::Engine;
    use hmac::Mac;
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{stamp}MallService41{operation}").as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// A MallService41 caller: the fake's base URL and the keys it signs with.
struct Mall {
    base: String,
    license: String,
    secret: String,
}

impl Mall {
    /// A pretty-printed request envelope, as a merchant's SOAP library would send it.
    fn envelope(&self, operation: &str, fields: &[(&str, &str)], stamp: &str) -> String {
        let own: String = fields.iter().map(|(k, v)| format!("<mall:{k}>{v}</mall:{k}>\n      ")).collect();
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:mall="http://mall.checkout.platform.nhncorp.com/" xmlns:base="http://base.checkout.platform.nhncorp.com/">
  <soapenv:Header/>
  <soapenv:Body>
    <mall:{operation}Request>
      <base:AccessCredentials>
        <base:AccessLicense>{license}</base:AccessLicense>
        <base:Timestamp>{stamp}</base:Timestamp>
        <base:Signature>{signature}</base:Signature>
      </base:AccessCredentials>
      <base:RequestID></base:RequestID>
      <base:DetailLevel>Full</base:DetailLevel>
      <base:Version>4.1</base:Version>
      {own}
    </mall:{operation}Request>
  </soapenv:Body>
</soapenv:Envelope>"#,
            license = self.license,
            signature = sign(&self.secret, stamp, operation),
        )
    }

    /// Posts SOAP: the HTTP status and the XML answer.
    async fn post(&self, path: &str, action: &str, body: String) -> (u16, String) {
        let resp = reqwest::Client::new()
            .post(format!("{}{path}", self.base))
            .header("Content-Type", "text/xml; charset=utf-8")
            .header("SOAPAction", action)
            .body(body)
            .send()
            .await
            .expect("the fake answers");
        let status = resp.status().as_u16();
        (status, resp.text().await.expect("a text answer"))
    }

    /// Calls `operation`, signed now.
    async fn call(&self, operation: &str, fields: &[(&str, &str)]) -> (u16, String) {
        let stamp = timestamp(OffsetDateTime::now_utc());
        let body = self.envelope(operation, fields, &stamp);
        self.post("/MallService41", &format!("MallService41#{operation}"), body).await
    }
}

/// The `Error/Code` of an ERROR answer or a Fault's `detail`.
fn code(body: &str) -> Option<String> {
    inner(body, "Error").and_then(|e| element(e, "Code"))
}

fn product_order(body: &str, tag: &str) -> Option<String> {
    inner(body, "ProductOrder").and_then(|p| element(p, tag))
}

fn cancel_info(body: &str, tag: &str) -> Option<String> {
    inner(body, "CancelInfo").and_then(|c| element(c, tag))
}

fn s(text: &str) -> Option<String> {
    Some(text.to_string())
}

async fn mall() -> (paydrill::fakes::FakeFleet, Mall) {
    let (fleet, _) = fake_and_client(PgName::Naverorder, ServerKind::Wiremock).await;
    let (base, creds) = endpoint(&fleet, PgName::Naverorder);
    let mall = Mall { base, license: creds.merchant_id.clone(), secret: creds.secret.clone() };
    (fleet, mall)
}

#[tokio::test]
async fn naverorder_speaks_its_own_codes() {
    let (fleet, mall) = mall().await;
    let key = customer_key(&mall.base, "o1", 10000).await;
    let id = key.as_str();
    assert!(id.len() == 16 && id.starts_with("2026120") && id.bytes().all(|b| b.is_ascii_digit()), "{id}");

    let inquire = [("ProductOrderIDList", id)];
    let (status, body) = mall.call("GetProductOrderInfoList", &inquire).await;
    assert_eq!((status, element(&body, "ResponseType")), (200, s("SUCCESS")), "{body}");
    let seen = (product_order(&body, "ProductOrderStatus"), product_order(&body, "PlaceOrderStatus"));
    assert_eq!(seen, (s("PAYED"), s("NOT_YET")), "paid by the buyer, not placed yet: {body}");

    let place = "PlaceProductOrder";
    let (_, body) =
        mall.call(place, &[("ProductOrderID", id), ("MerchantOrderID", "o2"), ("TotalPaymentAmount", "10000")]).await;
    assert_eq!((element(&body, "ResponseType"), code(&body)), (s("ERROR"), s("ERR-PO-002")), "another order: {body}");
    let (_, body) =
        mall.call(place, &[("ProductOrderID", id), ("MerchantOrderID", "o1"), ("TotalPaymentAmount", "9000")]).await;
    assert_eq!(code(&body), s("ERR-PO-004"), "a changed amount: {body}");
    let (_, body) = mall.call(place, &[("ProductOrderID", id), ("TotalPaymentAmount", "10000")]).await;
    assert_eq!(code(&body), s("ERR-PARAM-001"), "no MerchantOrderID: {body}");
    let placed = [("ProductOrderID", id), ("MerchantOrderID", "o1"), ("TotalPaymentAmount", "10000")];
    let (status, body) = mall.call(place, &placed).await;
    assert_eq!((status, element(&body, "ResponseType")), (200, s("SUCCESS")), "{body}");
    let seen = (product_order(&body, "PlaceOrderStatus"), product_order(&body, "RestAmount"));
    assert_eq!(seen, (s("OK"), s("10000")), "{body}");
    assert!(product_order(&body, "PlaceOrderID").is_some_and(|t| !t.is_empty()), "{body}");
    let (_, body) = mall.call(place, &placed).await;
    assert_eq!(code(&body), s("ERR-PO-003"), "placed twice: {body}");

    let cancel = "CancelSale";
    let reason = ("CancelReasonCode", "SOLD_OUT");
    let partial = |amount: &'static str, rest: &'static str| {
        [("ProductOrderID", id), reason, ("CancelAmount", amount), ("ExpectedRestAmount", rest)]
    };
    let (_, body) = mall.call(cancel, &partial("20000", "10000")).await;
    assert_eq!(code(&body), s("ERR-PO-008"), "over what is left: {body}");
    let (_, body) = mall.call(cancel, &partial("1000", "9999")).await;
    assert_eq!(code(&body), s("ERR-PO-009"), "ExpectedRestAmount: {body}");
    let buyers_reason = ("CancelReasonCode", "INTENT_CHANGED");
    let (_, body) = mall.call(cancel, &[("ProductOrderID", id), buyers_reason, ("CancelAmount", "1000")]).await;
    assert_eq!(code(&body), s("ERR-PARAM-001"), "not a seller's reason: {body}");
    let (_, body) = mall.call(cancel, &partial("3000", "10000")).await;
    assert_eq!(element(&body, "ResponseType"), s("SUCCESS"), "{body}");
    let seen = (cancel_info(&body, "CancelAmount"), cancel_info(&body, "RestAmount"));
    assert_eq!(seen, (s("3000"), s("7000")), "{body}");
    let first_claim = cancel_info(&body, "ClaimID").expect("a ClaimID");

    let (_, body) = mall.call("GetProductOrderInfoList", &inquire).await;
    let seen = (
        product_order(&body, "ProductOrderStatus"),
        product_order(&body, "ClaimStatus"),
        product_order(&body, "TotalPaymentAmount"),
        product_order(&body, "RestAmount"),
    );
    assert_eq!(seen, (s("PAYED"), s("CANCEL_DONE"), s("10000"), s("7000")), "a partial cancel: {body}");

    let (_, body) = mall.call(cancel, &[("ProductOrderID", id), reason]).await;
    let seen = (cancel_info(&body, "CancelAmount"), cancel_info(&body, "RestAmount"));
    assert_eq!(seen, (s("7000"), s("0")), "all that was left: {body}");
    assert_ne!(cancel_info(&body, "ClaimID"), Some(first_claim), "each cancel has its own id");
    let (_, body) = mall.call("GetProductOrderInfoList", &inquire).await;
    let seen = (product_order(&body, "ProductOrderStatus"), product_order(&body, "RestAmount"));
    assert_eq!(seen, (s("CANCELED"), s("0")), "{body}");
    let (_, body) = mall.call(cancel, &[("ProductOrderID", id), reason]).await;
    assert_eq!(code(&body), s("ERR-PO-007"), "already cancelled: {body}");
    let held = fleet.fake(PgName::Naverorder).ledger().payment(id).unwrap();
    assert_eq!((held.status, held.balance, held.cancels.len()), (PgStatus::Canceled, 0, 2));

    let (_, body) = mall.call("GetProductOrderInfoList", &[("ProductOrderIDList", "2026120999999999")]).await;
    assert_eq!(code(&body), s("ERR-PO-001"), "unknown ProductOrderID: {body}");
    let key = customer_key(&mall.base, "o3", 5000).await;
    let (_, body) = mall.call(cancel, &[("ProductOrderID", key.as_str()), reason]).await;
    assert_eq!(code(&body), s("ERR-PO-006"), "a cancel before PlaceProductOrder: {body}");
    let (status, body) =
        mall.call("GetChangedProductOrderList", &[("InquiryTimeFrom", "2026-12-01T00:00:00.000+09:00")]).await;
    assert_eq!((status, code(&body)), (200, s("ERR-PARAM-002")), "{body}");
}

#[tokio::test]
async fn naverorder_faults_on_bad_credentials() {
    let (fleet, mall) = mall().await;
    let key = customer_key(&mall.base, "o1", 1000).await;
    let placed = [("ProductOrderID", key.as_str()), ("MerchantOrderID", "o1"), ("TotalPaymentAmount", "1000")];

    let wrong = Mall { secret: "not-the-secret".into(), base: mall.base.clone(), license: mall.license.clone() };
    let (status, body) = wrong.call("PlaceProductOrder", &placed).await;
    let seen = (status, element(&body, "faultcode"), code(&body));
    assert_eq!(seen, (500, s("soap:Client"), s("ERR-AUTH-001")), "a wrong secret: {body}");
    let stranger = Mall { license: "someone-else".into(), base: mall.base.clone(), secret: mall.secret.clone() };
    let (status, body) = stranger.call("PlaceProductOrder", &placed).await;
    assert_eq!((status, code(&body)), (500, s("ERR-AUTH-001")), "another AccessLicense: {body}");

    let stale = timestamp(OffsetDateTime::now_utc() - time::Duration::minutes(10));
    let body = mall.envelope("PlaceProductOrder", &placed, &stale);
    let (status, body) = mall.post("/MallService41", "MallService41#PlaceProductOrder", body).await;
    assert_eq!((status, code(&body)), (500, s("ERR-AUTH-002")), "a Timestamp 10 minutes old: {body}");

    // SOAPAction and the body must name the same operation.
    let stamp = timestamp(OffsetDateTime::now_utc());
    let body = mall.envelope("PlaceProductOrder", &placed, &stamp);
    let (status, body) = mall.post("/MallService41", "\"MallService41#CancelSale\"", body).await;
    assert_eq!((status, code(&body)), (500, s("ERR-MSG-001")), "SOAPAction names another operation: {body}");
    let body = mall.envelope("PlaceProductOrder", &placed, &stamp);
    let (status, body) = mall.post("/MallService4", "MallService41#PlaceProductOrder", body).await;
    assert_eq!((status, code(&body)), (404, s("ERR-MSG-001")), "{body}");

    let held = fleet.fake(PgName::Naverorder).ledger().payment(&key).map(|p| p.status);
    assert_eq!(held, Some(PgStatus::Ready), "nothing was placed");
    // A quoted SOAPAction (as SOAP 1.1 libraries send it) is the same operation.
    let body = mall.envelope("PlaceProductOrder", &placed, &stamp);
    let (status, body) = mall.post("/MallService41", "\"MallService41#PlaceProductOrder\"", body).await;
    assert_eq!((status, element(&body, "ResponseType")), (200, s("SUCCESS")), "{body}");
}
