//! The KakaoPay legacy-API fake straight at its HTTP API: form bodies under `/v1/payment/...`,
//! `KakaoAK` auth, ready → approve, and its `{code, msg}` errors.

use crate::{customer_key, endpoint, fake_and_client, send};
use paydrill::fakes::ServerKind;
use paydrill::pg::PgName;
use serde_json::{json, Value};

/// A form body for [`send`]: a list of pairs.
fn form(pairs: &[(&str, &str)]) -> Value {
    Value::Array(pairs.iter().map(|(k, v)| json!([k, v])).collect())
}

/// A Kakao time: KST without an offset, `2016-11-15T21:18:22`.
fn kakao_time(v: &Value) -> bool {
    v.as_str().is_some_and(|t| t.len() == 19 && t.as_bytes()[10] == b'T' && !t.contains('+'))
}

#[tokio::test]
async fn kakaolegacy_speaks_its_own_codes() {
    let (fleet, _) = fake_and_client(PgName::Kakaolegacy, ServerKind::Wiremock).await;
    let (base, creds) = endpoint(&fleet, PgName::Kakaolegacy);
    let auth = vec![("Authorization", format!("KakaoAK {}", creds.secret))];
    let cid = creds.merchant_id.clone();
    let url = |api: &str| format!("{base}/v1/payment/{api}");
    let ready = |order: &str, amount: &str| {
        form(&[
            ("cid", cid.as_str()),
            ("partner_order_id", order),
            ("partner_user_id", "user42"),
            ("item_name", "초코파이"),
            ("quantity", "2"),
            ("total_amount", amount),
            ("tax_free_amount", "0"),
            ("approval_url", "http://localhost/ok"),
            ("cancel_url", "http://localhost/cancel"),
            ("fail_url", "http://localhost/fail"),
        ])
    };

    let (status, body) =
        send("POST", &url("ready"), &auth, form(&[("cid", cid.as_str()), ("partner_order_id", "o1")])).await;
    assert_eq!((status, body["code"].as_i64()), (400, Some(-2)), "ready without its required fields: {body}");
    let (status, readied) = send("POST", &url("ready"), &auth, ready("o1", "10000")).await;
    assert_eq!(status, 200, "{readied}");
    let tid = readied["tid"].as_str().unwrap().to_string();
    assert_eq!(tid.len(), 20, "{readied}");
    assert!(readied["next_redirect_pc_url"].as_str().is_some_and(|u| u.contains(&tid)), "{readied}");
    assert!(kakao_time(&readied["created_at"]), "{readied}");

    let cancel = |amount: &str, available: Option<&str>| {
        let mut pairs = vec![("cid", cid.as_str()), ("tid", tid.as_str()), ("cancel_amount", amount)];
        pairs.push(("cancel_tax_free_amount", "0"));
        if let Some(a) = available {
            pairs.push(("cancel_available_amount", a));
        }
        form(&pairs)
    };
    let (status, body) = send("POST", &url("cancel"), &auth, cancel("10000", None)).await;
    assert_eq!((status, body["code"].as_i64()), (400, Some(-703)), "cancel before approve: {body}");

    let approve = |token: &str| {
        form(&[
            ("cid", cid.as_str()),
            ("tid", tid.as_str()),
            ("partner_order_id", "o1"),
            ("partner_user_id", "user42"),
            ("pg_token", token),
        ])
    };
    let (status, body) = send("POST", &url("approve"), &auth, approve("no-customer-gave-this")).await;
    assert_eq!((status, body["code"].as_i64()), (400, Some(-782)), "a pg_token no customer got: {body}");
    assert!(body["msg"].is_string() && body.get("error_code").is_none(), "the legacy error shape: {body}");
    let other = customer_key(&base, "o2", 10000).await;
    let (status, body) = send("POST", &url("approve"), &auth, approve(&other)).await;
    assert_eq!((status, body["code"].as_i64()), (400, Some(-782)), "another order's pg_token: {body}");
    let token = customer_key(&base, "o1", 10000).await;
    let as_json =
        json!({"cid": cid, "tid": tid, "partner_order_id": "o1", "partner_user_id": "user42", "pg_token": token});
    let (status, body) = send("POST", &url("approve"), &auth, as_json).await;
    assert_eq!((status, body["code"].as_i64()), (400, Some(-2)), "a JSON body: {body}");
    let (status, paid) = send("POST", &url("approve"), &auth, approve(&token)).await;
    assert_eq!((status, paid["amount"]["total"].as_i64()), (200, Some(10000)), "{paid}");
    assert_eq!(paid["amount"]["vat"].as_i64(), Some(909), "{paid}");
    let echoed = (paid["partner_user_id"].as_str(), paid["item_name"].as_str(), paid["quantity"].as_i64());
    assert_eq!(echoed, (Some("user42"), Some("초코파이"), Some(2)), "the ready's fields: {paid}");
    assert!(paid["aid"].is_string() && kakao_time(&paid["approved_at"]), "{paid}");
    let (status, body) = send("POST", &url("approve"), &auth, approve(&token)).await;
    assert_eq!((status, body["code"].as_i64()), (400, Some(-702)), "approved twice: {body}");

    let (status, body) = send("POST", &url("cancel"), &auth, cancel("20000", None)).await;
    assert_eq!((status, body["code"].as_i64()), (400, Some(-798)), "over the balance: {body}");
    let (status, body) = send("POST", &url("cancel"), &auth, cancel("1000", Some("9999"))).await;
    assert_eq!((status, body["code"].as_i64()), (400, Some(-799)), "cancel_available_amount mismatch: {body}");
    let (status, body) = send("POST", &url("cancel"), &auth, cancel("3000", Some("10000"))).await;
    assert_eq!((status, body["status"].as_str()), (200, Some("PART_CANCEL_PAYMENT")), "{body}");
    let amounts = (
        body["approved_cancel_amount"]["total"].as_i64(),
        body["canceled_amount"]["total"].as_i64(),
        body["cancel_available_amount"]["total"].as_i64(),
    );
    assert_eq!(amounts, (Some(3000), Some(3000), Some(7000)), "{body}");
    assert!(body["aid"].is_string() && body["aid"] != paid["aid"] && kakao_time(&body["canceled_at"]), "{body}");
    let (status, body) = send("POST", &url("cancel"), &auth, cancel("7000", None)).await;
    assert_eq!((status, body["status"].as_str()), (200, Some("CANCEL_PAYMENT")), "{body}");
    let (status, body) = send("POST", &url("cancel"), &auth, cancel("1", None)).await;
    assert_eq!((status, body["code"].as_i64()), (400, Some(-797)), "already cancelled: {body}");

    let order = |tid: &str| form(&[("cid", cid.as_str()), ("tid", tid)]);
    let (status, body) = send("POST", &url("order"), &auth, order(&tid)).await;
    let seen = (status, body["status"].as_str(), body["amount"]["total"].as_i64());
    assert_eq!(seen, (200, Some("CANCEL_PAYMENT"), Some(10000)), "{body}");
    assert_eq!(body["cancel_available_amount"]["total"].as_i64(), Some(0), "{body}");
    let kinds: Vec<&str> = body["payment_action_details"]
        .as_array()
        .map(|d| d.iter().filter_map(|a| a["payment_action_type"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(kinds, ["PAYMENT", "CANCEL", "CANCEL"], "{body}");
    let (status, body) = send("POST", &url("order"), &auth, order("T0000000000000009999")).await;
    assert_eq!((status, body["code"].as_i64()), (400, Some(-721)), "no such tid: {body}");

    let (status, body) = send("POST", &url("ready"), &auth, ready("o1", "5")).await;
    assert_eq!((status, body["code"].as_i64()), (400, Some(-701)), "duplicate partner_order_id: {body}");

    let wrong = vec![("Authorization", "KakaoAK wrong".to_string())];
    let (status, body) = send("POST", &url("order"), &wrong, order(&tid)).await;
    assert_eq!((status, body["code"].as_i64()), (401, Some(-401)), "wrong admin key: {body}");
    let new_api = vec![("Authorization", format!("SECRET_KEY {}", creds.secret))];
    let (status, body) = send("POST", &url("order"), &new_api, order(&tid)).await;
    assert_eq!((status, body["code"].as_i64()), (401, Some(-401)), "the new API's auth scheme: {body}");
}
