//! The reference platform's HTTP API (axum): the five operations plus health.
//!
//! | method | path                       | op             |
//! |--------|----------------------------|----------------|
//! | POST   | /orders                    | create_order   |
//! | POST   | /orders/{id}/approve       | approve (`{"pg_payment_key": K}`, the key the PG gave the customer) |
//! | POST   | /orders/{id}/cancel        | partial_cancel (`{"amount": N}`) / cancel (`{}`) |
//! | GET    | /orders/{id}               | inquire        |
//! | POST   | /webhooks/{pg}             | a PG's webhook (checked, taken once, applied by reading the PG back) |
//! | GET    | /settlements/export.csv    | the platform's own settlement export (what `paydrill reconcile` reads) |
//! | GET    | /health                    |                |

use super::payments::{Answer, CreateOrder, Payments};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;
use std::sync::Arc;

pub fn router(payments: Arc<Payments>) -> Router {
    Router::new()
        .route("/health", get(|| async { Json(json!({ "status": "ok" })) }))
        .route("/orders", post(create_order))
        .route("/orders/{id}", get(inquire))
        .route("/orders/{id}/approve", post(approve))
        .route("/orders/{id}/cancel", post(cancel))
        .route("/webhooks/{pg}", post(webhook))
        .route("/settlements/export.csv", get(settlement_export))
        .layer(axum::middleware::from_fn(stamp_arrival))
        .with_state(payments)
}

/// The header every answer carries: when its request arrived (ns since the epoch), so a harness
/// can measure how close together concurrent clicks really came in.
pub const ARRIVAL_HEADER: &str = "x-arrived-ns";

async fn stamp_arrival(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let arrived = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    let mut response = next.run(request).await;
    if let Ok(value) = arrived.to_string().parse() {
        response.headers_mut().insert(ARRIVAL_HEADER, value);
    }
    response
}

fn respond(answer: Answer) -> Response {
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = (status, Json(answer.body)).into_response();
    if answer.replayed {
        response.headers_mut().insert("idempotent-replayed", "true".parse().expect("static header value"));
    }
    response
}

fn idempotency_key(headers: &HeaderMap) -> Option<&str> {
    headers.get("idempotency-key").and_then(|v| v.to_str().ok())
}

/// Reads a JSON body, answering 400 with the reason when it is not the expected shape.
fn parse_body<T: serde::de::DeserializeOwned>(body: &Bytes) -> Result<T, Box<Response>> {
    let text = if body.is_empty() { &b"{}"[..] } else { &body[..] };
    serde_json::from_slice(text).map_err(|e| {
        Box::new(respond(Answer {
            status: 400,
            body: json!({ "code": "INVALID_REQUEST", "message": format!("bad JSON body: {e}") }),
            replayed: false,
        }))
    })
}

async fn create_order(State(p): State<Arc<Payments>>, headers: HeaderMap, body: Bytes) -> Response {
    match parse_body::<CreateOrder>(&body) {
        Ok(req) => respond(p.create_order(idempotency_key(&headers), req).await),
        Err(response) => *response,
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ApproveBody {
    pg_payment_key: Option<String>,
}

async fn approve(State(p): State<Arc<Payments>>, Path(id): Path<String>, body: Bytes) -> Response {
    match parse_body::<ApproveBody>(&body) {
        Ok(req) => respond(p.approve(&id, req.pg_payment_key).await),
        Err(response) => *response,
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CancelBody {
    amount: Option<i64>,
}

async fn cancel(State(p): State<Arc<Payments>>, Path(id): Path<String>, headers: HeaderMap, body: Bytes) -> Response {
    match parse_body::<CancelBody>(&body) {
        Ok(req) => respond(p.cancel(&id, idempotency_key(&headers), req.amount).await),
        Err(response) => *response,
    }
}

async fn webhook(State(p): State<Arc<Payments>>, Path(pg): Path<String>, headers: HeaderMap, body: Bytes) -> Response {
    let headers: Vec<(String, String)> =
        headers.iter().filter_map(|(k, v)| v.to_str().ok().map(|v| (k.as_str().to_string(), v.to_string()))).collect();
    respond(p.webhook(&pg, &headers, &String::from_utf8_lossy(&body)).await)
}

async fn inquire(State(p): State<Arc<Payments>>, Path(id): Path<String>) -> Response {
    respond(p.inquire(&id).await)
}

async fn settlement_export(State(p): State<Arc<Payments>>) -> Response {
    match p.settlement_export() {
        Ok(csv) => ([(axum::http::header::CONTENT_TYPE, "text/csv; charset=utf-8")], csv).into_response(),
        Err(why) => (StatusCode::INTERNAL_SERVER_ERROR, why).into_response(),
    }
}
