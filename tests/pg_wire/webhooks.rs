//! The webhooks the fakes send, received by a plain HTTP server standing in for the merchant:
//! each in its PG's format, signed where the PG signs (read back by paydrill's own codec, a
//! forged copy refused), retried the PG's way when refused, on both servers.

use crate::{customer_key, fake_and_client};
use paydrill::fakes::ServerKind;
use paydrill::pg::{ApproveRequest, CancelRequest, PaymentRef, PgClient, PgName, WebhookRefusal};
use paydrill::spec::WebhookScript;
use std::time::Duration;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A merchant's webhook endpoint answering `status` to the first `refusals` deliveries, 200 after.
async fn receiver(refusals: u64, status: u16) -> MockServer {
    let server = MockServer::start().await;
    if refusals > 0 {
        let refuse = ResponseTemplate::new(status);
        Mock::given(method("POST")).respond_with(refuse).up_to_n_times(refusals).mount(&server).await;
    }
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(200)).mount(&server).await;
    server
}

/// Approves `order` for 10,000 won and cancels 3,000 of it.
async fn approve_then_cancel(client: &PgClient, order: &str) -> String {
    let key = customer_key(client.base_url(), order, 10_000).await;
    let req = ApproveRequest {
        merchant_order_id: order.into(),
        amount: 10_000,
        idempotency_key: None,
        customer_key: Some(key),
    };
    let paid = client.approve(&req).await.result.expect("approve");
    let payment = PaymentRef { pg_payment_id: paid.pg_payment_id.clone(), merchant_order_id: order.into() };
    let cancel =
        CancelRequest { amount: Some(3_000), expected_balance: None, reason: "r".into(), idempotency_key: None };
    client.cancel(&payment, &cancel).await.result.expect("cancel");
    paid.pg_payment_id
}

/// The deliveries a receiver got, as headers and body.
async fn received(server: &MockServer, at_least: usize) -> Vec<(Vec<(String, String)>, String)> {
    for _ in 0..200 {
        let got = server.received_requests().await.unwrap_or_default();
        if got.len() >= at_least {
            return got
                .iter()
                .map(|r| {
                    let headers = r
                        .headers
                        .iter()
                        .map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or_default().to_string()))
                        .collect();
                    (headers, String::from_utf8_lossy(&r.body).to_string())
                })
                .collect();
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("fewer than {at_least} webhooks arrived");
}

async fn signed_and_read_back(pg: PgName, kind: ServerKind) {
    let (fleet, client) = fake_and_client(pg, kind).await;
    let hooks = receiver(0, 200).await;
    let fake = fleet.fake(pg);
    fake.webhooks().set_url(Some(format!("{}/hooks/{{pg}}", hooks.uri())));
    let secret = Some(fake.config().webhooks.secret.clone()).filter(|s| !s.is_empty());
    let secret = secret.unwrap_or_else(|| fake.config().credentials.secret.clone());
    let codec = pg.codec();
    let forged = WebhookScript { bad_signature: true, ..WebhookScript::ONCE };
    fake.webhooks().script(&["w_1"], paydrill::pg::PgOp::Approve, forged);
    let key = approve_then_cancel(&client, "w_1").await;
    let got = received(&hooks, 3).await;
    let mut notices = Vec::new();
    for (headers, body) in &got {
        match codec.read_webhook(headers, body, &secret) {
            Ok(notice) => notices.push(notice),
            Err(WebhookRefusal::BadSignature(_)) => {}
            Err(e) => panic!("{pg}: {e}: {body}"),
        }
    }
    assert_eq!(notices.len(), 2, "{pg}: the approval's and the cancel's webhooks read back, the forged one refused");
    assert!(notices.iter().all(|n| n.pg_payment_id.as_deref() == Some(key.as_str())), "{pg}: {notices:?}");
    assert_ne!(notices[0].event_id, notices[1].event_id, "{pg}: two events, two ids");
    let deliveries = fake.webhooks().deliveries();
    assert!(deliveries.iter().any(|d| d.forged && d.signed), "{pg}: the forged copy is logged: {deliveries:?}");
    assert!(fake.webhooks().idle("w_1"));
}

#[tokio::test(flavor = "multi_thread")]
async fn portone_webhooks_are_standard_webhooks_read_back_and_a_forged_one_refused() {
    signed_and_read_back(PgName::Portone, ServerKind::Wiremock).await;
    signed_and_read_back(PgName::Portone, ServerKind::Lean).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn nicepay_webhooks_are_signed_in_the_body_and_a_forged_one_refused() {
    signed_and_read_back(PgName::Nicepay, ServerKind::Wiremock).await;
    signed_and_read_back(PgName::Nicepay, ServerKind::Lean).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn toss_sends_payment_status_changed_and_retries_a_refused_one() {
    for kind in [ServerKind::Wiremock, ServerKind::Lean] {
        let (fleet, client) = fake_and_client(PgName::Toss, kind).await;
        let hooks = receiver(2, 500).await;
        let fake = fleet.fake(PgName::Toss);
        fake.webhooks().set_url(Some(format!("{}/toss", hooks.uri())));
        let key = approve_then_cancel(&client, "w_2").await;
        // Two refusals, then each event taken: the paid event is sent three times.
        let got = received(&hooks, 4).await;
        let bodies: Vec<serde_json::Value> = got.iter().map(|(_, b)| serde_json::from_str(b).unwrap()).collect();
        assert!(bodies.iter().all(|b| b["eventType"] == "PAYMENT_STATUS_CHANGED"), "{bodies:?}");
        assert_eq!(bodies[0]["data"]["paymentKey"], key.as_str());
        let statuses: Vec<&str> = bodies.iter().filter_map(|b| b["data"]["status"].as_str()).collect();
        assert!(statuses.contains(&"DONE") && statuses.contains(&"PARTIAL_CANCELED"), "{statuses:?}");
        for _ in 0..100 {
            if fake.webhooks().idle("w_2") {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        // Each refused delivery was sent again, and each event was finally taken.
        let deliveries = fake.webhooks().deliveries();
        assert_eq!(deliveries.iter().filter(|d| d.status == Some(500)).count(), 2, "{kind:?}: {deliveries:?}");
        for refused in deliveries.iter().filter(|d| d.status == Some(500)) {
            let again =
                deliveries.iter().any(|d| d.webhook_id == refused.webhook_id && d.attempt == refused.attempt + 1);
            assert!(again, "{kind:?}: Toss retries a refused webhook: {deliveries:?}");
        }
        let events: std::collections::BTreeSet<_> = deliveries.iter().map(|d| d.webhook_id.clone()).collect();
        for event in &events {
            assert!(deliveries.iter().any(|d| &d.webhook_id == event && d.status == Some(200)), "{deliveries:?}");
        }
        assert!(!deliveries.iter().any(|d| d.signed), "Toss signs nothing");
    }
}

#[tokio::test]
async fn kakaopay_sends_no_webhook_for_a_one_time_payment() {
    let (fleet, client) = fake_and_client(PgName::Kakaopay, ServerKind::Lean).await;
    let hooks = receiver(0, 200).await;
    fleet.fake(PgName::Kakaopay).webhooks().set_url(Some(hooks.uri()));
    approve_then_cancel(&client, "w_3").await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(hooks.received_requests().await.unwrap_or_default().is_empty());
}
