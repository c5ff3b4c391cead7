//! The bench target: a minimal platform that speaks the reference platform's order API at a
//! small, fixed cost per request and calls no PG, so `bench harness` measures the harness and
//! not the target. It counts the requests it served, its own CPU time with them.

use crate::measure::ProcessReading;
use crate::pg::Krw;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// The profile paydrill drills the bench target through: the reference platform's API, with an
/// approve that needs no key from a PG window (there is no PG).
pub const PROFILE: &str = include_str!("../../../scenarios/profiles/bench-target.toml");

/// Orders kept at most; older ones are forgotten (a bench run reads each order right away).
const KEPT: u64 = 1_000_000;

/// What `GET /__bench/stats` answers.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
pub struct TargetStats {
    /// Requests served so far (the stats reads not counted).
    pub requests: u64,
    /// The target process's CPU time so far.
    pub cpu_ms: u64,
}

#[derive(Clone, Copy)]
struct Order {
    amount: Krw,
    balance: Krw,
    status: &'static str,
}

#[derive(Default)]
struct Orders {
    shards: [Mutex<HashMap<u64, Order>>; 16],
    next: AtomicU64,
    requests: AtomicU64,
}

impl Orders {
    fn shard(&self, n: u64) -> std::sync::MutexGuard<'_, HashMap<u64, Order>> {
        crate::locks::lock(&self.shards[(n % 16) as usize])
    }
}

/// The bench target's routes.
pub fn router() -> Router {
    Router::new()
        .route("/health", get(|| async { Json(json!({ "status": "ok" })) }))
        .route("/__bench/stats", get(stats))
        .route("/orders", post(create))
        .route("/orders/{id}", get(read))
        .route("/orders/{id}/approve", post(approve))
        .route("/orders/{id}/cancel", post(cancel))
        .with_state(Arc::new(Orders::default()))
}

/// Serves the bench target on `listener` until the process ends.
pub async fn serve(listener: tokio::net::TcpListener) -> std::io::Result<()> {
    axum::serve(listener, router()).await
}

async fn stats(State(orders): State<Arc<Orders>>) -> Json<TargetStats> {
    Json(TargetStats { requests: orders.requests.load(Ordering::Relaxed), cpu_ms: ProcessReading::now().cpu_ms })
}

#[derive(Deserialize)]
struct CreateBody {
    amount: Krw,
}

#[derive(Deserialize, Default)]
struct CancelBody {
    amount: Option<Krw>,
}

fn answer(status: StatusCode, id: u64, order: &Order) -> Response {
    let payment = (order.status != "CREATED").then(|| format!("bp{id}"));
    let body = json!({
        "order_id": format!("b{id}"),
        "payment_id": payment,
        "status": order.status,
        "amount": order.amount,
        "balance": order.balance,
    });
    (status, Json(body)).into_response()
}

fn refuse(status: StatusCode, code: &str) -> Response {
    (status, Json(json!({ "code": code, "message": code }))).into_response()
}

fn order_number(id: &str) -> Option<u64> {
    id.strip_prefix('b')?.parse().ok()
}

async fn create(State(orders): State<Arc<Orders>>, Json(body): Json<CreateBody>) -> Response {
    orders.requests.fetch_add(1, Ordering::Relaxed);
    if body.amount <= 0 {
        return refuse(StatusCode::BAD_REQUEST, "INVALID_AMOUNT");
    }
    let n = orders.next.fetch_add(1, Ordering::Relaxed);
    let order = Order { amount: body.amount, balance: 0, status: "CREATED" };
    {
        let mut shard = orders.shard(n);
        shard.insert(n, order);
        if let Some(old) = n.checked_sub(KEPT) {
            shard.remove(&old);
        }
    }
    answer(StatusCode::CREATED, n, &order)
}

/// Applies `change` to order `id` and answers with it, or refuses.
fn with_order(orders: &Orders, id: &str, change: impl FnOnce(&mut Order) -> Result<(), &'static str>) -> Response {
    orders.requests.fetch_add(1, Ordering::Relaxed);
    let Some(n) = order_number(id) else { return refuse(StatusCode::NOT_FOUND, "ORDER_NOT_FOUND") };
    let mut shard = orders.shard(n);
    let Some(order) = shard.get_mut(&n) else { return refuse(StatusCode::NOT_FOUND, "ORDER_NOT_FOUND") };
    match change(order) {
        Ok(()) => answer(StatusCode::OK, n, order),
        Err(code) => refuse(StatusCode::CONFLICT, code),
    }
}

async fn read(State(orders): State<Arc<Orders>>, Path(id): Path<String>) -> Response {
    with_order(&orders, &id, |_| Ok(()))
}

async fn approve(State(orders): State<Arc<Orders>>, Path(id): Path<String>) -> Response {
    with_order(&orders, &id, |o| match o.status {
        "CREATED" => {
            (o.status, o.balance) = ("APPROVED", o.amount);
            Ok(())
        }
        "APPROVED" => Ok(()),
        _ => Err("NOT_APPROVABLE"),
    })
}

async fn cancel(State(orders): State<Arc<Orders>>, Path(id): Path<String>, body: Option<Json<CancelBody>>) -> Response {
    let wanted = body.and_then(|Json(b)| b.amount);
    with_order(&orders, &id, |o| {
        if !matches!(o.status, "APPROVED" | "PARTIAL_CANCELED") {
            return Err("NOT_CANCELABLE");
        }
        let amount = wanted.unwrap_or(o.balance);
        if amount <= 0 || amount > o.balance {
            return Err("CANCEL_EXCEEDS_BALANCE");
        }
        o.balance -= amount;
        o.status = if o.balance == 0 { "CANCELED" } else { "PARTIAL_CANCELED" };
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn started() -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(serve(listener));
        url
    }

    #[tokio::test]
    async fn a_full_flow_goes_through_and_is_counted() {
        let url = started().await;
        let http = reqwest::Client::new();
        let created: serde_json::Value = http
            .post(format!("{url}/orders"))
            .json(&json!({"pg": "toss", "amount": 10000}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let id = created["order_id"].as_str().unwrap().to_string();
        assert_eq!(created["status"], "CREATED");
        let post = |path: String, body: serde_json::Value| {
            let http = http.clone();
            async move { http.post(path).json(&body).send().await.unwrap() }
        };
        let approved: serde_json::Value =
            post(format!("{url}/orders/{id}/approve"), json!({})).await.json().await.unwrap();
        assert_eq!((approved["status"].as_str(), approved["balance"].as_i64()), (Some("APPROVED"), Some(10000)));
        let part: serde_json::Value =
            post(format!("{url}/orders/{id}/cancel"), json!({"amount": 3000})).await.json().await.unwrap();
        assert_eq!((part["status"].as_str(), part["balance"].as_i64()), (Some("PARTIAL_CANCELED"), Some(7000)));
        let too_much = post(format!("{url}/orders/{id}/cancel"), json!({"amount": 8000})).await;
        assert_eq!(too_much.status(), 409, "a cancel above the balance is refused");
        let rest: serde_json::Value = post(format!("{url}/orders/{id}/cancel"), json!({})).await.json().await.unwrap();
        assert_eq!((rest["status"].as_str(), rest["balance"].as_i64()), (Some("CANCELED"), Some(0)));
        let stats: TargetStats = http.get(format!("{url}/__bench/stats")).send().await.unwrap().json().await.unwrap();
        assert_eq!(stats.requests, 5);
    }
}
