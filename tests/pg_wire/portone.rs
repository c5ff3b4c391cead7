//! The PortOne fake straight at its HTTP API: `{type, message}` errors and idempotency replays.

use crate::{customer_key, endpoint, fake_and_client, send};
use paydrill::fakes::ServerKind;
use paydrill::pg::{ApproveRequest, PgName};
use serde_json::json;

#[tokio::test]
async fn portone_speaks_its_own_codes() {
    let (fleet, _) = fake_and_client(PgName::Portone, ServerKind::Wiremock).await;
    let (base, creds) = endpoint(&fleet, PgName::Portone);
    let auth = vec![("Authorization", format!("PortOne {}", creds.secret))];
    let confirm = format!("{base}/payments/pay-1/confirm");
    let (status, body) = send("POST", &confirm, &auth, json!({"paymentToken": "t", "totalAmount": 10000})).await;
    assert_eq!((status, body["type"].as_str()), (404, Some("PAYMENT_NOT_FOUND")), "no customer paid: {body}");

    let token = customer_key(&base, "pay-1", 10000).await;
    let (status, body) = send("POST", &confirm, &auth, json!({"totalAmount": 10000})).await;
    assert_eq!((status, body["type"].as_str()), (400, Some("INVALID_REQUEST")), "no paymentToken: {body}");
    let (status, body) = send("POST", &confirm, &auth, json!({"paymentToken": "forged", "totalAmount": 10000})).await;
    assert_eq!((status, body["type"].as_str()), (400, Some("INVALID_PAYMENT_TOKEN")), "{body}");
    let (status, body) = send("POST", &confirm, &auth, json!({"paymentToken": token, "totalAmount": 9000})).await;
    assert_eq!((status, body["type"].as_str()), (409, Some("INFORMATION_MISMATCH")), "changed amount: {body}");
    let (status, body) =
        send("POST", &confirm, &auth, json!({"paymentToken": token, "totalAmount": 10000, "currency": "KRW"})).await;
    assert_eq!(status, 200, "{body}");
    assert!(body["pgTxId"].is_string() && body["paidAt"].is_string(), "the confirm summary: {body}");
    assert!(body.get("payment").is_none(), "a summary at the top level: {body}");
    let (status, body) = send("POST", &confirm, &auth, json!({"paymentToken": token, "totalAmount": 10000})).await;
    assert_eq!((status, body["type"].as_str()), (409, Some("ALREADY_PAID")), "{body}");

    let cancel = format!("{base}/payments/pay-1/cancel");
    let (status, body) = send("POST", &cancel, &auth, json!({"reason": "r", "amount": 20000})).await;
    assert_eq!((status, body["type"].as_str()), (409, Some("CANCEL_AMOUNT_EXCEEDS_CANCELLABLE_AMOUNT")), "{body}");
    let (status, body) = send("POST", &cancel, &auth, json!({"reason": "r", "currentCancellableAmount": 9999})).await;
    assert_eq!((status, body["type"].as_str()), (409, Some("CANCELLABLE_AMOUNT_CONSISTENCY_BROKEN")), "{body}");
    let (status, body) = send("POST", &cancel, &auth, json!({"reason": "r"})).await;
    assert_eq!((status, body["cancellation"]["status"].as_str()), (200, Some("SUCCEEDED")), "{body}");
    let (status, body) = send("POST", &cancel, &auth, json!({"reason": "r"})).await;
    assert_eq!((status, body["type"].as_str()), (409, Some("PAYMENT_ALREADY_CANCELLED")), "{body}");

    let (status, body) = send("GET", &format!("{base}/payments/nope"), &auth, serde_json::Value::Null).await;
    assert_eq!((status, body["type"].as_str()), (404, Some("PAYMENT_NOT_FOUND")), "{body}");
    let (status, body) =
        send("POST", &cancel, &auth, json!({"storeId": "store-someone-else", "reason": "r", "amount": 1})).await;
    assert_eq!((status, body["type"].as_str()), (403, Some("FORBIDDEN")), "{body}");
    let wrong = vec![("Authorization", "PortOne wrong".to_string())];
    let (status, body) = send("GET", &format!("{base}/payments/pay-1"), &wrong, serde_json::Value::Null).await;
    assert_eq!((status, body["type"].as_str()), (401, Some("UNAUTHORIZED")), "{body}");
}

#[tokio::test]
async fn portone_replays_an_idempotency_key() {
    let (fleet, _) = fake_and_client(PgName::Portone, ServerKind::Lean).await;
    let (base, creds) = endpoint(&fleet, PgName::Portone);
    let headers = vec![
        ("Authorization", format!("PortOne {}", creds.secret)),
        ("Idempotency-Key", "paydrill-key-0000001".to_string()),
    ];
    let token = customer_key(&base, "pay-9", 500).await;
    let url = format!("{base}/payments/pay-9/confirm");
    let first = send("POST", &url, &headers, json!({"paymentToken": token, "totalAmount": 500})).await;
    let again = send("POST", &url, &headers, json!({"paymentToken": token, "totalAmount": 500})).await;
    assert_eq!(first.0, 200, "{}", first.1);
    assert_eq!(first, again, "the replay is the first answer, not ALREADY_PAID");
    assert_eq!(fleet.fake(PgName::Portone).ledger().payments().len(), 1);
    let short = vec![("Authorization", format!("PortOne {}", creds.secret)), ("Idempotency-Key", "short".to_string())];
    let (status, body) = send("POST", &url, &short, json!({"paymentToken": token, "totalAmount": 500})).await;
    assert_eq!((status, body["type"].as_str()), (400, Some("INVALID_REQUEST")), "{body}");
}

#[tokio::test]
async fn portone_reads_back_a_partly_cancelled_payment() {
    let (fleet, _) = fake_and_client(PgName::Portone, ServerKind::Lean).await;
    let (base, creds) = endpoint(&fleet, PgName::Portone);
    let auth = vec![("Authorization", format!("PortOne {}", creds.secret))];
    let token = customer_key(&base, "o5", 8000).await;
    let (status, body) = send(
        "POST",
        &format!("{base}/payments/o5/confirm"),
        &auth,
        json!({"storeId": creds.merchant_id, "paymentToken": token, "totalAmount": 8000}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let cancel = format!("{base}/payments/o5/cancel");
    let (_, first) = send("POST", &cancel, &auth, json!({"reason": "r", "amount": 3000})).await;
    let (_, second) =
        send("POST", &cancel, &auth, json!({"reason": "r", "amount": 1000, "currentCancellableAmount": 5000})).await;
    assert_ne!(first["cancellation"]["id"], second["cancellation"]["id"]);
    let (status, body) = send("GET", &format!("{base}/payments/o5"), &auth, serde_json::Value::Null).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (body["status"].as_str(), body["storeId"].as_str()),
        (Some("PARTIAL_CANCELLED"), Some(creds.merchant_id.as_str()))
    );
    let amount = json!({"total": 8000, "taxFree": 0, "vat": 727, "supply": 7273, "discount": 0, "paid": 8000,
                        "cancelled": 4000, "cancelledTaxFree": 0});
    assert_eq!(body["amount"], amount);
    assert_eq!(body["cancellations"].as_array().map(Vec::len), Some(2), "{body}");
}

#[tokio::test]
async fn portone_client_sends_the_idempotency_key() {
    let (fleet, client) = fake_and_client(PgName::Portone, ServerKind::Wiremock).await;
    let token = customer_key(client.base_url(), "o7", 700).await;
    let req = ApproveRequest {
        merchant_order_id: "o7".into(),
        amount: 700,
        idempotency_key: Some("k7".into()),
        customer_key: Some(token),
    };
    let call = PgName::Portone.codec().approve(&endpoint(&fleet, PgName::Portone).1, "o7", &req);
    let key = call.headers.iter().find(|(k, _)| k == "Idempotency-Key").map(|(_, v)| v.clone());
    assert!(key.as_ref().is_some_and(|k| (16..=256).contains(&k.len())), "{key:?}");
    let first = client.approve(&req).await.result.expect("first approve");
    let again = client.approve(&req).await.result.expect("a replay, not ALREADY_PAID");
    assert_eq!(first, again);
    assert_eq!(fleet.fake(PgName::Portone).ledger().payments().len(), 1);
}
