//! The bare goose program `bench harness` measures paydrill's load path against: FULL_FLOW's
//! six requests to the bench target with fixed bodies, at the same open arrival rate, and
//! nothing else — no profile, no extraction past the order id, no recording, no checks.

use crate::drive::load::open_rate_config;
use crate::measure::{ProcessCost, ProcessReading, Schedule, ON_TIME};
use crate::units::Rate;
use goose::client::GooseClientBuilder;
use goose::config::GooseConfiguration;
use goose::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What the bare goose program did and what it cost.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct BaselineFigures {
    pub scheduled: u64,
    pub started: u64,
    pub late: u64,
    /// Orders whose six requests were all answered.
    pub completed: u64,
    pub cost: ProcessCost,
}

#[derive(Default)]
struct Counts {
    started: AtomicU64,
    late: AtomicU64,
    completed: AtomicU64,
}

#[derive(Deserialize)]
struct Created {
    order_id: String,
}

/// Sends one request with an `Idempotency-Key`, as paydrill's profile does.
async fn send(
    user: &mut GooseUser,
    method: GooseMethod,
    path: &str,
    key: Option<String>,
    body: Option<serde_json::Value>,
) -> Result<goose::goose::GooseResponse, Box<TransactionError>> {
    let mut builder = user.get_request_builder(&method, path)?;
    if let Some(key) = key {
        builder = builder.header("Idempotency-Key", key);
    }
    if let Some(body) = body {
        builder = builder.json(&body);
    }
    user.request(GooseRequest::builder().method(method).path(path).set_request_builder(builder).build()).await
}

/// One FULL_FLOW order: create, approve, cancel part, cancel the rest, read, read again.
async fn order(user: &mut GooseUser, schedule: &Schedule, counts: &Counts) -> TransactionResult {
    let Some(slot) = schedule.claim() else {
        tokio::time::sleep(Duration::from_millis(200)).await;
        return Ok(());
    };
    tokio::time::sleep_until(tokio::time::Instant::from_std(slot.scheduled)).await;
    if Instant::now().saturating_duration_since(slot.scheduled) > ON_TIME {
        counts.late.fetch_add(1, Ordering::Relaxed);
    }
    counts.started.fetch_add(1, Ordering::Relaxed);
    let key = |step: u32| Some(format!("bench-{}-{step}", slot.n));
    let created =
        send(user, GooseMethod::Post, "/orders", key(1), Some(json!({ "pg": "toss", "amount": 10000 }))).await?;
    let Ok(response) = created.response else { return Ok(()) };
    let Ok(Created { order_id }) = response.json::<Created>().await else { return Ok(()) };
    let path = format!("/orders/{order_id}");
    send(user, GooseMethod::Post, &format!("{path}/approve"), key(2), Some(json!({}))).await?;
    send(user, GooseMethod::Post, &format!("{path}/cancel"), key(3), Some(json!({ "amount": 3000 }))).await?;
    send(user, GooseMethod::Post, &format!("{path}/cancel"), key(4), Some(json!({}))).await?;
    send(user, GooseMethod::Get, &path, None, None).await?;
    send(user, GooseMethod::Get, &path, None, None).await?;
    counts.completed.fetch_add(1, Ordering::Relaxed);
    Ok(())
}

/// Runs the bare goose program against the bench target at `host` for `duration`.
pub async fn run(host: &str, rate: Rate, duration: Duration) -> Result<BaselineFigures, String> {
    let per_second = rate.per_second();
    let lead = Duration::from_secs(1);
    let schedule = Arc::new(Schedule::new(per_second, Duration::ZERO, duration, lead));
    let counts = Arc::new(Counts::default());
    let config =
        open_rate_config(&GooseConfiguration::default(), host, per_second, lead + duration, Duration::from_secs(3));
    let (tx_schedule, tx_counts) = (schedule.clone(), counts.clone());
    let transaction = Transaction::new(Arc::new(move |user: &mut GooseUser| {
        let (schedule, counts) = (tx_schedule.clone(), tx_counts.clone());
        Box::pin(async move { order(user, &schedule, &counts).await })
    }))
    .set_name("order");
    let from = ProcessReading::now();
    // One client shared by every user, as paydrill's load path has: goose's best setting.
    GooseAttack::initialize_with_config(config)
        .and_then(|a| a.set_client_builder_without_cookies(GooseClientBuilder::new().without_cookies()))
        .map_err(|e| format!("goose settings: {e}"))?
        .register_scenario(Scenario::new("orders").register_transaction(transaction))
        .execute()
        .await
        .map_err(|e| format!("goose could not run: {e}"))?;
    Ok(BaselineFigures {
        scheduled: schedule.total,
        started: counts.started.load(Ordering::Relaxed),
        late: counts.late.load(Ordering::Relaxed),
        completed: counts.completed.load(Ordering::Relaxed),
        cost: ProcessCost::between(from, ProcessReading::now()),
    })
}
