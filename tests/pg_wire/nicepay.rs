//! The NicePay fake straight at its HTTP API: HTTP 200 with its result codes.

use crate::{customer_key, endpoint, fake_and_client, send};
use paydrill::fakes::ServerKind;
use paydrill::pg::{nicepay, PgName};
use serde_json::json;

#[tokio::test]
async fn nicepay_speaks_its_own_codes() {
    let (fleet, _) = fake_and_client(PgName::Nicepay, ServerKind::Wiremock).await;
    let (base, creds) = endpoint(&fleet, PgName::Nicepay);
    let auth = vec![("Authorization", nicepay::auth(&creds))];
    let tid = customer_key(&base, "o1", 10000).await;
    let (status, body) = send("POST", &format!("{base}/v1/payments/{tid}"), &auth, json!({"amount": 10000})).await;
    assert_eq!(
        (status, body["resultCode"].as_str(), body["status"].as_str()),
        (200, Some("0000"), Some("paid")),
        "{body}"
    );

    let cancel = format!("{base}/v1/payments/{tid}/cancel");
    let (_, body) = send("POST", &cancel, &auth, json!({"reason": "r", "orderId": "c1", "cancelAmt": 20000})).await;
    assert_eq!(body["resultCode"].as_str(), Some("2032"), "over the cancellable amount: {body}");
    let (_, body) = send("POST", &cancel, &auth, json!({"reason": "r", "orderId": "c2"})).await;
    assert_eq!((body["resultCode"].as_str(), body["status"].as_str()), (Some("2001"), Some("cancelled")), "{body}");
    let (_, body) = send("POST", &cancel, &auth, json!({"reason": "r", "orderId": "c3", "cancelAmt": 1})).await;
    assert_eq!(body["resultCode"].as_str(), Some("2015"), "already cancelled: {body}");
    let (_, body) = send("POST", &cancel, &auth, json!({"reason": "r", "orderId": "c3", "cancelAmt": 1})).await;
    assert_eq!(body["resultCode"].as_str(), Some("2041"), "a reused cancel orderId: {body}");

    let (_, body) = send("POST", &format!("{base}/v1/payments/nicepay_other"), &auth, json!({"amount": 10000})).await;
    assert_eq!(body["resultCode"].as_str(), Some("2012"), "a tid no customer got: {body}");
    let (_, body) = send("GET", &format!("{base}/v1/payments/find/o1"), &auth, serde_json::Value::Null).await;
    assert_eq!(body["balanceAmt"].as_i64(), Some(0), "{body}");

    let wrong = vec![("Authorization", "Basic d3Jvbmc6d3Jvbmc=".to_string())];
    let (status, body) = send("GET", &format!("{base}/v1/payments/{tid}"), &wrong, serde_json::Value::Null).await;
    assert_eq!((status, body["resultCode"].as_str()), (401, Some("U104")), "{body}");
}

#[tokio::test]
async fn nicepay_refuses_a_reused_merchant_order_id() {
    let (fleet, _) = fake_and_client(PgName::Nicepay, ServerKind::Lean).await;
    let (base, creds) = endpoint(&fleet, PgName::Nicepay);
    let auth = vec![("Authorization", nicepay::auth(&creds))];
    fleet.fake(PgName::Nicepay).ledger().authenticate("tid-b", "o9", 5000).unwrap();
    let (_, body) =
        send("POST", &format!("{base}/v1/payments/tid-b/cancel"), &auth, json!({"reason": "r", "orderId": "c9"})).await;
    assert_eq!(body["resultCode"].as_str(), Some("2003"), "cancel before approve: {body}");
    let (_, body) = send("POST", &format!("{base}/v1/payments/tid-b"), &auth, json!({"amount": 4000})).await;
    assert_eq!(body["resultCode"].as_str(), Some("A123"), "amount differs from the authenticated one: {body}");
    let (_, body) = send("POST", &format!("{base}/v1/payments/tid-b"), &auth, json!({"amount": 5000})).await;
    assert_eq!(body["resultCode"].as_str(), Some("0000"), "{body}");
    let again = reqwest::Client::new()
        .post(format!("{base}{}", paydrill::fakes::AUTHORIZE_PATH))
        .json(&json!({"order_id": "o9", "amount": 5000}))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status().as_u16(), 409, "the customer cannot pay a used order number again");
}
