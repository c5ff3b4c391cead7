//! `paydrill bench fakes`: drives many requests at one PG fake on each server and reports
//! requests per second and the process's resident memory before and after — the figure that
//! decides which server hosts the fakes for long load runs.

use crate::fakes::{FakeFleet, ServerKind};
use crate::measure::ProcessReading;
use crate::pg::toss::basic_auth;
use crate::pg::PgName;
use crate::spec::MockConfig;
use futures::StreamExt;
use std::time::{Duration, Instant};

/// One server's figures.
#[derive(Debug, Clone)]
pub struct BenchResult {
    pub server: ServerKind,
    pub requests: u64,
    pub failures: u64,
    pub seconds: f64,
    pub rss_before_kb: u64,
    pub rss_after_kb: u64,
}

impl BenchResult {
    pub fn per_second(&self) -> f64 {
        self.requests as f64 / self.seconds.max(1e-9)
    }
}

/// Sends `requests` inquiries (over 100 approved payments) at a Toss fake on `server`.
pub async fn bench_fake(server: ServerKind, requests: u64, concurrency: usize) -> Result<BenchResult, String> {
    let fleet = FakeFleet::start(vec![MockConfig::embedded_for(PgName::Toss)], server, false)
        .await
        .map_err(|e| e.to_string())?;
    let endpoint = fleet.endpoint(PgName::Toss).ok_or("no toss fake")?;
    let auth = basic_auth(&endpoint.credentials().secret);
    let base = endpoint.base_url.clone();
    let http = reqwest::Client::builder().pool_max_idle_per_host(concurrency).build().map_err(|e| e.to_string())?;
    for i in 0..100 {
        let body = serde_json::json!({ "paymentKey": format!("bench_{i}"), "orderId": format!("bench-order-{i}"), "amount": 1000 });
        http.post(format!("{base}/v1/payments/confirm"))
            .header("Authorization", &auth)
            .json(&body)
            .send()
            .await
            .map_err(|e| e.to_string())?;
    }
    // Warm the connection pool and allocator before the first reading.
    let send = |i: u64| {
        let http = http.clone();
        let url = format!("{base}/v1/payments/bench_{}", i % 100);
        let auth = auth.clone();
        async move {
            http.get(url).header("Authorization", auth).send().await.map(|r| r.status().is_success()).unwrap_or(false)
        }
    };
    futures::stream::iter(0..2_000).map(send).buffer_unordered(concurrency).collect::<Vec<_>>().await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let rss_before_kb = ProcessReading::now().rss_kb;
    let started = Instant::now();
    let mut failures = 0;
    let mut answers = futures::stream::iter(0..requests).map(send).buffer_unordered(concurrency);
    while let Some(ok) = answers.next().await {
        if !ok {
            failures += 1;
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    let rss_after_kb = ProcessReading::now().rss_kb;
    Ok(BenchResult { server, requests, failures, seconds, rss_before_kb, rss_after_kb })
}
