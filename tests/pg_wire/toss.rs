//! The Toss fake straight at its HTTP API: its own envelope and codes.

use crate::{customer_key, endpoint, fake_and_client};
use paydrill::fakes::ServerKind;
use paydrill::pg::toss::basic_auth;
use paydrill::pg::PgName;
use serde_json::{json, Value};

async fn post(url: &str, auth: &str, body: Value, idem: Option<&str>) -> (u16, Value) {
    let mut req = reqwest::Client::new().post(url).header("Authorization", auth).json(&body);
    if let Some(k) = idem {
        req = req.header("Idempotency-Key", k);
    }
    let resp = req.send().await.unwrap();
    (resp.status().as_u16(), resp.json().await.unwrap())
}

#[tokio::test]
async fn toss_speaks_its_own_codes() {
    let (fleet, _) = fake_and_client(PgName::Toss, ServerKind::Wiremock).await;
    let (base, creds) = endpoint(&fleet, PgName::Toss);
    let auth = basic_auth(&creds.secret);
    let confirm = format!("{base}/v1/payments/confirm");

    let pk1 = customer_key(&base, "o1", 10000).await;
    assert!(pk1.starts_with("tgen_"), "Toss's own key shape: {pk1}");
    let (status, body) =
        post(&confirm, &auth, json!({"paymentKey": "tgen_nobody", "orderId": "o1", "amount": 10000}), None).await;
    assert_eq!((status, body["code"].as_str()), (404, Some("NOT_FOUND_PAYMENT_SESSION")), "unknown key: {body}");
    let (status, body) = post(&confirm, &auth, json!({"paymentKey": pk1, "orderId": "o1", "amount": 9000}), None).await;
    assert_eq!((status, body["code"].as_str()), (400, Some("NOT_MATCHES_AMOUNT")), "changed amount: {body}");
    let (status, body) =
        post(&confirm, &auth, json!({"paymentKey": pk1, "orderId": "o2", "amount": 10000}), None).await;
    assert_eq!((status, body["code"].as_str()), (404, Some("NOT_FOUND_PAYMENT_SESSION")), "another order: {body}");

    let (status, body) =
        post(&confirm, &auth, json!({"paymentKey": pk1, "orderId": "o1", "amount": 10000}), None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!((body["status"].as_str(), body["balanceAmount"].as_i64()), (Some("DONE"), Some(10000)));
    for field in ["version", "type", "mId", "orderName", "currency", "method", "requestedAt", "approvedAt", "card"] {
        assert!(!body[field].is_null(), "a Payment always has `{field}`: {body}");
    }
    let requested = body["requestedAt"].as_str().unwrap();
    assert!(requested.ends_with("+09:00") && !requested.contains('.'), "Toss's time shape: {requested}");
    let (status, body) =
        post(&confirm, &auth, json!({"paymentKey": pk1, "orderId": "o1", "amount": 10000}), None).await;
    assert_eq!((status, body["code"].as_str()), (400, Some("ALREADY_PROCESSED_PAYMENT")), "re-confirm: {body}");

    let cancel = format!("{base}/v1/payments/{pk1}/cancel");
    let (status, body) = post(&cancel, &auth, json!({"cancelReason": "r", "cancelAmount": 20000}), None).await;
    assert_eq!((status, body["code"].as_str()), (403, Some("NOT_CANCELABLE_AMOUNT")), "{body}");

    let (status, body) = post(&cancel, &auth, json!({"cancelReason": "r"}), None).await;
    assert_eq!((status, body["status"].as_str()), (200, Some("CANCELED")), "{body}");
    assert_eq!(body["cancels"][0]["cancelAmount"].as_i64(), Some(10000), "{body}");
    let (status, body) = post(&cancel, &auth, json!({"cancelReason": "r"}), None).await;
    assert_eq!((status, body["code"].as_str()), (400, Some("ALREADY_CANCELED_PAYMENT")), "{body}");

    // The legacy approve path, which SDKs generated from older docs call.
    let pk4 = customer_key(&base, "o4", 4000).await;
    let (status, body) =
        post(&format!("{base}/v1/payments/{pk4}"), &auth, json!({"orderId": "o4", "amount": 4000}), None).await;
    assert_eq!((status, body["status"].as_str()), (200, Some("DONE")), "{body}");

    let (status, body) =
        post(&confirm, &basic_auth("test_sk_wrong"), json!({"paymentKey": "pk3", "orderId": "o3", "amount": 1}), None)
            .await;
    assert_eq!((status, body["code"].as_str()), (401, Some("UNAUTHORIZED_KEY")), "{body}");
}

#[tokio::test]
async fn toss_replays_an_idempotency_key_without_comparing_the_body() {
    let (fleet, _) = fake_and_client(PgName::Toss, ServerKind::Wiremock).await;
    let (base, creds) = endpoint(&fleet, PgName::Toss);
    let auth = basic_auth(&creds.secret);
    let confirm = format!("{base}/v1/payments/confirm");
    let pk1 = customer_key(&base, "o1", 500).await;
    let first = post(&confirm, &auth, json!({"paymentKey": pk1, "orderId": "o1", "amount": 500}), Some("k1")).await;
    let again = post(&confirm, &auth, json!({"paymentKey": "pk9", "orderId": "o9", "amount": 900}), Some("k1")).await;
    assert_eq!(first, again);
    assert_eq!(fleet.fake(PgName::Toss).ledger().payments().len(), 1);
    // A stored answer is never handed to a caller with the wrong key.
    let stranger = post(
        &confirm,
        &basic_auth("test_sk_wrong"),
        json!({"paymentKey": pk1, "orderId": "o1", "amount": 500}),
        Some("k1"),
    )
    .await;
    assert_eq!((stranger.0, stranger.1["code"].as_str()), (401, Some("UNAUTHORIZED_KEY")), "{}", stranger.1);
    // An amount that is not a whole number is refused, not read as a full cancel.
    let (status, body) = post(
        &format!("{base}/v1/payments/{pk1}/cancel"),
        &auth,
        json!({"cancelReason": "r", "cancelAmount": "100"}),
        None,
    )
    .await;
    assert_eq!((status, body["code"].as_str()), (400, Some("INVALID_REQUEST")), "{body}");
    assert_eq!(fleet.fake(PgName::Toss).ledger().payment(&pk1).unwrap().balance, 500);
}

#[tokio::test]
async fn toss_answers_a_replay_of_a_held_request_in_progress_until_it_is_answered() {
    for kind in [ServerKind::Wiremock, ServerKind::Lean] {
        let (fleet, _) = fake_and_client(PgName::Toss, kind).await;
        let (base, creds) = endpoint(&fleet, PgName::Toss);
        let auth = basic_auth(&creds.secret);
        let key = customer_key(&base, "o1", 500).await;
        let hold = paydrill::spec::Fault::TimeoutFor(std::time::Duration::from_millis(800));
        fleet.fake(PgName::Toss).faults().script(&["o1"], Some(paydrill::pg::PgOp::Approve), hold, 1);
        let confirm = format!("{base}/v1/payments/confirm");
        let body = json!({"paymentKey": key, "orderId": "o1", "amount": 500});
        let first = tokio::spawn({
            let (confirm, auth, body) = (confirm.clone(), auth.clone(), body.clone());
            async move { post(&confirm, &auth, body, Some("held-1")).await }
        });
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        let (status, busy) = post(&confirm, &auth, body.clone(), Some("held-1")).await;
        assert_eq!((status, busy["code"].as_str()), (409, Some("IDEMPOTENT_REQUEST_PROCESSING")), "{kind:?}: {busy}");
        let (status, first) = first.await.unwrap();
        assert_eq!((status, first["status"].as_str()), (200, Some("DONE")), "{kind:?}: held, then answered: {first}");
        let again = post(&confirm, &auth, body, Some("held-1")).await;
        assert_eq!(again, (200, first), "{kind:?}: once answered, the replay is the stored answer");
    }
}

#[tokio::test]
async fn toss_lists_its_settlements_with_the_fee_and_what_it_pays_out() {
    let (fleet, _) = fake_and_client(PgName::Toss, ServerKind::Lean).await;
    let (base, creds) = endpoint(&fleet, PgName::Toss);
    let auth = basic_auth(&creds.secret);
    let key = customer_key(&base, "s1", 10000).await;
    let confirm = format!("{base}/v1/payments/confirm");
    assert_eq!(post(&confirm, &auth, json!({"paymentKey": key, "orderId": "s1", "amount": 10000}), None).await.0, 200);
    let cancel = format!("{base}/v1/payments/{key}/cancel");
    assert_eq!(post(&cancel, &auth, json!({"cancelReason": "r", "cancelAmount": 4000}), None).await.0, 200);

    let today = time::OffsetDateTime::now_utc().to_offset(time::UtcOffset::from_hms(9, 0, 0).unwrap()).date();
    let day = |d: time::Date| format!("{:04}-{:02}-{:02}", d.year(), d.month() as u8, d.day());
    let list = |query: String, auth: String| {
        let url = format!("{base}/v1/settlements?{query}");
        async move {
            let resp = reqwest::Client::new().get(url).header("Authorization", auth).send().await.unwrap();
            (resp.status().as_u16(), resp.json::<Value>().await.unwrap())
        }
    };
    let (status, rows) = list(format!("startDate={}&endDate={}", day(today), day(today)), auth.clone()).await;
    assert_eq!(status, 200, "{rows}");
    let rows = rows.as_array().unwrap().clone();
    let money: Vec<(i64, i64, i64)> = rows
        .iter()
        .map(|r| (r["amount"].as_i64().unwrap(), r["fee"].as_i64().unwrap(), r["payOutAmount"].as_i64().unwrap()))
        .collect();
    assert_eq!(money, vec![(10000, 300, 9700), (-4000, -120, -3880)], "{rows:?}");
    for r in &rows {
        assert_eq!(r["paymentKey"], key.as_str());
        for field in ["mId", "transactionKey", "orderId", "method", "supplyAmount", "vat", "soldDate", "paidOutDate"] {
            assert!(!r[field].is_null(), "a settlement row always has `{field}`: {r}");
        }
    }
    assert_eq!(rows[1]["cancel"]["cancelAmount"], 4000);
    // Paid out two days after the sale: nothing is paid out today.
    let (_, paid_today) =
        list(format!("startDate={0}&endDate={0}&dateType=paidOutDate", day(today)), auth.clone()).await;
    assert_eq!(paid_today.as_array().map(Vec::len), Some(0), "{paid_today}");
    let (status, body) = list("endDate=2026-12-01".into(), auth.clone()).await;
    assert_eq!((status, body["code"].as_str()), (400, Some("INVALID_REQUEST")), "{body}");
    let (status, body) = list(format!("startDate={0}&endDate={0}", day(today)), basic_auth("test_sk_wrong")).await;
    assert_eq!((status, body["code"].as_str()), (401, Some("UNAUTHORIZED_KEY")), "{body}");

    // The same rows as CSV, as every fake offers them.
    let csv =
        reqwest::get(format!("{base}{}", paydrill::fakes::SETTLEMENTS_CSV_PATH)).await.unwrap().text().await.unwrap();
    assert_eq!(csv.lines().count(), 3, "a header and two rows: {csv}");
    assert!(csv.lines().nth(1).unwrap().contains(",10000,0,300,"), "{csv}");
}
