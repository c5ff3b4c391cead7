//! A platform client: turns an abstract op into the HTTP call its profile describes, sends it,
//! and reads the canonical fields back out of the answer. Knows nothing of scenarios.

use super::answer::{Prepared, TargetAnswer, Transport};
use super::net::describe_error;
use crate::record::{cap, AnswerFields, Phase, RequestRecord, ResponseRecord};
use crate::spec::{Op, Profile, Vars};
use serde_json::Value;
use std::time::Duration;

/// A platform reached over HTTP through a profile.
pub struct PlatformTarget {
    base_url: String,
    profile: Profile,
    http: reqwest::Client,
}

impl PlatformTarget {
    pub fn new(base_url: &str, profile: Profile, timeout: Duration) -> PlatformTarget {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(Duration::from_secs(3))
            .pool_max_idle_per_host(256)
            .build()
            .expect("reqwest client with static settings");
        PlatformTarget { base_url: base_url.trim_end_matches('/').to_string(), profile, http }
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    pub fn profile(&self) -> &Profile {
        &self.profile
    }

    /// The request `op` sends with `vars`, through the profile.
    pub fn prepare(&self, op: Op, vars: &Vars<'_>) -> Prepared {
        let call = &self.profile.ops[&op];
        let url = format!("{}{}", self.base_url, vars.fill(&call.path));
        let headers = call.headers.iter().map(|(k, v)| (k.clone(), vars.fill(v))).collect();
        let body = call.body.as_ref().map(|b| vars.fill_json(b).to_string()).unwrap_or_default();
        Prepared { record: RequestRecord { method: call.method.clone(), url, body }, headers }
    }

    /// Sends a prepared request (through `via` when given) and classifies the answer.
    pub async fn send(&self, op: Op, prepared: Prepared, via: Option<&dyn Transport>) -> TargetAnswer {
        let Prepared { record: request, headers } = prepared;
        let method = reqwest::Method::from_bytes(request.method.as_bytes()).unwrap_or(reqwest::Method::POST);
        let mut builder = self.http.request(method, &request.url);
        for (k, v) in &headers {
            builder = builder.header(k, v);
        }
        if !request.body.is_empty() {
            builder = builder.header("content-type", "application/json").body(request.body.clone());
        }
        let sent = match via {
            Some(transport) => transport.send(op, builder).await,
            None => builder.send().await.map_err(|e| describe_error(&e)),
        };
        let answer = match sent {
            Ok(resp) => {
                let status = resp.status().as_u16();
                let replayed = self
                    .profile
                    .replay_header
                    .as_deref()
                    .and_then(|h| resp.headers().get(h))
                    .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"true"));
                resp.text().await.map(|body| (status, body, replayed)).map_err(|e| describe_error(&e))
            }
            Err(e) => Err(e),
        };
        match answer {
            Ok((status, body, replayed)) => {
                let seen = self.read(op, &body);
                let phase = classify(status, seen.status.as_deref());
                let body = cap(body);
                TargetAnswer {
                    request,
                    response: Some(ResponseRecord { status, body, replayed }),
                    seen,
                    phase,
                    error: None,
                    raw: Vec::new(),
                }
            }
            Err(e) => TargetAnswer {
                request,
                response: None,
                seen: AnswerFields::default(),
                phase: Phase::Info,
                error: Some(e),
                raw: Vec::new(),
            },
        }
    }

    fn read(&self, op: Op, body: &str) -> AnswerFields {
        let Ok(v) = serde_json::from_str::<Value>(body) else { return AnswerFields::default() };
        let x = self.profile.extract_for(op);
        let text = |ptr: &Option<String>| {
            ptr.as_deref().and_then(|p| v.pointer(p)).and_then(|v| match v {
                Value::String(s) => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            })
        };
        let number = |ptr: &Option<String>| {
            ptr.as_deref().and_then(|p| v.pointer(p)).and_then(|v| match v {
                Value::Number(n) => n.as_i64(),
                Value::String(s) => s.parse().ok(),
                _ => None,
            })
        };
        AnswerFields {
            order_id: text(&x.order_id),
            payment_id: text(&x.payment_id),
            status: text(&x.status).map(|w| self.profile.canonical_status(&w)),
            balance: number(&x.balance),
            amount: v.get("amount").and_then(Value::as_i64),
        }
    }
}

/// 2xx is accepted unless the platform itself says the outcome is unknown; 4xx is refused;
/// 5xx leaves the outcome unknown.
pub fn classify(status: u16, canonical: Option<&str>) -> Phase {
    match status {
        200..=299 if matches!(canonical, Some("UNKNOWN") | Some("APPROVING")) => Phase::Info,
        200..=299 => Phase::Ok,
        400..=499 => Phase::Fail,
        _ => Phase::Info,
    }
}
