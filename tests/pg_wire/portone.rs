//! The PortOne fake straight at its HTTP API: `{type, message}` errors and idempotency replays.

use crate::{endpoint, fake_and_client, send};
use paydrill::fakes::ServerKind;
use paydrill::pg::PgName;
use serde_json::json;

#[tokio::test]
async fn portone_speaks_its_own_codes() {
    let (fleet, _) = fake_and_client(PgName::Portone, ServerKind::Wiremock).await;
    let (base, creds) = endpoint(&fleet, PgName::Portone);
    let auth = vec![("Authorization", format!("PortOne {}", creds.secret))];
    let (status, body) = send(
        "POST",
        &format!("{base}/payments/pay-1/confirm"),
        &auth,
        json!({"orderName": "o1", "totalAmount": 10000}),
    )
    .await;
    assert_eq!((status, body["payment"]["status"].as_str()), (200, Some("PAID")), "{body}");

    let cancel = format!("{base}/payments/pay-1/cancel");
    let (status, body) = send("POST", &cancel, &auth, json!({"reason": "r", "amount": 20000})).await;
    assert_eq!((status, body["type"].as_str()), (409, Some("CANCEL_AMOUNT_EXCEEDS_CANCELLABLE_AMOUNT")), "{body}");
    let (status, body) = send("POST", &cancel, &auth, json!({"reason": "r", "currentCancellableAmount": 9999})).await;
    assert_eq!((status, body["type"].as_str()), (409, Some("CANCELLABLE_AMOUNT_CONSISTENCY_BROKEN")), "{body}");
    let (status, body) = send("POST", &cancel, &auth, json!({"reason": "r"})).await;
    assert_eq!((status, body["cancellation"]["status"].as_str()), (200, Some("SUCCEEDED")), "{body}");
    let (status, body) = send("POST", &cancel, &auth, json!({"reason": "r"})).await;
    assert_eq!((status, body["type"].as_str()), (409, Some("PAYMENT_ALREADY_CANCELLED")), "{body}");

    let (status, body) = send(
        "POST",
        &format!("{base}/payments/pay-2/confirm"),
        &auth,
        json!({"orderName": "o1", "totalAmount": 10000}),
    )
    .await;
    assert_eq!((status, body["type"].as_str()), (409, Some("ALREADY_PAID")), "a second payment for order o1: {body}");
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
    let url = format!("{base}/payments/pay-9/confirm");
    let first = send("POST", &url, &headers, json!({"orderName": "o9", "totalAmount": 500})).await;
    let again = send("POST", &url, &headers, json!({"orderName": "o9", "totalAmount": 500})).await;
    assert_eq!(first, again, "the replay is the first answer, not ALREADY_PAID");
    assert_eq!(fleet.fake(PgName::Portone).ledger().payments().len(), 1);
    let short = vec![("Authorization", format!("PortOne {}", creds.secret)), ("Idempotency-Key", "short".to_string())];
    let (status, body) = send("POST", &url, &short, json!({"orderName": "o9", "totalAmount": 500})).await;
    assert_eq!((status, body["type"].as_str()), (400, Some("INVALID_REQUEST")), "{body}");
}
