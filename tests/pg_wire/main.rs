//! Every PG fake, through paydrill's own PG client and straight at its HTTP API: the wire
//! format round-trips, each fake answers its own error codes, and faults surface in the
//! right error category. One module per PG for the raw-HTTP checks.

mod roundtrip;

mod bluewalnut;
mod easypay;
mod inicis;
mod kakaolegacy;
mod kakaopay;
mod kcp;
mod naverorder;
mod naverpay;
mod niceepay;
mod nicepay;
mod portone;
mod toss;
mod webhooks;

use paydrill::fakes::{FakeFleet, ServerKind};
use paydrill::pg::{Credentials, PgClient, PgName};
use paydrill::spec::MockConfig;

/// One fake on wiremock, and a client for it with the right keys.
pub async fn fake_and_client(pg: PgName, kind: ServerKind) -> (FakeFleet, PgClient) {
    let fleet = FakeFleet::start(vec![MockConfig::embedded_for(pg)], kind, false).await.expect("fake starts");
    let endpoint = fleet.endpoint(pg).unwrap();
    let client = PgClient::new(pg, &endpoint.base_url, endpoint.credentials().clone())
        .with_timeout(std::time::Duration::from_millis(500));
    (fleet, client)
}

/// A client for the same fake holding a wrong secret.
pub fn client_with_wrong_key(pg: PgName, fleet: &FakeFleet) -> PgClient {
    let endpoint = fleet.endpoint(pg).unwrap();
    let creds = Credentials { secret: "wrong-secret".into(), ..endpoint.credentials().clone() };
    PgClient::new(pg, &endpoint.base_url, creds)
}

/// The fake's base URL and keys, for raw-HTTP tests.
pub fn endpoint(fleet: &FakeFleet, pg: PgName) -> (String, Credentials) {
    let e = fleet.endpoint(pg).unwrap();
    (e.base_url.clone(), e.credentials().clone())
}

/// Sends a request straight at a fake: JSON when `body` is an object, a form when it is a list
/// of pairs. Returns the HTTP status and the JSON answer.
pub async fn send(
    method: &str,
    url: &str,
    headers: &[(&str, String)],
    body: serde_json::Value,
) -> (u16, serde_json::Value) {
    let client = reqwest::Client::new();
    let mut req = client.request(reqwest::Method::from_bytes(method.as_bytes()).unwrap(), url);
    for (k, v) in headers {
        req = req.header(*k, v);
    }
    req = match body {
        serde_json::Value::Null => req,
        serde_json::Value::Array(pairs) => {
            let form: Vec<(String, String)> = pairs
                .into_iter()
                .map(|p| (p[0].as_str().unwrap().to_string(), p[1].as_str().unwrap().to_string()))
                .collect();
            req.form(&form)
        }
        other => req.json(&other),
    };
    let resp = req.send().await.expect("the fake answers");
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(serde_json::Value::Null))
}

/// Plays the customer at the fake's authorise endpoint: the key the PG's payment window would
/// give for `order` and `amount`.
pub async fn customer_key(base: &str, order: &str, amount: i64) -> String {
    let url = format!("{base}{}", paydrill::fakes::AUTHORIZE_PATH);
    let body = serde_json::json!({ "order_id": order, "amount": amount });
    let answer = reqwest::Client::new().post(url).json(&body).send().await.expect("authorise endpoint answers");
    let granted: serde_json::Value = answer.json().await.expect("JSON answer");
    granted["payment_key"].as_str().unwrap_or_else(|| panic!("no key for {order}: {granted}")).to_string()
}
