//! The reference platform against the PG fakes, over HTTP, the way a client sees it:
//! idempotent creates, approve → partial cancels → refused cancel on every PG, racing cancels,
//! and an approval that times out at the PG.

use paydrill::embedded::{Embedded, EmbeddedConfig};
use paydrill::fakes::ServerKind;
use paydrill::pg::{PgName, PgOp, PgStatus};
use paydrill::spec::Fault;
use reqwest::Client;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

const PG_TIMEOUT: Duration = Duration::from_millis(400);

async fn embedded() -> Embedded {
    Embedded::start(EmbeddedConfig::shipped().pg_timeout(PG_TIMEOUT).server(ServerKind::Lean))
        .await
        .expect("the embedded target starts")
}

struct Api<'a> {
    base: String,
    http: Client,
    embedded: &'a Embedded,
}

impl<'a> Api<'a> {
    fn new(embedded: &'a Embedded) -> Self {
        Api { base: embedded.platform.url(), http: Client::new(), embedded }
    }

    /// The customer pays in the PG's window: the key the fake's authorise endpoint issues.
    async fn customer_key(&self, pg: PgName, order: &str, amount: i64) -> String {
        let endpoint = self.embedded.fleet.endpoint(pg).expect("the PG has a fake");
        let url = format!("{}{}", endpoint.base_url, paydrill::fakes::AUTHORIZE_PATH);
        let resp = self.http.post(url).json(&json!({ "order_id": order, "amount": amount })).send().await.unwrap();
        let granted: Value = resp.json().await.unwrap();
        granted["payment_key"].as_str().unwrap_or_else(|| panic!("{pg}: {granted}")).to_string()
    }

    /// Approves `order` with the key its customer got.
    async fn approve(&self, order: &str, key: &str) -> (u16, Value, bool) {
        self.post(&format!("/orders/{order}/approve"), None, json!({ "pg_payment_key": key })).await
    }

    async fn post(&self, path: &str, key: Option<&str>, body: Value) -> (u16, Value, bool) {
        let mut req = self.http.post(format!("{}{path}", self.base)).json(&body);
        if let Some(k) = key {
            req = req.header("Idempotency-Key", k);
        }
        let resp = req.send().await.expect("platform answers");
        let replayed = resp.headers().get("idempotent-replayed").is_some_and(|v| v == "true");
        (resp.status().as_u16(), resp.json().await.expect("JSON answer"), replayed)
    }

    async fn get(&self, path: &str) -> (u16, Value) {
        let resp = self.http.get(format!("{}{path}", self.base)).send().await.expect("platform answers");
        (resp.status().as_u16(), resp.json().await.expect("JSON answer"))
    }

    async fn create(&self, pg: PgName, amount: i64, key: &str) -> String {
        let (status, body, _) = self.post("/orders", Some(key), json!({ "pg": pg.as_str(), "amount": amount })).await;
        assert_eq!(status, 201, "{body}");
        body["order_id"].as_str().unwrap().to_string()
    }
}

#[tokio::test]
async fn twenty_concurrent_creates_with_one_key_make_one_order() {
    let embedded = embedded().await;
    let api = Api::new(&embedded);
    let body = json!({ "pg": "toss", "amount": 10000 });
    let answers = futures::future::join_all((0..20).map(|_| api.post("/orders", Some("click-1"), body.clone()))).await;
    let ids: Vec<_> = answers.iter().map(|(s, b, _)| (*s, b["order_id"].as_str().unwrap().to_string())).collect();
    assert!(ids.iter().all(|(s, id)| *s == 201 && *id == ids[0].1), "{ids:?}");
    assert_eq!(embedded.platform.orders_with_key("click-1"), 1);

    let (status, again, replayed) = api.post("/orders", Some("click-1"), body).await;
    assert_eq!((status, again["order_id"].as_str()), (201, Some(ids[0].1.as_str())));
    assert!(replayed, "a sequential replay carries Idempotent-Replayed: true");

    let (status, other, _) = api.post("/orders", Some("click-1"), json!({ "pg": "toss", "amount": 9999 })).await;
    assert_eq!((status, other["code"].as_str()), (422, Some("IDEMPOTENCY_KEY_REUSED")), "{other}");
    assert_eq!(embedded.platform.orders_with_key("click-1"), 1);
}

#[tokio::test]
async fn every_pg_approves_cancels_in_parts_and_refuses_a_further_cancel() {
    let embedded = embedded().await;
    let api = Api::new(&embedded);
    for pg in PgName::ALL {
        let order = api.create(pg, 10_000, &format!("create-{pg}")).await;
        let (status, body, _) = api.post(&format!("/orders/{order}/approve"), None, json!({})).await;
        assert_eq!((status, body["code"].as_str()), (400, Some("PG_PAYMENT_KEY_REQUIRED")), "{pg}: {body}");
        let key = api.customer_key(pg, &order, 10_000).await;
        let (status, body, _) = api.approve(&order, &key).await;
        assert_eq!(
            (status, body["status"].as_str(), body["balance"].as_i64()),
            (200, Some("APPROVED"), Some(10_000)),
            "{pg}: {body}"
        );

        let cancel = format!("/orders/{order}/cancel");
        let (status, body, _) = api.post(&cancel, Some(&format!("{pg}-c1")), json!({ "amount": 3000 })).await;
        assert_eq!(
            (status, body["status"].as_str(), body["balance"].as_i64()),
            (200, Some("PARTIAL_CANCELED"), Some(7000)),
            "{pg}: {body}"
        );
        let (status, body, _) = api.post(&cancel, Some(&format!("{pg}-c2")), json!({ "amount": 7000 })).await;
        assert_eq!(
            (status, body["status"].as_str(), body["balance"].as_i64()),
            (200, Some("CANCELED"), Some(0)),
            "{pg}: {body}"
        );

        let ledger = embedded.fleet.fake(pg).ledger();
        let before = ledger.payment_by_order(&order).expect("the PG has the payment");
        assert_eq!((before.status, before.balance), (PgStatus::Canceled, 0), "{pg}");
        let (status, body, _) = api.post(&cancel, Some(&format!("{pg}-c3")), json!({ "amount": 1000 })).await;
        assert_eq!(status, 422, "{pg}: {body}");
        assert_eq!(
            ledger.payment_by_order(&order).unwrap(),
            before,
            "{pg}: a refused cancel leaves the PG ledger unchanged"
        );

        let transactions = body["transactions"].as_array().unwrap();
        let types: Vec<_> = transactions.iter().map(|t| t["type"].as_str().unwrap()).collect();
        assert_eq!(types, ["APPROVAL", "PARTIAL_CANCEL", "PARTIAL_CANCEL"], "{pg}");
        let sum: i64 = transactions.iter().map(|t| t["amount"].as_i64().unwrap()).sum();
        assert_eq!(sum, 0, "{pg}: signed amounts sum to the balance");
    }
}

#[tokio::test]
async fn ten_racing_partial_cancels_never_overdraw() {
    let embedded = embedded().await;
    let api = Api::new(&embedded);
    let order = api.create(PgName::Kakaopay, 10_000, "race").await;
    let key = api.customer_key(PgName::Kakaopay, &order, 10_000).await;
    let (status, body, _) = api.approve(&order, &key).await;
    assert_eq!(status, 200, "{body}");
    let path = format!("/orders/{order}/cancel");
    let keys: Vec<String> = (0..10).map(|i| format!("race-cancel-{i}")).collect();
    let answers =
        futures::future::join_all(keys.iter().map(|k| api.post(&path, Some(k), json!({ "amount": 2000 })))).await;
    let ok = answers.iter().filter(|(s, _, _)| *s == 200).count();
    // Refused for the balance, or (once it is all cancelled) for the payment's state.
    let refused = answers
        .iter()
        .filter(|(s, b, _)| *s == 422 && (b["code"] == "CANCEL_EXCEEDS_BALANCE" || b["code"] == "NOT_CANCELABLE"))
        .count();
    assert_eq!((ok, refused), (5, 5), "{answers:?}");
    assert!(answers.iter().all(|(_, b, _)| b["balance"].as_i64().unwrap() >= 0));
    let (_, seen) = api.get(&format!("/orders/{order}")).await;
    assert_eq!((seen["status"].as_str(), seen["balance"].as_i64()), (Some("CANCELED"), Some(0)), "{seen}");
    let held = embedded.fleet.fake(PgName::Kakaopay).ledger().payment_by_order(&order).unwrap();
    assert_eq!((held.balance, held.cancels.len()), (0, 5));
}

#[tokio::test]
async fn an_approval_held_past_the_timeout_is_unknown_then_charged_once() {
    let embedded = embedded().await;
    let api = Api::new(&embedded);
    for pg in PgName::ALL {
        let order = api.create(pg, 10_000, &format!("slow-{pg}")).await;
        let key = api.customer_key(pg, &order, 10_000).await;
        embedded.fleet.fake(pg).faults().script(&[order.as_str()], Some(PgOp::Approve), Fault::Timeout, 1);
        let started = Instant::now();
        let (status, body, _) = api.approve(&order, &key).await;
        let waited = started.elapsed();
        assert!(waited < PG_TIMEOUT + Duration::from_secs(2), "{pg}: answered after {waited:?}");
        let first = body["status"].as_str().unwrap().to_string();
        assert!(first == "UNKNOWN" || first == "APPROVED", "{pg}: {status} {body}");

        // The client retries.
        let (status, body, _) = api.approve(&order, &key).await;
        assert_eq!((status, body["status"].as_str()), (200, Some("APPROVED")), "{pg}: {body}");
        let ledger = embedded.fleet.fake(pg).ledger();
        let approvals: Vec<_> =
            ledger.payments().into_iter().filter(|p| p.merchant_order_id == order && p.approval_id.is_some()).collect();
        assert_eq!(approvals.len(), 1, "{pg}: exactly one approval in the PG ledger");
        assert_eq!(body["balance"].as_i64(), Some(10_000));
    }
}

#[tokio::test]
async fn an_approval_left_unknown_is_settled_in_the_background_without_a_read() {
    let embedded = embedded().await;
    let api = Api::new(&embedded);
    // KCP sends no webhook: only the platform's own inquiry can learn the payment went through.
    let pg = PgName::Kcp;
    let order = api.create(pg, 10_000, "left-unknown").await;
    let key = api.customer_key(pg, &order, 10_000).await;
    embedded.fleet.fake(pg).faults().script(&[order.as_str()], Some(PgOp::Approve), Fault::Timeout, 1);
    let (_, body, _) = api.approve(&order, &key).await;
    assert_eq!(body["status"].as_str(), Some("UNKNOWN"), "{body}");
    // Nobody reads the order: the books (the settlement export, which settles nothing) show
    // the approval once the background inquiry has run.
    let export = || async {
        let url = format!("{}/settlements/export.csv", api.base);
        api.http.get(url).send().await.unwrap().text().await.unwrap()
    };
    assert!(!export().await.contains(&order), "still in doubt right after the timeout");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let books = export().await;
        if books.lines().any(|l| l.contains(&order) && l.contains("APPROVAL")) {
            break;
        }
        assert!(Instant::now() < deadline, "the background inquiry never settled {order}:\n{books}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn bad_requests_are_refused_with_a_code() {
    let embedded = embedded().await;
    let api = Api::new(&embedded);
    let (status, body, _) = api.post("/orders", None, json!({ "pg": "toss", "amount": 100 })).await;
    assert_eq!((status, body["code"].as_str()), (400, Some("IDEMPOTENCY_KEY_REQUIRED")));
    let (status, body, _) = api.post("/orders", Some("k"), json!({ "pg": "paypal", "amount": 100 })).await;
    assert_eq!((status, body["code"].as_str()), (400, Some("UNKNOWN_PG")));
    let (status, body, _) = api.post("/orders", Some("k"), json!({ "pg": "toss", "amount": -5 })).await;
    assert_eq!((status, body["code"].as_str()), (400, Some("INVALID_AMOUNT")));
    let (status, body, _) = api.approve("nope", "k").await;
    assert_eq!((status, body["code"].as_str()), (404, Some("ORDER_NOT_FOUND")));
    let order = api.create(PgName::Toss, 100, "k2").await;
    let (status, body, _) = api.post(&format!("/orders/{order}/cancel"), Some("c"), json!({ "amount": 50 })).await;
    assert_eq!((status, body["code"].as_str()), (422, Some("NOT_CANCELABLE")), "{body}");
}

#[tokio::test]
async fn a_cancel_sent_again_after_a_timeout_the_pg_carried_out_cancels_once() {
    let embedded = embedded().await;
    let api = Api::new(&embedded);
    // Naver Pay sends no webhook (the retry settles it); Toss's webhook may settle it first.
    for pg in [PgName::Naverpay, PgName::Toss] {
        let order = api.create(pg, 10_000, &format!("retry-{pg}")).await;
        let key = api.customer_key(pg, &order, 10_000).await;
        assert_eq!(api.approve(&order, &key).await.0, 200);
        // The cancel is carried out but answered too late, and the inquiry after it fails too.
        let faults = embedded.fleet.fake(pg).faults();
        faults.script(&[order.as_str()], Some(PgOp::Cancel), Fault::Timeout, 1);
        faults.script(&[order.as_str()], Some(PgOp::Inquire), Fault::Error, 1);
        let cancel = format!("/orders/{order}/cancel");
        let key = format!("retry-cancel-{pg}");
        let (status, body, _) = api.post(&cancel, Some(&key), json!({ "amount": 3000 })).await;
        assert_eq!(status, 504, "{pg}: the PG held its answer: {body}");
        let (status, body, _) = api.post(&cancel, Some(&key), json!({ "amount": 3000 })).await;
        assert_eq!((status, body["balance"].as_i64()), (200, Some(7000)), "{pg}: {body}");
        let held = embedded.fleet.fake(pg).ledger().payment_by_order(&order).unwrap();
        assert_eq!((held.balance, held.cancels.len()), (7000, 1), "{pg}: cancelled once at the PG");
        let (_, seen) = api.get(&format!("/orders/{order}")).await;
        assert_eq!(seen["balance"].as_i64(), Some(7000), "{pg}: and once on the platform: {seen}");
    }
}
