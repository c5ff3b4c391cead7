//! The KakaoPay fake straight at its HTTP API: ready → approve, and its negative error codes.

use crate::{customer_key, endpoint, fake_and_client, send};
use paydrill::fakes::ServerKind;
use paydrill::pg::PgName;
use serde_json::json;

#[tokio::test]
async fn kakaopay_speaks_its_own_codes() {
    let (fleet, _) = fake_and_client(PgName::Kakaopay, ServerKind::Wiremock).await;
    let (base, creds) = endpoint(&fleet, PgName::Kakaopay);
    let auth = vec![("Authorization", format!("SECRET_KEY {}", creds.secret))];
    let cid = creds.merchant_id.clone();
    let url = |api: &str| format!("{base}/online/v1/payment/{api}");

    let (status, ready) = send("POST", &url("ready"), &auth, json!({"cid": cid, "partner_order_id": "o1", "partner_user_id": "u", "item_name": "x", "quantity": 1, "total_amount": 10000, "tax_free_amount": 0})).await;
    assert_eq!(status, 200, "{ready}");
    let tid = ready["tid"].as_str().unwrap().to_string();
    let (status, body) = send(
        "POST",
        &url("cancel"),
        &auth,
        json!({"cid": cid, "tid": tid, "cancel_amount": 10000, "cancel_tax_free_amount": 0}),
    )
    .await;
    assert_eq!((status, body["error_code"].as_i64()), (400, Some(-703)), "cancel before approve: {body}");
    let approve = |token: &str| json!({"cid": cid, "tid": tid, "partner_order_id": "o1", "partner_user_id": "u", "pg_token": token});
    let (status, body) = send("POST", &url("approve"), &auth, approve("no-customer-gave-this")).await;
    assert_eq!((status, body["error_code"].as_i64()), (400, Some(-782)), "a pg_token no customer got: {body}");
    let other = customer_key(&base, "o2", 10000).await;
    let (status, body) = send("POST", &url("approve"), &auth, approve(&other)).await;
    assert_eq!((status, body["error_code"].as_i64()), (400, Some(-782)), "another order's pg_token: {body}");
    let token = customer_key(&base, "o1", 10000).await;
    let (status, paid) = send("POST", &url("approve"), &auth, approve(&token)).await;
    assert_eq!((status, paid["amount"]["total"].as_i64()), (200, Some(10000)), "{paid}");

    let cancel = |amount: i64| json!({"cid": cid, "tid": tid, "cancel_amount": amount, "cancel_tax_free_amount": 0});
    let (status, body) = send("POST", &url("cancel"), &auth, cancel(20000)).await;
    assert_eq!((status, body["error_code"].as_i64()), (400, Some(-798)), "{body}");
    let (status, body) = send("POST", &url("cancel"), &auth, cancel(10000)).await;
    assert_eq!((status, body["status"].as_str()), (200, Some("CANCEL_PAYMENT")), "{body}");
    let (status, body) = send("POST", &url("cancel"), &auth, cancel(1)).await;
    assert_eq!((status, body["error_code"].as_i64()), (400, Some(-797)), "{body}");

    let (status, body) = send("POST", &url("ready"), &auth, json!({"cid": cid, "partner_order_id": "o1", "partner_user_id": "u", "item_name": "x", "quantity": 1, "total_amount": 5, "tax_free_amount": 0})).await;
    assert_eq!((status, body["error_code"].as_i64()), (400, Some(-701)), "duplicate partner_order_id: {body}");

    let wrong = vec![("Authorization", "SECRET_KEY wrong".to_string())];
    let (status, body) = send("POST", &url("order"), &wrong, json!({"cid": cid, "tid": tid})).await;
    assert_eq!((status, body["error_code"].as_i64()), (401, Some(-401)), "{body}");
}
